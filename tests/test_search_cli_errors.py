"""`nas search` / `nas results` bad input: exit 2, one line, nothing overwritten."""

import json

import pytest

from nas.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.err.strip().splitlines()


@pytest.mark.parametrize("argv, message", [
    (["--budget", "banana"], "--budget 'banana'"),
    (["--device", "no-such-phone"], "no-such-phone"),
    (["--space", "/no/such/space.json"], "space file /no/such/space.json"),
    (["--data", "no-such-dataset:/x"], "no-such-dataset"),
    (["--input-size", "big"], "input size"),
    (["--engine", "keras-tuner", "--algo", "nsga2"], "--algo nsga2"),
    (["--latency-target", "-3"], "--latency-target"),
])
def test_bad_search_input_exits_2_with_one_line(capsys, tmp_path, argv, message):
    out = tmp_path / "run"
    code, lines = run_cli(capsys, "search", "--out", str(out), *argv)
    assert code == 2
    assert len([line for line in lines if line.startswith("nas search: error:")]) == 1
    assert message in lines[-1]
    assert not out.exists()  # nothing written for bad input


def test_resume_needs_a_search_folder(capsys, tmp_path):
    code, lines = run_cli(capsys, "search", "--resume", "--out", str(tmp_path))
    assert code == 2 and "holds no search" in lines[-1]
    code, lines = run_cli(capsys, "search", "--resume")
    assert code == 2 and "--resume needs --out" in lines[-1]


def test_existing_run_folder_is_never_overwritten(capsys, tmp_path):
    (tmp_path / "search.json").write_text(json.dumps({"budget": "1"}))
    code, lines = run_cli(capsys, "search", "--out", str(tmp_path), "--budget", "1")
    assert code == 2 and "--resume" in lines[-1]
    assert json.loads((tmp_path / "search.json").read_text()) == {"budget": "1"}


def test_results_of_a_folder_without_trials(capsys, tmp_path):
    for argv in (["results", "show", "--run", str(tmp_path)],
                 ["pareto", "plot", "--run", str(tmp_path)], ["results", "compare", str(tmp_path)]):
        code, lines = run_cli(capsys, *argv)
        assert code == 2 and "no trial table" in lines[-1]
