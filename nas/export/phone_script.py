"""`benchmark_on_phone.sh`: push the exported files with adb and time them with TFLite's
`benchmark_model`, with the settings of the latency tables."""

from __future__ import annotations

import re
import shlex

BENCHMARK_FLAGS = "--warmup_runs=10 --num_runs=50 --enable_op_profiling=true"

_TEMPLATE = """#!/usr/bin/env bash
# Times {what} on an Android phone with TFLite's benchmark_model (one run per file).
# Needs adb, a phone with USB debugging on, and the benchmark_model binary for the phone's ABI
# pushed to $BENCHMARK (see https://ai.google.dev/edge/litert/models/measurement).
# Usage: ./benchmark_on_phone.sh [extra benchmark_model flags, e.g. --use_gpu=true]
# Settings (environment): ADB, BENCHMARK, REMOTE_DIR, NUM_THREADS, CPU_MASK (taskset mask of the
# big cores; f0 = cores 4-7, as on a Snapdragon 845). Results land in ./phone_results/:
# the log and the op profile CSV of every file. The latency is the log's "count=... avg=..."
# line after the second "Running benchmark for at least" (the profile's "Timings" line sums ops).
set -euo pipefail
cd "$(dirname "$0")"
ADB="${{ADB:-adb}}"
BENCHMARK="${{BENCHMARK:-/data/local/tmp/benchmark_model}}"
REMOTE_DIR="${{REMOTE_DIR:-/data/local/tmp/{remote_name}}}"
NUM_THREADS="${{NUM_THREADS:-{threads}}}"
CPU_MASK="${{CPU_MASK:-f0}}"
mkdir -p phone_results
"$ADB" shell mkdir -p "$REMOTE_DIR"
for model in {models}; do
  name="${{model%.tflite}}"
  "$ADB" push "$model" "$REMOTE_DIR/$model"
  "$ADB" shell taskset "$CPU_MASK" "$BENCHMARK" --graph="$REMOTE_DIR/$model" \\
    --num_threads="$NUM_THREADS" {flags} \\
    --op_profiling_output_mode=csv --op_profiling_output_file="$REMOTE_DIR/${{name}}_ops.csv" "$@" \\
    | tee "phone_results/${{name}}.log"
  "$ADB" pull "$REMOTE_DIR/${{name}}_ops.csv" "phone_results/${{name}}_ops.csv"
done
"""


def benchmark_script(model_files: list[str], num_threads: int = 1,
                     remote_name: str = "nas_export") -> str:
    """The shell script that benchmarks `model_files` (names in the export folder) on a phone."""
    remote_name = re.sub(r"[^A-Za-z0-9_.-]", "_", remote_name)
    return _TEMPLATE.format(what=", ".join(model_files), remote_name=remote_name, threads=int(num_threads),
                            models=" ".join(shlex.quote(name) for name in model_files),
                            flags=BENCHMARK_FLAGS)
