"""Training throughput (images/s) with the real input pipeline versus in-memory tensors.

    python -m benchmarks.training_throughput [--preset paper-basic] [--input-size 256x256]
        [--batch-size 16] [--steps 30] [--data synthetic] [--threads N] [--json]

Both runs use the same model, optimizer and compiled train step; the first feeds batches
from `trainers.pipeline.training_pipeline` (parallel read, augmentation, prefetch), the second
feeds the same number of steps from batches already in memory; rounds alternate and the
best round of each counts. Goal: the pipeline costs less than 5%. The synthetic dataset's images
are rendered once before timing (they are cached in memory during real training after the first
epoch).
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> None:
    args = parse_args()
    dataset, step, batches = build(args)
    in_memory, pipeline = best_rates(args, step, batches)
    result = {
        "preset": args.preset,
        "input_size": args.input_size,
        "batch_size": args.batch_size,
        "steps": args.steps,
        "rounds": args.rounds,
        "data": dataset.spec,
        "threads": args.threads or os.cpu_count(),
        "pipeline_images_per_second": round(pipeline, 2),
        "in_memory_images_per_second": round(in_memory, 2),
        "pipeline_overhead_percent": round(100 * (1 - pipeline / in_memory), 1),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{args.preset} {args.input_size} batch {args.batch_size}, best of {args.rounds} "
            f"rounds of {args.steps} steps on {result['threads']} threads: pipeline "
            f"{pipeline:.1f} images/s, in memory {in_memory:.1f} images/s, overhead "
            f"{result['pipeline_overhead_percent']}% (goal < 5%)"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="paper-basic")
    parser.add_argument("--input-size", default="256x256")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--steps", type=int, default=20, help="steps per timed round")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of each kind")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--data", default="synthetic")
    parser.add_argument("--train-images", type=int, default=160, help="synthetic train images")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--json", action="store_true")
    return parser.parse_args()


def build(args: argparse.Namespace):
    """The dataset (synthetic images rendered in advance), the compiled train step of the
    preset's model and the input pipeline's batches."""
    import keras

    from space import get_preset, parse_input_size
    from space.builders import build_model
    from trainers import load_dataset
    from trainers.pipeline import training_pipeline
    from trainers.training import PolyLearningRate, configure_threads, make_train_step

    configure_threads(args.threads)
    options = {"train_size": args.train_images} if args.data.startswith("synthetic") else {}
    dataset = load_dataset(args.data, **options)
    config = get_preset(args.preset).replace(
        input_size=parse_input_size(args.input_size), num_classes=dataset.num_classes
    )
    if args.data.startswith("synthetic"):
        for index in range(dataset.split_size("train")):
            dataset.read("train", index, config.input_size)

    model = build_model(config)
    optimizer = keras.optimizers.Adam(PolyLearningRate(1e-3, 10**6), epsilon=1e-8)
    step = make_train_step(model, optimizer, 4e-5)
    batches = iter(
        training_pipeline(dataset, config.input_size, args.batch_size, threads=args.threads)
    )
    return dataset, step, batches


def best_rates(args: argparse.Namespace, step, batches) -> tuple[float, float]:
    """Images/s of the best in-memory round and of the best pipeline round, after warm-up."""
    memory = [next(batches) for _ in range(4)]

    def timed(next_batch) -> float:
        began = time.perf_counter()
        for index in range(args.steps):
            float(step(*next_batch(index)))
        return args.steps * args.batch_size / (time.perf_counter() - began)

    for _ in range(args.warmup):
        step(*next(batches))
    in_memory, pipeline = [], []
    for _ in range(args.rounds):  # alternate, so that other load on the machine hits both
        in_memory.append(timed(lambda index: memory[index % len(memory)]))
        pipeline.append(timed(lambda index: next(batches)))
    return max(in_memory), max(pipeline)


if __name__ == "__main__":
    main()
