"""`nas train`, `nas eval` and `nas data inspect` end to end, and their one-line errors."""

import json

import numpy as np
import pytest
from PIL import Image

from nas.cli import main


def make_folder(root, bad_value=False):
    rng = np.random.default_rng(0)
    for split in ("train", "val"):
        for index in range(2):
            mask = rng.integers(0, 3, (40, 40)).astype(np.uint8)
            mask[:4] = 255
            if bad_value:
                mask[5, 5] = 7
            image = (mask[..., None] * 60 + 20).repeat(3, axis=2).astype(np.uint8)
            for folder, array in (("images", image), ("masks", mask)):
                (root / folder / split).mkdir(parents=True, exist_ok=True)
                Image.fromarray(array).save(root / folder / split / f"s{index}.png")
    (root / "classes.txt").write_text("background\nthing\nstuff\n")
    return root


def run_cli(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_data_inspect_json(tmp_path, capsys):
    root = make_folder(tmp_path, bad_value=True)
    code, out, _ = run_cli(capsys, "data", "inspect", f"folder:{root}", "--split", "val", "--json")
    report = json.loads(out)
    assert code == 0 and report["images"] == 2 and report["num_classes"] == 3
    assert set(report["class_pixels"]) == {"0", "1", "2"}
    assert report["ignored_pixels"] == 2 * 4 * 40
    assert len(report["problems"]) == 2 and "outside 0..2" in report["problems"][0]


def test_data_inspect_text(capsys):
    code, out, _ = run_cli(capsys, "data", "inspect", "synthetic", "--split", "val", "--limit", "2")
    assert code == 0 and "2 images" in out and "road" in out and "no problems found" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["data", "inspect", "folder:/no/such/place"], "/no/such/place: dataset folder not found"),
        (["data", "inspect", "pascal:/x"], "unknown kind 'pascal'"),
        (["eval", "--run", "/no/such/run"], "/no/such/run: run folder not found"),
        (
            ["train", "--preset", "paper-basic", "--data", "folder:/nope", "--out", "/tmp/x"],
            "not found",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, message):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_corrupt_image_exits_2_naming_the_file(tmp_path, capsys):
    root = make_folder(tmp_path)
    (root / "images" / "train" / "s1.png").write_bytes(b"\x89PNG broken")
    code, _, err = run_cli(capsys, "data", "inspect", f"folder:{root}")
    assert code == 2 and "images/train/s1.png: corrupt or unreadable image" in err


@pytest.mark.slow
def test_train_then_eval(tmp_path, capsys, caplog):
    root = make_folder(tmp_path / "data", bad_value=True)
    out_dir = tmp_path / "run"
    code, out, err = run_cli(
        capsys,
        "train",
        "--preset",
        "paper-basic",
        "--set",
        "depth_multiplier=0.5",
        "--data",
        f"folder:{root}",
        "--input-size",
        "64x64",
        "--steps",
        "2",
        "--batch-size",
        "2",
        "--threads",
        "1",
        "--out",
        str(out_dir),
        "--json",
    )
    assert code == 0, err
    metrics = json.loads(out)
    assert metrics["steps"] == 2 and 0 <= metrics["miou"] <= 1 and len(metrics["per_class"]) == 3
    assert "treated as ignore" in caplog.text  # the out-of-range mask value
    assert json.loads((out_dir / "config.json").read_text())["num_classes"] == 3
    assert json.loads((out_dir / "data.json").read_text())["learning_rate"] == 4e-3  # from scratch

    code, _, err = run_cli(
        capsys,
        "train",
        "--preset",
        "paper-basic",
        "--set",
        "depth_multiplier=0.5",
        "--data",
        f"folder:{root}",
        "--input-size",
        "64x64",
        "--steps",
        "1",
        "--batch-size",
        "2",
        "--threads",
        "1",
        "--init",
        str(out_dir),
        "--out",
        str(tmp_path / "fine-tuned"),
    )
    assert code == 0, err
    assert json.loads((tmp_path / "fine-tuned" / "data.json").read_text())["learning_rate"] == 1e-3

    code, out, _ = run_cli(capsys, "eval", "--run", str(out_dir), "--json")
    evaluation = json.loads(out)
    assert code == 0 and evaluation["miou"] == pytest.approx(metrics["miou"])
    assert len(evaluation["per_class"]) == 3 and evaluation["split"] == "val"

    code, out, _ = run_cli(capsys, "eval", "--run", str(out_dir), "--input-size", "40x40", "--json")
    assert code == 0 and json.loads(out)["images"] == 2  # evaluated at the images' own size

    code, _, err = run_cli(
        capsys,
        "train",
        "--preset",
        "paper-basic",
        "--data",
        f"folder:{root}",
        "--out",
        str(out_dir),
    )
    assert code == 2 and "already holds a run" in err
