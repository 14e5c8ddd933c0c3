"""DeepLabV3+ decoder: stride-4 features (48-channel projection) + two separable convs."""

from __future__ import annotations

import keras

from space.blocks import NetworkPlan, register_block
from space.layers import ResizeBilinear, conv_bn, separable_conv_bn

LOW_LEVEL_FILTERS = 48
DECODER_FILTERS = 256


@register_block("deeplabv3plus_decoder",
                lambda head_shape, low_shape, filters: (*low_shape[:2], filters))
def deeplabv3plus_decoder(inputs, name, filters):
    head, low_level = inputs
    size = low_level.shape[1:3]
    low_level = conv_bn(low_level, LOW_LEVEL_FILTERS, f"{name}_low_level")
    head = ResizeBilinear(size, name=f"{name}_upsample")(head)
    x = keras.layers.Concatenate(name=f"{name}_concat")([head, low_level])
    x = separable_conv_bn(x, filters, f"{name}_sep1")
    return separable_conv_bn(x, filters, f"{name}_sep2")


def plan_deeplabv3plus(plan: NetworkPlan, head: str, low_level: str) -> str:
    return plan.add("deeplabv3plus_decoder", "decoder", (head, low_level), filters=DECODER_FILTERS)
