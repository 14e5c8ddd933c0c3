"""How well a table predicts real latency: predicted vs measured end to end on sampled configs."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
from tqdm import tqdm

from mobile_seg_nas import UserInputError
from space import HEADLINE_FIELDS
from space.search_space import SearchSpace

from latency_models.machine import describe_machine, load_average, reference_now
from latency_models.measure import Timing, measure_config
from latency_models.predictor import predict_latency, predicts_here
from latency_models.table import LatencyTable


@dataclasses.dataclass(frozen=True)
class NetworkSample:
    """Which networks to time end to end, and how: `samples` configs drawn with `seed` from
    `space` (default: the table's space), cycling through `input_sizes` (default: the table's
    sizes), each timed by `timing`."""

    samples: int = 10
    seed: int = 0
    input_sizes: list | None = None
    space: SearchSpace | None = None
    timing: Timing = Timing()


def validate_table(table: LatencyTable, sample: NetworkSample, progress: bool = True) -> dict:
    """Compares the table's prediction with the measured end-to-end latency (median) of each
    exported network of `sample` on this machine.

    Returns the fractions within 5% and 10%, the RMS and mean relative error (%), Spearman's
    rank correlation and one row per config.
    """
    if not predicts_here(table):
        raise UserInputError(
            f"latency table {table.device!r} was measured on another machine "
            f"({describe_machine(table.metadata)}); it cannot be compared with "
            "networks run here (validate --device host)"
        )
    if table.calibrate_here is not None:  # this machine's factors, before timing the samples
        table.calibrate_here()
    rows, report = measure_samples(table, sample, progress, "validating")
    return {
        **report,
        **compare(rows),
        "calibration": table.metadata.get("calibration"),
        "configs": rows,
    }


def compare(rows: list[dict]) -> dict:
    """Adds each row's error (%) of "predicted_ms" against "measured_ms"; returns `accuracy`."""
    for row in rows:
        row["error_pct"] = round(100 * (row["predicted_ms"] / row["measured_ms"] - 1), 2)
    return accuracy([row["predicted_ms"] for row in rows], [row["measured_ms"] for row in rows])


def measure_samples(
    table: LatencyTable, sample: NetworkSample, progress: bool = True, verb: str = "measuring"
) -> tuple[list[dict], dict]:
    """Sampled configs' sum of blocks (`summed_ms`, uncalibrated), prediction, measured
    end-to-end latency on this machine and the reference network's latency beside it
    (`reference_ms`, `latency_models.speed`): (one row per config, the run's settings)."""
    if sample.samples < 2:
        raise UserInputError(f"--samples {sample.samples}: at least 2 configs are needed")
    sizes = [tuple(size) for size in (sample.input_sizes or table.input_sizes or [(224, 224)])]
    space = sample.space or table_space(table)
    spaces = {size: dataclasses.replace(space, input_size=size) for size in sizes}
    rng = random.Random(sample.seed)
    threads = int(table.metadata.get("threads", 1))
    rows, loads, timed = [], [], {}
    for index in tqdm(
        range(sample.samples), desc=f"{verb} {table.device}", unit="config", disable=not progress
    ):
        config = spaces[sizes[index % len(sizes)]].sample(rng)
        if config not in timed:  # a config sampled again (small spaces) is timed once
            timed[config] = {
                **measure_config(config, threads, sample.timing),
                "reference_ms": reference_now()["ms"],
            }
        measured = timed[config]
        summed = predict_latency(config, table, calibrated=False)  # at the speed of `predicted`
        loads.append(load_average())
        rows.append(_sample_row(config, table, summed, measured))
    report = {
        "device": table.device,
        "samples": sample.samples,
        "seed": sample.seed,
        "input_sizes": [list(size) for size in sizes],
        "threads": threads,
        "clock": table.metadata.get("clock"),
        "max_load_average": max((load for load in loads if load is not None), default=None),
    }
    return rows, report


def config_fields(config) -> dict:
    """The fields of a validation row that say which network it is."""
    fields = config.to_dict()
    return {
        "config_id": config.id,
        **{name: fields[name] for name in (*HEADLINE_FIELDS, "input_size")},
    }


def _sample_row(config, table: LatencyTable, summed: float, measured: dict) -> dict:
    """One sampled config's row: its fields, the summed blocks (`summed`), the table's
    prediction and the measured latencies (`measured`, from `measure_config`)."""
    return {
        **config_fields(config),
        "summed_ms": round(summed, 4),
        "predicted_ms": round(predict_latency(config, table), 4),
        "measured_ms": round(measured["latency_ms"], 4),
        "measured_p90_ms": round(measured["p90_ms"], 4),
        "measured_wall_ms": round(measured["wall_ms"], 4),
        "measured_min_ms": round(measured["min_ms"], 4),
        "reference_ms": measured["reference_ms"],
        "config": config.to_dict(),
    }


def table_space(table: LatencyTable) -> SearchSpace:
    """The search space a table covers: its metadata's "space" (a space file's fields), else
    the default space."""
    fields = table.metadata.get("space")
    return SearchSpace(**fields) if isinstance(fields, dict) else SearchSpace()


def accuracy(predicted, measured) -> dict:
    """Fractions within 5% / 10%, RMS / mean / max relative error (%), Spearman correlation."""
    predicted, measured = np.asarray(predicted, float), np.asarray(measured, float)
    errors = predicted / measured - 1
    return {
        "within_5pct": float(np.mean(np.abs(errors) <= 0.05)),
        "within_10pct": float(np.mean(np.abs(errors) <= 0.10)),
        "rmse_pct": float(100 * np.sqrt(np.mean(errors**2))),
        "mean_error_pct": float(100 * errors.mean()),
        "max_abs_error_pct": float(100 * np.abs(errors).max()),
        "spearman": spearman(predicted, measured),
    }


def spearman(first, second) -> float | None:
    """Spearman's rank correlation (Pearson correlation of the ranks; ties get mean ranks);
    None when either side has a single value."""
    first, second = _ranks(first), _ranks(second)
    if first.std() == 0 or second.std() == 0:
        return None
    return float(np.corrcoef(first, second)[0, 1])


def _ranks(values) -> np.ndarray:
    values = np.asarray(values, float)
    order = values.argsort(kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    for value in np.unique(values):  # mean rank for ties
        tied = values == value
        ranks[tied] = ranks[tied].mean()
    return ranks
