"""`nas latency measure`: end-to-end latency of a config's exported network on this machine."""

from __future__ import annotations

import logging

from latency_models.machine import cpu_description
from latency_models.measure import Timing, measure_config
from nas.arguments import (
    add_config_arguments,
    add_json_argument,
    config_from_arguments,
    print_result,
)
from nas.commands.latency.arguments import add_timing_arguments, check_timing

log = logging.getLogger(__name__)


def register(commands):
    parser = commands.add_parser(
        "measure",
        help="end-to-end latency of a config's exported network on this machine (LiteRT, XNNPACK)",
    )
    add_config_arguments(parser)
    add_timing_arguments(parser, 1, 10, 100, runs_help="timed runs (median reported)")
    add_json_argument(parser)
    parser.set_defaults(run=run)


def run(args):
    check_timing(args)
    config = config_from_arguments(args)
    height, width = config.input_size
    log.info("building, converting and timing %s at %dx%d", config.id, height, width)
    stats = measure_config(
        config, args.threads, Timing(args.warmup_runs, args.runs, max_seconds=None)
    )
    result = {
        key: round(value, 4) if isinstance(value, float) else value for key, value in stats.items()
    }
    result.update(
        device="host",
        cpu=cpu_description(),
        threads=args.threads,
        delegate="XNNPACK",
        config_id=config.id,
        input_size=[height, width],
    )
    print_result(
        args,
        result,
        lambda result: (
            f"{result['latency_ms']:.3f} ms median, p90 {result['p90_ms']:.3f} ms "
            f"({result['runs']} runs, {result['clock']} clock, wall median "
            f"{result['wall_ms']:.3f} ms, {args.threads} thread(s), XNNPACK) for {config.id} "
            f"at {height}x{width} on {result['cpu']}"
        ),
    )
