"""Arguments shared by the `nas latency` sub-commands: which blocks (profile, probes), which
table (predict, calibrate, validate) and which sampled networks (calibrate, validate)."""

from __future__ import annotations

import logging

from mobile_seg_nas import UserInputError
from latency_models.profiler import select_blocks
from latency_models.devices import load_table
from latency_models.measure import Timing
from latency_models.speed import drift_notice, speed_report
from latency_models.table import read_table_file
from latency_models.validate import NetworkSample
from nas.arguments import add_count_argument, add_json_argument, positive
from space import ArchConfig, SearchSpace, get_preset, list_presets, parse_input_size

log = logging.getLogger(__name__)


def add_selection_arguments(parser):
    parser.add_argument(
        "--space",
        metavar="default|FILE",
        help="every block of a search space (default: default, unless --preset "
        "or --config is given)",
    )
    parser.add_argument(
        "--preset",
        action="append",
        default=[],
        metavar="NAME",
        help="the blocks of a preset (repeatable; 'all' for every preset)",
    )
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="FILE",
        help="the blocks of a config file (repeatable)",
    )
    add_count_argument(
        parser, "--samples", 0, "with --space: only N random configs of it per input size"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for --samples")
    _add_input_sizes(parser, ["224x224"], "input sizes (default: 224x224)")


def _add_input_sizes(parser, default: list[str] | None, help_text: str) -> None:
    parser.add_argument("--input-size", nargs="+", default=default, metavar="HxW", help=help_text)


def selection(args):
    """(blocks, input sizes) chosen by --space / --preset / --config / --samples / --input-size,
    the timing flags checked first."""
    check_timing(args)
    sizes = [parse_input_size(text) for text in args.input_size]
    names = list_presets() if "all" in args.preset else args.preset
    configs = [get_preset(name) for name in names] + [
        ArchConfig.from_file(path) for path in args.config
    ]
    space_name = args.space or (None if configs else "default")
    space = None
    if space_name:
        space = SearchSpace() if space_name == "default" else SearchSpace.from_file(space_name)
    if args.samples < 0:
        raise UserInputError(f"--samples {args.samples}: must be 0 (every config) or more")
    return select_blocks(sizes, space, configs, args.samples, args.seed), sizes


def add_timing_arguments(
    parser,
    threads: int,
    warmup_runs: int,
    runs: int,
    threads_help: str = "CPU threads",
    runs_help: str = "timed runs",
):
    """--threads, --warmup-runs, --runs: how a model is timed."""
    parser.add_argument(
        "--threads", type=int, default=threads, help=f"{threads_help} (default: {threads})"
    )
    add_count_argument(parser, "--warmup-runs", warmup_runs, "untimed runs before the timed ones")
    add_count_argument(parser, "--runs", runs, runs_help)


def check_timing(args) -> None:
    positive(args.threads, "--threads")
    positive(args.runs, "--runs")


def add_table_arguments(parser):
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--device", default="host", help="a table name (nas latency devices; default: host)"
    )
    source.add_argument("--lut", metavar="FILE", help="a latency table file")


def table(args):
    """The table chosen by --device / --lut; a drift of this machine's speed since the table
    was started gets one line."""
    latencies = read_table_file(args.lut) if args.lut else load_table(args.device)
    notice = drift_notice(speed_report(latencies))
    if notice:
        log.warning(notice)
    return latencies


def add_sampling_arguments(parser, samples: int, seed: int, per: str = ""):
    """Arguments of the commands that time sampled networks end to end against a table."""
    add_table_arguments(parser)
    add_count_argument(parser, "--samples", samples, f"sampled configs{per}")
    parser.add_argument("--seed", type=int, default=seed, help=f"sampling seed (default: {seed})")
    _add_input_sizes(parser, None, "input sizes to cycle through (default: the table's sizes)")
    parser.add_argument("--space", metavar="FILE", help="search space JSON (default: default)")
    add_count_argument(parser, "--runs", 50, "timed runs per network")
    add_json_argument(parser)


def sampling(args) -> NetworkSample:
    """The networks validate_table / calibrate_table time, given by the sampling flags."""
    positive(args.runs, "--runs")
    return NetworkSample(
        samples=args.samples,
        seed=args.seed,
        input_sizes=[parse_input_size(text) for text in args.input_size]
        if args.input_size
        else None,
        space=SearchSpace.from_file(args.space) if args.space else None,
        timing=Timing(runs=args.runs),
    )
