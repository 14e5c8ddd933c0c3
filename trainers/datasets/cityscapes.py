"""`cityscapes:PATH`: the official layout, labelIds mapped to the 19 trainIds.

`leftImg8bit/{split}/CITY/X_leftImg8bit.png` with `gtFine/{split}/CITY/X_gtFine_labelIds.png`
(splits train, val, test) and, for the coarse set, `gtCoarse/train_extra/...gtCoarse_labelIds.png`
(split `train_extra`). The mapping comes from `cityscapesscripts.helpers.labels`; every id
without a trainId (and the license plate, -1) becomes ignore (255).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from cityscapesscripts.helpers.labels import labels

from mobile_seg_nas import UserInputError
from trainers.datasets.base import IGNORE_LABEL
from trainers.datasets.files import FilePairDataset, require_folder

ANNOTATIONS = {"train": "gtFine", "val": "gtFine", "test": "gtFine", "train_extra": "gtCoarse"}


def cityscapes_labels():
    """(label map uint8[256] labelId -> trainId, class names, colours, category names,
    category index per class) from the official definitions."""
    label_map = np.full(256, IGNORE_LABEL, dtype=np.uint8)
    train_labels = {}
    for label in labels:
        if 0 <= label.id < 256 and 0 <= label.trainId < IGNORE_LABEL:
            label_map[label.id] = label.trainId
            train_labels.setdefault(label.trainId, label)
    ordered = [train_labels[train_id] for train_id in sorted(train_labels)]
    categories = list(dict.fromkeys(label.category for label in ordered))
    return (
        label_map,
        [label.name for label in ordered],
        [tuple(label.color) for label in ordered],
        categories,
        [categories.index(label.category) for label in ordered],
    )


class CityscapesDataset(FilePairDataset):
    def __init__(self, root: str | Path):
        root = require_folder(Path(root), "Cityscapes")
        images = require_folder(root / "leftImg8bit", "Cityscapes leftImg8bit")
        pairs = {}
        for split, annotation in ANNOTATIONS.items():
            if (images / split).is_dir() and (root / annotation / split).is_dir():
                pairs[split] = _pairs(images / split, root / annotation / split, annotation)
        if not pairs:
            raise UserInputError(
                f"{root}: no split found; expected leftImg8bit/train and gtFine/train (or val)"
            )
        super().__init__(pairs)
        self.spec = f"cityscapes:{root}"
        (
            self.label_map,
            self.class_names,
            self.class_colors,
            self.category_names,
            self.class_categories,
        ) = cityscapes_labels()


def _pairs(images: Path, annotations: Path, annotation: str) -> list[tuple[Path, Path]]:
    pairs = []
    for image in sorted(images.glob("*/*_leftImg8bit.png")):
        stem = image.name[: -len("_leftImg8bit.png")]
        mask = annotations / image.parent.name / f"{stem}_{annotation}_labelIds.png"
        if not mask.is_file():
            raise UserInputError(f"{image}: no label file {mask}")
        pairs.append((image, mask))
    if not pairs:
        raise UserInputError(f"{images}: no *_leftImg8bit.png images in its city folders")
    return pairs
