"""Search throughput at the default proxy settings: trials per hour, and the fraction of time
spent outside training and evaluation (Ray start-up, worker start, model building, latency
prediction, bookkeeping; goal < 5%).

    python -m benchmarks.search_throughput [--budget 5m] [--out DIR] [nas search options...]

Runs `nas search` (real Ray Tune, synthetic data, host latency table) into a fresh folder and
reads its trial table. Overhead figures (fractions):
- search_overhead_in_trial: trial time outside the `trainers.trainer.train` call (latency
  prediction, GFLOPs, result files, reporting to Ray, worker set-up): the search's own
  bookkeeping;
- trainer_overhead_in_trial: time inside `train` outside its train/eval clocks (model build,
  input pipeline start, checkpoints);
- overhead_of_search: 1 - (train + eval seconds) / (wall seconds x concurrent trial slots),
  everything included (Ray start, trials cut off by the end of the budget).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", default="5m")
    parser.add_argument("--out", type=Path, help="run folder (default: a temporary folder)")
    args, extra = parser.parse_known_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="search-bench-")) / "run"

    from nas.cli import main as nas

    started = time.monotonic()
    code = nas(["search", "--budget", args.budget, "--out", str(out), *extra])
    wall = time.monotonic() - started
    if code:
        sys.exit(code)

    from nas.search.options import read_search_options
    from results import completed_trials, read_trials

    table = read_trials(out)
    done = completed_trials(table)
    options = read_search_options(out)
    slots = max(1, (os.cpu_count() or 1) // options.cpus_per_trial)
    work = float((table["train_seconds"].fillna(0) + table["eval_seconds"].fillna(0)).sum())
    inside = done["trial_seconds"]
    fit = sum(
        json.loads((out / "trials" / trial_id / "result.json").read_text())["fit_seconds"]
        for trial_id in done["trial_id"]
    )
    clocks = float((done["train_seconds"] + done["eval_seconds"]).sum())
    report = {
        "budget": args.budget,
        "wall_seconds": round(wall, 1),
        "cpus": os.cpu_count(),
        "slots": slots,
        "proxy": {
            key: options.to_dict()[key]
            for key in (
                "input_size",
                "steps_per_trial",
                "evaluations_per_trial",
                "batch_size",
                "cpus_per_trial",
            )
        },
        "trials": len(table),
        "completed": len(done),
        "trials_per_hour": round(len(done) / wall * 3600, 1),
        "mean_trial_seconds": round(float(inside.mean()), 1),
        "mean_train_seconds": round(float(done["train_seconds"].mean()), 1),
        "mean_eval_seconds": round(float(done["eval_seconds"].mean()), 1),
        "search_overhead_in_trial": round(1 - fit / float(inside.sum()), 3),
        "trainer_overhead_in_trial": round((fit - clocks) / float(inside.sum()), 3),
        "overhead_of_search": round(1 - work / (wall * slots), 3),
        "run": str(out),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
