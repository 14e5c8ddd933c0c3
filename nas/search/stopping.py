"""Why a search stops before its budget, and how it stops cleanly.

- Ctrl-C or SIGTERM: `GracefulStop` asks Ray Tune to end the experiment as its own Ctrl-C
  handling does (trials stopped, experiment state saved, so `--resume` continues); a second
  signal stops at once.
- Trials failing in a row: `FailureLimit` trips on the `limit`-th failure in a row (the first
  trials of a search count as a row), so a search whose every trial fails stops early with
  its first error instead of spending its budget.
- A run folder that cannot be written (disk full): `RunFolderError`.

The search then raises `SearchStopped`, whose message is one line for the CLI.
"""

from __future__ import annotations

import signal
import threading


class SearchStopped(Exception):
    """A search stopped before its budget; what it recorded is kept and `--resume` continues.
    `exit_code`: 128 + the signal number for a signal, else 1."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class RunFolderError(OSError):
    """A file of the run folder could not be written; the previous version is intact."""


class FailureLimit:
    """Counts failed trials in a row (in the order they end); `tripped` after `limit` of them
    (0: never). A completed or early-stopped trial ends the row; interrupted ones do not
    count."""

    def __init__(self, limit: int):
        self.limit = limit
        self.row: list[tuple[str, str]] = []  # (trial id, error) of the current row

    def record(self, trial_id: str, status: str, error: str = "") -> None:
        if status == "failed":
            self.row.append((trial_id, error))
        elif status in ("completed", "early_stopped"):
            self.row = []

    @property
    def tripped(self) -> bool:
        return bool(self.limit) and len(self.row) >= self.limit

    def stopped(self, run_dir) -> SearchStopped:
        """The error of a tripped limit: its first failure, and how to continue."""
        trial_id, error = self.row[0]
        return SearchStopped(
            f"{len(self.row)} trials failed in a row; the first (trial "
            f"{trial_id}): {error or 'unknown error'}; the run folder keeps "
            "every trial so far: fix the cause and continue with "
            f"`nas search --resume --out {run_dir}`"
        )


class GracefulStop:
    """While active (a context manager in the main thread), Ctrl-C and SIGTERM stop the search
    gracefully; `request()` does the same from code (the failure limit).

    With `ray_tune`, the stop is Ray Tune's own graceful end of an experiment, which it runs
    on SIGUSR1 as on Ctrl-C: trials stopped, experiment state saved, the searcher not marked
    finished (so a restored experiment samples on). The search replaces Ray Tune's Ctrl-C
    handler (`TUNE_DISABLE_SIGINT_HANDLER`) to see every signal. Without `ray_tune` (trials
    run in this process), or before the experiment runs, the stop is a KeyboardInterrupt.
    A second signal always stops at once.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, ray_tune: bool = True):
        self.ray_tune = ray_tune
        self.signal: int | None = None  # the first signal received
        self.requested = False

    def request(self) -> None:
        if self.requested:
            return
        self.requested = True
        if self.ray_tune and callable(signal.getsignal(signal.SIGUSR1)):  # Ray Tune's handler
            signal.raise_signal(signal.SIGUSR1)
        else:
            raise KeyboardInterrupt

    def interrupted(self, run_dir) -> SearchStopped | None:
        """The error of a search stopped by a signal (None without one)."""
        if self.signal is None:
            return None
        return SearchStopped(
            f"interrupted by {signal.Signals(self.signal).name}: running "
            "trials are marked interrupted; continue with `nas search "
            f"--resume --out {run_dir}`",
            exit_code=128 + self.signal,
        )

    def __getstate__(self):  # signal handlers belong to this process (Ray Tune pickles it)
        return {"ray_tune": self.ray_tune, "signal": None, "requested": False}

    def _handle(self, number, frame) -> None:
        if self.signal is not None:
            raise KeyboardInterrupt
        self.signal = number
        self.request()

    def __enter__(self):
        self._previous = {}
        if threading.current_thread() is threading.main_thread():
            self._previous = {
                number: signal.signal(number, self._handle) for number in self.SIGNALS
            }
        return self

    def __exit__(self, *exc_info):
        for number, handler in self._previous.items():
            signal.signal(number, handler)
