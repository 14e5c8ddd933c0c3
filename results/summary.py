"""The summary of a run: counts, best trials, front size and hypervolume, its answers."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from results.answer import answers
from results.pareto import (
    REFERENCE_FACTOR,
    SEED_NOISE,
    hypervolume,
    pareto_front,
    reference_latency,
    ties_with_front,
)
from results.table import (
    trial_record,
    STATUSES,
    completed_trials,
    finalist_trials,
)


def best_under_target(table: pd.DataFrame, target_ms: float) -> dict | None:
    """The completed trial with the highest mIOU whose latency is at most `target_ms`."""
    done = completed_trials(table)
    fitting = done[done["latency_ms"] <= target_ms]
    return None if fitting.empty else trial_record(fitting.loc[fitting["miou"].idxmax()])


def summarize(
    table: pd.DataFrame,
    latency_targets: list[float] = (),
    reference_latency_ms: float | None = None,
    seed_noise: float | None = SEED_NOISE,
    run_dir: str | Path | None = None,
) -> dict:
    """Counts by status, the best and paper trials, the front and its hypervolume, the best
    trial under each latency target, given the proxy's `seed_noise` the trials that tie with
    the front, and the answers in plain words (`results.answer.answers`; their commands name
    `run_dir`). The hypervolume's reference point is (mIOU 0, `reference_latency_ms`), by
    default REFERENCE_FACTOR x the paper preset's latency."""
    done = completed_trials(table)
    front = pareto_front(table)
    reference = reference_latency_ms or reference_latency(table)
    preset = done[done["preset"] != ""]
    return {
        "trials": int(len(table)),
        "by_status": {status: int((table["status"] == status).sum()) for status in STATUSES},
        "best": None if done.empty else trial_record(done.loc[done["miou"].idxmax()]),
        "paper": None if preset.empty else trial_record(preset.iloc[0]),
        "front": [trial_record(row) for _, row in front.iterrows()],
        "finalists": finalist_trials(done)["trial_id"].tolist(),
        "hypervolume": None if reference is None else hypervolume(front, reference),
        "hypervolume_reference": None
        if reference is None
        else {
            "miou": 0.0,
            "latency_ms": reference,
            "rule": f"{REFERENCE_FACTOR:g} x the paper preset's latency "
            f"(or the slowest completed trial without it)",
        },
        "best_under_target": {
            f"{target:g}": best_under_target(table, target) for target in latency_targets
        },
        "seed_noise": seed_noise,
        "ties": ties_with_front(table, seed_noise) if seed_noise else [],
        "train_seconds": _sum(table["train_seconds"]),
        "eval_seconds": _sum(table["eval_seconds"]),
        "trial_seconds": _sum(table["trial_seconds"]),
        "answers": answers(table, latency_targets, seed_noise, run_dir),
    }


def _sum(column: pd.Series) -> float:
    total = float(column.sum(skipna=True))
    return 0.0 if math.isnan(total) else total


def compare_fronts(tables: dict[str, pd.DataFrame]) -> dict:
    """Front size and hypervolume of several runs (name -> trial table) against one shared
    reference point: the largest of the runs' own reference latencies."""
    references = [reference_latency(table) for table in tables.values()]
    reference = max((value for value in references if value is not None), default=None)
    runs = []
    for name, table in tables.items():
        front = pareto_front(table)
        runs.append(
            {
                "run": name,
                "trials": int(len(table)),
                "completed": int(len(completed_trials(table))),
                "front": int(len(front)),
                "hypervolume": None if reference is None else hypervolume(front, reference),
            }
        )
    return {"reference_latency_ms": reference, "runs": runs}
