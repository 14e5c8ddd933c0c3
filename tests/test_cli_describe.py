"""`nas preset ...` and `nas describe ...` as a user runs them (in-process)."""

import json

import pytest

from nas.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_preset_list_and_show_json_is_a_config_describe_accepts(capsys, tmp_path):
    code, out, _ = run(capsys, "preset", "list")
    assert code == 0 and "paper-dpc" in out and "mobilenetv2-basic" in out
    code, out, _ = run(capsys, "preset", "show", "paper-dpc", "--json")
    assert code == 0
    path = tmp_path / "paper.json"
    path.write_text(out)
    code, out, err = run(
        capsys, "describe", "--config", str(path), "--input-size", "64x64", "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert {"gflops", "params", "tflite_bytes", "config"} <= set(result)
    assert result["config"]["input_size"] == [64, 64]
    assert result["tflite_bytes"] > 1_000_000


def test_describe_with_settings(capsys):
    code, out, _ = run(
        capsys,
        "describe",
        "--preset",
        "paper-basic",
        "--input-size",
        "64x64",
        "--set",
        "output_stride=8",
        "--num-classes",
        "5",
    )
    assert code == 0
    assert "output stride 8" in out and "5 classes" in out and "GFLOPs" in out


@pytest.mark.parametrize(
    "argv, words",
    [
        (["describe", "--preset", "paper-dpx"], "did you mean 'paper-dpc'"),
        (["describe", "--preset", "paper-dpc", "--set", "output_stride=7"], "output_stride: 7"),
        (["describe", "--preset", "paper-dpc", "--set", "color=red"], "unknown field"),
        (["describe", "--preset", "paper-dpc", "--input-size", "banana"], "input size 'banana'"),
        (["describe", "--config", "/nonexistent.json"], "cannot read"),
        (["preset", "show", "nope"], "unknown preset"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(capsys, argv, words):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert words in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_dpc_branch_reading_a_later_branch_in_a_file(capsys, tmp_path):
    path = tmp_path / "cell.json"
    path.write_text(
        '[{"op": "conv", "kernel": 3, "rate": [1, 6], "input": 1}, '
        '{"op": "conv", "kernel": 3, "rate": [1, 1], "input": -1}]'
    )
    code, _, err = run(capsys, "describe", "--preset", "paper-dpc", "--dpc-json", str(path))
    assert code == 2 and "reads a later branch" in err


def test_unknown_command_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
