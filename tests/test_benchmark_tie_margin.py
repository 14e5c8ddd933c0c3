"""The tie-margin benchmark replays the scheduler's promotions on a made-up space table: one
noisy seed per trial against the mean of two."""

import numpy as np
import pandas as pd

from benchmarks import tie_margin
from benchmarks._surrogate import seed_pairs


def made_up_table(noise, count=30):
    """Faster configs score lower; seed 0 and seed 1 differ by `noise`."""
    rng = np.random.default_rng(0)
    rows = []
    for index in range(count):
        latency = 5.0 + index
        miou = 0.3 + 0.01 * index + rng.normal(0, 0.02)
        for seed in (0, 1):
            rows.append(
                {
                    "config_id": f"c{index}",
                    "seed": seed,
                    "latency_ms": latency,
                    "miou": miou + noise * (seed - 0.5),
                }
            )
    return pd.DataFrame(rows)


def test_without_seed_noise_the_proxy_promotes_exactly_the_deserving():
    pairs = seed_pairs(made_up_table(noise=0.0))
    result = tie_margin.replay(pairs, trials=12, repeats=5, margins=[0.0])
    assert result["0.0"] == result["noise-free"]
    assert result["0.0"]["deserved_recall"] == 1.0


def test_a_larger_margin_promotes_more_and_drops_fewer_of_the_deserving():
    pairs = seed_pairs(made_up_table(noise=0.03))
    assert len(pairs) == 30 and list(pairs.columns) == ["seed0", "seed1", "latency_ms"]
    result = tie_margin.replay(pairs, trials=12, repeats=20, margins=[0.0, 0.03])
    strict, loose = result["0.0"], result["0.03"]
    assert strict["promoted"] < loose["promoted"]
    assert strict["deserved_recall"] < loose["deserved_recall"] > 0.95
    assert "| 0.03 |" in tie_margin.format_table({"margins": result})
