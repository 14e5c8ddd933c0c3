"""Named configs: the paper's models, as plain data over `ArchConfig`'s defaults."""

from __future__ import annotations

import difflib
from pathlib import Path

from mobile_seg_nas import UserInputError, read_json
from space.config import ArchConfig

# Each preset states only what differs from `ArchConfig`'s defaults (the paper's model).
_CHANGES = {
    "paper-dpc": (
        "The paper's model: ShuffleNet V2 1.0, DPC head, OS 16 (71.3 val / 70.33 test mIOU)",
        {},
    ),
    "paper-basic": (
        "ShuffleNet V2 1.0 with the basic DeepLabV3 head, OS 16 (67.7 val mIOU)",
        {"head": "basic", "dpc_branches": []},
    ),
    "mobilenetv2-dpc": (
        "The paper's MobileNet V2 1.0 baseline with the DPC head, OS 16",
        {"backbone": "mobilenet_v2"},
    ),
    "mobilenetv2-basic": (
        "The paper's MobileNet V2 1.0 baseline with the basic head, OS 16 (70.7 val mIOU)",
        {"backbone": "mobilenet_v2", "head": "basic", "dpc_branches": []},
    ),
}

# The paper's model: every search evaluates it first (when its space holds it) and every Pareto
# export includes it, trained by the search, as the reference.
PAPER_PRESET = "paper-dpc"

# name -> {"description": ..., "config": the whole config as plain data}
PRESETS: dict[str, dict] = {
    name: {"description": description, "config": ArchConfig(**changes).to_dict()}
    for name, (description, changes) in _CHANGES.items()
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
