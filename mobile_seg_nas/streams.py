"""Keeping native libraries' start-up chatter off the terminal."""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def muted_stderr():
    """Sends everything written to file descriptor 2 (C++ logs included) to /dev/null while
    the block runs, so that stderr carries only the toolkit's own lines."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
