"""Running a `Plan`: the stages in order, each initialised from the one before, as one resumable
run folder; each stage evaluated as its benchmark does; the last one exported.

    OUT/reproduce.json          the plan (`--resume` continues it)
    OUT/stages/N-NAME/          one training run folder per stage (`trainers.runs`)
    OUT/stages/N-NAME/evaluation.json   the stage's val evaluation (written once it is done)
    OUT/export/                 the last stage as float32 TFLite with metadata (`nas export`)
    OUT/report.json, report.txt val mIOU per stage, per-class and category IoU of the last,
                                the paper's numbers beside them (written even if the export fails)

A stage with `evaluation.json` is done and never repeated; one killed mid-way resumes from its
last checkpoint. Each stage's evaluation is its training's own last one: frames of one stored
size (Cityscapes' 1024x2048) whole at that size, the others resized to the training crop.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from mobile_seg_nas import UserInputError, read_json, write_json, write_text
from nas.export import ExportOptions, export, sources_from_run
from nas.reproduce.plan import PLAN_FILE, Plan, load_stage_data, start_folder
from nas.reproduce.report import build_report, report_text
from space.builders import build_model
from trainers.trainer import train, trained_config
from trainers.training import load_initial_weights

log = logging.getLogger(__name__)

EVALUATION_FILE = "evaluation.json"
EVALUATION_KEYS = (
    "miou",
    "per_class",
    "class_names",
    "category_iou",
    "category_miou",
    "pixel_accuracy",
    "images",
    "eval_size",
    "eval_seconds",
)


def reproduce(plan: Plan, out: str | Path, resume: bool = False, progress: bool = True) -> dict:
    """Runs `plan` into the folder `out` (or continues it with `resume`); returns the report.
    Every stage's data is checked before anything is written."""
    out = Path(out)
    datasets = load_stage_data(plan)
    if plan.init_weights and not (out / PLAN_FILE).is_file():
        check_initial_weights(plan, datasets)
    start_folder(out, plan, resume)
    rows, init, stages = [], plan.init_weights, plan.recipe.stages
    for number, stage in enumerate(stages, 1):
        if stage.name in plan.skip:
            rows.append({"stage": stage.name, "skipped": True})
            continue
        recipe = dataclasses.replace(plan.recipe.train_config(stage), init_weights=init)
        run_dir = out / "stages" / f"{number}-{stage.name}"
        label = f"stage {number}/{len(stages)} {stage.name}"
        rows.append(
            {
                "stage": stage.name,
                **run_stage(plan.config, recipe, datasets[recipe.data], run_dir, label, progress),
            }
        )
        init = str(run_dir)
    log.info("exporting the last stage to %s", out / "export")
    try:
        exported = export(
            sources_from_run(init, lambda config: config), out / "export", ExportOptions()
        )
    except UserInputError as error:  # e.g. a file that does not compute what Keras computes
        write_report(build_report(plan, rows, {"error": str(error)}, out), out)
        raise
    return write_report(build_report(plan, rows, exported, out), out)


def write_report(report: dict, out: Path) -> dict:
    write_json(out / "report.json", report)
    write_text(out / "report.txt", report_text(report) + "\n")
    return report


def check_initial_weights(plan: Plan, datasets: dict) -> None:
    """Loads `--init` into the first stage's network, so that weights that do not fit stop the
    run before its folder is made."""
    first = next(stage for stage in plan.recipe.stages if stage.name not in plan.skip)
    recipe = plan.recipe.train_config(first)
    model = build_model(trained_config(plan.config, recipe, datasets[recipe.data]))
    try:
        load_initial_weights(model, plan.init_weights)
    except UserInputError as error:
        raise UserInputError(f"--init {error}") from None


def run_stage(config, recipe, dataset, run_dir: Path, label: str, progress: bool) -> dict:
    """Trains one stage into `run_dir` (resuming it if it was interrupted) and evaluates it;
    a stage already evaluated is read back."""
    if (run_dir / EVALUATION_FILE).is_file():
        log.info("%s: done earlier (%s)", label, run_dir)
        return read_json(run_dir / EVALUATION_FILE, "stage evaluation")
    if not (run_dir / "metrics.json").is_file():
        log.info(
            "%s: %s %s, %d steps from %s",
            label,
            recipe.data,
            recipe.train_split,
            recipe.steps,
            recipe.init_weights or "scratch",
        )
        train(
            config,
            recipe,
            dataset=dataset,
            out_dir=run_dir,
            resume=True,
            progress=progress,
            label=label,
        )
    trained = read_json(run_dir / "metrics.json", "run file")  # its own last evaluation
    stored = dataset.stored_size(recipe.eval_split)
    evaluation = {
        **{key: trained[key] for key in EVALUATION_KEYS if key in trained},
        "full_resolution": stored is not None and list(stored) == trained["eval_size"],
        "run": str(run_dir),
        "data": dataset.spec,
        "train_split": recipe.train_split,
        "eval_split": recipe.eval_split,
        "steps": trained["steps"],
        "train_seconds": trained["train_seconds"],
    }
    log.info(
        "%s: %s mIOU %.4f at %dx%d",
        label,
        recipe.eval_split,
        evaluation["miou"],
        *evaluation["eval_size"],
    )
    write_json(run_dir / EVALUATION_FILE, evaluation)
    return evaluation
