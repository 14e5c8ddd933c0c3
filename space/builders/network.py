"""Keras models of a config (training and inference) and the blocks around the backbone and
head: preprocessing, classifier, resize, argmax."""

from __future__ import annotations

import keras

from space.builders.blocks import build_plan, builds
from space.builders.layers import ArgMax, ResizeBilinear
from space.config import ArchConfig
from space.blocks import NetworkPlan
from space.network import PIXEL_MEAN, PIXEL_STD, plan_backbone, plan_head_network, plan_network


@builds("preprocess")
def preprocess(inputs, name):
    """Pixels 0..255 to [-1, 1] (`space.network.normalize_pixels`) as one layer."""
    return keras.layers.Rescaling(1.0 / PIXEL_STD, offset=-PIXEL_MEAN / PIXEL_STD, name=name)(
        inputs[0]
    )


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


def build_backbone_model(config: ArchConfig):
    """The backbone alone: float image in [-1, 1] -> its output features (layer names as in
    `build_model`, so trained weights copy by name)."""
    image = keras.Input((*config.input_size, 3), name="image")
    plan = NetworkPlan((*config.input_size, 3))
    plan_backbone(plan, plan.input_name, config)  # its features are its last block
    return keras.Model(image, build_plan(plan, image), name=f"{config.backbone}_backbone")


def build_head_model(config: ArchConfig, features_shape):
    """The head, classifier and resize of `config` on backbone features (`plan_head_network`):
    features -> logits [N, H, W, num_classes] at the config's input size."""
    features = keras.Input(tuple(features_shape), name="features")
    logits = build_plan(plan_head_network(config, features_shape), features)
    return keras.Model(features, logits, name=f"{config.head}_head_{config.id}")


def build_inference_model(config: ArchConfig, trained=None):
    """The exported model: pixels 0..255, batch 1 -> class ids [1, H, W] (int32).

    Preprocessing and argmax are in the graph. Weights are copied by layer name from
    `trained` (a model from `build_model(config)`) when given.
    """
    image = keras.Input((*config.input_size, 3), batch_size=1, name="image")
    model = keras.Model(
        image,
        build_plan(plan_network(config, inference=True), image),
        name=f"inference_{config.id}",
    )
    if trained is not None and (missed := copy_weights(model, [trained])):
        raise ValueError(f"the trained model lacks layers of {config.id}: {', '.join(missed)}")
    return model


def copy_weights(model, sources) -> list[str]:
    """Copies into each layer of `model` the weights of the first model of `sources` with a
    layer of that name and the same weight shapes; returns the layers (with weights) none
    fitted."""
    layers = {}
    for source in reversed(sources):
        layers.update({layer.name: layer for layer in source.layers})
    missed = []
    for layer in model.layers:
        if not layer.weights:
            continue
        other = layers.get(layer.name)
        if other is not None and (
            [tuple(w.shape) for w in other.weights] == [tuple(w.shape) for w in layer.weights]
        ):
            layer.set_weights(other.get_weights())
        else:
            missed.append(layer.name)
    return missed
