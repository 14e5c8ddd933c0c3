"""int8 vs float32 export of the paper's model (ShuffleNet V2 + DPC) at 224x224 on LiteRT.

Exports with `nas export --quantize int8` (float32 + int8 files, verified), then times both
files on LiteRT (XNNPACK, 1 thread by default) in alternating rounds so that the load of a
shared machine hits both alike. Prints file sizes, median latencies, the speed-up and the
size ratio (goals: >= 1.8x faster, about 4x smaller).

    python -m benchmarks.export_int8 [--preset paper-dpc] [--input-size 224x224]
        [--weights CKPT] [--threads 1] [--rounds 7] [--runs 50]

Random init (no --weights) times the same as trained weights, but its int8 agreement with
Keras means little (untrained activations are tiny and near-tied); pass trained weights for it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from pathlib import Path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="paper-dpc")
    parser.add_argument("--input-size", default="224x224")
    parser.add_argument("--weights", help="a .weights.h5 of the preset's training model")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    from nas.cli import main as nas
    from latency_models import measure_model

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "export"
        code = nas(_export_argv(args, out))
        if code:
            raise SystemExit(code)
        metadata = json.loads((out / "metadata.json").read_text())
        files = {name: (out / name).read_bytes() for name in ("model.tflite", "model_int8.tflite")}

    load_before = os.getloadavg()[0]
    medians = {name: [] for name in files}
    for _ in range(args.rounds):
        for name, content in files.items():
            timing = measure_model(content, num_threads=args.threads, runs=args.runs)
            medians[name].append(timing["latency_ms"])
    load_after = os.getloadavg()[0]

    _print_results(args, metadata, medians, load_before, load_after)


def _export_argv(args, out: Path) -> list[str]:
    """The `nas export` arguments: the preset at the input size, float32 + int8, into `out`."""
    weights = ["--weights", args.weights] if args.weights else []
    return [
        "export",
        "--preset",
        args.preset,
        "--input-size",
        args.input_size,
        *weights,
        "--quantize",
        "int8",
        "--threads",
        str(args.threads),
        "--out",
        str(out),
    ]


def _print_results(args, metadata: dict, medians: dict, load_before: float, load_after: float):
    """The timing conditions, a Markdown table of the two files, the speed-up and size ratio."""
    float_ms = statistics.median(medians["model.tflite"])
    int8_ms = statistics.median(medians["model_int8.tflite"])
    float_bytes, int8_bytes = (metadata["files"][name]["bytes"] for name in medians)
    print(
        f"{args.preset} at {args.input_size}, LiteRT {args.threads} thread(s), "
        f"{args.rounds} rounds x {args.runs} runs, load {load_before:.2f} -> {load_after:.2f}, "
        f"CPU {metadata['host']['cpu']}"
    )
    print("| file | bytes | median ms (rounds) | agreement with Keras |")
    print("|---|---|---|---|")
    for name, size in (("model.tflite", float_bytes), ("model_int8.tflite", int8_bytes)):
        rounds = ", ".join(f"{value:.2f}" for value in medians[name])
        print(
            f"| {name} | {size:,} | {statistics.median(medians[name]):.2f} ({rounds}) | "
            f"{metadata['files'][name]['agreement']:.4%} |"
        )
    print(
        f"speed-up int8 vs float32: {float_ms / int8_ms:.2f}x (goal >= 1.8x); "
        f"size ratio: {float_bytes / int8_bytes:.2f}x (goal ~4x)"
    )


if __name__ == "__main__":
    main()
