"""The search's Ray Tune searcher wrappers: `DelegatingSearcher` passes everything on to the
searcher it wraps, the base of `ReuseRepeats` (below) and of the trial budget
(`nas.search.ray_engine.budget.TrialBudget`).

Repeated suggestions: a config the search has already trained is not trained again. Once a
sampler's good region is small it suggests configs it has seen (TPE did so for 22 of
a 1-hour search's 110 trials, `benchmarks/search_fidelity.md`), and a trial of the same config
at the same fidelity and seed only measures the same mIOU again. `ReuseRepeats` wraps the
search's Ray Tune searcher: a suggestion whose config has a finished trial in the trial table
is told that trial's result at once, and the sampler is asked again. Each reuse is a line of
`repeats.jsonl` in the run folder. After `max_repeats` repeats in a row (a space nearly
exhausted) the suggestion is trained anyway, so a search never stalls.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ray.tune.search import Searcher

from results import read_trials
from results.report import REPEATS_FILE
from results.table import completed_trials

log = logging.getLogger("nas.search")


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


class ReuseRepeats(DelegatingSearcher):
    """A searcher that reuses the recorded result of a config instead of training it again."""

    def __init__(self, searcher: Searcher, space, run_dir: str | Path, max_repeats: int = 50):
        super().__init__(searcher)
        self.space = space  # a SearchSpace at the training size: params -> config id
        self.run_dir = Path(run_dir)
        self.max_repeats = max_repeats
        self.inner_ids: dict[str, str] = {}  # Ray Tune's trial id -> the searcher's for it

    def suggest(self, trial_id: str):
        finished = self._finished_results()
        for attempt in range(self.max_repeats + 1):
            inner_id = trial_id if attempt == 0 else f"{trial_id}-{attempt}"
            params = self.searcher.suggest(inner_id)
            if not isinstance(params, dict):  # None (ask later) or Searcher.FINISHED
                return params
            config_id = self.space.config_from_params(params).id
            if config_id in finished and attempt < self.max_repeats:
                original, result = finished[config_id]
                self.searcher.on_trial_complete(inner_id, result=result)
                self._record(config_id, original, result)
                continue
            self.inner_ids[trial_id] = inner_id
            return params

    def on_trial_result(self, trial_id: str, result: dict) -> None:
        self.searcher.on_trial_result(self.inner_ids.get(trial_id, trial_id), result)

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False):
        self.searcher.on_trial_complete(
            self.inner_ids.pop(trial_id, trial_id), result=result, error=error
        )

    def get_state(self) -> dict:
        return {"inner_ids": dict(self.inner_ids)}

    def set_state(self, state: dict) -> None:
        self.inner_ids = dict(state["inner_ids"])

    def _finished_results(self) -> dict[str, tuple[str, dict]]:
        """Config id -> (trial id, its result) of the trials that finished with both
        objectives (the first such trial of each config)."""
        try:
            done = completed_trials(read_trials(self.run_dir))
        except FileNotFoundError:
            return {}
        metrics = [self.metric] if isinstance(self.metric, str) else list(self.metric)
        results = {}
        for row in done.to_dict("records"):
            results.setdefault(
                row["config_id"], (row["trial_id"], {name: float(row[name]) for name in metrics})
            )
        return results

    def _record(self, config_id: str, original: str, result: dict) -> None:
        line = {"config_id": config_id, "reused_trial": original, **result}
        with open(self.run_dir / REPEATS_FILE, "a") as file:
            file.write(json.dumps(line) + "\n")
        log.info(
            "a suggestion repeated config %s: trial %s's result reused, not trained again",
            config_id,
            original,
        )
