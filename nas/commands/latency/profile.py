"""`nas latency profile`: measure block latencies on this machine into a table (resumable)."""

from __future__ import annotations

from latency_models.profiler import profile_device
from nas.arguments import add_json_argument, print_result
from nas.commands.latency.arguments import add_selection_arguments, add_timing_arguments, selection


def register(commands):
    parser = commands.add_parser(
        "profile", help="measure block latencies on this machine into a table (resumable)"
    )
    parser.add_argument("--device", default="host", help="table name (default: host)")
    add_selection_arguments(parser)
    add_timing_arguments(parser, 1, 5, 50, runs_help="timed runs per block (median kept)")
    parser.add_argument(
        "--out", metavar="FILE", help="table file to write (default: the user table of --device)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="only count the blocks needed and already measured"
    )
    add_json_argument(parser)
    parser.set_defaults(run=run)


def run(args):
    blocks, sizes = selection(args)
    summary = profile_device(
        args.device,
        blocks,
        sizes,
        args.threads,
        args.warmup_runs,
        args.runs,
        args.out,
        dry_run=args.dry_run,
    )
    print_result(
        args,
        summary,
        lambda summary: (
            f"{summary['device']}: {summary['needed']} blocks needed, {summary['measured']} "
            f"{'to measure' if args.dry_run else 'measured'}; {summary['entries']} entries in "
            f"{summary['path']}"
        ),
    )
