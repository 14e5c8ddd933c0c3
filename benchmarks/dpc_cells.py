"""The DPC cells the proxy-fidelity panels compare (synthetic and CamVid): the paper's, all
rates 1, all rates 21, one with pyramid pooling, one wide."""

from __future__ import annotations

from space.config import PAPER_DPC_BRANCHES


def _cell(*branches) -> list[dict]:
    return [dict(branch) for branch in branches]


def _sep(rate_h, rate_w, source):
    return {"op": "conv", "kernel": 3, "rate": [rate_h, rate_w], "input": source}


PAPER_CELL = list(PAPER_DPC_BRANCHES)
CELLS = {
    "paper": PAPER_CELL,
    "rates1": [_sep(1, 1, branch["input"]) for branch in PAPER_CELL],
    "rates21": [_sep(21, 21, branch["input"]) for branch in PAPER_CELL],
    "pooling": _cell(
        _sep(1, 6, -1),
        {"op": "pyramid_pooling", "grid_size": [1, 1], "input": -1},
        _sep(6, 3, 0),
        {"op": "conv", "kernel": 1, "input": 0},
        {"op": "pyramid_pooling", "grid_size": [4, 4], "input": 0},
    ),
    "wide": _cell(_sep(3, 3, -1), _sep(9, 9, 0), _sep(15, 15, 1), _sep(6, 12, 0), _sep(12, 6, 0)),
}
