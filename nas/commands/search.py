"""`nas search`: hardware-aware architecture search (mIOU up, predicted latency down)."""

from __future__ import annotations

import sys
from pathlib import Path

from mobile_seg_nas import UserInputError
from nas.arguments import add_setting_arguments, settings_from_arguments
from nas.search.options import SearchOptions


def register(subparsers):
    parser = subparsers.add_parser(
        "search",
        help="search architectures on Ray Tune; writes a run folder",
        description="Searches the space for the mIOU / latency Pareto front. The paper-dpc preset "
        "is always evaluated first. `nas search` alone runs 10 minutes on synthetic "
        "data with the host latency table and local Ray.",
    )
    add_setting_arguments(parser, SearchOptions)
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="run folder (default: a new folder under runs/)"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the search in --out "
        "(after a crash, a kill or a stop); its stored settings are used, "
        "with this --address",
    )
    parser.set_defaults(run=run)


def run(args) -> int:
    from nas.search.driver import default_run_dir, run_search
    from nas.search.stopping import SearchStopped

    if args.resume and args.out is None:
        raise UserInputError("--resume needs --out DIR, the run folder of the search to continue")
    options = settings_from_arguments(SearchOptions, args)
    run_dir = args.out or default_run_dir()
    try:
        summary = run_search(options, run_dir, resume=args.resume)
    except SearchStopped as stopped:
        print(f"nas search: stopped: {stopped}", file=sys.stderr)
        return stopped.exit_code
    counts = summary["by_status"]
    skipped = f", {counts['over_limit']} over the latency limit" if counts["over_limit"] else ""
    print(
        f"{run_dir}: {summary['trials']} trials, {counts['completed']} completed{skipped}, "
        f"front of {len(summary['front'])}; see {Path(run_dir) / 'pareto.html'}"
    )
    return 0
