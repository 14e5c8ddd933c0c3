"""The Ray Tune callback of a search: feeds the `TrialRecorder` as trials start and end, and
copies the files of finished trials from the search's storage into the run folder."""

from __future__ import annotations

from pathlib import Path

from ray.tune import Callback

from nas.search.artifacts import RECORD_FILES, TrialStore
from nas.search.recorder import TrialRecorder
from nas.search.stopping import GracefulStop
from trainers.runs import WEIGHTS_FILE


class RayRecorder(Callback):
    """Ray Tune callback feeding a `TrialRecorder` (runs in the driver process): copies the
    record files of finished trials and the weights of the Pareto front from the search's
    storage (`store`) into the run folder, and asks `stop` to end the search when the failure
    limit trips."""

    def __init__(self, recorder: TrialRecorder, stop: GracefulStop, store: TrialStore):
        self.recorder = recorder
        self.stop = stop
        self.store = store

    def setup(self, **info):
        self.recorder.load()

    def on_trial_start(self, iteration, trials, trial, **info):
        self.recorder.started(trial.trial_id, trial.config)

    def on_trial_complete(self, iteration, trials, trial, **info):
        result = trial.last_result or {}
        if result.get("over_limit"):  # not trained: its mIOU is only what the sampler was told
            status, result = (
                "over_limit",
                {key: value for key, value in result.items() if key != "miou"},
            )
        elif result.get("final") or result.get("rung_end"):
            status = "completed"  # every rung it climbed (the staged scheduler stopped it)
        elif "miou" in result and not self.stop.requested and not _exhausted(self.recorder.budget):
            status = "early_stopped"  # by the scheduler (ASHA)
        else:
            status = "interrupted"  # by the end of the budget, a signal or the failure limit
        location = self.store.location(trial.checkpoint) if trial.checkpoint else ""
        if location and status != "interrupted":
            self.store.fetch(
                location, self.recorder.settings.trial_dir(trial.trial_id), RECORD_FILES
            )
        summary = self.recorder.finished(
            trial.trial_id, trial.config, status, result, checkpoint=location
        )
        self._fetch_front_weights(summary["front"])

    def on_trial_error(self, iteration, trials, trial, **info):
        self.recorder.finished(
            trial.trial_id, trial.config, "failed", trial.last_result, error=_error_line(trial)
        )
        if self.recorder.failures.tripped:
            self.stop.request()

    def on_experiment_end(self, trials, **info):
        self.recorder.interrupt_running()

    def _fetch_front_weights(self, front: list[dict]) -> None:
        for member in front:
            trial_id = member["trial_id"]
            folder = self.recorder.settings.trial_dir(trial_id)
            location = self.recorder.rows[trial_id].get("checkpoint")
            if location and not (folder / WEIGHTS_FILE).is_file():
                self.store.fetch(location, folder, [WEIGHTS_FILE])


def _exhausted(budget) -> bool:
    if budget is None:
        return False
    budget.refresh()
    return budget.exhausted


def _error_line(trial) -> str:
    """The last line of a failed trial's error (the exception and its message)."""
    path = trial.error_file
    text = Path(path).read_text(errors="replace") if path and Path(path).is_file() else ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "unknown error"
