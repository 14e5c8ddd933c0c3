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


def nondominated_ranks(points) -> np.ndarray:
    """Non-dominated sorting of (miou, latency_ms) points: 0 for the points no other dominates,
    1 for those only rank-0 points dominate, and so on."""
    points = [tuple(point) for point in points]
    ranks = np.full(len(points), -1)
    rank, left = 0, set(range(len(points)))
    while left:
        layer = {i for i in left if not any(dominates(points[j], points[i]) for j in left)}
        ranks[list(layer)] = rank
        left -= layer
        rank += 1
    return ranks


def crowding_distances(points) -> np.ndarray:
    """NSGA-II's crowding distance of each point within its set: the normalised perimeter of
    the box its neighbours along each objective span (infinite at the extremes)."""
    values = np.asarray(points, float).reshape(-1, 2)
    distances = np.zeros(len(values))
    if len(values) <= 2:
        return np.full(len(values), np.inf)
    for column in values.T:
        order = np.argsort(column, kind="stable")
        span = column[order[-1]] - column[order[0]]
        distances[order[[0, -1]]] = np.inf
        if span > 0:
            distances[order[1:-1]] += (column[order[2:]] - column[order[:-2]]) / span
    return distances


def pareto_order(points) -> np.ndarray:
    """Indices of (miou, latency_ms) points from best to worst: by non-dominated rank, then by
    crowding distance within a rank (more isolated first), as NSGA-II and MO-ASHA rank."""
    points = np.asarray(points, float).reshape(-1, 2)
    ranks = nondominated_ranks(points)
    crowding = np.zeros(len(points))
    for rank in np.unique(ranks):
        members = np.flatnonzero(ranks == rank)
        crowding[members] = crowding_distances(points[members])
    return np.lexsort((-crowding, ranks))


def pareto_front(table: pd.DataFrame) -> pd.DataFrame:
    """The completed trials no other completed trial dominates, fastest first."""
    done = completed_trials(table)
    points = list(zip(done["miou"], done["latency_ms"]))
    dominated = [any(dominates(other, point) for other in points) for point in points]
    return done[~np.asarray(dominated, bool)].sort_values(["latency_ms", "miou"], ascending=[True, False])


# The default proxy's seed noise: mean |seed 0 - seed 1| of one trial's mIOU over 313 configs of
# the default space (benchmarks/searchers.md); mIOUs closer than this are ties. As the staged
# search's promotion margin it keeps 97% of the deserved promotions (benchmarks/search_fidelity.md).
SEED_NOISE = 0.008


def ties_with_front(table: pd.DataFrame, noise: float = SEED_NOISE) -> list[dict]:
    """Completed trials off the front that a front member dominates by less than `noise` in
    mIOU (the proxy's seed noise): measured once each, the two are a tie. One entry per such
    trial, naming the front member that dominates it by the least."""
    front = pareto_front(table)
    done = completed_trials(table)
    ties = []
    for row in done[~done["trial_id"].isin(front["trial_id"])].itertuples():
        margins = [(member.miou - row.miou, member.trial_id) for member in front.itertuples()
                   if dominates((member.miou, member.latency_ms), (row.miou, row.latency_ms))]
        margin, member = min(margins)
        if margin < noise:
            ties.append({"trial_id": row.trial_id, "tied_with": member,
                         "miou_difference": float(margin)})
    return ties


def reference_latency(table: pd.DataFrame) -> float | None:
    """The latency of the hypervolume reference point (see REFERENCE_FACTOR)."""
    done = completed_trials(table)
    if done.empty:
        return None
    preset = done[done["preset"] != ""]
    anchor = preset["latency_ms"].iloc[0] if not preset.empty else done["latency_ms"].max()
    return float(REFERENCE_FACTOR * anchor)


def hypervolume(front, reference_latency_ms: float) -> float:
    """Area (mIOU x ms) dominated by the points (a table with `miou` and `latency_ms`, or
    (miou, latency_ms) pairs) and bounded by (mIOU 0, reference latency)."""
    if isinstance(front, pd.DataFrame):
        front = front[["miou", "latency_ms"]].to_numpy()
    points = np.asarray(front, float).reshape(-1, 2)
    points = points[(points[:, 1] < reference_latency_ms) & (points[:, 0] > 0)]
    points = points[np.argsort(points[:, 1], kind="stable")]
    latency = np.append(points[:, 1], reference_latency_ms)
    best_miou = np.maximum.accumulate(points[:, 0])
    return float(np.sum(best_miou * np.diff(latency)))
