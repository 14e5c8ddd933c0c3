"""Pareto front (mIOU up, latency down) and its hypervolume."""

from __future__ import annotations

import numpy as np
import pandas as pd

from results.table import completed_trials

# Hypervolume reference point: mIOU 0 and a latency of REFERENCE_FACTOR x the paper preset's
# predicted latency (the preset is evaluated first in every search, so runs on the same device
# table share the point); without a preset, REFERENCE_FACTOR x the slowest completed trial.
REFERENCE_FACTOR = 2.0


def dominates(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether (miou, latency_ms) `a` is at least as good as `b` in both and better in one."""
    return a[0] >= b[0] and a[1] <= b[1] and (a[0] > b[0] or a[1] < b[1])


def pareto_front(table: pd.DataFrame) -> pd.DataFrame:
    """The completed trials no other completed trial dominates, fastest first."""
    done = completed_trials(table)
    points = list(zip(done["miou"], done["latency_ms"]))
    dominated = [any(dominates(other, point) for other in points) for point in points]
    return done[~np.asarray(dominated, bool)].sort_values(["latency_ms", "miou"], ascending=[True, False])


def reference_latency(table: pd.DataFrame) -> float | None:
    """The latency of the hypervolume reference point (see REFERENCE_FACTOR)."""
    done = completed_trials(table)
    if done.empty:
        return None
    preset = done[done["preset"] != ""]
    anchor = preset["latency_ms"].iloc[0] if not preset.empty else done["latency_ms"].max()
    return float(REFERENCE_FACTOR * anchor)


def hypervolume(front: pd.DataFrame, reference_latency_ms: float) -> float:
    """Area (mIOU x ms) dominated by the front and bounded by (mIOU 0, reference latency)."""
    points = front[(front["latency_ms"] < reference_latency_ms) & (front["miou"] > 0)]
    points = points.sort_values("latency_ms")
    latency = np.append(points["latency_ms"].to_numpy(), reference_latency_ms)
    best_miou = np.maximum.accumulate(points["miou"].to_numpy())
    return float(np.sum(best_miou * np.diff(latency)))
