"""What the staged search's tie margin buys: promotions made on one noisy proxy training per
trial, against the promotions the configs' true mIOU would earn, replayed on the space table.

    python -m benchmarks.tie_margin [--trials 40] [--repeats 500] [--margins 0 0.005 0.008 0.015]

The configs of `benchmarks/data/space_table.parquet` trained with both seeds stand in for a
search's trials: each repeat draws `--trials` of them in a random order, and each trial reports
one of its two seeds (drawn at random) as its proxy mIOU, with its predicted latency. The
scheduler's own decision rule (`nas.search.rungs.RungRecords`, the search's default reduction factor, 3) decides
each trial as it reports, once per tie margin. The truth is the same rule on the mean of the
two seeds with no margin, and the Pareto front of the drawn trials on those means. Per margin
(and for the true promotions themselves): the share of trials promoted (the cost: each one
trains the next rung), the share of the truly promoted that were promoted, and the share of
the true front that was promoted (a front member dropped at the proxy is lost to the search).
Writes `benchmarks/data/tie_margin.json`.

The mean of two seeds is itself noisy (its std is that of one training over the square root of
2), so no margin reaches 1.0 against it; the margins are compared with each other.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._surrogate import seed_pairs
from nas.search.options import SearchOptions
from nas.search.rungs import RungRecords
from results.pareto import SEED_NOISE, nondominated_ranks

HERE = Path(__file__).resolve().parent
TABLE = HERE / "data" / "space_table.parquet"
REPORT = HERE / "data" / "tie_margin.json"
REDUCTION_FACTOR = SearchOptions().reduction_factor  # the search's default


def promoted(mious, latencies, margin: float) -> set[int]:
    """The trials (indices, reporting in order) the scheduler promotes from the first rung."""
    records = RungRecords()
    return {
        index
        for index, (miou, latency) in enumerate(zip(mious, latencies))
        if records.decide(str(index), 0, miou, latency, REDUCTION_FACTOR, margin)
    }


def replay(pairs: pd.DataFrame, trials: int, repeats: int, margins, seed: int = 0) -> dict:
    """Per margin: mean promoted share, recall of the truly promoted and of the true front;
    under "noise-free", the same for the true promotions themselves."""
    rng = np.random.default_rng(seed)
    scores = {"noise-free": [], **{margin: [] for margin in margins}}
    for _ in range(repeats):
        drawn = pairs.iloc[rng.permutation(len(pairs))[:trials]]
        seeds = drawn[["seed0", "seed1"]].to_numpy()
        observed = seeds[np.arange(len(drawn)), rng.integers(0, 2, len(drawn))]
        truth, latency = seeds.mean(axis=1), drawn["latency_ms"].to_numpy()
        deserved = promoted(truth, latency, 0.0)
        front = set(np.flatnonzero(nondominated_ranks(np.column_stack([truth, latency])) == 0))
        for margin in scores:
            made = deserved if margin == "noise-free" else promoted(observed, latency, margin)
            scores[margin].append(
                (
                    len(made) / len(drawn),
                    len(made & deserved) / len(deserved),
                    len(made & front) / len(front),
                )
            )
    return {
        str(margin): dict(
            zip(
                ("promoted", "deserved_recall", "front_recall"), map(float, np.mean(values, axis=0))
            )
        )
        for margin, values in scores.items()
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", type=Path, default=TABLE)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=500)
    parser.add_argument("--margins", nargs="+", type=float, default=[0.0, 0.005, 0.008, 0.015])
    parser.add_argument("--out", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    pairs = seed_pairs(pd.read_parquet(args.table))
    result = {
        "configs": len(pairs),
        "trials": args.trials,
        "repeats": args.repeats,
        "default_margin": SEED_NOISE,
        "margins": replay(pairs, args.trials, args.repeats, args.margins),
    }
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(format_table(result))


def format_table(result: dict) -> str:
    """One Markdown row per margin."""
    lines = [
        "| tie margin | promoted | truly promoted kept | true front kept |",
        "|---|---|---|---|",
    ]
    for margin, score in result["margins"].items():
        lines.append(
            f"| {margin} | {score['promoted']:.1%} | {score['deserved_recall']:.1%} | "
            f"{score['front_recall']:.1%} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
