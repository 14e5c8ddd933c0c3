"""The search budget (its text is parsed by `nas.search.options.parse_budget`): wall-clock time
as a Ray Tune stopper (`TimeBudget`; time already spent survives a restore, kept in the run
folder), or a number of networks to train as a searcher wrapper (`TrialBudget`)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from ray.tune.search import Searcher
from ray.tune.stopper import Stopper

from common import write_json
from nas.search.delegating import DelegatingSearcher

BUDGET_FILE = "budget.json"  # in the run folder: the time a search has spent


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


class TrialBudget(DelegatingSearcher):
    """Ends the search's suggestions once `trials` of them will be trained: a suggestion that
    `will_train(params)` says is not (a config over a staged search's latency limit, recorded
    but never trained) is not counted. Trials already running finish."""

    def __init__(self, searcher: Searcher, trials: int, will_train):
        super().__init__(searcher)
        self.trials, self.will_train = trials, will_train
        self.trained = 0

    def suggest(self, trial_id: str):
        if self.trained >= self.trials:
            return Searcher.FINISHED
        params = self.searcher.suggest(trial_id)
        if isinstance(params, dict) and self.will_train(params):
            self.trained += 1
        return params

    def get_state(self) -> dict:
        return {"trained": self.trained}

    def set_state(self, state: dict) -> None:
        self.trained = state["trained"]
