"""The trial table: one row per trial of a search, written as `trials.csv` and `trials.parquet`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from common import atomic_write

# Trial states in the table. Only `completed` trials (trained for every step they were given)
# enter the Pareto front; `early_stopped` ones (stopped by ASHA) keep their last evaluation.
STATUSES = ("running", "completed", "early_stopped", "interrupted", "failed")

CONFIG_COLUMNS = ("backbone", "depth_multiplier", "output_stride", "head", "dpc_branches",
                  "decoder", "num_classes", "input_size")
TRIAL_COLUMNS = ("trial_id", "status", "preset", *CONFIG_COLUMNS, "config_id", "miou",
                 "latency_ms", "gflops", "params", "steps", "train_seconds", "eval_seconds",
                 "trial_seconds", "score", "error")
TEXT_COLUMNS = ("trial_id", "config_id", "preset", "error")
NUMERIC_COLUMNS = ("miou", "latency_ms", "gflops", "params", "steps", "train_seconds",
                   "eval_seconds", "trial_seconds", "score")


def trials_path(run_dir: str | Path, suffix: str = ".parquet") -> Path:
    return Path(run_dir) / f"trials{suffix}"


def as_table(rows: list[dict]) -> pd.DataFrame:
    """A trial table from row dicts: every column of `TRIAL_COLUMNS`, in order, numbers as
    floats (NaN where a trial has no value yet)."""
    table = pd.DataFrame(rows, columns=list(TRIAL_COLUMNS))
    for column in NUMERIC_COLUMNS:
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
    for column in TEXT_COLUMNS:
        table[column] = table[column].fillna("").astype(str)
    return table


def write_trials(table: pd.DataFrame, run_dir: str | Path) -> None:
    """Writes `trials.csv` and `trials.parquet` atomically (temp file, then rename)."""
    atomic_write(trials_path(run_dir, ".csv"), lambda path: table.to_csv(path, index=False))
    atomic_write(trials_path(run_dir), lambda path: table.to_parquet(path, index=False))


def read_trials(run_dir: str | Path) -> pd.DataFrame:
    """The trial table of a run folder (parquet, or CSV when only that is there).

    Raises FileNotFoundError when the folder holds no trial table."""
    parquet, csv = trials_path(run_dir), trials_path(run_dir, ".csv")
    if parquet.is_file():
        table = pd.read_parquet(parquet)
    elif csv.is_file():
        table = pd.read_csv(csv, keep_default_na=False, na_values=[""],
                            dtype={name: str for name in TEXT_COLUMNS})
    else:
        raise FileNotFoundError(f"{run_dir}: no trials.parquet or trials.csv")
    return as_table(table.to_dict("records"))


def completed_trials(table: pd.DataFrame) -> pd.DataFrame:
    """The trials that finished training with both objectives measured."""
    done = table[table["status"] == "completed"]
    return done[done["miou"].notna() & done["latency_ms"].notna()]
