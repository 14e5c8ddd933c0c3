"""Keras models of a config (training and inference) and the blocks around the backbone and
head: preprocessing, classifier, resize, argmax."""

from __future__ import annotations

import keras

from space.builders.blocks import build_plan, builds
from space.builders.layers import ArgMax, ResizeBilinear
from space.config import ArchConfig
from space.network import PIXEL_MEAN, PIXEL_STD, plan_network


@builds("preprocess")
def preprocess(inputs, name):
    """Pixels 0..255 to [-1, 1] (`space.network.normalize_pixels`) as one layer."""
    return keras.layers.Rescaling(1.0 / PIXEL_STD, offset=-PIXEL_MEAN / PIXEL_STD,
                                  name=name)(inputs[0])


@builds("classifier")
def classifier(inputs, name, num_classes):
    """1x1 conv to class logits (with bias, no BN)."""
    return keras.layers.Conv2D(num_classes, 1, name=f"{name}_conv")(inputs[0])


@builds("resize_logits")
def resize_logits(inputs, name, size):
    """The paper's naive decoder: bilinear resize of the logits to the input size."""
    return ResizeBilinear(size, name=name)(inputs[0])


@builds("argmax")
def argmax(inputs, name):
    return ArgMax(name=name)(inputs[0])


def build_model(config: ArchConfig, batch_size: int | None = None):
    """The trainable Keras model: float image in [-1, 1] -> logits [N, H, W, num_classes]."""
    image = keras.Input((*config.input_size, 3), batch_size=batch_size, name="image")
    logits = build_plan(plan_network(config), image)
    return keras.Model(image, logits, name=f"{config.backbone}_{config.head}_{config.id}")


def build_inference_model(config: ArchConfig, trained=None):
    """The exported model: pixels 0..255, batch 1 -> class ids [1, H, W] (int32).

    Preprocessing and argmax are in the graph. Weights are copied by layer name from
    `trained` (a model from `build_model(config)`) when given.
    """
    image = keras.Input((*config.input_size, 3), batch_size=1, name="image")
    model = keras.Model(image, build_plan(plan_network(config, inference=True), image),
                        name=f"inference_{config.id}")
    if trained is not None:
        for layer in model.layers:
            if layer.weights:
                layer.set_weights(trained.get_layer(layer.name).get_weights())
    return model
