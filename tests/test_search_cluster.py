"""`nas search --address` on a real two-node Ray cluster started on this machine: token
authentication, trial files through a storage folder apart from the run folder, SIGTERM,
a second search on the same run folder, resume and export of a trial."""

import contextlib
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from nas.cli import main
from results import pareto_front, read_trials
from searches import (
    STARTS_RAY,
    TINY,
    error_lines,
    nas,
    start_nas,
    wait_for_trials,
    worker_environment,
)

pytestmark = [pytest.mark.slow, STARTS_RAY]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def ray_node(folder: Path, name: str, env: dict, *arguments):
    """One `ray start --block` node with its own temporary folder in `folder`; stopped by its
    process id."""
    log = folder / f"{name}.log"
    with open(log, "w") as handle:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "ray"),
                "start",
                "--block",
                "--disable-usage-stats",
                "--object-store-memory",
                str(80 * 2**20),
                "--temp-dir",
                str(folder / name),
                *arguments,
            ],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while "Ray runtime started" not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.5)
        yield process
    finally:
        process.terminate()  # the node stops its own processes on SIGTERM
        process.wait(timeout=60)


@contextlib.contextmanager
def two_node_cluster(env: dict):
    """A head without CPUs (so every trial runs on the second node) and a node with one CPU
    (one trial at a time); yields the head's address. The nodes' folder is short: Ray's
    socket paths must fit 107 bytes."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="nas-ray-", dir="/tmp") as folder:
        folder = Path(folder)
        with ray_node(
            folder,
            "head",
            env,
            "--head",
            f"--port={port}",
            "--num-cpus=0",
            "--include-dashboard=false",
            f"--ray-client-server-port={free_port()}",
        ):
            # Ray's own way to join a token cluster (`ray start --address` does not look)
            with ray_node(
                folder,
                "node",
                {**env, "RAY_AUTH_MODE": "token"},
                f"--address=127.0.0.1:{port}",
                "--num-cpus=1",
            ):
                yield f"127.0.0.1:{port}"
        assert processes_using(folder) == []  # both nodes stopped


@pytest.fixture
def cluster_env(tmp_path):
    """A user whose Ray token is where Ray keeps it (~/.ray/auth_token) and who set nothing
    else: `ray start --head` turns token authentication on when it finds the token."""
    home = tmp_path / "home"
    (home / ".ray").mkdir(parents=True)
    (home / ".ray" / "auth_token").write_text(secrets.token_hex(32))
    return worker_environment(
        HOME=str(home),
        RAY_AUTH_MODE=None,
        RAY_AUTH_TOKEN=None,
        RAY_AUTH_TOKEN_PATH=None,
        RAY_ADDRESS=None,
        RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S="0",
    )


def test_search_on_a_two_node_cluster(tmp_path, cluster_env, capsys):
    run, storage = tmp_path / "run", tmp_path / "storage"
    with two_node_cluster(cluster_env) as address:
        search = [
            "search",
            "--address",
            address,
            "--storage",
            storage,
            "--out",
            run,
            "--budget",
            "2",
            *TINY,
        ]
        tokens = {
            "rejected the Ray token from RAY_AUTH_TOKEN": {"RAY_AUTH_TOKEN": "wrong"},
            "no Ray token was found": {"HOME": str(tmp_path)},
        }
        failed = {
            message: start_nas(
                *search, log=tmp_path / f"token-{number}.log", env={**cluster_env, **change}
            )
            for number, (message, change) in enumerate(tokens.items())
        }
        for number, (message, process) in enumerate(failed.items()):
            assert process.wait(timeout=300) == 2
            lines = error_lines((tmp_path / f"token-{number}.log").read_text())
            assert len(lines) == 1 and message in lines[0] and "RAY_AUTH_TOKEN_PATH" in lines[0]
        assert not run.exists() and not storage.exists()

        process = start_nas(*search, log=tmp_path / "search.log", env=cluster_env)
        try:
            completed = wait_for_trials(run, process)
            wait_for_trials(run, process, status="running")  # the second trial
            assert main(["search", "--resume", "--out", str(run)]) == 2  # run folder in use
            assert "another nas search (pid" in capsys.readouterr().err
            began = time.monotonic()
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)
            stopped_in = time.monotonic() - began
        finally:
            process.kill()
        log = (tmp_path / "search.log").read_text()
        assert process.returncode == 128 + signal.SIGTERM, log[-3000:]
        assert stopped_in < 30 and "nas search: stopped: interrupted by SIGTERM" in log
        table = read_trials(run)
        assert sorted(table["status"]) == ["completed", "interrupted"]
        assert (run / "summary.json").is_file()

        resumed = nas("search", "--resume", "--out", run, "--address", address, env=cluster_env)
        assert resumed.returncode == 0, resumed.stderr[-3000:]

    table = read_trials(run)
    assert len(table) == 2 and set(table["status"]) == {"completed"}
    for trial_id, row in completed.iterrows():  # read back from storage, not trained again
        assert table.set_index("trial_id").loc[trial_id, "train_seconds"] == row["train_seconds"]
    assert (storage / run.name / "ray").is_dir() and not (run / "ray").exists()
    for trial_id in table["trial_id"]:
        assert (run / "trials" / trial_id / "result.json").is_file()
    for trial_id in pareto_front(table)["trial_id"]:
        assert (run / "trials" / trial_id / "model.weights.h5").is_file()

    # a trial whose weights the run folder lacks: export fetches them from the storage
    trial_id = table["trial_id"][0]
    (run / "trials" / trial_id / "model.weights.h5").unlink(missing_ok=True)
    assert (
        main(
            [
                "export",
                "--run",
                str(run),
                "--trial",
                trial_id,
                "--input-size",
                "64x64",
                "--verify-images",
                "2",
                "--out",
                str(tmp_path / "export"),
            ]
        )
        == 0
    )
    assert (tmp_path / "export" / "model.tflite").is_file()


def processes_using(folder) -> list[int]:
    """Ids of the processes whose command line names `folder` (Ray nodes name their
    temporary folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(folder).encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found
