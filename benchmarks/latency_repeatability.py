"""How repeatable one network's end-to-end timing is on this machine: the same networks in two
`nas latency validate --json` reports (same seed, sizes and samples), minutes apart.

    python -m benchmarks.latency_repeatability FIRST.json SECOND.json

Prints, over the networks both timed (each once), the coefficient of variation of the second
timing over the first for the median (what validation compares with) and for the fastest run,
and how far each report's medians sit above its fastest runs. No table can predict a quantity
more closely than it repeats.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path


def repeatability(first: dict, second: dict) -> dict:
    """Spread of second / first timings of the networks both reports timed."""
    earlier = {row["config_id"]: row for row in first["configs"]}
    pairs = {
        row["config_id"]: (earlier[row["config_id"]], row)
        for row in second["configs"]
        if row["config_id"] in earlier
    }
    result = {"networks": len(pairs)}
    for name, key in (("median", "measured_ms"), ("fastest", "measured_min_ms")):
        ratios = [late[key] / early[key] for early, late in pairs.values()]
        result[name] = {
            "cv": round(statistics.pstdev(ratios) / statistics.mean(ratios), 4),
            "range": [round(min(ratios), 3), round(max(ratios), 3)],
        }
    above = [row["measured_ms"] / row["measured_min_ms"] for pair in pairs.values() for row in pair]
    result["median_over_fastest"] = {
        "mean": round(statistics.mean(above), 3),
        "max": round(max(above), 3),
    }
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs=2, type=Path, help="two validate --json reports")
    args = parser.parse_args(argv)
    first, second = (json.loads(path.read_text()) for path in args.reports)
    print(json.dumps(repeatability(first, second), indent=1))


if __name__ == "__main__":
    main()
