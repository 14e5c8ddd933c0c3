"""The Ray Tune trainable of a search: one trial (`nas.search.trial.train_trial`) in a folder of
the node that runs it, reported as checkpoints (`nas.search.ray_engine.checkpoints`)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ray import tune

from nas.search.artifacts import TrialStore
from nas.search.ray_engine.checkpoints import checkpoint_at, checkpoint_of, restore
from nas.search.trial import TrialSettings, train_trial


def run_trial(
    params: dict, settings: TrialSettings, store: TrialStore, finished: dict[str, str]
) -> None:
    """Ray Tune function trainable (its name is in Ray's trial folder names). Trains in a
    temporary folder of this node and reports a checkpoint of it after each evaluation and
    rung; a retried or restored trial continues from its last checkpoint, and one that had
    finished (`finished`: trial id -> its final checkpoint in `store`) reports its result
    again instead of training a second time."""
    trial_id = tune.get_context().get_trial_id()
    location = finished.get(trial_id)
    checkpoint = checkpoint_at(store, location) if location else tune.get_checkpoint()
    # One folder name per trial: a retry on this node replaces what a killed attempt left.
    trial_dir = Path(tempfile.gettempdir()) / f"nas-trial-{trial_id}"
    shutil.rmtree(trial_dir, ignore_errors=True)
    try:
        if checkpoint is not None and (stored := restore(checkpoint, trial_dir)) is not None:
            tune.report(stored, checkpoint=checkpoint)  # a rung's end: decided again
            if stored["final"] or location:
                return

        def report(metrics: dict) -> None:
            with checkpoint_of(trial_dir, final=metrics.get("rung_end", False)) as evaluation:
                tune.report(metrics, checkpoint=evaluation)

        metrics = train_trial(params, settings, trial_dir, report=report)
        with checkpoint_of(trial_dir, final=True) as final:
            tune.report(metrics, checkpoint=final)
    finally:
        shutil.rmtree(trial_dir, ignore_errors=True)
