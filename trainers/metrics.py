"""Streaming confusion matrix, IoU per class and mIOU, and model evaluation on a split."""

from __future__ import annotations

import logging
import time

import numpy as np
import tensorflow as tf

from space import normalize_pixels
from space.builders import build_inference_model
from trainers.datasets import IGNORE_LABEL, load_dataset
from trainers.datasets.base import scaled_size

log = logging.getLogger(__name__)

EVAL_BATCH_PIXELS = 2**21  # up to 8 images a batch, one of Cityscapes' 1024x2048


class ConfusionMatrix:
    """Counts (label, prediction) pairs; pixels labelled 255 (or outside the classes) are skipped.

    IoU of class c = TP / (TP + FP + FN); classes that occur neither in the labels nor in the
    predictions have no IoU (None) and do not count towards the mean.
    """

    def __init__(self, num_classes: int):
        self.num_classes = num_classes
        self.counts = np.zeros((num_classes, num_classes), np.int64)  # [label, prediction]

    def update(self, labels, predictions) -> None:
        labels = np.asarray(labels).reshape(-1).astype(np.int64)
        predictions = np.asarray(predictions).reshape(-1).astype(np.int64)
        valid = (labels != IGNORE_LABEL) & (labels >= 0) & (labels < self.num_classes)
        index = labels[valid] * self.num_classes + np.clip(
            predictions[valid], 0, self.num_classes - 1
        )
        self.counts += np.bincount(index, minlength=self.num_classes**2).reshape(self.counts.shape)

    def per_class_iou(self) -> list[float | None]:
        return _iou(self.counts)

    def miou(self) -> float:
        return _mean(self.per_class_iou())

    def pixel_accuracy(self) -> float:
        total = self.counts.sum()
        return float(np.trace(self.counts) / total) if total else 0.0

    def merged(self, groups: list[int], num_groups: int) -> "ConfusionMatrix":
        """The matrix over groups of classes (class c -> group groups[c]), e.g. categories."""
        merge = np.zeros((self.num_classes, num_groups), np.int64)
        merge[np.arange(self.num_classes), groups] = 1
        result = ConfusionMatrix(num_groups)
        result.counts = merge.T @ self.counts @ merge
        return result


def _iou(counts: np.ndarray) -> list[float | None]:
    true_positives = np.diag(counts).astype(np.float64)
    union = counts.sum(0) + counts.sum(1) - true_positives
    return [float(tp / u) if u else None for tp, u in zip(true_positives, union)]


def _mean(values: list[float | None]) -> float:
    present = [value for value in values if value is not None]
    return float(np.mean(present)) if present else 0.0


def predict_classes(model):
    """A compiled function: float images 0..255 [N, H, W, 3] -> class ids [N, H, W]."""

    @tf.function(reduce_retracing=True)
    def predict(images):
        logits = model(normalize_pixels(images), training=False)
        return tf.argmax(logits, axis=-1, output_type=tf.int32)

    return predict


def evaluate(
    model,
    dataset,
    split: str = "val",
    size: tuple[int, int] | None = None,
    limit: int | None = None,
    batch_size: int | None = None,
    predict=None,
) -> dict:
    """mIOU of `model` (from `space.builders.build_model`) on a split, streamed batch by batch.

    Images are resized to `size` (default: the model's input size), `batch_size` at a time
    (default: as many as fit in `EVAL_BATCH_PIXELS`, at most 8). Returns `miou` (0..1),
    `per_class` (IoU or None per class), `pixel_accuracy`, `images`, `eval_size`, `eval_seconds`
    and, for datasets with categories (Cityscapes), `category_iou` and `category_miou`.
    """
    dataset = load_dataset(dataset)
    size = tuple(size or model.input_shape[1:3])
    batch_size = batch_size or max(1, min(8, EVAL_BATCH_PIXELS // (size[0] * size[1])))
    predict = predict or predict_classes(model)
    matrix = ConfusionMatrix(dataset.num_classes)
    start, images, labels, count = time.perf_counter(), [], [], 0
    for image, mask in dataset.examples(split, size=size, limit=limit):
        images.append(image)
        labels.append(mask)
        if len(images) == batch_size:
            matrix.update(np.stack(labels), predict(np.stack(images)).numpy())
            count, images, labels = count + len(labels), [], []
    if images:
        matrix.update(np.stack(labels), predict(np.stack(images)).numpy())
        count += len(images)
    metrics = {
        "miou": matrix.miou(),
        "per_class": matrix.per_class_iou(),
        "pixel_accuracy": matrix.pixel_accuracy(),
        "images": count,
        "class_names": list(dataset.class_names),
        "eval_size": list(size),
        "eval_seconds": time.perf_counter() - start,
    }
    if dataset.category_names:
        categories = matrix.merged(dataset.class_categories, len(dataset.category_names))
        metrics["category_iou"] = dict(zip(dataset.category_names, categories.per_class_iou()))
        metrics["category_miou"] = categories.miou()
    log.debug("evaluated %d %s images: mIOU %.4f", count, split, metrics["miou"])
    return metrics


def evaluation_size(dataset, split: str, crop_size, frame_scale: float = 1.0) -> tuple[int, int]:
    """Where `split` is evaluated: its frames' stored size times `frame_scale` (aspect ratio
    kept) when they share one size; otherwise (synthetic scenes, frames of many sizes) the
    training crop. Never real frames squashed into the crop."""
    stored = load_dataset(dataset).stored_size(split)
    return tuple(crop_size) if stored is None else scaled_size(stored, frame_scale)


def evaluate_at(
    model, config, dataset, split: str = "val", size=None, limit: int | None = None
) -> dict:
    """`evaluate` at `size` (default: the split's stored size): the fully convolutional network
    `config` rebuilt at that size with batch 1 and the weights of `model` (built by
    `build_model`), one image at a time, as the exported model runs."""
    dataset = load_dataset(dataset)
    size = tuple(size or evaluation_size(dataset, split, config.input_size))
    whole = build_inference_model(config.replace(input_size=size), trained=model)

    @tf.function(reduce_retracing=True)
    def predict(images):  # pixels 0..255 -> class ids: the exported model's graph
        return whole(images, training=False)

    return evaluate(whole, dataset, split, size, limit, batch_size=1, predict=predict)
