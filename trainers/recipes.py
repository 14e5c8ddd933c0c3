"""Training recipes as data: named multi-stage recipes (the paper's COCO -> Cityscapes coarse ->
Cityscapes fine), as `space.presets` names networks. A recipe is plain JSON that
`nas recipe show NAME --json` prints and `nas reproduce --recipe FILE` reads back:

    {"name": "paper", "description": "...",
     "train": {TrainConfig fields every stage shares},
     "stages": [{"name": "coco", "data": "coco", "steps": 60000, ...TrainConfig fields}, ...],
     "reference": {"source": "...", "val_miou": {PRESET: %}, "test_miou": {PRESET: %}}}

A stage's fields override the shared ones. Its `data` is a dataset spec (`synthetic`,
`cityscapes:PATH`) or a role (`coco`, `cityscapes`) that the user's `--coco PATH` /
`--cityscapes PATH` fills in. Each stage starts from the weights of the one before (the first
from `--init` or from scratch), so recipes never hold `init_weights`.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from pathlib import Path

from mobile_seg_nas import UserInputError, read_json
from trainers.config import TrainConfig
from trainers.datasets.synthetic import SyntheticDataset

ROLES = {"coco": "COCO 2017", "cityscapes": "Cityscapes"}  # role -> the dataset it names
STEP_FIELDS = ("steps", "slow_start_steps", "eval_every")  # what --steps-scale multiplies
KEYS = ("name", "description", "train", "stages", "reference")
_STAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

_PAPER = {
    "name": "paper",
    "description": "The paper's training: ImageNet weights (--init) or from scratch -> COCO 2017 "
    "(9 classes + background, > 1000 object pixels) -> Cityscapes coarse -> "
    "Cityscapes fine; batch 16, crop 769x769, the paper's augmentation",
    "train": {
        "batch_size": 16,
        "crop_size": [769, 769],
        "min_scale": 0.5,
        "max_scale": 2.0,
        "scale_step": 0.25,
        "flip": True,
        "weight_decay": 4e-5,
    },
    "stages": [
        {"name": "coco", "data": "coco", "steps": 60000, "learning_rate": 1e-3},
        {
            "name": "coarse",
            "data": "cityscapes",
            "train_split": "train_extra",
            "steps": 60000,
            "learning_rate": 1e-3,
        },
        {
            "name": "fine",
            "data": "cityscapes",
            "steps": 120000,
            "learning_rate": 1e-4,
            "slow_start_steps": 186,
            "slow_start_lr": 1e-5,
        },
    ],
    "reference": {
        "source": "Türkmen & Heikkilä 2019 (arXiv 1902.07476), Tables 2 and 3",
        "evaluation": "Cityscapes val, whole 1024x2048 images, one scale, no flip",
        "val_miou": {"paper-dpc": 71.3, "paper-basic": 67.7, "mobilenetv2-basic": 70.7},
        "test_miou": {"paper-dpc": 70.33},
    },
}

RECIPES: dict[str, dict] = {"paper": _PAPER}

# `nas reproduce --demo`: every stage on synthetic scenes (COCO's stage on other scenes than
# Cityscapes'), a small share of the steps, a small crop: the whole flow in minutes on a CPU.
DEMO = {
    "data": {"coco": "synthetic:1", "cityscapes": "synthetic"},
    "steps_scale": 0.002,
    "settings": {"crop_size": [128, 128], "batch_size": 8},
}


@dataclasses.dataclass(frozen=True)
class Stage:
    """One stage as written: its name and its TrainConfig fields (over the shared ones)."""

    name: str
    settings: dict


@dataclasses.dataclass(frozen=True)
class Recipe:
    """Stages trained one after the other, each from the weights of the one before."""

    name: str
    stages: tuple[Stage, ...]
    shared: dict = dataclasses.field(default_factory=dict)
    description: str = ""
    reference: dict = dataclasses.field(default_factory=dict)

    @property
    def stage_names(self) -> list[str]:
        return [stage.name for stage in self.stages]

    def train_config(self, stage: Stage) -> TrainConfig:
        """The stage's whole recipe: TrainConfig defaults <- shared fields <- its own."""
        return TrainConfig.from_dict({**self.shared, **stage.settings}, f"stage {stage.name!r}")

    def roles(self) -> dict[str, str]:
        """{stage name: role} for the stages whose data is a role still to fill in."""
        data = {stage.name: self.train_config(stage).data for stage in self.stages}
        return {name: spec for name, spec in data.items() if spec in ROLES}

    def with_settings(self, settings: dict) -> "Recipe":
        """Every stage with `settings` (TrainConfig fields) over its own."""
        return self.with_stage_changes(lambda config: settings)

    def with_data(self, specs: dict[str, str], default: str | None = None) -> "Recipe":
        """Roles replaced by `specs[role]` where given; with `default`, other datasets too."""

        def data(config):
            spec = specs.get(config.data, default if config.data not in ROLES else None)
            return {"data": spec} if spec else {}

        return self.with_stage_changes(data)

    def scaled(self, factor: float) -> "Recipe":
        """Every stage's steps, slow start and evaluation interval times `factor` (at least 1)."""
        if factor <= 0:
            raise UserInputError(f"--steps-scale {factor}: must be positive")
        return self.with_stage_changes(
            lambda config: {
                name: max(1, round(getattr(config, name) * factor))
                for name in STEP_FIELDS
                if getattr(config, name)
            }
        )

    def with_stage_changes(self, changes) -> "Recipe":
        """The recipe with `changes(a stage's TrainConfig) -> dict` over every stage's fields."""
        stages = tuple(
            Stage(stage.name, {**stage.settings, **changes(self.train_config(stage))})
            for stage in self.stages
        )
        return dataclasses.replace(self, stages=stages)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "train": dict(self.shared),
            "stages": [{"name": stage.name, **stage.settings} for stage in self.stages],
            "reference": dict(self.reference),
        }

    @classmethod
    def from_dict(cls, data, what: str = "recipe") -> "Recipe":
        """A recipe from its JSON data; anything wrong raises one line naming `what`."""
        if not isinstance(data, dict):
            raise UserInputError(f"{what}: expected a JSON object with {', '.join(KEYS)}")
        unknown = sorted(set(data) - set(KEYS))
        if unknown:
            raise UserInputError(f"{what}: unknown key {unknown[0]!r}; allowed: {', '.join(KEYS)}")
        shared, stages = data.get("train", {}), data.get("stages")
        if not isinstance(shared, dict) or not isinstance(data.get("reference", {}), dict):
            raise UserInputError(f"{what}: train and reference must be JSON objects")
        if not isinstance(stages, list) or not stages:
            raise UserInputError(
                f"{what}: stages must be a non-empty list of stages "
                '({"name": ..., "data": ..., "steps": ...})'
            )
        recipe = cls(
            name=str(data.get("name", what)),
            description=str(data.get("description", "")),
            shared=shared,
            stages=tuple(_stage(item, what) for item in stages),
            reference=data.get("reference", {}),
        )
        _check_stages(recipe, what)
        return recipe


def _stage(item, what: str) -> Stage:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise UserInputError(f'{what}: each stage must be a JSON object with a "name"')
    if not _STAGE_NAME.match(item["name"]):
        raise UserInputError(
            f"{what}: stage name {item['name']!r}: use lower-case letters, "
            "digits, '-' and '_' (it names a folder)"
        )
    return Stage(item["name"], {key: value for key, value in item.items() if key != "name"})


def _check_stages(recipe: Recipe, what: str) -> None:
    names = recipe.stage_names
    repeated = [name for name in names if names.count(name) > 1]
    if repeated:
        raise UserInputError(f"{what}: stage name {repeated[0]!r} is used twice")
    if any(
        "init_weights" in settings
        for settings in (recipe.shared, *(stage.settings for stage in recipe.stages))
    ):
        raise UserInputError(
            f"{what}: init_weights: each stage starts from the one before; "
            "give the first stage's weights with --init"
        )
    for stage in recipe.stages:
        try:
            recipe.train_config(stage)
        except UserInputError as error:
            raise UserInputError(f"{what}: {error}") from None


def demo_recipe(recipe: Recipe) -> Recipe:
    """`recipe` on the synthetic default (`DEMO`): roles become synthetic scenes, every other
    dataset `synthetic`, splits the synthetic set lacks (`train_extra`) its train split."""
    recipe = recipe.with_data(DEMO["data"], default="synthetic")
    splits = SyntheticDataset.splits
    return recipe.with_stage_changes(
        lambda config: {
            **({"train_split": "train"} if config.train_split not in splits else {}),
            **({"eval_split": "val"} if config.eval_split not in splits else {}),
        }
    )


def load_recipe(name_or_file: str) -> Recipe:
    """A named recipe, or a recipe JSON file; unknown names raise with the closest one."""
    if name_or_file in RECIPES:
        return Recipe.from_dict(RECIPES[name_or_file], f"recipe {name_or_file}")
    path = Path(name_or_file)
    if path.is_file() or path.suffix == ".json":
        data = read_json(path, "recipe")
        if isinstance(data, dict):
            data = {"name": path.stem, **data}
        return Recipe.from_dict(data, f"recipe {path}")
    close = difflib.get_close_matches(name_or_file, list(RECIPES), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise UserInputError(
        f"unknown recipe {name_or_file!r}{hint}; known: {', '.join(RECIPES)}, "
        "or a recipe JSON file (nas recipe show paper --json > my.json)"
    )
