"""`synthetic`: procedurally generated street scenes (`trainers.datasets.scenes`), the embedded
default dataset.

Labels use Cityscapes' 19 train ids so that every preset (19 classes) trains on it unchanged
and a synthetic model can be fine-tuned on Cityscapes. Scenes are deterministic in (seed,
split, index, size); `train` and `val` use disjoint seeds. Rendered examples are cached in
memory per (seed, split, size), up to `CACHE_BYTES`.
"""

from __future__ import annotations

import numpy as np

from trainers.datasets._byte_cache import ByteCache
from trainers.datasets.base import SegmentationDataset
from trainers.datasets.cityscapes import cityscapes_labels
from trainers.datasets.scenes import SCENE_VERSION, render_scene

__all__ = ["SCENE_VERSION", "SyntheticDataset"]  # SCENE_VERSION: benchmarks key caches on it

SPLIT_SEEDS = {"train": 1, "val": 2, "test": 3}
CACHE_BYTES = 1 << 30


class SyntheticDataset(SegmentationDataset):
    """Street scenes rendered on demand at the requested size (default 256x256)."""

    splits = ("train", "val", "test")

    def __init__(
        self,
        seed: int = 0,
        train_size: int = 1000,
        val_size: int = 100,
        default_size: tuple[int, int] = (256, 256),
    ):
        self.seed = seed
        self.sizes = {"train": train_size, "val": val_size, "test": val_size}
        self.default_size = tuple(default_size)
        self.spec = "synthetic" if seed == 0 else f"synthetic:{seed}"
        _, self.class_names, self.class_colors, _, _ = cityscapes_labels()

    def split_size(self, split):
        self.check_split(split)
        return self.sizes[split]

    def load(self, split, index, size=None):
        size = tuple(size or self.default_size)
        key = (self.seed, split, index, size)
        cached = _CACHE.get(key)
        if cached is None:
            rng = np.random.default_rng([self.seed, SPLIT_SEEDS[split], index])
            cached = render_scene(rng, size)
            _CACHE.put(key, cached)
        return cached


_CACHE = ByteCache(CACHE_BYTES)
