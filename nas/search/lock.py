"""One `nas search` per run folder: a lock file holding the owner's process id and host.

A lock left by a process that is gone (killed, crashed, machine rebooted) is stale: the next
search on this host takes it over. A lock held from another host cannot be checked from here;
the error says so.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
from pathlib import Path

from mobile_seg_nas import UserInputError

log = logging.getLogger("nas.search")

LOCK_FILE = "search.lock"


def check_unlocked(run_dir: str | Path) -> None:
    """Raises UserInputError when another live `nas search` holds `run_dir`."""
    owner = _owner(Path(run_dir) / LOCK_FILE)
    if owner is not None and _alive(owner):
        raise UserInputError(_held_message(run_dir, owner))


@contextlib.contextmanager
def run_lock(run_dir: str | Path):
    """Holds the lock of `run_dir` (created if needed) while the block runs."""
    path = Path(run_dir) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    _acquire(path)
    try:
        yield
    finally:
        if _owner(path) == _me():
            path.unlink(missing_ok=True)


def _acquire(path: Path) -> None:
    for _ in range(2):
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner = _owner(path)
            if owner is not None and _alive(owner):
                raise UserInputError(_held_message(path.parent, owner)) from None
            log.warning(
                "%s: taking over a stale lock (%s)",
                path.parent,
                _describe(owner) if owner else "unreadable",
            )
            path.unlink(missing_ok=True)
            continue
        with os.fdopen(descriptor, "w") as handle:
            json.dump(_me(), handle)
        return
    raise UserInputError(f"{path}: another nas search took the lock at the same time")


def _me() -> dict:
    return {"pid": os.getpid(), "host": socket.gethostname()}


def _owner(path: Path) -> dict | None:
    try:
        owner = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return owner if isinstance(owner, dict) and isinstance(owner.get("pid"), int) else None


def _alive(owner: dict) -> bool:
    """Whether the owner may still run: always for another host (it cannot be checked)."""
    if owner.get("host") != socket.gethostname():
        return True
    try:
        os.kill(owner["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user
        return True
    return True


def _describe(owner: dict) -> str:
    return f"pid {owner['pid']} on {owner.get('host', '?')}"


def _held_message(run_dir, owner: dict) -> str:
    return (
        f"--out {run_dir}: another nas search ({_describe(owner)}) is using this run folder; "
        f"wait for it or stop it (if it runs on another machine and is gone, delete "
        f"{Path(run_dir) / LOCK_FILE})"
    )
