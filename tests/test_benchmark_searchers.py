"""The searcher benchmark on small made-up space tables: a surrogate fitted on it, simulated
searches of real Optuna samplers over the search's own conditional space; on a two-fidelity
table (as CamVid's), a surrogate per fidelity, searches scored at the reference, the staged
search replayed at equal cost, and the report's rows."""

import json

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from benchmarks import _replay as replays
from benchmarks import _surrogate as surrogates
from benchmarks import searchers
from benchmarks import space_table as table_module
from benchmarks.space_table import param_columns, table_configs
from nas.search.samplers import SAMPLERS, make_sampler, nsga2_population
from space import SearchSpace, get_preset

PROXY_SECONDS, REFERENCE_SECONDS = 40.0, 140.0  # a reference training costs 3.5 proxy ones


def made_up_table(count=60, reference_count=0):
    """mIOU grows with width and output stride 8, latency from the shipped table (by name:
    `host` would first fit this machine's factors against it), seeds 0 and 1 differ by 0.01.
    With `reference_count`, a two-fidelity table like CamVid's: the first configs (seed 0) and
    paper-dpc (the panel: both seeds) also at the reference, where mIOU is 1.5 x the proxy's
    + 0.1."""
    from latency_models import load_table, predict_latency

    space, latency_table, rows = SearchSpace(), load_table("amd-epyc-2vcpu-2026-11-24"), []
    panel = {"paper-dpc": get_preset("paper-dpc")} if reference_count else {}
    configs = table_configs(count, panel)  # distinct samples, then the panel
    for index, (name, config) in enumerate(configs.items()):
        miou = 0.3 + 0.1 * config.depth_multiplier + 0.05 * (config.output_stride == 8)
        latency = predict_latency(config.replace(input_size=(224, 224)), latency_table)
        fidelities = {"proxy": (miou, PROXY_SECONDS, (0, 1))}
        if index < reference_count or name == "paper-dpc":
            seeds = (0, 1) if name == "paper-dpc" else (0,)
            fidelities["reference"] = (1.5 * miou + 0.1, REFERENCE_SECONDS, seeds)
        for fidelity, (value, seconds, seeds) in fidelities.items():
            for seed in seeds:
                rows.append(
                    {
                        "name": name,
                        "config_id": config.id,
                        **param_columns(space, config),
                        "fidelity": fidelity,
                        "seed": seed,
                        "miou": value + 0.01 * (seed - 0.5),
                        "latency_ms": latency,
                        "wall_seconds": seconds,
                    }
                )
    table = pd.DataFrame(rows)
    for column in space.choices():
        table[column] = table[column].astype("string")
    if not reference_count:  # as the synthetic table: the proxy alone, no fidelity column
        table = table.drop(columns=["name", "fidelity", "wall_seconds"])
    return table


def quick_regressors():
    from sklearn.ensemble import HistGradientBoostingRegressor

    return {"boosting": lambda: HistGradientBoostingRegressor(max_iter=50, min_samples_leaf=4)}


QUICK = {
    "proxy": quick_regressors(),
    "reference": {
        **quick_regressors(),
        "linear-on-proxy": surrogates.reference_regressors()["linear-on-proxy"],
    },
}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """As `searchers.run` does (`surrogates.one_thread`): scikit-learn's threads slow the
    surrogate's one-config predictions down on a busy machine."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def two_fidelities(one_thread):
    """A made-up CamVid-like table (60 configs at the proxy, 20 and paper-dpc at the reference)
    and the replay fitted on it."""
    table = made_up_table(60, reference_count=20)
    replay, fitted = searchers.two_fidelity_replay(table, SearchSpace(), QUICK)
    return table, replay, fitted


def test_every_sampler_is_made_by_name():
    for name in SAMPLERS:
        make_sampler(name, seed=0, budget_trials=50)
    assert (
        nsga2_population(10) == 8 and nsga2_population(100) == 20 and nsga2_population(None) == 50
    )
    with pytest.raises(ValueError, match="unknown sampler 'cma'"):
        make_sampler("cma")


def test_surrogate_learns_the_table_and_simulated_searches_report_hypervolume():
    table = made_up_table()
    result = searchers.run(
        table, ["random", "tpe"], budgets=(5, 10), seeds=2, candidates=quick_regressors()
    )
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
    surrogate = surrogates.fit_surrogate(
        surrogates.config_means(table, space), space, surrogates.regressors()["random-forest"]
    )
    replay = replays.Replay(*surrogates.objective(surrogate, space), noise_std=0.005)
    runs = {name: replays.simulate(name, replay, [40], 0)[40] for name in ("tpe", "tpe+box")}
    assert 0 < runs["tpe"]["in_box"] < runs["tpe+box"]["in_box"] <= 1
    assert runs["tpe+box"]["hypervolume"] > 0


def test_each_fidelity_has_its_own_surrogate_the_reference_one_built_on_the_proxy_one(
    two_fidelities,
):
    table, replay, fitted = two_fidelities
    assert fitted["configs"] == table.groupby("fidelity")["config_id"].nunique().to_dict()
    assert set(fitted["held_out_spearman"]["reference"]) == {"boosting", "linear-on-proxy"}
    assert fitted["surrogate_spearman"]["proxy"] > 0.8
    assert fitted["surrogate_spearman"]["reference"] > 0.8
    assert replay.noise_std == pytest.approx(0.00707, abs=5e-4)  # seeds differ by 0.01
    assert replay.reference_noise_std == pytest.approx(0.00707, abs=5e-4)  # paper-dpc's seeds
    assert replay.reference_cost == pytest.approx(REFERENCE_SECONDS / PROXY_SECONDS)

    params = surrogates.params_of(table.head(1), SearchSpace())[0]
    miou, _ = replay.evaluate(params)
    assert replay.truth(params, miou) == pytest.approx(1.5 * miou + 0.1, abs=0.02)


def test_a_staged_search_promotes_the_best_third_and_stays_within_its_budget(two_fidelities):
    _, replay, _ = two_fidelities
    run = replays.staged("random+staged", replay, budget=40, seed=0)

    promotions = replay.reference_cost * run["promoted"]
    assert run["promoted"] >= 1
    assert run["trained"] + promotions <= 40  # the budget counts proxy trainings
    assert promotions <= run["trained"]  # the reference spends no more than the proxy has
    assert 0 < len(run["front"]) <= run["promoted"]  # the front: promoted trials only
    assert run["hypervolume"] > 0


def test_syne_tunes_moasha_is_replayed_as_the_staged_searchs_peer_at_the_same_cost(
    two_fidelities,
):
    _, replay, _ = two_fidelities
    numpy_state = np.random.get_state()[1].copy()
    runs = {
        name: replays.staged(name, replay, budget=40, seed=0)
        for name in ("syne-tune-moasha", "syne-tune-moasha+box-draw")
    }

    for run in runs.values():
        promotions = replay.reference_cost * run["promoted"]
        assert run["promoted"] >= 1 and run["trained"] + promotions <= 40
        assert 0 < len(run["front"]) <= run["promoted"]
    assert runs["syne-tune-moasha+box-draw"]["in_box"] == 1  # drawn again over the box
    assert runs["syne-tune-moasha"] == replays.staged("syne-tune-moasha", replay, 40, seed=0)
    assert (np.random.get_state()[1] == numpy_state).all()  # Syne Tune's draws are its own


def test_a_box_draw_random_search_trains_only_configs_under_the_reference_latency(
    two_fidelities,
):
    _, replay, _ = two_fidelities
    runs = {
        name: replays.simulate(name, replay, [30], seed=0)[30]
        for name in ("random", "random+box-draw")
    }
    assert runs["random"]["in_box"] < runs["random+box-draw"]["in_box"] == 1
    assert all(latency <= replay.reference_ms for _, latency in runs["random+box-draw"]["front"])


def test_the_two_fidelity_report_compares_each_method_with_random_and_scores_the_paper(
    two_fidelities,
):
    table = two_fidelities[0]
    methods = ["random", "random+box-draw", "random+staged"]
    result = searchers.run_fidelities(
        table, methods, budgets=(10, 20), seeds=3, budget_trials=15, candidates=QUICK
    )
    json.dumps(result)  # the report is plain JSON

    assert set(result["surrogate_spearman"]) == {"proxy", "reference"}
    rows = {(row["method"], row["trials"]): row for row in result["results"]}
    assert set(rows) == {(method, trials) for method in methods for trials in (10, 20)}
    for row in rows.values():
        assert set(row) == {
            "method",
            "trials",
            "hypervolume_mean",
            "hypervolume_se",
            "gain_over_random",
            "p_value",
        }
        assert row["hypervolume_mean"] > 0 and row["hypervolume_se"] >= 0
    assert rows["random", 20]["gain_over_random"] == 0 and rows["random", 20]["p_value"] is None
    assert 0 < rows["random+box-draw", 20]["p_value"] <= 1

    paper = result["beat_the_paper"]
    measured = table[(table["name"] == "paper-dpc") & (table["fidelity"] == "reference")]
    assert paper["paper_dpc"]["miou"] == pytest.approx(measured["miou"].mean())
    assert paper["paper_dpc"]["latency_ms"] == pytest.approx(result["reference_latency_ms"] / 2)
    assert paper["trials"] == 15 and len(paper["per_seed"]["latency_matched_gain"]) == 3
    assert isinstance(paper["latency_matched_gain"], float)
    assert paper["speedup_at_equal_miou"] is None or paper["speedup_at_equal_miou"] > 0


def test_the_command_reads_a_table_by_name_or_path_and_writes_its_report(
    two_fidelities, tmp_path, monkeypatch
):
    data = searchers.HERE / "data"
    assert searchers.table_paths("camvid") == (
        data / "camvid_space_table.parquet",
        data / "searchers_camvid.json",
    )
    assert searchers.table_paths("synthetic") == (searchers.TABLE, searchers.REPORT)
    assert (searchers.PROXY, searchers.REFERENCE) == (
        table_module.PROXY,
        table_module.REFERENCE_FIDELITY,
    )

    two_fidelities[0].to_parquet(tmp_path / "table.parquet", index=False)
    monkeypatch.setattr(searchers, "regressors", quick_regressors)
    argv = ["--table", str(tmp_path / "table.parquet"), "--seeds", "2", "--budgets", "10"]
    argv += ["--samplers", "random", "random+staged", "--budget-trials", "10"]
    searchers.main([*argv, "--out", str(tmp_path / "report.json")])

    report = json.loads((tmp_path / "report.json").read_text())
    assert [row["method"] for row in report["results"]] == ["random", "random+staged"]
    assert report["beat_the_paper"]["trials"] == 10


@pytest.mark.parametrize("method", ["simulated-annealing", "tpe+boxed", "syne-tune-moasha+staged"])
def test_an_unknown_method_is_one_line_and_exit_code_2_before_any_work(method, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit:
        searchers.main(["--samplers", "random", method, "--out", str(tmp_path / "report.json")])

    assert exit.value.code == 2
    assert f"unknown method {method!r}" in capsys.readouterr().err
    assert not (tmp_path / "report.json").exists()
