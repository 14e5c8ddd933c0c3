"""Calibration: per-backbone factors from a table's sum of blocks to end-to-end latency.

A block timed alone in a loop keeps its weights in the CPU caches; inside the whole network
the weight-heavy blocks (late MobileNet V2 blocks: ~1.2 MB each) find them evicted, so a
network runs a few percent slower than the sum of its blocks, by an amount that depends on the
backbone. `calibrate_table` times sampled networks end to end and keeps, per backbone, the
median of measured / summed in the table's metadata; `predict_latency` multiplies by it.
Calibrate with another seed than the one you validate with, so that validation stays honest.
"""

from __future__ import annotations

import dataclasses
import statistics

from space.search_space import SearchSpace

from latency_models.measure import utc_now
from latency_models.table import LatencyTable
from latency_models.validate import measure_samples

CALIBRATION_SEED = 1000  # `nas latency validate` samples with seed 0


def calibrate_table(table: LatencyTable, samples: int = 10, seed: int = CALIBRATION_SEED,
                    input_sizes=None, space: SearchSpace | None = None, warmup_runs: int = 5,
                    runs: int = 50, progress: bool = True) -> dict:
    """Measures `samples` sampled configs of each backbone of `space` end to end on this
    machine and sets `table.metadata["calibration"]` (per-backbone factors); returns it.
    Does not save."""
    space = space or SearchSpace()
    factors, counts = {}, {}
    for backbone, multipliers in sorted(space.backbones.items()):
        rows, report = measure_samples(
            table, samples, seed, input_sizes,
            dataclasses.replace(space, backbones={backbone: multipliers}), warmup_runs, runs,
            progress=progress, verb=f"calibrating {backbone} on")
        factors[backbone] = round(statistics.median(
            row["measured_ms"] / row["summed_ms"] for row in rows), 4)
        counts[backbone] = len(rows)
    calibration = {
        "factors": factors, "configs": counts,
        "method": "median of end-to-end latency / sum of blocks over sampled configs",
        "seed": seed, "input_sizes": report["input_sizes"], "date": utc_now()}
    table.metadata["calibration"] = calibration
    return calibration
