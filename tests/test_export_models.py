"""`nas export` of a tiny trained run in all three modes, of a random-init preset, and of a
search run's trials and Pareto front: real training, conversion, LiteRT runs and files."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from nas.cli import main
from searches import search_folder, train_tiny
from space import ArchConfig
from space.tflite import make_interpreter, tflite_op_names

pytestmark = pytest.mark.slow

TINY = ArchConfig(
    backbone="shufflenet_v2",
    depth_multiplier=0.5,
    head="basic",
    dpc_branches=[],
    num_classes=19,
    input_size=[64, 64],
)
FAST = ["--verify-images", "4", "--calibration-images", "4"]


@pytest.fixture(autouse=True)
def latency_tables(tmp_path_factory, monkeypatch):
    """A user table folder of each test's own, outside the folders whose files a test checks."""
    monkeypatch.setenv("NAS_LATENCY_DIR", str(tmp_path_factory.mktemp("latency")))


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A run folder of `nas train`: a tiny network trained for a few steps on synthetic data."""
    return train_tiny(
        tmp_path_factory.mktemp("run") / "tiny",
        TINY,
        steps=30,
        batch_size=4,
        learning_rate=2e-2,
        eval_images=4,
        threads=1,
    )


def export(capsys, *arguments) -> tuple[int, dict | str]:
    """Runs `nas export ... --json`: exit code, and the JSON summary or the error line."""
    code = main(["export", *arguments, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if code == 0 else captured.err.strip()


def test_trained_run_exports_three_verified_files(trained_run, tmp_path, capsys):
    out = tmp_path / "export"
    code, summary = export(
        capsys,
        "--run",
        str(trained_run),
        "--quantize",
        "fp16",
        "int8",
        "--out",
        str(out),
        "--verify-images",
        "6",
        "--calibration-images",
        "4",
    )

    assert code == 0
    assert sorted(path.name for path in out.iterdir()) == [
        "benchmark_on_phone.sh",
        "labels.txt",
        "metadata.json",
        "model.tflite",
        "model_fp16.tflite",
        "model_int8.tflite",
    ]
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["trained"] is True and metadata["data"] == "synthetic"
    assert metadata["config"]["input_size"] == [64, 64]
    assert metadata["verification"]["images"] == 6
    files = metadata["files"]
    assert files["model.tflite"]["agreement"] >= 0.999
    assert files["model_fp16.tflite"]["agreement"] >= 0.99
    assert 0.5 <= files["model_int8.tflite"]["agreement"] <= 1.0
    keras_miou = metadata["verification"]["keras_miou"]
    assert files["model.tflite"]["miou"] == pytest.approx(keras_miou, abs=1e-3)
    for name, figures in files.items():
        assert 0.0 <= figures["miou"] <= 1.0
        assert figures["miou_drop"] == pytest.approx(keras_miou - figures["miou"])
        assert figures["host_latency_ms"] > 0
        assert figures["bytes"] == (out / name).stat().st_size
        ops = tflite_op_names((out / name).read_bytes())
        assert "ARG_MAX" in ops and "SPACE_TO_BATCH_ND" not in ops
    assert files["model.tflite"]["bytes"] > 2.5 * files["model_int8.tflite"]["bytes"]
    interpreter = make_interpreter((out / "model_int8.tflite").read_bytes())
    assert interpreter.get_input_details()[0]["dtype"] == np.uint8
    assert list(interpreter.get_output_details()[0]["shape"]) == [1, 64, 64]
    labels = (out / "labels.txt").read_text().splitlines()
    assert labels[0] == "road" and len(labels) == 19 == len(metadata["classes"])
    script = (out / "benchmark_on_phone.sh").read_text()
    assert "model.tflite model_fp16.tflite model_int8.tflite" in script
    assert (
        summary["files"]["model_int8.tflite"]["agreement"]
        == files["model_int8.tflite"]["agreement"]
    )


def test_random_init_preset_is_verified_and_marked_untrained(tmp_path, capsys):
    out = tmp_path / "preset"
    code, summary = export(
        capsys,
        "--preset",
        "paper-basic",
        "--input-size",
        "64x64",
        "--set",
        "depth_multiplier=0.5",
        "--out",
        str(out),
        *FAST,
    )

    assert code == 0
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["trained"] is False and metadata["weights_sha256"] is None
    assert metadata["files"]["model.tflite"]["agreement"] >= 0.999
    assert "miou" not in metadata["files"]["model.tflite"]
    assert metadata["predicted_latency"]["device"] == "host"
    assert summary["name"] == metadata["name"]

    # the same export again replaces it; a different one may not overwrite it
    assert (
        export(
            capsys,
            "--preset",
            "paper-basic",
            "--input-size",
            "64x64",
            "--set",
            "depth_multiplier=0.5",
            "--out",
            str(out),
            *FAST,
        )[0]
        == 0
    )
    before = {path.name: path.stat().st_mtime_ns for path in out.iterdir()}
    code, error = export(
        capsys, "--preset", "paper-basic", "--input-size", "96x96", "--out", str(out), *FAST
    )
    assert code == 2 and "already holds a different export" in error
    assert {path.name: path.stat().st_mtime_ns for path in out.iterdir()} == before
    assert [path.name for path in tmp_path.iterdir()] == ["preset"]  # no staging left


@pytest.fixture(scope="module")
def search_run(trained_run, tmp_path_factory):
    """A `nas search` run folder with two trained trials, both on the front."""
    rows = [
        {
            "trial_id": trial_id,
            "status": "completed",
            "config_id": TINY.id,
            "miou": 0.1 + number / 10,
            "latency_ms": 5.0 + number,
        }
        for number, trial_id in enumerate(["t0001", "t0002"])
    ]
    return search_folder(
        tmp_path_factory.mktemp("search") / "search",
        trained_run,
        rows,
        {"data": "synthetic", "device": "host", "latency_input_size": "96x96"},
    )


def test_pareto_exports_each_front_model_and_an_index(search_run, tmp_path, capsys):
    out = tmp_path / "front"
    code, summary = export(capsys, "--run", str(search_run), "--pareto", "--out", str(out), *FAST)

    assert code == 0
    assert sorted(path.name for path in out.iterdir()) == [
        "index.csv",
        "index.json",
        "trial_t0001",
        "trial_t0002",
    ]
    index = pd.read_csv(out / "index.csv", dtype={"trial_id": str})
    assert list(index["trial_id"]) == ["t0001", "t0002"]
    assert list(index["search_miou"]) == [0.1, 0.2]
    assert (index["float32_agreement"] >= 0.999).all()
    metadata = json.loads((out / "trial_t0002" / "metadata.json").read_text())
    assert metadata["config"]["input_size"] == [96, 96]  # the search's latency input size
    assert metadata["source"] == {"run": str(search_run), "trial_id": "t0002"}
    assert summary["models"][0]["folder"] == "trial_t0001"


def test_one_trial_and_bad_trial_ids(search_run, tmp_path, capsys):
    out = tmp_path / "one"
    code, summary = export(
        capsys,
        "--run",
        str(search_run),
        "--trial",
        "t0001",
        "--input-size",
        "64x64",
        "--out",
        str(out),
        *FAST,
    )
    assert code == 0 and summary["trained"] is True
    assert summary["files"]["model.tflite"]["agreement"] >= 0.999

    code, error = export(
        capsys, "--run", str(search_run), "--trial", "t9", "--out", str(tmp_path / "no")
    )
    assert code == 2 and "trial 't9' is not in" in error
    (search_run / "trials" / "t0002" / "model.weights.h5").rename(search_run / "moved.h5")
    try:
        code, error = export(
            capsys, "--run", str(search_run), "--pareto", "--out", str(tmp_path / "no")
        )
        assert code == 2 and "no trained weights" in error
    finally:
        (search_run / "moved.h5").rename(search_run / "trials" / "t0002" / "model.weights.h5")
    assert not (tmp_path / "no").exists()


def test_config_file_with_a_weights_checkpoint_is_trained(trained_run, tmp_path, capsys):
    out = tmp_path / "from-config"
    code, summary = export(
        capsys,
        "--config",
        str(trained_run / "config.json"),
        "--weights",
        str(trained_run / "model.weights.h5"),
        "--out",
        str(out),
        *FAST,
    )

    assert code == 0 and summary["trained"] is True
    assert "miou" in summary["files"]["model.tflite"]
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["source"] == {"config": str(trained_run / "config.json")}
    assert len(metadata["weights_sha256"]) == 64


@pytest.mark.filterwarnings("ignore:Skipping nested container")  # Keras, on the misfit weights
def test_a_failure_midway_through_the_front_writes_nothing(search_run, tmp_path, capsys):
    broken = tmp_path / "search"
    shutil.copytree(search_run, broken)
    config = broken / "trials" / "t0002" / "config.json"
    config.write_text(TINY.replace(num_classes=5).to_json())  # its weights no longer fit

    code, error = export(
        capsys, "--run", str(broken), "--pareto", "--out", str(tmp_path / "out"), *FAST
    )

    assert code == 2 and "do not fit config" in error
    assert sorted(path.name for path in tmp_path.iterdir()) == ["search"]
