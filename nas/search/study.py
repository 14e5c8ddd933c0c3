"""The trials of a search as an Optuna study: `study.db` (SQLite) in the run folder, with the two
objectives (mIOU up, latency down), the conditional parameters of each trial's config and its
latency constraint, so that `optuna-dashboard sqlite:///RUN/study.db` and
`optuna.visualization` (Pareto front, hypervolume history) open a search of any engine.

The trial table is the record; the study follows it: `write_study` adds every trial that has
finished (and so will not change again) and is not in the study yet, so it stays in step
across restarts.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import optuna

from space import ArchConfig

STUDY_FILE = "study.db"
STUDY_NAME = "search"
OBJECTIVES = ("miou", "latency_ms")
DIRECTIONS = ("maximize", "minimize")
_FINISHED = {
    "completed": optuna.trial.TrialState.COMPLETE,
    "early_stopped": optuna.trial.TrialState.COMPLETE,
    "failed": optuna.trial.TrialState.FAIL,
}


def study_url(run_dir: str | Path) -> str:
    """The RDB storage URL of a run folder's study."""
    return f"sqlite:///{(Path(run_dir) / STUDY_FILE).resolve()}"


def load_search_study(run_dir: str | Path) -> optuna.Study:
    """The study of a run folder (created empty when it has none)."""
    study = optuna.create_study(
        storage=study_url(run_dir),
        study_name=STUDY_NAME,
        directions=list(DIRECTIONS),
        load_if_exists=True,
    )
    if study.metric_names is None:
        with warnings.catch_warnings():  # experimental since Optuna 3.2, stable in use
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            study.set_metric_names(list(OBJECTIVES))
    return study


def write_study(table, run_dir: str | Path, space, latency_target: float | None = None) -> int:
    """Adds the finished trials of `table` (the trial table) that the run folder's study lacks;
    returns how many were added. With `latency_target`, each trial carries the constraint
    `latency_ms - latency_target` (feasible when <= 0)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = load_search_study(run_dir)
    known = {trial.user_attrs.get("trial_id") for trial in study.get_trials(deepcopy=False)}
    added = 0
    for row in table.to_dict("records"):
        if row["status"] in _FINISHED and row["trial_id"] not in known:
            study.add_trial(_frozen_trial(row, space, latency_target))
            added += 1
    return added


def _frozen_trial(row: dict, space, latency_target: float | None) -> optuna.trial.FrozenTrial:
    params = space.params_from_config(
        config_of_row(row).replace(input_size=space.input_size, num_classes=space.num_classes)
    )
    choices = space.choices()
    distributions = {
        name: optuna.distributions.CategoricalDistribution(choices[name]) for name in params
    }
    state = _FINISHED[row["status"]]
    values = [row[name] for name in OBJECTIVES]
    complete = state == optuna.trial.TrialState.COMPLETE and all(map(_finite, values))
    system_attrs = {}
    if latency_target and _finite(row["latency_ms"]):
        system_attrs["constraints:latency_ms"] = float(row["latency_ms"]) - latency_target
    user_attrs = {
        "trial_id": row["trial_id"],
        "status": row["status"],
        "config_id": row["config_id"],
        "preset": row.get("preset") or "",
    }
    if row.get("error"):
        user_attrs["error"] = row["error"]
    return optuna.trial.create_trial(
        state=state if complete else optuna.trial.TrialState.FAIL,
        values=[float(value) for value in values] if complete else None,
        params=params,
        distributions=distributions,
        user_attrs=user_attrs,
        system_attrs=system_attrs,
    )


def config_of_row(row: dict) -> ArchConfig:
    """The `ArchConfig` of a trial-table row."""
    branches = json.loads(row["dpc_branches"]) if row["head"] == "dpc" else []
    return ArchConfig(
        backbone=row["backbone"],
        depth_multiplier=float(row["depth_multiplier"]),
        output_stride=int(row["output_stride"]),
        head=row["head"],
        dpc_branches=branches,
        decoder=row["decoder"],
        num_classes=int(row["num_classes"]),
        input_size=str(row["input_size"]),
    )


def _finite(value) -> bool:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)
