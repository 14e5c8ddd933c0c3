"""The proxy-fidelity benchmark on a tiny panel: real trainings cached per (config, setting,
seed), resumed without re-training, and rank statistics against the reference."""

import dataclasses
import json
import os

import pytest

from benchmarks import _runs as runs
from benchmarks import proxy_fidelity as bench
from space import ArchConfig
from trainers import load_dataset

TINY_PANEL = {
    "shufflenet0.5": ArchConfig(depth_multiplier=0.5, head="basic", dpc_branches=()),
    "mobilenet0.35": ArchConfig(
        backbone="mobilenet_v2", depth_multiplier=0.35, head="basic", dpc_branches=()
    ),
}
TINY_REFERENCE = runs.Setting("reference", "64x64/6/2/4e-3")
TINY_PROXY = runs.Setting("proxy", "48x48/3/2/4e-3")


def tiny_benchmark(panel) -> bench.Benchmark:
    """The synthetic benchmark with a tiny panel, one decision, the tiny reference and proxy."""
    return dataclasses.replace(
        bench.benchmark_for("synthetic"),
        panel=panel,
        reference=TINY_REFERENCE,
        settings=(TINY_PROXY,),
        by_name_only=(),
        decisions={"head": [("shufflenet0.5", "shufflenet0.5-dpc")]},
    )


def test_rank_agreement_of_identical_reversed_and_tied_orders():
    assert runs.rank_agreement([1, 2, 3, 4], [10, 20, 30, 40]) == {"spearman": 1.0, "kendall": 1.0}
    assert runs.rank_agreement([4, 3, 2, 1], [10, 20, 30, 40]) == {
        "spearman": -1.0,
        "kendall": -1.0,
    }
    assert runs.rank_agreement([1, 1, 1, 1], [10, 20, 30, 40])["spearman"] is None  # no order


def test_a_gain_over_gflops_comes_with_an_interval_over_the_configs():
    reference = list(range(12))
    assert runs.spearman_gain(reference, reference[::-1], reference) == {
        "difference": 2.0,
        "ci90": [2.0, 2.0],
    }  # always right against always wrong
    one_swap = [1, 0, *reference[2:]]
    gain = runs.spearman_gain(reference, one_swap, reference)
    low, high = gain["ci90"]
    assert gain["difference"] > 0 and low == 0 and high > 0  # one swap: not told from chance


def test_the_partial_spearman_asks_what_a_predictor_knows_beyond_gflops():
    gflops = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]  # pairs of the same cost
    reference = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]  # the costlier, the better; within a
    # pair, the second
    knows_the_pairs = runs.partial_spearman(reference, gflops, reference)
    assert knows_the_pairs["partial_spearman"] == 1.0 and knows_the_pairs["ci90"][0] > 0.5
    swaps_every_pair = [2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11]  # ranks cost right, pairs wrong
    assert runs.spearman_gain(swaps_every_pair, gflops, reference)["difference"] < 0.03
    assert runs.partial_spearman(swaps_every_pair, gflops, reference)["partial_spearman"] < -0.9
    assert runs.partial_spearman(gflops, gflops, reference)["partial_spearman"] == 0.0


def test_data_checks_report_spread_seed_noise_and_decisions():
    reference = {
        "paper-basic": [0.50, 0.52],
        "paper-dpc": [0.60, 0.60],
        "shufflenet0.5-basic": [0.40, 0.40],
    }
    checks = bench.data_checks(reference)
    assert checks["spread"] == pytest.approx(0.20)
    assert checks["seed_std"] == pytest.approx((0.02**2 / 2 / 3) ** 0.5, abs=1e-4)
    (head,) = checks["decisions"]["head"]
    assert head["difference"] == pytest.approx(0.09) and head["significant"]
    assert checks["decisions"]["output_stride"] == []  # pair not in the panel


@pytest.mark.parametrize("data", ["synthetic", "camvid:/data/camvid"])
def test_each_decision_pair_of_the_panel_differs_in_that_decision_only(data):
    changed_by = {
        "backbone": {"backbone"},
        "width": {"depth_multiplier"},
        "output_stride": {"output_stride"},
        "head": {"head", "dpc_branches"},
        "decoder": {"decoder"},
        "dpc_cell": {"dpc_branches"},
    }
    benchmark = bench.benchmark_for(data)
    for decision, pairs in benchmark.decisions.items():
        for worse, better in pairs:
            first, second = (benchmark.panel[name].to_dict() for name in (worse, better))
            assert {key for key in first if first[key] != second[key]} == changed_by[decision]


def test_camvid_has_its_own_panel_files_and_frame_relative_proxies():
    camvid, synthetic = bench.benchmark_for("camvid:/data/camvid"), bench.benchmark_for("synthetic")
    assert camvid.cache != synthetic.cache and camvid.report.name == "proxy_fidelity_camvid.json"
    assert len(camvid.panel) >= 16 and camvid.cost_size == (360, 480)
    reference = camvid.reference.fidelity
    assert (reference.crop, reference.steps, reference.batch_size) == ((256, 256), 800, 8)
    quarter = camvid.setting("quarter-frames")
    assert quarter.fidelity.frame_scale == 0.25 and quarter.key.endswith("-scale0.25")


@pytest.mark.slow
def test_trainings_are_cached_and_a_later_run_trains_only_what_is_missing(tmp_path):
    cache = runs.RunCache(tmp_path / "runs.jsonl")
    panel = {"shufflenet0.5": TINY_PANEL["shufflenet0.5"]}
    data = load_dataset("synthetic", train_size=16, val_size=4)
    version = runs.data_version(data)
    assert version == "synthetic@scenes-v2"
    assert len(runs.missing_runs(cache, version, [TINY_PROXY], (0, 1), panel)) == 2

    runs.run_missing(
        cache,
        data,
        [TINY_PROXY],
        (0,),
        panel,
        tmp_path / "work",
        threads=1,
        cost_size=64,
        log=lambda line: None,
    )
    reread = runs.RunCache(tmp_path / "runs.jsonl")  # a later run reads what is done
    missing = runs.missing_runs(reread, version, [TINY_PROXY], (0, 1), panel)
    assert [(name, seed) for name, _, _, seed in missing] == [("shufflenet0.5", 1)]
    row = reread.get(version, panel["shufflenet0.5"], TINY_PROXY, 0)
    assert 0 <= row["miou"] <= 1 and row["wall_seconds"] > 0 and row["gflops"] > 0
    assert row["setting"] == "48x48-3steps-lr0.004-batch2" and row["seed"] == 0


@pytest.mark.slow
def test_a_later_rung_setting_continues_from_its_start_settings_weights(tmp_path):
    rung = runs.Setting("rung", "64x64/3/2/1e-3", start=TINY_PROXY)
    assert rung.key == "64x64-3steps-lr0.001-batch2-from-48x48-3steps-lr0.004-batch2"
    cache = runs.RunCache(tmp_path / "runs.jsonl")
    panel = {"shufflenet0.5": TINY_PANEL["shufflenet0.5"]}
    data = load_dataset("synthetic", train_size=16, val_size=4)
    runs.run_missing(
        cache,
        data,
        [rung],
        (0,),
        panel,
        tmp_path / "work",
        threads=1,
        cost_size=64,
        log=lambda line: None,
    )
    start = runs.run_folder(panel["shufflenet0.5"], TINY_PROXY, 0, tmp_path / "work")
    folder = runs.run_folder(panel["shufflenet0.5"], rung, 0, tmp_path / "work")
    assert (start / "metrics.json").is_file()  # the start was trained first
    recipe = json.loads((folder / "data.json").read_text())  # the run's recipe
    assert recipe["init_weights"] == str(start) and recipe["input_size"] == [64, 64]
    assert cache.get(runs.data_version(data), panel["shufflenet0.5"], rung, 0)["miou"] >= 0


def cached(tmp_path, panel: dict, results: dict) -> runs.RunCache:
    """A run cache holding {(setting, name, seed): mIOU} of `panel`'s configs."""
    cache = runs.RunCache(tmp_path / "runs.jsonl")
    for (setting, name, seed), miou in results.items():
        config = panel[name]
        cache.add(
            {
                "data": "synthetic@scenes-v2",
                "config_id": config.id,
                "name": name,
                "config": config.to_dict(),
                "setting": setting.key,
                "seed": seed,
                "miou": miou,
                "wall_seconds": 10.0 if setting is TINY_PROXY else 80.0,
                "train_seconds": 7.0,
                "eval_seconds": 1.0,
                "load_average": 1.0,
                "gflops": 0.1 + len(name) / 100,
                "params": len(name),
            }
        )
    return cache


def test_the_report_ranks_each_setting_against_the_reference(tmp_path):
    panel = {
        **TINY_PANEL,
        "shufflenet0.5-dpc": TINY_PANEL["shufflenet0.5"].replace(
            head="dpc", dpc_branches=[{"op": "conv", "kernel": 3, "rate": [1, 1], "input": -1}]
        ),
    }
    results = {}
    for name, reference, proxy in (
        ("shufflenet0.5", (0.40, 0.42), (0.20, 0.21)),
        ("mobilenet0.35", (0.50, 0.50), (0.26, 0.24)),
        ("shufflenet0.5-dpc", (0.45, 0.47), (0.23, 0.25)),
    ):
        for seed in (0, 1):
            results[TINY_REFERENCE, name, seed] = reference[seed]
            results[TINY_PROXY, name, seed] = proxy[seed]
    result = bench.report(
        cached(tmp_path, panel, results),
        "synthetic",
        (0, 1),
        default="proxy",
        benchmark=tiny_benchmark(panel),
    )
    json.dumps(result)  # the report is plain JSON
    assert [entry["name"] for entry in result["panel"]] == list(panel)
    (proxy,) = result["settings"]
    assert proxy["default"] is True
    assert proxy["spearman"] == 1.0 and proxy["kendall"] == 1.0  # same order as the reference
    assert proxy["seed_spearman"] == pytest.approx(0.5)  # seed 1 swaps the last two
    assert proxy["mean_abs_seed_difference"] == pytest.approx(0.0167, abs=1e-4)
    assert proxy["seconds_per_trial"] == 10.0
    assert proxy["relative_compute"] == pytest.approx(48**2 * 3 / 64**2 / 6, abs=1e-3)
    assert result["reference"]["spread"] == pytest.approx(0.09)
    assert proxy["versus_gflops"]["difference"] == pytest.approx(1.0 - result["gflops_spearman"])
    assert -1.0 <= proxy["beyond_gflops"]["partial_spearman"] <= 1.0
    (head,) = result["decisions"]  # shufflenet0.5 -> shufflenet0.5-dpc, +0.05 at the reference
    assert head["reference_effect"] == pytest.approx(0.05)
    assert head["proxy_effects"] == {"proxy": pytest.approx(0.035)}
    assert proxy["decision_signs"] == {"agree": 1, "resolved": 1}
    assert proxy["targets"]["spearman>=0.85"] and not proxy["targets"]["seed_spearman>=0.9"]
    assert proxy["targets"]["seconds<=reference/8"]  # 10 s against 80 s
    assert "| proxy (default)" in bench.format_table(result)
    bench.plot(result, tmp_path / "proxy_fidelity.png")  # one scatter per setting and GFLOPs
    assert (tmp_path / "proxy_fidelity.png").read_bytes()[:4] == b"\x89PNG"


def test_a_run_resumed_after_a_kill_counts_its_training_not_its_last_wall_time():
    finished_before_the_kill = {"wall_seconds": 1.3, "train_seconds": 45.1, "eval_seconds": 4.2}
    assert bench.run_seconds(finished_before_the_kill) == pytest.approx(49.3)
    in_one_go = {"wall_seconds": 83.4, "train_seconds": 54.4, "eval_seconds": 7.5}
    assert bench.run_seconds(in_one_go) == 83.4  # model building and data included


def test_an_incomplete_reference_is_reported_as_such(tmp_path):
    result = bench.report(
        runs.RunCache(tmp_path / "none.jsonl"), "synthetic", benchmark=tiny_benchmark(TINY_PANEL)
    )
    assert result["status"] == "reference incomplete: 0 of 4 runs"


def test_a_run_is_claimed_by_one_live_worker_at_a_time(tmp_path):
    claim = tmp_path / "run.claim"
    assert runs.take_claim(claim)
    assert not runs.take_claim(claim)  # this process is alive: the claim holds
    claim.write_text("999999999")  # a worker that died
    assert runs.take_claim(claim) and claim.read_text() == str(os.getpid())
