"""DeepLabV3 head without atrous branches: image pooling + 1x1 conv, projected to 256. The
Keras layers are in `space.builders.heads`."""

from __future__ import annotations

from space.blocks import NetworkPlan, register_block

HEAD_FILTERS = 256

register_block("basic_head", lambda shape, filters: (*shape[:2], filters))


def plan_basic_head(plan: NetworkPlan, features: str) -> str:
    return plan.add("basic_head", "head", features, filters=HEAD_FILTERS)
