"""The trial table: one row per trial of a search, written as `trials.csv` and `trials.parquet`."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from mobile_seg_nas import UserInputError, atomic_write, first_line
from space import CONFIG_FIELDS, HEADLINE_FIELDS

# Trial states in the table. Only `completed` trials (trained for every step they were given)
# enter the Pareto front; `early_stopped` ones (stopped by ASHA) keep their last evaluation;
# `over_limit` ones (a staged search's, slower than its latency limit) were not trained.
STATUSES = ("running", "completed", "early_stopped", "over_limit", "interrupted", "failed")

CONFIG_COLUMNS = CONFIG_FIELDS  # one column per field of `space.ArchConfig`
NUMERIC_COLUMNS = (
    "miou",
    "latency_ms",
    "gflops",
    "params",
    "fidelity",
    "steps",
    "train_seconds",
    "eval_seconds",
    "trial_seconds",
    "score",
)
TRIAL_COLUMNS = (
    "trial_id",
    "status",
    "preset",
    *CONFIG_COLUMNS,
    "config_id",
    *NUMERIC_COLUMNS,
    "error",
    "checkpoint",
)
# `nas results show`'s columns of the front.
SHOW_COLUMNS = (
    "trial_id",
    "status",
    "preset",
    *HEADLINE_FIELDS,
    "miou",
    "latency_ms",
    "gflops",
    "fidelity",
    "score",
)
# `miou`: at the highest rung the trial reached in a staged search, `fidelity` (0 the proxy);
# each rung's mIOU is in its own column, `miou_rung0`, `miou_rung1`, ...
RUNG_PREFIX = "miou_rung"
# `checkpoint`: where the trial's last checkpoint is in the search's storage
# (`nas.search.artifacts`), relative to its root.
TEXT_COLUMNS = ("trial_id", "config_id", "preset", "error", "checkpoint")

TRIAL_FIELDS = (
    "trial_id",
    "config_id",
    "preset",
    *HEADLINE_FIELDS,
    "miou",
    "latency_ms",
    "gflops",
    "params",
    "fidelity",
)


def trial_record(row: pd.Series) -> dict:
    """The JSON-ready essentials of one trial row."""
    record = {}
    for field in TRIAL_FIELDS:
        value = row[field]
        value = value.item() if hasattr(value, "item") else value
        record[field] = None if isinstance(value, float) and math.isnan(value) else value
    return record


def trials_path(run_dir: str | Path, suffix: str = ".parquet") -> Path:
    return Path(run_dir) / f"trials{suffix}"


def as_table(rows: list[dict]) -> pd.DataFrame:
    """A trial table from row dicts: every column of `TRIAL_COLUMNS`, in order, then the rung
    columns any row has; numbers as floats (NaN where a trial has no value yet)."""
    rungs = sorted(
        {key for row in rows for key in row if key.startswith(RUNG_PREFIX)},
        key=lambda name: int(name.removeprefix(RUNG_PREFIX)),
    )
    table = pd.DataFrame(rows, columns=[*TRIAL_COLUMNS, *rungs])
    for column in (*NUMERIC_COLUMNS, *rungs):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
    for column in TEXT_COLUMNS:
        table[column] = table[column].fillna("").astype(str)
    return table


def write_trials(table: pd.DataFrame, run_dir: str | Path) -> None:
    """Writes `trials.csv` and `trials.parquet`, each atomically (temp file, then rename).
    When a write fails (a full disk), both stay as they were: the new CSV is moved in place
    only once the parquet file is."""

    def write_csv(temporary: Path) -> None:
        table.to_csv(temporary, index=False)
        atomic_write(trials_path(run_dir), lambda path: table.to_parquet(path, index=False))

    atomic_write(trials_path(run_dir, ".csv"), write_csv)


def read_trials(run_dir: str | Path) -> pd.DataFrame:
    """The trial table of a run folder: `trials.parquet`, or `trials.csv` when the parquet file
    is missing or damaged.

    Raises FileNotFoundError when the folder holds no trial table, UserInputError (one line)
    when every copy there is damaged."""
    paths = [
        path for path in (trials_path(run_dir), trials_path(run_dir, ".csv")) if path.is_file()
    ]
    if not paths:
        raise FileNotFoundError(f"{run_dir}: no trials.parquet or trials.csv")
    problems = []
    for path in paths:
        try:
            return _read_table(path)
        except (OSError, ValueError) as error:  # pandas and pyarrow parse errors are ValueErrors
            problems.append(f"{path.name}: {first_line(error)}")
    raise UserInputError(f"{run_dir}: the trial table is damaged ({'; '.join(problems)})")


def _read_table(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        table = pd.read_parquet(path)
    else:
        table = pd.read_csv(
            path, keep_default_na=False, na_values=[""], dtype={name: str for name in TEXT_COLUMNS}
        )
    missing = [name for name in ("trial_id", "status") if name not in table.columns]
    if missing:
        raise ValueError(f"no {' or '.join(missing)} column")
    unknown = set(table["status"]) - set(STATUSES)
    if unknown:
        raise ValueError(f"unknown status {sorted(map(str, unknown))[0]!r}")
    return as_table(table.to_dict("records"))


def completed_trials(table: pd.DataFrame) -> pd.DataFrame:
    """The trials that finished training with both objectives measured."""
    done = table[table["status"] == "completed"]
    return done[done["miou"].notna() & done["latency_ms"].notna()]


def finalist_trials(table: pd.DataFrame) -> pd.DataFrame:
    """The trials trained at the highest fidelity (rung) any trial of the table reached; none
    when no trial went past the first rung (a single-fidelity search, or nobody promoted)."""
    rungs = table["fidelity"]
    return table[rungs == rungs.max()] if rungs.max() > 0 else table.iloc[:0]
