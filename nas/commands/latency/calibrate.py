"""`nas latency calibrate`: per-backbone factors from the sum of blocks to measured end-to-end
latency, kept in the table."""

from __future__ import annotations

from latency_models.calibration import calibrate_table
from latency_models.table import save_calibration
from nas.arguments import print_result
from nas.commands.latency.arguments import add_sampling_arguments, sampling, table


def register(commands):
    parser = commands.add_parser("calibrate", help="per-backbone factors from the sum of "
                                 "blocks to measured end-to-end latency, kept in the table")
    add_sampling_arguments(parser, samples=10, seed=1000, per=" per backbone")
    parser.set_defaults(run=run)


def run(args):
    latencies = table(args)
    calibration = calibrate_table(latencies, **sampling(args))
    path = save_calibration(latencies)
    print_result(args, {"device": latencies.device, "path": str(path), **calibration}, _text)


def _text(result: dict) -> str:
    factors = ", ".join(f"{backbone} x{factor:.4f} ({result['configs'][backbone]} configs)"
                        for backbone, factor in result["factors"].items())
    return f"{result['device']}: end-to-end / sum of blocks: {factors}; written to {result['path']}"
