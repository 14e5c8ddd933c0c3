"""MobileNet V2 backbone as DeepLab's feature extractor (up to the 320-channel layer): its
blocks and their shapes. The Keras layers are in `space.builders.mobilenet_v2`."""

from __future__ import annotations

from space.blocks import NetworkPlan, register_block, same_padding_size

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


register_block("mobilenet_stem", _conv_shape)
register_block(
    "inverted_residual",
    lambda shape, filters, expansion, stride, rate: _conv_shape(shape, filters, stride),
)


def plan_mobilenet_v2(plan: NetworkPlan, image: str, depth_multiplier: float, output_stride: int):
    """Adds the backbone's blocks; returns (features, stride-4 features) block names."""
    x = plan.add(
        "mobilenet_stem",
        "stem",
        image,
        filters=make_divisible(STEM_CHANNELS * depth_multiplier),
        stride=2,
    )
    nominal_stride, low_level, index = 2, x, 0
    for expansion, channels, repeats, first_stride in INVERTED_RESIDUAL_SETTINGS:
        filters = make_divisible(channels * depth_multiplier)
        for repeat in range(repeats):
            nominal_stride *= first_stride if repeat == 0 else 1
            layer_stride = first_stride if repeat == 0 else 1
            stride, rate = (
                (layer_stride, 1)
                if nominal_stride <= output_stride
                else (1, nominal_stride // output_stride)
            )
            index += 1
            x = plan.add(
                "inverted_residual",
                f"block{index}",
                x,
                filters=filters,
                expansion=expansion,
                stride=stride,
                rate=rate,
            )
            if nominal_stride == 4:
                low_level = x
    return x, low_level
