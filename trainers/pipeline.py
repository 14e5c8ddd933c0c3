"""tf.data input pipelines: parallel reading and augmentation, batching, prefetch."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from mobile_seg_nas import UserInputError
from trainers.augment import augment
from trainers.config import TrainConfig
from trainers.datasets.base import resize_example, scaled_size


def read_example(
    dataset, split: str, size: tuple[int, int] | None = None, frame_scale: float = 1.0
):
    """A function: index (int64 tensor) -> (image uint8 [h, w, 3], mask uint8 [h, w]), reading
    with the dataset's Python loader in tf.data's parallel map; stored frames are resized by
    `frame_scale` (image bilinear, mask nearest)."""

    def read(index):
        image, mask = dataset.read(split, int(index), size)
        if frame_scale != 1.0:
            image, mask = resize_example(image, mask, scaled_size(mask.shape, frame_scale))
        return np.ascontiguousarray(image, np.uint8), np.ascontiguousarray(mask, np.uint8)

    def read_op(index):
        image, mask = tf.numpy_function(read, [index], (tf.uint8, tf.uint8), stateful=False)
        return tf.ensure_shape(image, (None, None, 3)), tf.ensure_shape(mask, (None, None))

    return read_op


def training_pipeline(
    dataset,
    crop_size: tuple[int, int],
    batch_size: int,
    seed: int = 0,
    split: str = "train",
    augmentation: TrainConfig = TrainConfig(),
    threads: int | None = None,
) -> tf.data.Dataset:
    """Endless batches of augmented (image [B, H, W, 3] in [-1, 1], mask int32 [B, H, W]).

    The order and the augmentation are deterministic in `seed`; each epoch is reshuffled."""
    count = dataset.split_size(split)
    if count == 0:
        raise UserInputError(f"{dataset.spec}: the {split} split is empty")
    autotune = tf.data.AUTOTUNE
    indices = tf.data.Dataset.range(count).shuffle(count, seed=seed, reshuffle_each_iteration=True)
    seeds = tf.data.Dataset.random(seed=seed).batch(2)
    examples = tf.data.Dataset.zip(indices.repeat(), seeds)
    read = read_example(dataset, split, crop_size, augmentation.frame_scale)
    examples = examples.map(lambda index, key: (*read(index), key), num_parallel_calls=autotune)
    examples = examples.map(
        lambda image, mask, key: augment(image, mask, crop_size, key, augmentation),
        num_parallel_calls=autotune,
    )
    batches = examples.batch(batch_size, drop_remainder=True).prefetch(autotune)
    options = tf.data.Options()
    options.deterministic = True
    if threads:
        options.threading.private_threadpool_size = threads
    return batches.with_options(options)
