"""The paper's augmentation, as TensorFlow ops on one example (stateless, seeded).

Random scale (0.5 to 2.0 in steps of 0.25), pad to the crop size (image with the mean
pixel, mask with ignore), random crop, random left-right flip, then the network's
normalisation (`space.normalize_pixels`). The settings are `TrainConfig`'s.
"""

from __future__ import annotations

import tensorflow as tf

from space.network import PIXEL_MEAN, normalize_pixels
from trainers.config import TrainConfig
from trainers.datasets import IGNORE_LABEL


def augment(image, mask, crop_size, seed, settings: TrainConfig = TrainConfig()):
    """One training example: image uint8 [h, w, 3], mask uint8 [h, w], seed int64 [2] ->
    (image float32 [H, W, 3] in [-1, 1], mask int32 [H, W]) with (H, W) = crop_size.

    Scale, pad, crop and flip are one `crop_and_resize` sampling of the crop window (half-pixel
    centres, as `tf.image.resize`), so only the crop's pixels are computed; samples beyond the
    scaled image are the padding."""
    crop_height, crop_width = crop_size
    seeds = tf.random.experimental.stateless_split(seed, 4)
    shape = tf.cast(tf.shape(mask)[:2], tf.float32)

    scales = tf.constant(settings.scales(), tf.float32)
    choice = tf.random.stateless_uniform([], seeds[0], 0, len(settings.scales()), tf.int32)
    scaled = tf.maximum(tf.round(shape * scales[choice]), 1.0)
    top = _offset(seeds[1], scaled[0], crop_height)
    left = _offset(seeds[2], scaled[1], crop_width)

    # source pixel coordinates of the first and last crop pixel centres, normalised by size - 1
    factor = shape / scaled
    first = (tf.stack([top, left]) + 0.5) * factor - 0.5
    last = (
        tf.stack([top, left]) + tf.constant([crop_height, crop_width], tf.float32) - 0.5
    ) * factor - 0.5
    first, last = first / tf.maximum(shape - 1, 1), last / tf.maximum(shape - 1, 1)
    if settings.flip:
        flip = tf.random.stateless_uniform([], seeds[3]) < 0.5
        first, last = (
            tf.where(flip, tf.stack([first[0], last[1]]), first),
            tf.where(flip, tf.stack([last[0], first[1]]), last),
        )
    box = tf.concat([first, last], 0)[None]

    def sample(values, method, padding):
        return tf.image.crop_and_resize(
            tf.cast(values, tf.float32)[None],
            box,
            [0],
            crop_size,
            method=method,
            extrapolation_value=padding,
        )[0]

    image = normalize_pixels(sample(image, "bilinear", PIXEL_MEAN))  # padding -> 0
    mask = tf.cast(sample(mask[..., None], "nearest", IGNORE_LABEL)[..., 0], tf.int32)
    return (
        tf.ensure_shape(image, (crop_height, crop_width, 3)),
        tf.ensure_shape(mask, (crop_height, crop_width)),
    )


def _offset(seed, scaled_size, crop_size):
    """A random crop start in 0..max(scaled_size - crop_size, 0), as a float."""
    room = tf.cast(tf.maximum(scaled_size, crop_size) - crop_size, tf.int32)
    return tf.cast(tf.random.stateless_uniform([], seed, 0, room + 1, tf.int32), tf.float32)
