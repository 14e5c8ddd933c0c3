"""Exported networks timed on a phone: a real `nas export`, its benchmark_on_phone.sh run
against a stand-in adb that answers with a real phone output, then `nas latency import
--end-to-end` fits the phone table's calibration and `nas latency validate --from` compares."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from latency_models import LatencyTable
from latency_models.benchmark_output import COUNT_LINE
from latency_models.profiler import unique_blocks
from nas.cli import main
from space import get_preset

pytestmark = pytest.mark.slow

OUTPUT = Path(__file__).parent / "fixtures" / "phone_outputs" / "litert_cpu_blaze_face.txt"
MEASURED_MS = 0.947132  # its regular runs' wall-clock mean, 4 threads
CONFIG = get_preset("paper-basic").replace(depth_multiplier=0.5, input_size=[64, 64])
FAKE_ADB = f"""#!/bin/sh
case "$*" in
  pull*) echo "node type, start, first, avg_ms" > "$3";;
  *--graph=*) cat {OUTPUT};;
esac
"""


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory):
    """A `nas export` folder whose phone script has run (stand-in adb, a real output)."""
    folder = tmp_path_factory.mktemp("export") / "paper-basic"
    assert (
        main(
            [
                "export",
                "--preset",
                "paper-basic",
                "--input-size",
                "64x64",
                "--set",
                "depth_multiplier=0.5",
                "--out",
                str(folder),
                "--verify-images",
                "2",
                "--calibration-images",
                "2",
            ]
        )
        == 0
    )
    return folder


def run_phone_script(folder: Path, tmp_path: Path) -> None:
    adb = tmp_path / "adb"
    adb.write_text(FAKE_ADB)
    adb.chmod(0o755)
    subprocess.run(
        [str(folder / "benchmark_on_phone.sh")],
        check=True,
        capture_output=True,
        env={**os.environ, "ADB": str(adb), "NUM_THREADS": "4"},
    )


@pytest.fixture
def phone_table(tmp_path, monkeypatch):
    """A phone table (as `nas latency import` writes it) with every block of CONFIG."""
    monkeypatch.setenv("NAS_LATENCY_DIR", str(tmp_path / "user"))
    metadata = {
        "runtime": "TFLite benchmark_model",
        "runtime_version": "md5 0123abcd",
        "delegate": "XNNPACK",
        "threads": 4,
        "cpu": "Pixel 7 (gs201), cores f0",
        "statistic": "mean",
        "input_sizes": [[64, 64]],
    }
    entries = {block.signature: {"ms": 0.02} for block in unique_blocks([CONFIG])}
    return LatencyTable("pixel-7", metadata, entries).save(tmp_path / "user" / "pixel-7.json")


def test_end_to_end_outputs_calibrate_the_phone_table_and_validate_against_it(
    export_dir, phone_table, tmp_path, capsys
):
    assert main(["latency", "validate", "--device", "pixel-7", "--from", str(export_dir)]) == 2
    assert "no benchmark_on_phone.sh output yet" in capsys.readouterr().err
    run_phone_script(export_dir, tmp_path)
    assert (export_dir / "phone_results" / "model.log").read_text() == OUTPUT.read_text()

    assert (
        main(["latency", "validate", "--device", "pixel-7", "--from", str(export_dir), "--json"])
        == 0
    )
    before = json.loads(capsys.readouterr().out)
    [row] = before["configs"]
    assert row["measured_ms"] == pytest.approx(MEASURED_MS) and row["config_id"] == CONFIG.id
    assert row["predicted_ms"] == row["summed_ms"]  # uncalibrated: factor 1

    assert (
        main(
            ["latency", "import", "--device", "pixel-7", "--end-to-end", str(export_dir), "--json"]
        )
        == 0
    )
    calibration = json.loads(capsys.readouterr().out)
    factor = calibration["factors"]["shufflenet_v2"]
    assert factor == pytest.approx(MEASURED_MS / row["summed_ms"], rel=1e-3)
    assert calibration["default"] == factor and calibration["configs"] == {"shufflenet_v2": 1}
    assert calibration["timing_line"] == COUNT_LINE
    stored = json.loads(phone_table.read_text())["metadata"]["calibration"]
    assert stored["factors"] == {"shufflenet_v2": factor}

    assert main(["latency", "validate", "--device", "pixel-7", "--from", str(export_dir)]) == 0
    text = capsys.readouterr().out
    assert "within 5%: 100%" in text and "benchmark_on_phone.sh outputs in" in text


def test_outputs_of_another_thread_count_are_refused(export_dir, phone_table, tmp_path, capsys):
    run_phone_script(export_dir, tmp_path)
    table = json.loads(phone_table.read_text())
    table["metadata"]["threads"] = 1
    phone_table.write_text(json.dumps(table))
    assert main(["latency", "import", "--device", "pixel-7", "--end-to-end", str(export_dir)]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert "model.log: benchmark_model ran with 4 thread(s)" in error and "NUM_THREADS=1" in error


def test_a_phone_table_is_never_timed_here(phone_table, capsys):
    for command in ("calibrate", "validate"):
        assert main(["latency", command, "--device", "pixel-7"]) == 2
        error = capsys.readouterr().err.strip().splitlines()[-1]
        assert "was measured on another machine (Pixel 7 (gs201), cores f0, no machine " in error
