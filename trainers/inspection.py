"""What a dataset split holds: image count, pixels per class, ignored pixels, problems."""

from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from mobile_seg_nas import UserInputError
from trainers.datasets import IGNORE_LABEL, load_dataset


def inspect_dataset(
    dataset, split: str = "train", limit: int | None = None, progress: bool = True
) -> dict:
    """Reads every example of `split` (at its stored size; synthetic at 256x256) and counts
    pixels per class id. Mask values outside the classes are reported as problems;
    unreadable or mismatched files raise `UserInputError` naming the file."""
    dataset = load_dataset(dataset)
    dataset.check(split)
    count = dataset.split_size(split)
    if limit is not None:
        count = min(count, limit)
    pixels = np.zeros(256, np.int64)
    problems = []
    sizes = set()
    for index in tqdm(range(count), desc=f"reading {split}", unit="image", disable=not progress):
        image, mask = dataset.load(split, index)
        sizes.add(f"{image.shape[1]}x{image.shape[0]}")
        values = np.bincount(mask.reshape(-1), minlength=256)
        outside = [
            value
            for value in np.nonzero(values)[0]
            if value >= dataset.num_classes and value != IGNORE_LABEL
        ]
        if outside:
            problems.append(
                f"{dataset.source(split, index)}: {int(values[outside].sum())} pixels "
                f"with values {', '.join(str(v) for v in outside)} outside 0.."
                f"{dataset.num_classes - 1} (training treats them as ignore)"
            )
        pixels += values
    if count == 0:
        raise UserInputError(f"{dataset.spec}: the {split} split is empty")
    return {
        "data": dataset.spec,
        "split": split,
        "images": count,
        "num_classes": dataset.num_classes,
        "class_names": list(dataset.class_names),
        "class_pixels": {str(value): int(pixels[value]) for value in range(dataset.num_classes)},
        "ignored_pixels": int(pixels[IGNORE_LABEL]),
        "outside_pixels": int(pixels[dataset.num_classes : IGNORE_LABEL].sum()),
        "image_sizes": sorted(sizes),
        "problems": problems,
    }
