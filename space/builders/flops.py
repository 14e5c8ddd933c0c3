"""FLOP and parameter counting of built Keras models. GFLOPs = 2 x multiply-accumulates (the
TFLite converter's and the paper's convention)."""

from __future__ import annotations

import math

import keras

CONVOLUTIONS = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.Dense)


def _leaf_layers(model):
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.layers:
            yield from _leaf_layers(layer)
        else:
            yield layer


def count_macs(model) -> int:
    """Multiply-accumulates of the convolutions and dense layers of a built Keras model."""
    macs = 0
    for layer in _leaf_layers(model):
        if isinstance(layer, CONVOLUTIONS):
            output_elements = math.prod(layer.output.shape[1:])
            kernel = layer.kernel.shape
            if len(kernel) == 4 and layer.__class__.__name__ == "DepthwiseConv2D":
                per_output = kernel[0] * kernel[1]
            else:
                per_output = math.prod(kernel[:-1])
            macs += output_elements * per_output
    return macs


def count_flops(model) -> int:
    """Arithmetic ops as the TFLite converter estimates them: 2 x MACs, one add per output of
    every convolution (batch norm folds into a bias), element-wise adds and muls, and one op
    per pooling window element."""
    flops = 2 * count_macs(model)
    for layer in _leaf_layers(model):
        if isinstance(layer, CONVOLUTIONS):
            flops += math.prod(layer.output.shape[1:])
        elif isinstance(layer, keras.layers.Add):
            flops += math.prod(layer.output.shape[1:]) * (len(layer.input) - 1)
        elif isinstance(layer, (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)):
            flops += math.prod(layer.output.shape[1:]) * math.prod(layer.pool_size)
        elif isinstance(layer, keras.layers.Rescaling):
            flops += 2 * math.prod(layer.output.shape[1:])
    return flops


def count_params(model) -> int:
    """All weights, batch-norm statistics included (Keras's count)."""
    return int(model.count_params())
