"""ShuffleNet V2 blocks in Keras (planned in `space.backbones.shufflenet_v2`)."""

from __future__ import annotations

import keras

from space.builders.blocks import builds
from space.builders.layers import ChannelShuffle, ChannelSplit, conv_bn, depthwise_bn


@builds("shufflenet_stem")
def shufflenet_stem(inputs, name, channels):
    """3x3 conv stride 2 (+BN+ReLU), then 3x3 max pool stride 2."""
    x = conv_bn(inputs[0], channels, name, kernel=3, stride=2)
    return keras.layers.MaxPooling2D(3, strides=2, padding="same", name=f"{name}_maxpool")(x)


@builds("shuffle_down_unit")
def shuffle_down_unit(inputs, name, out_channels, stride, rate):
    """Down-sampling unit: two branches of out_channels / 2, concatenated and shuffled."""
    x = inputs[0]
    in_channels = x.shape[-1]
    rate = (rate, rate)
    left = depthwise_bn(x, f"{name}_a", stride=stride, rate=rate)
    left = conv_bn(left, out_channels // 2, f"{name}_a_1x1")
    right = conv_bn(x, in_channels, f"{name}_b_1x1_before")
    right = depthwise_bn(right, f"{name}_b", stride=stride, rate=rate)
    right = conv_bn(right, out_channels // 2, f"{name}_b_1x1_after")
    x = keras.layers.Concatenate(name=f"{name}_concat")([left, right])
    return ChannelShuffle(2, name=f"{name}_shuffle")(x)


@builds("shuffle_unit")
def shuffle_unit(inputs, name, rate):
    """Basic unit: half the channels pass, half go 1x1 -> 3x3 depthwise -> 1x1; shuffle."""
    passed, x = ChannelSplit(name=f"{name}_split")(inputs[0])
    channels = x.shape[-1]
    x = conv_bn(x, channels, f"{name}_1x1_before")
    x = depthwise_bn(x, name, rate=(rate, rate))
    x = conv_bn(x, channels, f"{name}_1x1_after")
    x = keras.layers.Concatenate(name=f"{name}_concat")([passed, x])
    return ChannelShuffle(2, name=f"{name}_shuffle")(x)
