"""The surrogate of a space table: a scikit-learn regressor of a config's mIOU at one fidelity
from its conditional parameters and predicted latency (the NAS-Bench-301 method), chosen by
held-out Spearman, and the objective a simulated search asks (`objective`)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats

from results.pareto import REFERENCE_FACTOR
from space import SearchSpace, get_preset

LATENCY_TABLE = "amd-epyc-2vcpu-2026-11-24"  # the shipped CPU table: the same on every machine


def one_thread(function):
    """`function` run with one thread per native library: the surrogate predicts one config at
    a time, and scikit-learn's OpenMP threads made that 150x slower on a busy 2-core machine."""

    @functools.wraps(function)
    def limited(*args, **kwargs):
        import sklearn.ensemble  # noqa: F401  OpenMP loaded first: the limit reaches loaded ones
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return function(*args, **kwargs)

    return limited


class Surrogate:
    """A regressor of a config's mIOU at one fidelity from its parameters (ordinal codes,
    missing where the config does not use the parameter), its predicted latency and, with
    `base` (the proxy's surrogate, for the reference's), the mIOU `base` predicts for it."""

    def __init__(self, space: SearchSpace, regressor, base: Surrogate | None = None):
        self.space, self.regressor, self.base = space, regressor, base
        self.choices = space.choices()

    def features(self, params: list[dict], latency_ms) -> np.ndarray:
        columns = [
            [_code(options, row.get(name)) for row in params]
            for name, options in self.choices.items()
        ]
        based = [] if self.base is None else [self.base.predict(params, latency_ms)]
        return np.column_stack([*columns, np.log(np.asarray(latency_ms, float)), *based])

    def fit(self, params: list[dict], latency_ms, miou) -> "Surrogate":
        features = self.features(params, latency_ms)
        self.used = ~np.isnan(features).all(axis=0)  # a parameter no config here uses: left out
        self.regressor.fit(features[:, self.used], miou)
        return self

    def predict(self, params: list[dict], latency_ms) -> np.ndarray:
        return self.regressor.predict(self.features(params, latency_ms)[:, self.used])


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


def reference_regressors() -> dict:
    """The reference's candidates: `regressors()` and a linear model of the last two features,
    log latency and the proxy surrogate's mIOU (the reference rows are few)."""
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    last_two = FunctionTransformer(lambda features: features[:, -2:])
    return {
        **regressors(),
        "linear-on-proxy": lambda: make_pipeline(last_two, LinearRegression()),
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


def fit_surrogate(means: pd.DataFrame, space: SearchSpace, make, base=None) -> Surrogate:
    """A `Surrogate` with the regressor `make()` fitted on all of `config_means`' rows."""
    return Surrogate(space, make(), base).fit(
        params_of(means, space), means["latency_ms"].to_numpy(), means["miou"].to_numpy()
    )


def held_out_spearman(
    means: pd.DataFrame, space: SearchSpace, make, folds: int = 5, base=None
) -> float:
    """Spearman of out-of-fold predictions against the measured mean mIOU."""
    from sklearn.model_selection import KFold

    params, latency = params_of(means, space), means["latency_ms"].to_numpy()
    miou, predicted = means["miou"].to_numpy(), np.zeros(len(means))
    for train, test in KFold(min(folds, len(means)), shuffle=True, random_state=0).split(params):
        model = Surrogate(space, make(), base).fit(
            [params[i] for i in train], latency[train], miou[train]
        )
        predicted[test] = model.predict([params[i] for i in test], latency[test])
    return float(stats.spearmanr(predicted, miou).statistic)


def best_surrogate(means: pd.DataFrame, space: SearchSpace, candidates: dict, base=None):
    """(the candidate with the best held-out Spearman fitted on all of `means`, its name, every
    candidate's Spearman)."""
    fits = {
        name: held_out_spearman(means, space, make, base=base) for name, make in candidates.items()
    }
    best = max(fits, key=lambda name: np.nan_to_num(fits[name], nan=-1.0))
    return fit_surrogate(means, space, candidates[best], base), best, fits


def seed_noise(table: pd.DataFrame) -> float:
    """The std of one training's mIOU around its config's mean, pooled over configs (NaN where
    no config has two seeds)."""
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


def by_params(function: Callable[[dict], object]) -> Callable[[dict], object]:
    """`function(params)`, cached on the parameters' values (configs repeat in a search)."""
    cached = functools.lru_cache(maxsize=None)(lambda key: function(dict(key)))
    return lambda params: cached(tuple(sorted(params.items())))


def predict(surrogate: Surrogate, params: dict, latency_ms: float) -> float:
    return float(surrogate.predict([params], [latency_ms])[0])


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
        return predict(surrogate, params, ms), ms

    return by_params(evaluate), space, REFERENCE_FACTOR * latency(get_preset("paper-dpc"))
