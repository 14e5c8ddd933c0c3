"""MobileNet V2 backbone as DeepLab's feature extractor (up to the 320-channel layer)."""

from __future__ import annotations

import keras

from space.blocks import NetworkPlan, register_block, same_padding_size
from space.layers import conv_bn, depthwise_bn

# (expansion, channels, repeats, first stride), after the 32-channel stem conv.
INVERTED_RESIDUAL_SETTINGS = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)
STEM_CHANNELS = 32


def make_divisible(value: float, divisor: int = 8) -> int:
    """Rounds channels to a multiple of `divisor`, never below 90% of `value` (slim's rule)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def _conv_shape(shape, filters, stride):
    height, width, _ = shape
    return same_padding_size(height, stride), same_padding_size(width, stride), filters


@register_block("mobilenet_stem", _conv_shape)
def mobilenet_stem(inputs, name, filters, stride):
    """3x3 conv stride 2 + BN + ReLU6."""
    return conv_bn(inputs[0], filters, name, kernel=3, stride=stride, activation="relu6")


def _inverted_residual_shape(shape, filters, expansion, stride, rate):
    return _conv_shape(shape, filters, stride)


@register_block("inverted_residual", _inverted_residual_shape)
def inverted_residual(inputs, name, filters, expansion, stride, rate):
    """1x1 expansion (+ReLU6), 3x3 depthwise (+ReLU6), linear 1x1 projection, residual add."""
    x = inputs[0]
    in_channels = x.shape[-1]
    if expansion > 1:
        x = conv_bn(x, make_divisible(in_channels * expansion), f"{name}_expand", activation="relu6")
    x = depthwise_bn(x, name, stride=stride, rate=(rate, rate), activation="relu6")
    x = conv_bn(x, filters, f"{name}_project", activation=None)
    if stride == 1 and in_channels == filters:
        x = keras.layers.Add(name=f"{name}_add")([inputs[0], x])
    return x


def plan_mobilenet_v2(plan: NetworkPlan, image: str, depth_multiplier: float, output_stride: int):
    """Adds the backbone's blocks; returns (features, stride-4 features) block names."""
    x = plan.add("mobilenet_stem", "stem", image,
                 filters=make_divisible(STEM_CHANNELS * depth_multiplier), stride=2)
    nominal_stride, low_level, index = 2, x, 0
    for expansion, channels, repeats, first_stride in INVERTED_RESIDUAL_SETTINGS:
        filters = make_divisible(channels * depth_multiplier)
        for repeat in range(repeats):
            nominal_stride *= first_stride if repeat == 0 else 1
            layer_stride = first_stride if repeat == 0 else 1
            stride, rate = ((layer_stride, 1) if nominal_stride <= output_stride
                            else (1, nominal_stride // output_stride))
            index += 1
            x = plan.add("inverted_residual", f"block{index}", x, filters=filters,
                         expansion=expansion, stride=stride, rate=rate)
            if nominal_stride == 4:
                low_level = x
    return x, low_level
