"""Block plans and Keras builders: the plan (used by latency tables) is what Keras builds."""

import numpy as np
import pytest

from space import ArchConfig, get_preset, plan_network
from space.builders import build_block_model, build_inference_model, build_model
from space.tflite import convert_to_tflite, predict_tflite, tflite_op_names


def _layer(model, name):
    return model.get_layer(name)


@pytest.mark.parametrize("preset", ["paper-dpc", "mobilenetv2-basic"])
@pytest.mark.parametrize("output_stride", [8, 16])
def test_plan_shapes_are_the_keras_shapes(preset, output_stride):
    config = get_preset(preset).replace(
        input_size=[96, 80], output_stride=output_stride, decoder="deeplabv3plus"
    )
    plan = plan_network(config)
    model = build_model(config)
    for block in plan.blocks:
        if block.type == "resize_logits":
            keras_shape = model.output.shape[1:]
        else:
            keras_shape = next(
                layer.output.shape[1:]
                for layer in reversed(model.layers)
                if layer.name.startswith(block.name + "_")
            )
        assert tuple(keras_shape) == block.output_shape, block.name


def test_output_stride_and_atrous_rates_follow_design():
    config = get_preset("paper-basic").replace(input_size=[128, 128])
    blocks = {block.name: block for block in plan_network(config).blocks}
    assert blocks["stage3_unit8"].output_shape == (8, 8, 232)  # stride 16
    assert blocks["stage4_unit1"].kwargs == {"out_channels": 464, "stride": 1, "rate": 2}
    assert blocks["stage4_unit4"].kwargs == {"rate": 2}
    assert blocks["stage4_unit4"].output_shape == (8, 8, 464)

    blocks = {block.name: block for block in plan_network(config.replace(output_stride=8)).blocks}
    assert blocks["stage3_unit1"].kwargs == {"out_channels": 232, "stride": 1, "rate": 2}
    assert blocks["stage4_unit1"].kwargs == {"out_channels": 464, "stride": 1, "rate": 4}
    assert blocks["stage4_unit4"].output_shape == (16, 16, 464)


@pytest.mark.parametrize("multiplier, stage2", [(0.5, 48), (1.0, 116), (1.5, 176), (2.0, 244)])
def test_shufflenet_widths(multiplier, stage2):
    config = get_preset("paper-basic").replace(input_size=[64, 64], depth_multiplier=multiplier)
    blocks = {block.name: block for block in plan_network(config).blocks}
    assert blocks["stage2_unit4"].output_shape[-1] == stage2
    assert blocks["stage4_unit4"].output_shape[-1] == 4 * stage2


def test_model_weights_have_layer_names_that_survive_a_rebuild(tmp_path):
    config = get_preset("paper-dpc").replace(input_size=[64, 64], num_classes=5)
    model = build_model(config)
    path = tmp_path / "model.weights.h5"
    model.save_weights(path)
    build_model(config)  # advance Keras' automatic name counters
    again = build_model(config)
    again.load_weights(path)
    image = np.random.default_rng(0).uniform(-1, 1, (1, 64, 64, 3)).astype("float32")
    np.testing.assert_allclose(
        model.predict(image, verbose=0), again.predict(image, verbose=0), atol=1e-5
    )


@pytest.mark.slow
def test_inference_model_is_preprocessing_model_argmax_on_litert():
    config = get_preset("paper-dpc").replace(input_size=[64, 96], num_classes=7)
    trained = build_model(config)
    inference = build_inference_model(config, trained=trained)
    pixels = np.random.default_rng(1).uniform(0, 255, (1, 64, 96, 3)).astype("float32")
    logits = trained.predict(pixels * 2 / 255 - 1, verbose=0)
    expected = logits.argmax(-1)

    keras_ids = np.asarray(inference(pixels))
    assert keras_ids.shape == (1, 64, 96) and keras_ids.dtype == np.int32
    np.testing.assert_array_equal(keras_ids, expected)

    content = convert_to_tflite(inference)
    ops = set(tflite_op_names(content))
    assert "ARG_MAX" in ops and "DEPTHWISE_CONV_2D" in ops
    assert not ops & {"SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND", "BITWISE_AND", "CUSTOM", "GATHER"}
    litert_ids = predict_tflite(content, pixels)
    assert litert_ids.shape == (1, 64, 96)
    assert (litert_ids == expected).mean() > 0.99


def test_conversion_prints_nothing_on_stdout_or_stderr(capfd):
    config = get_preset("paper-basic").replace(input_size=[32, 32], depth_multiplier=0.5)
    inference = build_inference_model(config)
    rng = np.random.default_rng(0)

    def images():
        for _ in range(2):
            yield rng.uniform(0, 255, (1, 32, 32, 3)).astype("float32")

    capfd.readouterr()
    content = convert_to_tflite(inference, "int8", images)
    out, err = capfd.readouterr()
    assert content and out == "" and "fully_quantize" not in err


def test_every_block_builds_alone_with_its_planned_output_shape():
    config = ArchConfig(
        backbone="mobilenet_v2",
        depth_multiplier=0.35,
        output_stride=8,
        dpc_branches=[
            {"op": "conv", "kernel": 3, "rate": [1, 6], "input": -1},
            {"op": "conv", "kernel": 1, "input": 0},
            {"op": "pyramid_pooling", "grid_size": [2, 2], "input": -1},
        ],
        decoder="deeplabv3plus",
        num_classes=3,
        input_size=[48, 64],
    )
    seen = set()
    for block in plan_network(config, inference=True).blocks:
        if block.type in seen:
            continue
        seen.add(block.type)
        model = build_block_model(block)
        assert tuple(model.output.shape[1:]) == block.output_shape, block.signature
    assert {"preprocess", "argmax", "dpc_pyramid_pooling", "deeplabv3plus_decoder"} <= seen


def test_signatures_name_type_shapes_and_cost_parameters():
    config = get_preset("paper-dpc").replace(input_size=[224, 224])
    signatures = [block.signature for block in plan_network(config, inference=True).blocks]
    assert signatures[0] == "preprocess-input:224x224x3"
    assert "shuffle_unit-input:14x14x464-rate:2" in signatures
    assert "dpc_conv-input:14x14x256-filters:256-kernel:3-rate:18x15" in signatures
    assert signatures[-1] == "argmax-input:224x224x19"
