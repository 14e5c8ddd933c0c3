"""The proxy-fidelity benchmark on a tiny panel: real trainings cached per (config, setting,
seed), resumed without re-training, and rank statistics against the reference."""

import json

import pytest

from benchmarks import proxy_fidelity as bench
from space import ArchConfig
from trainers import load_dataset

TINY_PANEL = {
    "shufflenet0.5": ArchConfig(depth_multiplier=0.5, head="basic", dpc_branches=()),
    "mobilenet0.35": ArchConfig(backbone="mobilenet_v2", depth_multiplier=0.35, head="basic",
                                dpc_branches=()),
}
TINY_REFERENCE = bench.Setting("reference", 64, 6, 4e-3, 2)
TINY_PROXY = bench.Setting("proxy", 48, 3, 4e-3, 2)


def test_rank_agreement_of_identical_reversed_and_tied_orders():
    assert bench.rank_agreement([1, 2, 3, 4], [10, 20, 30, 40]) == {"spearman": 1.0, "kendall": 1.0}
    assert bench.rank_agreement([4, 3, 2, 1], [10, 20, 30, 40]) == {"spearman": -1.0, "kendall": -1.0}
    assert bench.rank_agreement([1, 1, 1, 1], [10, 20, 30, 40])["spearman"] is None  # no order


def test_data_checks_report_spread_seed_noise_and_decisions():
    reference = {"paper-basic": [0.50, 0.52], "paper-dpc": [0.60, 0.60],
                 "shufflenet0.5-basic": [0.40, 0.40]}
    checks = bench.data_checks(reference)
    assert checks["spread"] == pytest.approx(0.20)
    assert checks["seed_std"] == pytest.approx((0.02 ** 2 / 2 / 3) ** 0.5, abs=1e-4)
    head, = checks["decisions"]["head"]
    assert head["difference"] == pytest.approx(0.09) and head["significant"]
    assert checks["decisions"]["output_stride"] == []  # pair not in the panel


@pytest.mark.slow
def test_runs_are_cached_and_resumed_and_the_report_ranks_settings(tmp_path):
    cache = bench.RunCache(tmp_path / "runs.jsonl")
    settings, seeds = [TINY_REFERENCE, TINY_PROXY], (0, 1)
    assert len(bench.missing_runs(cache, "synthetic@scenes-v2", settings, seeds, TINY_PANEL)) == 8

    data = load_dataset("synthetic", train_size=16, val_size=4)
    bench.run_missing(cache, data, settings, seeds, tmp_path / "work", threads=1,
                      panel=TINY_PANEL, log=lambda line: None)
    reread = bench.RunCache(tmp_path / "runs.jsonl")  # a later run reads what is done
    version = bench.data_version("synthetic")
    assert bench.missing_runs(reread, version, settings, seeds, TINY_PANEL) == []
    row = reread.get(version, TINY_PANEL["mobilenet0.35"], TINY_PROXY, 1)
    assert 0 <= row["miou"] <= 1 and row["wall_seconds"] > 0 and row["gflops"] > 0

    result = bench.report(reread, "synthetic", seeds, default="proxy", panel=TINY_PANEL,
                          reference_setting=TINY_REFERENCE, settings=[TINY_PROXY])
    json.dumps(result)  # the report is plain JSON
    assert [entry["name"] for entry in result["panel"]] == list(TINY_PANEL)
    proxy, = result["settings"]
    assert proxy["default"] is True and proxy["relative_compute"] == pytest.approx(48 ** 2 * 3 / 64 ** 2 / 6, abs=1e-3)
    for key in ("spearman", "kendall", "seed_spearman", "mean_abs_seed_difference",
                "seconds_per_trial"):
        assert key in proxy
    assert {"gflops_spearman", "params_spearman", "settings", "panel"} <= set(result)
    assert "| proxy (default)" in bench.format_table(result)


def test_an_incomplete_reference_is_reported_as_such(tmp_path):
    result = bench.report(bench.RunCache(tmp_path / "none.jsonl"), "synthetic", panel=TINY_PANEL,
                          reference_setting=TINY_REFERENCE)
    assert result["status"] == "reference incomplete: 0 of 4 runs"
