"""The Optuna samplers a search can use, by name (`nas search --algo`), with their settings.

`tpe` is Optuna's multi-objective TPE (its default since Optuna 5); `tpe-multivariate` models
the parameters jointly and by group (the conditional DPC parameters); `nsga2` is NSGA-II with a
population sized to the budget (its default of 50 would leave a 2-hour search on 2 cores with
fewer than 3 generations); `random` samples each parameter uniformly. Which is best for the
budgets users run is measured in `benchmarks/searchers.py`.
"""

from __future__ import annotations

import warnings

import optuna

SAMPLERS = ("tpe", "tpe-multivariate", "nsga2", "random")


def nsga2_population(budget_trials: int | None) -> int:
    """NSGA-II's population for a budget: five generations, 8 to 50 members."""
    return 50 if budget_trials is None else min(50, max(8, budget_trials // 5))


def make_sampler(
    name: str, seed: int | None = None, budget_trials: int | None = None
) -> optuna.samplers.BaseSampler:
    """The sampler called `name` (one of SAMPLERS), seeded."""
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(
            population_size=nsga2_population(budget_trials), seed=seed
        )
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "tpe-multivariate":
        with warnings.catch_warnings():  # `multivariate` and `group` are marked experimental
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.TPESampler(multivariate=True, group=True, seed=seed)
    raise ValueError(f"unknown sampler {name!r}; known: {', '.join(SAMPLERS)}")
