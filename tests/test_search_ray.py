"""`nas search` end to end on real Ray Tune: a tiny search, a failing trial, kill -9 + resume."""

import glob
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from nas.cli import main
from results import dominates, read_trials

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
TINY = ["--input-size", "32x32", "--steps-per-trial", "2", "--evaluations-per-trial", "1",
        "--device", "amd-epyc-2vcpu-2026-11-24",  # the shipped table by name: no calibration
        "--batch-size", "2", "--cpus-per-trial", "1"]


def worker_environment() -> dict:
    """Ray workers import the working tree (as the driver does)."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}


@pytest.fixture(scope="module")
def ray_cluster():
    import ray

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", worker_environment()["PYTHONPATH"])
        ray.init(address="local", num_cpus=2, include_dashboard=False, object_store_memory=80 * 2**20,
                 log_to_driver=False)
        yield
        ray.shutdown()


def test_tiny_search_end_to_end(ray_cluster, tmp_path, capsys):
    run = tmp_path / "run"
    argv = ["search", "--budget", "3", "--out", str(run), "--latency-target", "50", *TINY]
    assert main(argv) == 0
    table = read_trials(run)
    assert len(table) == 3 and set(table["status"]) == {"completed"}
    paper = table[table["preset"] == "paper-dpc"]
    assert len(paper) == 1 and (paper["backbone"].item(), paper["head"].item()) == (
        "shufflenet_v2", "dpc")
    first = searcher_study(run).trials[0].params  # the searcher's first suggestion
    assert (first["backbone"], first["head"]) == ("shufflenet_v2-1.0", "dpc")
    for name in ("trials.csv", "trials.parquet", "pareto.csv", "pareto.html", "pareto.png",
                 "summary.json", "search.json"):
        assert (run / name).is_file(), name
    for trial_id in table["trial_id"]:
        for name in ("config.json", "model.weights.h5", "result.json"):
            assert (run / "trials" / trial_id / name).is_file()
    assert table["latency_ms"].gt(0).all() and table["gflops"].gt(0).all()
    assert table["score"].notna().all()

    points = {row.trial_id: (row.miou, row.latency_ms) for row in table.itertuples()}
    expected = {trial for trial, point in points.items()
                if not any(dominates(other, point) for other in points.values())}
    front = pd.read_csv(run / "pareto.csv", dtype={"trial_id": str})
    assert set(front["trial_id"]) == expected

    capsys.readouterr()
    assert main(["results", "show", "--run", str(run)]) == 0
    assert "Pareto front" in capsys.readouterr().out


def test_failed_trials_are_recorded_and_the_search_goes_on(ray_cluster, tmp_path):
    run = tmp_path / "run"
    argv = ["search", "--budget", "2", "--out", str(run), "--learning-rate", "1e30", *TINY]
    argv[argv.index("--steps-per-trial") + 1] = "3"
    assert main(argv) == 0
    table = read_trials(run)
    assert len(table) == 2 and set(table["status"]) == {"failed"}
    assert table["error"].str.contains("diverged").all()


def test_kill_9_then_resume_keeps_every_completed_trial(tmp_path):
    run = tmp_path / "run"
    command = [sys.executable, "-m", "nas.cli", "search", "--out", str(run), *TINY]
    with open(tmp_path / "first.log", "w") as log:
        process = subprocess.Popen([*command, "--budget", "3"], env=worker_environment(),
                                   stdout=log, stderr=log, cwd=REPO)
        try:
            completed = _wait_for_completed_trials(run, process, count=1)
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    assert len(completed) < 3, "the search finished before it could be killed"
    resumed = subprocess.run([*command, "--resume"], env=worker_environment(), cwd=REPO,
                             capture_output=True, text=True, timeout=400)
    assert resumed.returncode == 0, resumed.stderr[-2000:]

    table = read_trials(run)
    assert table["trial_id"].is_unique and len(table) == 3
    assert set(table["status"]) == {"completed"}
    after = table.set_index("trial_id")
    for trial_id, row in completed.iterrows():  # kept as they were, not trained again
        assert after.loc[trial_id, "miou"] == row["miou"]
        assert after.loc[trial_id, "train_seconds"] == row["train_seconds"]
    # The restored searcher is still Optuna's NSGA-II, and it saw every trial.
    study = searcher_study(run)
    assert type(study.sampler).__name__ == "NSGAIISampler"
    assert [trial.state.name for trial in study.trials] == ["COMPLETE"] * 3


def searcher_study(run: Path):
    """The Optuna study in the newest searcher checkpoint of a run's Ray experiment."""
    newest = sorted(glob.glob(str(run / "ray" / "searcher-state-*.pkl")))[-1]
    return pickle.loads(Path(newest).read_bytes())["_ot_study"]


def _wait_for_completed_trials(run: Path, process, count: int, timeout: float = 300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the search exited before it was killed"
        try:
            table = read_trials(run)
        except (FileNotFoundError, OSError, ValueError):
            table = None
        if table is not None and (table["status"] == "completed").sum() >= count:
            return table[table["status"] == "completed"].set_index("trial_id")
        time.sleep(0.5)
    raise AssertionError(f"no {count} completed trials within {timeout} s")
