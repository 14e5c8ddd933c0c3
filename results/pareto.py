"""Pareto front (mIOU up, latency down) and its hypervolume."""

from __future__ import annotations

import numpy as np
import pandas as pd

from results.table import RUNG_PREFIX, completed_trials

# Hypervolume reference point: mIOU 0 and a latency of REFERENCE_FACTOR x the paper preset's
# predicted latency (the preset is evaluated first in every search, so runs on the same device
# table share the point); without a preset, REFERENCE_FACTOR x the slowest completed trial.
REFERENCE_FACTOR = 2.0


def dominates(a, b):
    """Whether (miou, latency_ms) `a` is at least as good as `b` in both and better in one
    (element-wise when the four values are arrays; NaN dominates nothing)."""
    return (a[0] >= b[0]) & (a[1] <= b[1]) & ((a[0] > b[0]) | (a[1] < b[1]))


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


def rung_mious(table: pd.DataFrame) -> np.ndarray:
    """Each trial's mIOU per rung of a staged search, trials x rungs (NaN where the trial did not
    train the rung); a table without rung columns (an older one) is one rung, its `miou`."""
    columns = [name for name in table.columns if name.startswith(RUNG_PREFIX)]
    values = table[sorted(columns, key=lambda name: int(name.removeprefix(RUNG_PREFIX)))]
    values = values.to_numpy(float, copy=True) if columns else np.full((len(table), 1), np.nan)
    unranked = np.isnan(values).all(axis=1)
    values[unranked, 0] = table["miou"].to_numpy(float)[unranked]
    return values


def rung_dominance(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Which trial dominates which in a staged search: i dominates j when i trained j's highest
    rung too and dominates j there. A longer training scores higher, so a finalist's last mIOU
    proves nothing against a trial that never climbed, and a result of a lower rung never
    unseats a trial that climbed past it. Returns `beats` (trials x trials, `beats[i, j]`: i
    dominates j) and `margin` (i's mIOU minus j's at j's highest rung). Without rungs this is
    plain dominance."""
    values = rung_mious(table)
    highest = values.shape[1] - 1 - np.argmax(~np.isnan(values[:, ::-1]), axis=1)
    mine = values[:, highest]  # mine[i, j]: i's mIOU at j's highest rung (NaN: not trained)
    theirs = values[np.arange(len(values)), highest][None, :]
    latency = table["latency_ms"].to_numpy(float)
    beats = dominates((mine, latency[:, None]), (theirs, latency[None, :]))
    return beats, mine - theirs


def pareto_front(table: pd.DataFrame) -> pd.DataFrame:
    """The completed trials no other completed trial dominates (in a staged search: at the
    highest rung the dominated one trained, `rung_dominance`), fastest first."""
    done = completed_trials(table)
    beaten = rung_dominance(done)[0].any(axis=0)
    return done[~beaten].sort_values(["latency_ms", "miou"], ascending=[True, False])


# The default proxy's seed noise: mean |seed 0 - seed 1| of one trial's mIOU over 313 configs of
# the default space (benchmarks/searchers.md); mIOUs closer than this are ties. As the staged
# search's promotion margin it keeps 97% of the deserved promotions (benchmarks/search_fidelity.md).
SEED_NOISE = 0.008


def ties_with_front(table: pd.DataFrame, noise: float = SEED_NOISE) -> list[dict]:
    """Completed trials off the front that a front member dominates by less than `noise` in
    mIOU (the proxy's seed noise): measured once each, the two are a tie. One entry per such
    trial, naming the front member that dominates it by the least (or, where only trials off
    the front dominate it, `rung_dominance` not being transitive, the closest of those)."""
    done = completed_trials(table)
    beats, margin = rung_dominance(done)
    on_front = ~beats.any(axis=0)
    ties = []
    for loser in np.flatnonzero(~on_front):
        winners = np.flatnonzero(beats[:, loser] & on_front)
        winners = winners if len(winners) else np.flatnonzero(beats[:, loser])
        closest = winners[np.argmin(margin[winners, loser])]
        if margin[closest, loser] < noise:
            ties.append(
                {
                    "trial_id": done["trial_id"].iloc[loser],
                    "tied_with": done["trial_id"].iloc[closest],
                    "miou_difference": float(margin[closest, loser]),
                }
            )
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
