"""ShuffleNet V2 backbone with atrous output stride (DESIGN.md, Table 1)."""

from __future__ import annotations

import keras

from space.blocks import NetworkPlan, register_block, same_padding_size
from space.layers import ChannelShuffle, ChannelSplit, conv_bn, depthwise_bn

STEM_CHANNELS = 24
STAGE2_CHANNELS = {0.5: 48, 1.0: 116, 1.5: 176, 2.0: 244}
STAGE_UNITS = (4, 8, 4)  # down-sampling unit + basic units, stages 2..4


def _stem_shape(shape, channels):
    height, width, _ = shape
    return (same_padding_size(same_padding_size(height, 2), 2),
            same_padding_size(same_padding_size(width, 2), 2), channels)


@register_block("shufflenet_stem", _stem_shape)
def shufflenet_stem(inputs, name, channels):
    """3x3 conv stride 2 (+BN+ReLU), then 3x3 max pool stride 2."""
    x = conv_bn(inputs[0], channels, name, kernel=3, stride=2)
    return keras.layers.MaxPooling2D(3, strides=2, padding="same", name=f"{name}_maxpool")(x)


def _down_unit_shape(shape, out_channels, stride, rate):
    height, width, _ = shape
    return same_padding_size(height, stride), same_padding_size(width, stride), out_channels


@register_block("shuffle_down_unit", _down_unit_shape)
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


@register_block("shuffle_unit", lambda shape, rate: shape)
def shuffle_unit(inputs, name, rate):
    """Basic unit: half the channels pass, half go 1x1 -> 3x3 depthwise -> 1x1; shuffle."""
    passed, x = ChannelSplit(name=f"{name}_split")(inputs[0])
    channels = x.shape[-1]
    x = conv_bn(x, channels, f"{name}_1x1_before")
    x = depthwise_bn(x, name, rate=(rate, rate))
    x = conv_bn(x, channels, f"{name}_1x1_after")
    x = keras.layers.Concatenate(name=f"{name}_concat")([passed, x])
    return ChannelShuffle(2, name=f"{name}_shuffle")(x)


def plan_shufflenet_v2(plan: NetworkPlan, image: str, depth_multiplier: float, output_stride: int):
    """Adds the backbone's blocks; returns (features, stride-4 features) block names."""
    stem = plan.add("shufflenet_stem", "stem", image, channels=STEM_CHANNELS)
    x, nominal_stride = stem, 4
    channels = STAGE2_CHANNELS[depth_multiplier]
    for stage, units in enumerate(STAGE_UNITS, start=2):
        nominal_stride *= 2
        stride, rate = (2, 1) if nominal_stride <= output_stride else (1, nominal_stride // output_stride)
        x = plan.add("shuffle_down_unit", f"stage{stage}_unit1", x,
                     out_channels=channels, stride=stride, rate=rate)
        for unit in range(2, units + 1):
            x = plan.add("shuffle_unit", f"stage{stage}_unit{unit}", x, rate=rate)
        channels *= 2
    return x, stem
