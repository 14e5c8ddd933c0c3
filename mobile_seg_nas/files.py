"""File plumbing: atomic writes (readers see the old file or the whole new one, never a part)
and reading JSON with one-line errors."""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path
from typing import Callable

from mobile_seg_nas.errors import UserInputError


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Calls `write(temporary)` for a temporary path next to `path` (same name at the end, so
    writers that look at the suffix still work), then moves it to `path`. On any error the
    temporary file (or folder) is removed and `path` is left as it was."""
    path = Path(path)
    temporary = path.with_name(f".tmp-{os.getpid()}-{secrets.token_hex(3)}-{path.name}")
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        if temporary.is_dir():
            shutil.rmtree(temporary, ignore_errors=True)
        else:
            temporary.unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    return atomic_write(path, lambda temporary: temporary.write_text(text))


def write_bytes(path: str | Path, content: bytes) -> Path:
    return atomic_write(path, lambda temporary: temporary.write_bytes(content))


def write_json(path: str | Path, data, indent: int | None = 2) -> Path:
    """`data` as JSON (indented, with a final newline)."""
    return write_text(path, json.dumps(data, indent=indent) + "\n")


def read_json(path: str | Path, what: str):
    """The parsed content of a JSON file; unreadable or invalid files raise one clear line
    naming `what` the file is (e.g. "config file")."""
    try:
        return json.loads(Path(path).read_text())
    except OSError as error:
        raise UserInputError(f"{what} {path}: cannot read ({error.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UserInputError(f"{what} {path}: not valid JSON ({error})") from None


def check_format(data, where: str, what: str, format: str, version: int, remedy: str) -> None:
    """Raises one clear line unless `data` (read from `where`) is a JSON object of `format`
    (a `what`) at `version`; `remedy` tells how to get a file of this version."""
    if not isinstance(data, dict) or data.get("format") != format:
        raise UserInputError(f'{where}: not a {what} (expected "format": "{format}")')
    if data.get("version") != version:
        raise UserInputError(
            f"{where}: version {data.get('version')!r} is not supported (this toolkit reads "
            f"version {version}); {remedy}"
        )
