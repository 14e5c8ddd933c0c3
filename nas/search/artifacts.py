"""Trial artifacts: the files a trial keeps, how they travel through Ray Tune's storage, and how
they reach the run folder.

A trial trains in a folder on whichever node runs it. After each evaluation it reports a
checkpoint of that folder (`checkpoint_of`): its record files (`RECORD_FILES`) and the
newest trainer checkpoint, enough to continue training. Its last checkpoint is final: the
record files with `result.json` and the weights. Ray Tune copies each checkpoint to the
search's storage (`TrialStore`: a folder every node reaches, or a URI pyarrow understands),
so a retried or resumed trial continues from its last checkpoint on any node (`restore`).

The trial table records where each trial's last checkpoint is (its `checkpoint` column, a
path relative to the store's root). The driver copies the record files of finished trials and
the weights of the Pareto front into the run folder's `trials/<id>/` (`TrialStore.fetch`);
`nas export` fetches any other trial's weights when asked for them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import posixpath
import shutil
import tempfile
from pathlib import Path

import pyarrow.fs
from ray import tune

from common import UserInputError, first_line, read_json, write_bytes
from trainers.runs import WEIGHTS_FILE, RunFolder

RESULT_FILE = "result.json"
RUNG_RESULTS_FILE = "rung_results.json"  # a staged trial's results of the rungs it finished
PREVIOUS_RUNG_WEIGHTS = "previous-rung.weights.h5"  # where a new rung starts from
RECORD_FILES = ("config.json", "data.json", "metrics.csv", RESULT_FILE, RUNG_RESULTS_FILE)
EXPERIMENT = "ray"  # the Ray Tune experiment's folder in the store


@dataclasses.dataclass(frozen=True)
class TrialStore:
    """Where a search's Ray Tune experiment and trial checkpoints live: `root` is an absolute
    local folder or a URI (`s3://bucket/path`, `gs://...`, `file:///...`)."""

    root: str

    @classmethod
    def of_search(cls, storage: str | None, run_dir: str | Path) -> "TrialStore":
        """The store of the search in `run_dir`: the run folder itself without `storage`,
        else `<storage>/<name of the run folder>`."""
        run_dir = Path(run_dir).resolve()
        if storage is None:
            return cls(str(run_dir))
        return cls(f"{storage.rstrip('/')}/{run_dir.name}")

    @property
    def experiment(self) -> str:
        """The Ray Tune experiment (`Tuner.restore` takes it)."""
        return f"{self.root.rstrip('/')}/{EXPERIMENT}"

    def location(self, checkpoint: tune.Checkpoint) -> str:
        """Where a reported checkpoint is, relative to the root (for the trial table)."""
        return posixpath.relpath(checkpoint.path, self._filesystem[1])

    def checkpoint(self, location: str) -> tune.Checkpoint:
        filesystem, base = self._filesystem
        return tune.Checkpoint(path=f"{base}/{location}", filesystem=filesystem)

    def fetch(self, location: str, destination: str | Path, names) -> list[str]:
        """Copies the files `names` of the checkpoint at `location` that it holds into the
        folder `destination` (each written atomically); returns the names copied."""
        filesystem, base = self._filesystem
        destination = Path(destination)
        destination.mkdir(parents=True, exist_ok=True)
        copied = []
        for name in names:
            source = f"{base}/{location}/{name}"
            if filesystem.get_file_info(source).type != pyarrow.fs.FileType.File:
                continue
            with filesystem.open_input_stream(source) as stream:
                write_bytes(destination / name, stream.read())
            copied.append(name)
        return copied

    def check(self, new: bool) -> None:
        """UserInputError (one line) when the store cannot be reached or written, or when a
        `new` search would write into a folder that holds files already."""
        try:
            filesystem, base = self._filesystem
            kind = filesystem.get_file_info(base).type
            holds_files = (kind == pyarrow.fs.FileType.Directory
                           and bool(filesystem.get_file_info(pyarrow.fs.FileSelector(base))))
        except (OSError, ValueError, pyarrow.ArrowException) as error:
            raise UserInputError(f"--storage: cannot reach {self.root} "
                                 f"({first_line(error)})") from None
        if kind == pyarrow.fs.FileType.File:
            raise UserInputError(f"--storage: {self.root} is a file, not a folder")
        if new and holds_files:
            raise UserInputError(f"--storage: {self.root} holds files already (the storage of "
                                 "a search with the same run folder name?); choose another "
                                 "--out name or --storage")
        if isinstance(filesystem, pyarrow.fs.LocalFileSystem):
            _check_writable(Path(base))

    @functools.cached_property
    def _filesystem(self) -> tuple[pyarrow.fs.FileSystem, str]:
        filesystem, base = pyarrow.fs.FileSystem.from_uri(self.root)
        return filesystem, base.rstrip("/")


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


def _check_writable(folder: Path) -> None:
    """`folder` exists and is writable, or can be created."""
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        raise UserInputError(f"--storage: cannot write in {existing}")
