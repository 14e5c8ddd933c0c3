"""Phone probes: one TFLite model per block and an adb script that times each with TFLite's
`benchmark_model` (imported into a table by `latency_models.phone.imports`), and the adb
script's template, which `nas export` also uses for whole networks.

A probe folder holds `probes.json` (which model file is which block signature, and the run
settings), `models/*.tflite` (one model per block, plus `overhead.tflite`, a one-value model
that times the per-invoke overhead) and `run_probes.sh`, which writes one `outputs/NAME.txt`
per model and `outputs/device.txt` (phone model, SoC, benchmark_model checksum).
"""

from __future__ import annotations

import hashlib
import re
import shlex
from pathlib import Path

from tqdm.auto import tqdm

from mobile_seg_nas import write_bytes, write_json, write_text
from latency_models.measure import tiny_model_content
from latency_models.table import check_device_name

PROBES_FORMAT = "mobile-seg-nas/latency-probes"
PROBES_VERSION = 1
OVERHEAD_MODEL = "overhead"


def model_name(signature: str) -> str:
    """A short, file-system-safe, stable name for a block signature."""
    return "b" + hashlib.sha1(signature.encode()).hexdigest()[:12]


def write_probes(
    blocks,
    out_dir: str | Path,
    device: str,
    threads: int = 4,
    use_gpu: bool = False,
    warmup_runs: int = 10,
    runs: int = 50,
    cpu_mask: str = "f0",
    input_sizes=(),
) -> Path:
    """Writes the probe folder for `blocks` (models already there are kept); returns the
    path of its run script."""
    import keras  # converting probe models needs TensorFlow; importing this module does not

    from space.builders import build_block_model
    from space.tflite import convert_to_tflite

    check_device_name(device)
    out_dir = Path(out_dir)
    models = out_dir / "models"
    models.mkdir(parents=True, exist_ok=True)
    signatures = {}
    for block in tqdm(blocks, desc="writing probe models", unit="model", leave=False):
        name = model_name(block.signature)
        signatures[name] = block.signature
        path = models / f"{name}.tflite"
        if not path.exists():
            write_bytes(path, convert_to_tflite(build_block_model(block)))
            keras.backend.clear_session()
    overhead = models / f"{OVERHEAD_MODEL}.tflite"
    if not overhead.exists():
        write_bytes(overhead, tiny_model_content())
    manifest = {
        "format": PROBES_FORMAT,
        "version": PROBES_VERSION,
        "device": device,
        "threads": threads,
        "use_gpu": use_gpu,
        "warmup_runs": warmup_runs,
        "runs": runs,
        "cpu_mask": cpu_mask,
        "input_sizes": [list(size) for size in input_sizes],
        "models": signatures,
    }
    write_json(out_dir / "probes.json", manifest, indent=1)
    return _write_run_script(out_dir, threads, warmup_runs, runs, use_gpu, cpu_mask)


def _write_run_script(
    out_dir: Path, threads: int, warmup_runs: int, runs: int, use_gpu: bool, cpu_mask: str
) -> Path:
    """Writes the probe folder's executable `run_probes.sh` (resumable, recording the phone's
    identity); returns its path."""
    script = write_text(
        out_dir / "run_probes.sh",
        adb_benchmark_script(
            "every probe model",
            "models/*.tflite",
            "outputs",
            "nas_probes",
            benchmark_flags(threads, warmup_runs, runs, use_gpu),
            cpu_mask,
            setup=_DEVICE_FILE,
            resume=True,
            usage="Then: nas latency import --device NAME {this folder}",
        ),
    )
    script.chmod(0o755)
    return script


def benchmark_flags(threads, warmup_runs: int = 10, runs: int = 50, use_gpu: bool = False) -> str:
    """`benchmark_model`'s flags as the phone tables are measured (`threads` may be a shell
    expression such as "$NUM_THREADS")."""
    return (
        f"--num_threads={threads} --warmup_runs={warmup_runs} --num_runs={runs} "
        "--enable_op_profiling=true" + (" --use_gpu=true" if use_gpu else "")
    )


def adb_benchmark_script(
    what: str,
    models: str,
    out_dir: str,
    remote_name: str,
    flags: str,
    cpu_mask: str = "f0",
    setup: str = "",
    extra_flags: str = "",
    after: str = "",
    resume: bool = False,
    usage: str = "",
    suffix: str = ".txt",
) -> str:
    """A POSIX shell script that pushes each of `models` (shell words) to the phone, runs
    benchmark_model on it over adb, pinned to `cpu_mask`, with `flags`, `extra_flags` and the
    script's own arguments, keeps its output as `out_dir/NAME{suffix}`, then runs `after`
    (shell lines). `setup` runs once before. With `resume`, models with an output are skipped."""
    remote_name = re.sub(r"[^A-Za-z0-9_.-]", "_", remote_name)
    skip = f'  [ -s "$OUT/$name{suffix}" ] && continue\n' if resume else ""
    return f"""#!/bin/sh
# Times {what} on an Android phone with TFLite's benchmark_model, over adb.
# Needs adb, a phone with USB debugging on, and benchmark_model for the phone's ABI at
# $BENCHMARK (TFLite's prebuilt android_aarch64_benchmark_model, pushed with adb push).
# Usage: $0 [extra benchmark_model flags]. {usage}
# Settings (environment): ADB, BENCHMARK, REMOTE, CPU_MASK (taskset hex mask of the cores to
# pin: the big cores; f0 = cores 4-7 of a 4+4 SoC such as the Snapdragon 845).
# The latency is each output's "count=... avg=..." line after the second "Running benchmark for
# at least" (an op profile's "Timings" line sums per-op times; it is not the latency).
set -eu
cd "$(dirname "$0")"
ADB=${{ADB:-adb}}
BENCHMARK=${{BENCHMARK:-/data/local/tmp/benchmark_model}}
REMOTE=${{REMOTE:-/data/local/tmp/{remote_name}}}
CPU_MASK=${{CPU_MASK:-{shlex.quote(cpu_mask)}}}
OUT={out_dir}
mkdir -p "$OUT"
$ADB shell mkdir -p "$REMOTE"
{setup}for model in {models}; do
  name=$(basename "$model" .tflite)
{skip}  echo "$name" >&2
  $ADB push "$model" "$REMOTE/$name.tflite" >/dev/null
  $ADB shell taskset "$CPU_MASK" "$BENCHMARK" --graph="$REMOTE/$name.tflite" \\
    {flags} {extra_flags} "$@" > "$OUT/$name.tmp" 2>&1
  mv "$OUT/$name.tmp" "$OUT/$name{suffix}"
{after}  $ADB shell rm -f "$REMOTE/$name.tflite"
done
echo "done: outputs in $(pwd)/$OUT" >&2
"""


# The phone's identity, kept with the probe outputs (read by `import_probes`).
_DEVICE_FILE = """{
  echo "model=$($ADB shell getprop ro.product.model | tr -d '\\r')"
  echo "soc=$($ADB shell getprop ro.board.platform | tr -d '\\r')"
  echo "android=$($ADB shell getprop ro.build.version.release | tr -d '\\r')"
  echo "benchmark_model_md5=$($ADB shell md5sum "$BENCHMARK" | cut -d' ' -f1 | tr -d '\\r')"
  echo "cpu_mask=$CPU_MASK"
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} > "$OUT/device.txt"
"""
