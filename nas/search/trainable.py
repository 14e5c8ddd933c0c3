"""One trial: build the config, predict its deployment latency, train it on the proxy task and
report mIOU after every evaluation (so ASHA can stop weak trials early)."""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
import time
from pathlib import Path

from ray import tune

RESULT_FILE = "result.json"


@dataclasses.dataclass(frozen=True)
class TrialSettings:
    """What every trial of a search shares."""

    space: object  # space.search_space.SearchSpace
    data: str
    device: str
    input_size: tuple  # proxy training size
    latency_input_size: tuple  # deployment size the latency and GFLOPs are given at
    steps: int
    eval_every: int
    batch_size: int
    learning_rate: float
    seed: int
    run_dir: str
    cpus: int
    gpus: float

    def trial_dir(self, trial_id: str) -> Path:
        return Path(self.run_dir) / "trials" / trial_id

    def config(self, params: dict):
        """The trial's `ArchConfig` at the proxy training size."""
        return self.space.config_from_params(params).replace(input_size=list(self.input_size))


def run_trial(params: dict, settings: TrialSettings) -> None:
    """Ray Tune function trainable. A trial that finished before a restart reports its stored
    result again instead of training a second time."""
    trial_id = tune.get_context().get_trial_id()
    trial_dir = settings.trial_dir(trial_id)
    stored = trial_dir / RESULT_FILE
    if stored.is_file():
        tune.report(json.loads(stored.read_text()))
        return
    metrics = train_trial(params, settings, trial_dir, report=tune.report)
    tune.report(metrics)


def train_trial(params: dict, settings: TrialSettings, trial_dir: Path, report=None) -> dict:
    """Trains one trial (engine-independent); `report(metrics)` after each evaluation. Writes
    `config.json`, `model.weights.h5` and `result.json` into `trial_dir`; returns the final
    metrics (`final: True`). Raises FloatingPointError on a NaN or infinite loss."""
    import keras

    from trainers import configure_threads, train

    start = time.monotonic()
    configure_threads(settings.cpus)  # before any TensorFlow work in this process
    keras.backend.clear_session()  # workers are reused: drop the previous trial's graphs
    if settings.gpus:
        _gpu_memory_growth()
    config = settings.config(params)
    costs = deployment_costs(config.replace(input_size=list(settings.latency_input_size)),
                             settings.device)

    def on_evaluation(evaluation: dict) -> None:
        _check_loss(evaluation["loss"], evaluation["step"])
        # The last evaluation is reported with the final metrics, once the weights are saved
        # (a scheduler stops a trial as soon as it reports its last step).
        if report and evaluation["step"] < settings.steps:
            report({**costs, "miou": evaluation["miou"], "step": evaluation["step"],
                    "train_seconds": evaluation["train_seconds"], "final": False})

    fit_start = time.monotonic()
    result = train(config, _dataset(settings.data), settings.steps,
                   batch_size=settings.batch_size, learning_rate=settings.learning_rate,
                   out_dir=trial_dir, eval_every=settings.eval_every, on_evaluation=on_evaluation,
                   seed=settings.seed, progress=False, threads=settings.cpus,
                   resume=True)  # a trial interrupted by a kill continues from its checkpoint
    _check_loss(result.metrics["loss"], result.metrics["steps"])
    metrics = {**costs, "miou": float(result.metrics["miou"]), "step": int(result.metrics["steps"]),
               "train_seconds": float(result.metrics["train_seconds"]),
               "eval_seconds": float(result.metrics["eval_seconds"]),
               "fit_seconds": time.monotonic() - fit_start,  # the whole `train` call
               "trial_seconds": time.monotonic() - start, "final": True}
    trial_dir.mkdir(parents=True, exist_ok=True)
    temporary = trial_dir / f".{RESULT_FILE}.tmp"
    temporary.write_text(json.dumps(metrics, indent=2) + "\n")
    os.replace(temporary, trial_dir / RESULT_FILE)
    return metrics


def deployment_costs(config, device: str) -> dict:
    """Predicted latency (ms), GFLOPs and parameters of `config` at its (deployment) input size."""
    from latency_models import predict_latency
    from space import build_inference_model, count_flops, count_params

    model = build_inference_model(config)
    return {"latency_ms": float(predict_latency(config, _latency_table(device))),
            "gflops": count_flops(model) / 1e9, "params": int(count_params(model))}


def _gpu_memory_growth() -> None:
    """GPU memory on demand, so that fractional-GPU trials can share one (TensorFlow otherwise
    takes the whole GPU); only possible before TensorFlow starts its runtime."""
    import tensorflow as tf

    try:
        for gpu in tf.config.list_physical_devices("GPU"):
            tf.config.experimental.set_memory_growth(gpu, True)
    except RuntimeError:
        pass


@functools.lru_cache(maxsize=2)
def _dataset(spec: str):
    from trainers import load_dataset

    return load_dataset(spec)


@functools.lru_cache(maxsize=2)
def _latency_table(device: str):
    from latency_models import load_table

    return load_table(device)


def _check_loss(loss: float | None, step: int) -> None:
    if loss is not None and not math.isfinite(float(loss)):
        raise FloatingPointError(f"training diverged: loss {loss} at step {step}")
