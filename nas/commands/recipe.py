"""`nas recipe list` and `nas recipe show NAME|FILE [--json]`: multi-stage training recipes."""

from __future__ import annotations

from nas.arguments import add_catalogue
from trainers.recipes import RECIPES, ROLES, load_recipe


def register(subparsers):
    add_catalogue(
        subparsers,
        "recipe",
        RECIPES,
        load_recipe,
        recipe_text,
        help="list and show multi-stage training recipes",
        show_help="one recipe's stages (a name or a recipe JSON file)",
        json_help="the recipe JSON (nas reproduce --recipe accepts it)",
        name="NAME|FILE",
    )


def recipe_text(name: str, recipe) -> str:
    lines = [f"{recipe.name}: {recipe.description}"]
    for number, stage in enumerate(recipe.stages, 1):
        train = recipe.train_config(stage)
        data = f"{train.data} (--{train.data} PATH)" if train.data in ROLES else train.data
        slow = (
            f", slow start {train.slow_start_steps} steps at {train.slow_start_lr:g}"
            if train.slow_start_steps
            else ""
        )
        crop = "x".join(map(str, train.crop_size)) if train.crop_size else "the network's size"
        lines.append(
            f"  stage {number} {stage.name}: {data}, train on {train.train_split}, "
            f"evaluate on {train.eval_split}, {train.steps} steps, lr "
            f"{train.initial_learning_rate:g}{slow}, crop {crop}, "
            f"batch {train.batch_size}"
        )
    reference = recipe.reference
    for preset, miou in reference.get("val_miou", {}).items():
        test = reference.get("test_miou", {}).get(preset)
        lines.append(f"  paper: {preset} {miou}% val mIOU" + (f", {test}% test" if test else ""))
    if reference.get("source"):
        lines.append(f"  source: {reference['source']}")
    return "\n".join(lines)
