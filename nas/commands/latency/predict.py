"""`nas latency predict`: a config's latency from a table (no TensorFlow unless blocks are
missing and measured here)."""

from __future__ import annotations

from latency_models import latency_breakdown, predict_latency
from nas.arguments import (
    add_config_arguments,
    add_json_argument,
    config_from_arguments,
    print_result,
)
from nas.commands.latency.arguments import add_table_arguments, table


def register(commands):
    parser = commands.add_parser("predict", help="predicted latency of a config from a table")
    add_config_arguments(parser)
    add_table_arguments(parser)
    parser.add_argument(
        "--no-measure",
        action="store_true",
        help="time nothing here: fail on missing blocks (for `host` on a "
        "new machine, use the shipped table times this machine's factors)",
    )
    add_json_argument(parser)
    parser.set_defaults(run=run, needs_tensorflow=False)


def run(args):
    config = config_from_arguments(args)
    latencies = table(args)
    measure_missing = False if args.no_measure else None
    latency = predict_latency(config, latencies, measure_missing)
    result = {
        "latency_ms": round(latency, 4),
        "device": latencies.device,
        "config_id": config.id,
        "input_size": list(config.input_size),
        "threads": latencies.metadata.get("threads"),
        "delegate": latencies.metadata.get("delegate"),
        "blocks": latency_breakdown(config, latencies, measure_missing),
    }
    height, width = config.input_size
    print_result(
        args,
        result,
        lambda result: (
            f"{result['latency_ms']:.3f} ms predicted for {config.id} at {height}x{width} "
            f"on {latencies.device} ({result['threads']} thread(s), {result['delegate']})"
        ),
    )
