"""The DeepLabV3+ decoder block in Keras (planned in `space.decoders.deeplabv3plus`)."""

from __future__ import annotations

import keras

from space.builders.blocks import builds
from space.builders.layers import ResizeBilinear, conv_bn, separable_conv_bn

LOW_LEVEL_FILTERS = 48


@builds("deeplabv3plus_decoder")
def deeplabv3plus_decoder(inputs, name, filters):
    head, low_level = inputs
    size = low_level.shape[1:3]
    low_level = conv_bn(low_level, LOW_LEVEL_FILTERS, f"{name}_low_level")
    head = ResizeBilinear(size, name=f"{name}_upsample")(head)
    x = keras.layers.Concatenate(name=f"{name}_concat")([head, low_level])
    x = separable_conv_bn(x, filters, f"{name}_sep1")
    return separable_conv_bn(x, filters, f"{name}_sep2")
