"""Datasets by spec string: `synthetic[:SEED]`, `camvid:PATH`, `cityscapes:PATH`, `coco:PATH`,
`folder:PATH`."""

from __future__ import annotations

from mobile_seg_nas import UserInputError
from trainers.datasets.base import IGNORE_LABEL, SegmentationDataset
from trainers.datasets.camvid import CamVidDataset
from trainers.datasets.cityscapes import CityscapesDataset
from trainers.datasets.coco import CocoDataset
from trainers.datasets.folder import FolderDataset
from trainers.datasets.synthetic import SyntheticDataset

KINDS = {
    "synthetic": SyntheticDataset,
    "camvid": CamVidDataset,
    "cityscapes": CityscapesDataset,
    "coco": CocoDataset,
    "folder": FolderDataset,
}


def load_dataset(spec: "str | SegmentationDataset", **options) -> SegmentationDataset:
    """The dataset a `--data` spec names; `options` go to its class (e.g. `min_pixels` for COCO,
    `train_size` for synthetic). A loaded dataset is returned as it is."""
    if isinstance(spec, SegmentationDataset):
        return spec
    kind, _, argument = str(spec).partition(":")
    kind = kind.strip().lower()
    if kind == "synthetic":
        try:
            seed = int(argument) if argument else 0
        except ValueError:
            raise UserInputError(f"data {spec!r}: expected synthetic or synthetic:SEED") from None
        return SyntheticDataset(seed=seed, **options)
    if kind not in KINDS:
        raise UserInputError(
            f"data {spec!r}: unknown kind {kind!r}; expected synthetic, "
            "camvid:PATH, cityscapes:PATH, coco:PATH or folder:PATH"
        )
    if not argument:
        raise UserInputError(f"data {spec!r}: {kind} needs a path, e.g. {kind}:/data/{kind}")
    return KINDS[kind](argument, **options)


__all__ = ["IGNORE_LABEL", "KINDS", "SegmentationDataset", "load_dataset"]
