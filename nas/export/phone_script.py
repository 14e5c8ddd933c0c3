"""`benchmark_on_phone.sh`: push the exported files with adb and time them with TFLite's
`benchmark_model`, with the settings of the phone latency tables
(`latency_models.phone.adb_benchmark_script`)."""

from __future__ import annotations

import shlex

from latency_models.phone import adb_benchmark_script, benchmark_flags
from latency_models.phone_runs import RESULT_SUFFIX, RESULTS_DIR

SCRIPT_FILE = "benchmark_on_phone.sh"
FLAGS = benchmark_flags('"$NUM_THREADS"')
OP_PROFILE_CSV = (
    '--op_profiling_output_mode=csv --op_profiling_output_file="$REMOTE/${name}_ops.csv"'
)


def benchmark_script(
    model_files: list[str], num_threads: int = 1, remote_name: str = "nas_export"
) -> str:
    """The shell script that benchmarks `model_files` (names in the export folder) on a phone;
    results land in ./phone_results/ (each file's log and its op profile CSV), read back by
    `nas latency import --end-to-end` and `nas latency validate --from`."""
    return adb_benchmark_script(
        ", ".join(model_files),
        " ".join(shlex.quote(name) for name in model_files),
        RESULTS_DIR,
        remote_name,
        FLAGS,
        setup=f"NUM_THREADS=${{NUM_THREADS:-{int(num_threads)}}}\n",
        extra_flags=OP_PROFILE_CSV,
        after='  $ADB pull "$REMOTE/${name}_ops.csv" "$OUT/${name}_ops.csv"\n',
        usage="NUM_THREADS (environment) overrides the thread count.",
        suffix=RESULT_SUFFIX,
    )
