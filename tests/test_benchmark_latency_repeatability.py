"""`benchmarks/latency_repeatability.py` reads two validation reports of the same networks."""

import pytest

from benchmarks.latency_repeatability import repeatability


def report(*rows):
    return {
        "configs": [
            {"config_id": name, "measured_ms": median, "measured_min_ms": fastest}
            for name, median, fastest in rows
        ]
    }


def test_the_same_networks_timed_twice_give_the_spread_of_their_medians_and_fastest_runs():
    first = report(("a", 10.0, 9.0), ("b", 20.0, 18.0), ("only-first", 5.0, 5.0))
    second = report(("a", 12.0, 9.0), ("b", 20.0, 18.0), ("a", 12.0, 9.0))
    result = repeatability(first, second)
    assert result["networks"] == 2  # each network once, only those both timed
    assert result["median"]["range"] == [1.0, 1.2]
    assert result["median"]["cv"] == pytest.approx(0.1 / 1.1, abs=1e-4)
    assert result["fastest"] == {"cv": 0.0, "range": [1.0, 1.0]}
    assert result["median_over_fastest"]["max"] == pytest.approx(12 / 9, abs=1e-3)
