"""`folder:PATH`: `images/` and `masks/` with matching file stems, optional `classes.txt`.

Masks are single-channel PNGs of class ids (255 = ignore). With `images/train` and
`images/val` (and the same under `masks/`) those are the splits; a flat `images/` folder
serves as both splits. `classes.txt` names one class per line (line i = class id i); without
it the classes are `class_0 .. class_K` with K the largest mask value found (other than 255).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from mobile_seg_nas import UserInputError
from trainers.datasets.base import IGNORE_LABEL, palette
from trainers.datasets.files import FilePairDataset, list_images, read_mask, require_folder

log = logging.getLogger(__name__)


class FolderDataset(FilePairDataset):
    def __init__(self, root: str | Path):
        root = require_folder(Path(root), "dataset")
        images = require_folder(root / "images", "images")
        masks = require_folder(root / "masks", "masks")
        if (images / "train").is_dir():
            pairs = {
                split: _pairs(images / split, masks / split)
                for split in ("train", "val", "test")
                if (images / split).is_dir()
            }
        else:
            flat = _pairs(images, masks)
            pairs = {"train": flat, "val": flat}
        super().__init__(pairs)
        self.spec = f"folder:{root}"
        self.class_names = _class_names(root, pairs)
        self.class_colors = palette(len(self.class_names))


def _pairs(images: Path, masks: Path) -> list[tuple[Path, Path]]:
    require_folder(masks, "masks")
    by_stem = {path.stem: path for path in masks.iterdir() if path.suffix.lower() == ".png"}
    pairs = []
    for image in list_images(images):
        if image.stem not in by_stem:
            raise UserInputError(f"{image}: no mask {masks / (image.stem + '.png')}")
        pairs.append((image, by_stem[image.stem]))
    if not pairs:
        raise UserInputError(f"{images}: no images found")
    return pairs


def _class_names(root: Path, pairs) -> list[str]:
    classes_file = root / "classes.txt"
    if classes_file.is_file():
        names = [line.strip() for line in classes_file.read_text().splitlines() if line.strip()]
        if not 1 <= len(names) <= IGNORE_LABEL:
            raise UserInputError(f"{classes_file}: expected 1 to 255 class names, one per line")
        return names
    log.info("%s: no classes.txt; reading the masks to count classes", root)
    largest = 0
    for mask_path in {mask for split in pairs.values() for _, mask in split}:
        values = np.unique(read_mask(mask_path))
        values = values[values != IGNORE_LABEL]
        largest = max(largest, int(values.max(initial=0)))
    return [f"class_{index}" for index in range(max(largest + 1, 2))]
