"""What `nas reproduce` runs: a `Plan` (a network and a recipe resolved to datasets, steps and
settings), made and checked before anything is written, and stored as `reproduce.json` in the
run folder so that `--resume` continues it. No TensorFlow here."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from mobile_seg_nas import UserInputError, read_json, write_json
from space import ArchConfig
from trainers import load_dataset
from trainers.recipes import DEMO, ROLES, Recipe, demo_recipe

PLAN_FILE = "reproduce.json"


@dataclasses.dataclass(frozen=True)
class Plan:
    """A network, its recipe with every stage's data, steps and settings filled in, the stages
    left out and the first stage's initial weights (None: from scratch)."""

    config: ArchConfig
    recipe: Recipe
    skip: tuple[str, ...] = ()
    init_weights: str | None = None
    steps_scale: float = 1.0
    demo: bool = False

    def to_dict(self) -> dict:
        return {
            "config": self.config.to_dict(),
            "recipe": self.recipe.to_dict(),
            "skip": list(self.skip),
            "init_weights": self.init_weights,
            "steps_scale": self.steps_scale,
            "demo": self.demo,
        }

    @classmethod
    def from_dict(cls, data: dict, what: str) -> "Plan":
        try:
            return cls(
                config=ArchConfig.from_dict(data["config"]),
                recipe=Recipe.from_dict(data["recipe"], what),
                skip=tuple(data["skip"]),
                init_weights=data["init_weights"],
                steps_scale=data["steps_scale"],
                demo=data["demo"],
            )
        except (KeyError, TypeError) as error:
            raise UserInputError(f"{what}: not a reproduction plan ({error})") from None


def make_plan(
    config: ArchConfig,
    recipe: Recipe,
    data: dict[str, str | None],
    *,
    steps_scale: float | None = None,
    skip=(),
    init_weights: str | None = None,
    demo: bool = False,
    settings: dict | None = None,
) -> Plan:
    """The plan of `recipe` for `config`: roles filled from `data` ({"coco": PATH, ...}) or, with
    `demo`, by synthetic scenes; steps times `steps_scale`; `settings` (TrainConfig fields, e.g.
    batch_size) over every stage. Raises one line for the first thing wrong."""
    skip = tuple(dict.fromkeys(skip))
    for name in skip:
        if name not in recipe.stage_names:
            raise UserInputError(
                f"--skip {name}: recipe {recipe.name} has no such stage; "
                f"its stages: {', '.join(recipe.stage_names)}"
            )
    if len(skip) == len(recipe.stages):
        raise UserInputError("--skip leaves no stage to run")
    settings = {key: value for key, value in (settings or {}).items() if value is not None}
    if demo:
        given = [f"--{role}" for role, path in data.items() if path]
        if given:
            raise UserInputError(f"--demo trains on synthetic scenes; drop {' '.join(given)}")
        recipe, settings = demo_recipe(recipe), {**DEMO["settings"], **settings}
        steps_scale = DEMO["steps_scale"] if steps_scale is None else steps_scale
    else:
        recipe = recipe.with_data(
            {role: f"{role}:{Path(path).resolve()}" for role, path in data.items() if path}
        )
        _check_roles(recipe, skip)
    steps_scale = 1.0 if steps_scale is None else float(steps_scale)
    recipe = recipe.scaled(steps_scale).with_settings(settings)
    for stage in recipe.stages:
        recipe.train_config(stage)  # settings checked now, not when the stage starts
    if init_weights is not None:
        if not Path(init_weights).exists():
            raise UserInputError(
                f"--init {init_weights}: not found (a .weights.h5 file or a run folder)"
            )
        init_weights = str(Path(init_weights).resolve())  # resumable from any folder
    return Plan(config, recipe, skip, init_weights, steps_scale, demo)


def _check_roles(recipe: Recipe, skip: tuple[str, ...]) -> None:
    for stage, role in recipe.roles().items():
        if stage not in skip:
            raise UserInputError(
                f"stage {stage} trains on {ROLES[role]}: give --{role} PATH, "
                f"or leave the stage out with --skip {stage}"
            )


def load_stage_data(plan: Plan) -> dict:
    """{spec: dataset} for every stage to run, each split checked (files, headers, not empty),
    so that missing data stops the run before anything is written."""
    datasets = {}
    for stage in plan.recipe.stages:
        if stage.name in plan.skip:
            continue
        train = plan.recipe.train_config(stage)
        try:
            dataset = datasets.get(train.data) or load_dataset(train.data)
            for split in (train.train_split, train.eval_split):
                dataset.check(split)
                if dataset.split_size(split) == 0:
                    raise UserInputError(f"{dataset.spec}: the {split} split is empty")
        except UserInputError as error:
            raise UserInputError(f"stage {stage.name}: {error} (or --skip {stage.name})") from None
        datasets[train.data] = dataset
    return datasets


def start_folder(out: Path, plan: Plan, resume: bool) -> None:
    """Creates the run folder with `reproduce.json`, or checks that a resumed one holds the same
    plan."""
    if (out / PLAN_FILE).is_file():
        if not resume:
            raise UserInputError(
                f"{out}: already holds a reproduction; pass --resume to "
                "continue it or choose another --out folder"
            )
        stored = read_plan(out).to_dict()
        changed = [key for key, value in plan.to_dict().items() if stored[key] != value]
        if changed:
            raise UserInputError(
                f"{out}: holds a reproduction with another {changed[0]}; "
                "resume it with --resume --out alone, or choose another --out"
            )
        return
    if out.is_file() or (out.is_dir() and any(out.iterdir())):
        raise UserInputError(f"--out {out}: exists and is not a reproduction; choose a new folder")
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / PLAN_FILE, plan.to_dict())


def read_plan(out: Path) -> Plan:
    """The plan a reproduction folder was started with."""
    path = Path(out) / PLAN_FILE
    if not path.is_file():
        raise UserInputError(f"{out}: holds no reproduction ({PLAN_FILE} is missing)")
    data = read_json(path, "plan file")
    if not isinstance(data, dict):
        raise UserInputError(f"plan file {path}: expected a JSON object")
    return Plan.from_dict(data, f"plan file {path}")
