"""Bad `nas export` input: exit code 2, one line on stderr, nothing written."""

import json

import keras
import pytest

from mobile_seg_nas import UserInputError
from nas.cli import main
from space.tflite import convert_to_tflite


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--preset", "paper-dpc", "--quantize", "int4"], "--quantize int4: unknown mode"),
        (["--preset", "paper-dpc", "--run", "x"], "choose exactly one of"),
        (["--preset", "paper-dpc", "--trial", "3"], "--trial and --pareto need --run"),
        (
            ["--preset", "paper-dpc", "--weights", "missing.h5"],
            "--weights missing.h5: file not found",
        ),
        (["--run", "no-such-run"], "run folder no-such-run: not found"),
        (["--preset", "paper-dpc", "--threads", "0"], "must be >= 1"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(arguments, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["export", *arguments, "--out", "out"]) == 2
    error = capsys.readouterr().err.strip()
    assert message in error and "\n" not in error
    assert list(tmp_path.iterdir()) == []


def test_run_folders_without_weights_or_of_the_wrong_kind(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"input_size": [64, 64]}))
    assert main(["export", "--run", str(run), "--out", str(tmp_path / "out")]) == 2
    assert "no trained weights" in capsys.readouterr().err
    assert main(["export", "--run", str(run), "--trial", "1", "--out", str(tmp_path / "out")]) == 2
    assert "a training run; --trial and --pareto need a search run" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["export", "--run", str(tmp_path / "empty"), "--out", str(tmp_path / "out")]) == 2
    assert "neither a training run" in capsys.readouterr().err
    (run / "trials.csv").write_text("trial_id,status\n1,completed\n")
    assert main(["export", "--run", str(run), "--out", str(tmp_path / "out")]) == 2
    assert "choose a model with --trial ID" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_out_folder_with_other_files_is_left_alone(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["export", "--preset", "paper-dpc", "--out", str(out)]) == 2
    assert "holds other files" in capsys.readouterr().err
    assert [path.name for path in tmp_path.iterdir()] == ["out"]
    assert [path.name for path in out.iterdir()] == ["notes.txt"]


def test_conversion_needing_select_tf_ops_names_them():
    image = keras.Input((8, 8, 3), batch_size=1)
    classes = keras.layers.Lambda(lambda x: keras.ops.argmax(x, axis=-1))(image)
    with pytest.raises(UserInputError, match="outside the TFLite builtins: tf.BitwiseAnd"):
        convert_to_tflite(keras.Model(image, classes))
