"""Exported networks timed end to end on a phone: `benchmark_on_phone.sh` outputs read back,
compared with a phone table's predictions, and the table's calibration fitted from them.

`nas export` writes one folder per network (or a Pareto export: one sub-folder each) with
`metadata.json` (the config) and `benchmark_on_phone.sh`, which keeps each model file's
benchmark_model output as `phone_results/<model file stem>.log`. Tables are float32, so the
float32 file's output is read: its regular runs' wall-clock mean
(`latency_models.benchmark_output`).
"""

from __future__ import annotations

import dataclasses
import logging
import statistics
from pathlib import Path

from mobile_seg_nas import UserInputError, read_json
from space import ArchConfig

from latency_models.benchmark_output import BenchmarkReading, parse_benchmark_output
from latency_models.measure import utc_now
from latency_models.predictor import predict_latency
from latency_models.table import LatencyTable
from latency_models.validate import config_fields

log = logging.getLogger(__name__)

RESULTS_DIR = "phone_results"  # where benchmark_on_phone.sh keeps its outputs
RESULT_SUFFIX = ".log"


@dataclasses.dataclass(frozen=True)
class PhoneRun:
    """One exported network and its benchmark_model reading on the phone."""

    name: str
    config: ArchConfig
    reading: BenchmarkReading
    output: Path


def read_phone_runs(directory: str | Path) -> list[PhoneRun]:
    """The exported networks under `directory` (an export folder or a Pareto export) whose
    float32 model has a benchmark_on_phone.sh output; UserInputError when none has."""
    directory = Path(directory)
    folders = (
        [directory]
        if (directory / "metadata.json").is_file()
        else sorted(path.parent for path in directory.glob("*/metadata.json"))
    )
    if not folders:
        raise UserInputError(
            f"{directory}: no exported network (metadata.json) here or in its "
            "sub-folders; pass a `nas export` folder"
        )
    runs = [run for run in map(_read_run, folders) if run is not None]
    if not runs:
        raise UserInputError(
            f"{directory}: no benchmark_on_phone.sh output yet; run the "
            "script of each exported network with the phone attached"
        )
    if len(runs) < len(folders):
        log.warning(
            "%d of %d exported networks have no phone output yet; reading the rest",
            len(folders) - len(runs),
            len(folders),
        )
    return runs


def _read_run(folder: Path) -> PhoneRun | None:
    metadata = read_json(folder / "metadata.json", "export metadata")
    float32 = [
        name
        for name, figures in metadata.get("files", {}).items()
        if figures.get("quantize") == "none"
    ]
    if not float32 or "config" not in metadata:
        raise UserInputError(
            f"{folder / 'metadata.json'}: not a `nas export` metadata file "
            "(no config or float32 model)"
        )
    output = folder / RESULTS_DIR / (Path(float32[0]).stem + RESULT_SUFFIX)
    if not output.is_file():
        return None
    try:
        reading = parse_benchmark_output(output.read_text(errors="replace"))
    except UserInputError as error:
        raise UserInputError(f"{output}: {error}; run benchmark_on_phone.sh again") from None
    return PhoneRun(
        metadata.get("name", folder.name), ArchConfig.from_dict(metadata["config"]), reading, output
    )


def compare_runs(runs: list[PhoneRun], table: LatencyTable) -> list[dict]:
    """Per network: the table's sum of blocks, its prediction and the phone's measurement (ms).
    Outputs printed with another thread count than the table's raise UserInputError."""
    threads = table.metadata.get("threads")
    rows = []
    for run in runs:
        if None not in (run.reading.threads, threads) and run.reading.threads != threads:
            raise UserInputError(
                f"{run.output}: benchmark_model ran with {run.reading.threads} thread(s), the "
                f"{table.device!r} table with {threads}; run the script with "
                f"NUM_THREADS={threads}"
            )
        config = run.config
        rows.append(
            {
                "name": run.name,
                **config_fields(config),
                "summed_ms": round(predict_latency(config, table, False, False), 6),
                "predicted_ms": round(predict_latency(config, table, False), 6),
                "measured_ms": round(run.reading.mean_us / 1000, 6),
                "timing_line": run.reading.source,
                "output": str(run.output),
            }
        )
    return rows


def calibrate_from_runs(table: LatencyTable, runs: list[PhoneRun]) -> dict:
    """Sets `table.metadata["calibration"]` from networks timed end to end on the phone: per
    backbone, the median of measured / sum of blocks; backbones without a network get the
    median over all of them ("default"). Returns it; does not save."""
    rows = compare_runs(runs, table)
    ratios = {}
    for row in rows:
        ratios.setdefault(row["backbone"], []).append(row["measured_ms"] / row["summed_ms"])
    calibration = {
        "factors": {
            backbone: round(statistics.median(values), 4)
            for backbone, values in sorted(ratios.items())
        },
        "default": round(
            statistics.median(row["measured_ms"] / row["summed_ms"] for row in rows), 4
        ),
        "configs": {backbone: len(values) for backbone, values in sorted(ratios.items())},
        "method": (
            "median of benchmark_model end-to-end mean / sum of blocks over exported "
            "networks (benchmark_on_phone.sh outputs)"
        ),
        "timing_line": "; ".join(sorted({row["timing_line"] for row in rows})),
        "networks": [row["name"] for row in rows],
        "date": utc_now(),
    }
    table.metadata["calibration"] = calibration
    return calibration
