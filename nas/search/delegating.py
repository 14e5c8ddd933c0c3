"""`DelegatingSearcher`: a Ray Tune searcher that wraps another and passes everything on, the
base of the search's wrappers (`ReuseRepeats`, `TrialBudget`)."""

from __future__ import annotations

from ray.tune.search import Searcher


class DelegatingSearcher(Searcher):
    """Passes suggestions, results and saving on to `searcher`. Ray Tune saves a wrapper's
    state (`get_state`, found through its `searcher` attribute) and the wrapped searcher's
    (`save`) apart."""

    def __init__(self, searcher: Searcher):
        super().__init__()
        self.searcher = searcher

    @property
    def metric(self):
        return self.searcher.metric

    @property
    def mode(self):
        return self.searcher.mode

    def set_search_properties(self, metric, mode, config, **spec) -> bool:
        return self.searcher.set_search_properties(metric, mode, config, **spec)

    def suggest(self, trial_id: str):
        return self.searcher.suggest(trial_id)

    def on_trial_result(self, trial_id: str, result: dict) -> None:
        self.searcher.on_trial_result(trial_id, result)

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False):
        self.searcher.on_trial_complete(trial_id, result=result, error=error)

    def save(self, checkpoint_path: str) -> None:
        self.searcher.save(checkpoint_path)

    def restore(self, checkpoint_path: str) -> None:
        self.searcher.restore(checkpoint_path)
