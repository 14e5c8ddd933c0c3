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
    features, low_level = plan_backbone(plan, image, config)
    x = _plan_head(plan, features, config)
    if config.decoder == "deeplabv3plus":
        x = plan_deeplabv3plus(plan, x, low_level)
    x = _plan_classifier(plan, x, config)
    if inference:
        plan.add("argmax", "argmax", x)
    return plan


def plan_backbone(plan: NetworkPlan, image: str, config: ArchConfig) -> tuple[str, str]:
    """Adds the backbone's blocks; returns the names of its (features, low-level features)."""
    return BACKBONE_PLANNERS[config.backbone](
        plan, image, config.depth_multiplier, config.output_stride
    )


def plan_head_network(config: ArchConfig, features_shape) -> NetworkPlan:
    """The encoder head, classifier and resize of `config` on backbone features of
    `features_shape` (the network a head is trained as on cached features; no decoder)."""
    plan = NetworkPlan(features_shape, input_name="features")
    _plan_classifier(plan, _plan_head(plan, plan.input_name, config), config)
    return plan


def _plan_head(plan: NetworkPlan, features: str, config: ArchConfig) -> str:
    if config.head == "basic":
        return plan_basic_head(plan, features)
    return plan_dpc_head(plan, features, config)


def _plan_classifier(plan: NetworkPlan, x: str, config: ArchConfig) -> str:
    x = plan.add("classifier", "classifier", x, num_classes=config.num_classes)
    return plan.add("resize_logits", "resize_logits", x, size=tuple(config.input_size))
