"""Dense Prediction Cell (Chen et al. 2018): branches of separable atrous convs or pooling.
The Keras layers are in `space.builders.heads`."""

from __future__ import annotations

import math

from space.blocks import NetworkPlan, register_block
from space.heads.basic import HEAD_FILTERS

register_block("dpc_conv", lambda shape, kernel, rate, filters: (*shape[:2], filters))
register_block("dpc_pyramid_pooling", lambda shape, pool_size, filters: (*shape[:2], filters))
register_block("dpc_projection", lambda *shapes, filters: (*shapes[0][:2], filters))


def plan_dpc_head(plan: NetworkPlan, features: str, config) -> str:
    """Adds one block per branch of `config.dpc_branches` and the projection of their
    concatenation."""
    height, width = plan.shape(features)[:2]
    names = []
    for index, branch in enumerate(config.dpc_branches):
        source = features if branch["input"] == -1 else names[branch["input"]]
        name = f"dpc_branch{index}"
        if branch["op"] == "pyramid_pooling":
            grid_h, grid_w = branch["grid_size"]
            pool_size = (math.ceil(height / grid_h), math.ceil(width / grid_w))
            plan.add("dpc_pyramid_pooling", name, source, pool_size=pool_size, filters=HEAD_FILTERS)
        else:
            rate = config.scaled_dpc_rate(branch["rate"])
            plan.add(
                "dpc_conv",
                name,
                source,
                kernel=branch["kernel"],
                rate=rate if branch["kernel"] == 3 else (1, 1),
                filters=HEAD_FILTERS,
            )
        names.append(name)
    return plan.add("dpc_projection", "head", names, filters=HEAD_FILTERS)
