"""SearchSpace: sampling, size, membership, flat parameters; every sample builds and runs."""

import random

import numpy as np
import pytest

from mobile_seg_nas import UserInputError
from space import SearchSpace, get_preset
from space.builders import build_inference_model
from space.tflite import convert_to_tflite, predict_tflite, tflite_op_names


def test_default_space_covers_the_mission():
    space = SearchSpace()
    choices = space.choices()
    assert set(choices["backbone"]) >= {
        "shufflenet_v2-0.5",
        "shufflenet_v2-2.0",
        "mobilenet_v2-1.4",
    }
    assert choices["output_stride"] == [8, 16]
    assert choices["head"] == ["basic", "dpc"]
    assert choices["decoder"] == ["none", "deeplabv3plus"]
    assert choices["dpc0_rate_h"] == [1, 3, 6, 9, 12, 15, 18, 21]
    assert choices["dpc0_input"] == [-1] and choices["dpc4_input"] == [-1, 0, 1, 2, 3]


def test_size_counts_distinct_architectures():
    small = SearchSpace(
        backbones={"shufflenet_v2": [1.0]},
        output_strides=[16],
        decoders=["none"],
        heads=["basic", "dpc"],
        dpc_num_branches=2,
        dpc_ops=["sep3x3"],
        dpc_rates=[1, 6],
    )
    # basic + DPC cells: branch 0 has 4 rate pairs x 1 input, branch 1 has 4 x 2 inputs.
    assert small.size == 1 + 4 * 8
    assert SearchSpace().size > 10**10


def test_sampling_is_seeded_and_stays_in_the_space():
    space = SearchSpace()
    first = [space.sample(random.Random(7)) for _ in range(3)]
    assert first[0] == first[1] == first[2]
    rng = random.Random(0)
    samples = [space.sample(rng) for _ in range(50)]
    assert all(config in space for config in samples)
    assert len({config.id for config in samples}) > 40


def test_membership():
    space = SearchSpace(backbones={"shufflenet_v2": [1.0]}, output_strides=[16])
    assert get_preset("paper-dpc") in space
    assert get_preset("paper-basic") in space
    assert get_preset("mobilenetv2-dpc") not in space
    assert get_preset("paper-dpc").replace(output_stride=8) not in space
    outside_rates = get_preset("paper-dpc").with_settings(
        ['dpc_branches=[{"op": "conv", "kernel": 3, "rate": [2, 2], "input": -1}]']
    )
    assert outside_rates not in space


def test_params_round_trip_for_the_paper_preset():
    space = SearchSpace(input_size=(769, 769))
    params = space.params_from_config(get_preset("paper-dpc"))
    assert space.config_from_params(params) == get_preset("paper-dpc")
    assert set(params) <= set(space.choices())
    assert "dpc0_grid" not in params  # the paper's branches are separable convs: no grids


def test_the_space_is_conditional():
    """DPC parameters exist only for a DPC head, rates only for separable convs, grids only
    for pyramid pooling."""
    space = SearchSpace(input_size=(64, 64))
    basic = space.params_from_config(get_preset("paper-basic").replace(input_size=(64, 64)))
    assert set(basic) == {"backbone", "output_stride", "head", "decoder"}
    cell = [
        {"op": "pyramid_pooling", "grid_size": [2, 2], "input": -1},
        {"op": "conv", "kernel": 1, "input": 0},
        {"op": "conv", "kernel": 3, "rate": [3, 6], "input": 1},
    ]
    config = get_preset("paper-dpc").replace(input_size=(64, 64), dpc_branches=cell)
    params = SearchSpace(input_size=(64, 64), dpc_num_branches=3).params_from_config(config)
    assert {name for name in params if name.startswith("dpc")} == {
        "dpc0_op",
        "dpc0_grid",
        "dpc0_input",
        "dpc1_op",
        "dpc1_input",
        "dpc2_op",
        "dpc2_rate_h",
        "dpc2_rate_w",
        "dpc2_input",
    }
    samples = [space.sample(seed) for seed in range(40)]
    assert {config.head for config in samples} == {"basic", "dpc"}
    assert all(config.dpc_branches == () for config in samples if config.head == "basic")


def test_optuna_asks_the_conditional_space_define_by_run():
    import optuna

    space = SearchSpace(input_size=(64, 64), dpc_num_branches=2)
    study = optuna.create_study(
        directions=["maximize", "minimize"], sampler=optuna.samplers.TPESampler(seed=0)
    )
    for _ in range(12):
        trial = study.ask()
        config = space.config_from_params(space.suggest(trial.suggest_categorical))
        assert config in space
        assert ("dpc0_op" in trial.params) == (config.head == "dpc")
        study.tell(trial, [0.5, 1.0])


def test_a_space_file_shrinks_the_dpc_cell(tmp_path):
    path = tmp_path / "small-cell.json"
    path.write_text(
        '{"dpc_num_branches": 2, "dpc_rates": [1, 6], "dpc_ops": ["sep3x3"], '
        '"dpc_inputs": "backbone"}'
    )
    small = SearchSpace.from_file(path)
    assert small.dpc_cell_count == 4 * 4  # 2 branches, 2 x 2 rate pairs each, input fixed
    assert small.choices()["dpc1_input"] == [-1]
    assert all(
        branch["input"] == -1 for seed in range(20) for branch in small.sample(seed).dpc_branches
    )
    path.write_text('{"dpc_inputs": "previous"}')
    with pytest.raises(UserInputError, match="dpc_inputs: 'previous' is not allowed"):
        SearchSpace.from_file(path)


def test_space_file(tmp_path):
    path = tmp_path / "space.json"
    path.write_text('{"output_strides": [16], "heads": ["dpc"], "input_size": [64, 64]}')
    space = SearchSpace.from_file(path)
    assert space.output_strides == (16,) and space.input_size == (64, 64)
    path.write_text('{"output_strides": [12]}')
    with pytest.raises(UserInputError, match="output_stride: 12"):
        SearchSpace.from_file(path)
    path.write_text('{"strides": [16]}')
    with pytest.raises(UserInputError, match="unknown field strides"):
        SearchSpace.from_file(path)


@pytest.mark.slow
def test_sampled_configs_build_convert_with_builtins_and_run_on_litert():
    space = SearchSpace(input_size=(64, 64), num_classes=5)
    rng = random.Random(2024)
    pixels = np.random.default_rng(0).uniform(0, 255, (1, 64, 64, 3)).astype("float32")
    for _ in range(12):  # 3 s each: 20 took a minute of a suite kept under 15 minutes
        config = space.sample(rng)
        content = convert_to_tflite(build_inference_model(config))
        ops = set(tflite_op_names(content))
        assert not ops & {"CUSTOM", "FLEX", "SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"}, config.id
        ids = predict_tflite(content, pixels)
        assert ids.shape == (1, 64, 64), config.id
        assert ids.min() >= 0 and ids.max() < 5
