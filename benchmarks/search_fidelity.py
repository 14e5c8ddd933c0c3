"""Staged vs single-fidelity search at equal wall-clock budget: the hypervolume of each final
front re-measured at the reference fidelity.

For each seed, `nas search` runs twice with the same budget, on one machine: once
single-fidelity (the proxy alone, `--fidelities` of one rung) and once staged (the default
ladder). A finished search's files (options, summary, front, trial table) are shipped to
`data/search_fidelity/` with the machine and load of each of its sittings, so that a report
can be rebuilt on another machine and a benchmark of several sessions on different VMs keeps
every search. The configs of each front that can count in its hypervolume (faster than that
search's reference latency, 2 x paper-dpc's on its machine) are trained at the reference
fidelity of `benchmarks/proxy_fidelity.py` (cached in `data/search_fidelity_runs.jsonl`,
resumable like every training benchmark), and each front's hypervolume is computed from those
mIOUs and the latencies the search predicted. Its share of the box (mIOU 0-1 x 0-reference ms)
compares runs between machines; the two searches of a seed must share one machine (the modes
are compared by wall-clock), which the report checks. A search stopped before its budget
(kill, Ctrl-C) resumes with the time it has left; one that has spent it is not run again.

    python -m benchmarks.search_fidelity --budget 1h --seeds 0 1 2 [--modes single staged]
        [--threads 1] [--reference 128px]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._runs import (
    REFERENCE,
    WORK_DIR,
    RunCache,
    data_version,
    rank_agreement,
    round_or_none,
    run_missing,
)
from benchmarks.proxy_fidelity import BY_NAME
from nas.search.budget import BUDGET_FILE, TimeBudget
from nas.search.options import parse_budget
from nas.search.rungs import RUNGS_FILE
from results.pareto import hypervolume, pareto_order
from space import ArchConfig

HERE = Path(__file__).resolve().parent
CACHE = HERE / "data" / "search_fidelity_runs.jsonl"
RECORD = HERE / "data" / "search_fidelity"  # each finished search's shipped files
REPORT = HERE / "data" / "search_fidelity_{budget}.json"  # per budget
MODES = ("single", "staged")
PROXY = "64x64/200/16/0.001"  # the single-fidelity search's one rung: the default proxy
SITTINGS = "sittings.jsonl"
SHIPPED = ("search.json", "summary.json", "pareto.csv", "trials.csv", "repeats.jsonl", RUNGS_FILE)


def search_folder(work: Path, mode: str, seed: int, budget: str) -> Path:
    return work / f"{mode}-{budget}-seed{seed}"


def budget_spent(run_dir: Path) -> bool:
    """Whether the search in `run_dir` has spent its time budget (false for a search stopped
    before, one without a time budget, or none at all). The file lags the search by up to
    `TimeBudget.SAVE_EVERY_S`, so that much short of the budget counts as spent."""
    try:
        state = json.loads((Path(run_dir) / BUDGET_FILE).read_text())
        return (
            state["seconds"] is not None
            and state["spent"] >= state["seconds"] - TimeBudget.SAVE_EVERY_S
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


def run_search(folder: Path, mode: str, seed: int, budget: str, data: str, record: Path) -> None:
    """Runs (or resumes, or leaves alone when its budget is spent) one search, then ships its
    files to `record`."""
    if not budget_spent(folder):
        record_sitting(record / folder.name)
        argv = (
            ["--resume", "--out", str(folder)]
            if (folder / "search.json").is_file()
            else [
                "--out",
                str(folder),
                "--budget",
                budget,
                "--seed",
                str(seed),
                "--data",
                data,
                *(["--fidelities", PROXY] if mode == "single" else []),
            ]
        )
        subprocess.run([sys.executable, "-m", "nas.cli", "search", *argv], check=True)
    ship(folder, record / folder.name)


def ship(folder: Path, shipped: Path) -> None:
    """Copies a finished search's record (options, summary, front, trial table, reuses) into
    `shipped`: the work folder is this machine's, the benchmark's data travels with the repo."""
    if not (folder / "summary.json").is_file():
        return
    shipped.mkdir(parents=True, exist_ok=True)
    for name in SHIPPED:
        if (folder / name).is_file():
            shutil.copyfile(folder / name, shipped / name)


def record_sitting(shipped: Path) -> None:
    """Appends this machine's fingerprint and load to the search's `sittings.jsonl`."""
    from latency_models.machine import load_average, this_machine
    from latency_models.measure import utc_now

    line = {
        "started": utc_now(),
        "load_average": load_average(),
        "machine": this_machine().to_dict(),
    }
    shipped.mkdir(parents=True, exist_ok=True)
    with open(shipped / SITTINGS, "a") as sittings:
        sittings.write(json.dumps(line) + "\n")


def read_sittings(shipped: Path) -> list[dict]:
    """A search's sittings: start, load and the machine's reference latency."""
    path = shipped / SITTINGS
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


def same_machine(sittings: list[dict]) -> bool:
    """Whether every sitting's machine matches the first one's fingerprint."""
    from latency_models.fingerprint import Fingerprint

    machines = [Fingerprint.from_metadata(sitting) for sitting in sittings]
    return all(machine.matches(machines[0]) for machine in machines)


def own_reference_ms(shipped: Path) -> float:
    """The search's hypervolume reference latency (2 x paper-dpc's on its machine)."""
    return json.loads((shipped / "summary.json").read_text())["hypervolume_reference"]["latency_ms"]


def counted_members(shipped: Path) -> dict[str, tuple[ArchConfig, float, float]]:
    """The front's configs that count in its hypervolume, by trial id, with the latency and
    mIOU the search measured: those faster than the search's reference latency (slower ones
    add nothing, so they need no reference training)."""
    from nas.search.study import config_of_row

    front = pd.read_csv(
        shipped / "pareto.csv", dtype={"trial_id": str, "dpc_branches": str}, keep_default_na=False
    )
    reference_ms = own_reference_ms(shipped)
    return {
        row["trial_id"]: (config_of_row(row), float(row["latency_ms"]), float(row["miou"]))
        for row in front.to_dict("records")
        if row["latency_ms"] < reference_ms
    }


def handed_over(members: dict, count: int) -> dict:
    """The `count` members a search would hand over for training, chosen as the staged search
    promotes (non-dominated rank, then crowding distance) on the search's own figures."""
    trials = list(members)
    order = pareto_order([(members[trial][2], members[trial][1]) for trial in trials])
    return {trials[index]: members[trials[index]] for index in order[:count]}


def reference_mious(members: dict, cache: RunCache, data: str, reference) -> list | None:
    """The members' mIOUs at the reference fidelity, in order; None while one is missing."""
    version = data_version(data)
    rows = [cache.get(version, config, reference, 0) for config, _, _ in members.values()]
    return None if any(row is None for row in rows) else [row["miou"] for row in rows]


def reference_share(members: dict, cache: RunCache, data: str, reference, reference_ms: float):
    """The members' hypervolume at the reference fidelity (their reference mIOUs, the
    search's latencies) over `reference_ms`; None while a reference run is missing."""
    mious = reference_mious(members, cache, data, reference)
    if mious is None:
        return None
    points = [(miou, latency) for miou, (_, latency, _) in zip(mious, members.values())]
    return hypervolume(points, reference_ms) / reference_ms


def printed_front(members: dict, cache: RunCache, data: str, reference) -> dict:
    """How far the front the search printed can be believed: the rank agreement of its mIOUs
    with the reference's over the counted members, and the reference mIOU of the network it
    printed best (the one a user would export) against the best the front holds."""
    mious = reference_mious(members, cache, data, reference)
    if not mious:
        return {
            "printed_spearman": None,
            "printed_best_at_reference": None,
            "front_best_at_reference": None,
        }
    printed = [miou for _, _, miou in members.values()]
    return {
        "printed_spearman": rank_agreement(printed, mious)["spearman"],
        "printed_best_at_reference": round_or_none(mious[int(np.argmax(printed))]),
        "front_best_at_reference": round_or_none(max(mious)),
    }


def front_hypervolume(shipped: Path, cache: RunCache, data: str, reference=REFERENCE) -> dict:
    """The front's hypervolume at the proxy (as the search measured it) and re-measured at the
    reference fidelity (None while a reference run is missing), against the search's own
    reference latency; `reference_share` is the re-measured one over that latency (the share
    of the box mIOU 0-1 x 0-reference ms), comparable between machines; and how far the
    front's printed mIOUs can be believed (`printed_front`)."""
    summary = json.loads((shipped / "summary.json").read_text())
    reference_ms = own_reference_ms(shipped)
    members = counted_members(shipped)
    share = reference_share(members, cache, data, reference, reference_ms)
    return {
        "front": len(summary["front"]),
        "counted": len(members),
        "re_measured": sum(
            cache.get(data_version(data), config, reference, 0) is not None
            for config, _, _ in members.values()
        ),
        "reference_latency_ms": round_or_none(reference_ms),
        "search_hypervolume": round_or_none(summary["hypervolume"]),
        "reference_hypervolume": round_or_none(None if share is None else share * reference_ms),
        "reference_share": round_or_none(share),
        **printed_front(members, cache, data, reference),
    }


def trial_time(shipped: Path) -> dict:
    """Where a search's trials went: how many reached each rung, how many of the first rung's
    results that could count (faster than the reference latency) were promoted, and the share
    of the trial seconds spent on networks slower than the reference latency (they cannot
    count in the hypervolume)."""
    reference_ms = own_reference_ms(shipped)
    trials = pd.read_csv(shipped / "trials.csv").dropna(subset=["latency_ms"])
    trials = trials[trials["status"] != "over_limit"]  # not trained
    rungs = trials["fidelity"].fillna(0).astype(int)
    seconds = trials["trial_seconds"].fillna(0.0)
    slow = trials["latency_ms"] > reference_ms
    result = {
        "reached_rung": [int((rungs >= rung).sum()) for rung in range(rungs.max() + 1)],
        "slower_than_reference_seconds": round_or_none(
            seconds[slow].sum() / max(seconds.sum(), 1e-9)
        ),
    }
    if (shipped / RUNGS_FILE).is_file():
        rung = json.loads((shipped / RUNGS_FILE).read_text())
        first = rung["results"].get("0", {}).values()
        result["promoted_of_eligible"] = [
            len(rung["promoted"].get("0", {})),
            sum(latency <= reference_ms for _, latency in first),
        ]
    return result


def finished_searches(record: Path, budget: str) -> dict:
    """The shipped folders of every finished search of `budget`, by (mode, seed), in order."""
    found = {
        (mode, int(folder.name.rsplit("-seed", 1)[1])): folder
        for mode in MODES
        for folder in record.glob(f"{mode}-{budget}-seed*")
        if folder.name.rsplit("-seed", 1)[1].isdigit() and (folder / "summary.json").is_file()
    }
    return dict(sorted(found.items(), key=lambda item: (item[0][1], MODES.index(item[0][0]))))


def report(record: Path, cache: RunCache, data: str, budget: str, reference=REFERENCE) -> dict:
    """Per finished run its front's hypervolumes; per seed whether both searches ran on one
    machine and the staged search's share minus the single one's; per mode the mean and std of
    the shares."""
    shipped = finished_searches(record, budget)
    seeds = sorted({seed for _, seed in shipped})
    runs = {}
    for (mode, seed), folder in shipped.items():
        summary = json.loads((folder / "summary.json").read_text())
        runs[f"{mode}-seed{seed}"] = {
            **front_hypervolume(folder, cache, data, reference),
            "trials": summary["trials"],
            "repeats_reused": summary.get("repeats_reused", 0),
            **trial_time(folder),
            "sittings": [
                {
                    "started": sitting["started"],
                    "load_average": sitting["load_average"],
                    "reference_ms": sitting["machine"]["reference_ms"],
                }
                for sitting in read_sittings(folder)
            ],
        }
    by_seed = {
        f"seed{seed}": compare_seed(
            shipped[("single", seed)], shipped[("staged", seed)], runs, seed, cache, data, reference
        )
        for seed in seeds
        if ("single", seed) in shipped and ("staged", seed) in shipped
    }
    by_mode = {}
    for mode in MODES:
        values = [run["reference_share"] for name, run in runs.items() if name.startswith(mode)]
        complete = values and all(value is not None for value in values)
        by_mode[mode] = {
            "mean": round_or_none(np.mean(values)) if complete else None,
            "std": round_or_none(np.std(values)) if complete else None,
        }
    return {
        "budget": budget,
        "seeds": seeds,
        "reference": reference.to_dict(),
        "runs": runs,
        "seeds_compared": by_seed,
        "reference_share": by_mode,
    }


def compare_seed(
    single: Path, staged: Path, runs: dict, seed: int, cache: RunCache, data: str, reference
) -> dict:
    """One seed's two searches: whether they ran on one machine, the staged search's share
    minus the single one's, the same for as many networks as the staged front counts (the
    single search's chosen as it would promote them: equal training handed to the user), and
    the reference mIOU of the staged search's printed best minus the single one's."""
    sittings = read_sittings(single) + read_sittings(staged)
    shares = [runs[f"{mode}-seed{seed}"]["reference_share"] for mode in MODES]
    picks = [runs[f"{mode}-seed{seed}"]["printed_best_at_reference"] for mode in MODES]
    count = len(counted_members(staged))
    top = reference_share(
        handed_over(counted_members(single), count),
        cache,
        data,
        reference,
        own_reference_ms(single),
    )
    return {
        "same_machine": same_machine(sittings) if sittings else None,
        "staged_minus_single": None if None in shares else round_or_none(shares[1] - shares[0]),
        "networks": count,
        "single_top_share": round_or_none(top),
        "staged_minus_single_top": None
        if None in (top, shares[1])
        else round_or_none(shares[1] - top),
        "staged_minus_single_printed_best": None
        if None in picks
        else round_or_none(picks[1] - picks[0]),
    }


def _parser() -> argparse.ArgumentParser:
    """The benchmark's command line: the searches to run now, the data, the reference setting
    and the files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", default="1h")
    parser.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        default=[0, 1, 2],
        help="the seeds whose searches run now (the report and the "
        "re-measured fronts take every finished search of the budget)",
    )
    parser.add_argument(
        "--modes",
        nargs="+",
        choices=MODES,
        default=list(MODES),
        help="the searches to run now (the report takes every finished one)",
    )
    parser.add_argument("--data", default="synthetic")
    parser.add_argument(
        "--reference",
        default=REFERENCE.name,
        choices=list(BY_NAME),
        help="the setting fronts are re-measured at (default: the reference)",
    )
    parser.add_argument("--threads", type=int, help="TensorFlow threads per reference training")
    parser.add_argument("--work", type=Path, default=WORK_DIR / "search_fidelity")
    parser.add_argument(
        "--record", type=Path, default=RECORD, help="where each finished search's files are shipped"
    )
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--out", type=Path, help=f"the report (default: {REPORT.name})")
    return parser


def main(argv=None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    if parse_budget(args.budget).seconds is None:
        parser.error("--budget must be a time (the modes get equal wall-clock), e.g. 1h")
    for seed in args.seeds:
        for mode in args.modes:
            run_search(
                search_folder(args.work, mode, seed, args.budget),
                mode,
                seed,
                args.budget,
                args.data,
                args.record,
            )
    reference = BY_NAME[args.reference]
    cache = RunCache(args.cache)
    panel = {
        f"{mode}-seed{seed}-{trial}": config
        for (mode, seed), folder in finished_searches(args.record, args.budget).items()
        for trial, (config, _, _) in counted_members(folder).items()
    }
    run_missing(cache, args.data, [reference], [0], panel, threads=args.threads)
    result = report(args.record, RunCache(args.cache), args.data, args.budget, reference)
    out = args.out or Path(str(REPORT).format(budget=args.budget))
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(
        json.dumps(
            {"seeds": result["seeds_compared"], "modes": result["reference_share"]}, indent=1
        )
    )


if __name__ == "__main__":
    main()
