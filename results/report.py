"""The files of a run folder derived from its trial table: front, plots, summary."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from mobile_seg_nas import write_json, write_text

from results.pareto import pareto_front
from results.plots import pareto_figure, write_figure_html, write_pareto_png
from results.summary import summarize


def write_run_report(
    run_dir: str | Path,
    table: pd.DataFrame,
    latency_targets: list[float] = (),
    machine_speed: dict | None = None,
    subtitle: str = "",
) -> dict:
    """Writes `pareto.csv`, `pareto.html`, `pareto.png` (titled with the run's name and
    `subtitle`, the search's context: `search_subtitle`) and `summary.json` (with the count of
    repeated suggestions reused, `repeats_reused`, and this machine's speed at the search's
    start, `machine_speed`: given, else the one summary.json holds); returns the summary."""
    run_dir = Path(run_dir)
    write_text(run_dir / "pareto.csv", pareto_front(table).to_csv(index=False))
    title = f"Pareto front: {run_dir.name}"
    target = latency_targets[0] if latency_targets else None
    write_figure_html(pareto_figure(table, title, target, subtitle), run_dir / "pareto.html")
    write_pareto_png(table, run_dir / "pareto.png", title, target, subtitle)
    summary = {
        **summarize(table, latency_targets, run_dir=run_dir),
        "repeats_reused": count_repeats(run_dir),
        "machine_speed": machine_speed or _recorded(run_dir, "machine_speed"),
    }
    write_json(run_dir / "summary.json", summary)
    return summary


def search_subtitle(data: str, device: str, latency_input_size=None) -> str:
    """A search's context in a plot's title: its dataset (the `--data` spec's kind), the
    latency device and the deployment size, e.g. "camvid, latency on host at 360x480"."""
    size = f" at {latency_input_size[0]}x{latency_input_size[1]}" if latency_input_size else ""
    return f"{data.split(':', 1)[0]}, latency on {Path(device).name}{size}"


def _recorded(run_dir: Path, key: str):
    """`key` of the summary.json already in `run_dir` (None without one)."""
    path = run_dir / "summary.json"
    return json.loads(path.read_text()).get(key) if path.is_file() else None


REPEATS_FILE = "repeats.jsonl"  # a search's suggestions answered from its trial table


def count_repeats(run_dir: str | Path) -> int:
    """How many suggestions of a search reused a trained config's result
    (`nas.search.ray_engine.searchers.ReuseRepeats`)."""
    path = Path(run_dir) / REPEATS_FILE
    return len(path.read_text().splitlines()) if path.is_file() else 0
