"""`nas train`: train a config, or a search trial's architecture from its weights, with the
paper's recipe; `nas eval`: mIOU of a trained run (Cityscapes: on whole images, as its benchmark
scores them)."""

from __future__ import annotations

import dataclasses

from mobile_seg_nas import UserInputError
from nas.arguments import (
    add_config_arguments,
    add_json_argument,
    add_setting_arguments,
    check_one_source,
    config_from_arguments,
    print_result,
    settings_from_arguments,
    trained_config_editor,
)
from space import ArchConfig, parse_input_size
from trainers import load_dataset
from trainers.config import TrainConfig


def register(subparsers):
    parser = subparsers.add_parser(
        "train", help="train a config or a search trial on a dataset (paper recipe)"
    )
    add_config_arguments(parser, required=False)
    parser.add_argument(
        "--run",
        dest="run_dir",
        metavar="DIR",
        help="a search run folder (nas search --out), with --trial",
    )
    parser.add_argument(
        "--trial",
        metavar="ID",
        help="train this trial's architecture with the "
        "full recipe, from its weights, on the search's dataset unless --data "
        f"(crop --input-size, default {'x'.join(map(str, ArchConfig().input_size))})",
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="run folder to write")
    add_setting_arguments(parser, TrainConfig)
    parser.set_defaults(data=None)  # synthetic, or a trial's search's dataset
    parser.add_argument(
        "--resume", action="store_true", help="continue the run in --out from its last checkpoint"
    )
    add_json_argument(parser, "final metrics as one JSON object on stdout")
    parser.set_defaults(run=run_train)

    parser = subparsers.add_parser("eval", help="mIOU of a trained run on a dataset split")
    parser.add_argument(
        "--run", dest="run_dir", required=True, metavar="DIR", help="a run folder from nas train"
    )
    parser.add_argument(
        "--data", metavar="SPEC", help="dataset (default: the one the run trained on)"
    )
    parser.add_argument("--split", default="val", help="split (default: val)")
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--input-size",
        metavar="HxW",
        help="evaluate at this size (default: "
        "where its training evaluated: frames of one stored size at that size "
        "times the run's --frame-scale, else the training crop)",
    )
    size.add_argument(
        "--full-resolution",
        action="store_true",
        help="whole images at their stored size, batch 1 (the default for a "
        "run trained at frame scale 1, as Cityscapes' benchmark and the paper "
        "evaluate)",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="evaluate the first N images only")
    parser.add_argument("--threads", type=int, metavar="N", help="TensorFlow threads")
    add_json_argument(parser)
    parser.set_defaults(run=run_eval)


def run_train(args):
    from trainers.trainer import train

    check_one_source(args)
    if args.trial is not None or args.run_dir:
        config, recipe = _from_trial(args)
    else:
        config, recipe = config_from_arguments(args), _recipe(args, TrainConfig.data)
    result = train(config, recipe, out_dir=args.out, resume=args.resume)
    print_result(
        args,
        result.metrics,
        lambda metrics: (
            f"trained {result.config.id} for {metrics['steps']} steps in "
            f"{metrics['train_seconds']:.0f} s ({metrics['images_per_second']:.1f} images/s); "
            f"val mIOU {metrics['miou']:.4f}; run folder {result.run_dir}"
        ),
    )


def _from_trial(args) -> tuple[ArchConfig, TrainConfig]:
    """The architecture of search trial --trial of --run, at the full recipe's crop, and the
    recipe that starts from the trial's weights (checked before anything is written)."""
    from nas.search.run_folder import SearchRun, required_weights

    if args.trial is None or not args.run_dir:
        raise UserInputError(
            "--run DIR and --trial ID go together: the search run folder and the trial to train"
        )
    if args.init_weights:
        raise UserInputError(
            "--init: a trial's training starts from the trial's weights; leave --init out"
        )
    edit = trained_config_editor(args, default_size=ArchConfig().input_size)
    search = SearchRun.read(args.run_dir)
    row = search.row(args.trial)
    folder = search.trial_folder(row)
    required_weights(folder, search.where(row), "only trials that finished have weights")
    config = edit(ArchConfig.from_file(folder / "config.json"))
    # the trial folder is a run folder: layers are copied by name where their shapes fit
    return config, _recipe(args, search.options.data, init_weights=str(folder.resolve()))


def _recipe(args, data: str, **changes) -> TrainConfig:
    """The recipe of the training flags, on --data (default `data`)."""
    return dataclasses.replace(
        settings_from_arguments(TrainConfig, args), data=args.data or data, **changes
    )


def run_eval(args):
    from trainers.metrics import evaluate, evaluate_at, evaluation_size
    from trainers.runs import load_run
    from trainers.training import configure_threads

    configure_threads(args.threads)
    size = parse_input_size(args.input_size) if args.input_size else None
    run = load_run(args.run_dir, input_size=size)
    dataset = load_dataset(args.data or run.data_spec)
    if args.full_resolution:
        metrics = evaluate_at(run.model, run.config, dataset, args.split, limit=args.limit)
    elif size is None:  # where the run's training evaluated
        size = evaluation_size(
            dataset, args.split, run.config.input_size, run.train_config.frame_scale
        )
        metrics = evaluate_at(run.model, run.config, dataset, args.split, size, args.limit)
    else:
        metrics = evaluate(run.model, dataset, args.split, limit=args.limit)
    print_result(
        args,
        {"run": str(run.path), "data": dataset.spec, "split": args.split, **metrics},
        _evaluation_text,
    )


def _evaluation_text(result: dict) -> str:
    height, width = result["eval_size"]
    lines = [
        f"{result['data']} ({result['split']}, {result['images']} images at "
        f"{height}x{width}): mIOU {result['miou']:.4f}, pixel accuracy "
        f"{result['pixel_accuracy']:.4f}"
    ]
    lines += _iou_lines(zip(result["class_names"], result["per_class"]))
    if "category_iou" in result:
        lines.append(f"category mIOU {result['category_miou']:.4f}")
        lines += _iou_lines(result["category_iou"].items())
    return "\n".join(lines)


def _iou_lines(named_ious) -> list[str]:
    return [f"  {name:20s} {'-' if iou is None else f'{iou:.4f}'}" for name, iou in named_ious]
