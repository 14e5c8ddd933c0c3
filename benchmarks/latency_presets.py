"""The paper's four presets at 224x224 on this machine: predicted (the `host` table) and
measured end to end (LiteRT, XNNPACK, 1 thread, preprocessing and argmax included), in the
paper's order, with the paper's ratios (DPC / basic ~1.3, MobileNetV2 / ShuffleNetV2 ~2 on a
OnePlus A6).

Run: python -m benchmarks.latency_presets [--runs N] [--size HxW]
"""

import argparse
import os

from latency_models import load_table, measure_config, predict_latency
from latency_models.measure import Timing
from space import get_preset, parse_input_size

PAPER_ORDER = ("paper-basic", "paper-dpc", "mobilenetv2-basic", "mobilenetv2-dpc")
PAPER_MS = {
    "paper-basic": 50.89,
    "paper-dpc": 64.89,
    "mobilenetv2-basic": 101.46,
    "mobilenetv2-dpc": 116.16,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--size", default="224x224")
    args = parser.parse_args()
    size = parse_input_size(args.size)
    table = load_table("host")
    print(
        f"load average {os.getloadavg()[0]:.2f}; table host: {table.metadata['cpu']}, "
        f"{table.metadata['runtime']} {table.metadata['runtime_version']}"
    )
    rows = {}
    for name in PAPER_ORDER:
        config = get_preset(name).replace(input_size=size)
        measured = measure_config(
            config, timing=Timing(warmup_runs=20, runs=args.runs, max_seconds=None)
        )
        rows[name] = (predict_latency(config, table), measured["latency_ms"], measured["p90_ms"])
    print(
        f"{'preset':<18} {'predicted':>10} {'measured':>10} {'p90':>8} {'error':>7} {'paper A6':>9}"
    )
    for name, (predicted, measured, p90) in rows.items():
        print(
            f"{name:<18} {predicted:>8.3f}ms {measured:>8.3f}ms {p90:>6.3f}ms "
            f"{100 * (predicted / measured - 1):>+6.1f}% {PAPER_MS[name]:>7.2f}ms"
        )
    for label, (top, bottom) in {
        "DPC / basic, ShuffleNetV2": ("paper-dpc", "paper-basic"),
        "DPC / basic, MobileNetV2": ("mobilenetv2-dpc", "mobilenetv2-basic"),
        "MobileNetV2 / ShuffleNetV2, basic": ("mobilenetv2-basic", "paper-basic"),
        "MobileNetV2 / ShuffleNetV2, DPC": ("mobilenetv2-dpc", "paper-dpc"),
    }.items():
        print(
            f"{label:<36} measured {rows[top][1] / rows[bottom][1]:.2f}  predicted "
            f"{rows[top][0] / rows[bottom][0]:.2f}  paper {PAPER_MS[top] / PAPER_MS[bottom]:.2f}"
        )


if __name__ == "__main__":
    main()
