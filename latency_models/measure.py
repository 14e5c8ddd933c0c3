"""Timing TFLite models on this machine with LiteRT (XNNPACK).

Method (the same for a block and a whole network): batch-1 model, fixed random inputs, warm-up
invokes, then `runs` invokes each timed alone (garbage collector off); the median is the
latency, p90 / mean / std / min describe the spread. Only `invoke()` is timed: inputs are set
once, so the network's preprocessing and argmax are the model's own ops.

Clock: with one thread XNNPACK runs in the calling thread, so its CPU time
(`thread_time_ns`) equals the wall time on an idle machine but leaves out the time other
processes hold the core (on a busy machine wall-clock medians grow 2-5x while CPU-time medians
stay within ~5%). With more threads the wall clock (`perf_counter_ns`) is used.
"""

from __future__ import annotations

import dataclasses
import datetime
import gc
import time

import numpy as np

from space.tflite import convert_to_tflite, make_interpreter

MIN_RUNS = 5  # a time limit never cuts the timed runs below this
BLOCK_WARMUP_RUNS = 5  # defaults for profiling blocks
BLOCK_RUNS = 50


@dataclasses.dataclass(frozen=True)
class Timing:
    """How a whole network is timed: `warmup_runs` untimed invokes, then `runs` timed ones, or
    fewer (at least `MIN_RUNS`) once `max_seconds` of wall time is spent."""

    warmup_runs: int = 5
    runs: int = 50
    max_seconds: float | None = 10.0


def measure_model(
    model_content: bytes,
    num_threads: int = 1,
    warmup_runs: int = 5,
    runs: int = 50,
    max_seconds: float | None = None,
    clock: str = "auto",
) -> dict:
    """Times a TFLite model's `invoke` on LiteRT with XNNPACK.

    Returns `latency_ms` (median), `p90_ms`, `mean_ms`, `std_ms`, `min_ms`, `runs` (timed
    invokes: `runs`, or fewer but at least 5 once `max_seconds` of wall time is spent), `clock`
    ("cpu": thread CPU time, the default for one thread; "wall": wall clock, the default for
    more) and `wall_ms` (the wall-clock median, whatever the clock).
    """
    if clock == "auto":
        clock = "cpu" if num_threads == 1 else "wall"
    if clock not in ("cpu", "wall"):
        raise ValueError(f"clock: {clock!r} is not 'cpu', 'wall' or 'auto'")
    interpreter = make_interpreter(model_content, num_threads)
    rng = np.random.default_rng(0)
    for detail in interpreter.get_input_details():
        interpreter.set_tensor(detail["index"], _random_input(detail, rng))
    invoke, wall, cpu = interpreter.invoke, time.perf_counter_ns, time.thread_time_ns
    for _ in range(warmup_runs):
        invoke()
    wall_times, cpu_times = [], []
    deadline = wall() + max_seconds * 1e9 if max_seconds else None
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(runs):
            start_wall, start_cpu = wall(), cpu()
            invoke()
            end_cpu, end_wall = cpu(), wall()
            wall_times.append(end_wall - start_wall)
            cpu_times.append(end_cpu - start_cpu)
            if deadline and end_wall > deadline and len(wall_times) >= MIN_RUNS:
                break
    finally:
        if gc_was_enabled:
            gc.enable()
    times = cpu_times if clock == "cpu" else wall_times
    return {
        **summarize(np.asarray(times) / 1e6),
        "clock": clock,
        "wall_ms": float(np.median(wall_times)) / 1e6,
    }


def summarize(times_ms) -> dict:
    """Median latency and spread of timed runs (milliseconds)."""
    times_ms = np.asarray(times_ms, dtype=float)
    return {
        "latency_ms": float(np.median(times_ms)),
        "p90_ms": float(np.percentile(times_ms, 90)),
        "mean_ms": float(times_ms.mean()),
        "std_ms": float(times_ms.std()),
        "min_ms": float(times_ms.min()),
        "runs": int(times_ms.size),
    }


def _random_input(detail, rng):
    shape, dtype = detail["shape"], detail["dtype"]
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        low, high = max(info.min, 0), min(info.max, 255)
        return rng.integers(low, high, shape, endpoint=True).astype(dtype)
    return rng.uniform(0.0, 255.0, shape).astype(dtype)


def measure_config(config, num_threads: int = 1, timing: Timing = Timing(max_seconds=None)) -> dict:
    """End-to-end latency of a config as exported: the float32 inference model (batch 1,
    preprocessing and argmax inside) converted to TFLite and timed by `measure_model`."""
    import keras  # building needs TensorFlow; timing does not

    from space.builders import build_inference_model

    content = convert_to_tflite(build_inference_model(config))
    keras.backend.clear_session()
    stats = measure_model(content, num_threads, **dataclasses.asdict(timing))
    return {**stats, "tflite_bytes": len(content)}


def invoke_overhead_ms(num_threads: int = 1, runs: int = 2000) -> float:
    """The fixed cost of one `invoke` (Python call, delegate dispatch): the median time of a
    one-value model. Each block pays it once when timed alone; a network pays it once."""
    return measure_model(tiny_model_content(), num_threads, warmup_runs=50, runs=runs)["latency_ms"]


def tiny_model_content() -> bytes:
    """A TFLite model of one ReLU on one value: it times the runtime's per-invoke overhead."""
    import keras  # see measure_config

    inputs = keras.Input((1, 1, 1), batch_size=1)
    content = convert_to_tflite(keras.Model(inputs, keras.layers.ReLU()(inputs)))
    keras.backend.clear_session()
    return content


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
