"""Tiny datasets in their official on-disk layouts (Cityscapes, COCO 2017), for tests that read
real files: `from dataset_trees import make_cityscapes, make_coco`."""

import json

import numpy as np
from PIL import Image

# labelIds 7 road, 8 sidewalk, 26 car, 0 unlabeled, 4 static
CITYSCAPES_LABEL_IDS = np.array([[7, 7, 8, 8], [26, 26, 0, 4], [7, 26, 8, 0]], np.uint8)


def save_png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, np.uint8)).save(path)


def make_cityscapes(root, scale: int = 1, coarse: bool = False):
    """Two train images, one val image (and with `coarse` two `train_extra` images with gtCoarse
    labels), each the 3x4 `CITYSCAPES_LABEL_IDS` grown `scale` times; pixels are a shade of their
    label, so a network can learn them."""
    label_ids = np.kron(CITYSCAPES_LABEL_IDS, np.ones((scale, scale), np.uint8))
    image = (label_ids[..., None] * 9).repeat(3, axis=2)
    sets = [
        ("train", "gtFine", "aachen", ["aachen_000000_000019", "aachen_000001_000019"]),
        ("val", "gtFine", "frankfurt", ["frankfurt_000000_000294"]),
    ]
    if coarse:
        sets.append(
            (
                "train_extra",
                "gtCoarse",
                "erlangen",
                ["erlangen_000000_000000", "erlangen_000001_000000"],
            )
        )
    for split, annotation, city, names in sets:
        for name in names:
            save_png(root / "leftImg8bit" / split / city / f"{name}_leftImg8bit.png", image)
            save_png(
                root / annotation / split / city / f"{name}_{annotation}_labelIds.png", label_ids
            )
    return root


def make_coco(root, split="val", scale: int = 1):
    """One image with a person, a car, a dog (not kept) and a crowd of people; one image with
    only a dog (filtered out); sizes and coordinates times `scale` (at 4 the kept objects cover
    more than the paper's 1000 pixels). The pixels are a colour ramp, not one flat colour."""

    def square(x, y, size):
        x, y, size = x * scale, y * scale, size * scale
        return {
            "segmentation": [[x, y, x + size, y, x + size, y + size, x, y + size]],
            "area": size * size,
            "bbox": [x, y, size, size],
        }

    height, width = 20 * scale, 30 * scale
    images = [
        {"id": 1, "file_name": "000000000001.jpg", "height": height, "width": width},
        {"id": 2, "file_name": "000000000002.jpg", "height": height, "width": width},
    ]
    annotations = [
        {"id": 10, "image_id": 1, "category_id": 1, **square(2, 2, 6), "iscrowd": 0},
        {"id": 11, "image_id": 1, "category_id": 3, **square(12, 4, 8), "iscrowd": 0},
        {"id": 12, "image_id": 1, "category_id": 18, **square(22, 12, 5), "iscrowd": 0},
        {"id": 13, "image_id": 1, "category_id": 1, **square(2, 12, 4), "iscrowd": 1},
        {"id": 14, "image_id": 2, "category_id": 18, **square(2, 2, 10), "iscrowd": 0},
    ]
    categories = [
        {"id": 1, "name": "person", "supercategory": "person"},
        {"id": 3, "name": "car", "supercategory": "vehicle"},
        {"id": 18, "name": "dog", "supercategory": "animal"},
    ]
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    (root / "annotations" / f"instances_{split}2017.json").write_text(
        json.dumps({"images": images, "annotations": annotations, "categories": categories})
    )
    rows, columns = np.indices((height, width))
    pixels = np.stack([rows * 255 // height, columns * 255 // width, np.full_like(rows, 90)], -1)
    for image in images:
        (root / f"{split}2017").mkdir(exist_ok=True)
        Image.fromarray(pixels.astype(np.uint8)).save(root / f"{split}2017" / image["file_name"])
    return root


# CamVid class ids: 0 sky, 3 road, 4 pavement, 8 car, 11 void
CAMVID_CLASS_IDS = np.array([[0, 0, 0, 0], [3, 8, 8, 11], [3, 3, 4, 4]], np.uint8)


def make_camvid(root, scale: int = 1, lists: bool = False):
    """CamVid in the SegNet layout: two train frames, one val and one test frame, each the 3x4
    `CAMVID_CLASS_IDS` grown `scale` times (pixels a shade of their class), with grey masks in
    `*annot/`; with `lists`, `train.txt` etc. name the pairs in reverse order, with the SegNet
    tutorial's absolute prefix."""
    class_ids = np.kron(CAMVID_CLASS_IDS, np.ones((scale, scale), np.uint8))
    image = (class_ids[..., None] * 20).repeat(3, axis=2)
    names = {
        "train": ["0001TP_006690", "0001TP_006720"],
        "val": ["0016E5_07959"],
        "test": ["Seq05VD_f00000"],
    }
    for split, frames in names.items():
        for name in frames:
            save_png(root / split / f"{name}.png", image)
            save_png(root / f"{split}annot" / f"{name}.png", class_ids)
        if lists:
            prefix = "/SegNet/CamVid"
            (root / f"{split}.txt").write_text(
                "".join(
                    f"{prefix}/{split}/{name}.png {prefix}/{split}annot/{name}.png\n"
                    for name in reversed(frames)
                )
            )
    return root
