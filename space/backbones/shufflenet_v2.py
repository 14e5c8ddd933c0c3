"""ShuffleNet V2 backbone with atrous output stride (docs/design.md, Table 1): its blocks and
their shapes. The Keras layers are in `space.builders.shufflenet_v2`."""

from __future__ import annotations

from space.blocks import NetworkPlan, register_block, same_padding_size

STEM_CHANNELS = 24
STAGE2_CHANNELS = {0.5: 48, 1.0: 116, 1.5: 176, 2.0: 244}
STAGE_UNITS = (4, 8, 4)  # down-sampling unit + basic units, stages 2..4


def _stem_shape(shape, channels):
    height, width, _ = shape
    return (
        same_padding_size(same_padding_size(height, 2), 2),
        same_padding_size(same_padding_size(width, 2), 2),
        channels,
    )


def _down_unit_shape(shape, out_channels, stride, rate):
    height, width, _ = shape
    return same_padding_size(height, stride), same_padding_size(width, stride), out_channels


register_block("shufflenet_stem", _stem_shape)
register_block("shuffle_down_unit", _down_unit_shape)
register_block("shuffle_unit", lambda shape, rate: shape)


def plan_shufflenet_v2(plan: NetworkPlan, image: str, depth_multiplier: float, output_stride: int):
    """Adds the backbone's blocks; returns (features, stride-4 features) block names."""
    stem = plan.add("shufflenet_stem", "stem", image, channels=STEM_CHANNELS)
    x, nominal_stride = stem, 4
    channels = STAGE2_CHANNELS[depth_multiplier]
    for stage, units in enumerate(STAGE_UNITS, start=2):
        nominal_stride *= 2
        stride, rate = (
            (2, 1) if nominal_stride <= output_stride else (1, nominal_stride // output_stride)
        )
        x = plan.add(
            "shuffle_down_unit",
            f"stage{stage}_unit1",
            x,
            out_channels=channels,
            stride=stride,
            rate=rate,
        )
        for unit in range(2, units + 1):
            x = plan.add("shuffle_unit", f"stage{stage}_unit{unit}", x, rate=rate)
        channels *= 2
    return x, stem
