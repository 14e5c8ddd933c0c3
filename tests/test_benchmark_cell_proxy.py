"""The cell-proxy benchmark's report on a made-up run cache: the heads' spread, seed noise and
seed-to-seed agreement, and the panel heads ranked against the shipped reference, on the
backbone of output stride 16 and of output stride 8."""

import pytest

from benchmarks import cell_proxy
from benchmarks._runs import RunCache
from trainers.cell_proxy import CellProxy


def made_up_cache(path, named, backbone):
    """Head k scores 0.40 + 0.01 k, seed 1 a little higher."""
    cache, setting = RunCache(path), cell_proxy.proxy_setting(CellProxy())
    for rank, (name, config) in enumerate(named.items()):
        for seed in (0, 1):
            cache.add(
                {
                    "data": backbone.version("synthetic"),
                    "config_id": config.id,
                    "name": name,
                    "setting": setting.key,
                    "seed": seed,
                    "miou": 0.40 + 0.01 * rank + 0.002 * seed,
                    "seconds": 10.0,
                }
            )
    return RunCache(path)


@pytest.mark.parametrize("stride", [16, 8])
def test_the_report_gives_spread_noise_agreement_and_the_panel_against_the_reference(
    tmp_path, stride
):
    backbone = cell_proxy.BACKBONES[stride]
    named = cell_proxy.heads(2, backbone)
    panel_heads = len(backbone.panel_heads)
    assert list(named)[:panel_heads] == list(backbone.panel_heads)
    assert len(named) == panel_heads + 2
    assert {config.output_stride for config in named.values()} == {stride}
    assert all(config.head == "dpc" for name, config in named.items() if name.startswith("cell-"))
    report = cell_proxy.report(
        made_up_cache(tmp_path / "runs.jsonl", named, backbone),
        "synthetic",
        named,
        (0, 1),
        backbone,
    )
    assert report["backbone_run"] == backbone.run().name
    assert report["count"] == panel_heads + 2 and report["seconds_per_head"] == 10.0
    assert report["spread"] == pytest.approx(0.01 * (panel_heads + 1))
    assert report["seed_std"] == pytest.approx(0.0014, abs=1e-4)
    assert report["seed_spearman"] == 1.0
    assert report["separated_pairs"] == 1.0  # 0.01 apart, seed std 0.0014: every pair
    panel = report["panel"]
    assert panel["heads"] == list(backbone.panel_heads)
    assert len(panel["reference"]) == panel_heads  # from the shipped proxy-fidelity runs
    for predictor in ("cell_proxy", "search_proxy", "gflops"):
        assert -1.0 <= panel[predictor]["spearman"] <= 1.0
    assert 0.0 <= panel["search_proxy"]["separated_pairs"] <= 1.0
