"""Re-draws the figures of the docs from the data the benchmarks shipped (`benchmarks/data/`).

    python docs/figures.py

- `docs/img/pareto.png`: `nas pareto plot` on a copy of a real search, the 30-minute staged
  search of `benchmarks/search_fidelity.md` (seed 0, `benchmarks/data/search_fidelity/`);
- `docs/img/benchmarks/searchers.png`: the samplers' hypervolume after N trials
  (`benchmarks/data/searchers.json`, `benchmarks/searchers.md`);
- `docs/img/benchmarks/latency.png`: `host` on a new machine, predicted against measured
  (`benchmarks/data/host_validate_224_own_blocks_20261126.json`, `benchmarks/latency.md`);
- `docs/img/benchmarks/cell_proxy.png`: the cell proxy's two seeds per head at output stride 8
  (`benchmarks/data/cell_proxy_os8.json`, `benchmarks/cell_proxy.md`).

Nothing here trains or times anything: it only draws what was measured.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
IMG = ROOT / "docs" / "img"
SEARCH = DATA / "search_fidelity" / "staged-30m-seed0"


def pareto() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / SEARCH.name
        shutil.copytree(SEARCH, run)
        subprocess.run(
            [sys.executable, "-m", "nas.cli", "pareto", "plot", "--run", str(run)],
            check=True,
            cwd=ROOT,
        )
        shutil.copyfile(run / "pareto.png", IMG / "pareto.png")


def searchers(ax) -> tuple[str, str, str]:
    data = _data("searchers.json")
    budgets = data["budgets"]
    random = [data["samplers"]["random"][str(b)]["mean"] for b in budgets]
    for name, sampler in data["samplers"].items():
        means = [sampler[str(b)]["mean"] for b in budgets]
        ax.plot(
            budgets,
            [100 * (m / r - 1) for m, r in zip(means, random)],
            marker="o",
            label=name + (" (default)" if name == "tpe-multivariate" else ""),
        )
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xscale("log")
    ax.set_xticks(budgets, [str(b) for b in budgets])
    seeds = len(data["samplers"]["random"][str(budgets[0])]["runs"])
    title = f"Samplers on a surrogate of the space ({data['configs']} configs, {seeds} seeds)"
    return title, "trials", "hypervolume vs random search (%)"


def latency(ax) -> tuple[str, str, str]:
    data = _data("host_validate_224_own_blocks_20261126.json")
    configs = data["configs"]
    for backbone in sorted({c["backbone"] for c in configs}):
        chosen = [c for c in configs if c["backbone"] == backbone]
        ax.scatter(
            [c["measured_ms"] for c in chosen],
            [c["predicted_ms"] for c in chosen],
            label=backbone,
            alpha=0.8,
        )
    top = max(max(c["measured_ms"], c["predicted_ms"]) for c in configs) * 1.05
    ax.plot([0, top], [0, top], color="grey", lw=0.8, label="predicted = measured")
    ax.fill_between(
        [0, top], [0, top * 0.95], [0, top * 1.05], color="grey", alpha=0.15, label="within 5%"
    )
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    within = f"{100 * data['within_5pct']:.1f}% within 5%, {100 * data['within_10pct']:.0f}%"
    title = f"host, 224x224: {within} within 10%"
    return title, "measured end to end (ms)", "predicted (ms)"


def cell_proxy(ax) -> tuple[str, str, str]:
    data = _data("cell_proxy_os8.json")
    heads = data["heads"]
    panel = set(data.get("panel", {}).get("heads", []))
    for name, head in heads.items():
        first, second = head["miou"][:2]
        ax.scatter(first, second, color="tab:red" if name in panel else "tab:blue", alpha=0.8)
        if name in panel:
            ax.annotate(
                name, (first, second), fontsize=7, xytext=(4, -8), textcoords="offset points"
            )
    values = [v for head in heads.values() for v in head["miou"][:2]]
    low, high = min(values) - 0.01, max(values) + 0.01
    ax.plot([low, high], [low, high], color="grey", lw=0.8)
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    title = (
        f"Cell proxy, output stride 8: {data['count']} heads, "
        f"seed Spearman {data['seed_spearman']:.2f}"
    )
    return title, "mIOU, seed 0", "mIOU, seed 1"


def _data(name: str) -> dict:
    """A benchmark's shipped result, benchmarks/data/`name`."""
    return json.loads((DATA / name).read_text())


def _figure(name: str, size: tuple, draw, legend: bool = True) -> None:
    """Draws one figure (`draw(ax)` returns its title and axis labels), grids it and writes it
    as docs/img/benchmarks/`name`.png."""
    fig, ax = plt.subplots(figsize=size, dpi=120)
    title, xlabel, ylabel = draw(ax)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3)
    if legend:
        ax.legend()
    fig.tight_layout()
    fig.savefig(IMG / "benchmarks" / f"{name}.png")
    plt.close(fig)


def main() -> None:
    (IMG / "benchmarks").mkdir(parents=True, exist_ok=True)
    pareto()
    _figure("searchers", (7, 4), searchers)
    _figure("latency", (5.5, 5), latency)
    _figure("cell_proxy", (5.5, 5), cell_proxy, legend=False)


if __name__ == "__main__":
    main()
