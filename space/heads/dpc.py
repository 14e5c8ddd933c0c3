"""Dense Prediction Cell (Chen et al. 2018): branches of separable atrous convs or pooling."""

from __future__ import annotations

import math

from space.blocks import NetworkPlan, register_block
from space.heads.basic import HEAD_FILTERS, image_pooling, projection
from space.layers import conv_bn, separable_conv_bn


@register_block("dpc_conv", lambda shape, kernel, rate, filters: (*shape[:2], filters))
def dpc_conv(inputs, name, kernel, rate, filters):
    """A 3x3 separable conv at atrous `rate` (rh, rw), or a 1x1 conv; BN + ReLU."""
    if kernel == 1:
        return conv_bn(inputs[0], filters, name)
    return separable_conv_bn(inputs[0], filters, name, rate=rate)


@register_block("dpc_pyramid_pooling", lambda shape, pool_size, filters: (*shape[:2], filters))
def dpc_pyramid_pooling(inputs, name, pool_size, filters):
    """Average pooling over a grid, 1x1 conv, resized back."""
    return image_pooling(inputs[0], name, filters, pool_size=tuple(pool_size))


@register_block("dpc_projection", lambda *shapes, filters: (*shapes[0][:2], filters))
def dpc_projection(inputs, name, filters):
    return projection(list(inputs), name, filters)


def plan_dpc_head(plan: NetworkPlan, features: str, branches, output_stride: int) -> str:
    """Adds one block per DPC branch and the projection of their concatenation."""
    scale = 16 // output_stride
    height, width = plan.shape(features)[:2]
    names = []
    for index, branch in enumerate(branches):
        source = features if branch["input"] == -1 else names[branch["input"]]
        name = f"dpc_branch{index}"
        if branch["op"] == "pyramid_pooling":
            grid_h, grid_w = branch["grid_size"]
            pool_size = (math.ceil(height / grid_h), math.ceil(width / grid_w))
            plan.add("dpc_pyramid_pooling", name, source, pool_size=pool_size, filters=HEAD_FILTERS)
        else:
            rate = (branch["rate"][0] * scale, branch["rate"][1] * scale)
            plan.add("dpc_conv", name, source, kernel=branch["kernel"],
                     rate=rate if branch["kernel"] == 3 else (1, 1), filters=HEAD_FILTERS)
        names.append(name)
    return plan.add("dpc_projection", "head", names, filters=HEAD_FILTERS)
