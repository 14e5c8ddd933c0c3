"""A trial's folder as Ray Tune checkpoints: after each evaluation a trial reports a checkpoint
of its folder (`checkpoint_of`): its record files (`nas.search.artifacts.RECORD_FILES`) and the
newest trainer checkpoint, enough to continue training. Its last checkpoint is final: the
record files with `result.json` and the weights. Ray Tune copies each checkpoint to the
search's storage (`nas.search.artifacts.TrialStore`), so a retried or resumed trial continues
from its last checkpoint on any node (`restore`)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

from ray import tune

from mobile_seg_nas import read_json
from nas.search.artifacts import RECORD_FILES, RESULT_FILE, TrialStore
from trainers.runs import WEIGHTS_FILE, RunFolder


@contextlib.contextmanager
def checkpoint_of(trial_dir: Path, final: bool = False):
    """A checkpoint of a trial's folder to report: the record files with the newest trainer
    checkpoint (to continue training), or, when `final`, with the weights."""
    with tempfile.TemporaryDirectory(prefix="checkpoint-") as staging:
        staging = Path(staging)
        for name in RECORD_FILES + ((WEIGHTS_FILE,) if final else ()):
            if (trial_dir / name).is_file():
                shutil.copy2(trial_dir / name, staging / name)
        newest = None if final else RunFolder(trial_dir).newest_checkpoint()
        if newest is not None:
            shutil.copytree(newest, staging / newest.relative_to(trial_dir))
        yield tune.Checkpoint.from_directory(staging)


def restore(checkpoint: tune.Checkpoint, trial_dir: Path) -> dict | None:
    """Fills `trial_dir` from a reported checkpoint; returns the trial's result when the
    checkpoint ends a rung (the trial finished, or climbs on), else None (training continues
    from it)."""
    checkpoint.to_directory(str(trial_dir))
    result = trial_dir / RESULT_FILE
    return read_json(result, "trial result") if result.is_file() else None


def checkpoint_at(store: TrialStore, location: str) -> tune.Checkpoint:
    """The checkpoint at `location` in `store` (a trial table's `checkpoint` column)."""
    filesystem, path = store.resolve(location)
    return tune.Checkpoint(path=path, filesystem=filesystem)
