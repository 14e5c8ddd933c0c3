"""`nas reproduce` on tiny COCO 2017 and Cityscapes trees in their official layouts: the paper's
recipe end to end with a kill -9 in its middle stage and the resume, whole-image evaluation,
the report and the export; missing data refused before anything is written."""

import json
import logging
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dataset_trees import make_cityscapes, make_coco
from nas.cli import main
from nas.reproduce import make_plan, read_plan
from nas.reproduce.plan import load_stage_data, start_folder
from space import get_preset
from trainers.recipes import load_recipe

ROOT = Path(__file__).resolve().parent.parent
NETWORK = ["--preset", "paper-basic", "--set", "depth_multiplier=0.5"]  # tiny, not the point


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """COCO (train and val, one kept image each) and Cityscapes with coarse labels (48x64)."""
    root = tmp_path_factory.mktemp("data")
    for split in ("train", "val"):
        make_coco(root / "coco", split, scale=4)
    make_cityscapes(root / "cityscapes", scale=16, coarse=True)
    make_cityscapes(root / "fine-only", scale=16)
    return root


def tiny_recipe(folder: Path) -> Path:
    """The paper's recipe as `nas recipe show paper --json` prints it, edited as a user would:
    a tiny crop, batch and step counts, a checkpoint every 5 steps."""
    recipe = load_recipe("paper").to_dict()
    recipe["train"].update(
        crop_size=[32, 32], batch_size=2, checkpoint_every=5, batch_norm_batches=2, threads=1
    )
    for stage, steps in zip(recipe["stages"], (6, 40, 6)):
        stage["steps"] = steps
    recipe["stages"][2]["slow_start_steps"] = 2
    path = folder / "tiny-paper.json"
    path.write_text(json.dumps(recipe))
    return path


def run_cli(capsys, *argv):
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def kill_in_stage_two(argv: list[str], out: Path) -> str:
    """Starts `nas reproduce` in a process, kills it (-9) once the middle stage has written a
    checkpoint; returns its stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "nas.cli", *argv],
        cwd=ROOT,
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    checkpoints = out / "stages" / "2-coarse" / "checkpoints"
    deadline = time.monotonic() + 300
    while not any(checkpoints.glob("step-*")) and process.poll() is None:
        assert time.monotonic() < deadline, "stage 2 wrote no checkpoint in 5 minutes"
        time.sleep(0.05)
    process.kill()
    return process.communicate()[1]


@pytest.mark.slow
def test_paper_recipe_resumes_its_middle_stage_then_reports_and_exports(
    data, tmp_path, capsys, caplog
):
    from space.builders import build_model

    weights = tmp_path / "imagenet.weights.h5"  # a locally saved first-stage initialisation
    build_model(
        get_preset("paper-basic").replace(depth_multiplier=0.5, num_classes=10, input_size=(32, 32))
    ).save_weights(weights)
    out = tmp_path / "run"
    argv = [
        "reproduce",
        *NETWORK,
        "--recipe",
        tiny_recipe(tmp_path),
        "--coco",
        data / "coco",
        "--cityscapes",
        data / "cityscapes",
        "--init",
        weights,
        "--out",
        out,
    ]
    stderr = kill_in_stage_two([str(arg) for arg in argv], out)
    assert "stage 2/3 coarse" in stderr  # the progress names the stage
    assert not (out / "stages" / "2-coarse" / "evaluation.json").exists()
    first_stage = (out / "stages" / "1-coco" / "evaluation.json").stat().st_mtime_ns

    with caplog.at_level(logging.INFO):
        code, text, err = run_cli(capsys, "reproduce", "--resume", "--out", out, "--json")
    assert code == 0, err
    assert "stage 1/3 coco: done earlier" in caplog.text
    assert int(re.search(r"resuming \S*2-coarse from step (\d+)", caplog.text)[1]) >= 5
    assert (out / "stages" / "1-coco" / "evaluation.json").stat().st_mtime_ns == first_stage
    report = json.loads(text)
    coco, coarse, fine = report["stages"]
    assert [coco["steps"], coarse["steps"], fine["steps"]] == [6, 40, 6]
    assert coarse["train_split"] == "train_extra" and fine["train_split"] == "train"
    assert coco["eval_size"] == [32, 32] and not coco["full_resolution"]  # COCO: the crop
    assert coarse["eval_size"] == fine["eval_size"] == [48, 64] and fine["full_resolution"]
    assert len(report["final"]["per_class"]) == 19 and "vehicle" in report["final"]["category_iou"]

    chain = [
        json.loads((out / "stages" / name / "data.json").read_text())
        for name in ("1-coco", "2-coarse", "3-fine")
    ]
    assert chain[0]["init_weights"] == str(weights) and chain[0]["learning_rate"] == 1e-3
    assert chain[1]["init_weights"] == str(out / "stages" / "1-coco")
    assert chain[2]["init_weights"] == str(out / "stages" / "2-coarse")
    assert (chain[2]["learning_rate"], chain[2]["slow_start_steps"], chain[2]["slow_start_lr"]) == (
        1e-4,
        2,
        1e-5,
    )
    metadata = json.loads((out / "export" / "metadata.json").read_text())
    assert metadata["trained"] and metadata["config"]["num_classes"] == 19
    assert report["export"]["files"]["model.tflite"]["agreement"] >= 0.999
    assert "whole images" in (out / "report.txt").read_text()

    code, text, _ = run_cli(capsys, "eval", "--run", out / "stages" / "3-fine", "--json")
    evaluation = json.loads(text)  # Cityscapes: whole images by default
    assert code == 0 and evaluation["eval_size"] == [48, 64]
    assert evaluation["miou"] == pytest.approx(fine["miou"])


@pytest.mark.parametrize(
    "paths, message",
    [
        (
            {"cityscapes": "cityscapes"},
            "stage coco trains on COCO 2017: give --coco PATH, or leave "
            "the stage out with --skip coco",
        ),
        (
            {"coco": "coco", "cityscapes": "fine-only"},
            "stage coarse: cityscapes:{data}/fine-only: unknown split 'train_extra'",
        ),
        (
            {"coco": "nowhere", "cityscapes": "cityscapes"},
            "stage coco: {data}/nowhere: COCO folder not found",
        ),
    ],
)
def test_missing_stage_data_is_refused_before_anything_is_written(
    data, tmp_path, capsys, paths, message
):
    flags = [item for role, folder in paths.items() for item in (f"--{role}", data / folder)]
    code, out, err = run_cli(capsys, "reproduce", *NETWORK, *flags, "--out", tmp_path / "run")
    assert code == 2 and out == ""
    assert message.format(data=data) in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


def test_initial_weights_that_do_not_fit_are_refused_before_anything_is_written(
    data, tmp_path, capsys
):
    from space.builders import build_model

    weights = tmp_path / "other.weights.h5"  # another network's weights
    build_model(
        get_preset("mobilenetv2-basic").replace(depth_multiplier=0.35, input_size=(32, 32))
    ).save_weights(weights)
    code, _, err = run_cli(
        capsys,
        "reproduce",
        *NETWORK,
        "--coco",
        data / "coco",
        "--cityscapes",
        data / "cityscapes",
        "--init",
        weights,
        "--out",
        tmp_path / "run",
    )
    assert code == 2 and f"--init {weights}: weights do not fit this model" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "run").exists()


def test_a_skipped_stage_needs_no_data(data):
    plan = make_plan(
        get_preset("paper-basic"),
        load_recipe("paper"),
        {"coco": None, "cityscapes": data / "fine-only"},
        skip=["coco", "coarse"],
    )
    datasets = load_stage_data(plan)
    assert list(datasets) == [f"cityscapes:{data / 'fine-only'}"]


def test_a_reproduction_folder_is_resumed_only_with_the_same_plan(data, tmp_path, capsys):
    out = tmp_path / "run"
    plan = make_plan(
        get_preset("paper-basic"),
        load_recipe("paper"),
        {"coco": data / "coco", "cityscapes": data / "cityscapes"},
        steps_scale=0.01,
    )
    start_folder(out, plan, resume=False)
    assert read_plan(out) == plan
    common = [
        "reproduce",
        "--preset",
        "paper-basic",
        "--coco",
        data / "coco",
        "--cityscapes",
        data / "cityscapes",
        "--out",
        out,
    ]
    code, _, err = run_cli(capsys, *common, "--steps-scale", "0.01")
    assert code == 2 and "already holds a reproduction; pass --resume" in err
    code, _, err = run_cli(capsys, *common, "--steps-scale", "0.02", "--resume")
    assert code == 2 and "holds a reproduction with another recipe" in err
    assert read_plan(out) == plan
