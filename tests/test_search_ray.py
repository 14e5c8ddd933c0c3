"""`nas search` end to end on real Ray Tune: trials failing in a row, a trial's worker killed,
a run folder that cannot be written, and a tiny staged search killed with -9 and resumed."""

import errno
import glob
import json
import os
import pickle
import signal
import shutil
import tempfile
import threading
import time
from pathlib import Path

import optuna
import pandas as pd
import pytest

from nas.cli import main
from nas.search.study import STUDY_NAME, study_url
from results import dominates, read_trials
from searches import STARTS_RAY, TINY, nas, tiny, start_nas, wait_for_trials, worker_environment

pytestmark = [pytest.mark.slow, STARTS_RAY]


@pytest.fixture(scope="module")
def ray_cluster():
    import ray

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", worker_environment()["PYTHONPATH"])
        ray.init(
            address="local",
            num_cpus=2,
            include_dashboard=False,
            object_store_memory=80 * 2**20,
            log_to_driver=False,
        )
        yield
        ray.shutdown()


def test_trials_failing_in_a_row_stop_the_search_and_resume_continues(
    ray_cluster, tmp_path, capsys
):
    run = tmp_path / "run"
    argv = [
        "search",
        "--budget",
        "3",
        "--out",
        str(run),
        "--learning-rate",
        "1e30",
        "--stop-after-failures",
        "2",
        "--trial-retries",
        "0",
        *tiny(steps=3),
    ]
    capsys.readouterr()
    assert main(argv) == 1
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("nas search: stopped: 2 trials failed in a row") and "diverged" in error
    table = read_trials(run)
    assert (table["status"] == "failed").sum() == 2 and "running" not in set(table["status"])
    assert table["error"].str.contains("diverged").sum() == 2
    assert (run / "summary.json").is_file()

    moved = tmp_path / "moved"  # as if its searcher's module had since moved
    shutil.copytree(run, moved)
    state = moved / "ray" / "tuner.pkl"
    module = b"nas.search.ray_engine.searchers"
    state.write_bytes(state.read_bytes().replace(module, module[:-1] + b"X"))
    before = (moved / "trials.csv").read_bytes()
    assert main(["search", "--resume", "--out", str(moved)]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "started by an earlier version" in error[0]
    assert (moved / "trials.csv").read_bytes() == before

    assert main(["search", "--resume", "--out", str(run)]) == 0  # the last trial of 3 fails
    table = read_trials(run)
    assert len(table) == 3 and set(table["status"]) == {"failed"}


def test_a_killed_worker_retries_its_trial_from_the_last_checkpoint(ray_cluster, tmp_path):
    run = tmp_path / "run"
    argv = ["search", "--budget", "1", "--out", str(run), *tiny(steps=6, evaluations=3)]
    killed = []
    killer = threading.Thread(target=lambda: killed.extend(kill_trial_worker(run)), daemon=True)
    killer.start()
    assert main(argv) == 0
    killer.join()
    assert killed, "no trial worker was killed"
    table = read_trials(run)  # retried: nothing lost
    assert list(table["status"]) == ["completed"] and table["steps"].item() == 6
    result = json.loads((run / "trials" / table["trial_id"].item() / "result.json").read_text())
    assert result["resumed_from_step"] in (2, 4)  # from its checkpoint, not from step 0


def kill_trial_worker(run: Path, timeout: float = 300) -> list[int]:
    """Kills (-9) the Ray worker that trains the trial of `run` (a process of this test's Ray)
    once it trains on past its first reported checkpoint (step 2: the worker reaches step 4
    only after Ray Tune took in that report); returns the ids of the processes killed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = read_trials(run)["trial_id"] if (run / "trials.parquet").is_file() else []
        if any(
            (
                Path(tempfile.gettempdir())
                / f"nas-trial-{trial_id}"
                / "checkpoints"
                / "step-00000004"
            ).is_dir()
            for trial_id in running
        ):
            workers = [
                pid
                for pid in descendants(os.getpid())
                if command_line(pid).startswith("ray::ImplicitFunc")
            ]
            for pid in workers:
                os.kill(pid, signal.SIGKILL)
            return workers
        time.sleep(0.2)
    return []


def descendants(root: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit():
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_a_repeated_suggestion_reuses_the_trained_result_instead_of_training_again(
    ray_cluster, tmp_path, capsys
):
    run = tmp_path / "run"
    space = Path(__file__).parent / "fixtures" / "three_configs_space.json"  # 3 configs
    argv = [
        "search",
        "--budget",
        "3",
        "--out",
        str(run),
        "--algo",
        "random",
        "--seed",
        "0",
        *tiny(),
        "--space",
        str(space),
        "--cpus-per-trial",
        "2",
    ]  # one trial at a time
    assert main(argv) == 0
    table = read_trials(run).set_index("trial_id")
    assert table["config_id"].is_unique and len(table) == 3  # every trial a new config
    reused = [json.loads(line) for line in (run / "repeats.jsonl").read_text().splitlines()]
    assert reused  # the random sampler drew configs twice; none was trained twice
    for line in reused:
        original = table.loc[line["reused_trial"]]
        assert original["config_id"] == line["config_id"]
        assert (line["miou"], line["latency_ms"]) == (original["miou"], original["latency_ms"])
    assert json.loads((run / "summary.json").read_text())["repeats_reused"] == len(reused)
    capsys.readouterr()
    assert main(["results", "show", "--run", str(run)]) == 0
    assert f"{len(reused)} suggestions repeated a trained config" in capsys.readouterr().out


def test_a_run_folder_that_cannot_be_written_stops_with_one_line(
    ray_cluster, tmp_path, monkeypatch, capsys
):
    run = tmp_path / "run"
    writes = []

    def disk_full_after_the_first_table(table, path, **kwargs):
        if writes:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        writes.append(path)
        parquet(table, path, **kwargs)

    parquet = pd.DataFrame.to_parquet
    monkeypatch.setattr(pd.DataFrame, "to_parquet", disk_full_after_the_first_table)
    capsys.readouterr()
    assert main(["search", "--budget", "2", "--out", str(run), *TINY]) == 1
    monkeypatch.undo()
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1].startswith(f"nas search: stopped: cannot write the trial table in {run}")
    assert "No space left on device" in lines[-1] and "--resume" in lines[-1]
    table = read_trials(run)  # the first table, whole, in both files
    assert list(table["status"]) == ["running"]
    assert len(pd.read_csv(run / "trials.csv")) == 1
    assert not list(run.glob(".tmp-*"))


def test_trials_that_no_node_can_hold_are_refused_before_anything_is_written(
    ray_cluster, tmp_path, capsys
):
    for flag, value in (("--gpus-per-trial", "1"), ("--cpus-per-trial", "3")):
        assert (
            main(
                [
                    "search",
                    "--out",
                    str(tmp_path / "run"),
                    flag,
                    value,
                    "--device",
                    "amd-epyc-2vcpu-2026-11-24",
                ]
            )
            == 2
        )
        assert f"{flag} {value}: no node of this Ray has that many" in capsys.readouterr().err
        assert not (tmp_path / "run").exists()


def test_a_staged_search_killed_with_9_and_resumed_end_to_end(tmp_path, capsys):
    run = tmp_path / "run"
    staged = [
        *tiny(ladder="32x32/2/2,48x48/3/2"),
        "--reduction-factor",
        "2",
        "--latency-target",
        "50",
    ]
    process = start_nas("search", "--out", run, *staged, "--budget", "3", log=tmp_path / "log")
    try:
        completed = wait_for_trials(run, process)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert len(completed) < 3, "the search finished before it could be killed"
    promoted_before = json.loads((run / "rungs.json").read_text())["promoted"]["0"]
    resumed = nas("search", "--out", run, *staged, "--resume", timeout=400)
    assert resumed.returncode == 0, resumed.stderr[-2000:]

    table = read_trials(run)
    assert table["trial_id"].is_unique and len(table) == 3
    assert set(table["status"]) == {"completed"}
    after = table.set_index("trial_id")
    for trial_id, row in completed.iterrows():  # kept as they were, not trained again
        assert after.loc[trial_id, "miou"] == row["miou"]
        assert after.loc[trial_id, "train_seconds"] == row["train_seconds"]
    # The restored searcher is still the default, Optuna's multivariate TPE, and it saw every trial.
    study = searcher_study(run)
    assert type(study.sampler).__name__ == "TPESampler" and study.sampler._multivariate
    assert [trial.state.name for trial in study.trials] == ["COMPLETE"] * 3
    first = study.trials[0].params  # the searcher's first suggestion: the paper's network
    assert (first["backbone"], first["head"]) == ("shufflenet_v2-1.0", "dpc")

    # Staged: each rung's results ranked on (mIOU, latency); the best half climbs a rung, and
    # the promotions made before the kill stand.
    rungs = json.loads((run / "rungs.json").read_text())
    promoted = set(rungs["promoted"]["0"])
    assert set(promoted_before) <= promoted
    assert set(rungs["results"]["0"]) == set(table["trial_id"])
    assert promoted == set(table.loc[table["fidelity"] == 1, "trial_id"])
    assert table["miou_rung0"].notna().all()
    finalists = table[table["fidelity"] == 1]
    assert (finalists["miou"] == finalists["miou_rung1"]).all()  # mIOU of the highest rung
    assert (finalists["steps"] == 3).all()
    assert json.loads((run / "summary.json").read_text())["finalists"] == list(
        finalists["trial_id"]
    )
    optuna_study = optuna.load_study(study_name=STUDY_NAME, storage=study_url(run))  # study.db
    assert sorted(trial.user_attrs["trial_id"] for trial in optuna_study.trials) == sorted(
        table["trial_id"]
    )
    assert all(
        trial.values == [row.miou, row.latency_ms]
        for trial, row in zip(
            sorted(optuna_study.trials, key=lambda trial: trial.user_attrs["trial_id"]),
            table.sort_values("trial_id").itertuples(),
        )
    )

    paper = table[table["preset"] == "paper-dpc"]
    assert len(paper) == 1 and (paper["backbone"].item(), paper["head"].item()) == (
        "shufflenet_v2",
        "dpc",
    )
    for name in (
        "trials.csv",
        "trials.parquet",
        "pareto.csv",
        "pareto.html",
        "pareto.png",
        "summary.json",
        "search.json",
    ):
        assert (run / name).is_file(), name
    for trial_id in table["trial_id"]:  # copied from the storage (here: run/ray/)
        for name in ("config.json", "data.json", "metrics.csv", "result.json"):
            assert (run / "trials" / trial_id / name).is_file()
    assert table["checkpoint"].str.startswith("ray/").all()
    assert table["latency_ms"].gt(0).all() and table["gflops"].gt(0).all()
    assert table["score"].notna().all()

    def beats(a, b):  # a staged front compares two trials at b's highest rung, if a trained it
        rung = f"miou_rung{int(b.fidelity)}"
        return a.fidelity >= b.fidelity and dominates(
            (getattr(a, rung), a.latency_ms), (getattr(b, rung), b.latency_ms)
        )

    rows = list(table.itertuples())
    expected = {row.trial_id for row in rows if not any(beats(other, row) for other in rows)}
    front = pd.read_csv(run / "pareto.csv", dtype={"trial_id": str})
    assert set(front["trial_id"]) == expected
    for trial_id in expected:
        assert (run / "trials" / trial_id / "model.weights.h5").is_file()

    capsys.readouterr()
    assert main(["results", "show", "--run", str(run)]) == 0
    assert "Pareto front" in capsys.readouterr().out


def searcher_study(run: Path):
    """The Optuna study in the newest searcher checkpoint of a run's Ray experiment."""
    newest = sorted(glob.glob(str(run / "ray" / "searcher-state-*.pkl")))[-1]
    return pickle.loads(Path(newest).read_bytes())["_ot_study"]


def test_a_staged_search_trains_no_config_slower_than_its_latency_limit_but_the_papers(tmp_path):
    # Most of the tiny space is over the 3 ms target: the staged search could never promote
    # those configs, so it does not train them; the paper's network (3.6 ms) is trained all the
    # same, as `nas export --pareto` always exports it.
    run = tmp_path / "run"
    finished = nas(
        "search",
        "--out",
        run,
        *tiny(ladder="32x32/2/2,48x48/3/2"),
        "--latency-target",
        "3",
        "--budget",
        "4",
        timeout=400,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]

    table = read_trials(run)
    paper = table["preset"] == "paper-dpc"
    assert table.loc[paper, "status"].item() == "completed"
    assert table.loc[paper, "latency_ms"].item() > 3
    slow = (table["latency_ms"] > 3) & ~paper
    assert (~slow).sum() == 4  # a budget in trials counts the networks trained
    estimate = next(line for line in finished.stderr.splitlines() if "budget 4 trained" in line)
    assert "about" in estimate and finished.stderr.index(estimate) < finished.stderr.index(
        "trials:"
    )  # printed before the first trial reports
    assert slow.any() and (table.loc[slow, "status"] == "over_limit").all()
    assert (table.loc[~slow, "status"] == "completed").all()
    assert f"{slow.sum()} over the latency limit" in finished.stdout
    skipped = table[slow].iloc[0]
    assert pd.isna(skipped["miou"]) and pd.isna(skipped["steps"])
    assert not (run / "trials" / skipped["trial_id"] / "model.weights.h5").exists()
    assert not set(table.loc[slow, "trial_id"]) & set(
        pd.read_csv(run / "pareto.csv", dtype=str)["trial_id"]
    )
    # The sampler was told an untrained config is worth nothing, so it learns to avoid it.
    told = {trial.number: trial.values for trial in searcher_study(run).trials}
    assert [0.0, pytest.approx(skipped["latency_ms"])] in told.values()
