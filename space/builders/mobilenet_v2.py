"""MobileNet V2 blocks in Keras (planned in `space.backbones.mobilenet_v2`)."""

from __future__ import annotations

import keras

from space.backbones.mobilenet_v2 import make_divisible
from space.builders.blocks import builds
from space.builders.layers import conv_bn, depthwise_bn


@builds("mobilenet_stem")
def mobilenet_stem(inputs, name, filters, stride):
    """3x3 conv stride 2 + BN + ReLU6."""
    return conv_bn(inputs[0], filters, name, kernel=3, stride=stride, activation="relu6")


@builds("inverted_residual")
def inverted_residual(inputs, name, filters, expansion, stride, rate):
    """1x1 expansion (+ReLU6), 3x3 depthwise (+ReLU6), linear 1x1 projection, residual add."""
    x = inputs[0]
    in_channels = x.shape[-1]
    if expansion > 1:
        x = conv_bn(
            x, make_divisible(in_channels * expansion), f"{name}_expand", activation="relu6"
        )
    x = depthwise_bn(x, name, stride=stride, rate=(rate, rate), activation="relu6")
    x = conv_bn(x, filters, f"{name}_project", activation=None)
    if stride == 1 and in_channels == filters:
        x = keras.layers.Add(name=f"{name}_add")([inputs[0], x])
    return x
