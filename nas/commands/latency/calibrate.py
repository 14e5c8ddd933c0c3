"""`nas latency calibrate`: per-backbone factors from the sum of blocks to measured end-to-end
latency, kept in the table, or for `host` on a machine that matches no shipped table, this
machine's factors against that table, kept per machine fingerprint, and its own table's, fitted
on the same networks with their blocks timed here."""

from __future__ import annotations

from mobile_seg_nas import UserInputError
from latency_models.calibration import (
    calibrate_table,
    fit_machine_calibration,
    machine_calibrations_path,
)
from latency_models.devices import HOST
from latency_models.machine import describe_machine, measurable_here, measure_this_machine
from latency_models.table import load_named_table, save_calibration
from nas.arguments import print_result
from nas.commands.latency.arguments import add_sampling_arguments, sampling, table


def register(commands):
    parser = commands.add_parser(
        "calibrate",
        help="per-backbone factors from the sum of "
        "blocks to measured end-to-end latency on this machine",
    )
    add_sampling_arguments(parser, samples=10, seed=1000, per=" per backbone")
    parser.set_defaults(run=run)


def run(args):
    if args.device == HOST and not args.lut:
        measure_this_machine()  # a full re-measure starts with this machine's fingerprint
    latencies = table(args)
    if latencies.local is not None:  # `host`: another machine's table
        base = load_named_table(latencies.metadata["table"])
        calibration = fit_machine_calibration(base, latencies.local, sample=sampling(args))
        calibration["own_table"] = latencies.local.metadata["calibration"]["factors"]
        path = machine_calibrations_path()
    elif measurable_here(latencies):
        calibration = calibrate_table(latencies, sampling(args))
        path = save_calibration(latencies)
    else:
        raise UserInputError(
            f"latency table {latencies.device!r} was measured on another "
            f"machine ({describe_machine(latencies.metadata)}); calibrate "
            "--device host fits this machine's factors against it"
        )
    print_result(args, {"device": latencies.device, "path": str(path), **calibration}, _text)


def _text(result: dict) -> str:
    factors = ", ".join(
        f"{backbone} x{factor:.4f} ({result['configs'][backbone]} configs)"
        for backbone, factor in result["factors"].items()
    )
    own = result.get("own_table")
    mine = (
        (
            "; this machine's own blocks: "
            + ", ".join(f"{backbone} x{factor:.4f}" for backbone, factor in own.items())
        )
        if own
        else ""
    )
    against = f" of the {result['table']} table" if result.get("table") else ""
    return (
        f"{result['device']}: end-to-end / sum of blocks{against}: {factors}{mine}; "
        f"written to {result['path']}"
    )
