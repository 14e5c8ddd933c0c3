"""Calibration: per-backbone factors from a table's sum of blocks to end-to-end latency.

A block timed alone in a loop keeps its weights in the CPU caches; inside the whole network
the weight-heavy blocks (late MobileNet V2 blocks: ~1.2 MB each) find them evicted, so a
network runs a few percent slower than the sum of its blocks, by an amount that depends on the
backbone. `calibrate_table` times sampled networks end to end and keeps, per backbone, the
median of measured / summed in the table's metadata; `predict_latency` multiplies by it. Each
end-to-end timing is scaled to the table's reference speed by the reference network's latency
timed beside it (`latency_models.speed`). How much the sum of blocks misses also depends on the
input size, so a calibration keeps factors per size too ("sizes") where it timed enough networks
at one size, and `host` fits its table's factors at each size it predicts, once
(`calibrate_at`).
Calibrate with another seed than the one you validate with, so that validation stays honest.

Against a table of another machine, the same factors also carry this machine's speed relative
to that machine: `fit_machine_calibration` fits them with a few networks (12) and keeps them
per machine fingerprint in the user table folder (`machines/calibrations.json`), never in the
table, whose factors belong to its own machine; they carry this machine's speed at the
reference timing they record ("reference"; caches made before: their fingerprint's). It also
times those networks' blocks into this machine's own table and fits that table's factors
(2 min 46 s in all on a quiet 2-core machine): `host` predicts from this machine's own blocks,
which the factors alone cannot replace (benchmarks/latency.md).
"""

from __future__ import annotations

import dataclasses
import logging
import statistics
from pathlib import Path

from mobile_seg_nas import UserInputError, read_json
from space import ArchConfig
from space.search_space import SearchSpace

from latency_models.machine import (
    is_this_machine,
    machine_cache,
    machine_record,
    reference_now,
    write_machine_cache,
)
from latency_models.measure import utc_now
from latency_models.predictor import sum_of_blocks
from latency_models.profiler import measure_blocks, unique_blocks
from latency_models.measure import Timing
from latency_models.table import (
    LatencyTable,
    refresh_calibration,
    save_calibration,
    save_measurements,
    size_key,
    table_reference,
)
from latency_models.validate import NetworkSample, measure_samples, table_space

log = logging.getLogger(__name__)
CALIBRATION_SEED = 1000  # `nas latency validate` samples with seed 0
# A new machine's first calibration against a shipped table: networks per backbone cycling
# through the table's sizes, each timed briefly (3 warm-up runs, then 20 runs or 2 s).
QUICK = NetworkSample(samples=6, seed=CALIBRATION_SEED, timing=Timing(3, 20, 2.0))
MIN_SIZE_NETWORKS = 3  # networks of a backbone at one size for a factor of that size
CACHE_FORMAT = "mobile-seg-nas/machine-calibrations"
CACHE_FILE = "calibrations.json"


def calibrate_table(
    table: LatencyTable,
    sample: NetworkSample = NetworkSample(seed=CALIBRATION_SEED),
    progress: bool = True,
) -> dict:
    """Measures `sample`'s networks of each backbone of its space (default: the table's space)
    end to end on this machine and sets `table.metadata["calibration"]` (per-backbone
    factors); returns it. Does not save."""
    networks = measure_networks(table, sample, progress)
    table.metadata["calibration"] = fit_factors(
        table, networks, table_reference(table.metadata)["ms"]
    )
    return table.metadata["calibration"]


@dataclasses.dataclass
class TimedNetworks:
    """Sampled networks timed end to end here: validate's rows per backbone, and how."""

    rows: dict  # backbone -> rows of `measure_samples`
    seed: int
    input_sizes: list
    runs: int


def measure_networks(
    table: LatencyTable, sample: NetworkSample = QUICK, progress: bool = True
) -> TimedNetworks:
    """`sample`'s networks of each backbone of its space (default: `table`'s), timed end to end
    on this machine."""
    space = sample.space or table_space(table)
    rows, report = {}, {"input_sizes": []}
    for backbone, multipliers in sorted(space.backbones.items()):
        one_backbone = dataclasses.replace(space, backbones={backbone: multipliers})
        rows[backbone], report = measure_samples(
            table,
            dataclasses.replace(sample, space=one_backbone),
            progress,
            f"calibrating {backbone} on",
        )
    return TimedNetworks(rows, sample.seed, report["input_sizes"], sample.timing.runs)


def fit_factors(table: LatencyTable, networks: TimedNetworks, reference_ms: float) -> dict:
    """`table`'s calibration: per backbone, the median of the networks' end-to-end latency,
    scaled to the speed at which the reference network takes `reference_ms`, / their sum of
    `table`'s blocks (blocks it lacks measured here where it allows); and the same per input
    size ("sizes") where a size has at least `MIN_SIZE_NETWORKS` networks of a backbone."""
    factors, counts, sizes = {}, {}, {}
    for backbone, rows in networks.rows.items():
        factors[backbone] = _median_factor(table, rows, reference_ms)
        counts[backbone] = len(rows)
        for size in {tuple(row["input_size"]) for row in rows}:
            at_size = [row for row in rows if tuple(row["input_size"]) == size]
            if len(at_size) >= MIN_SIZE_NETWORKS:
                sizes.setdefault(size_key(size), {})[backbone] = _median_factor(
                    table, at_size, reference_ms
                )
    return {
        "factors": factors,
        "sizes": sizes,
        "configs": counts,
        "method": "median of end-to-end latency / sum of blocks over sampled configs",
        "seed": networks.seed,
        "input_sizes": networks.input_sizes,
        "runs": networks.runs,
        "date": utc_now(),
    }


def _median_factor(table: LatencyTable, rows: list[dict], reference_ms: float) -> float:
    return round(
        statistics.median(
            row["measured_ms"]
            * reference_ms
            / row["reference_ms"]
            / sum_of_blocks(ArchConfig.from_dict(row["config"]), table)
            for row in rows
        ),
        4,
    )


def calibrate_at(
    table: LatencyTable, input_size, space: SearchSpace | None = None, progress: bool = False
) -> None:
    """Fits a calibrated `table`'s factors at `input_size` when it has none there: QUICK's
    networks of `space` (default: the table's) at that size, timed end to end here with their
    blocks (about a minute at 224x224 on a 2-core machine); saved with the table. How much of
    a network's latency its sum of blocks misses depends on the size (blocks timed alone keep
    more in the CPU's caches at some sizes than others), so factors fitted over other sizes
    predict one size too low or too high (benchmarks/latency.md). A table never calibrated is
    left alone."""
    key = size_key(input_size)
    if key in _fitted_sizes(table) or "factors" not in table.metadata.get("calibration", {}):
        return
    refresh_calibration(table)  # fitted meanwhile by another process
    if key in _fitted_sizes(table):
        return
    log.warning(
        "fitting this machine's latency factors at %s: timing %d networks per backbone "
        "end to end here, once",
        key,
        QUICK.samples,
    )
    sample = dataclasses.replace(QUICK, input_sizes=[tuple(input_size)], space=space)
    fitted = fit_factors(
        table, measure_networks(table, sample, progress), table_reference(table.metadata)["ms"]
    )
    calibration = table.metadata["calibration"]
    calibration["sizes"] = {**calibration.get("sizes", {}), **fitted["sizes"]}
    if table.cache_path is not None:
        save_calibration(table)


def _fitted_sizes(table: LatencyTable) -> dict:
    return (table.metadata.get("calibration") or {}).get("sizes", {})


def machine_calibration(table: LatencyTable) -> dict | None:
    """This machine's cached calibration against `table` (of another machine), or None."""
    for calibration in _read_cache():
        if (
            calibration.get("table") == table.device
            and calibration.get("table_date") == _table_date(table)
            and is_this_machine(calibration)
        ):
            return calibration
    return None


def fit_machine_calibration(
    table: LatencyTable,
    own: LatencyTable | None = None,
    progress: bool = True,
    sample: NetworkSample = QUICK,
) -> dict:
    """Fits this machine's factors against `table`, a table of another machine,
    from `sample`'s networks timed here (default: QUICK), and caches them;
    returns them. With `own`, this machine's table, the networks' blocks are timed here too
    and `own`'s factors fitted from the same networks and saved."""
    networks = measure_networks(table, sample, progress)
    reference = reference_now()
    calibration = fit_factors(table, networks, reference["ms"])
    calibration.update(
        machine=machine_record(),
        reference=reference,
        table=table.device,
        table_date=_table_date(table),
    )
    kept = [
        old
        for old in _read_cache()
        if not (old.get("table") == table.device and is_this_machine(old))
    ]
    write_machine_cache(CACHE_FILE, {"format": CACHE_FORMAT, "calibrations": [*kept, calibration]})
    if own is not None:
        configs = [
            ArchConfig.from_dict(row["config"]) for rows in networks.rows.values() for row in rows
        ]
        measure_blocks(
            own,
            unique_blocks(configs),
            progress=progress,
            save=lambda signatures: save_measurements(own, signatures),
        )
        own.metadata["calibration"] = fit_factors(
            own, networks, table_reference(own.metadata)["ms"]
        )
        if own.cache_path is not None:  # else (a user table of another machine) in memory
            save_calibration(own)
    return calibration


def _table_date(table: LatencyTable) -> str | None:
    return table.metadata.get("updated") or table.metadata.get("date")


def machine_calibrations_path() -> Path:
    """Where this machine's calibrations against other machines' tables are kept."""
    return machine_cache(CACHE_FILE)


def _read_cache() -> list[dict]:
    path = machine_calibrations_path()
    if not path.is_file():
        return []
    data = read_json(path, "machine calibrations")
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
        raise UserInputError(f"{path}: not a machine calibration file; delete it (it is a cache)")
    return [item for item in data.get("calibrations", []) if isinstance(item, dict)]
