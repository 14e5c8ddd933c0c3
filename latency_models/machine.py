"""This machine: its CPU, runtime and load as tables and exports record them, and its
fingerprint (`latency_models.fingerprint`).

The reference network, `reference_model.tflite`, is the exported ShuffleNet V2 x0.5 + basic
head, output stride 16, 19 classes, at 128x128 (about 0.9 ms on a 2-core EPYC VM). Timing it
needs LiteRT, not TensorFlow: 20 warm-up runs, then about a second of runs, 1 thread,
XNNPACK, the fastest run's thread CPU time. For the fingerprint it is timed once per boot and
kept in the user table folder (`machines/fingerprint.json`); `nas latency calibrate --device host`
times it again. The speed of a shared machine drifts within a boot (14-18% in two hours), so what
timings and predictions are scaled by is this process's own timing of it, timed again when older
than `REFERENCE_MAX_AGE_S` (`reference_now`, `latency_models.speed`).
Tables and caches made here record this boot's id with the fingerprint: what was recorded in
this boot by a machine of the same identity stays this machine's even when the reference, timed
again on a busy machine, moves past the tolerance (`is_this_machine`).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
import platform
import statistics
from pathlib import Path
from time import monotonic

from mobile_seg_nas import UserInputError, read_json, write_json
from latency_models.fingerprint import Fingerprint
from latency_models.measure import BLOCK_RUNS, BLOCK_WARMUP_RUNS, measure_model, utc_now
from latency_models.table import user_dir

REFERENCE_MODEL = Path(__file__).parent / "reference_model.tflite"
CACHE_FILE = "fingerprint.json"
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
REFERENCE_MAX_AGE_S = 300.0  # a reference timing older than this is timed again
REFERENCE_RETIME = 0.10  # a reading further than this from the last one is timed twice more
# This machine's fingerprint, once known, and this process's last reference timing.
_THIS_PROCESS: dict = {}


def this_machine() -> Fingerprint:
    """This machine's fingerprint, from this boot's cache or with the reference timed now."""
    if "fingerprint" not in _THIS_PROCESS:
        cached = _boot_fingerprint()
        if cached is not None:
            _THIS_PROCESS["fingerprint"] = cached
        else:
            measure_this_machine()
    return _THIS_PROCESS["fingerprint"]


def measure_this_machine() -> Fingerprint:
    """Times the reference network now (about 1.5 s) and caches the fingerprint for this boot."""
    fingerprint = Fingerprint(*_identity(), reference_ms=time_reference()["ms"])
    boot = _boot_id()
    if boot:
        write_machine_cache(
            CACHE_FILE, {"boot": boot, "measured": utc_now(), "machine": fingerprint.to_dict()}
        )
    _THIS_PROCESS["fingerprint"] = fingerprint
    return fingerprint


def reference_now() -> dict:
    """This machine's speed now: this process's last timing of the reference network
    ({"ms", "date"}), timed again (about a second) when older than REFERENCE_MAX_AGE_S."""
    timed = _THIS_PROCESS.get("reference")
    if timed is None or monotonic() - timed[0] > REFERENCE_MAX_AGE_S:
        return time_reference()
    return timed[1]


def time_reference() -> dict:
    """Times the reference network now and keeps it as this process's last timing. A reading
    more than REFERENCE_RETIME from the last one known (this process's, else this boot's
    fingerprint) is timed twice more and the median of the three kept: on a noisy VM one slow
    second (1.97 ms among readings of 1.25-1.39 ms) scaled a whole batch of blocks, and the
    table predicted 33% low an hour later (benchmarks/latency.md)."""
    ms, last = reference_latency_ms(), _last_reference_ms()
    if last is not None and abs(ms / last - 1) > REFERENCE_RETIME:
        ms = statistics.median([ms, reference_latency_ms(), reference_latency_ms()])
    timing = {"ms": round(ms, 4), "date": utc_now()}
    _THIS_PROCESS["reference"] = (monotonic(), timing)
    return timing


def _last_reference_ms() -> float | None:
    """The last reference timing this process knows without timing it: its own, else this
    boot's fingerprint (None before either)."""
    if "reference" in _THIS_PROCESS:
        return _THIS_PROCESS["reference"][1]["ms"]
    fingerprint = _THIS_PROCESS.get("fingerprint") or _boot_fingerprint()
    return fingerprint.reference_ms if fingerprint is not None else None


def measurable_here(table) -> bool:
    """Whether missing entries of a table can be timed on this machine the same way: a LiteRT
    table measured on this machine (`is_this_machine`)."""
    return table.metadata.get("runtime") == "ai-edge-litert" and is_this_machine(table.metadata)


def machine_record() -> dict:
    """This machine as a table or cache records it: its fingerprint and this boot's id."""
    return {**this_machine().to_dict(), "boot": _boot_id()}


def is_this_machine(metadata: dict) -> bool:
    """Whether a table or cache recording `metadata["machine"]` was measured on this machine:
    its fingerprint matches this machine's, or it was recorded in this boot by a machine of the
    same identity (the reference timed again under load can move past the tolerance; the
    machine of one boot does not change)."""
    recorded, machine, boot = Fingerprint.from_metadata(metadata), this_machine(), _boot_id()
    if machine.matches(recorded):
        return True
    return (
        recorded is not None
        and recorded.identity() == machine.identity()
        and boot is not None
        and metadata["machine"].get("boot") == boot
    )


def describe_machine(metadata: dict) -> str:
    """A table's machine in words: its fingerprint, or its CPU where it records none."""
    fingerprint = Fingerprint.from_metadata(metadata)
    if fingerprint is None:
        return f"{metadata.get('cpu', 'unknown CPU')}, no machine fingerprint"
    estimated = " (estimated; see machine_note)" if metadata["machine"].get("estimated") else ""
    return fingerprint.describe() + estimated


def reference_latency_ms() -> float:
    """The reference network's fastest run (ms, thread CPU time) in about a second of runs,
    1 thread, XNNPACK: other processes only add time, so the fastest run is what this
    machine can do (36 processes at load 4.3-7.3: all within 3.5% of their median; medians of
    runs instead: up to 12%; benchmarks/latency.md)."""
    stats = measure_model(
        REFERENCE_MODEL.read_bytes(), num_threads=1, warmup_runs=20, runs=5000, max_seconds=1.0
    )
    return stats["min_ms"]


def _identity() -> tuple:
    model, flags = cpu_model_and_flags()
    flags_hash = hashlib.sha256(" ".join(sorted(set(flags))).encode()).hexdigest()[:12]
    return (
        model,
        os.cpu_count() or 1,
        flags_hash if flags else "",
        runtime_name(),
        hashlib.sha256(REFERENCE_MODEL.read_bytes()).hexdigest()[:12],
    )


def machine_cache(name: str) -> Path:
    """A file of the user table folder's `machines/` (fingerprint, calibrations)."""
    return user_dir() / "machines" / name


def write_machine_cache(name: str, data: dict) -> Path:
    """Writes `data` as JSON to `machine_cache(name)`, creating the folder if needed."""
    path = machine_cache(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_json(path, data, indent=1)


def _boot_fingerprint() -> Fingerprint | None:
    """This boot's cached fingerprint of this machine, if any."""
    cached = _read_cache()
    return cached if cached is not None and cached.identity() == _identity() else None


def _read_cache() -> Fingerprint | None:
    path, boot = machine_cache(CACHE_FILE), _boot_id()
    if not boot or not path.is_file():
        return None
    try:
        data = read_json(path, "machine fingerprint cache")
    except UserInputError:  # a damaged cache is timed again
        return None
    if not isinstance(data, dict) or data.get("boot") != boot:
        return None
    return Fingerprint.from_metadata(data)


def _boot_id() -> str | None:
    """This boot's id (Linux); None elsewhere, where the reference is timed in every process."""
    try:
        return _BOOT_ID.read_text().strip() or None
    except OSError:
        return None


@functools.cache
def cpu_model_and_flags() -> tuple[str, list[str]]:
    """The CPU model name and feature flags from /proc/cpuinfo (the platform's processor name
    and no flags where there is none)."""
    model, flags = platform.processor() or platform.machine(), []
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            lines = [line.split(":", 1) for line in cpuinfo if ":" in line]
    except OSError:
        return model, flags
    fields = {}
    for key, value in lines:
        fields.setdefault(key.strip().lower(), value.strip())
    model = next(
        (fields[key] for key in ("model name", "hardware", "cpu model") if fields.get(key)), model
    )
    return model, (fields.get("flags") or fields.get("features") or "").split()


def cpu_description() -> str:
    """CPU model name with the core count, e.g. "AMD EPYC (2 cores)"."""
    return f"{cpu_model_and_flags()[0]} ({os.cpu_count()} cores)"


def runtime_name() -> str:
    version = _version("ai-edge-litert")
    return f"ai-edge-litert {version}" if version else "tflite-runtime"


def load_average() -> float | None:
    """The 1-minute load average (other work on the machine makes timings noisy)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def host_description(num_threads: int = 1) -> dict:
    """This machine as an export's timing records it: runtime, threads, CPU, load."""
    return {
        "runtime": runtime_name(),
        "num_threads": num_threads,
        "xnnpack": True,
        "cpu": cpu_description(),
        "machine": platform.machine(),
        "fingerprint": this_machine().to_dict(),
        "load_average_1min": load_average(),
    }


def host_metadata(
    num_threads: int = 1, warmup_runs: int = BLOCK_WARMUP_RUNS, runs: int = BLOCK_RUNS
) -> dict:
    """What a table measured on this machine must record to be trusted and compared."""
    return {
        "runtime": "ai-edge-litert",
        "runtime_version": _version("ai-edge-litert") or _version("tflite-runtime"),
        "converter": f"tensorflow {_version('tensorflow')}",
        "delegate": "XNNPACK",
        "threads": num_threads,
        "cpu": cpu_description(),
        "machine": machine_record(),
        "platform": platform.platform(),
        "method": (
            "LiteRT Python Interpreter, batch 1, float32; each block converted alone and "
            "its invoke() timed alone; median of runs after warm-up"
        ),
        "clock": (
            "thread CPU time (= wall time on an idle machine; robust to other load)"
            if num_threads == 1
            else "wall clock"
        ),
        "statistic": "median",
        "warmup_runs": warmup_runs,
        "runs": runs,
        "date": utc_now(),
        # the reference network's latency its timings are scaled to (`latency_models.speed`)
        "reference": reference_now(),
        "input_sizes": [],
    }


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None
