"""space: what a network is, in pure Python: the architecture description (`ArchConfig`),
presets, the search space and block plans. The Keras builders are in `space.builders`, TFLite
conversion in `space.tflite`."""

from space.blocks import BLOCK_TYPES, Block, NetworkPlan
from space.config import CONFIG_FIELDS, HEADLINE_FIELDS, ArchConfig, parse_input_size
from space.network import normalize_pixels, plan_network
from space.presets import PAPER_PRESET, PRESETS, get_preset, list_presets, load_dpc_json
from space.search_space import SearchSpace

__all__ = [
    "ArchConfig",
    "CONFIG_FIELDS",
    "HEADLINE_FIELDS",
    "BLOCK_TYPES",
    "Block",
    "NetworkPlan",
    "PAPER_PRESET",
    "PRESETS",
    "SearchSpace",
    "get_preset",
    "list_presets",
    "load_dpc_json",
    "normalize_pixels",
    "parse_input_size",
    "plan_network",
]
