"""Repeatability of the machine fingerprint's reference latency: how far apart the same
machine's measurements fall (the matching tolerance must cover that), each timed as
`this_machine()` does in a fresh process, with the load average at the time.

Run: python -m benchmarks.latency_fingerprint [--repeats 12] [--pause 5] [--out FILE.json]
"""

import argparse
import json
import subprocess
import sys
import time

import numpy as np

from latency_models.fingerprint import TOLERANCE
from latency_models.machine import load_average

PROBE = "from latency_models.machine import reference_latency_ms; print(reference_latency_ms())"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=12)
    parser.add_argument("--pause", type=float, default=5.0, help="seconds between processes")
    parser.add_argument("--out", help="write the measurements (JSON) here")
    args = parser.parse_args()
    rows = []
    for index in range(args.repeats):
        done = subprocess.run(
            [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
        )
        rows.append(
            {
                "reference_ms": float(done.stdout.split()[-1]),
                "load": load_average(),
                "time": time.strftime("%H:%M:%S"),
            }
        )
        print(
            f"{rows[-1]['time']} reference {rows[-1]['reference_ms']:.4f} ms "
            f"(load average {rows[-1]['load']})",
            flush=True,
        )
        if index + 1 < args.repeats:
            time.sleep(args.pause)
    values = np.array([row["reference_ms"] for row in rows])
    median = float(np.median(values))
    worst = float(max(values.max() / median, median / values.min()) - 1)
    print(
        f"median {median:.4f} ms, min {values.min():.4f}, max {values.max():.4f}: the "
        f"farthest is {worst:.1%} from the median (tolerance {TOLERANCE:.0%}); "
        f"max/min {values.max() / values.min():.3f}; load average "
        f"{min(row['load'] for row in rows)}-{max(row['load'] for row in rows)}"
    )
    if args.out:
        with open(args.out, "w") as file:
            json.dump(rows, file, indent=1)


if __name__ == "__main__":
    main()
