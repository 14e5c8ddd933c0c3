"""From an `ArchConfig` to a block plan and to Keras models (training and inference)."""

from __future__ import annotations

from space.backbones.mobilenet_v2 import plan_mobilenet_v2
from space.backbones.shufflenet_v2 import plan_shufflenet_v2
from space.blocks import NetworkPlan, register_block
from space.config import ArchConfig
from space.decoders.deeplabv3plus import plan_deeplabv3plus
from space.heads.basic import plan_basic_head
from space.heads.dpc import plan_dpc_head

BACKBONE_PLANNERS = {"shufflenet_v2": plan_shufflenet_v2, "mobilenet_v2": plan_mobilenet_v2}


@register_block("preprocess", lambda shape: shape)
def preprocess(inputs, name):
    """Pixels 0..255 to [-1, 1]: x * 2 / 255 - 1."""
    import keras

    return keras.layers.Rescaling(2.0 / 255.0, offset=-1.0, name=name)(inputs[0])


@register_block("classifier", lambda shape, num_classes: (*shape[:2], num_classes))
def classifier(inputs, name, num_classes):
    """1x1 conv to class logits (with bias, no BN)."""
    import keras

    return keras.layers.Conv2D(num_classes, 1, name=f"{name}_conv")(inputs[0])


@register_block("resize_logits", lambda shape, size: (*size, shape[-1]))
def resize_logits(inputs, name, size):
    """The paper's naive decoder: bilinear resize of the logits to the input size."""
    from space.layers import ResizeBilinear

    return ResizeBilinear(size, name=name)(inputs[0])


@register_block("argmax", lambda shape: tuple(shape[:2]))
def argmax(inputs, name):
    from space.layers import ArgMax

    return ArgMax(name=name)(inputs[0])


def plan_network(config: ArchConfig, inference: bool = False) -> NetworkPlan:
    """The blocks `config` builds, with shapes; pure Python, no TensorFlow.

    With `inference=True` the plan starts with preprocessing (input 0..255) and ends with
    argmax (class ids [H, W]), as exported to the phone.
    """
    height, width = config.input_size
    plan = NetworkPlan((height, width, 3))
    image = plan.add("preprocess", "preprocess", plan.input_name) if inference else plan.input_name
    features, low_level = BACKBONE_PLANNERS[config.backbone](
        plan, image, config.depth_multiplier, config.output_stride)
    if config.head == "basic":
        x = plan_basic_head(plan, features)
    else:
        x = plan_dpc_head(plan, features, config.dpc_branches, config.output_stride)
    if config.decoder == "deeplabv3plus":
        x = plan_deeplabv3plus(plan, x, low_level)
    x = plan.add("classifier", "classifier", x, num_classes=config.num_classes)
    x = plan.add("resize_logits", "resize_logits", x, size=(height, width))
    if inference:
        plan.add("argmax", "argmax", x)
    return plan


def build_model(config: ArchConfig, batch_size: int | None = None):
    """The trainable Keras model: float image in [-1, 1] -> logits [N, H, W, num_classes]."""
    import keras

    plan = plan_network(config)
    image = keras.Input((*config.input_size, 3), batch_size=batch_size, name="image")
    logits = plan.build(image)
    return keras.Model(image, logits, name=f"{config.backbone}_{config.head}_{config.id}")


def build_inference_model(config: ArchConfig, trained=None):
    """The exported model: pixels 0..255, batch 1 -> class ids [1, H, W] (int32).

    Preprocessing and argmax are in the graph. Weights are copied by layer name from
    `trained` (a model from `build_model(config)`) when given.
    """
    import keras

    plan = plan_network(config, inference=True)
    image = keras.Input((*config.input_size, 3), batch_size=1, name="image")
    model = keras.Model(image, plan.build(image), name=f"inference_{config.id}")
    if trained is not None:
        for layer in model.layers:
            if layer.weights:
                layer.set_weights(trained.get_layer(layer.name).get_weights())
    return model
