"""`nas search`: hardware-aware architecture search (mIOU up, predicted latency down)."""

from __future__ import annotations

import argparse
from pathlib import Path

from nas.search.options import ALGORITHMS, SearchOptions

DEFAULTS = SearchOptions()


def register(subparsers):
    parser = subparsers.add_parser(
        "search", help="search architectures on Ray Tune; writes a run folder",
        description="Searches the space for the mIOU / latency Pareto front. The paper-dpc preset "
                    "is always evaluated first. `nas search` alone runs 10 minutes on synthetic "
                    "data with the host latency table and local Ray.")
    add = parser.add_argument
    add("--budget", default=DEFAULTS.budget, metavar="TIME|N",
        help=f"wall-clock time (90s, 30m, 2h) or number of trials (40); default {DEFAULTS.budget}")
    add("--space", default=DEFAULTS.space, metavar="default|FILE", help="search space JSON file")
    add("--data", default=DEFAULTS.data, metavar="SPEC", help="dataset (default synthetic)")
    add("--device", default=DEFAULTS.device, metavar="NAME",
        help="latency table: host, a device name or a table file (default host)")
    add("--input-size", default=DEFAULTS.input_size, metavar="HxW",
        help=f"proxy training size (default {DEFAULTS.input_size})")
    add("--latency-input-size", default=DEFAULTS.latency_input_size, metavar="HxW",
        help=f"deployment size for latency and GFLOPs (default {DEFAULTS.latency_input_size})")
    add("--steps-per-trial", type=int, default=DEFAULTS.steps_per_trial, metavar="N",
        help=f"training steps per trial (default {DEFAULTS.steps_per_trial})")
    add("--evaluations-per-trial", type=int, default=DEFAULTS.evaluations_per_trial, metavar="N",
        help="mIOU evaluations per trial, reported to the scheduler "
             f"(default {DEFAULTS.evaluations_per_trial})")
    add("--batch-size", type=int, default=DEFAULTS.batch_size, metavar="N")
    add("--learning-rate", type=float, default=DEFAULTS.learning_rate, metavar="LR")
    add("--algo", choices=sorted({algo for algos in ALGORITHMS.values() for algo in algos}),
        help="ray: nsga2 (default), random, asha-random; keras-tuner: bayesian (default), "
             "hyperband, random")
    add("--latency-target", type=float, action="append", default=[], metavar="MS",
        help="report the best trial under this latency and rank by the MnasNet score "
             "miou * (latency/target)^-0.07 (repeatable; the first one is the score's target)")
    add("--engine", choices=sorted(ALGORITHMS), default=DEFAULTS.engine)
    add("--address", metavar="RAY_ADDRESS", help="connect to an existing Ray cluster")
    add("--cpus-per-trial", type=int, default=DEFAULTS.cpus_per_trial, metavar="N",
        help="CPUs (and TensorFlow threads) per trial (default 1)")
    add("--gpus-per-trial", type=float, default=DEFAULTS.gpus_per_trial, metavar="N")
    add("--seed", type=int, default=DEFAULTS.seed, metavar="S")
    add("--out", type=Path, metavar="DIR", help="run folder (default: a new folder under runs/)")
    add("--resume", action="store_true",
        help="continue the search in --out (after a crash or kill); its stored settings are used")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace):
    from nas.search.driver import default_run_dir, run_search
    from space.errors import UserInputError

    if args.resume and args.out is None:
        raise UserInputError("--resume needs --out DIR, the run folder of the search to continue")
    options = SearchOptions(
        budget=args.budget, space=args.space, data=args.data, device=args.device,
        input_size=args.input_size, latency_input_size=args.latency_input_size,
        steps_per_trial=args.steps_per_trial, evaluations_per_trial=args.evaluations_per_trial,
        batch_size=args.batch_size, learning_rate=args.learning_rate, algo=args.algo,
        latency_target=tuple(args.latency_target), engine=args.engine, address=args.address,
        cpus_per_trial=args.cpus_per_trial, gpus_per_trial=args.gpus_per_trial, seed=args.seed)
    run_dir = args.out or default_run_dir()
    summary = run_search(options, run_dir, resume=args.resume)
    print(f"{run_dir}: {summary['trials']} trials, {summary['by_status']['completed']} completed, "
          f"front of {len(summary['front'])}; see {Path(run_dir) / 'pareto.html'}")
