"""The search budget in wall-clock time (its text is parsed by
`nas.search.options.parse_budget`): `TimeBudget` counts the time a search has run, across
restarts, in the run folder. Each engine enforces it its own way (Ray Tune as a stopper,
`nas.search.ray_engine.budget`, which also holds a budget in trials; keras-tuner between
trials)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from mobile_seg_nas import write_json

BUDGET_FILE = "budget.json"  # in the run folder: the time a search has spent


class TimeBudget:
    """`seconds` of running time, counted across restarts: `stop_all()` counts the time since
    its last call and says whether the budget is spent.

    The time spent is kept in `state_file` (JSON, rewritten every few seconds) and read back
    whenever the object is unpickled, as Ray Tune does when it restores an experiment (Ray
    checkpoints no stopper state of its own). Time while no search runs is not counted.
    """

    SAVE_EVERY_S = 2.0

    def __init__(self, seconds: float | None, state_file: str | Path):
        self.seconds = seconds
        self.state_file = str(state_file)
        self.spent = read_spent(state_file)
        self._last = self._saved = None

    def stop_all(self) -> bool:
        now = time.monotonic()
        if self._last is not None:
            self.spent += now - self._last
        self._last = now
        if self._saved is None or now - self._saved >= self.SAVE_EVERY_S:
            self.save()
            self._saved = now
        return self.exhausted

    @property
    def remaining(self) -> float | None:
        return None if self.seconds is None else max(0.0, self.seconds - self.spent)

    @property
    def exhausted(self) -> bool:
        return self.seconds is not None and self.spent >= self.seconds

    def refresh(self) -> None:
        """Takes in the time saved by the live copy (Ray runs a copy of this stopper)."""
        self.spent = max(self.spent, read_spent(self.state_file))

    def save(self) -> None:
        write_json(self.state_file, {"seconds": self.seconds, "spent": self.spent}, indent=None)

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.refresh()
        self._last = self._saved = None


def read_spent(state_file: str | Path) -> float:
    """Seconds a search has run so far, from its budget file (0 without one)."""
    try:
        return float(json.loads(Path(state_file).read_text())["spent"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0.0
