"""How well the reference network follows a real network's speed: the reference (its fastest
run in one second, as `latency_models.machine` times it) and paper-dpc at 224x224 (median of
50 runs or 10 s, as validation times networks), alternated, on a quiet machine. Each round
also takes the reading a table keeps (`machine.time_reference`: a reading more than 10% from
the last one is timed twice more and the median kept).

    python -m benchmarks.latency_reference_noise [--rounds 8] [--out FILE]

Prints and writes, for each series and for the network's ratio to each reference series, the
coefficient of variation and the range: if the two moved together, the ratio would vary less
than either.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics

from latency_models.machine import REFERENCE_MODEL, time_reference
from latency_models.measure import measure_model
from space import get_preset
from space.builders import build_inference_model
from space.tflite import convert_to_tflite


def spread(values: list[float]) -> dict:
    """Coefficient of variation and range."""
    return {
        "cv": statistics.pstdev(values) / statistics.mean(values),
        "range": [min(values), max(values)],
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--out", help="write the rows and spreads (JSON) here")
    args = parser.parse_args(argv)
    reference = REFERENCE_MODEL.read_bytes()
    config = get_preset("paper-dpc").replace(input_size=(224, 224))
    network = convert_to_tflite(build_inference_model(config))
    rows = []
    for _ in range(args.rounds):
        ref = measure_model(reference, 1, warmup_runs=20, runs=5000, max_seconds=1.0)
        net = measure_model(network, 1, warmup_runs=5, runs=50, max_seconds=10.0)
        rows.append(
            {
                "reference_min_ms": ref["min_ms"],
                "reference_kept_ms": time_reference()["ms"],
                "network_ms": net["latency_ms"],
                "load_average": os.getloadavg()[0],
            }
        )
        print(rows[-1], flush=True)
    result = {
        "reference_min_ms": spread([row["reference_min_ms"] for row in rows]),
        "network_ms": spread([row["network_ms"] for row in rows]),
        "reference_kept_ms": spread([row["reference_kept_ms"] for row in rows]),
        "ratio": spread([row["network_ms"] / row["reference_min_ms"] for row in rows]),
        "ratio_kept": spread([row["network_ms"] / row["reference_kept_ms"] for row in rows]),
        "rows": rows,
    }
    print(json.dumps({key: value for key, value in result.items() if key != "rows"}, indent=1))
    if args.out:
        with open(args.out, "w") as file:
            json.dump(result, file, indent=1)


if __name__ == "__main__":
    main()
