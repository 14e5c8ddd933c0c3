"""Recipes as data (`trainers.recipes`), `nas recipe list/show`, the reproduction plan (data
roles, --skip, --steps-scale, --demo) and the report beside the paper's numbers: no training."""

import json

import pytest

from mobile_seg_nas import UserInputError
from nas.cli import main
from nas.reproduce import build_report, make_plan, report_text
from space import get_preset
from trainers import TrainConfig
from trainers.recipes import load_recipe

NO_DATA = {"coco": None, "cityscapes": None}


def run_cli(capsys, *argv):
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def stage_configs(recipe) -> dict[str, TrainConfig]:
    return {stage.name: recipe.train_config(stage) for stage in recipe.stages}


def test_paper_recipe_is_the_papers_training():
    recipe = load_recipe("paper")
    coco, coarse, fine = stage_configs(recipe).values()
    assert (coco.data, coco.train_split, coco.steps, coco.learning_rate) == (
        "coco",
        "train",
        60000,
        1e-3,
    )
    assert (coarse.data, coarse.train_split, coarse.steps) == ("cityscapes", "train_extra", 60000)
    assert (fine.data, fine.train_split, fine.steps, fine.learning_rate) == (
        "cityscapes",
        "train",
        120000,
        1e-4,
    )
    assert (fine.slow_start_steps, fine.slow_start_lr) == (186, 1e-5)
    augmentation = ("min_scale", "max_scale", "scale_step", "flip", "weight_decay")
    for stage in (coco, coarse, fine):
        assert stage.crop_size == (769, 769) and stage.batch_size == 16
        assert stage.scales() == [0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]
        assert all(getattr(stage, name) == getattr(TrainConfig(), name) for name in augmentation)
    assert recipe.reference["val_miou"] == {
        "paper-dpc": 71.3,
        "paper-basic": 67.7,
        "mobilenetv2-basic": 70.7,
    }


def test_recipe_list_and_show_and_the_file_it_prints(tmp_path, capsys):
    code, out, _ = run_cli(capsys, "recipe", "list")
    assert code == 0 and out.startswith("paper ")
    code, out, _ = run_cli(capsys, "recipe", "show", "paper")
    assert (
        code == 0 and "stage 2 coarse: cityscapes (--cityscapes PATH), train on train_extra" in out
    )
    assert "slow start 186 steps at 1e-05" in out and "paper-dpc 71.3% val mIOU, 70.33% test" in out
    code, out, _ = run_cli(capsys, "recipe", "show", "paper", "--json")
    path = tmp_path / "mine.json"
    path.write_text(out)
    assert load_recipe(str(path)) == load_recipe("paper")
    code, out, _ = run_cli(capsys, "recipe", "show", path)
    assert code == 0 and out.startswith("paper: ")


@pytest.mark.parametrize(
    "content, message",
    [
        ("{broken", "not valid JSON"),
        ({"stagse": []}, "unknown key 'stagse'"),
        ({"stages": []}, "stages must be a non-empty list"),
        ({"stages": [{"steps": 5}]}, 'each stage must be a JSON object with a "name"'),
        ({"stages": [{"name": "Big Stage"}]}, "stage name 'Big Stage': use lower-case letters"),
        ({"stages": [{"name": "a"}, {"name": "a"}]}, "stage name 'a' is used twice"),
        (
            {"stages": [{"name": "a", "stepz": 5}]},
            "stage 'a': unknown field 'stepz' (did you mean 'steps'?)",
        ),
        (
            {"stages": [{"name": "a", "steps": "60K"}]},
            "stage 'a': steps must be an integer, not '60K'",
        ),
        ({"train": {"flip": "yes"}, "stages": [{"name": "a"}]}, "flip must be true or false"),
        ({"stages": [{"name": "a", "crop_size": [0, 5]}]}, "expected HxW with positive integers"),
        (
            {"stages": [{"name": "a", "init_weights": "x.h5"}]},
            "give the first stage's weights with --init",
        ),
    ],
)
def test_bad_recipe_files_get_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    code, out, err = run_cli(capsys, "recipe", "show", path)
    assert code == 2 and out == ""
    assert f"recipe {path}" in err and message in err and len(err.strip().splitlines()) == 1


def test_unknown_recipe_names_the_closest():
    with pytest.raises(UserInputError, match="unknown recipe 'papr' \\(did you mean 'paper'\\?\\)"):
        load_recipe("papr")


def test_steps_scale_shrinks_every_stage_and_its_slow_start(tmp_path):
    plan = make_plan(
        get_preset("paper-dpc"),
        load_recipe("paper"),
        {"coco": tmp_path, "cityscapes": tmp_path},
        steps_scale=0.01,
        settings={"batch_size": 4, "threads": None},
    )
    coco, coarse, fine = stage_configs(plan.recipe).values()
    assert (coco.steps, coarse.steps, fine.steps) == (600, 600, 1200)
    assert (fine.slow_start_steps, fine.learning_rate, fine.batch_size) == (2, 1e-4, 4)
    assert (coco.data, fine.data) == (
        f"coco:{tmp_path.resolve()}",
        f"cityscapes:{tmp_path.resolve()}",
    )
    with pytest.raises(UserInputError, match="--steps-scale 0: must be positive"):
        load_recipe("paper").scaled(0)


def test_demo_trains_every_stage_on_synthetic_scenes():
    plan = make_plan(get_preset("paper-dpc"), load_recipe("paper"), NO_DATA, demo=True)
    stages = stage_configs(plan.recipe)
    assert [(stage.data, stage.train_split, stage.steps) for stage in stages.values()] == [
        ("synthetic:1", "train", 120),
        ("synthetic", "train", 120),
        ("synthetic", "train", 240),
    ]
    assert all(stage.crop_size == (128, 128) and stage.batch_size == 8 for stage in stages.values())
    assert plan.demo and plan.steps_scale == 0.002


@pytest.mark.parametrize(
    "options, message",
    [
        (
            {"skip": ["cocoa"]},
            "--skip cocoa: recipe paper has no such stage; its stages: coco, coarse, fine",
        ),
        ({"skip": ["coco", "coarse", "fine"]}, "--skip leaves no stage to run"),
        ({"init_weights": "/no/imagenet.weights.h5"}, "--init /no/imagenet.weights.h5: not found"),
        (
            {"demo": True, "data": {"coco": "/data/coco", "cityscapes": None}},
            "--demo trains on synthetic scenes; drop --coco",
        ),
    ],
)
def test_bad_plans_get_one_line(options, message):
    data = options.pop("data", {"coco": "/data/coco", "cityscapes": "/data/cityscapes"})
    with pytest.raises(UserInputError) as error:
        make_plan(get_preset("paper-dpc"), load_recipe("paper"), data, **options)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_report_sets_the_papers_numbers_beside_the_reproduction():
    plan = make_plan(
        get_preset("paper-dpc"), load_recipe("paper"), NO_DATA, demo=True, skip=["coco"]
    )
    names = ["road", "car"]
    evaluation = {
        "data": "synthetic",
        "train_split": "train",
        "eval_split": "val",
        "steps": 120,
        "train_seconds": 9.0,
        "miou": 0.5,
        "eval_size": [128, 128],
        "full_resolution": False,
        "images": 100,
        "class_names": names,
        "per_class": [0.9, None],
        "run": "runs/x/stages/2-coarse",
    }
    stages = [
        {"stage": "coco", "skipped": True},
        {"stage": "coarse", **evaluation},
        {"stage": "fine", **evaluation, "miou": 0.6, "per_class": [0.95, 0.25]},
    ]
    exported = {
        "out": "runs/x/export",
        "verification": {"images": 16},
        "files": {
            "model.tflite": {
                "bytes": 6_000_000,
                "precision": "float32",
                "agreement": 1.0,
                "host_latency_ms": 12.5,
            }
        },
    }
    report = build_report(plan, stages, exported, "runs/x")
    assert report["model"] == "paper-dpc" and report["paper"]["val_miou"] == 71.3
    assert report["final"]["per_class"] == {"road": 0.95, "car": 0.25}
    text = report_text(report)
    assert "coco       skipped" in text and "val 128x128 resized" in text
    assert "paper-dpc 71.3% val mIOU (70.33% test); this demo on synthetic scenes 60.0%" in text
    assert "  car                   25.0%" in text and "model.tflite 6,000,000 bytes" in text
    assert "per-class test IoUs (Table 3) are not part of" in text
    failed = build_report(plan, stages, {"error": "verification: model.tflite agrees ..."}, "x")
    assert report_text(failed).endswith("export failed: verification: model.tflite agrees ...")
