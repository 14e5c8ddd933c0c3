"""ArchConfig: the single description of a network, validated, with a stable id."""

import json

import pytest

from mobile_seg_nas import UserInputError
from space import ArchConfig, get_preset
from space.config import PAPER_DPC_BRANCHES


def test_field_names_are_the_documented_ones():
    assert list(ArchConfig().to_dict()) == [
        "backbone",
        "depth_multiplier",
        "output_stride",
        "head",
        "dpc_branches",
        "decoder",
        "num_classes",
        "input_size",
    ]


def test_json_round_trip_keeps_config_and_id():
    config = get_preset("paper-dpc").replace(input_size=[224, 224], decoder="deeplabv3plus")
    again = ArchConfig.from_json(config.to_json())
    assert again == config
    assert again.id == config.id
    assert len(config.id) == 10


def test_id_is_stable_and_differs_between_configs():
    assert get_preset("paper-dpc").id == ArchConfig.from_dict(get_preset("paper-dpc").to_dict()).id
    assert get_preset("paper-dpc").id != get_preset("paper-basic").id
    assert get_preset("paper-dpc").replace(output_stride=8).id != get_preset("paper-dpc").id


def test_configs_are_hashable_and_frozen():
    config = ArchConfig()
    assert {config: 1}[ArchConfig()] == 1
    with pytest.raises(AttributeError):
        config.output_stride = 8


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("output_stride", 12, ["output_stride", "12", "8, 16"]),
        ("backbone", "shufflenet", ["backbone", "'shufflenet'", "did you mean 'shufflenet_v2'"]),
        (
            "depth_multiplier",
            0.75,
            ["depth_multiplier", "0.75", "shufflenet_v2", "0.5, 1.0, 1.5, 2.0"],
        ),
        ("head", "aspp", ["head", "basic, dpc"]),
        ("decoder", "unet", ["decoder", "none, deeplabv3plus"]),
        ("num_classes", 1, ["num_classes", "2..255"]),
        ("input_size", [16, 16], ["input_size", "16x16"]),
    ],
)
def test_validation_names_field_value_and_allowed_values(field, value, words):
    with pytest.raises(UserInputError) as error:
        ArchConfig().replace(**{field: value})
    message = str(error.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_dpc_branch_may_not_read_itself_or_a_later_branch():
    branches = [dict(branch) for branch in PAPER_DPC_BRANCHES]
    branches[1]["input"] = 1
    with pytest.raises(UserInputError, match=r"dpc_branches\[1\]\.input: 1 reads itself"):
        ArchConfig(dpc_branches=branches)
    branches[1]["input"] = 3
    with pytest.raises(UserInputError, match="reads a later branch"):
        ArchConfig(dpc_branches=branches)


def test_deeplab_dpc_json_is_accepted_as_is():
    deeplab_json = json.dumps(
        [
            {"kernel": 3, "rate": [1, 6], "op": "conv", "input": -1},
            {"kernel": 1, "rate": [1, 1], "op": "conv", "input": 0},
            {"op": "pyramid_pooling", "grid_size": [2, 4], "input": 0},
        ]
    )
    config = ArchConfig(dpc_branches=json.loads(deeplab_json))
    assert config.dpc_branches[2] == {"op": "pyramid_pooling", "grid_size": [2, 4], "input": 0}


def test_set_parses_json_values_and_sizes():
    config = ArchConfig().with_settings(
        ["output_stride=8", "head=basic", "input_size=128x256", "depth_multiplier=0.5"]
    )
    assert (config.output_stride, config.head, config.input_size, config.depth_multiplier) == (
        8,
        "basic",
        (128, 256),
        0.5,
    )
    with pytest.raises(UserInputError, match="unknown field.*did you mean 'output_stride'"):
        ArchConfig().with_settings(["output_strid=8"])
    with pytest.raises(UserInputError, match="expected field=value"):
        ArchConfig().with_settings(["output_stride"])


def test_dpc_rates_scale_with_output_stride():
    assert get_preset("paper-dpc").scaled_dpc_rate([18, 15]) == (18, 15)
    assert get_preset("paper-dpc").replace(output_stride=8).scaled_dpc_rate([18, 15]) == (36, 30)


def test_unknown_fields_in_a_config_file_are_reported(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**ArchConfig().to_dict(), "outputstride": 8}))
    with pytest.raises(UserInputError, match="unknown field 'outputstride'"):
        ArchConfig.from_file(path)
    path.write_text("{not json")
    with pytest.raises(UserInputError, match="not valid JSON"):
        ArchConfig.from_file(path)
