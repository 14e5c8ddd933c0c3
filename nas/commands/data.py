"""`nas data inspect SPEC`: what a dataset split holds (images, pixels per class, problems)."""

from __future__ import annotations

from nas.arguments import add_json_argument, print_result
from trainers import inspect_dataset


def register(subparsers):
    parser = subparsers.add_parser("data", help="look at a dataset")
    commands = parser.add_subparsers(dest="data_command", required=True)
    inspect = commands.add_parser("inspect", help="images, classes and pixel counts of a split")
    inspect.add_argument(
        "spec",
        metavar="SPEC",
        help="synthetic, camvid:PATH, cityscapes:PATH, coco:PATH or folder:PATH",
    )
    inspect.add_argument("--split", default="train", help="split to read (default: train)")
    inspect.add_argument("--limit", type=int, metavar="N", help="read only the first N images")
    add_json_argument(inspect)
    inspect.set_defaults(run=run_inspect, needs_tensorflow=False)


def run_inspect(args):
    print_result(args, inspect_dataset(args.spec, args.split, limit=args.limit), _text)


def _text(report: dict) -> str:
    total = max(
        1,
        sum(report["class_pixels"].values()) + report["ignored_pixels"] + report["outside_pixels"],
    )
    lines = [
        f"{report['data']} ({report['split']}): {report['images']} images, "
        f"{report['num_classes']} classes, sizes {', '.join(report['image_sizes'][:5])}"
    ]
    for class_id, name in enumerate(report["class_names"]):
        pixels = report["class_pixels"][str(class_id)]
        lines.append(f"  {class_id:3d} {name:20s} {pixels:14,d}  {100 * pixels / total:6.2f}%")
    lines.append(
        f"  ignore (255)             {report['ignored_pixels']:14,d}  "
        f"{100 * report['ignored_pixels'] / total:6.2f}%"
    )
    lines += [f"problem: {problem}" for problem in report["problems"]]
    if not report["problems"]:
        lines.append("no problems found")
    return "\n".join(lines)
