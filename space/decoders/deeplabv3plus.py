"""DeepLabV3+ decoder: stride-4 features (48-channel projection) + two separable convs. The
Keras layers are in `space.builders.deeplabv3plus`."""

from __future__ import annotations

from space.blocks import NetworkPlan, register_block

DECODER_FILTERS = 256

register_block(
    "deeplabv3plus_decoder", lambda head_shape, low_shape, filters: (*low_shape[:2], filters)
)


def plan_deeplabv3plus(plan: NetworkPlan, head: str, low_level: str) -> str:
    return plan.add("deeplabv3plus_decoder", "decoder", (head, low_level), filters=DECODER_FILTERS)
