"""`SegmentationDataset`: what every dataset kind offers (classes, splits, examples)."""

from __future__ import annotations

import logging
from typing import Iterator

import numpy as np
from PIL import Image

from mobile_seg_nas import UserInputError

log = logging.getLogger(__name__)

IGNORE_LABEL = 255
_WARNED: set[str] = set()  # sources whose out-of-range mask values were reported


class SegmentationDataset:
    """A labelled image set: class names and colours, named splits, examples by index.

    Subclasses set `spec`, `class_names`, `class_colors` and implement `split_size` and
    `load`. Masks hold class ids 0..num_classes-1 and 255 (ignore).
    """

    spec: str = ""
    class_names: list[str] = []
    class_colors: list[tuple[int, int, int]] = []
    category_names: list[str] | None = None  # e.g. Cityscapes' 7 categories
    class_categories: list[int] | None = None  # category index of each class
    splits: tuple[str, ...] = ("train", "val")

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def split_size(self, split: str) -> int:
        """Number of examples in `split`."""
        raise NotImplementedError

    def load(self, split: str, index: int, size: tuple[int, int] | None = None):
        """Example `index` of `split` as stored: (image uint8 [H, W, 3], mask uint8 [H, W]).

        Mask values may lie outside the classes (see `read`). Datasets without a stored
        size (synthetic) render at `size`."""
        raise NotImplementedError

    def stored_size(self, split: str) -> tuple[int, int] | None:
        """(height, width) of every image of `split`, or None when they differ (or, like the
        synthetic scenes, have no size of their own)."""
        return None

    def source(self, split: str, index: int) -> str:
        """Where example `index` comes from (a file name), for messages."""
        return f"{self.spec} {split} #{index}"

    def check(self, split: str) -> None:
        """Cheap checks of a whole split before a long job (file datasets read headers)."""
        self.check_split(split)

    def check_split(self, split: str) -> None:
        if split not in self.splits:
            raise UserInputError(
                f"{self.spec}: unknown split {split!r}; allowed: {', '.join(self.splits)}"
            )

    def read(self, split: str, index: int, size: tuple[int, int] | None = None):
        """Like `load`, with mask values outside the classes (other than 255) set to ignore."""
        image, mask = self.load(split, index, size)
        outside = (mask >= self.num_classes) & (mask != IGNORE_LABEL)
        if outside.any():
            source = self.source(split, index)
            if source not in _WARNED:  # once per file
                _WARNED.add(source)
                log.warning(
                    "%s: %d mask pixels hold values outside 0..%d (e.g. %d); treated as ignore",
                    source,
                    int(outside.sum()),
                    self.num_classes - 1,
                    int(mask[outside][0]),
                )
            mask = np.where(outside, IGNORE_LABEL, mask).astype(np.uint8)
        return image, mask

    def examples(
        self, split: str = "val", size: tuple[int, int] | None = None, limit: int | None = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(image float32 [H, W, 3] in 0..255, mask int32 [H, W]) in a fixed order, resized to
        `size` (image bilinear, mask nearest) when given."""
        self.check_split(split)
        count = self.split_size(split)
        if limit is not None:
            count = min(count, limit)
        for index in range(count):
            image, mask = self.read(split, index, size)
            if size is not None and image.shape[:2] != tuple(size):
                image, mask = resize_example(image, mask, size)
            yield image.astype(np.float32), mask.astype(np.int32)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec!r}: {self.num_classes} classes>"


def scaled_size(size, scale: float) -> tuple[int, int]:
    """(height, width) times `scale`, rounded, at least 1 pixel: the aspect ratio kept."""
    return tuple(max(1, round(side * scale)) for side in size[:2])


def resize_example(image: np.ndarray, mask: np.ndarray, size: tuple[int, int]):
    """Image bilinear, mask nearest, to (height, width)."""
    height, width = size
    image = np.asarray(Image.fromarray(image).resize((width, height), Image.BILINEAR))
    mask = np.asarray(Image.fromarray(mask).resize((width, height), Image.NEAREST))
    return image, mask


def palette(count: int) -> list[tuple[int, int, int]]:
    """PASCAL VOC's colour map: distinct colours for class ids 0..count-1."""
    colors = []
    for index in range(count):
        red = green = blue = 0
        value = index
        for shift in range(7, -1, -1):
            red |= ((value >> 0) & 1) << shift
            green |= ((value >> 1) & 1) << shift
            blue |= ((value >> 2) & 1) << shift
            value >>= 3
        colors.append((red, green, blue))
    return colors
