"""The search budget on Ray Tune: wall-clock time as a stopper (`TimeStopper`, the engine-free
`nas.search.budget.TimeBudget` that Ray Tune asks between results), or a number of networks to
train as a searcher wrapper (`TrialBudget`)."""

from __future__ import annotations

from ray.tune.search import Searcher
from ray.tune.stopper import Stopper

from nas.search.budget import TimeBudget
from nas.search.ray_engine.searchers import DelegatingSearcher


class TimeStopper(TimeBudget, Stopper):
    """Stops the experiment once the time budget is spent (`stop_all`); stops no single
    trial."""

    def __call__(self, trial_id, result) -> bool:
        return False


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
