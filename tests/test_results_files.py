"""Run-folder files written from a trial table: CSV/parquet, front, plots, summary."""

import json

import pandas as pd

from results import comparison_figure, read_trials, write_run_report, write_trials
from results.plots import pareto_figure
from results.table import TRIAL_COLUMNS, as_table


def rows():
    base = {
        "status": "completed",
        "preset": "",
        "backbone": "shufflenet_v2",
        "depth_multiplier": 1.0,
        "output_stride": 16,
        "head": "basic",
        "dpc_branches": "",
        "decoder": "none",
        "num_classes": 19,
        "input_size": "64x64",
        "gflops": 0.4,
        "params": 1e6,
        "steps": 10,
        "train_seconds": 1.0,
        "eval_seconds": 0.1,
        "trial_seconds": 1.2,
        "error": "",
    }
    return [
        {
            **base,
            "trial_id": "0001",
            "config_id": "0123456789",
            "miou": 0.3,
            "latency_ms": 8.0,
            "preset": "paper-dpc",
            "head": "dpc",
        },
        {
            **base,
            "trial_id": "0002",
            "config_id": "abcdef0123",
            "miou": 0.2,
            "latency_ms": 4.0,
            "backbone": "mobilenet_v2",
        },
        {**base, "trial_id": "0003", "config_id": "fedcba9876", "miou": 0.1, "latency_ms": 9.0},
        {
            **base,
            "trial_id": "0004",
            "config_id": "1111111111",
            "status": "failed",
            "miou": None,
            "latency_ms": None,
            "error": "FloatingPointError: loss nan",
        },
    ]


def test_trial_table_round_trip_keeps_ids_as_text(tmp_path):
    table = as_table(rows())
    write_trials(table, tmp_path)
    assert list(pd.read_csv(tmp_path / "trials.csv").columns) == list(TRIAL_COLUMNS)
    for name in ("trials.parquet", "trials.csv"):
        back = read_trials(tmp_path)
        assert list(back["trial_id"]) == ["0001", "0002", "0003", "0004"]
        assert list(back["config_id"])[0] == "0123456789"
        assert back.loc[3, "error"] == "FloatingPointError: loss nan"
        (tmp_path / name).unlink()  # next round reads the CSV
    assert not list(tmp_path.glob(".*tmp*"))


def test_run_report_files(tmp_path):
    table = as_table(rows())
    summary = write_run_report(tmp_path, table, latency_targets=[5.0])
    front = pd.read_csv(tmp_path / "pareto.csv", dtype={"trial_id": str})
    assert list(front["trial_id"]) == ["0002", "0001"]
    assert json.loads((tmp_path / "summary.json").read_text()) == json.loads(json.dumps(summary))
    assert summary["best_under_target"]["5"]["trial_id"] == "0002"
    assert summary["finalists"] == []  # one fidelity: no trial was trained past the proxy
    html = (tmp_path / "pareto.html").read_text()
    assert "paper-dpc" in html and "Pareto front (2)" in html and "plotly" in html
    assert "finalists" not in html
    assert (tmp_path / "pareto.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_staged_front_is_drawn_as_one_staircase_per_rung():
    # 0002 never climbed; 0001 climbed and scored 0.6 after the longer training. At the first
    # rung, which both trained, neither dominates the other: both stay on the front, each on
    # the staircase of its own rung.
    first, second, third, _ = rows()
    table = as_table(
        [
            {**first, "fidelity": 1, "miou_rung0": 0.15, "miou_rung1": 0.6},
            {**second, "latency_ms": 9.5, "fidelity": 0, "miou_rung0": 0.2},
            {**third, "fidelity": 0, "miou_rung0": 0.1},
        ]
    )
    lines = [trace for trace in pareto_figure(table).data if trace.name.startswith("Pareto")]
    assert [line.name for line in lines] == ["Pareto front, rung 1 (1)", "Pareto front, rung 0 (1)"]
    assert [list(line.x) for line in lines] == [[8.0], [9.5]]


def test_comparison_figure_draws_each_front():
    table = as_table(rows())
    figure = comparison_figure({"nsga2": table, "random": table.iloc[1:]})
    names = [trace.name for trace in figure.data]
    assert names == [
        "nsga2 trials",
        "nsga2: pareto front (2)",
        "random trials",
        "random: pareto front (1)",
    ]
    assert list(figure.data[1].x) == [4.0, 8.0]


def test_comparison_figure_draws_a_staged_front_rung_by_rung():
    first, second, third, _ = rows()
    staged = as_table(
        [
            {**first, "fidelity": 1, "miou_rung0": 0.15, "miou_rung1": 0.6},
            {**second, "latency_ms": 9.5, "fidelity": 0, "miou_rung0": 0.2},
            {**third, "fidelity": 0, "miou_rung0": 0.1},
        ]
    )
    figure = comparison_figure({"staged": staged, "single": as_table(rows())})
    names = [trace.name for trace in figure.data]
    assert names == [
        "staged trials",
        "staged: pareto front, rung 1 (1)",
        "staged: pareto front, rung 0 (1)",
        "single trials",
        "single: pareto front (2)",
    ]


def test_a_staged_search_table_keeps_each_rung_and_marks_finalists_and_infeasible(tmp_path):
    staged = [
        {**row, "fidelity": 1 if row["trial_id"] == "0001" else 0, "miou_rung0": 0.25}
        for row in rows()
    ]
    staged[0]["miou_rung1"] = staged[0]["miou"]
    write_trials(as_table(staged), tmp_path)
    table = read_trials(tmp_path)
    assert list(table.columns)[-2:] == ["miou_rung0", "miou_rung1"]
    summary = write_run_report(tmp_path, table, latency_targets=[5.0])
    assert summary["finalists"] == ["0001"]
    html = (tmp_path / "pareto.html").read_text()
    assert "finalists: last rung (1)" in html and "infeasible (2)" in html
