"""Scoring encoder heads (DPC cells) on cached backbone features: the DPC paper's proxy.

A trained backbone runs once over `CellProxy.train_images` + `val_images` examples at
`CellProxy.input_size`, large enough that the features (at 384x384: 24x24 at output stride 16,
48x48 at 8) are wider than the largest DPC rate (21): there the rates read the scene, not
padding, as they do on Cityscapes crops. The features are kept in a cache file; each head is
then trained alone on them (one to three minutes on one CPU core, the backbone's cost paid
once) and scored by mIOU on the cached validation features.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from space import ArchConfig, normalize_pixels
from space.builders import build_backbone_model, build_head_model, copy_weights
from trainers.config import TrainConfig
from trainers.datasets import load_dataset
from trainers.datasets.scenes import SCENE_VERSION
from trainers.metrics import ConfusionMatrix
from trainers.training import PolyLearningRate, PreciseBatchNorm, make_train_step

FEATURES_DIR_ENV = "NAS_CELL_FEATURES_DIR"  # where features are cached (tests set it)


def features_dir() -> Path:
    """The cache folder of backbone features: `$NAS_CELL_FEATURES_DIR`, else the user cache."""
    default = Path.home() / ".cache" / "mobile-seg-nas" / "cell_features"
    return Path(os.environ.get(FEATURES_DIR_ENV, default))


@dataclasses.dataclass(frozen=True)
class CellProxy:
    """How heads are scored: the cached images, the head's short training, and (for a
    search) the run folder whose trained backbone gives the features."""

    input_size: tuple = (384, 384)
    train_images: int = 192
    val_images: int = 48
    steps: int = 150
    learning_rate: float = 4e-3
    batch_size: int = 8
    run: str | None = None

    def to_dict(self) -> dict:
        return {**dataclasses.asdict(self), "input_size": list(self.input_size)}


@dataclasses.dataclass
class CachedFeatures:
    """Backbone features and labels of the train and val images, as numpy arrays."""

    train_features: np.ndarray  # float32 [N, h, w, C]
    train_labels: np.ndarray  # uint8 [N, H, W]
    val_features: np.ndarray
    val_labels: np.ndarray
    num_classes: int

    @property
    def features_shape(self) -> tuple:
        return tuple(self.train_features.shape[1:])


def cache_features(
    backbone: ArchConfig, trained: keras.Model, data, proxy: CellProxy, folder: Path
) -> CachedFeatures:
    """The features of `backbone` (layers copied by name from the model `trained`) on
    the proxy's images of `data`, read from `folder` when cached there before."""
    backbone, dataset = backbone.replace(input_size=tuple(proxy.input_size)), load_dataset(data)
    path = Path(folder) / f"features-{_cache_key(backbone, trained, dataset, proxy)}.npz"
    if path.is_file():
        with np.load(path) as stored:
            return CachedFeatures(
                **{name: stored[name] for name in stored.files if name != "num_classes"},
                num_classes=int(stored["num_classes"]),
            )
    model = build_backbone_model(backbone)
    copy_weights(model, [trained])
    arrays = {}
    for split, count in (("train", proxy.train_images), ("val", proxy.val_images)):
        arrays[f"{split}_features"], arrays[f"{split}_labels"] = _features(
            model, dataset, split, count, proxy
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".partial.npz")
    np.savez(temporary, num_classes=dataset.num_classes, **arrays)
    temporary.replace(path)
    return CachedFeatures(**arrays, num_classes=dataset.num_classes)


def _features(model, dataset, split: str, count: int, proxy: CellProxy):
    features, labels = [], []
    for image, mask in dataset.examples(split, size=tuple(proxy.input_size), limit=count):
        features.append(model(normalize_pixels(image[None]), training=False)[0].numpy())
        labels.append(mask)
    return np.stack(features).astype(np.float32), np.stack(labels).astype(np.uint8)


def _cache_key(backbone: ArchConfig, trained: keras.Model, dataset, proxy: CellProxy) -> str:
    digest = hashlib.sha256()
    images = [list(proxy.input_size), proxy.train_images, proxy.val_images]
    described = [backbone.id, repr(dataset), SCENE_VERSION, images, "float32"]
    digest.update(json.dumps(described).encode())
    for variable in trained.weights[:8]:  # enough to tell trained weights apart
        digest.update(np.asarray(variable.numpy(), np.float32).tobytes()[:4096])
    return digest.hexdigest()[:12]


def train_head(config: ArchConfig, cached: CachedFeatures, proxy: CellProxy, seed: int):
    """The head model of `config` (`space.builders.build_head_model`, no decoder) trained on
    the cached train features with the paper's loss, Adam and poly learning rate."""
    keras.utils.set_random_seed(seed)
    config = config.replace(
        input_size=tuple(proxy.input_size), num_classes=cached.num_classes, decoder="none"
    )
    model = build_head_model(config, cached.features_shape)
    schedule = PolyLearningRate(proxy.learning_rate, proxy.steps)
    step = make_train_step(model, keras.optimizers.Adam(schedule), TrainConfig().weight_decay)
    batches = _batches(cached, proxy.batch_size, seed)
    for _ in range(proxy.steps):
        step(*next(batches))
    PreciseBatchNorm(model)(batches, 10)
    return model


def evaluate_head(model, cached: CachedFeatures, batch_size: int = 8) -> float:
    """mIOU of a head model on the cached val features."""
    matrix = ConfusionMatrix(cached.num_classes)
    for start in range(0, len(cached.val_features), batch_size):
        logits = model(cached.val_features[start : start + batch_size], training=False)
        matrix.update(cached.val_labels[start : start + batch_size], tf.argmax(logits, -1).numpy())
    return matrix.miou()


def _batches(cached: CachedFeatures, batch_size: int, seed: int):
    data = tf.data.Dataset.from_tensor_slices((cached.train_features, cached.train_labels))
    data = data.shuffle(len(cached.train_features), seed=seed).repeat().batch(batch_size)
    return iter(data)
