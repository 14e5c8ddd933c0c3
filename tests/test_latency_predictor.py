"""The predictor sums block entries from the same plan the builder uses; missing blocks are
listed exactly or measured on demand; the profiler's block sets cover the search space."""

import json
import random

import pytest

from latency_models import (
    LatencyModel,
    LatencyTable,
    MissingEntries,
    latency_breakdown,
    load_table,
    predict_latency,
)
from latency_models import table as tables
from latency_models.machine import host_metadata
from latency_models.profiler import covering_configs, select_blocks, unique_blocks
from space import get_preset, plan_network
from space.search_space import SearchSpace


def _table_for(configs, overhead=0.0):
    entries = {
        block.signature: {"ms": 0.001 * (index + 1)}
        for index, block in enumerate(unique_blocks(configs))
    }
    return LatencyTable(
        "host", {**host_metadata(1, 5, 50), "invoke_overhead_ms": overhead}, entries
    )


def test_prediction_is_the_sum_of_the_plans_blocks_minus_shared_overhead():
    config = get_preset("paper-dpc").replace(input_size=[224, 224])
    table = _table_for([config], overhead=0.0005)
    blocks = plan_network(config, inference=True).blocks
    expected = sum(table.ms(block.signature) for block in blocks) - 0.0005 * (len(blocks) - 1)
    assert predict_latency(config, table) == pytest.approx(expected)
    breakdown = latency_breakdown(config, table)
    assert list(breakdown)[0] == "preprocess" and list(breakdown)[-1] == "argmax"
    assert {"stem", "dpc_branch4", "head", "classifier", "resize_logits"} <= set(breakdown)


def test_a_latency_model_predicts_at_its_deployment_size_and_pickles_without_its_table(tmp_path):
    import pickle

    deployed = get_preset("paper-dpc").replace(input_size=[96, 128])
    table = _table_for([deployed], overhead=0.0005)
    table.metadata["runtime"] = "TFLite benchmark_model"  # a phone's: no speed of this machine
    path = table.save(tmp_path / "phone.json")
    model = LatencyModel(str(path), (96, 128))
    trained = deployed.replace(input_size=[64, 64])  # the size a search trains at
    assert model.predict(trained) == pytest.approx(predict_latency(deployed, table))
    assert model.table is model.table  # read once
    again = pickle.loads(pickle.dumps(model))  # as Ray Tune ships it
    assert again._table is None and again.predict(trained) == model.predict(trained)
    with pytest.raises(MissingEntries):  # the table covers the deployment size only
        LatencyModel(str(path), (64, 64)).predict(trained)


def test_calibration_scales_the_sum_of_blocks_per_backbone():
    shufflenet = get_preset("paper-dpc").replace(input_size=[224, 224])
    mobilenet = get_preset("mobilenetv2-dpc").replace(input_size=[224, 224])
    table = _table_for([shufflenet, mobilenet])
    summed = {config.backbone: predict_latency(config, table) for config in (shufflenet, mobilenet)}
    table.metadata["calibration"] = {"factors": {"mobilenet_v2": 1.04}}
    assert predict_latency(mobilenet, table) == pytest.approx(1.04 * summed["mobilenet_v2"])
    assert predict_latency(mobilenet, table, calibrated=False) == pytest.approx(
        summed["mobilenet_v2"]
    )
    assert predict_latency(shufflenet, table) == pytest.approx(summed["shufflenet_v2"])  # none


def test_a_users_calibration_of_a_shipped_table_goes_to_the_user_table(tmp_path, monkeypatch):
    monkeypatch.setenv(tables.USER_DIR_ENV, str(tmp_path / "user"))
    monkeypatch.setattr(tables, "SHIPPED_DIR", tmp_path / "shipped")
    config = get_preset("paper-basic").replace(input_size=[64, 64])
    shipped = _table_for([config])
    shipped.metadata["calibration"] = {"factors": {"shufflenet_v2": 0.9}}
    shipped.save(tmp_path / "shipped" / "box.json")
    before = (tmp_path / "shipped" / "box.json").read_text()

    for device in ("box", "host"):  # by its name, and as this machine's table
        table = load_table(device)
        assert table.calibration_factor("shufflenet_v2") == 0.9
    table.metadata["calibration"] = {"factors": {"shufflenet_v2": 1.1}}
    assert tables.save_calibration(table) == tmp_path / "user" / "host.json"
    assert (tmp_path / "shipped" / "box.json").read_text() == before
    assert load_table("host").calibration_factor("shufflenet_v2") == 1.1
    assert load_table("box").calibration_factor("shufflenet_v2") == 0.9


def test_missing_entries_name_the_exact_signatures():
    basic = get_preset("paper-basic").replace(input_size=[224, 224])
    dpc = get_preset("paper-dpc").replace(input_size=[224, 224])
    table = _table_for([basic])
    table.metadata["machine"] |= {
        "reference_ms": table.metadata["machine"]["reference_ms"] * 2,
        "boot": None,
    }  # a machine half as fast: not measurable here
    with pytest.raises(MissingEntries) as error:
        predict_latency(dpc, table)
    expected = [
        block.signature
        for block in plan_network(dpc, inference=True).blocks
        if block.signature not in table
    ]
    assert error.value.signatures == list(dict.fromkeys(expected))
    assert "dpc_conv-input:14x14x464-filters:256-kernel:3-rate:1x6" in str(error.value)
    with pytest.raises(MissingEntries):
        predict_latency(dpc, _table_for([basic]), measure_missing=False)


def test_covering_configs_contain_every_block_of_sampled_configs():
    space = SearchSpace(input_size=(64, 96))
    covered = {block.signature for block in select_blocks([(64, 96)], space)}
    rng = random.Random(3)
    for _ in range(60):
        config = space.sample(rng)
        for block in plan_network(config, inference=True).blocks:
            assert block.signature in covered, block.signature
    assert len(covering_configs(space, (64, 96))) < 2000


def test_select_blocks_adds_configs_and_samples_per_size():
    preset = get_preset("paper-basic")
    blocks = select_blocks([(64, 64), (96, 96)], configs=[preset])
    sizes = {block.input_shapes[0][:2] for block in blocks if block.type == "preprocess"}
    assert sizes == {(64, 64), (96, 96)}
    sampled = select_blocks([(64, 64)], SearchSpace(), samples=3, seed=1)
    assert 0 < len(sampled) < len(select_blocks([(64, 64)], SearchSpace()))


@pytest.mark.slow
def test_missing_host_blocks_are_measured_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv(tables.USER_DIR_ENV, str(tmp_path))
    monkeypatch.setattr(tables, "SHIPPED_DIR", tmp_path / "none")
    basic = get_preset("paper-basic").replace(input_size=[64, 64], num_classes=3)
    other = basic.replace(output_stride=8)  # differs from stage 3 on
    _table_for([basic]).save(tmp_path / "host.json")
    table = load_table("host")
    concurrent = load_table("host")  # another process (a search trial) read the table too
    missing = [
        block.signature
        for block in plan_network(other, inference=True).blocks
        if block.signature not in table
    ]
    latency = predict_latency(other, table)
    assert latency > 0
    stored = json.loads((tmp_path / "host.json").read_text())["entries"]
    for signature in missing:
        assert stored[signature]["ms"] > 0 and stored[signature]["runs"] >= 5
    assert predict_latency(other, load_table("host"), measure_missing=False) == pytest.approx(
        latency
    )
    # The other process takes the blocks this one timed instead of timing them again: both
    # predict the network alike, and the stored entries are the first ones.
    assert predict_latency(other, concurrent) == latency
    assert "max_load_average" not in concurrent.metadata  # set only by timing blocks
    assert json.loads((tmp_path / "host.json").read_text())["entries"] == stored


def test_accuracy_figures():
    from latency_models.validate import accuracy

    figures = accuracy([1.0, 2.06, 3.3, 4.0], [1.0, 2.0, 3.0, 4.4])
    assert figures["within_5pct"] == 0.5 and figures["within_10pct"] == 1.0
    assert figures["spearman"] == pytest.approx(1.0)
    assert figures["rmse_pct"] == pytest.approx(
        100 * (0.03**2 + 0.1**2 + (0.4 / 4.4) ** 2) ** 0.5 / 2, rel=1e-6
    )
