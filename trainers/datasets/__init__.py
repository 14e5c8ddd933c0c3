"""Datasets by spec string: `synthetic[:SEED]`, `cityscapes:PATH`, `coco:PATH`, `folder:PATH`."""

from __future__ import annotations

from space.errors import UserInputError
from trainers.datasets.base import IGNORE_LABEL, SegmentationDataset

KINDS = ("synthetic", "cityscapes", "coco", "folder")


def load_dataset(spec: "str | SegmentationDataset", **options) -> SegmentationDataset:
    """The dataset a `--data` spec names; `options` go to its class (e.g. `min_pixels` for COCO,
    `train_size` for synthetic). A loaded dataset is returned as it is."""
    if isinstance(spec, SegmentationDataset):
        return spec
    kind, _, argument = str(spec).partition(":")
    kind = kind.strip().lower()
    if kind == "synthetic":
        from trainers.datasets.synthetic import SyntheticDataset

        try:
            seed = int(argument) if argument else 0
        except ValueError:
            raise UserInputError(f"data {spec!r}: expected synthetic or synthetic:SEED") from None
        return SyntheticDataset(seed=seed, **options)
    if kind not in KINDS:
        raise UserInputError(f"data {spec!r}: unknown kind {kind!r}; expected synthetic, "
                             "cityscapes:PATH, coco:PATH or folder:PATH")
    if not argument:
        raise UserInputError(f"data {spec!r}: {kind} needs a path, e.g. {kind}:/data/{kind}")
    if kind == "cityscapes":
        from trainers.datasets.cityscapes import CityscapesDataset as dataset_class
    elif kind == "coco":
        from trainers.datasets.coco import CocoDataset as dataset_class
    else:
        from trainers.datasets.folder import FolderDataset as dataset_class
    return dataset_class(argument, **options)


__all__ = ["IGNORE_LABEL", "KINDS", "SegmentationDataset", "load_dataset"]
