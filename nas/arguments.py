"""Arguments shared by the sub-commands: choosing a config, printing results."""

from __future__ import annotations

import json
import sys


def add_config_arguments(parser, required: bool = True):
    """`(--preset NAME | --config FILE) [--set field=value ...] [--input-size HxW]
    [--num-classes N] [--dpc-json FILE]`."""
    source = parser.add_mutually_exclusive_group(required=required)
    source.add_argument("--preset", metavar="NAME", help="a named config (nas preset list)")
    source.add_argument("--config", metavar="FILE", help="a config JSON file")
    parser.add_argument("--set", metavar="FIELD=VALUE", action="append", default=[],
                        help="change a config field, e.g. --set output_stride=8 (repeatable)")
    parser.add_argument("--input-size", metavar="HxW", help="input size, e.g. 224x224")
    parser.add_argument("--num-classes", type=int, metavar="N", help="number of classes")
    parser.add_argument("--dpc-json", metavar="FILE",
                        help="a DeepLab dense prediction cell JSON file for the DPC head")


def config_from_arguments(args):
    """The `ArchConfig` the config arguments describe (validated)."""
    from space import ArchConfig, get_preset, load_dpc_json, parse_input_size

    config = get_preset(args.preset) if args.preset else ArchConfig.from_file(args.config)
    changes = {}
    if args.dpc_json:
        changes.update(head="dpc", dpc_branches=load_dpc_json(args.dpc_json))
    if args.input_size:
        changes["input_size"] = parse_input_size(args.input_size)
    if args.num_classes is not None:
        changes["num_classes"] = args.num_classes
    config = config.replace(**changes) if changes else config
    return config.with_settings(args.set)


def print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")
