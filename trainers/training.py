"""The TensorFlow parts of the paper's training recipe (`trainers.trainer` runs them).

Softmax cross-entropy ignoring 255, Adam (0.9, 0.999, 1e-8), L2 weight decay on the
convolution kernels, poly learning rate (power 0.9) with an optional slow start, precise batch
norm before evaluations, initial weights from another run.
"""

from __future__ import annotations

import logging
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from mobile_seg_nas import UserInputError
from space.builders import copy_weights
from trainers.datasets import IGNORE_LABEL
from trainers.runs import WEIGHTS_FILE, load_run, load_weights

log = logging.getLogger(__name__)


@keras.saving.register_keras_serializable(package="trainers")
class PolyLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """`lr0 * (1 - step / steps) ** power`, or `slow_start_lr` for the first `slow_start_steps`."""

    def __init__(
        self,
        initial: float,
        steps: int,
        power: float = 0.9,
        slow_start_steps: int = 0,
        slow_start_lr: float = 1e-4,
    ):
        self.initial, self.steps, self.power = initial, steps, power
        self.slow_start_steps, self.slow_start_lr = slow_start_steps, slow_start_lr

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        fraction = tf.minimum(step / float(max(self.steps, 1)), 1.0)
        rate = self.initial * (1.0 - fraction) ** self.power
        return tf.where(step < self.slow_start_steps, self.slow_start_lr, rate)

    def get_config(self):
        return {
            "initial": self.initial,
            "steps": self.steps,
            "power": self.power,
            "slow_start_steps": self.slow_start_steps,
            "slow_start_lr": self.slow_start_lr,
        }


def configure_threads(threads: int | None) -> None:
    """TensorFlow intra/inter-op threads (several trials share a machine); only effective
    before TensorFlow starts executing."""
    if not threads:
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        log.debug("TensorFlow already running: thread counts unchanged")


def masked_cross_entropy(labels, logits):
    """Mean softmax cross-entropy over pixels whose label is a class (255 and others skipped)."""
    num_classes = logits.shape[-1]
    labels = tf.cast(labels, tf.int32)
    valid = (labels >= 0) & (labels < num_classes) & (labels != IGNORE_LABEL)
    safe = tf.where(valid, labels, 0)
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(safe, tf.cast(logits, tf.float32))
    weights = tf.cast(valid, tf.float32)
    return tf.reduce_sum(losses * weights) / tf.maximum(tf.reduce_sum(weights), 1.0)


class PreciseBatchNorm:
    """Sets the batch norm moving statistics of `model` to their averages over training
    batches (the weights are not changed)."""

    def __init__(self, model):
        self.layers = [
            layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)
        ]
        self.forward = tf.function(lambda images: model(images, training=True))

    def __call__(self, batches, count: int) -> None:
        if not self.layers or count < 1:
            return
        momentums = [layer.momentum for layer in self.layers]
        for layer in self.layers:
            layer.momentum = 0.0  # each forward pass stores its batch statistics
        sums = [
            [np.zeros(layer.moving_mean.shape), np.zeros(layer.moving_variance.shape)]
            for layer in self.layers
        ]
        for _ in range(count):
            self.forward(next(batches)[0])
            for total, layer in zip(sums, self.layers):
                total[0] += layer.moving_mean.numpy()
                total[1] += layer.moving_variance.numpy()
        for (mean, variance), layer, momentum in zip(sums, self.layers, momentums):
            layer.moving_mean.assign(mean / count)
            layer.moving_variance.assign(variance / count)
            layer.momentum = momentum


def decayed_kernels(model) -> list:
    """Kernels of the regular convolutions (depthwise kernels are not decayed, as in DeepLab)."""
    return [
        layer.kernel
        for layer in model.layers
        if isinstance(layer, keras.layers.Conv2D) and "depthwise" not in layer.name
    ]


def load_initial_weights(model, source: str | Path) -> None:
    """Initial weights from a run folder (copied by layer name where shapes match, so a
    different class count keeps everything but the classifier) or a `.weights.h5` file."""
    source = Path(source)
    if source.is_file():
        load_weights(model, source)
        return
    if not (source / WEIGHTS_FILE).is_file():
        raise UserInputError(f"{source}: --init needs a run folder or a .weights.h5 file")
    skipped = copy_weights(model, [load_run(source).model])
    copied = sum(1 for layer in model.layers if layer.weights) - len(skipped)
    if not copied:
        raise UserInputError(
            f"{source}: no layer fits this model; is it a run of another backbone?"
        )
    log.info(
        "initialised %d layers from %s%s",
        copied,
        source,
        f" (kept fresh: {', '.join(skipped)})" if skipped else "",
    )


def make_train_step(model, optimizer, weight_decay: float):
    kernels = decayed_kernels(model)

    @tf.function
    def step(images, labels):
        with tf.GradientTape() as tape:
            logits = model(images, training=True)
            loss = masked_cross_entropy(labels, logits)
            total = loss + weight_decay * tf.add_n([tf.nn.l2_loss(kernel) for kernel in kernels])
        gradients = tape.gradient(total, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    return step


def reader_error_message(error) -> str:
    """The one-line message of a `UserInputError` raised inside tf.data."""
    message = str(error.message if hasattr(error, "message") else error)
    for line in message.splitlines():
        if "UserInputError:" in line:
            return line.split("UserInputError:", 1)[1].strip()
    return message.splitlines()[0] if message else "reading the training data failed"
