"""The import of a phone probe folder (`latency_models.phone.probes`): its benchmark_model
outputs (`outputs/NAME.txt`) and the phone's identity (`outputs/device.txt`) become a latency
table."""

from __future__ import annotations

import logging
from pathlib import Path

from mobile_seg_nas import UserInputError, check_format, read_json
from latency_models.benchmark_output import BenchmarkReading, parse_benchmark_output
from latency_models.measure import utc_now
from latency_models.phone.probes import OVERHEAD_MODEL, PROBES_FORMAT, PROBES_VERSION
from latency_models.table import LatencyTable, check_device_name

log = logging.getLogger(__name__)


def import_probes(probe_dir: str | Path, device: str) -> LatencyTable:
    """A latency table from a probe folder's benchmark_model outputs."""
    check_device_name(device)
    probe_dir = Path(probe_dir)
    manifest = _read_manifest(probe_dir)
    outputs = probe_dir / "outputs"
    entries, missing, lines_read = {}, [], set()
    for name, signature in manifest["models"].items():
        reading = _read_output(outputs / f"{name}.txt")
        if reading is None:
            missing.append(name)
            continue
        entries[signature] = _entry(reading)
        lines_read.add(reading.source)
    if not entries:
        raise UserInputError(
            f"{outputs}: no benchmark_model outputs yet; run "
            f"{probe_dir / 'run_probes.sh'} with the phone attached"
        )
    if missing:
        log.warning(
            "%d of %d probe outputs are missing (run the script again to finish); "
            "importing the rest",
            len(missing),
            len(manifest["models"]),
        )
    overhead = _read_output(outputs / f"{OVERHEAD_MODEL}.txt")
    phone = _read_device_file(outputs / "device.txt")
    metadata = {
        "runtime": "TFLite benchmark_model",
        "runtime_version": f"md5 {phone.get('benchmark_model_md5', 'unknown')}",
        "delegate": "GPU" if manifest.get("use_gpu") else "XNNPACK",
        "threads": manifest.get("threads"),
        "cpu": f"{phone.get('model', 'unknown phone')} ({phone.get('soc', 'unknown SoC')}), "
        f"cores {phone.get('cpu_mask', manifest.get('cpu_mask'))}",
        "android": phone.get("android"),
        "method": (
            "benchmark_model over adb, pinned with taskset, --enable_op_profiling; each "
            "block converted alone; mean of runs after warm-up"
        ),
        "statistic": "mean",
        "timing_line": "; ".join(sorted(lines_read)),
        "warmup_runs": manifest.get("warmup_runs"),
        "runs": manifest.get("runs"),
        "date": phone.get("date") or utc_now(),
        "imported": utc_now(),
        "input_sizes": manifest.get("input_sizes", []),
        "invoke_overhead_ms": round(overhead.mean_us / 1000, 5) if overhead else 0.0,
    }
    return LatencyTable(device, metadata, entries)


def _read_manifest(probe_dir: Path) -> dict:
    """The probe folder's `probes.json`, checked to be a probe manifest of this version."""
    manifest_path = probe_dir / "probes.json"
    if not manifest_path.is_file():
        raise UserInputError(
            f"{probe_dir}: no probes.json; create the folder with "
            "`nas latency probes --device NAME --out DIR` and run its script"
        )
    manifest = read_json(manifest_path, "probe manifest")
    check_format(
        manifest, manifest_path, "probe manifest", PROBES_FORMAT, PROBES_VERSION, "re-create them"
    )
    return manifest


def _entry(reading: BenchmarkReading) -> dict:
    """A table entry (milliseconds) with the spread and run count where the output gives them."""
    entry = {"ms": round(reading.mean_us / 1000, 5)}
    for key, value_us in (("std_ms", reading.std_us), ("min_ms", reading.min_us)):
        if value_us is not None:
            entry[key] = round(value_us / 1000, 5)
    if reading.runs is not None:
        entry["runs"] = reading.runs
    return entry


def _read_output(path: Path) -> BenchmarkReading | None:
    if not path.is_file():
        return None
    try:
        return parse_benchmark_output(path.read_text(errors="replace"))
    except UserInputError as error:
        raise UserInputError(f"{path}: {error}; delete it and run the probe script again") from None


def _read_device_file(path: Path) -> dict:
    if not path.is_file():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs if value.strip()}
