"""The space table: sampled configs of the default space plus the data's panel, one row per
(config, fidelity, seed) of the run cache, read back with `load`."""

import json

from benchmarks import _runs as runs
from benchmarks import camvid_panel
from benchmarks import space_table as bench
from space import ArchConfig, SearchSpace

DATA = "camvid:/frames/anywhere"
PROXY = runs.Setting("search-default", "90x120@0.25/250/16/4e-3")


def test_the_camvid_table_holds_samples_then_its_panel_and_a_reference_share():
    spec = bench.spec_of(DATA)
    configs = bench.table_configs(30, spec.panel)

    names = list(configs)
    assert names[:30] == [name for name in names if name.startswith("sample-")]
    ids = {config.id for config in configs.values()}
    assert {config.id for config in camvid_panel.PANEL.values()} <= ids
    assert len(ids) == len(configs)
    assert list(bench.reference_configs(configs, spec)) == names[: spec.reference_configs]
    assert bench.spec_of("synthetic").reference_configs == 0
    assert bench.spec_of("cityscapes:/x") is None


def test_a_table_has_one_row_per_config_fidelity_and_seed_and_loads_back(tmp_path):
    cache, version = runs.RunCache(tmp_path / "runs.jsonl"), runs.data_version(DATA)
    configs = bench.table_configs(3, {})
    for index, (name, config) in enumerate(configs.items()):
        for seed in (0, 1):
            measured = {"miou": 0.3 + index / 10 + seed / 100, "gflops": 1.0, "params": 10}
            measured.update(wall_seconds=40.0, load_average=2.0)
            cache.record(version, name, config, PROXY, seed, **measured)
        if index == 0:
            cache.record(version, name, config, runs.REFERENCE, 0, **{**measured, "miou": 0.5})
    latency = {name: {"latency_ms": 5.0, "host_latency_ms": 9.0} for name in configs}
    settings = {bench.PROXY: PROXY, bench.REFERENCE_FIDELITY: runs.REFERENCE}

    table = bench.export(cache, DATA, settings, configs, [0, 1], latency)
    table.to_parquet(tmp_path / "table.parquet", index=False)
    loaded = bench.load(tmp_path / "table.parquet")

    assert len(loaded) == 3 * 2 + 1
    assert loaded.groupby("fidelity").size().to_dict() == {"proxy": 6, "reference": 1}
    first = loaded[loaded["fidelity"] == "reference"].iloc[0]
    assert ArchConfig.from_dict(json.loads(first["config"])).id == first["config_id"]
    assert first["miou"] == 0.5 and first["host_latency_ms"] == 9.0
    for column in SearchSpace().choices():
        if column in loaded:
            assert loaded[column].dtype == "string"
