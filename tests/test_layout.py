"""The layout's promises: fast commands never load TensorFlow, functions stay short, and no
temporary file is left behind by a failed write."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mobile_seg_nas import atomic_write, read_json, write_json
from mobile_seg_nas.errors import UserInputError
from nas.search.options import SearchOptions, write_search_options

ROOT = Path(__file__).resolve().parent.parent
CODE_FOLDERS = (
    "mobile_seg_nas",
    "space",
    "trainers",
    "latency_models",
    "results",
    "nas",
    "benchmarks",
)
MAX_FUNCTION_LINES = 60

# Runs one `nas` command and prints the heavy modules it imported.
PROBE = """
import json, sys
from nas.cli import main
code = main(json.loads(sys.argv[1]))
print(json.dumps([code, sorted({"tensorflow", "keras", "ray"} & set(sys.modules))]))
"""


@pytest.fixture(scope="module")
def search_run(tmp_path_factory):
    """A search run folder with a three-trial table."""
    from results import write_trials
    from results.table import as_table

    folder = tmp_path_factory.mktemp("search")
    rows = [
        {
            "trial_id": f"t{index}",
            "status": "completed",
            "preset": "",
            "head": "basic",
            "backbone": "shufflenet_v2",
            "miou": miou,
            "latency_ms": latency,
            "config_id": f"c{index}",
        }
        for index, (miou, latency) in enumerate([(0.3, 8.0), (0.2, 4.0), (0.1, 9.0)])
    ]
    write_trials(as_table(rows), folder)
    write_search_options(SearchOptions(latency_target=(5.0,)), folder)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize(
    "argv",
    [
        ["preset", "list"],
        ["preset", "show", "paper-dpc", "--json"],
        ["recipe", "list"],
        ["recipe", "show", "paper", "--json"],
        [
            "latency",
            "predict",
            "--preset",
            "paper-dpc",
            "--input-size",
            "224x224",
            "--no-measure",
            "--device",
            "amd-epyc-2vcpu-2026-11-24",
        ],
        ["latency", "devices"],  # times the fingerprint's reference network with LiteRT
        ["results", "show", "--run", "{run}"],
        ["pareto", "plot", "--run", "{run}"],
        ["results", "compare", "{run}", "--out", "{run}/compare.html"],
    ],
)
def test_fast_commands_do_not_import_tensorflow(argv, search_run):
    argv = [arg.format(run=search_run) for arg in argv]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    code, heavy = json.loads(done.stdout.strip().splitlines()[-1])
    assert code == 0, done.stderr
    assert heavy == []


def test_no_function_is_longer_than_60_lines():
    long = []
    for folder in CODE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    lines = node.end_lineno - node.lineno + 1
                    if lines > MAX_FUNCTION_LINES:
                        long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines})")
    assert long == []


def test_a_failed_atomic_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "data.json"
    write_json(path, {"version": 1})

    def fail(temporary):
        temporary.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic_write(path, fail)
    assert read_json(path, "data file") == {"version": 1}
    assert [item.name for item in tmp_path.iterdir()] == ["data.json"]
    path.write_text("{broken")
    with pytest.raises(UserInputError, match="data file .*: not valid JSON"):
        read_json(path, "data file")
