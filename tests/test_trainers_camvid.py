"""`camvid:PATH`: CamVid in the SegNet layout, read, inspected, trained on and refused."""

import json

import numpy as np
import pytest
from PIL import Image

from mobile_seg_nas import UserInputError
from dataset_trees import CAMVID_CLASS_IDS, make_camvid, save_png
from nas.cli import main
from trainers import inspect_dataset, load_dataset


def test_spec_reads_the_segnet_layout(tmp_path):
    dataset = load_dataset(f"camvid:{make_camvid(tmp_path)}")
    assert dataset.spec == f"camvid:{tmp_path.resolve()}"
    assert dataset.num_classes == 11 and dataset.class_names[3] == "road"
    assert {split: dataset.split_size(split) for split in ("train", "val", "test", "trainval")} == {
        "train": 2,
        "val": 1,
        "test": 1,
        "trainval": 3,
    }
    assert dataset.stored_size("val") == (3, 4)
    _, mask = dataset.load("val", 0)
    expected = np.where(CAMVID_CLASS_IDS == 11, 255, CAMVID_CLASS_IDS)  # void is ignored
    assert mask.tolist() == expected.tolist()


def test_list_files_give_the_order(tmp_path):
    dataset = load_dataset(f"camvid:{make_camvid(tmp_path, lists=True)}")
    assert dataset.source("train", 0).endswith("trainannot/0001TP_006720.png")


def test_inspect_counts_the_eleven_classes(tmp_path):
    report = inspect_dataset(f"camvid:{make_camvid(tmp_path)}", "train", progress=False)
    assert report["images"] == 2 and report["num_classes"] == 11 and not report["problems"]
    assert report["class_pixels"]["8"] == 2 * 2 and report["ignored_pixels"] == 2 * 1


def _without_val(root):
    for path in (root / "val").iterdir():
        path.unlink()
    (root / "val").rmdir()


def _without_a_mask(root):
    (root / "trainannot" / "0001TP_006720.png").unlink()


def _mask_of_another_size(root):
    save_png(root / "valannot" / "0016E5_07959.png", np.zeros((6, 8)))


def _value_above_void(root):
    save_png(root / "trainannot" / "0001TP_006690.png", np.full((3, 4), 31))


def _colour_coded_mask(root):
    save_png(root / "valannot" / "0016E5_07959.png", np.full((3, 4, 3), 128))


@pytest.mark.parametrize(
    "damage, message",
    [
        (_without_val, "no val/ folder; expected the SegNet layout"),
        (_without_a_mask, "train/0001TP_006720.png: no mask"),
        (_mask_of_another_size, "valannot/0016E5_07959.png: mask is 8x6 (WxH) but its image"),
        (_value_above_void, "trainannot/0001TP_006690.png: mask value 31 above 11 (void)"),
        (_colour_coded_mask, "valannot/0016E5_07959.png: a colour-coded (RGB) mask"),
    ],
)
def test_bad_trees_exit_2_with_one_line_before_anything_is_written(
    tmp_path, capsys, damage, message
):
    root = make_camvid(tmp_path / "camvid")
    damage(root)
    out = tmp_path / "run"
    code = main(
        [
            "train",
            "--preset",
            "paper-basic",
            "--data",
            f"camvid:{root}",
            "--steps",
            "1",
            "--input-size",
            "32x32",
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_refusals_reach_the_library_as_user_input_errors(tmp_path):
    root = make_camvid(tmp_path)
    _value_above_void(root)
    with pytest.raises(UserInputError, match="map the 32-class colours to those ids first"):
        load_dataset(f"camvid:{root}").check("train")


TINY_TRAINING = "--set depth_multiplier=0.5 --input-size 32x32 --steps 2 --batch-size 2 --threads 1"


def train_tiny(root, out, *extra) -> int:
    """`nas train` of a half-width paper-basic on the CamVid tree `root`, 2 steps of 32x32."""
    return main(
        [
            "train",
            "--preset",
            "paper-basic",
            "--data",
            f"camvid:{root}",
            *TINY_TRAINING.split(),
            "--out",
            str(out),
            *extra,
        ]
    )


@pytest.mark.slow
def test_training_evaluates_at_the_stored_frame_size(tmp_path, capsys):
    root = make_camvid(tmp_path / "camvid", scale=12)  # 36x48 frames
    code = train_tiny(root, tmp_path / "run", "--json")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    metrics = json.loads(captured.out)
    assert metrics["eval_size"] == [36, 48] and len(metrics["per_class"]) == 11


@pytest.mark.slow
def test_a_frame_truncated_on_disk_ends_training_with_one_line(tmp_path, capsys):
    root = make_camvid(tmp_path / "camvid", scale=12)
    frame = root / "train" / "0001TP_006690.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (36, 48, 3), np.uint8)).save(frame)
    frame.write_bytes(frame.read_bytes()[:200])  # the header reads, the pixels do not
    code = train_tiny(root, tmp_path / "run")
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("nas train: error")]
    assert code == 2 and len(errors) == 1 and "Traceback" not in err  # beside the progress bar
    assert "train/0001TP_006690.png: corrupt or unreadable image" in errors[0]
