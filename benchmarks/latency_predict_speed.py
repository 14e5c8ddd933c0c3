"""Prediction cost per config: `predict_latency` on configs sampled from the default space at
224x224 with the shipped table (every block present: pure Python, no measurement; `host` on
a machine calibrated against it adds one set comparison per config).

Run: python -m benchmarks.latency_predict_speed [--configs N]
Target (issue 4): < 1 ms per config.
"""

import argparse
import os
import random
import time

from latency_models import load_table, predict_latency
from space.search_space import SearchSpace

SHIPPED = "amd-epyc-2vcpu-2026-11-24"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=2000)
    args = parser.parse_args()
    table = load_table(SHIPPED)
    space = SearchSpace(input_size=(224, 224))
    rng = random.Random(0)
    configs = [space.sample(rng) for _ in range(args.configs)]
    predict_latency(configs[0], table, measure_missing=False)  # warm imports
    start_wall, start_cpu = time.perf_counter(), time.thread_time()
    for config in configs:
        predict_latency(config, table, measure_missing=False)
    wall_ms = (time.perf_counter() - start_wall) / len(configs) * 1e3
    cpu_ms = (time.thread_time() - start_cpu) / len(configs) * 1e3
    print(
        f"predict_latency: {cpu_ms:.3f} ms CPU ({wall_ms:.3f} ms wall, load average "
        f"{os.getloadavg()[0]:.1f}) per config; {len(configs)} configs sampled at 224x224, "
        f"table of {len(table)} entries; target < 1 ms: {'met' if cpu_ms < 1 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
