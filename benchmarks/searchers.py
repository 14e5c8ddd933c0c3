"""Which sampler finds the best mIOU / latency front for the budgets users run, measured on a
surrogate of our own space (the NAS-Bench-301 method), in seconds instead of days.

    python -m benchmarks.searchers [--seeds 20] [--budgets 10 25 50 100 200]

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
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
from scipy import stats

from nas.search.param_space import CONSTRAINT
from nas.search.samplers import SAMPLERS, make_sampler
from results.pareto import REFERENCE_FACTOR, hypervolume, nondominated_ranks
from space import SearchSpace, get_preset

HERE = Path(__file__).resolve().parent
TABLE = HERE / "data" / "space_table.parquet"
REPORT = HERE / "data" / "searchers.json"
BUDGETS = (10, 25, 50, 100, 200)
LATENCY_TABLE = "amd-epyc-2vcpu-2026-11-24"  # the shipped CPU table: the same on every machine
BUDGET_SIZED = ("nsga2",)  # samplers whose settings depend on the budget
BOXED = "+box"  # a sampler name with this suffix: constrained to the hypervolume's box


class Surrogate:
    """A regressor of the proxy mIOU of a config from its parameters (ordinal codes, missing
    where the config does not use the parameter) and its predicted latency."""

    def __init__(self, space: SearchSpace, regressor):
        self.space, self.regressor = space, regressor
        self.choices = space.choices()

    def features(self, params: list[dict], latency_ms) -> np.ndarray:
        columns = [
            [_code(options, row.get(name)) for row in params]
            for name, options in self.choices.items()
        ]
        return np.column_stack([*columns, np.log(np.asarray(latency_ms, float))])

    def fit(self, params: list[dict], latency_ms, miou) -> "Surrogate":
        self.regressor.fit(self.features(params, latency_ms), miou)
        return self

    def predict(self, params: list[dict], latency_ms) -> np.ndarray:
        return self.regressor.predict(self.features(params, latency_ms))


def _code(options: list, value) -> float:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    return float([str(option) for option in options].index(str(value)))


def regressors() -> dict:
    """Candidate regressors (scikit-learn), by name."""
    from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor

    return {
        "hist-gradient-boosting": lambda: HistGradientBoostingRegressor(
            max_iter=300, learning_rate=0.05, min_samples_leaf=8, random_state=0
        ),
        "random-forest": lambda: RandomForestRegressor(
            n_estimators=300, min_samples_leaf=2, random_state=0
        ),
    }


def config_means(table: pd.DataFrame, space: SearchSpace) -> pd.DataFrame:
    """One row per config: its parameters, mean mIOU over seeds and predicted latency."""
    names = [name for name in space.choices() if name in table]
    grouped = table.groupby("config_id", sort=False)
    means = grouped[["miou", "latency_ms"]].mean()
    first = grouped[names].first()
    return means.join(first).reset_index()


def params_of(rows: pd.DataFrame, space: SearchSpace) -> list[dict]:
    """The parameter dicts of table rows (numbers back from the table's text columns)."""
    choices = space.choices()
    result = []
    for row in rows.to_dict("records"):
        params = {}
        for name, options in choices.items():
            value = row.get(name)
            if value is not None and not pd.isna(value):
                params[name] = next(option for option in options if str(option) == str(value))
        result.append(params)
    return result


def fit_surrogate(means: pd.DataFrame, space: SearchSpace, make) -> Surrogate:
    """A `Surrogate` with the regressor `make()` fitted on all of `config_means`' rows."""
    return Surrogate(space, make()).fit(
        params_of(means, space), means["latency_ms"].to_numpy(), means["miou"].to_numpy()
    )


def held_out_spearman(means: pd.DataFrame, space: SearchSpace, make, folds: int = 5) -> float:
    """Spearman of out-of-fold predictions against the measured mean mIOU."""
    from sklearn.model_selection import KFold

    params, latency = params_of(means, space), means["latency_ms"].to_numpy()
    miou, predicted = means["miou"].to_numpy(), np.zeros(len(means))
    for train, test in KFold(folds, shuffle=True, random_state=0).split(params):
        model = Surrogate(space, make()).fit(
            [params[i] for i in train], latency[train], miou[train]
        )
        predicted[test] = model.predict([params[i] for i in test], latency[test])
    return float(stats.spearmanr(predicted, miou).statistic)


@dataclasses.dataclass(frozen=True)
class Replay:
    """What a simulated search runs against: `evaluate(params) -> (mIOU, latency)` on `space`,
    the hypervolume's reference latency and the seed noise added to each observed mIOU."""

    evaluate: Callable[[dict], tuple[float, float]]
    space: SearchSpace
    reference_ms: float
    noise_std: float


def simulate(sampler_name: str, replay: Replay, budgets, seed: int) -> dict:
    """One simulated search of max(budgets) trials; after each budget, the hypervolume and
    the share of the trials within its reference latency (`in_box`). A name ending in `BOXED`
    sets the latency constraint `latency - reference` on every trial, as `nas search
    --latency-target` does, at the hypervolume's reference latency."""
    rng = np.random.default_rng(seed)
    name = sampler_name.removesuffix(BOXED)
    study = optuna.create_study(
        directions=["maximize", "minimize"], sampler=make_sampler(name, seed, max(budgets))
    )
    observed, true, in_box = [], [], 0
    result = {}
    for number in range(1, max(budgets) + 1):
        trial = study.ask()
        miou, latency = replay.evaluate(replay.space.suggest(trial.suggest_categorical))
        if name != sampler_name:
            trial.set_constraint(CONSTRAINT, latency - replay.reference_ms)
        in_box += latency <= replay.reference_ms
        noisy = miou + rng.normal(0, replay.noise_std)
        study.tell(trial, [noisy, latency])
        observed.append((noisy, latency))
        true.append((miou, latency))
        if number in budgets:
            front = np.flatnonzero(nondominated_ranks(observed) == 0)
            result[number] = {
                "hypervolume": hypervolume([true[i] for i in front], replay.reference_ms),
                "in_box": in_box / number,
            }
    return result


def sampler_curve(sampler_name: str, replay: Replay, budgets, seed: int) -> dict:
    """`simulate`'s results after each budget: one search of the largest budget, or, for a
    sampler sized to its budget (NSGA-II's population), one search per budget, as `nas search`
    runs."""
    if sampler_name.removesuffix(BOXED) in BUDGET_SIZED:
        return {
            budget: simulate(sampler_name, replay, [budget], seed)[budget] for budget in budgets
        }
    return simulate(sampler_name, replay, budgets, seed)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", type=Path, default=TABLE)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--budgets", type=int, nargs="+", default=list(BUDGETS))
    parser.add_argument(
        "--samplers",
        nargs="+",
        default=list(SAMPLERS),
        help=f"sampler names; NAME{BOXED}: constrained to the hypervolume's reference latency",
    )
    parser.add_argument(
        "--noise",
        type=float,
        help="seed noise std of the proxy (default: measured, from the table's two seeds)",
    )
    parser.add_argument("--out", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    result = run(pd.read_parquet(args.table), args.samplers, args.budgets, args.seeds, args.noise)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(format_table(result))


def run(
    table: pd.DataFrame,
    samplers,
    budgets,
    seeds: int,
    noise: float | None = None,
    candidates: dict | None = None,
) -> dict:
    """The whole benchmark on a space table: the surrogate (the best of `candidates`, default
    `regressors()`, by held-out Spearman), then every sampler and seed."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = SearchSpace()
    means = config_means(table, space)
    candidates = candidates or regressors()
    fits = {name: held_out_spearman(means, space, make) for name, make in candidates.items()}
    best = max(fits, key=fits.get)
    surrogate = fit_surrogate(means, space, candidates[best])
    noise = noise if noise is not None else seed_noise(table)
    replay = Replay(*objective(surrogate, space), noise)
    curves = {}
    for name in samplers:
        started = time.monotonic()
        runs = [sampler_curve(name, replay, budgets, seed) for seed in range(seeds)]
        curves[name] = {
            "seconds": round(time.monotonic() - started, 1),
            **{str(budget): _over_seeds([run[budget] for run in runs]) for budget in budgets},
        }
    return {
        "configs": int(len(means)),
        "surrogate": best,
        "held_out_spearman": fits,
        "noise_std": noise,
        "seed_difference": seed_difference(table),
        "reference_latency_ms": replay.reference_ms,
        "seeds": seeds,
        "budgets": list(budgets),
        "samplers": curves,
    }


def _over_seeds(results: list[dict]) -> dict:
    volumes = [result["hypervolume"] for result in results]
    return {
        "mean": float(np.mean(volumes)),
        "std": float(np.std(volumes)),
        "runs": volumes,
        "in_box": float(np.mean([result["in_box"] for result in results])),
    }


def seed_noise(table: pd.DataFrame) -> float:
    """The std of one training's mIOU around its config's mean, pooled over configs."""
    spread = table.groupby("config_id")["miou"].agg(lambda values: np.var(values, ddof=1))
    return float(np.sqrt(spread.dropna().mean()))


def seed_pairs(table: pd.DataFrame) -> pd.DataFrame:
    """One row per config trained with seeds 0 and 1: `seed0`, `seed1`, `latency_ms`."""
    rows = table[table["seed"].isin([0, 1])].drop_duplicates(["config_id", "seed"])
    pairs = rows.pivot(index="config_id", columns="seed", values="miou").dropna()
    pairs.columns = [f"seed{seed}" for seed in pairs.columns]
    return pairs.join(rows.groupby("config_id")["latency_ms"].first())


def seed_difference(table: pd.DataFrame) -> dict:
    """Mean and largest |seed 0 - seed 1| of a config's mIOU, over the configs with both:
    the margin under which two trials of one search are a tie (`results.pareto.SEED_NOISE`)."""
    pairs = seed_pairs(table)
    difference = (pairs["seed0"] - pairs["seed1"]).abs()
    return {
        "configs": int(len(difference)),
        "mean": float(difference.mean()),
        "max": float(difference.max()),
    }


def objective(surrogate: Surrogate, space: SearchSpace):
    """(evaluate(params) -> (surrogate mIOU, latency), `space`, hypervolume reference
    latency)."""
    from latency_models import load_table, predict_latency

    table = load_table(LATENCY_TABLE)
    size = (224, 224)

    @functools.lru_cache(maxsize=None)
    def latency(config):
        return float(predict_latency(config.replace(input_size=size), table))

    def evaluate(params: dict) -> tuple[float, float]:
        ms = latency(space.config_from_params(params))
        return float(surrogate.predict([params], [ms])[0]), ms

    return evaluate, space, REFERENCE_FACTOR * latency(get_preset("paper-dpc"))


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
