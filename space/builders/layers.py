"""Small Keras layers and layer groups shared by the blocks; all convert to TFLite builtins."""

from __future__ import annotations

import keras
import tensorflow as tf

BATCH_NORM_MOMENTUM = 0.99
BATCH_NORM_EPSILON = 1e-3


@keras.saving.register_keras_serializable(package="space")
class ChannelShuffle(keras.layers.Layer):
    """ShuffleNet's channel shuffle as reshape -> transpose -> reshape (TFLite builtins only)."""

    def __init__(self, groups: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.groups = groups

    def call(self, x):
        _, height, width, channels = x.shape
        x = keras.ops.reshape(x, (-1, height * width, self.groups, channels // self.groups))
        x = keras.ops.transpose(x, (0, 1, 3, 2))
        return keras.ops.reshape(x, (-1, height, width, channels))

    def get_config(self):
        return {**super().get_config(), "groups": self.groups}


@keras.saving.register_keras_serializable(package="space")
class ChannelSplit(keras.layers.Layer):
    """Splits the channels into two equal halves (one TFLite SPLIT)."""

    def call(self, x):
        return keras.ops.split(x, 2, axis=-1)

    def compute_output_shape(self, input_shape):
        half = (*input_shape[:-1], input_shape[-1] // 2)
        return [half, half]


@keras.saving.register_keras_serializable(package="space")
class ResizeBilinear(keras.layers.Layer):
    """Bilinear resize to a fixed (height, width), half-pixel centres, no antialiasing."""

    def __init__(self, size, **kwargs):
        super().__init__(**kwargs)
        self.size = tuple(int(value) for value in size)

    def call(self, x):
        return keras.ops.image.resize(x, self.size, interpolation="bilinear", antialias=False)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.size, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "size": list(self.size)}


@keras.saving.register_keras_serializable(package="space")
class ArgMax(keras.layers.Layer):
    """Class ids from logits; `tf.argmax` converts to one ARG_MAX (keras.ops.argmax does not)."""

    def call(self, logits):
        return tf.argmax(logits, axis=-1, output_type=tf.int32)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1])


def conv_bn(
    x,
    filters: int,
    name: str,
    kernel: int = 1,
    stride: int = 1,
    activation: str | None = "relu",
    use_bias: bool = False,
):
    """Conv2D + BatchNorm (+ activation)."""
    x = keras.layers.Conv2D(
        filters, kernel, strides=stride, padding="same", use_bias=use_bias, name=f"{name}_conv"
    )(x)
    return batch_norm(x, name, activation)


def depthwise_bn(
    x, name: str, stride: int = 1, rate=(1, 1), activation: str | None = None, kernel: int = 3
):
    """3x3 depthwise conv (atrous `rate`) + BatchNorm (+ activation)."""
    x = keras.layers.DepthwiseConv2D(
        kernel,
        strides=stride,
        dilation_rate=tuple(rate),
        padding="same",
        use_bias=False,
        name=f"{name}_depthwise",
    )(x)
    return batch_norm(x, f"{name}_depthwise", activation)


def separable_conv_bn(x, filters: int, name: str, rate=(1, 1), activation: str = "relu"):
    """DeepLab's separable conv: depthwise (atrous) + BN + act, then 1x1 + BN + act."""
    x = depthwise_bn(x, name, rate=rate, activation=activation)
    return conv_bn(x, filters, f"{name}_pointwise", activation=activation)


def batch_norm(x, name: str, activation: str | None = None):
    x = keras.layers.BatchNormalization(
        momentum=BATCH_NORM_MOMENTUM, epsilon=BATCH_NORM_EPSILON, name=f"{name}_bn"
    )(x)
    if activation == "relu6":
        return keras.layers.ReLU(6.0, name=f"{name}_relu6")(x)
    if activation:
        return keras.layers.Activation(activation, name=f"{name}_{activation}")(x)
    return x
