"""`nas latency`: device latency tables: profile, predict, measure, calibrate, validate, list,
phone probes and import; one module per sub-command."""

from __future__ import annotations

from nas.commands.latency import (
    calibrate,
    devices,
    imports,
    measure,
    predict,
    probes,
    profile,
    validate,
)

SUBCOMMANDS = (profile, predict, measure, calibrate, validate, devices, probes, imports)


def register(subparsers):
    parser = subparsers.add_parser(
        "latency",
        help="latency tables: profile, predict, measure, "
        "calibrate, validate, devices, phone probes and import",
    )
    commands = parser.add_subparsers(
        dest="latency_command", required=True, parser_class=type(parser)
    )
    for module in SUBCOMMANDS:
        module.register(commands)
