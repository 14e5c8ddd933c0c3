"""Reading the JSON files users hand in (configs, DPC cells, search spaces)."""

from __future__ import annotations

import json
from pathlib import Path

from space.errors import UserInputError


def read_json(path: str | Path, what: str):
    """The parsed content of a JSON file; unreadable or invalid files raise one clear line."""
    try:
        return json.loads(Path(path).read_text())
    except OSError as error:
        raise UserInputError(f"{what} {path}: cannot read ({error.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UserInputError(f"{what} {path}: not valid JSON ({error})") from None
