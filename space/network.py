"""From an `ArchConfig` to its block plan: backbone, head, decoder, classifier; pure Python.
The Keras models built from a plan are in `space.builders`."""

from __future__ import annotations

from space.backbones.mobilenet_v2 import plan_mobilenet_v2
from space.backbones.shufflenet_v2 import plan_shufflenet_v2
from space.blocks import NetworkPlan, register_block
from space.config import ArchConfig
from space.decoders.deeplabv3plus import plan_deeplabv3plus
from space.heads.basic import plan_basic_head
from space.heads.dpc import plan_dpc_head

BACKBONE_PLANNERS = {"shufflenet_v2": plan_shufflenet_v2, "mobilenet_v2": plan_mobilenet_v2}

# The network input is RGB pixels 0..255, normalised to [-1, 1] (x * 2 / 255 - 1).
PIXEL_MEAN = PIXEL_STD = 127.5

register_block("preprocess", lambda shape: shape)
register_block("classifier", lambda shape, num_classes: (*shape[:2], num_classes))
register_block("resize_logits", lambda shape, size: (*size, shape[-1]))
register_block("argmax", lambda shape: tuple(shape[:2]))


def normalize_pixels(pixels):
    """Pixels 0..255 to [-1, 1] (numpy arrays and tensors alike): x * 2 / 255 - 1."""
    return pixels * (1.0 / PIXEL_STD) - PIXEL_MEAN / PIXEL_STD


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
        x = plan_dpc_head(plan, features, config)
    if config.decoder == "deeplabv3plus":
        x = plan_deeplabv3plus(plan, x, low_level)
    x = plan.add("classifier", "classifier", x, num_classes=config.num_classes)
    x = plan.add("resize_logits", "resize_logits", x, size=(height, width))
    if inference:
        plan.add("argmax", "argmax", x)
    return plan
