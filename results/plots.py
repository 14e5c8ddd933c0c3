"""Pareto plots: interactive plotly scatter (HTML) and a static matplotlib PNG, one panel per
rung of a staged search."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from matplotlib.figure import Figure

from mobile_seg_nas import atomic_write
from results.answer import highest_rungs, paper_latency
from results.pareto import pareto_front
from results.table import completed_trials
from space import PAPER_PRESET

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
DASHES = ("dot", "dash", "dashdot")  # plotly's, of the front's staircases
LABELS = {
    "latency_ms": "predicted latency (ms)",
    "miou": "mIOU (highest rung trained)",
    "fidelity": "rung",
}


def rung_panels(done: pd.DataFrame) -> list[tuple[int, str]]:
    """The panels of a Pareto plot, (rung, title) each: one per rung the completed trials were
    last measured at, since each rung's mIOU is on its own scale (first-rung results and
    finalists are never drawn together); one untitled panel when all share one rung."""
    rungs = highest_rungs(done)
    present = sorted(int(rung) for rung in rungs.unique()) or [0]
    if len(present) == 1:
        return [(present[0], "")]

    def title(rung: int) -> str:
        count = int((rungs == rung).sum())
        if rung == present[-1]:
            return f"finalists: last rung ({count})"
        return f"rung {rung}{', the proxy' if rung == 0 else ''} ({count} trials)"

    return [(rung, title(rung)) for rung in present]


def panel_fronts(table: pd.DataFrame, panels: list) -> list[tuple[int, str, pd.DataFrame]]:
    """The front's staircases (`front_lines`), each with the index of the panel that holds it
    (`rung_panels`)."""
    index = {rung: position for position, (rung, _) in enumerate(panels)}
    return [
        (index.get(highest_rungs(members).max(), 0), name, members)
        for name, members in front_lines(pareto_front(table))
    ]


def paper_label(latency_ms: float) -> str:
    """The label of the vertical line at paper-dpc's latency."""
    return f"{PAPER_PRESET} {latency_ms:.2f} ms"


def pareto_figure(
    table: pd.DataFrame,
    title: str = "Pareto front",
    latency_target: float | None = None,
    subtitle: str = "",
) -> go.Figure:
    """All completed trials (colour by head, symbol by backbone, hover shows the config and
    rung), in one panel per rung of a staged search (`rung_panels`) with its part of the front
    as a staircase, the paper preset marked and its latency drawn, and with `latency_target`
    the trials over it crossed out. `subtitle`: the search's context, under the title."""
    done = completed_trials(table)
    panels = rung_panels(done)
    rungs = highest_rungs(done)
    figure = px.scatter(
        done.assign(panel=rungs.map(dict(panels))),
        x="latency_ms",
        y="miou",
        color="head",
        symbol="backbone",
        hover_data=HOVER_COLUMNS,
        labels=LABELS,
        title=f"{title}<br><sup>{subtitle}</sup>" if subtitle else title,
        facet_col="panel" if len(panels) > 1 else None,
        category_orders={"panel": [name for _, name in panels]},
    )
    if len(panels) > 1:  # each panel on its own mIOU scale, titled without "panel="
        figure.update_yaxes(matches=None, showticklabels=True)
        figure.for_each_annotation(lambda note: note.update(text=note.text.split("=", 1)[-1]))
    _add_front_lines(figure, table, panels)
    columns = {rung: position + 1 for position, (rung, _) in enumerate(panels)}
    if latency_target is not None:
        _mark_infeasible(figure, done, latency_target, columns)
    paper = paper_latency(table)
    if paper is not None:
        figure.add_vline(
            x=paper, line_dash="dot", line_color="grey", annotation_text=paper_label(paper)
        )
    for index, row in done[done["preset"] != ""].iterrows():
        figure.add_annotation(
            x=row["latency_ms"],
            y=row["miou"],
            text=row["preset"],
            showarrow=True,
            arrowhead=2,
            row=1,
            col=columns[rungs[index]],
        )
    figure.update_layout(legend_title_text="head, backbone")
    return figure


def _add_front_lines(figure: go.Figure, table: pd.DataFrame, panels: list) -> None:
    """The front's staircases (`panel_fronts`), each in its rung's panel."""
    for (panel, name, members), dash in zip(panel_fronts(table, panels), DASHES):
        figure.add_trace(
            go.Scatter(
                x=members["latency_ms"],
                y=members["miou"],
                mode="lines",
                line={"shape": "hv", "color": "black", "dash": dash},
                name=name,
                hoverinfo="skip",
            ),
            row=1,
            col=panel + 1,
        )


def front_lines(front: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The front drawn as one staircase per rung its members reached (members of one rung are
    compared at that rung, so each staircase climbs; across rungs a finalist's longer training
    scores higher and proves nothing), named with the count of members."""
    rungs = highest_rungs(front)
    if rungs.nunique() <= 1:
        return [(f"Pareto front ({len(front)})", front)]
    return [
        (f"Pareto front, rung {rung} ({(rungs == rung).sum()})", front[rungs == rung])
        for rung in sorted(rungs.unique(), reverse=True)
    ]


def _mark_infeasible(
    figure: go.Figure, done: pd.DataFrame, latency_target: float, columns: dict
) -> None:
    """Draws the latency target and crosses out the trials over it, in each panel (`columns`:
    rung -> panel column); one legend entry counts them all."""
    over = done[done["latency_ms"] > latency_target]
    figure.add_vline(
        x=latency_target,
        line_dash="dash",
        line_color="red",
        annotation_text=f"latency target {latency_target:g} ms",
    )
    rungs = highest_rungs(over)
    for rung, column in columns.items():
        figure.add_trace(
            go.Scatter(
                x=over.loc[rungs == rung, "latency_ms"],
                y=over.loc[rungs == rung, "miou"],
                mode="markers",
                hoverinfo="skip",
                name=f"infeasible ({len(over)})",
                legendgroup="infeasible",
                showlegend=column == 1,
                marker={"symbol": "x-thin-open", "size": 14, "color": "red"},
            ),
            row=1,
            col=column,
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
    subtitle: str = "",
) -> None:
    """A static PNG of the same plot (`pareto_png_figure`: matplotlib, no browser needed)."""
    atomic_write(path, pareto_png_figure(table, title, latency_target, subtitle).savefig)


def pareto_png_figure(
    table: pd.DataFrame,
    title: str = "Pareto front",
    latency_target: float | None = None,
    subtitle: str = "",
) -> Figure:
    """The static plot as a matplotlib figure: the panels of `pareto_figure` side by side on
    one latency axis, each with its trials, its part of the front, paper-dpc's latency and the
    latency target."""
    done = completed_trials(table)
    panels, rungs = rung_panels(done), highest_rungs(done)
    figure = Figure(figsize=(max(7.0, 5.0 * len(panels)), 4.5), dpi=120)
    grid = figure.subplots(1, len(panels), sharex=True, squeeze=False)[0]
    for (panel, name, members), style in zip(panel_fronts(table, panels), (":", "--", "-.")):
        grid[panel].step(
            members["latency_ms"],
            members["miou"],
            where="post",
            color="black",
            linestyle=style,
            label=name,
        )
    paper = paper_latency(table)
    styles = _trial_styles(done)
    for axes, (rung, name) in zip(grid, panels):
        trials = done[rungs == rung]
        _draw_trials(axes, trials, styles)
        if latency_target is not None:
            _draw_latency_target(axes, trials, latency_target)
        if paper is not None:
            axes.axvline(paper, color="grey", linestyle=":", label=paper_label(paper))
        axes.set(xlabel=LABELS["latency_ms"], ylabel=LABELS["miou"], title=name)
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small")
    figure.suptitle(f"{title}\n{subtitle}" if subtitle else title)
    figure.tight_layout()
    return figure


def _trial_styles(done: pd.DataFrame) -> dict:
    """(head, backbone) -> (colour, marker): one colour a pair, one marker a backbone, the
    same in every panel."""
    pairs = sorted(set(zip(done["head"], done["backbone"])))
    markers = dict(zip(sorted(done["backbone"].unique()), "os^Dv"))
    return {pair: (f"C{index % 10}", markers[pair[1]]) for index, pair in enumerate(pairs)}


def _draw_trials(axes, trials: pd.DataFrame, styles: dict) -> None:
    """The trials of a panel by head and backbone, the paper presets among them named."""
    for (head, backbone), group in trials.groupby(["head", "backbone"]):
        colour, marker = styles[head, backbone]
        axes.scatter(
            group["latency_ms"],
            group["miou"],
            color=colour,
            marker=marker,
            label=f"{head}, {backbone}",
            alpha=0.8,
        )
    for _, row in trials[trials["preset"] != ""].iterrows():
        axes.annotate(
            row["preset"],
            (row["latency_ms"], row["miou"]),
            xytext=(8, -12),
            textcoords="offset points",
            arrowprops={"arrowstyle": "->"},
        )


def _draw_latency_target(axes, trials: pd.DataFrame, latency_target: float) -> None:
    """Draws the latency target as a vertical line and crosses the trials over it."""
    over = trials[trials["latency_ms"] > latency_target]
    axes.axvline(latency_target, color="red", linestyle="--", label=f"target {latency_target:g} ms")
    axes.scatter(
        over["latency_ms"],
        over["miou"],
        marker="x",
        color="red",
        s=80,
        label=f"infeasible ({len(over)})",
    )
