"""The searcher benchmark on a small made-up space table: a surrogate fitted on it, simulated
searches of real Optuna samplers over the search's own conditional space."""

import pandas as pd
import pytest

from benchmarks import searchers
from benchmarks.space_table import param_columns
from nas.search.samplers import SAMPLERS, make_sampler, nsga2_population
from space import SearchSpace


def made_up_table(count=60):
    """mIOU grows with width and output stride 8, latency from the shipped table (by name:
    `host` would first fit this machine's factors against it)."""
    from latency_models import load_table, predict_latency

    space, latency_table, rows = SearchSpace(), load_table("amd-epyc-2vcpu-2026-11-24"), []
    for index in range(count):
        config = space.sample(index)
        miou = 0.3 + 0.1 * config.depth_multiplier + 0.05 * (config.output_stride == 8)
        latency = predict_latency(config.replace(input_size=(224, 224)), latency_table)
        for seed in (0, 1):
            rows.append(
                {
                    "config_id": config.id,
                    **param_columns(space, config),
                    "seed": seed,
                    "miou": miou + 0.01 * (seed - 0.5),
                    "latency_ms": latency,
                }
            )
    table = pd.DataFrame(rows)
    for column in space.choices():
        table[column] = table[column].astype("string")
    return table


def test_every_sampler_is_made_by_name():
    for name in SAMPLERS:
        make_sampler(name, seed=0, budget_trials=50)
    assert (
        nsga2_population(10) == 8 and nsga2_population(100) == 20 and nsga2_population(None) == 50
    )
    with pytest.raises(ValueError, match="unknown sampler 'cma'"):
        make_sampler("cma")


def test_surrogate_learns_the_table_and_simulated_searches_report_hypervolume():
    from sklearn.ensemble import HistGradientBoostingRegressor

    table = made_up_table()
    quick = {"boosting": lambda: HistGradientBoostingRegressor(max_iter=50, min_samples_leaf=4)}
    result = searchers.run(table, ["random", "tpe"], budgets=(5, 10), seeds=2, candidates=quick)
    assert result["configs"] == table["config_id"].nunique()
    assert result["noise_std"] == pytest.approx(0.00707, abs=5e-4)  # seeds differ by 0.01
    assert result["seed_difference"]["mean"] == pytest.approx(0.01)
    assert max(result["held_out_spearman"].values()) > 0.8
    for name in ("random", "tpe"):
        curve = result["samplers"][name]
        assert len(curve["10"]["runs"]) == 2
        assert 0 < curve["5"]["mean"] <= curve["10"]["mean"]  # a front only grows
    assert "| tpe |" in searchers.format_table(result)


def test_a_boxed_sampler_is_steered_under_the_reference_latency():
    table = made_up_table()
    space = SearchSpace()
    surrogate = searchers.fit_surrogate(
        searchers.config_means(table, space), space, searchers.regressors()["random-forest"]
    )
    replay = searchers.Replay(*searchers.objective(surrogate, space), noise_std=0.005)
    runs = {name: searchers.simulate(name, replay, [40], 0)[40] for name in ("tpe", "tpe+box")}
    assert 0 < runs["tpe"]["in_box"] < runs["tpe+box"]["in_box"] <= 1
    assert runs["tpe+box"]["hypervolume"] > 0
