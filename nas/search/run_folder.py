"""A search run folder read back (`nas export --run RUN --trial ID | --pareto`, `nas train --run
RUN --trial ID`): its options, its trial table and each trial's files, fetched from the search's
storage when the run folder lacks them (the driver keeps only the Pareto front's weights)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from mobile_seg_nas import UserInputError, first_line
from nas.search.options import SEARCH_FILE, SearchOptions, read_search_options
from results import read_trials, trials_path
from trainers.runs import WEIGHTS_FILE


def is_search_run(folder: Path) -> bool:
    """Whether `folder` holds a search (a trial table) rather than a training run."""
    return trials_path(folder).is_file() or trials_path(folder, ".csv").is_file()


@dataclasses.dataclass(frozen=True)
class SearchRun:
    """A search's run folder: `options` (`search.json`, the defaults when it is missing) and
    `table` (the trial table)."""

    folder: Path
    options: SearchOptions
    table: pd.DataFrame

    @classmethod
    def read(cls, run: str | Path) -> "SearchRun":
        """The search in the folder `run`; one line when it is missing or not a search."""
        folder = Path(run)
        if not folder.is_dir():
            raise UserInputError(f"run folder {run}: not found")
        if not is_search_run(folder):
            raise UserInputError(
                f"run folder {run}: not a search run (no trials.csv); nas search --out writes one"
            )
        options = (
            read_search_options(folder) if (folder / SEARCH_FILE).is_file() else SearchOptions()
        )
        return cls(folder, options, read_trials(folder))

    def row(self, trial_id) -> dict:
        """The trial table's row of `trial_id`; one line listing trials when there is none."""
        rows = [row for row in self.table.to_dict("records") if row["trial_id"] == str(trial_id)]
        if not rows:
            known = ", ".join(self.table["trial_id"].head(10))
            raise UserInputError(
                f"trial {trial_id!r} is not in {self.folder}; trials: {known}"
                + (", ..." if len(self.table) > 10 else "")
            )
        return rows[0]

    def trial_folder(self, row: dict, fetch: bool = True) -> Path:
        """`trials/<id>/` of the trial `row`, its files fetched from the storage when the run
        folder lacks its weights and `fetch`; checked to hold the trial's config."""
        folder = self.folder / "trials" / row["trial_id"]
        if fetch:
            self._fetch(row, folder)
        if not (folder / "config.json").is_file():
            raise UserInputError(f"{self.where(row)}: no config.json in {folder}")
        return folder

    def where(self, row: dict) -> str:
        return f"trial {row['trial_id']} of {self.folder}"

    def _fetch(self, row: dict, folder: Path) -> None:
        if (folder / WEIGHTS_FILE).is_file() or not row.get("checkpoint"):
            return
        from nas.search.artifacts import RECORD_FILES, TrialStore  # pyarrow only when needed

        store = TrialStore.of_search(self.options.storage, self.folder)
        try:
            store.fetch(row["checkpoint"], folder, [*RECORD_FILES, WEIGHTS_FILE])
        except OSError as error:
            raise UserInputError(
                f"{self.where(row)}: cannot read its files from the search's "
                f"storage {store.root} ({first_line(error)})"
            ) from None


def required_weights(folder: Path, where: str, hint: str) -> Path:
    """`folder`'s trained weights; one line saying `where` they are missing and `hint`."""
    path = folder / WEIGHTS_FILE
    if not path.is_file():
        raise UserInputError(f"{where}: no trained weights ({path} is missing); {hint}")
    return path
