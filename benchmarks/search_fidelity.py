"""Staged vs single-fidelity search at equal wall-clock budget: the hypervolume of each final
front re-measured at the reference fidelity.

For each seed, `nas search` runs twice with the same budget: once single-fidelity (the proxy
alone, `--fidelities` of one rung) and once staged (the default ladder). The configs of each
finished search's front that can count in its hypervolume (faster than the reference latency)
are then trained at the reference fidelity of `benchmarks/proxy_fidelity.py` (cached in
`data/search_fidelity_runs.jsonl`, resumable like every training benchmark), and each front's
hypervolume is computed from those mIOUs and the predicted latencies, against one reference
latency for all (2 x paper-dpc's). A search stopped before its budget (kill, Ctrl-C) resumes with
the time it has left; one that has spent it is not run again. Each sitting of a search records
the machine's fingerprint and load (`sittings.jsonl` in the work folder), and the report says
whether every search ran on the same machine: the modes are compared by wall-clock.

    python benchmarks/search_fidelity.py --budget 1h --seeds 0 1 2 [--modes single staged]
        [--threads 1] [--reference 128px]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._runs import (WORK_DIR, RunCache, data_version, round_or_none,  # noqa: E402
                              run_missing)
from benchmarks.proxy_fidelity import BY_NAME, REFERENCE  # noqa: E402
from nas.search.budget import budget_spent  # noqa: E402
from nas.search.options import parse_budget  # noqa: E402
from results.pareto import hypervolume  # noqa: E402
from space import ArchConfig  # noqa: E402

CACHE = HERE / "data" / "search_fidelity_runs.jsonl"
REPORT = HERE / "data" / "search_fidelity.json"
MODES = ("single", "staged")
PROXY = "64x64/200/16/0.001"  # the single-fidelity search's one rung: the default proxy
SITTINGS = "sittings.jsonl"


def search_folder(work: Path, mode: str, seed: int, budget: str) -> Path:
    return work / f"{mode}-{budget}-seed{seed}"


def run_search(folder: Path, mode: str, seed: int, budget: str, data: str) -> None:
    """Runs (or resumes, or leaves alone when its budget is spent) one search."""
    if budget_spent(folder):
        return
    record_sitting(folder)
    argv = ["--resume", "--out", str(folder)] if (folder / "search.json").is_file() else [
        "--out", str(folder), "--budget", budget, "--seed", str(seed), "--data", data,
        *(["--fidelities", PROXY] if mode == "single" else [])]
    subprocess.run([sys.executable, "-m", "nas.cli", "search", *argv], check=True)


def record_sitting(folder: Path) -> None:
    """Appends this machine's fingerprint and load to the work folder's `sittings.jsonl`, under
    the search's folder name."""
    from latency_models.machine import load_average, this_machine
    from latency_models.measure import utc_now

    line = {"search": folder.name, "started": utc_now(), "load_average": load_average(),
            "machine": this_machine().to_dict()}
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / SITTINGS, "a") as sittings:
        sittings.write(json.dumps(line) + "\n")


def read_sittings(work: Path) -> list[dict]:
    path = work / SITTINGS
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


def sittings_of(sittings: list[dict], name: str) -> list[dict]:
    """One search's sittings: start, load and the machine's reference latency."""
    return [{"started": sitting["started"], "load_average": sitting["load_average"],
             "reference_ms": sitting["machine"]["reference_ms"]}
            for sitting in sittings if sitting["search"] == name]


def same_machine(sittings: list[dict]) -> bool:
    """Whether every sitting's machine matches the first one's fingerprint."""
    from latency_models.fingerprint import Fingerprint

    machines = [Fingerprint.from_metadata(sitting) for sitting in sittings]
    return all(machine.matches(machines[0]) for machine in machines)


def front_configs(folder: Path) -> dict[str, ArchConfig]:
    """The configs of a search's front, by trial id."""
    from nas.search.study import config_of_row

    front = pd.read_csv(folder / "pareto.csv", dtype={"trial_id": str, "dpc_branches": str},
                        keep_default_na=False)
    return {row["trial_id"]: config_of_row(row) for row in front.to_dict("records")}


def counted_members(folder: Path, reference_ms: float) -> dict[str, tuple[ArchConfig, float]]:
    """The front's configs that count in its hypervolume, by trial id, with their latencies:
    those faster than the reference latency (slower ones add nothing, so they need no
    reference training). Latencies are predicted now, from one table for every run: a
    search's own figures may predate blocks timed again since."""
    from latency_models import load_table, predict_latency

    search = json.loads((folder / "search.json").read_text())
    table = load_table(search["device"])
    members = {trial: (config, predict_latency(
        config.replace(input_size=search["latency_input_size"]), table))
        for trial, config in front_configs(folder).items()}
    return {trial: member for trial, member in members.items() if member[1] < reference_ms}


def front_hypervolume(folder: Path, cache: RunCache, data: str, reference_ms: float,
                      reference=REFERENCE) -> dict:
    """The front's hypervolume at the proxy (as the search measured it) and re-measured at the
    reference fidelity (None while a reference run is missing)."""
    front = pd.read_csv(folder / "pareto.csv", dtype={"trial_id": str})
    members = counted_members(folder, reference_ms).values()
    rows = [cache.get(data_version(data), config, reference, 0) for config, _ in members]
    measured = None if any(row is None for row in rows) else hypervolume(
        [(row["miou"], latency) for row, (_, latency) in zip(rows, members)], reference_ms)
    return {"front": len(front), "search_hypervolume": round_or_none(hypervolume(front, reference_ms)),
            "reference_hypervolume": round_or_none(measured)}


def finished_searches(work: Path, seeds, budget: str) -> dict:
    """The summaries of the finished searches, by (mode, seed)."""
    folders = {(mode, seed): search_folder(work, mode, seed, budget) for mode in MODES for seed in seeds}
    return {key: json.loads((folder / "summary.json").read_text())
            for key, folder in folders.items() if (folder / "summary.json").is_file()}


def reference_latency(summaries: dict) -> float:
    """One reference latency for every run: the largest of the searches' own."""
    return max(summary["hypervolume_reference"]["latency_ms"] for summary in summaries.values())


def report(work: Path, cache: RunCache, data: str, seeds, budget: str, reference=REFERENCE) -> dict:
    summaries = finished_searches(work, seeds, budget)
    reference_ms = reference_latency(summaries)
    folders = {key: search_folder(work, *key, budget).name for key in summaries}
    sittings = [sitting for sitting in read_sittings(work) if sitting["search"] in folders.values()]
    runs = {f"{mode}-seed{seed}": {**front_hypervolume(search_folder(work, mode, seed, budget), cache,
                                                       data, reference_ms, reference),
                                   "trials": summaries[mode, seed]["trials"],
                                   "sittings": sittings_of(sittings, folders[mode, seed])}
            for mode, seed in summaries}
    by_mode = {}
    for mode in MODES:
        values = [run["reference_hypervolume"] for name, run in runs.items() if name.startswith(mode)]
        complete = values and all(value is not None for value in values)
        by_mode[mode] = {"mean": round_or_none(np.mean(values)) if complete else None,
                         "std": round_or_none(np.std(values)) if complete else None}
    return {"budget": budget, "seeds": list(seeds), "reference": reference.to_dict(),
            "reference_latency_ms": reference_ms,
            "same_machine": same_machine(sittings) if sittings else None,
            "runs": runs, "reference_hypervolume": by_mode}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", default="1h")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES),
                        help="the searches to run now (the report takes every finished one)")
    parser.add_argument("--data", default="synthetic")
    parser.add_argument("--reference", default=REFERENCE.name,
                        choices=list(BY_NAME),
                        help="the setting fronts are re-measured at (default: the reference)")
    parser.add_argument("--threads", type=int, help="TensorFlow threads per reference training")
    parser.add_argument("--work", type=Path, default=WORK_DIR / "search_fidelity")
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--out", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    if parse_budget(args.budget).seconds is None:
        parser.error("--budget must be a time (the modes get equal wall-clock), e.g. 1h")
    for seed in args.seeds:
        for mode in args.modes:
            run_search(search_folder(args.work, mode, seed, args.budget), mode, seed, args.budget,
                       args.data)
    reference = BY_NAME[args.reference]
    cache = RunCache(args.cache)
    summaries = finished_searches(args.work, args.seeds, args.budget)
    reference_ms = reference_latency(summaries)
    panel = {f"{mode}-seed{seed}-{trial}": config for mode, seed in summaries
             for trial, (config, _) in counted_members(
                 search_folder(args.work, mode, seed, args.budget), reference_ms).items()}
    run_missing(cache, args.data, [reference], [0], panel, threads=args.threads)
    result = report(args.work, RunCache(args.cache), args.data, args.seeds, args.budget, reference)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["reference_hypervolume"], indent=1))


if __name__ == "__main__":
    main()
