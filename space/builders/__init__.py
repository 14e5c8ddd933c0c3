"""space.builders: the Keras side of `space`: one builder per block type (registered under the
block type's name), the training and inference models of a config, FLOP counting.

Importing it loads Keras and TensorFlow; planning (`space`) does not.
"""

# Importing the builder modules registers every block type's builder.
from space.builders import deeplabv3plus, heads, mobilenet_v2, shufflenet_v2  # noqa: F401
from space.builders.blocks import BUILDERS, build_block_model, build_plan
from space.builders.flops import count_flops, count_params
from space.builders.network import (
    build_backbone_model,
    build_head_model,
    build_inference_model,
    build_model,
    copy_weights,
)

__all__ = [
    "BUILDERS",
    "build_backbone_model",
    "build_block_model",
    "build_head_model",
    "build_inference_model",
    "build_model",
    "build_plan",
    "copy_weights",
    "count_flops",
    "count_params",
]
