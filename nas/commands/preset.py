"""`nas preset list` and `nas preset show NAME [--json]`."""

from __future__ import annotations

from nas.arguments import add_json_argument, print_json
from space import PRESETS, get_preset


def register(subparsers):
    parser = subparsers.add_parser("preset", help="list and show named configs")
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="names and descriptions of the presets")
    listing.set_defaults(run=run_list, needs_tensorflow=False)
    show = actions.add_parser("show", help="one preset's config")
    show.add_argument("name")
    add_json_argument(show, "the config JSON (--config accepts it)")
    show.set_defaults(run=run_show, needs_tensorflow=False)


def run_list(args):
    width = max(len(name) for name in PRESETS)
    for name, preset in PRESETS.items():
        print(f"{name:<{width}}  {preset['description']}")


def run_show(args):
    config = get_preset(args.name)
    if args.json:
        print_json(config.to_dict())
        return
    print(f"{args.name}: {PRESETS[args.name]['description']}")
    print(f"id: {config.id}")
    for field, value in config.to_dict().items():
        if field != "dpc_branches":
            print(f"  {field}: {value}")
    for index, branch in enumerate(config.dpc_branches if config.head == "dpc" else ()):
        print(f"  dpc branch {index}: {dict(branch)}")
