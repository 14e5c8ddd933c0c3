"""Pareto plots: interactive plotly scatter (HTML) and a static matplotlib PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from mobile_seg_nas import atomic_write

from results.pareto import pareto_front
from results.table import completed_trials, finalist_trials

HOVER_COLUMNS = [
    "trial_id",
    "config_id",
    "depth_multiplier",
    "output_stride",
    "decoder",
    "gflops",
    "params",
    "fidelity",
    "steps",
]
LABELS = {
    "latency_ms": "predicted latency (ms)",
    "miou": "mIOU (highest rung trained)",
    "fidelity": "rung",
}


def pareto_figure(
    table: pd.DataFrame, title: str = "Pareto front", latency_target: float | None = None
) -> go.Figure:
    """All completed trials (colour by head, symbol by backbone, hover shows the config and
    rung), the finalists of a staged search ringed, the front drawn as a step line per rung,
    the paper preset marked, and with `latency_target` the trials over it crossed out."""
    done = completed_trials(table)
    figure = px.scatter(
        done,
        x="latency_ms",
        y="miou",
        color="head",
        symbol="backbone",
        hover_data=HOVER_COLUMNS,
        labels=LABELS,
        title=title,
    )
    for (name, members), dash in zip(front_lines(pareto_front(table)), ("dot", "dash", "dashdot")):
        figure.add_trace(
            go.Scatter(
                x=members["latency_ms"],
                y=members["miou"],
                mode="lines",
                line={"shape": "hv", "color": "black", "dash": dash},
                name=name,
                hoverinfo="skip",
            )
        )
    finalists = finalist_trials(done)
    if 0 < len(finalists) < len(done):
        _add_markers(
            figure,
            finalists,
            f"finalists: last rung ({len(finalists)})",
            symbol="circle-open",
            size=16,
            color="black",
            line={"width": 2},
        )
    if latency_target is not None:
        _mark_infeasible(figure, done, latency_target)
    for _, row in done[done["preset"] != ""].iterrows():
        figure.add_annotation(
            x=row["latency_ms"], y=row["miou"], text=row["preset"], showarrow=True, arrowhead=2
        )
    figure.update_layout(legend_title_text="head, backbone")
    return figure


def front_lines(front: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The front drawn as one staircase per rung its members reached (members of one rung are
    compared at that rung, so each staircase climbs; across rungs a finalist's longer training
    scores higher and proves nothing), named with the count of members."""
    rungs = front["fidelity"].fillna(0).astype(int)
    if rungs.nunique() <= 1:
        return [(f"Pareto front ({len(front)})", front)]
    return [
        (f"Pareto front, rung {rung} ({(rungs == rung).sum()})", front[rungs == rung])
        for rung in sorted(rungs.unique(), reverse=True)
    ]


def _mark_infeasible(figure: go.Figure, done: pd.DataFrame, latency_target: float) -> None:
    over = done[done["latency_ms"] > latency_target]
    figure.add_vline(
        x=latency_target,
        line_dash="dash",
        line_color="red",
        annotation_text=f"latency target {latency_target:g} ms",
    )
    _add_markers(
        figure, over, f"infeasible ({len(over)})", symbol="x-thin-open", size=14, color="red"
    )


def _add_markers(figure: go.Figure, rows: pd.DataFrame, name: str, **marker) -> None:
    """`rows` drawn over the trials as markers (latency, mIOU) of one legend entry, `name`."""
    figure.add_trace(
        go.Scatter(
            x=rows["latency_ms"],
            y=rows["miou"],
            mode="markers",
            hoverinfo="skip",
            name=name,
            marker=marker,
        )
    )


def comparison_figure(tables: dict[str, pd.DataFrame], title: str = "Pareto fronts") -> go.Figure:
    """The front of each run (name -> trial table) in one plot, with its completed trials; a
    staged run's front as one staircase per rung (`front_lines`)."""
    figure = go.Figure()
    colours = px.colors.qualitative.Plotly
    for index, (name, table) in enumerate(tables.items()):
        colour = colours[index % len(colours)]
        done, front = completed_trials(table), pareto_front(table)
        figure.add_trace(
            go.Scatter(
                x=done["latency_ms"],
                y=done["miou"],
                mode="markers",
                marker={"color": colour, "opacity": 0.35},
                name=f"{name} trials",
                text=done["config_id"],
                legendgroup=name,
            )
        )
        for (line, members), dash in zip(front_lines(front), ("solid", "dash", "dot")):
            figure.add_trace(
                go.Scatter(
                    x=members["latency_ms"],
                    y=members["miou"],
                    mode="lines+markers",
                    line={"shape": "hv", "color": colour, "dash": dash},
                    legendgroup=name,
                    name=f"{name}: {line[0].lower()}{line[1:]}",
                    text=members["config_id"],
                )
            )
    figure.update_layout(title=title, xaxis_title=LABELS["latency_ms"], yaxis_title=LABELS["miou"])
    return figure


def write_figure_html(figure: go.Figure, path: str | Path) -> None:
    """Writes a self-contained HTML file (plotly.js embedded: opens offline), atomically."""
    atomic_write(path, lambda temporary: figure.write_html(temporary, include_plotlyjs=True))


def write_pareto_png(
    table: pd.DataFrame,
    path: str | Path,
    title: str = "Pareto front",
    latency_target: float | None = None,
) -> None:
    """A static PNG of the same plot, drawn with matplotlib (no browser needed)."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # after choosing the backend

    done, front = completed_trials(table), pareto_front(table)
    markers = dict(zip(sorted(done["backbone"].unique()), "os^Dv"))
    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=120)
    for (head, backbone), group in done.groupby(["head", "backbone"]):
        axes.scatter(
            group["latency_ms"],
            group["miou"],
            marker=markers[backbone],
            label=f"{head}, {backbone}",
            alpha=0.8,
        )
    for (name, members), style in zip(front_lines(front), (":", "--", "-.")):
        axes.step(
            members["latency_ms"],
            members["miou"],
            where="post",
            color="black",
            linestyle=style,
            label=name,
        )
    _draw_finalists(axes, done)
    if latency_target is not None:
        _draw_latency_target(axes, done, latency_target)
    for _, row in done[done["preset"] != ""].iterrows():
        axes.annotate(
            row["preset"],
            (row["latency_ms"], row["miou"]),
            xytext=(8, -12),
            textcoords="offset points",
            arrowprops={"arrowstyle": "->"},
        )
    axes.set(xlabel=LABELS["latency_ms"], ylabel=LABELS["miou"], title=title)
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    figure.tight_layout()
    try:
        atomic_write(path, figure.savefig)
    finally:
        plt.close(figure)


def _draw_finalists(axes, done: pd.DataFrame) -> None:
    """Rings the finalists (trials of the last rung), unless none or all trials are."""
    finalists = finalist_trials(done)
    if 0 < len(finalists) < len(done):
        axes.scatter(
            finalists["latency_ms"],
            finalists["miou"],
            s=150,
            facecolors="none",
            edgecolors="black",
            label=f"finalists: last rung ({len(finalists)})",
        )


def _draw_latency_target(axes, done: pd.DataFrame, latency_target: float) -> None:
    """Draws the latency target as a vertical line and crosses the trials over it."""
    over = done[done["latency_ms"] > latency_target]
    axes.axvline(latency_target, color="red", linestyle="--", label=f"target {latency_target:g} ms")
    axes.scatter(
        over["latency_ms"],
        over["miou"],
        marker="x",
        color="red",
        s=80,
        label=f"infeasible ({len(over)})",
    )
