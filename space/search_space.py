"""`SearchSpace`: which `ArchConfig`s a search may visit, as flat categorical parameters."""

from __future__ import annotations

import dataclasses
import math
import random
from pathlib import Path

from space.config import (DECODERS, DEPTH_MULTIPLIERS, DPC_GRIDS, DPC_RATES, HEADS,
                          OUTPUT_STRIDES, PAPER_DPC_BRANCHES, ArchConfig)
from space.errors import UserInputError
from space.files import read_json

DPC_BRANCH_OPS = ("sep3x3", "conv1x1", "pyramid_pooling")


@dataclasses.dataclass(frozen=True)
class SearchSpace:
    """Choices for every architecture field; input size and classes are fixed per search.

    The default is the mission's space: both backbones at every depth multiplier, output stride
    8/16, basic or DPC head (5 branches; each a 3x3 separable conv with rates from the DPC
    paper's grid, a 1x1 conv, or pyramid pooling, reading the backbone or an earlier branch),
    with or without the DeepLabV3+ decoder.
    """

    backbones: dict = dataclasses.field(
        default_factory=lambda: {name: list(values) for name, values in DEPTH_MULTIPLIERS.items()})
    output_strides: tuple = OUTPUT_STRIDES
    heads: tuple = HEADS
    decoders: tuple = DECODERS
    dpc_num_branches: int = 5
    dpc_ops: tuple = DPC_BRANCH_OPS
    dpc_rates: tuple = DPC_RATES
    dpc_grids: tuple = DPC_GRIDS
    num_classes: int = 19
    input_size: tuple = (224, 224)

    def __post_init__(self):
        for name in ("output_strides", "heads", "decoders", "dpc_ops", "dpc_rates", "dpc_grids"):
            value = getattr(self, name)
            if not isinstance(value, (list, tuple)) or not value:
                raise UserInputError(f"search space {name}: expected a non-empty list, got {value!r}")
            object.__setattr__(self, name, tuple(value))
        object.__setattr__(self, "input_size", tuple(self.input_size))
        for op in self.dpc_ops:
            if op not in DPC_BRANCH_OPS:
                raise UserInputError(f"search space dpc_ops: {op!r} is not allowed; "
                                     f"allowed: {', '.join(DPC_BRANCH_OPS)}")
        if not isinstance(self.backbones, dict) or not self.backbones:
            raise UserInputError("search space backbones: expected {backbone: [depth multipliers]}")
        # Every corner of the space must be a valid config: build one of each backbone width.
        for backbone, multiplier in self.backbone_widths:
            ArchConfig(backbone=backbone, depth_multiplier=multiplier, head="basic",
                       dpc_branches=(), num_classes=self.num_classes, input_size=self.input_size)
        for stride in self.output_strides:
            ArchConfig(output_stride=stride, head="basic", dpc_branches=(),
                       num_classes=self.num_classes, input_size=self.input_size)

    @property
    def backbone_widths(self) -> list[tuple[str, float]]:
        return [(name, float(multiplier)) for name, multipliers in self.backbones.items()
                for multiplier in multipliers]

    # -- flat parameters ---------------------------------------------------------------------
    def choices(self) -> dict[str, list]:
        """Every parameter of the space with its options: the form samplers (Ray Tune, Optuna,
        keras-tuner) take. DPC parameters are ignored when the head is basic."""
        params = {
            "backbone": [f"{name}-{multiplier}" for name, multiplier in self.backbone_widths],
            "output_stride": list(self.output_strides),
            "head": list(self.heads),
            "decoder": list(self.decoders),
        }
        if "dpc" in self.heads:
            for index in range(self.dpc_num_branches):
                params[f"dpc{index}_op"] = list(self.dpc_ops)
                params[f"dpc{index}_rate_h"] = list(self.dpc_rates)
                params[f"dpc{index}_rate_w"] = list(self.dpc_rates)
                params[f"dpc{index}_grid"] = list(self.dpc_grids)
                params[f"dpc{index}_input"] = list(range(-1, index))
        return params

    def config_from_params(self, params: dict) -> ArchConfig:
        """The `ArchConfig` a set of flat parameters (one option per parameter) describes."""
        backbone, _, multiplier = str(params["backbone"]).rpartition("-")
        branches = []
        if params["head"] == "dpc":
            for index in range(self.dpc_num_branches):
                op, source = params[f"dpc{index}_op"], int(params[f"dpc{index}_input"])
                if op == "pyramid_pooling":
                    grid = int(params[f"dpc{index}_grid"])
                    branches.append({"op": "pyramid_pooling", "grid_size": [grid, grid], "input": source})
                else:
                    rate = [int(params[f"dpc{index}_rate_h"]), int(params[f"dpc{index}_rate_w"])]
                    branches.append({"op": "conv", "kernel": 3 if op == "sep3x3" else 1,
                                     "rate": rate if op == "sep3x3" else [1, 1], "input": source})
        return ArchConfig(backbone=backbone, depth_multiplier=float(multiplier),
                          output_stride=int(params["output_stride"]), head=params["head"],
                          dpc_branches=branches, decoder=params["decoder"],
                          num_classes=self.num_classes, input_size=self.input_size)

    def params_from_config(self, config: ArchConfig) -> dict:
        """The flat parameters of a config in this space (e.g. to evaluate a preset first)."""
        if config not in self:
            raise UserInputError(f"config {config.id} is not in the search space")
        params = {"backbone": f"{config.backbone}-{config.depth_multiplier}",
                  "output_stride": config.output_stride, "head": config.head,
                  "decoder": config.decoder}
        if "dpc" not in self.heads:
            return params
        branches = config.dpc_branches if config.head == "dpc" else PAPER_DPC_BRANCHES
        for index, branch in enumerate(branches[:self.dpc_num_branches]):
            op = ("pyramid_pooling" if branch["op"] == "pyramid_pooling"
                  else "sep3x3" if branch["kernel"] == 3 else "conv1x1")
            rate = branch.get("rate", [self.dpc_rates[0]] * 2)
            grid = branch.get("grid_size", [self.dpc_grids[0]])[0]
            params.update({
                f"dpc{index}_op": op if op in self.dpc_ops else self.dpc_ops[0],
                f"dpc{index}_rate_h": rate[0] if rate[0] in self.dpc_rates else self.dpc_rates[0],
                f"dpc{index}_rate_w": rate[1] if rate[1] in self.dpc_rates else self.dpc_rates[0],
                f"dpc{index}_grid": grid if grid in self.dpc_grids else self.dpc_grids[0],
                f"dpc{index}_input": branch["input"],
            })
        return params

    # -- sampling, size, membership ----------------------------------------------------------
    def sample(self, rng: random.Random | int | None = None) -> ArchConfig:
        """A uniformly random config (per parameter) of this space."""
        rng = rng if isinstance(rng, random.Random) else random.Random(rng)
        return self.config_from_params(
            {name: rng.choice(options) for name, options in self.choices().items()})

    @property
    def dpc_cell_count(self) -> int:
        ops_per_branch = ((len(self.dpc_rates) ** 2 if "sep3x3" in self.dpc_ops else 0)
                          + ("conv1x1" in self.dpc_ops) + (len(self.dpc_grids) if
                                                           "pyramid_pooling" in self.dpc_ops else 0))
        return math.prod(ops_per_branch * (index + 1) for index in range(self.dpc_num_branches))

    @property
    def size(self) -> int:
        """Number of distinct architectures in the space."""
        heads = ("basic" in self.heads) + ("dpc" in self.heads) * self.dpc_cell_count
        return len(self.backbone_widths) * len(self.output_strides) * len(self.decoders) * heads

    def __contains__(self, config: ArchConfig) -> bool:
        if (config.backbone, config.depth_multiplier) not in self.backbone_widths:
            return False
        if (config.output_stride not in self.output_strides or config.head not in self.heads
                or config.decoder not in self.decoders):
            return False
        if config.head == "basic":
            return True
        if len(config.dpc_branches) != self.dpc_num_branches:
            return False
        return all(_branch_in(branch, self) for branch in config.dpc_branches)

    # -- files -------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        return {key: list(value) if isinstance(value, tuple) else value for key, value in data.items()}

    @classmethod
    def from_file(cls, path: str | Path) -> "SearchSpace":
        """Reads a space JSON file: any subset of the fields, the rest default."""
        data = read_json(path, "space file")
        names = {field.name for field in dataclasses.fields(cls)}
        if not isinstance(data, dict) or set(data) - names:
            unknown = sorted(set(data) - names) if isinstance(data, dict) else ["(not an object)"]
            raise UserInputError(f"space file {path}: unknown field {unknown[0]}; "
                                 f"allowed: {', '.join(sorted(names))}")
        try:
            return cls(**data)
        except UserInputError as error:
            raise UserInputError(f"space file {path}: {error}") from None


def _branch_in(branch: dict, space: SearchSpace) -> bool:
    if branch["op"] == "pyramid_pooling":
        grid_h, grid_w = branch["grid_size"]
        return "pyramid_pooling" in space.dpc_ops and grid_h == grid_w and grid_h in space.dpc_grids
    if branch["kernel"] == 1:
        return "conv1x1" in space.dpc_ops
    return "sep3x3" in space.dpc_ops and all(rate in space.dpc_rates for rate in branch["rate"])
