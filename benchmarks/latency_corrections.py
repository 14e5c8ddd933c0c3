"""Which correction of the sum of blocks holds up out of sample? Fits three corrections on
one saved `nas latency validate --json` report and tests them on every other one:

  A  per-backbone factor (the shipped method, `nas latency calibrate`)
  B  factor linear in the network's parameters
  C  additive cost per parameter: measured = a x sum of blocks + k x params

Run: python -m benchmarks.latency_corrections [REPORT.json ...]
     (default: the reports in benchmarks/data/, runs of 2026-11-24)
"""

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

from latency_models.validate import accuracy
from space import ArchConfig
from space.builders import build_model, count_params

DATA = Path(__file__).parent / "data"


def load_rows(path, params_of):
    """(backbone, summed_ms, measured_ms, M params) per config of one report."""
    report = json.loads(Path(path).read_text())
    return [
        (row["backbone"], row["summed_ms"], row["measured_ms"], params_of(row["config"]))
        for row in report["configs"]
    ]


def fit(rows):
    """The three corrections fitted on `rows`, each a function (backbone, summed ms, M params)
    -> predicted ms, and the additive model's k (ms per M params)."""
    factors = {
        backbone: np.median([m / s for b, s, m, _ in rows if b == backbone])
        for backbone in {row[0] for row in rows}
    }
    ratio_fit = np.linalg.lstsq(
        np.array([[1.0, p] for _, _, _, p in rows]),
        np.array([m / s for _, s, m, _ in rows]),
        rcond=None,
    )[0]
    # least squares on relative error: (a s + k p) / m ~ 1
    additive = np.linalg.lstsq(
        np.array([[s / m, p / m] for _, s, m, p in rows]), np.ones(len(rows)), rcond=None
    )[0]
    return {
        "A": lambda b, s, p: s * factors[b],
        "B": lambda b, s, p: s * (ratio_fit[0] + ratio_fit[1] * p),
        "C": lambda b, s, p: additive[0] * s + additive[1] * p,
    }, additive[1]


def within_5pct(predict, rows):
    """(fraction within 5%, mean relative error) of `predict` on `rows`."""
    report = accuracy([predict(b, s, p) for b, s, _, p in rows], [m for _, _, m, _ in rows])
    return report["within_5pct"], report["mean_error_pct"] / 100


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="*", default=sorted(DATA.glob("latency_validate_*.json")))
    args = parser.parse_args()
    params = {}

    def params_of(config):
        key = ArchConfig.from_dict({**config, "input_size": [224, 224]})
        if key not in params:
            params[key] = count_params(build_model(key)) / 1e6
        return params[key]

    runs = {Path(path).stem: load_rows(path, params_of) for path in args.reports}
    scores = {name: [] for name in "ABC"}
    c_worse = 0
    for fit_name, test_name in itertools.permutations(runs, 2):
        corrections, k = fit(runs[fit_name])
        result = {
            name: within_5pct(predict, runs[test_name]) for name, predict in corrections.items()
        }
        for name, (fraction, _) in result.items():
            scores[name].append(fraction)
        c_worse += result["C"][0] < result["A"][0]
        print(
            f"fit {fit_name} (k {k:.3f} ms/M params) -> test {test_name}: "
            + "  ".join(
                f"{name} {fraction:6.1%} (mean {mean:+.1%})"
                for name, (fraction, mean) in result.items()
            )
        )
    pairs = len(scores["A"])
    print(
        "mean within 5% held out over",
        pairs,
        "pairs: "
        + "  ".join(f"{name} {np.mean(values):.1%}" for name, values in scores.items())
        + f"; C worse than A in {c_worse}",
    )


if __name__ == "__main__":
    main()
