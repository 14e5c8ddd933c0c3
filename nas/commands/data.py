"""`nas data inspect SPEC`: what a dataset split holds (images, pixels per class, problems)."""

from __future__ import annotations

from nas.arguments import print_json


def register(subparsers):
    parser = subparsers.add_parser("data", help="look at a dataset")
    commands = parser.add_subparsers(dest="data_command", required=True)
    inspect = commands.add_parser("inspect", help="images, classes and pixel counts of a split")
    inspect.add_argument("spec", metavar="SPEC",
                         help="synthetic, cityscapes:PATH, coco:PATH or folder:PATH")
    inspect.add_argument("--split", default="train", help="split to read (default: train)")
    inspect.add_argument("--limit", type=int, metavar="N", help="read only the first N images")
    inspect.add_argument("--json", action="store_true", help="one JSON object on stdout")
    inspect.set_defaults(run=run_inspect)


def run_inspect(args):
    from trainers import inspect_dataset

    report = inspect_dataset(args.spec, args.split, limit=args.limit)
    if args.json:
        print_json(report)
        return
    total = sum(report["class_pixels"].values()) + report["ignored_pixels"] + report["outside_pixels"]
    print(f"{report['data']} ({report['split']}): {report['images']} images, "
          f"{report['num_classes']} classes, sizes {', '.join(report['image_sizes'][:5])}")
    for class_id, name in enumerate(report["class_names"]):
        pixels = report["class_pixels"][str(class_id)]
        print(f"  {class_id:3d} {name:20s} {pixels:14,d}  {100 * pixels / max(total, 1):6.2f}%")
    print(f"  ignore (255)             {report['ignored_pixels']:14,d}  "
          f"{100 * report['ignored_pixels'] / max(total, 1):6.2f}%")
    for problem in report["problems"]:
        print(f"problem: {problem}")
    if not report["problems"]:
        print("no problems found")
