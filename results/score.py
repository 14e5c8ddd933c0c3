"""MnasNet's single-objective score for latency-aware ranking (Tan et al. 2019)."""

from __future__ import annotations

SOFT_WEIGHT = -0.07


def latency_score(
    miou: float, latency_ms: float, target_ms: float, weight: float | None = SOFT_WEIGHT
) -> float:
    """`miou * (latency / target) ** w`. `w = -0.07` (soft, the default) trades a little accuracy
    for speed everywhere; `weight=None` is the hard limit: w = 0 under the target, -1 above."""
    if weight is None:
        weight = 0.0 if latency_ms <= target_ms else -1.0
    return float(miou) * (float(latency_ms) / float(target_ms)) ** weight
