"""Trial artifacts: the files a trial keeps, and the store they travel through to reach the run
folder.

A trial trains in a folder on whichever node runs it and keeps its record files there
(`RECORD_FILES`). On Ray Tune, it reports checkpoints of that folder
(`nas.search.ray_engine.checkpoints`), which Ray Tune copies to the search's storage
(`TrialStore`: a folder every node reaches, or a URI pyarrow understands), so a retried or
resumed trial continues from its last checkpoint on any node.

The trial table records where each trial's last checkpoint is (its `checkpoint` column, a
path relative to the store's root). The driver copies the record files of finished trials and
the weights of the Pareto front into the run folder's `trials/<id>/` (`TrialStore.fetch`);
`nas export` fetches any other trial's weights when asked for them. Nothing here imports Ray.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import posixpath
from pathlib import Path

import pyarrow.fs

from mobile_seg_nas import UserInputError, first_line, write_bytes

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

    def location(self, checkpoint) -> str:
        """Where a reported checkpoint (a Ray Tune `Checkpoint`) is, relative to the root (for
        the trial table)."""
        return posixpath.relpath(checkpoint.path, self._filesystem[1])

    def resolve(self, location: str) -> tuple[pyarrow.fs.FileSystem, str]:
        """The filesystem and path of the checkpoint at `location`."""
        filesystem, base = self._filesystem
        return filesystem, f"{base}/{location}"

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
            holds_files = kind == pyarrow.fs.FileType.Directory and bool(
                filesystem.get_file_info(pyarrow.fs.FileSelector(base))
            )
        except (OSError, ValueError, pyarrow.ArrowException) as error:
            raise UserInputError(
                f"--storage: cannot reach {self.root} ({first_line(error)})"
            ) from None
        if kind == pyarrow.fs.FileType.File:
            raise UserInputError(f"--storage: {self.root} is a file, not a folder")
        if new and holds_files:
            raise UserInputError(
                f"--storage: {self.root} holds files already (the storage of "
                "a search with the same run folder name?); choose another "
                "--out name or --storage"
            )
        if isinstance(filesystem, pyarrow.fs.LocalFileSystem):
            _check_writable(Path(base))

    @functools.cached_property
    def _filesystem(self) -> tuple[pyarrow.fs.FileSystem, str]:
        filesystem, base = pyarrow.fs.FileSystem.from_uri(self.root)
        return filesystem, base.rstrip("/")


def _check_writable(folder: Path) -> None:
    """`folder` exists and is writable, or can be created."""
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        raise UserInputError(f"--storage: cannot write in {existing}")
