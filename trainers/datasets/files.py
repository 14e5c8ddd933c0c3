"""Datasets stored as image/mask file pairs (Cityscapes, folders): reading with clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from mobile_seg_nas import UserInputError
from trainers.datasets.base import SegmentationDataset

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def read_image(path: Path) -> np.ndarray:
    """An RGB image file as uint8 [H, W, 3]; unreadable files raise `UserInputError`."""
    with _open(path) as image:
        return np.asarray(image.convert("RGB"))


def read_mask(path: Path) -> np.ndarray:
    """A single-channel (L or palette) PNG of class ids as uint8 [H, W]."""
    with _open(path) as mask:
        if mask.mode not in ("L", "P", "I", "I;16"):
            raise UserInputError(
                f"{path}: mask has mode {mask.mode}; expected one channel of "
                "class ids (8-bit grey or palette PNG)"
            )
        values = np.asarray(mask)
    if values.max(initial=0) > 255 or values.min(initial=0) < 0:
        raise UserInputError(f"{path}: mask values must be 0..255 (class ids, 255 = ignore)")
    return values.astype(np.uint8)


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) from the file header, without decoding."""
    with _open(path, decode=False) as image:
        return image.size


def image_mode(path: Path) -> str:
    """The PIL mode ("L", "P", "RGB", ...) from the file header, without decoding."""
    with _open(path, decode=False) as image:
        return image.mode


def _open(path: Path, decode: bool = True):
    try:
        image = Image.open(path)
        if decode:
            image.load()
        return image
    except FileNotFoundError:
        raise UserInputError(f"{path}: file not found") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise UserInputError(f"{path}: corrupt or unreadable image ({error})") from None


class FilePairDataset(SegmentationDataset):
    """Examples are (image file, mask file) pairs per split; `label_map` (uint8[256]) maps
    stored mask values to class ids when the files hold other ids (Cityscapes labelIds)."""

    label_map: np.ndarray | None = None

    def __init__(self, pairs: dict[str, list[tuple[Path, Path]]]):
        self.pairs = pairs
        self.splits = tuple(pairs)

    def split_size(self, split: str) -> int:
        self.check_split(split)
        return len(self.pairs[split])

    def source(self, split: str, index: int) -> str:
        return str(self.pairs[split][index][1])

    def load(self, split, index, size=None):
        image_path, mask_path = self.pairs[split][index]
        image, mask = read_image(image_path), read_mask(mask_path)
        if image.shape[:2] != mask.shape:
            raise _size_mismatch(image_path, mask_path, image.shape[:2], mask.shape)
        return image, self.class_ids(mask, mask_path)

    def class_ids(self, mask: np.ndarray, path: Path) -> np.ndarray:
        """The class ids of a stored mask (through `label_map` when set)."""
        return mask if self.label_map is None else self.label_map[mask]

    def stored_size(self, split: str) -> tuple[int, int] | None:
        self.check_split(split)
        sizes = {image_size(image_path) for image_path, _ in self.pairs[split]}
        return sizes.pop()[::-1] if len(sizes) == 1 else None

    def check(self, split: str) -> None:
        """Reads every header of `split`: missing, corrupt or mismatched files raise."""
        self.check_split(split)
        for image_path, mask_path in self.pairs[split]:
            image_wh, mask_wh = image_size(image_path), image_size(mask_path)
            if image_wh != mask_wh:
                raise _size_mismatch(image_path, mask_path, image_wh[::-1], mask_wh[::-1])


def _size_mismatch(image_path, mask_path, image_hw, mask_hw) -> UserInputError:
    return UserInputError(
        f"{mask_path}: mask is {mask_hw[1]}x{mask_hw[0]} (WxH) but its image "
        f"{Path(image_path).name} is {image_hw[1]}x{image_hw[0]}"
    )


def list_images(folder: Path) -> list[Path]:
    """Image files directly in `folder`, sorted by name."""
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES
    )


def require_folder(path: Path, what: str) -> Path:
    if not path.is_dir():
        raise UserInputError(f"{path}: {what} folder not found")
    return path
