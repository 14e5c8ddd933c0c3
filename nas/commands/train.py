"""`nas train`: train a config with the paper's recipe; `nas eval`: mIOU of a trained run."""

from __future__ import annotations

import logging

from nas.arguments import add_config_arguments, config_from_arguments, print_json

log = logging.getLogger(__name__)


def register(subparsers):
    parser = subparsers.add_parser("train", help="train a config on a dataset (paper recipe)")
    add_config_arguments(parser)
    parser.add_argument("--data", default="synthetic", metavar="SPEC",
                        help="synthetic (default), cityscapes:PATH, coco:PATH or folder:PATH")
    parser.add_argument("--out", required=True, metavar="DIR", help="run folder to write")
    parser.add_argument("--steps", type=int, default=1000, metavar="N", help="training steps (1000)")
    parser.add_argument("--batch-size", type=int, default=16, metavar="N", help="batch size (16)")
    parser.add_argument("--lr", type=float, metavar="X",
                        help="initial learning rate (default: the paper's 1e-3 with --init, "
                             "4e-3 from scratch)")
    parser.add_argument("--weight-decay", type=float, default=4e-5, metavar="X", help="L2 weight decay (4e-5)")
    parser.add_argument("--slow-start-steps", type=int, default=0, metavar="N",
                        help="steps at --slow-start-lr before the poly schedule (0)")
    parser.add_argument("--slow-start-lr", type=float, default=1e-4, metavar="X", help="(1e-4)")
    parser.add_argument("--min-scale", type=float, default=0.5, metavar="X", help="random scale low end (0.5)")
    parser.add_argument("--max-scale", type=float, default=2.0, metavar="X", help="random scale high end (2.0)")
    parser.add_argument("--scale-step", type=float, default=0.25, metavar="X", help="random scale step (0.25)")
    parser.add_argument("--no-flip", action="store_true", help="no random left-right flip")
    parser.add_argument("--eval-every", type=int, metavar="N", help="evaluate every N steps (default: at the end)")
    parser.add_argument("--eval-images", type=int, metavar="N", help="evaluate on the first N val images")
    parser.add_argument("--checkpoint-every", type=int, default=500, metavar="N", help="(500)")
    parser.add_argument("--init", metavar="CKPT", help="initial weights: a run folder or a .weights.h5 file")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    parser.add_argument("--threads", type=int, metavar="N", help="TensorFlow threads (default: all cores)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument("--json", action="store_true", help="final metrics as one JSON object on stdout")
    parser.set_defaults(run=run_train)

    parser = subparsers.add_parser("eval", help="mIOU of a trained run on a dataset split")
    parser.add_argument("--run", dest="run_dir", required=True, metavar="DIR",
                        help="a run folder from nas train")
    parser.add_argument("--data", metavar="SPEC", help="dataset (default: the one the run trained on)")
    parser.add_argument("--split", default="val", help="split (default: val)")
    parser.add_argument("--input-size", metavar="HxW",
                        help="evaluate at this size (default: the size the run trained at)")
    parser.add_argument("--limit", type=int, metavar="N", help="evaluate the first N images only")
    parser.add_argument("--threads", type=int, metavar="N", help="TensorFlow threads")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.set_defaults(run=run_eval)


def run_train(args):
    from trainers import FROM_SCRATCH_LEARNING_RATE, PAPER_LEARNING_RATE, Augmentation, train

    config = config_from_arguments(args)
    augmentation = Augmentation(args.min_scale, args.max_scale, args.scale_step, not args.no_flip)
    learning_rate = args.lr or (PAPER_LEARNING_RATE if args.init else FROM_SCRATCH_LEARNING_RATE)
    result = train(config, args.data, args.steps, batch_size=args.batch_size, learning_rate=learning_rate,
                   out_dir=args.out, eval_every=args.eval_every, eval_images=args.eval_images,
                   init_weights=args.init, resume=args.resume, weight_decay=args.weight_decay,
                   slow_start_steps=args.slow_start_steps, slow_start_lr=args.slow_start_lr,
                   augmentation=augmentation, threads=args.threads, seed=args.seed,
                   checkpoint_every=args.checkpoint_every)
    metrics = result.metrics
    if args.json:
        print_json(metrics)
        return
    print(f"trained {result.config.id} for {metrics['steps']} steps in {metrics['train_seconds']:.0f} s "
          f"({metrics['images_per_second']:.1f} images/s); val mIOU {metrics['miou']:.4f}; "
          f"run folder {result.run_dir}")


def run_eval(args):
    from space import parse_input_size
    from trainers import configure_threads, evaluate, load_run

    configure_threads(args.threads)
    size = parse_input_size(args.input_size) if args.input_size else None
    run = load_run(args.run_dir, input_size=size)
    data = args.data or run.data_spec
    metrics = evaluate(run.model, data, args.split, limit=args.limit)
    if args.json:
        print_json({"run": str(run.path), "data": data, "split": args.split, **metrics})
        return
    print(f"{data} ({args.split}, {metrics['images']} images): mIOU {metrics['miou']:.4f}, "
          f"pixel accuracy {metrics['pixel_accuracy']:.4f}")
    for name, iou in zip(metrics["class_names"], metrics["per_class"]):
        print(f"  {name:20s} {'-' if iou is None else f'{iou:.4f}'}")
    if "category_iou" in metrics:
        print(f"category mIOU {metrics['category_miou']:.4f}")
        for name, iou in metrics["category_iou"].items():
            print(f"  {name:20s} {'-' if iou is None else f'{iou:.4f}'}")
