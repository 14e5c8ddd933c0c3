"""The paper's numbers (docs/design.md): GFLOPs within 1%, float32 TFLite size within 3%."""

import pytest

from mobile_seg_nas import UserInputError
from space import PRESETS, get_preset, list_presets, load_dpc_json
from space.builders import build_inference_model, count_flops
from space.tflite import convert_to_tflite

# preset: (GFLOPs at 360x640, GFLOPs at 224x224, float32 TFLite MB at 224x224)
PAPER = {
    "paper-basic": (2.18, 0.47, 4.6),
    "paper-dpc": (3.05, 0.65, 6.0),
    "mobilenetv2-basic": (4.69, 1.00, 8.4),
    "mobilenetv2-dpc": (5.56, 1.18, 9.9),
}


def test_the_four_paper_presets_exist():
    assert set(PAPER) <= set(list_presets())
    config = get_preset("paper-dpc")
    assert (
        config.backbone,
        config.depth_multiplier,
        config.output_stride,
        config.head,
        config.num_classes,
        config.input_size,
    ) == ("shufflenet_v2", 1.0, 16, "dpc", 19, (769, 769))
    assert [branch["rate"] for branch in config.dpc_branches] == [
        [1, 6],
        [18, 15],
        [6, 3],
        [1, 1],
        [6, 21],
    ]
    assert [branch["input"] for branch in config.dpc_branches] == [-1, 0, 1, 0, 0]


def test_unknown_preset_suggests_the_closest_name():
    with pytest.raises(
        UserInputError, match="unknown preset 'paper_dpc'.*did you mean 'paper-dpc'"
    ):
        get_preset("paper_dpc")


@pytest.mark.parametrize("preset", PAPER)
@pytest.mark.parametrize("size, column", [((360, 640), 0), ((224, 224), 1)])
def test_gflops_match_the_paper_within_1_percent(preset, size, column):
    model = build_inference_model(get_preset(preset).replace(input_size=list(size)))
    assert count_flops(model) / 1e9 == pytest.approx(PAPER[preset][column], rel=0.01)


@pytest.mark.slow
@pytest.mark.parametrize("preset", PAPER)
def test_float32_tflite_size_matches_the_paper_within_3_percent(preset):
    model = build_inference_model(get_preset(preset).replace(input_size=[224, 224]))
    assert len(convert_to_tflite(model)) / 1e6 == pytest.approx(PAPER[preset][2], rel=0.03)


def test_presets_are_plain_data():
    for name, preset in PRESETS.items():
        assert set(preset) == {"description", "config"}
        assert get_preset(name).to_dict() == preset["config"]


def test_deeplab_dpc_file_loads(tmp_path):
    path = tmp_path / "dense_prediction_cell_branch5_top1_cityscapes.json"
    path.write_text('[{"kernel": 3, "rate": [1, 6], "op": "conv", "input": -1}]')
    assert load_dpc_json(path) == [{"kernel": 3, "rate": [1, 6], "op": "conv", "input": -1}]
    path.write_text("[{")
    with pytest.raises(UserInputError, match="not valid JSON"):
        load_dpc_json(path)
