"""Which sampler finds the best mIOU / latency front for the budgets users run, measured on a
surrogate of our own space (the NAS-Bench-301 method), in seconds instead of days.

    python -m benchmarks.searchers [--table synthetic|camvid|PATH] [--seeds 20]
        [--budgets 10 25 50 100 200]

1. The surrogate: a scikit-learn regressor of a config's proxy mIOU (mean over seeds) from its
   conditional parameters and predicted latency, fitted on `benchmarks/data/space_table.parquet`
   (built by `space_table.py` at the search's default proxy). Its held-out Spearman (5-fold
   cross-validation) is reported per regressor; the best one is used.
2. Simulated searches: each sampler asks the search's own define-by-run space
   (`SearchSpace.suggest`), the surrogate answers with mIOU plus the proxy's measured seed
   noise, the shipped CPU latency table with the predicted latency. After 10, 25, 50, 100 and 200 trials
   the hypervolume (reference point: mIOU 0 and 2 x paper-dpc's latency, as in every search) of
   the front chosen on the noisy values, scored on the surrogate's values; mean and spread over
   `--seeds` seeds. Writes `benchmarks/data/searchers.json` and prints a Markdown table.
3. `--samplers NAME+box`: the same sampler told the latency constraint `latency - reference`
   on every trial (what `--latency-target` does in a search), to measure whether steering the
   sampler into the hypervolume's box pays; each curve also gives the share of trials inside it.
4. Two fidelities (`--table camvid`: `data/camvid_space_table.parquet`, written to
   `data/searchers_camvid.json`; any table with reference rows): one surrogate per fidelity,
   the reference's with the proxy surrogate's prediction as one more feature (`Surrogate.base`;
   a linear model of that prediction and latency is a candidate too), each the best of its
   candidates by held-out Spearman (`surrogate_spearman`). The surrogates answer everywhere,
   also for configs the table holds (measured means carry one or two trainings' noise, and
   would not agree with the other fidelity's surrogate); only paper-dpc's reference mIOU in
   `beat_the_paper` is measured. Every search is scored at the reference: the front chosen on
   what it observed (noisy proxy mIOU; a staged search's: its promoted trials' noisy reference
   mIOU), scored with their reference surrogate mIOU. Latency is the shipped CPU table's at
   224x224 throughout (the table's `latency_ms`), not `host_latency_ms`. Budgets count proxy
   trainings; methods: the samplers, `random+box-draw` (configs over the reference latency
   drawn again before training, at no cost: latency is known before training) and
   `NAME+staged` (`staged`: the staged search's MO-ASHA replayed, a promotion costing
   `--reference-cost` proxy trainings, by default the table's ratio of training seconds) and
   its peer `syne-tune-moasha` (Syne Tune's MO-ASHA scheduler deciding the promotions, at the
   same cost; `+box-draw`: drawing again over the box as the staged search does). Each
   row of `results` compares a method with random search over the same seeds (gain of the mean,
   paired Wilcoxon signed-rank p-value); `beat_the_paper` scores random search of
   `--budget-trials` trials (a 1-hour search's) against paper-dpc for
   `benchmarks/beat_the_paper.py`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
from scipy import stats

from benchmarks._replay import (
    BOX_DRAW,
    BOXED,
    REFERENCE_COST,
    STAGED,
    SYNE_TUNE_MOASHA,
    Replay,
    sampler_curve,
    simulate,
)
from benchmarks._surrogate import (
    best_surrogate,
    by_params,
    config_means,
    objective,
    one_thread,
    predict,
    reference_regressors,
    regressors,
    seed_difference,
    seed_noise,
)
from nas.search.samplers import SAMPLERS
from results.pareto import REFERENCE_FACTOR
from space import SearchSpace, get_preset

HERE = Path(__file__).resolve().parent


TABLES = {  # --table NAME: (the space table, the report)
    "synthetic": (HERE / "data" / "space_table.parquet", HERE / "data" / "searchers.json"),
    "camvid": (
        HERE / "data" / "camvid_space_table.parquet",
        HERE / "data" / "searchers_camvid.json",
    ),
}


TABLE, REPORT = TABLES["synthetic"]


BUDGETS = (10, 25, 50, 100, 200)


PROXY, REFERENCE = "proxy", "reference"  # `space_table`'s fidelities (its `fidelity` column)


FIDELITY_METHODS = (
    *SAMPLERS,
    "random+box-draw",
    "random+staged",
    "tpe-multivariate+staged",
    SYNE_TUNE_MOASHA,  # the peer (`benchmarks._syne_tune`), as Syne Tune ships it
    SYNE_TUNE_MOASHA + BOX_DRAW,
)


BUDGET_TRIALS = 60  # trials of a 1-hour search (`beat_the_paper`)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--table", default="synthetic", help=f"{' or '.join(TABLES)}, or a space table's path"
    )
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--budgets", type=int, nargs="+", default=list(BUDGETS))
    parser.add_argument(
        "--samplers",
        nargs="+",
        help=f"methods (default: {', '.join(SAMPLERS)}; on a table with reference rows "
        f"{', '.join(FIDELITY_METHODS)}): sampler names; NAME{BOXED}: constrained to the "
        f"hypervolume's reference latency; NAME{BOX_DRAW}: configs over it drawn again; "
        f"NAME{STAGED}: the staged search (two fidelities); {SYNE_TUNE_MOASHA}: Syne Tune's "
        "MO-ASHA (two fidelities, the `peers` extra)",
    )
    parser.add_argument(
        "--noise",
        type=float,
        help="seed noise std of the proxy (default: measured, from the table's two seeds)",
    )
    parser.add_argument(
        "--reference-cost",
        type=float,
        help="proxy trainings one reference training costs (default: the table's ratio of "
        f"training seconds, else {REFERENCE_COST})",
    )
    parser.add_argument(
        "--budget-trials",
        type=int,
        default=BUDGET_TRIALS,
        help="trials of a 1-hour search, for beat_the_paper (two fidelities)",
    )
    parser.add_argument("--out", type=Path, help="the report (default: the table's)")
    return parser


def table_paths(name: str) -> tuple[Path, Path]:
    """(space table, report) of `--table`: a name of TABLES, or a path (reported in REPORT)."""
    return TABLES.get(name, (Path(name), REPORT))


def read_table(path: str | Path) -> pd.DataFrame:
    """A space table by `space_table.load` (a table of the proxy alone gains its `fidelity`)."""
    from benchmarks import space_table  # it imports this module

    return space_table.load(path)


def method_problem(method: str) -> str | None:
    """Why `method` is not a method this benchmark runs, in one line (None where it is)."""
    if method in (SYNE_TUNE_MOASHA, SYNE_TUNE_MOASHA + BOX_DRAW):
        if importlib.util.find_spec("syne_tune") is None:
            return f"{method} needs Syne Tune: pip install -e '.[peers]'"
        return None
    sampler, plus, suffix = method.partition("+")
    if sampler in SAMPLERS and (not plus or plus + suffix in (BOXED, BOX_DRAW, STAGED)):
        return None
    return (
        f"unknown method {method!r}: a sampler ({', '.join(SAMPLERS)}), optionally with "
        f"{BOXED}, {BOX_DRAW} or {STAGED}, or {SYNE_TUNE_MOASHA}[{BOX_DRAW}]"
    )


def main(argv=None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    for method in args.samplers or ():
        if problem := method_problem(method):
            parser.error(problem)
    path, out = table_paths(args.table)
    table = read_table(path)
    if (table["fidelity"] == REFERENCE).any():
        methods = args.samplers or list(FIDELITY_METHODS)
        result = run_fidelities(
            table,
            methods,
            args.budgets,
            args.seeds,
            args.noise,
            args.reference_cost,
            args.budget_trials,
        )
    else:
        methods = args.samplers or list(SAMPLERS)
        result = run(table, methods, args.budgets, args.seeds, args.noise)
    (args.out or out).write_text(json.dumps(result, indent=1) + "\n")
    print(format_table(result))
    if "beat_the_paper" in result:
        paper = {key: value for key, value in result["beat_the_paper"].items() if key != "per_seed"}
        print(json.dumps({"surrogate_spearman": result["surrogate_spearman"], **paper}))


def at_fidelity(table: pd.DataFrame, fidelity: str) -> pd.DataFrame:
    """The rows at `fidelity` (all of a table without a `fidelity` column: the proxy's)."""
    if "fidelity" not in table:
        return table if fidelity == PROXY else table.iloc[:0]
    return table[table["fidelity"] == fidelity]


@one_thread
def run(
    table: pd.DataFrame,
    samplers,
    budgets,
    seeds: int,
    noise: float | None = None,
    candidates: dict | None = None,
) -> dict:
    """The whole benchmark on a space table's proxy rows: the surrogate (the best of
    `candidates`, default `regressors()`, by held-out Spearman), then every sampler and seed."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    table, space = at_fidelity(table, PROXY), SearchSpace()
    means = config_means(table, space)
    surrogate, best, fits = best_surrogate(means, space, candidates or regressors())
    noise = noise if noise is not None else seed_noise(table)
    replay = Replay(*objective(surrogate, space), noise)
    return {
        "configs": int(len(means)),
        "surrogate": best,
        "held_out_spearman": fits,
        "noise_std": noise,
        "seed_difference": seed_difference(table),
        "reference_latency_ms": replay.reference_ms,
        "seeds": seeds,
        "budgets": list(budgets),
        "samplers": curves(samplers, replay, budgets, seeds),
    }


def curves(methods, replay: Replay, budgets, seeds: int) -> dict:
    """Per method: its seconds and, per budget, `_over_seeds` of its searches, seeds 0 to
    `seeds` - 1."""
    found = {}
    for name in methods:
        started = time.monotonic()
        runs = [sampler_curve(name, replay, budgets, seed) for seed in range(seeds)]
        found[name] = {
            "seconds": round(time.monotonic() - started, 1),
            **{str(budget): _over_seeds([run[budget] for run in runs]) for budget in budgets},
        }
    return found


def _over_seeds(results: list[dict]) -> dict:
    volumes = [result["hypervolume"] for result in results]
    return {
        "mean": float(np.mean(volumes)),
        "std": float(np.std(volumes)),
        "runs": volumes,
        "in_box": float(np.mean([result["in_box"] for result in results])),
    }


def two_fidelity_replay(
    table: pd.DataFrame,
    space: SearchSpace,
    candidates: dict | None = None,
    noise: float | None = None,
    reference_cost: float | None = None,
) -> tuple[Replay, dict]:
    """A `Replay` scored at the reference, and what was fitted: one surrogate per fidelity,
    each the best of `candidates[fidelity]` (default `regressors()`, `reference_regressors()`)
    by held-out Spearman, the reference's with the proxy's as `base` (fitted on every proxy row:
    a config's proxy result is known before its reference one); the seed noise at each
    fidelity (the reference's, where no config has two seeds there: the proxy's)."""
    candidates = candidates or {PROXY: regressors(), REFERENCE: reference_regressors()}
    rows = {fidelity: at_fidelity(table, fidelity) for fidelity in (PROXY, REFERENCE)}
    means = {fidelity: config_means(rows[fidelity], space) for fidelity in rows}
    proxy, *proxy_fit = best_surrogate(means[PROXY], space, candidates[PROXY])
    reference, *reference_fit = best_surrogate(
        means[REFERENCE], space, candidates[REFERENCE], base=proxy
    )
    evaluate, _, reference_ms = objective(proxy, space)
    noise = noise if noise is not None else seed_noise(rows[PROXY])
    reference_noise = seed_noise(rows[REFERENCE])
    replay = Replay(
        evaluate,
        space,
        reference_ms,
        noise,
        reference=by_params(lambda params: predict(reference, params, evaluate(params)[1])),
        reference_noise_std=noise if np.isnan(reference_noise) else reference_noise,
        reference_cost=reference_cost or training_cost(table),
    )
    fits = {PROXY: proxy_fit, REFERENCE: reference_fit}
    return replay, {
        "configs": {fidelity: int(len(means[fidelity])) for fidelity in means},
        "surrogate": {fidelity: name for fidelity, (name, _) in fits.items()},
        "surrogate_spearman": {fidelity: found[name] for fidelity, (name, found) in fits.items()},
        "held_out_spearman": {fidelity: found for fidelity, (_, found) in fits.items()},
    }


def training_cost(table: pd.DataFrame) -> float:
    """One reference training's cost in proxy trainings: mean `wall_seconds` at the reference
    over the mean at the proxy, on the configs trained at both (REFERENCE_COST without)."""
    reference = at_fidelity(table, REFERENCE)
    proxy = at_fidelity(table, PROXY)
    proxy = proxy[proxy["config_id"].isin(reference["config_id"])]
    if "wall_seconds" not in table or reference.empty or proxy.empty:
        return REFERENCE_COST
    return float(reference["wall_seconds"].mean() / proxy["wall_seconds"].mean())


@one_thread
def run_fidelities(
    table: pd.DataFrame,
    methods,
    budgets,
    seeds: int,
    noise: float | None = None,
    reference_cost: float | None = None,
    budget_trials: int = BUDGET_TRIALS,
    candidates: dict | None = None,
) -> dict:
    """The benchmark on a two-fidelity table (module docstring, 4.): the surrogates
    (`two_fidelity_replay`), every method and seed, `results_rows` and `beat_the_paper`."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    replay, fitted = two_fidelity_replay(table, SearchSpace(), candidates, noise, reference_cost)
    found = curves(methods, replay, budgets, seeds)
    return {
        **fitted,
        "noise_std": {PROXY: replay.noise_std, REFERENCE: replay.reference_noise_std},
        "reference_cost": replay.reference_cost,
        "reference_latency_ms": replay.reference_ms,
        "seeds": seeds,
        "budgets": list(budgets),
        "results": results_rows(found, budgets),
        "beat_the_paper": beat_the_paper(table, replay, budget_trials, seeds),
        "samplers": found,
    }


def results_rows(found: dict, budgets) -> list[dict]:
    """Per method and budget: the hypervolume's mean and standard error over seeds, the gain of
    the mean over random search's and the p-value of a paired Wilcoxon signed-rank test against
    random search over the seeds (None where every difference is zero, or without random)."""
    rows = []
    for method, curve in found.items():
        for budget in budgets:
            runs = np.asarray(curve[str(budget)]["runs"], float)
            random = found.get("random", {}).get(str(budget))
            baseline = None if random is None else np.asarray(random["runs"], float)
            rows.append(
                {
                    "method": method,
                    "trials": int(budget),
                    "hypervolume_mean": float(runs.mean()),
                    "hypervolume_se": _none_if_nan(stats.sem(runs)) if len(runs) > 1 else None,
                    "gain_over_random": None
                    if baseline is None or baseline.mean() == 0
                    else float(runs.mean() / baseline.mean() - 1),
                    "p_value": None if baseline is None else paired_p_value(runs, baseline),
                }
            )
    return rows


def paired_p_value(runs: np.ndarray, baseline: np.ndarray) -> float | None:
    """Wilcoxon signed-rank test of paired runs (None where every difference is zero)."""
    if not np.any(runs - baseline):
        return None
    return _none_if_nan(stats.wilcoxon(runs, baseline).pvalue)


def _none_if_nan(value) -> float | None:
    return None if value is None or np.isnan(value) else float(value)


def beat_the_paper(table: pd.DataFrame, replay: Replay, budget: int, seeds: int) -> dict:
    """For `benchmarks/beat_the_paper.py`: random search of `budget` trials against paper-dpc,
    means over seeds (per seed in `per_seed`) of `latency_matched_gain` (the best reference mIOU
    on the front at or below paper-dpc's latency minus paper-dpc's) and `speedup_at_equal_miou`
    (paper-dpc's latency over the lowest on the front with at least paper-dpc's reference mIOU);
    None where no seed has one. Paper-dpc: its latency on the shipped table (half the reference
    latency), its reference mIOU `paper_reference_miou`."""
    paper_ms = replay.reference_ms / REFERENCE_FACTOR
    paper_miou = paper_reference_miou(table, replay)
    per_seed = {"latency_matched_gain": [], "speedup_at_equal_miou": []}
    for seed in range(seeds):
        front = simulate("random", replay, [budget], seed)[budget]["front"]
        front = np.asarray(front, float).reshape(-1, 2)
        matched, equal = front[front[:, 1] <= paper_ms, 0], front[front[:, 0] >= paper_miou, 1]
        gain = matched.max() - paper_miou if len(matched) else None
        per_seed["latency_matched_gain"].append(_none_if_nan(gain))
        per_seed["speedup_at_equal_miou"].append(paper_ms / equal.min() if len(equal) else None)
    means = {
        key: _none_if_nan(np.mean([value for value in values if value is not None]))
        if any(value is not None for value in values)
        else None
        for key, values in per_seed.items()
    }
    paper = {"miou": paper_miou, "latency_ms": paper_ms}
    return {"trials": budget, "seeds": seeds, "paper_dpc": paper, **means, "per_seed": per_seed}


def paper_reference_miou(table: pd.DataFrame, replay: Replay) -> float:
    """Paper-dpc's reference mIOU: the mean of the table's reference rows named paper-dpc (the
    panel's), else the reference surrogate's."""
    rows = at_fidelity(table, REFERENCE)
    if "name" in rows and (rows["name"] == "paper-dpc").any():
        return float(rows.loc[rows["name"] == "paper-dpc", "miou"].mean())
    space = replay.space
    paper = get_preset("paper-dpc").replace(
        input_size=space.input_size, num_classes=space.num_classes
    )
    params = space.params_from_config(paper)
    return float(replay.truth(params, replay.evaluate(params)[0]))


def format_table(result: dict) -> str:
    """Hypervolume per sampler and budget (mean +- std over seeds), and the gain over random."""
    budgets = result["budgets"]
    lines = [
        "| sampler | " + " | ".join(f"{budget} trials" for budget in budgets) + " |",
        "|---|" + "---|" * len(budgets),
    ]
    random = result["samplers"].get("random")
    for name, curve in result["samplers"].items():
        cells = []
        for budget in budgets:
            entry = curve[str(budget)]
            gain = (
                f" ({entry['mean'] / random[str(budget)]['mean'] - 1:+.1%})"
                if random and name != "random"
                else ""
            )
            cells.append(f"{entry['mean']:.3f} ± {entry['std']:.3f}{gain}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
