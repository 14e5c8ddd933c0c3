"""The cell-proxy benchmark's report on a made-up run cache: the heads' spread, seed noise and
seed-to-seed agreement, and the panel heads ranked against the shipped reference."""

import pytest

from benchmarks import cell_proxy
from benchmarks._runs import RunCache
from trainers.cell_proxy import CellProxy


def made_up_cache(path, named):
    """Head k scores 0.40 + 0.01 k, seed 1 a little higher."""
    cache, setting = RunCache(path), cell_proxy.proxy_setting(CellProxy())
    version = cell_proxy._version("synthetic")
    for rank, (name, config) in enumerate(named.items()):
        for seed in (0, 1):
            cache.add({"data": version, "config_id": config.id, "name": name,
                       "setting": setting.key, "seed": seed, "miou": 0.40 + 0.01 * rank + 0.002 * seed,
                       "seconds": 10.0})
    return RunCache(path)


def test_the_report_gives_spread_noise_agreement_and_the_panel_against_the_reference(tmp_path):
    named = cell_proxy.heads(2)
    assert list(named)[:6] == list(cell_proxy.PANEL_HEADS) and len(named) == 8
    assert all(config.head == "dpc" for name, config in named.items() if name.startswith("cell-"))
    report = cell_proxy.report(made_up_cache(tmp_path / "runs.jsonl", named), "synthetic",
                               named, (0, 1))
    assert report["count"] == 8 and report["seconds_per_head"] == 10.0
    assert report["spread"] == pytest.approx(0.07)
    assert report["seed_std"] == pytest.approx(0.0014, abs=1e-4)
    assert report["seed_spearman"] == 1.0
    assert report["separated_pairs"] == 1.0  # 0.01 apart, seed std 0.0014: every pair
    panel = report["panel"]
    assert panel["heads"] == list(cell_proxy.PANEL_HEADS)
    assert len(panel["reference"]) == 6  # from the shipped proxy-fidelity runs
    for predictor in ("cell_proxy", "search_proxy", "gflops"):
        assert -1.0 <= panel[predictor]["spearman"] <= 1.0
    assert 0.0 <= panel["search_proxy"]["separated_pairs"] <= 1.0
