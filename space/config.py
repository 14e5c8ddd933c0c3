"""`ArchConfig`: the single description of a segmentation network."""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
from pathlib import Path
from typing import Any

from mobile_seg_nas import UserInputError
from mobile_seg_nas import read_json

BACKBONES = ("shufflenet_v2", "mobilenet_v2")
DEPTH_MULTIPLIERS = {
    "shufflenet_v2": (0.5, 1.0, 1.5, 2.0),
    "mobilenet_v2": (0.35, 0.5, 0.75, 1.0, 1.4),
}
OUTPUT_STRIDES = (8, 16)
HEADS = ("basic", "dpc")
DECODERS = ("none", "deeplabv3plus")
DPC_OPS = ("conv", "pyramid_pooling")
DPC_KERNELS = (1, 3)
DPC_RATES = (1, 3, 6, 9, 12, 15, 18, 21)
DPC_GRIDS = (1, 2, 4, 8)
DPC_NUM_BRANCHES_MAX = 8
# The fields of a config a person reads first (tables of trials, summaries, validation rows).
HEADLINE_FIELDS = ("backbone", "depth_multiplier", "output_stride", "head", "decoder")

# The paper's cell: DeepLab's dense_prediction_cell_branch5_top1_cityscapes.json.
PAPER_DPC_BRANCHES = (
    {"kernel": 3, "rate": [1, 6], "op": "conv", "input": -1},
    {"kernel": 3, "rate": [18, 15], "op": "conv", "input": 0},
    {"kernel": 3, "rate": [6, 3], "op": "conv", "input": 1},
    {"kernel": 3, "rate": [1, 1], "op": "conv", "input": 0},
    {"kernel": 3, "rate": [6, 21], "op": "conv", "input": 0},
)


@dataclasses.dataclass(frozen=True)
class ArchConfig:
    """One segmentation network: backbone, encoder head, decoder, classes and input size.

    `dpc_branches` uses DeepLab's JSON form; rates are given for output stride 16 and scaled by
    16 / output_stride when the network is built. Construction validates every field.
    """

    backbone: str = "shufflenet_v2"
    depth_multiplier: float = 1.0
    output_stride: int = 16
    head: str = "dpc"
    dpc_branches: tuple = PAPER_DPC_BRANCHES
    decoder: str = "none"
    num_classes: int = 19
    input_size: tuple = (769, 769)

    def __post_init__(self):
        set_field = object.__setattr__
        set_field(self, "dpc_branches", _canonical_branches(self.dpc_branches, self.head))
        set_field(self, "input_size", _canonical_input_size(self.input_size))
        set_field(self, "depth_multiplier", _as_number(self.depth_multiplier, "depth_multiplier"))
        set_field(self, "output_stride", _as_int(self.output_stride, "output_stride"))
        set_field(self, "num_classes", _as_int(self.num_classes, "num_classes"))
        self._validate()

    def _validate(self):
        _check_choice("backbone", self.backbone, BACKBONES)
        _check_choice(
            "depth_multiplier",
            self.depth_multiplier,
            DEPTH_MULTIPLIERS[self.backbone],
            context=f" for backbone {self.backbone}",
        )
        _check_choice("output_stride", self.output_stride, OUTPUT_STRIDES)
        _check_choice("head", self.head, HEADS)
        _check_choice("decoder", self.decoder, DECODERS)
        if not 2 <= self.num_classes <= 255:
            raise UserInputError(
                f"num_classes: {self.num_classes} is out of range; allowed: 2..255"
            )
        height, width = self.input_size
        if height < 32 or width < 32:
            raise UserInputError(
                f"input_size: {height}x{width} is too small; allowed: at least 32x32"
            )

    # -- conversions -------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain JSON-ready data (lists, not tuples)."""
        return {
            "backbone": self.backbone,
            "depth_multiplier": self.depth_multiplier,
            "output_stride": self.output_stride,
            "head": self.head,
            "dpc_branches": [dict(branch) for branch in self.dpc_branches],
            "decoder": self.decoder,
            "num_classes": self.num_classes,
            "input_size": list(self.input_size),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=indent is None)

    @classmethod
    def from_dict(cls, data: dict) -> "ArchConfig":
        if not isinstance(data, dict):
            raise UserInputError(f"config: expected a JSON object, got {type(data).__name__}")
        names = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise UserInputError(
                f"config: unknown field {unknown[0]!r}{_suggest(unknown[0], names)}; "
                f"allowed: {', '.join(sorted(names))}"
            )
        return cls(**data)

    @classmethod
    def from_json(cls, text: str) -> "ArchConfig":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise UserInputError(f"config: not valid JSON ({error})") from None
        return cls.from_dict(data)

    @classmethod
    def from_file(cls, path: str | Path) -> "ArchConfig":
        """Reads a config JSON file (the form `nas preset show NAME --json` prints)."""
        data = read_json(path, "config file")
        try:
            return cls.from_dict(data)
        except UserInputError as error:
            raise UserInputError(f"config file {path}: {error}") from None

    @property
    def id(self) -> str:
        """A stable short id: the first 10 hex digits of SHA-1 over the canonical JSON."""
        return hashlib.sha1(self.to_json(indent=None).encode()).hexdigest()[:10]

    def replace(self, **changes: Any) -> "ArchConfig":
        """A copy with some fields changed (validated)."""
        return ArchConfig.from_dict({**self.to_dict(), **changes})

    def with_settings(self, settings: list[str]) -> "ArchConfig":
        """Applies `field=value` strings (the CLI's `--set`); values are JSON or plain words."""
        changes = {}
        names = {field.name for field in dataclasses.fields(self)}
        for setting in settings:
            name, sep, raw = setting.partition("=")
            name = name.strip()
            if not sep or not name:
                raise UserInputError(
                    f"--set {setting!r}: expected field=value, e.g. output_stride=8"
                )
            if name not in names:
                raise UserInputError(
                    f"--set {name}: unknown field{_suggest(name, names)}; "
                    f"allowed: {', '.join(sorted(names))}"
                )
            changes[name] = _parse_value(name, raw.strip())
        return self.replace(**changes)

    def scaled_dpc_rate(self, rate: list[int]) -> tuple[int, int]:
        """A DPC branch rate (given for output stride 16) at this config's output stride."""
        scale = 16 // self.output_stride
        return rate[0] * scale, rate[1] * scale


# The fields of a config, in order (one column each in a trial table).
CONFIG_FIELDS = tuple(field.name for field in dataclasses.fields(ArchConfig))


def parse_input_size(text: str) -> tuple[int, int]:
    """Parses `HxW` (or a single `S` for SxS) into (height, width)."""
    parts = text.lower().replace(" ", "").split("x")
    try:
        numbers = [int(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) == 1:
        numbers = numbers * 2
    if len(numbers) != 2 or min(numbers) <= 0:
        raise UserInputError(
            f"input size {text!r}: expected HxW with positive integers, e.g. 224x224"
        )
    return numbers[0], numbers[1]


# -- helpers -----------------------------------------------------------------------------------
def _suggest(value: str, choices) -> str:
    close = difflib.get_close_matches(str(value), [str(choice) for choice in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_choice(name: str, value, allowed, context: str = ""):
    if value not in allowed:
        raise UserInputError(
            f"{name}: {value!r} is not allowed{context}{_suggest(value, allowed)}; "
            f"allowed: {', '.join(str(choice) for choice in allowed)}"
        )


def _as_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
        raise UserInputError(f"{name}: {value!r} is not an integer")
    return int(value)


def _as_number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UserInputError(f"{name}: {value!r} is not a number")
    return float(value)


def _canonical_input_size(value) -> tuple[int, int]:
    if isinstance(value, str):
        return parse_input_size(value)
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise UserInputError(f"input_size: {value!r} is not [height, width]")
    return _as_int(value[0], "input_size height"), _as_int(value[1], "input_size width")


def _pair(value, name: str) -> list[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value, value]
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise UserInputError(f"{name}: {value!r} is not a pair [h, w]")
    return [_as_int(value[0], name), _as_int(value[1], name)]


def _canonical_branch(index: int, branch) -> dict:
    where = f"dpc_branches[{index}]"
    if not isinstance(branch, dict):
        raise UserInputError(
            f"{where}: expected an object like "
            '{"op": "conv", "kernel": 3, "rate": [1, 6], "input": -1}'
        )
    op = branch.get("op", "conv")
    _check_choice(f"{where}.op", op, DPC_OPS)
    source = _as_int(branch.get("input", -1), f"{where}.input")
    if not -1 <= source < index:
        what = "itself" if source == index else "a later branch" if source > index else "nothing"
        raise UserInputError(
            f"{where}.input: {source} reads {what}; a branch reads the backbone (-1) "
            f"or an earlier branch (-1..{index - 1})"
        )
    if op == "pyramid_pooling":
        known = {"op", "input", "grid_size", "target_size"}
        grid = _pair(branch.get("grid_size", [1, 1]), f"{where}.grid_size")
        if min(grid) < 1:
            raise UserInputError(f"{where}.grid_size: {grid} must be positive")
        canonical = {"op": op, "grid_size": grid, "input": source}
    else:
        known = {"op", "input", "kernel", "rate"}
        kernel = _as_int(branch.get("kernel", 3), f"{where}.kernel")
        _check_choice(f"{where}.kernel", kernel, DPC_KERNELS)
        rate = _pair(branch.get("rate", [1, 1]), f"{where}.rate")
        if min(rate) < 1:
            raise UserInputError(f"{where}.rate: {rate} must be >= 1")
        canonical = {
            "op": op,
            "kernel": kernel,
            "rate": rate if kernel == 3 else [1, 1],
            "input": source,
        }
    unknown = sorted(set(branch) - known)
    if unknown:
        raise UserInputError(
            f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(sorted(known))}"
        )
    return canonical


def _canonical_branches(branches, head: str) -> tuple:
    if isinstance(branches, str):
        try:
            branches = json.loads(branches)
        except json.JSONDecodeError:
            raise UserInputError("dpc_branches: not valid JSON") from None
    if not isinstance(branches, (list, tuple)):
        raise UserInputError(f"dpc_branches: expected a list of branches, got {branches!r}")
    if head == "dpc" and not 1 <= len(branches) <= DPC_NUM_BRANCHES_MAX:
        raise UserInputError(
            f"dpc_branches: {len(branches)} branches; a DPC head needs 1..{DPC_NUM_BRANCHES_MAX}"
        )
    return tuple(
        _FrozenBranch(_canonical_branch(index, branch)) for index, branch in enumerate(branches)
    )


class _FrozenBranch(dict):
    """A branch dict that hashes, so `ArchConfig` stays hashable."""

    def __hash__(self):
        return hash(json.dumps(self, sort_keys=True))


def _parse_value(name: str, raw: str):
    if name == "input_size" and not raw.startswith("["):
        return parse_input_size(raw)
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw
