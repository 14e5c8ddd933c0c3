"""DeepLabV3 head without atrous branches: image pooling + 1x1 conv, projected to 256."""

from __future__ import annotations

import keras

from space.blocks import NetworkPlan, register_block
from space.layers import ResizeBilinear, conv_bn

HEAD_FILTERS = 256
DROPOUT_RATE = 0.1  # keep probability 0.9


def projection(branches, name, filters=HEAD_FILTERS):
    """Concatenate, 1x1 conv + BN + ReLU, dropout: the end of both encoder heads."""
    x = keras.layers.Concatenate(name=f"{name}_concat")(branches)
    x = conv_bn(x, filters, f"{name}_project")
    return keras.layers.Dropout(DROPOUT_RATE, name=f"{name}_dropout")(x)


def image_pooling(x, name, filters=HEAD_FILTERS, pool_size=None):
    """Average pool (global or over a grid), 1x1 conv + BN + ReLU, resized back to x's size."""
    height, width = x.shape[1:3]
    if pool_size is None:
        pooled = keras.layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_pool")(x)
    else:
        pooled = keras.layers.AveragePooling2D(pool_size, strides=pool_size, padding="valid",
                                               name=f"{name}_pool")(x)
    pooled = conv_bn(pooled, filters, f"{name}_pool_1x1")
    return ResizeBilinear((height, width), name=f"{name}_pool_resize")(pooled)


@register_block("basic_head", lambda shape, filters: (*shape[:2], filters))
def basic_head(inputs, name, filters):
    x = inputs[0]
    pooled = image_pooling(x, name, filters)
    direct = conv_bn(x, filters, f"{name}_1x1")
    return projection([pooled, direct], name, filters)


def plan_basic_head(plan: NetworkPlan, features: str) -> str:
    return plan.add("basic_head", "head", features, filters=HEAD_FILTERS)
