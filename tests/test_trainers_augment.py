"""The paper's augmentation and the tf.data pipeline: shapes, ignore padding, determinism."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from trainers import TrainConfig, load_dataset
from trainers.augment import augment
from trainers.pipeline import training_pipeline
from trainers.training import reader_error_message


def example(height=40, width=60):
    image = np.tile(np.arange(width, dtype=np.uint8)[None, :, None], (height, 1, 3))
    mask = np.tile((np.arange(width) % 3).astype(np.uint8)[None, :], (height, 1))
    return tf.constant(image), tf.constant(mask)


def test_scales_are_the_papers():
    assert TrainConfig().scales() == [0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]


@pytest.mark.parametrize("seed", range(6))
def test_augmented_example_has_crop_shape_and_range(seed):
    image, mask = augment(*example(), (32, 48), tf.constant([seed, 7], tf.int64))
    assert image.shape == (32, 48, 3) and image.dtype == tf.float32
    assert mask.shape == (32, 48) and mask.dtype == tf.int32
    assert -1.0 <= float(tf.reduce_min(image)) and float(tf.reduce_max(image)) <= 1.0
    assert set(np.unique(mask.numpy())) <= {0, 1, 2, 255}


def test_small_scale_pads_with_ignore_and_mean_pixel():
    settings = TrainConfig(min_scale=0.5, max_scale=0.5, flip=False)
    image, mask = augment(*example(40, 60), (40, 60), tf.constant([1, 2], tf.int64), settings)
    mask = mask.numpy()
    assert (mask[20:, :] == 255).all() and (mask[:, 30:] == 255).all()  # 20x30 scaled content
    assert (mask[:20, :30] != 255).all()
    assert np.allclose(image.numpy()[25:, :, :], 0.0)  # padding 127.5 -> 0 after normalising


def test_flip_moves_image_and_mask_together():
    settings = TrainConfig(min_scale=1.0, max_scale=1.0, flip=True)
    image, mask = example(8, 12)
    seen = set()
    for seed in range(8):
        out_image, out_mask = augment(
            image, mask, (8, 12), tf.constant([seed, 0], tf.int64), settings
        )
        pixels = np.round((out_image.numpy()[0, :, 0] + 1) * 127.5).astype(int)
        assert (out_mask.numpy()[0] == pixels % 3).all()  # the mask still matches the image
        seen.add(int(pixels[0]))
    assert seen == {0, 11}  # both flipped and unflipped crops occur


def test_same_seed_same_augmentation():
    first = augment(*example(), (32, 32), tf.constant([3, 4], tf.int64))
    second = augment(*example(), (32, 32), tf.constant([3, 4], tf.int64))
    other = augment(*example(), (32, 32), tf.constant([5, 6], tf.int64))
    assert np.array_equal(first[1], second[1]) and np.array_equal(first[0], second[0])
    assert not np.array_equal(first[0], other[0])


def test_pipeline_batches_are_deterministic_in_the_seed():
    dataset = load_dataset("synthetic", train_size=12)
    first = next(iter(training_pipeline(dataset, (48, 48), batch_size=4, seed=1)))
    again = next(iter(training_pipeline(dataset, (48, 48), batch_size=4, seed=1)))
    assert first[0].shape == (4, 48, 48, 3) and first[1].shape == (4, 48, 48)
    assert np.array_equal(first[0].numpy(), again[0].numpy())
    assert np.array_equal(first[1].numpy(), again[1].numpy())


def test_unreadable_file_inside_the_pipeline_gives_one_line(tmp_path):
    arrays = {"images": np.zeros((32, 32, 3), np.uint8), "masks": np.zeros((32, 32), np.uint8)}
    for folder, array in arrays.items():
        (tmp_path / folder).mkdir()
        Image.fromarray(array).save(tmp_path / folder / "a.png")
    (tmp_path / "classes.txt").write_text("a\nb\n")
    png = (tmp_path / "images" / "a.png").read_bytes()
    (tmp_path / "images" / "a.png").write_bytes(png[: len(png) // 2])  # header intact, data cut
    dataset = load_dataset(f"folder:{tmp_path}")
    dataset.check("train")  # headers are fine
    with pytest.raises(tf.errors.OpError) as error:
        next(iter(training_pipeline(dataset, (32, 32), batch_size=1)))
    message = reader_error_message(error.value)
    assert "images/a.png: corrupt or unreadable image" in message and "\n" not in message
