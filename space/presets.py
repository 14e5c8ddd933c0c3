"""Named configs: the paper's models, as plain data."""

from __future__ import annotations

import difflib
from pathlib import Path

from space.config import PAPER_DPC_BRANCHES, ArchConfig
from space.errors import UserInputError
from space.files import read_json

PRESETS: dict[str, dict] = {
    "paper-dpc": {
        "description": "The paper's model: ShuffleNet V2 1.0, DPC head, OS 16 (71.3 val / 70.33 test mIOU)",
        "config": {"backbone": "shufflenet_v2", "depth_multiplier": 1.0, "output_stride": 16,
                   "head": "dpc", "dpc_branches": list(PAPER_DPC_BRANCHES), "decoder": "none",
                   "num_classes": 19, "input_size": [769, 769]},
    },
    "paper-basic": {
        "description": "ShuffleNet V2 1.0 with the basic DeepLabV3 head, OS 16 (67.7 val mIOU)",
        "config": {"backbone": "shufflenet_v2", "depth_multiplier": 1.0, "output_stride": 16,
                   "head": "basic", "dpc_branches": [], "decoder": "none",
                   "num_classes": 19, "input_size": [769, 769]},
    },
    "mobilenetv2-dpc": {
        "description": "The paper's MobileNet V2 1.0 baseline with the DPC head, OS 16",
        "config": {"backbone": "mobilenet_v2", "depth_multiplier": 1.0, "output_stride": 16,
                   "head": "dpc", "dpc_branches": list(PAPER_DPC_BRANCHES), "decoder": "none",
                   "num_classes": 19, "input_size": [769, 769]},
    },
    "mobilenetv2-basic": {
        "description": "The paper's MobileNet V2 1.0 baseline with the basic head, OS 16 (70.7 val mIOU)",
        "config": {"backbone": "mobilenet_v2", "depth_multiplier": 1.0, "output_stride": 16,
                   "head": "basic", "dpc_branches": [], "decoder": "none",
                   "num_classes": 19, "input_size": [769, 769]},
    },
}


def list_presets() -> list[str]:
    return list(PRESETS)


def get_preset(name: str) -> ArchConfig:
    """The config of a named preset; unknown names raise with the closest suggestion."""
    if name not in PRESETS:
        close = difflib.get_close_matches(name, list(PRESETS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UserInputError(f"unknown preset {name!r}{hint}; known: {', '.join(PRESETS)}")
    return ArchConfig.from_dict(PRESETS[name]["config"])


def load_dpc_json(path: str | Path) -> list[dict]:
    """Reads a DeepLab dense prediction cell JSON file (a list of branches) as it is."""
    branches = read_json(path, "DPC file")
    if not isinstance(branches, list):
        raise UserInputError(f"DPC file {path}: expected a JSON list of branches")
    return branches
