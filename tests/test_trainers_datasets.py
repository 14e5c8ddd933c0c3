"""Datasets in their real on-disk formats (tiny trees), the synthetic default, inspection."""

import logging

import numpy as np
import pytest

from mobile_seg_nas import UserInputError
from dataset_trees import make_cityscapes, make_coco, save_png
from trainers import inspect_dataset, load_dataset


def make_folder(root, masks, classes=None, image_sizes=None):
    for index, mask in enumerate(masks):
        height, width = (image_sizes or {}).get(index, mask.shape)
        save_png(root / "images" / f"img{index}.png", np.full((height, width, 3), 40 * index))
        save_png(root / "masks" / f"img{index}.png", mask)
    if classes:
        (root / "classes.txt").write_text("\n".join(classes) + "\n")
    return root


# -- synthetic ---------------------------------------------------------------------------------
def test_synthetic_is_deterministic_with_fixed_splits():
    dataset = load_dataset("synthetic")
    assert dataset.num_classes == 19 and len(dataset.class_colors) == 19
    first = next(dataset.examples("val", size=(48, 64)))
    again = next(load_dataset("synthetic").examples("val", size=(48, 64)))
    train = next(dataset.examples("train", size=(48, 64)))
    other_seed = next(load_dataset("synthetic:1").examples("val", size=(48, 64)))
    assert first[0].shape == (48, 64, 3) and first[0].dtype == np.float32
    assert first[1].shape == (48, 64) and first[1].dtype == np.int32
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert not np.array_equal(first[0], train[0])
    assert not np.array_equal(first[0], other_seed[0])
    assert 0 <= first[0].min() and first[0].max() <= 255


def test_synthetic_scenes_hold_the_street_classes():
    dataset = load_dataset("synthetic")
    labels = np.stack([mask for _, mask in dataset.examples("train", size=(128, 128), limit=30)])
    present = {dataset.class_names[value] for value in np.unique(labels)}
    assert present == set(dataset.class_names) - {"train"}
    poles = labels == dataset.class_names.index("pole")
    assert poles.mean() < 0.05  # thin objects


def test_synthetic_pairs_share_one_material():
    """Road and sidewalk are one asphalt: only context (the kerb, the layout) separates them."""
    dataset = load_dataset("synthetic")
    road, sidewalk = (dataset.class_names.index(name) for name in ("road", "sidewalk"))
    image, mask = dataset.load("train", 3, (256, 256))
    means = [image[mask == label].mean(0) for label in (road, sidewalk)]
    assert np.abs(means[0] - means[1]).max() < 0.2 * means[0].mean()


def test_examples_limit_and_unknown_split():
    dataset = load_dataset("synthetic")
    assert len(list(dataset.examples("val", size=(32, 32), limit=3))) == 3
    with pytest.raises(UserInputError, match="unknown split"):
        next(dataset.examples("nope"))


@pytest.mark.parametrize(
    "spec, message",
    [
        ("imagenet:/x", "unknown kind"),
        ("folder", "needs a path"),
        ("synthetic:abc", "synthetic:SEED"),
        ("folder:/does/not/exist", "not found"),
        ("cityscapes:/does/not/exist", "not found"),
    ],
)
def test_bad_specs_raise_one_line(spec, message):
    with pytest.raises(UserInputError, match=message):
        load_dataset(spec)


# -- Cityscapes --------------------------------------------------------------------------------
def test_cityscapes_maps_label_ids_to_train_ids(tmp_path):
    dataset = load_dataset(f"cityscapes:{make_cityscapes(tmp_path)}")
    assert dataset.num_classes == 19 and dataset.class_names[0] == "road"
    assert dataset.split_size("train") == 2 and dataset.split_size("val") == 1
    image, mask = next(dataset.examples("val"))
    assert image.shape == (3, 4, 3)
    assert mask.tolist() == [[0, 0, 1, 1], [13, 13, 255, 255], [0, 13, 1, 255]]
    assert dataset.category_names[dataset.class_categories[13]] == "vehicle"


def test_cityscapes_coarse_split_and_whole_image_size(tmp_path):
    dataset = load_dataset(f"cityscapes:{make_cityscapes(tmp_path, scale=8, coarse=True)}")
    assert dataset.splits == ("train", "val", "train_extra")
    assert dataset.split_size("train_extra") == 2
    assert "gtCoarse_labelIds" in dataset.source("train_extra", 0)
    _, mask = next(dataset.examples("train_extra"))
    assert mask[0, 0] == 0 and mask[8, 0] == 13  # road, car (labelIds 7, 26)
    assert dataset.stored_size("val") == (24, 32)
    assert load_dataset("synthetic").stored_size("val") is None


def test_cityscapes_image_without_labels_is_named(tmp_path):
    root = make_cityscapes(tmp_path)
    save_png(
        root / "leftImg8bit" / "val" / "frankfurt" / "frankfurt_000001_000001_leftImg8bit.png",
        np.zeros((3, 4, 3)),
    )
    with pytest.raises(
        UserInputError, match="frankfurt_000001_000001_leftImg8bit.png: no label file"
    ):
        load_dataset(f"cityscapes:{root}")


# -- COCO --------------------------------------------------------------------------------------
def test_coco_keeps_the_paper_classes_and_filters_images(tmp_path):
    dataset = load_dataset(f"coco:{make_coco(tmp_path)}", min_pixels=50)
    assert dataset.class_names[:3] == ["background", "person", "car"] and dataset.num_classes == 10
    assert dataset.split_size("val") == 1  # the dog-only image is filtered out
    image, mask = next(dataset.examples("val"))
    assert image.shape == (20, 30, 3)
    values, counts = np.unique(mask, return_counts=True)
    found = dict(zip(values.tolist(), counts.tolist()))
    assert found[1] >= 36 and found[2] >= 64  # person and car
    assert found[255] >= 16  # the crowd region is ignored
    assert mask[14, 24] == 0  # the dog is background
    assert load_dataset(f"coco:{tmp_path}", min_pixels=1000).split_size("val") == 0


# -- folders -----------------------------------------------------------------------------------
def test_folder_with_classes_file(tmp_path):
    mask = np.array([[0, 1], [2, 255]])
    root = make_folder(tmp_path, [mask, mask], classes=["bg", "a", "b"])
    dataset = load_dataset(f"folder:{root}")
    assert dataset.class_names == ["bg", "a", "b"] and dataset.split_size("val") == 2
    _, read = next(dataset.examples("train"))
    assert read.tolist() == mask.tolist()


def test_folder_without_classes_file_counts_classes(tmp_path):
    root = make_folder(tmp_path, [np.array([[0, 4], [1, 255]])])
    assert load_dataset(f"folder:{root}").num_classes == 5


def test_folder_image_without_mask_is_named(tmp_path):
    root = make_folder(tmp_path, [np.zeros((2, 2))], classes=["a", "b"])
    save_png(root / "images" / "lonely.png", np.zeros((2, 2, 3)))
    with pytest.raises(UserInputError, match=r"lonely.png: no mask"):
        load_dataset(f"folder:{root}")


def test_folder_size_mismatch_is_named(tmp_path):
    root = make_folder(tmp_path, [np.zeros((4, 4))], classes=["a", "b"], image_sizes={0: (4, 6)})
    dataset = load_dataset(f"folder:{root}")
    with pytest.raises(
        UserInputError, match=r"img0.png: mask is 4x4 \(WxH\) but its image img0.png is 6x4"
    ):
        dataset.check("train")
    with pytest.raises(UserInputError, match="mask is 4x4"):
        next(dataset.examples("train"))


def test_folder_corrupt_image_is_named(tmp_path):
    root = make_folder(tmp_path, [np.zeros((4, 4))], classes=["a", "b"])
    (root / "images" / "img0.png").write_bytes(b"not a png")
    with pytest.raises(UserInputError, match=r"images/img0.png: corrupt or unreadable image"):
        inspect_dataset(f"folder:{root}", progress=False)


def test_values_outside_the_classes_are_reported_and_ignored(tmp_path, caplog):
    root = make_folder(tmp_path, [np.array([[0, 1], [9, 255]])], classes=["a", "b"])
    report = inspect_dataset(f"folder:{root}", "train", progress=False)
    assert report["images"] == 1 and report["num_classes"] == 2
    assert report["class_pixels"] == {"0": 1, "1": 1}
    assert report["ignored_pixels"] == 1
    assert len(report["problems"]) == 1 and "values 9 outside 0..1" in report["problems"][0]
    with caplog.at_level(logging.WARNING):
        _, mask = next(load_dataset(f"folder:{root}").examples("train"))
    assert mask.tolist() == [[0, 1], [255, 255]]
    assert "treated as ignore" in caplog.text


def test_resized_examples_keep_mask_values(tmp_path):
    mask = np.array([[0, 1], [2, 255]])
    root = make_folder(tmp_path, [mask], classes=["a", "b", "c"])
    image, resized = next(load_dataset(f"folder:{root}").examples("val", size=(4, 6)))
    assert image.shape == (4, 6, 3) and resized.shape == (4, 6)
    assert set(np.unique(resized)) == {0, 1, 2, 255}
