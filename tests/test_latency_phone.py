"""Phone probes: probe folder + adb script, import of benchmark_model outputs to a table.

How an output is read is shown on real outputs in test_latency_benchmark_output.py.
"""

import json

import pytest

from mobile_seg_nas import UserInputError
from latency_models import load_table
from latency_models.benchmark_output import COUNT_LINE
from latency_models.phone import import_probes, model_name, write_probes
from latency_models.profiler import unique_blocks
from nas.cli import main
from space import get_preset

# benchmark_model (TFLite 2.16 android_aarch64 build) with --enable_op_profiling=true, as
# `adb shell taskset f0 /data/local/tmp/benchmark_model ...` prints it.
OP_PROFILING_OUTPUT = """\
INFO: STARTING!
INFO: Log parameter values verbosely: [0]
INFO: Num threads: [4]
INFO: Min warmup runs: [10]
INFO: Graph: [/data/local/tmp/nas_probes/b1a2b3c4d5e6f.tflite]
INFO: Enable op profiling: [1]
INFO: #threads used for CPU inference: [4]
INFO: Loaded model /data/local/tmp/nas_probes/b1a2b3c4d5e6f.tflite
INFO: Initialized TensorFlow Lite runtime.
INFO: Created TensorFlow Lite XNNPACK delegate for CPU.
INFO: The input model file size (MB): 0.290852
INFO: Initialized session in 14.944ms.
INFO: Running benchmark for at least 10 iterations and at least 0.5 seconds but terminate if exceeding 150 seconds.
INFO: count=1185 first=1247 curr=402 min=386 max=1247 avg=421.5 std=52

INFO: Running benchmark for at least 50 iterations and at least 1 seconds but terminate if exceeding 150 seconds.
INFO: count=2410 first=414 curr=409 min=384 max=702 avg=412.73 std=21

INFO: Inference timings in us: Init: 14944, First inference: 1247, Warmup (avg): 421.5, Inference (avg): 412.73
INFO: Note: as the benchmark tool itself affects memory footprint, the following is only APPROXIMATE to the actual memory footprint of the model at runtime. Take the information at your discretion.
INFO: Memory footprint delta from the start of the tool (MB): init=8.44922 overall=10.8789
INFO: Profiling Info for Benchmark Initialization:
============================== Run Order ==============================
\t             [node type]\t  [first]\t [avg ms]\t     [%]\t  [cdf%]\t  [mem KB]\t[times called]\t[Name]
\t ModifyGraphWithDelegate\t   14.842\t   14.842\t 99.317%\t 99.317%\t  3428.000\t        1\tModifyGraphWithDelegate/0
\t         AllocateTensors\t    0.102\t    0.102\t  0.683%\t100.000%\t     0.000\t        1\tAllocateTensors/0

Number of nodes executed: 2
============================== Summary by node type ==============================
\t             [Node type]\t  [count]\t  [avg ms]\t    [avg %]\t    [cdf %]\t  [mem KB]\t[times called]
\t ModifyGraphWithDelegate\t        1\t    14.842\t    99.317%\t    99.317%\t  3428.000\t        1
\t         AllocateTensors\t        1\t     0.102\t     0.683%\t   100.000%\t     0.000\t        1

Timings (microseconds): count=1 curr=14944
Memory (bytes): count=0
2 nodes observed



INFO: Operator-wise Profiling Info for Regular Benchmark Runs:
============================== Run Order ==============================
\t                 [node type]\t  [first]\t [avg ms]\t     [%]\t  [cdf%]\t  [mem KB]\t[times called]\t[Name]
\t Convolution (NHWC, F32) GEMM\t    0.151\t    0.143\t 35.043%\t 35.043%\t     0.000\t        1\tDelegate/Convolution (NHWC, F32) GEMM:0
\tConvolution (NHWC, F32) DWConv\t    0.098\t    0.094\t 23.039%\t 58.082%\t     0.000\t        1\tDelegate/Convolution (NHWC, F32) DWConv:1
\t Convolution (NHWC, F32) GEMM\t    0.148\t    0.141\t 34.558%\t 92.640%\t     0.000\t        1\tDelegate/Convolution (NHWC, F32) GEMM:2
\t        Transpose (ND, X32)\t    0.031\t    0.030\t  7.360%\t100.000%\t     0.000\t        1\tDelegate/Transpose (ND, X32):3

Number of nodes executed: 4
============================== Summary by node type ==============================
\t                 [Node type]\t  [count]\t  [avg ms]\t    [avg %]\t    [cdf %]\t  [mem KB]\t[times called]
\t Convolution (NHWC, F32) GEMM\t        2\t     0.284\t    69.608%\t    69.608%\t     0.000\t        2
\tConvolution (NHWC, F32) DWConv\t        1\t     0.094\t    23.039%\t    92.647%\t     0.000\t        1
\t        Transpose (ND, X32)\t        1\t     0.030\t     7.353%\t   100.000%\t     0.000\t        1

Timings (microseconds): count=2410 first=414 curr=409 min=384 max=702 avg=412.73 std=21
Memory (bytes): count=0
4 nodes observed
"""

# An older build without op profiling (no INFO: prefix, CRLF from an old adb).
PLAIN_OUTPUT = (
    "STARTING!\r\nNum runs: [50]\r\nGraph: [/data/local/tmp/overhead.tflite]\r\n"
    "Running benchmark for at least 1 iterations and at least 0.5 seconds but terminate if "
    "exceeding 150 seconds.\r\ncount=4862 first=120 curr=9 min=8 max=120 avg=10.1 std=2\r\n\r\n"
    "Running benchmark for at least 50 iterations and at least 1 seconds but terminate if "
    "exceeding 150 seconds.\r\ncount=9800 first=9 curr=9 min=8 max=31 avg=9.2 std=1\r\n\r\n"
    "Inference timings in us: Init: 1204, First inference: 120, Warmup (avg): 10.1, "
    "Inference (avg): 9.2\r\n"
)


@pytest.fixture(scope="module")
def probe_blocks():
    config = get_preset("paper-basic").replace(input_size=[32, 32], num_classes=3)
    return unique_blocks([config])[-3:]  # classifier, resize_logits, argmax


def test_probes_then_import_make_a_phone_table(tmp_path, probe_blocks, monkeypatch):
    monkeypatch.setenv("NAS_LATENCY_DIR", str(tmp_path / "user"))
    folder = tmp_path / "probes"
    script = write_probes(
        probe_blocks,
        folder,
        "oneplus-a6",
        threads=4,
        use_gpu=False,
        warmup_runs=10,
        runs=50,
        cpu_mask="f0",
        input_sizes=[(32, 32)],
    )
    manifest = json.loads((folder / "probes.json").read_text())
    names = [model_name(block.signature) for block in probe_blocks]
    assert sorted(manifest["models"]) == sorted(names)
    assert all((folder / "models" / f"{name}.tflite").stat().st_size > 0 for name in names)
    assert (folder / "models" / "overhead.tflite").is_file()
    text = script.read_text()
    assert "--num_threads=4 --warmup_runs=10 --num_runs=50 --enable_op_profiling=true" in text
    assert "taskset" in text and "--use_gpu" not in text and script.stat().st_mode & 0o111

    with pytest.raises(UserInputError, match="no benchmark_model outputs yet"):
        import_probes(folder, "oneplus-a6")
    outputs = folder / "outputs"
    outputs.mkdir()
    for name in names[:2]:  # the third is still missing: imported partially
        (outputs / f"{name}.txt").write_text(OP_PROFILING_OUTPUT)
    (outputs / "overhead.txt").write_text(PLAIN_OUTPUT)
    (outputs / "device.txt").write_text(
        "model=ONEPLUS A6003\nsoc=sdm845\nandroid=11\n"
        "benchmark_model_md5=0123abcd\ncpu_mask=f0\n"
        "date=2026-11-20T10:00:00Z\n"
    )
    assert main(["latency", "import", "--device", "oneplus-a6", str(folder)]) == 0
    table = load_table("oneplus-a6")
    assert len(table) == 2
    assert table.ms(probe_blocks[0].signature) == pytest.approx(0.41273)
    meta = table.metadata
    assert meta["cpu"].startswith("ONEPLUS A6003 (sdm845)") and meta["threads"] == 4
    assert meta["runtime"] == "TFLite benchmark_model" and "0123abcd" in meta["runtime_version"]
    assert meta["delegate"] == "XNNPACK" and meta["statistic"] == "mean"
    assert meta["timing_line"] == COUNT_LINE
    assert meta["invoke_overhead_ms"] == pytest.approx(0.0092)
    assert meta["input_sizes"] == [[32, 32]]


def test_import_of_a_broken_output_names_the_file(tmp_path, probe_blocks):
    folder = tmp_path / "probes"
    write_probes(probe_blocks[-1:], folder, "phone")
    name = model_name(probe_blocks[-1].signature)
    (folder / "outputs").mkdir()
    (folder / "outputs" / f"{name}.txt").write_text("adb: device offline\n")
    with pytest.raises(UserInputError, match=f"{name}.txt: no wall-clock mean"):
        import_probes(folder, "phone")
    with pytest.raises(UserInputError, match="no probes.json"):
        import_probes(tmp_path, "phone")


def test_run_script_collects_outputs_and_resumes(tmp_path, probe_blocks):
    """The generated script, run against a stand-in for adb that answers like a phone."""
    import os
    import subprocess

    folder = tmp_path / "probes"
    script = write_probes(probe_blocks[-1:], folder, "pixel-7", threads=2, cpu_mask="c0")
    output = tmp_path / "benchmark.txt"
    output.write_text(OP_PROFILING_OUTPUT)
    adb = tmp_path / "adb"
    adb.write_text(f"""#!/bin/sh
echo "$*" >> {tmp_path}/adb.log
case "$*" in
  *ro.product.model*) echo "Pixel 7";;
  *ro.board.platform*) echo "gs201";;
  *getprop*) echo "14";;
  *md5sum*) echo "5f2b9c  /data/local/tmp/benchmark_model";;
  *--graph=*) cat {output};;
esac
""")
    adb.chmod(0o755)
    environment = {**os.environ, "ADB": str(adb)}
    subprocess.run(["sh", str(script)], check=True, env=environment, capture_output=True)
    calls = (tmp_path / "adb.log").read_text()
    assert "shell taskset c0 /data/local/tmp/benchmark_model --graph=" in calls
    assert "--num_threads=2" in calls and "--enable_op_profiling=true" in calls
    table = import_probes(folder, "pixel-7")
    assert len(table) == 1 and table.metadata["cpu"].startswith("Pixel 7 (gs201)")

    (tmp_path / "adb.log").unlink()
    subprocess.run(["sh", str(script)], check=True, env=environment, capture_output=True)
    assert "--graph=" not in (tmp_path / "adb.log").read_text()  # every output kept
