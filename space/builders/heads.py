"""The encoder head blocks in Keras: basic (DeepLabV3 without atrous branches) and the Dense
Prediction Cell's branches and projection (planned in `space.heads`)."""

from __future__ import annotations

import keras

from space.builders.blocks import builds
from space.builders.layers import ResizeBilinear, conv_bn, separable_conv_bn

DROPOUT_RATE = 0.1  # keep probability 0.9


def projection(branches, name, filters):
    """Concatenate, 1x1 conv + BN + ReLU, dropout: the end of both encoder heads."""
    x = keras.layers.Concatenate(name=f"{name}_concat")(branches)
    x = conv_bn(x, filters, f"{name}_project")
    return keras.layers.Dropout(DROPOUT_RATE, name=f"{name}_dropout")(x)


def image_pooling(x, name, filters, pool_size=None):
    """Average pool (global or over a grid), 1x1 conv + BN + ReLU, resized back to x's size."""
    height, width = x.shape[1:3]
    if pool_size is None:
        pooled = keras.layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_pool")(x)
    else:
        pooled = keras.layers.AveragePooling2D(
            pool_size, strides=pool_size, padding="valid", name=f"{name}_pool"
        )(x)
    pooled = conv_bn(pooled, filters, f"{name}_pool_1x1")
    return ResizeBilinear((height, width), name=f"{name}_pool_resize")(pooled)


@builds("basic_head")
def basic_head(inputs, name, filters):
    x = inputs[0]
    pooled = image_pooling(x, name, filters)
    direct = conv_bn(x, filters, f"{name}_1x1")
    return projection([pooled, direct], name, filters)


@builds("dpc_conv")
def dpc_conv(inputs, name, kernel, rate, filters):
    """A 3x3 separable conv at atrous `rate` (rh, rw), or a 1x1 conv; BN + ReLU."""
    if kernel == 1:
        return conv_bn(inputs[0], filters, name)
    return separable_conv_bn(inputs[0], filters, name, rate=rate)


@builds("dpc_pyramid_pooling")
def dpc_pyramid_pooling(inputs, name, pool_size, filters):
    """Average pooling over a grid, 1x1 conv, resized back."""
    return image_pooling(inputs[0], name, filters, pool_size=tuple(pool_size))


@builds("dpc_projection")
def dpc_projection(inputs, name, filters):
    return projection(list(inputs), name, filters)
