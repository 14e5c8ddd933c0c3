"""Arguments shared by the sub-commands: choosing a config, printing results."""

from __future__ import annotations

import dataclasses
import json
import sys
import typing
from typing import Callable

from mobile_seg_nas import UserInputError
from space import ArchConfig, get_preset, load_dpc_json, parse_input_size


def add_config_arguments(parser, required: bool = True):
    """`(--preset NAME | --config FILE) [--set field=value ...] [--input-size HxW]
    [--num-classes N] [--dpc-json FILE]`."""
    source = parser.add_mutually_exclusive_group(required=required)
    source.add_argument("--preset", metavar="NAME", help="a named config (nas preset list)")
    source.add_argument("--config", metavar="FILE", help="a config JSON file")
    parser.add_argument(
        "--set",
        metavar="FIELD=VALUE",
        action="append",
        default=[],
        help="change a config field, e.g. --set output_stride=8 (repeatable)",
    )
    parser.add_argument("--input-size", metavar="HxW", help="input size, e.g. 224x224")
    parser.add_argument("--num-classes", type=int, metavar="N", help="number of classes")
    parser.add_argument(
        "--dpc-json",
        metavar="FILE",
        help="a DeepLab dense prediction cell JSON file for the DPC head",
    )


def config_from_arguments(args):
    """The `ArchConfig` the config arguments describe (validated)."""
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


def check_one_source(args) -> None:
    """Exactly one of --preset NAME, --config FILE and --run DIR (`run_dir`)."""
    chosen = [value for value in (args.preset, args.config, args.run_dir) if value]
    if len(chosen) != 1:
        raise UserInputError("choose exactly one of --preset NAME, --config FILE, --run DIR")


def trained_config_editor(args, default_size: tuple | None = None) -> Callable:
    """`edit(config) -> config` for a trained network (a run or a search trial): at
    --input-size (else `default_size`, else as it is), changed by --set. --num-classes and
    --dpc-json, which would change what was trained, are refused."""
    if args.num_classes is not None or args.dpc_json:
        raise UserInputError(
            "--num-classes and --dpc-json change the trained network; "
            "with --run only --input-size and --set apply"
        )
    size = parse_input_size(args.input_size) if args.input_size else default_size

    def edit(config: ArchConfig) -> ArchConfig:
        return (config.replace(input_size=size) if size else config).with_settings(args.set)

    return edit


def add_json_argument(parser, help: str = "one JSON object on stdout") -> None:
    parser.add_argument("--json", action="store_true", help=help)


def add_count_argument(parser, flag: str, default: int, what: str) -> None:
    """An integer flag (`N`) whose help is `what` and its default."""
    parser.add_argument(
        flag, type=int, default=default, metavar="N", help=f"{what} (default: {default})"
    )


def print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")


def print_result(args, result: dict, text: Callable[[dict], str]) -> None:
    """`result` as one JSON object with `--json`, otherwise as `text(result)` for people."""
    if args.json:
        print_json(result)
    else:
        print(text(result))


def add_catalogue(
    subparsers,
    command: str,
    entries: dict,
    load,
    text,
    help: str,
    show_help: str,
    json_help: str,
    name: str = "NAME",
) -> None:
    """`nas COMMAND list`: the names and descriptions of `entries` (`{name: {"description":
    ...}}`); `nas COMMAND show NAME [--json]`: `load(NAME)`'s `to_dict()` with --json, else
    `text(NAME, loaded)`. Both start without TensorFlow."""
    parser = subparsers.add_parser(command, help=help)
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help=f"names and descriptions of the {command}s")
    listing.set_defaults(run=lambda args: _print_entries(entries), needs_tensorflow=False)
    showing = actions.add_parser("show", help=show_help)
    showing.add_argument(
        "name",
        metavar=name,
        help=f"the {command} to show "
        f"(nas {command} list)" + (" or a JSON file" if "FILE" in name else ""),
    )
    add_json_argument(showing, json_help)

    def show(args):
        loaded = load(args.name)
        if args.json:
            print_json(loaded.to_dict())
        else:
            print(text(args.name, loaded))

    showing.set_defaults(run=show, needs_tensorflow=False)


def _print_entries(entries: dict) -> None:
    width = max(len(name) for name in entries)
    for name, entry in entries.items():
        print(f"{name:<{width}}  {entry['description']}")


def add_setting_arguments(parser, settings_class) -> None:
    """One flag per field of a settings dataclass (`mobile_seg_nas.settings.setting`): its help, its
    default and its type come from the field; fields with `flag=None` are left out."""
    hints = typing.get_type_hints(settings_class)
    for field in dataclasses.fields(settings_class):
        flag = field.metadata.get("flag", "")
        if flag is None:
            continue
        flag, help_text = flag or "--" + field.name.replace("_", "-"), field.metadata["help"]
        if field.default is True:
            parser.add_argument(flag, dest=field.name, action="store_false", help=help_text)
            continue
        kinds = [kind for kind in typing.get_args(hints[field.name]) if kind is not type(None)]
        if typing.get_origin(hints[field.name]) is tuple:  # tuple[float, ...]: repeatable
            options = {"action": "append", "type": kinds[0], "default": []}
        else:
            kind = kinds[0] if kinds else hints[field.name]
            options = {"type": kind if kind in (int, float) else str, "default": field.default}
            help_text += f" (default {_shown(field.default)})" if field.default is not None else ""
        parser.add_argument(
            flag,
            dest=field.name,
            help=help_text,
            **options,
            metavar=field.metadata.get("metavar") or _METAVARS.get(kind),
        )


def settings_from_arguments(settings_class, args):
    """The settings dataclass the `add_setting_arguments` flags describe."""
    names = [field.name for field in dataclasses.fields(settings_class)]
    return settings_class(**{name: getattr(args, name) for name in names if hasattr(args, name)})


def positive(value: int, flag: str) -> int:
    """`value` when it is at least 1; otherwise one line naming the flag."""
    if value < 1:
        raise UserInputError(f"{flag} {value}: must be at least 1")
    return value


def _shown(value) -> str:
    """A default as a user would type it (an input size as HxW)."""
    return "x".join(str(item) for item in value) if isinstance(value, tuple) else str(value)


_METAVARS = {int: "N", float: "X"}
