"""Output folders written all at once: build in a hidden sibling folder, then rename into place,
so that a failed or interrupted export leaves nothing half-written."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from mobile_seg_nas import UserInputError

IDENTITY_FILES = ("metadata.json", "index.json")


def check_out_folder(path: Path, export_key: str) -> None:
    """Raises unless `path` is absent, empty, or an earlier export of the same models."""
    if not path.exists():
        return
    if not path.is_dir():
        raise UserInputError(f"--out {path}: is a file, not a folder")
    if not any(path.iterdir()):
        return
    for name in IDENTITY_FILES:
        if (path / name).is_file():
            try:
                key = json.loads((path / name).read_text()).get("export_key")
            except (OSError, json.JSONDecodeError, AttributeError):
                key = None
            if key == export_key:
                return
            raise UserInputError(
                f"--out {path}: already holds a different export; "
                "choose another folder or delete it"
            )
    raise UserInputError(
        f"--out {path}: exists and holds other files; choose an empty or new folder"
    )


@contextlib.contextmanager
def staged_folder(path: Path):
    """Yields an empty staging folder next to `path`; on success it replaces `path`, on error it
    is deleted and `path` is left as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
    try:
        yield staging
        old = None
        if path.exists():
            old = path.with_name(f".{path.name}.{staging.name}.old")
            os.replace(path, old)
        os.replace(staging, path)
        if old is not None:
            shutil.rmtree(old)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
