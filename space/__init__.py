"""space: the architecture description (`ArchConfig`), presets, search space, Keras builders,
FLOP counting and TFLite conversion."""

from space.blocks import BLOCK_TYPES, Block, NetworkPlan, build_block_model
from space.config import ArchConfig, parse_input_size
from space.errors import UserInputError
from space.flops import count_flops, count_params
from space.network import build_inference_model, build_model, plan_network
from space.presets import PRESETS, get_preset, list_presets, load_dpc_json

__all__ = [
    "ArchConfig", "Block", "BLOCK_TYPES", "NetworkPlan", "PRESETS", "UserInputError",
    "build_block_model", "build_inference_model", "build_model", "count_flops", "count_params",
    "get_preset", "list_presets", "load_dpc_json", "parse_input_size", "plan_network",
]
