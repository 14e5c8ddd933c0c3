"""`nas reproduce`: a preset trained with a multi-stage recipe (the paper's: COCO -> Cityscapes
coarse -> Cityscapes fine), evaluated as the paper did, compared with its numbers and exported."""

from __future__ import annotations

from pathlib import Path

from mobile_seg_nas import UserInputError
from nas.arguments import (
    add_config_arguments,
    add_json_argument,
    config_from_arguments,
    print_result,
)
from nas.reproduce import make_plan, read_plan, report_text
from space import parse_input_size
from trainers.recipes import DEMO, ROLES, load_recipe


def register(subparsers):
    parser = subparsers.add_parser(
        "reproduce",
        help="train a preset with a multi-stage recipe (the paper's), evaluate, export",
        description="Runs a recipe's stages in order, each from the weights of the one before, "
        "as one resumable run folder; reports val mIOU per stage beside the paper's numbers "
        "and exports the last stage (float32 TFLite with metadata).",
    )
    add_config_arguments(parser, required=False)
    _add_stage_arguments(parser)
    _add_setting_arguments(parser)
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="run folder (default: runs/reproduce-PRESET-RECIPE)"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the reproduction in --out (after a crash or kill); finished stages are kept",
    )
    add_json_argument(parser, "the report as one JSON object on stdout")
    parser.set_defaults(run=run)


def _add_stage_arguments(parser) -> None:
    """The recipe and its stages: --recipe, a data folder per role, --init, --steps-scale,
    --skip and --demo."""
    parser.add_argument(
        "--recipe",
        default="paper",
        metavar="NAME|FILE",
        help="a recipe (nas recipe list) or a recipe JSON file (default: paper)",
    )
    for role, dataset in ROLES.items():
        parser.add_argument(
            f"--{role}",
            metavar="PATH",
            help=f"{dataset} folder (official layout) for the stages whose data is {role}",
        )
    parser.add_argument(
        "--init",
        metavar="CKPT",
        help="the first stage's initial weights (e.g. "
        "ImageNet): a .weights.h5 file or a run folder; default: from scratch",
    )
    parser.add_argument(
        "--steps-scale",
        type=float,
        metavar="X",
        help="multiply every stage's steps and slow start by X, e.g. 0.01 for a quick look",
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="STAGE",
        help="leave a stage out (repeatable); the next starts from the one before",
    )
    crop = "x".join(map(str, DEMO["settings"]["crop_size"]))
    parser.add_argument(
        "--demo",
        action="store_true",
        help="every stage on synthetic scenes, "
        f"steps x{DEMO['steps_scale']}, crop {crop}, batch "
        f"{DEMO['settings']['batch_size']}: the whole flow in minutes",
    )


def _add_setting_arguments(parser) -> None:
    """Settings that override every stage's: --batch-size, --crop-size, --eval-images and
    --threads."""
    parser.add_argument("--batch-size", type=int, metavar="N", help="every stage's batch size")
    parser.add_argument("--crop-size", metavar="HxW", help="every stage's training crop")
    parser.add_argument(
        "--eval-images", type=int, metavar="N", help="evaluate on the first N val images only"
    )
    parser.add_argument("--threads", type=int, metavar="N", help="TensorFlow threads")


def run(args):
    from nas.reproduce.runner import reproduce

    plan, out = plan_from_arguments(args)
    print_result(args, reproduce(plan, out, resume=args.resume), report_text)


def plan_from_arguments(args):
    """(plan, run folder): from the flags, or with `--resume` and no network, the stored plan."""
    if not (args.preset or args.config):
        if not (args.resume and args.out):
            raise UserInputError(
                "choose the network with --preset NAME or --config FILE "
                "(or continue a reproduction with --resume --out DIR)"
            )
        return read_plan(args.out), args.out
    settings = {
        "batch_size": args.batch_size,
        "eval_images": args.eval_images,
        "threads": args.threads,
        "crop_size": list(parse_input_size(args.crop_size)) if args.crop_size else None,
    }
    recipe = load_recipe(args.recipe)
    plan = make_plan(
        config_from_arguments(args),
        recipe,
        {role: getattr(args, role) for role in ROLES},
        steps_scale=args.steps_scale,
        skip=args.skip,
        init_weights=args.init,
        demo=args.demo,
        settings=settings,
    )
    name = args.preset or Path(args.config).stem
    return plan, args.out or Path("runs") / f"reproduce-{name}-{recipe.name}"
