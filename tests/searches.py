"""Helpers of the `nas search` tests: tiny searches, the environment Ray workers and CLI
subprocesses need, and waiting for a running search to reach a state."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from results import read_trials

REPO = Path(__file__).resolve().parents[1]


# Tests that start Ray clusters run one after another on one pytest-xdist worker (the README's
# `-n 2 --dist loadgroup`): each cluster is sized to the whole machine.
STARTS_RAY = pytest.mark.xdist_group("ray")

TINY_SPACE = REPO / "tests" / "fixtures" / "tiny_space.json"  # the light ShuffleNets, no decoder


def tiny(steps: int = 2, evaluations: int = 1, ladder: str | None = None) -> list[str]:
    """The flags of a tiny search: trials of `steps` steps at 32x32, batch 2, evaluated
    `evaluations` times, in one rung (or up `ladder`), over a small space (the paper's network
    among them), latency from the shipped CPU table."""
    return [
        "--space",
        str(TINY_SPACE),
        "--input-size",
        "32x32",
        "--steps-per-trial",
        str(steps),
        "--evaluations-per-trial",
        str(evaluations),
        "--batch-size",
        "2",
        "--fidelities",
        ladder or f"32x32/{steps}/2",
        "--cpus-per-trial",
        "1",
        "--device",
        "amd-epyc-2vcpu-2026-11-24",
    ]  # the shipped table by name: no calibration


TINY = tiny()


def worker_environment(**changes) -> dict:
    """This process's environment with the working tree on PYTHONPATH (Ray workers and CLI
    subprocesses import it as the tests do), changed by `changes` (None removes a name)."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    environment = {**os.environ, "PYTHONPATH": path}
    for name, value in changes.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return environment


def nas(*argv, env=None, timeout=600) -> subprocess.CompletedProcess:
    """Runs `nas ARGV` in a subprocess; stdout and stderr as text."""
    return subprocess.run(
        [sys.executable, "-m", "nas.cli", *map(str, argv)],
        cwd=REPO,
        env=env or worker_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_nas(*argv, log: Path, env=None) -> subprocess.Popen:
    """Starts `nas ARGV` in the background, its output in the file `log`."""
    with open(log, "w") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "nas.cli", *map(str, argv)],
            cwd=REPO,
            env=env or worker_environment(),
            stdout=handle,
            stderr=handle,
        )


def wait_for_trials(
    run: Path, process, status: str = "completed", count: int = 1, timeout: float = 300
):
    """The rows of `run`'s trial table with `status` once there are `count` of them, while
    `process` (the search) still runs; indexed by trial id."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the search exited too early"
        try:
            table = read_trials(run)
        except (FileNotFoundError, OSError, ValueError):
            table = None
        if table is not None and (table["status"] == status).sum() >= count:
            return table[table["status"] == status].set_index("trial_id")
        time.sleep(0.5)
    raise AssertionError(f"no {count} {status} trials within {timeout} s")


def error_lines(stderr: str) -> list[str]:
    """The lines of a CLI's stderr that are not log lines."""
    return [
        line
        for line in stderr.strip().splitlines()
        if line and not line.startswith(("INFO ", "WARNING ", "DEBUG "))
    ]


def train_tiny(folder: Path, config, **recipe) -> Path:
    """A `nas train` run folder: `config` trained on synthetic scenes with the `recipe` fields."""
    from trainers import TrainConfig
    from trainers.trainer import train

    train(config, TrainConfig(**recipe), dataset="synthetic", out_dir=folder, progress=False)
    return folder


def search_folder(folder: Path, trained_run: Path, rows: list[dict], options: dict) -> Path:
    """A `nas search` run folder the cheapest real way: `trained_run` copied as the files of
    every trial in `rows` (trial table rows), the trial table and `search.json` (`options`)."""
    import json
    import shutil

    from results import write_trials
    from results.table import as_table

    for row in rows:
        shutil.copytree(
            trained_run,
            folder / "trials" / row["trial_id"],
            ignore=shutil.ignore_patterns("checkpoints", "tensorboard"),
        )
    write_trials(as_table(rows), folder)
    (folder / "search.json").write_text(json.dumps(options))
    return folder
