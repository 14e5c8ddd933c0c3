"""`coco:PATH`: COCO 2017 reduced to the paper's 9 classes plus background.

Reads `annotations/instances_{train,val}2017.json` and `{train,val}2017/*.jpg` with
`pycocotools`. Classes: background, person, car, truck, bus, train, motorcycle, bicycle,
stop sign, parking meter (all other objects are background, crowd regions are ignore).
Only images whose kept objects cover more than `min_pixels` pixels (default 1000, the
paper's filter; measured from the annotation areas) are used.
"""

from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path

import numpy as np

from mobile_seg_nas import UserInputError
from trainers.datasets.base import IGNORE_LABEL, SegmentationDataset, palette
from trainers.datasets.files import read_image, require_folder

log = logging.getLogger(__name__)

CLASS_NAMES = [
    "background",
    "person",
    "car",
    "truck",
    "bus",
    "train",
    "motorcycle",
    "bicycle",
    "stop sign",
    "parking meter",
]


class CocoDataset(SegmentationDataset):
    def __init__(self, root: str | Path, min_pixels: int = 1000):
        self.root = require_folder(Path(root), "COCO")
        self.spec = f"coco:{self.root}"
        self.min_pixels = min_pixels
        self.class_names = list(CLASS_NAMES)
        self.class_colors = palette(len(CLASS_NAMES))
        self.splits = tuple(
            split
            for split in ("train", "val")
            if (self.root / "annotations" / f"instances_{split}2017.json").is_file()
        )
        if not self.splits:
            raise UserInputError(
                f"{self.root}: no annotations/instances_train2017.json or instances_val2017.json"
            )
        self._indexes: dict[str, tuple] = {}

    def _index(self, split: str):
        """(COCO api, kept image ids, class id per COCO category id), built on first use."""
        if split not in self._indexes:
            from pycocotools.coco import COCO  # 0.1 s: only when COCO is read

            path = self.root / "annotations" / f"instances_{split}2017.json"
            log.info("reading %s", path)
            try:
                with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress
                    api = COCO(str(path))
            except (ValueError, KeyError, TypeError) as error:
                raise UserInputError(f"{path}: not a COCO instances file ({error})") from None
            category_ids = {
                category["name"]: category["id"] for category in api.loadCats(api.getCatIds())
            }
            class_of = {
                category_ids[name]: index
                for index, name in enumerate(CLASS_NAMES)
                if name in category_ids
            }
            kept = []
            for image_id in sorted(api.getImgIds()):
                annotations = api.loadAnns(api.getAnnIds(imgIds=image_id, iscrowd=False))
                area = sum(a["area"] for a in annotations if a["category_id"] in class_of)
                if area > self.min_pixels:
                    kept.append(image_id)
            log.info(
                "COCO %s: %d of %d images have more than %d object pixels",
                split,
                len(kept),
                len(api.getImgIds()),
                self.min_pixels,
            )
            self._indexes[split] = (api, kept, class_of)
        return self._indexes[split]

    def split_size(self, split):
        self.check_split(split)
        return len(self._index(split)[1])

    def _image_path(self, split, index) -> Path:
        api, kept, _ = self._index(split)
        return self.root / f"{split}2017" / api.loadImgs(kept[index])[0]["file_name"]

    def source(self, split, index):
        return str(self._image_path(split, index))

    def load(self, split, index, size=None):
        api, kept, class_of = self._index(split)
        info = api.loadImgs(kept[index])[0]
        image = read_image(self._image_path(split, index))
        if image.shape[:2] != (info["height"], info["width"]):
            raise UserInputError(
                f"{self._image_path(split, index)}: image is "
                f"{image.shape[1]}x{image.shape[0]} but its annotations say "
                f"{info['width']}x{info['height']}"
            )
        mask = np.zeros(image.shape[:2], dtype=np.uint8)
        annotations = api.loadAnns(api.getAnnIds(imgIds=info["id"]))
        for annotation in sorted(annotations, key=lambda a: -a["area"]):  # small ones on top
            if annotation["category_id"] not in class_of:
                continue
            region = api.annToMask(annotation).astype(bool)
            mask[region] = (
                IGNORE_LABEL if annotation["iscrowd"] else class_of[annotation["category_id"]]
            )
        return image, mask
