"""The search budget: a wall-clock duration (`90s`, `30m`, `2h`, `1h30m`) or a number of trials.

Time already spent survives a restore: `TimeBudget` (a Ray Tune stopper) keeps it in the run
folder.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import time
from pathlib import Path

from ray.tune.stopper import Stopper

from space.errors import UserInputError

BUDGET_FILE = "budget.json"  # in the run folder: the time a search has spent
_UNITS = {"s": 1, "m": 60, "h": 3600}
_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")


@dataclasses.dataclass(frozen=True)
class Budget:
    """Either `seconds` of wall-clock time or a number of `trials`."""

    seconds: float | None = None
    trials: int | None = None

    def __str__(self):
        return f"{self.trials} trials" if self.trials else format_duration(self.seconds)


def parse_budget(text: str) -> Budget:
    """`40` -> 40 trials; `90s`, `30m`, `2h`, `1h30m` -> a duration."""
    text = str(text).strip().lower()
    if text.isdigit():
        if int(text) < 1:
            raise UserInputError(f"--budget {text}: needs at least 1 trial")
        return Budget(trials=int(text))
    match = _DURATION.match(text)
    if not text or not match or not any(match.groups()):
        raise UserInputError(f"--budget {text!r}: expected a duration (90s, 30m, 2h) "
                             "or a number of trials (40)")
    seconds = sum(float(value) * _UNITS[unit]
                  for value, unit in zip(match.groups(), "hms") if value)
    if seconds <= 0:
        raise UserInputError(f"--budget {text}: the duration must be positive")
    return Budget(seconds=seconds)


def format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return (f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s" if minutes
            else f"{seconds}s")


class TimeBudget(Stopper):
    """Stops the experiment after `seconds` of running time, counted across restarts.

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

    def __call__(self, trial_id, result) -> bool:
        return False

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
        path = Path(self.state_file)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(json.dumps({"seconds": self.seconds, "spent": self.spent}))
        os.replace(temporary, path)

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
