"""`nas search` / `nas results` bad input: exit 2, one line, nothing overwritten."""

import json
import subprocess
import sys

import pytest

from nas.cli import main
from nas.search.lock import LOCK_FILE, run_lock
from results import write_trials
from results.table import as_table


def run_cli(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.err.strip().splitlines()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--budget", "banana"], "--budget 'banana'"),
        (["--device", "no-such-phone"], "no-such-phone"),
        (["--space", "/no/such/space.json"], "space file /no/such/space.json"),
        (["--data", "no-such-dataset:/x"], "no-such-dataset"),
        (["--input-size", "big"], "input size"),
        (["--engine", "keras-tuner", "--algo", "nsga2"], "--algo nsga2"),
        (["--latency-target", "-3"], "--latency-target"),
        (
            ["--fidelities", "128x128/200"],
            "--fidelities '128x128/200': expected HxW[@SCALE]/STEPS/BATCH",
        ),
        (["--fidelities", "256x256/800/8,64x64/100/8"], "a ladder climbs"),
        (
            ["--fidelities", "64x64/9/2,96x96/9/2", "--algo", "asha-random"],
            "a staged search runs on --engine ray with an Optuna sampler",
        ),
        (["--reduction-factor", "1"], "--reduction-factor 1.0: must be above 1"),
        (["--cell-proxy", "/no/such/run"], "--cell-proxy /no/such/run: no config.json"),
        (
            ["--cell-proxy", "/no/such/run", "--fidelities", "32x32/2/2,48x48/2/2"],
            "--cell-proxy: a cell search is one fidelity",
        ),
        # inputs with which every trial would fail, or none would start
        (
            ["--latency-input-size", "10x10"],
            "--latency-input-size 10x10: input_size: 10x10 is too small",
        ),
        (["--input-size", "16x64"], "--input-size 16x64"),
        (["--learning-rate", "nan"], "--learning-rate nan: must be a positive number"),
        (["--learning-rate", "0"], "--learning-rate 0.0: must be a positive number"),
        (["--seed", "-1"], "--seed -1: must not be negative"),
        (["--gpus-per-trial", "-1"], "--gpus-per-trial -1.0: must not be negative"),
        (["--trial-retries", "-2"], "--trial-retries -2: must not be negative"),
        (["--storage", "nosuchfs://bucket/x"], "--storage: cannot reach nosuchfs://bucket/x/run"),
        (["--address", "127.0.0.1:1"], "--address 127.0.0.1:1: nothing answers there"),
    ],
)
def test_bad_search_input_exits_2_with_one_line(capsys, tmp_path, argv, message):
    out = tmp_path / "run"
    # The shipped table by name (`host` would first fit this machine's factors), unless the
    # case is about the device.
    device = [] if "--device" in argv else ["--device", "amd-epyc-2vcpu-2026-11-24"]
    code, lines = run_cli(capsys, "search", "--out", str(out), *device, *argv)
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
    code, lines = run_cli(
        capsys,
        "search",
        "--out",
        str(tmp_path),
        "--budget",
        "1",
        "--device",
        "amd-epyc-2vcpu-2026-11-24",
    )
    assert code == 2 and "--resume" in lines[-1]
    assert json.loads((tmp_path / "search.json").read_text()) == {"budget": "1"}


def test_results_of_a_folder_without_trials(capsys, tmp_path):
    for argv in (
        ["results", "show", "--run", str(tmp_path)],
        ["pareto", "plot", "--run", str(tmp_path)],
        ["results", "compare", str(tmp_path)],
    ):
        code, lines = run_cli(capsys, *argv)
        assert code == 2 and "no trial table" in lines[-1]


def test_storage_that_is_a_file_or_holds_another_search(capsys, tmp_path):
    (tmp_path / "file").write_text("")
    (tmp_path / "storage" / "run").mkdir(parents=True)
    (tmp_path / "storage" / "run" / "old").write_text("")
    for storage, message in (
        (tmp_path / "file", f"cannot write in {tmp_path / 'file'}"),
        (tmp_path / "storage", "storage/run holds files already"),
    ):
        code, lines = run_cli(
            capsys,
            "search",
            "--out",
            str(tmp_path / "run"),
            "--storage",
            str(storage),
            "--device",
            "amd-epyc-2vcpu-2026-11-24",
        )
        assert code == 2 and message in lines[-1]
        assert not (tmp_path / "run").exists()


def test_a_run_folder_in_use_is_refused_and_a_stale_lock_taken_over(capsys, tmp_path):
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / "search.json").write_text(json.dumps({"budget": "1"}))
        lock = {"pid": owner.pid, "host": __import__("socket").gethostname()}
        (tmp_path / LOCK_FILE).write_text(json.dumps(lock))
        code, lines = run_cli(capsys, "search", "--resume", "--out", str(tmp_path))
        assert code == 2 and len(lines) == 1
        assert f"another nas search (pid {owner.pid} on" in lines[0]
    finally:
        owner.kill()
        owner.wait()
    with run_lock(tmp_path):  # the owner is gone: its lock is stale
        assert json.loads((tmp_path / LOCK_FILE).read_text())["pid"] != owner.pid
    assert not (tmp_path / LOCK_FILE).exists()


@pytest.fixture
def run_folder(tmp_path):
    rows = [
        {"trial_id": "t1", "status": "completed", "miou": 0.3, "latency_ms": 4.0, "config_id": "c1"}
    ]
    write_trials(as_table(rows), tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "damaged", [["trials.csv"], ["trials.parquet"], ["trials.csv", "trials.parquet"]]
)
def test_a_damaged_trial_table(capsys, run_folder, damaged):
    for name in damaged:
        (run_folder / name).write_bytes(b'\x00\x01 not a table\n,,,\n"')
    code, lines = run_cli(capsys, "results", "show", "--run", str(run_folder), "--json")
    if len(damaged) == 1:  # the other copy is read
        assert code == 0
    else:
        assert code == 2 and len(lines) == 1
        assert "the trial table is damaged (trials.parquet: " in lines[0]
        assert "; trials.csv: " in lines[0]
