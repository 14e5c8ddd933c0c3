"""benchmark_on_phone.sh: the adb and benchmark_model commands it runs (with a stand-in adb)."""

import os
import subprocess

from nas.export.phone_script import benchmark_script

FAKE_ADB = """#!/usr/bin/env bash
echo "$*" >> "$ADB_LOG"
if [ "$1" = pull ]; then echo "node type, start, first, avg_ms" > "$3"; fi
if [ "$1" = shell ] && [ "$2" = taskset ]; then
  echo "Timings (microseconds): count=50 first=1 curr=1 min=1 max=1 avg=1234.5 std=1"
fi
"""


def test_script_pushes_and_benchmarks_every_file_with_the_table_settings(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    for name in ("model.tflite", "model_int8.tflite"):
        (folder / name).write_bytes(b"tflite")
    script = folder / "benchmark_on_phone.sh"
    script.write_text(
        benchmark_script(
            ["model.tflite", "model_int8.tflite"], num_threads=4, remote_name="nas trial/7"
        )
    )
    script.chmod(0o755)
    adb = tmp_path / "adb"
    adb.write_text(FAKE_ADB)
    adb.chmod(0o755)
    log = tmp_path / "adb.log"

    env = {**os.environ, "ADB": str(adb), "ADB_LOG": str(log)}
    done = subprocess.run(
        [str(script), "--use_gpu=true"], env=env, capture_output=True, text=True, cwd=tmp_path
    )

    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    remote = "/data/local/tmp/nas_trial_7"
    assert calls[0] == f"shell mkdir -p {remote}"
    assert f"push model.tflite {remote}/model.tflite" in calls
    benchmark = next(call for call in calls if "--graph=" + remote + "/model_int8.tflite" in call)
    assert benchmark.startswith("shell taskset f0 /data/local/tmp/benchmark_model ")
    for flag in (
        "--num_threads=4",
        "--warmup_runs=10",
        "--num_runs=50",
        "--enable_op_profiling=true",
        "--use_gpu=true",
    ):
        assert flag in benchmark.split()
    assert "avg=1234.5" in (folder / "phone_results" / "model_int8.log").read_text()
    assert (folder / "phone_results" / "model_ops.csv").is_file()
