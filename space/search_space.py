"""`SearchSpace`: which `ArchConfig`s a search may visit, as flat categorical parameters."""

from __future__ import annotations

import dataclasses
import math
import random
from pathlib import Path

from mobile_seg_nas import UserInputError, read_json
from space import parameters
from space.config import (
    DECODERS,
    DEPTH_MULTIPLIERS,
    DPC_GRIDS,
    DPC_NUM_BRANCHES_MAX,
    DPC_RATES,
    HEADS,
    OUTPUT_STRIDES,
    ArchConfig,
)


@dataclasses.dataclass(frozen=True)
class SearchSpace:
    """Choices for every architecture field; input size and classes are fixed per search.

    The default is the mission's space: both backbones at every depth multiplier, output stride
    8/16, basic or DPC head (5 branches; each a 3x3 separable conv with rates from the DPC
    paper's grid, a 1x1 conv, or pyramid pooling, reading the backbone or an earlier branch),
    with or without the DeepLabV3+ decoder.
    """

    backbones: dict = dataclasses.field(
        default_factory=lambda: {name: list(values) for name, values in DEPTH_MULTIPLIERS.items()}
    )
    output_strides: tuple = OUTPUT_STRIDES
    heads: tuple = HEADS
    decoders: tuple = DECODERS
    dpc_num_branches: int = 5
    dpc_ops: tuple = parameters.BRANCH_OPS
    dpc_rates: tuple = DPC_RATES
    dpc_grids: tuple = DPC_GRIDS
    dpc_inputs: str = "any"  # "any": the backbone or an earlier branch; "backbone": only it
    num_classes: int = 19
    input_size: tuple = (224, 224)

    def __post_init__(self):
        for name in ("output_strides", "heads", "decoders", "dpc_ops", "dpc_rates", "dpc_grids"):
            value = getattr(self, name)
            if not isinstance(value, (list, tuple)) or not value:
                raise UserInputError(
                    f"search space {name}: expected a non-empty list, got {value!r}"
                )
            object.__setattr__(self, name, tuple(value))
        object.__setattr__(self, "input_size", tuple(self.input_size))
        for op in self.dpc_ops:
            if op not in parameters.BRANCH_OPS:
                raise UserInputError(
                    f"search space dpc_ops: {op!r} is not allowed; "
                    f"allowed: {', '.join(parameters.BRANCH_OPS)}"
                )
        if self.dpc_inputs not in ("any", "backbone"):
            raise UserInputError(
                f"search space dpc_inputs: {self.dpc_inputs!r} is not allowed; "
                "allowed: any, backbone"
            )
        if not 1 <= self.dpc_num_branches <= DPC_NUM_BRANCHES_MAX:
            raise UserInputError(
                f"search space dpc_num_branches: {self.dpc_num_branches}; "
                f"allowed: 1..{DPC_NUM_BRANCHES_MAX}"
            )
        if not isinstance(self.backbones, dict) or not self.backbones:
            raise UserInputError("search space backbones: expected {backbone: [depth multipliers]}")
        # Every corner of the space must be a valid config: build one of each backbone width.
        for backbone, multiplier in self.backbone_widths:
            ArchConfig(
                backbone=backbone,
                depth_multiplier=multiplier,
                head="basic",
                dpc_branches=(),
                num_classes=self.num_classes,
                input_size=self.input_size,
            )
        for stride in self.output_strides:
            ArchConfig(
                output_stride=stride,
                head="basic",
                dpc_branches=(),
                num_classes=self.num_classes,
                input_size=self.input_size,
            )

    def at_size(self, size: tuple, flag: str) -> "SearchSpace":
        """This space at input size `size` (every corner of it checked; a failure names the
        `flag` the size came from)."""
        try:
            return dataclasses.replace(self, input_size=tuple(size))
        except UserInputError as error:
            raise UserInputError(f"{flag} {size[0]}x{size[1]}: {error}") from None

    @property
    def backbone_widths(self) -> list[tuple[str, float]]:
        return [
            (name, float(multiplier))
            for name, multipliers in self.backbones.items()
            for multiplier in multipliers
        ]

    # -- parameters (see `space.parameters`) ---------------------------------------------------
    def choices(self) -> dict[str, list]:
        """Every parameter that may occur, with its options (the flat form, e.g. for
        keras-tuner); a config uses only some of them."""
        return parameters.choices(self)

    def suggest(self, ask) -> dict:
        """The parameters of one config, asked one at a time as `ask(name, options)`: DPC
        parameters only for a DPC head, rates only for separable convs, grids only for pooling
        (pass an Optuna trial's `suggest_categorical` for a define-by-run search)."""
        return parameters.suggest(self, ask)

    def config_from_params(self, params: dict) -> ArchConfig:
        """The `ArchConfig` a set of flat parameters (one option per parameter) describes."""
        return parameters.config_from_params(self, params)

    def params_from_config(self, config: ArchConfig) -> dict:
        """The flat parameters of a config in this space (e.g. to evaluate a preset first)."""
        if config not in self:
            raise UserInputError(f"config {config.id} is not in the search space")
        return parameters.params_from_config(self, config)

    # -- sampling, size, membership ----------------------------------------------------------
    def sample(self, rng: random.Random | int | None = None) -> ArchConfig:
        """A random config of this space, each parameter it uses drawn uniformly."""
        rng = rng if isinstance(rng, random.Random) else random.Random(rng)
        return self.config_from_params(self.suggest(lambda name, options: rng.choice(options)))

    @property
    def dpc_cell_count(self) -> int:
        branches = len(parameters.branch_options(self))
        return math.prod(
            branches * len(parameters.input_options(self, index))
            for index in range(self.dpc_num_branches)
        )

    @property
    def size(self) -> int:
        """Number of distinct architectures in the space."""
        heads = ("basic" in self.heads) + ("dpc" in self.heads) * self.dpc_cell_count
        return len(self.backbone_widths) * len(self.output_strides) * len(self.decoders) * heads

    def __contains__(self, config: ArchConfig) -> bool:
        if (config.backbone, config.depth_multiplier) not in self.backbone_widths:
            return False
        if (
            config.output_stride not in self.output_strides
            or config.head not in self.heads
            or config.decoder not in self.decoders
        ):
            return False
        if config.head == "basic":
            return True
        if len(config.dpc_branches) != self.dpc_num_branches:
            return False
        options = parameters.branch_options(self)
        return all(
            {key: value for key, value in branch.items() if key != "input"} in options
            and branch["input"] in parameters.input_options(self, index)
            for index, branch in enumerate(config.dpc_branches)
        )

    # -- files -------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        return {
            key: list(value) if isinstance(value, tuple) else value for key, value in data.items()
        }

    @classmethod
    def from_file(cls, path: str | Path) -> "SearchSpace":
        """Reads a space JSON file: any subset of the fields, the rest default."""
        data = read_json(path, "space file")
        names = {field.name for field in dataclasses.fields(cls)}
        if not isinstance(data, dict) or set(data) - names:
            unknown = sorted(set(data) - names) if isinstance(data, dict) else ["(not an object)"]
            raise UserInputError(
                f"space file {path}: unknown field {unknown[0]}; "
                f"allowed: {', '.join(sorted(names))}"
            )
        try:
            return cls(**data)
        except UserInputError as error:
            raise UserInputError(f"space file {path}: {error}") from None
