"""One trial: build the config, predict its deployment latency, train it on the proxy task and
report mIOU after every evaluation (so ASHA can stop weak trials early)."""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from pathlib import Path

import keras
import tensorflow as tf
from ray import tune

from common import read_json, write_json
from latency_models import load_table, predict_latency
from nas.search.options import SearchOptions
from space import ArchConfig, SearchSpace
from space.builders import build_inference_model, count_flops, count_params
from trainers import TrainConfig, load_dataset
from trainers.trainer import train
from trainers.training import configure_threads

RESULT_FILE = "result.json"


@dataclasses.dataclass(frozen=True)
class TrialSettings:
    """What every trial of a search shares: the space (at the proxy training size, with the
    dataset's classes), the training recipe and where latency is predicted."""

    space: SearchSpace
    recipe: TrainConfig  # data, steps, eval_every, batch size, learning rate, seed, threads
    device: str
    latency_input_size: tuple  # deployment size the latency and GFLOPs are given at
    run_dir: str
    gpus: float

    @classmethod
    def from_options(cls, options: SearchOptions, space: SearchSpace, run_dir: Path):
        """The settings of a search with `options` over `space` (classes set)."""
        recipe = TrainConfig(data=options.data, steps=options.steps_per_trial,
                             batch_size=options.batch_size, learning_rate=options.learning_rate,
                             seed=options.seed, eval_every=options.eval_every,
                             threads=options.cpus_per_trial)
        return cls(dataclasses.replace(space, input_size=options.input_size), recipe,
                   options.device, options.latency_input_size, str(run_dir.resolve()),
                   options.gpus_per_trial)

    def trial_dir(self, trial_id: str) -> Path:
        return Path(self.run_dir) / "trials" / trial_id

    def config(self, params: dict) -> ArchConfig:
        """The trial's `ArchConfig` at the proxy training size."""
        return self.space.config_from_params(params)


def run_trial(params: dict, settings: TrialSettings) -> None:
    """Ray Tune function trainable. A trial that finished before a restart reports its stored
    result again instead of training a second time."""
    trial_id = tune.get_context().get_trial_id()
    trial_dir = settings.trial_dir(trial_id)
    stored = trial_dir / RESULT_FILE
    if stored.is_file():
        tune.report(read_json(stored, "trial result"))
        return
    metrics = train_trial(params, settings, trial_dir, report=tune.report)
    tune.report(metrics)


def train_trial(params: dict, settings: TrialSettings, trial_dir: Path, report=None) -> dict:
    """Trains one trial (engine-independent); `report(metrics)` after each evaluation. Writes
    `config.json`, the weights and `result.json` into `trial_dir`; returns the final
    metrics (`final: True`). Raises FloatingPointError on a NaN or infinite loss."""
    start = time.monotonic()
    recipe = settings.recipe
    configure_threads(recipe.threads)  # before any TensorFlow work in this process
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
        if report and evaluation["step"] < recipe.steps:
            report({**costs, "miou": evaluation["miou"], "step": evaluation["step"],
                    "train_seconds": evaluation["train_seconds"], "final": False})

    fit_start = time.monotonic()
    result = train(config, recipe, dataset=_dataset(recipe.data), out_dir=trial_dir,
                   on_evaluation=on_evaluation, progress=False,
                   resume=True)  # a trial interrupted by a kill continues from its checkpoint
    _check_loss(result.metrics["loss"], result.metrics["steps"])
    metrics = {**costs, "miou": float(result.metrics["miou"]), "step": int(result.metrics["steps"]),
               "train_seconds": float(result.metrics["train_seconds"]),
               "eval_seconds": float(result.metrics["eval_seconds"]),
               "fit_seconds": time.monotonic() - fit_start,  # the whole `train` call
               "trial_seconds": time.monotonic() - start, "final": True}
    trial_dir.mkdir(parents=True, exist_ok=True)
    write_json(trial_dir / RESULT_FILE, metrics)
    return metrics


def deployment_costs(config, device: str) -> dict:
    """Predicted latency (ms), GFLOPs and parameters of `config` at its (deployment) input size."""
    model = build_inference_model(config)
    return {"latency_ms": float(predict_latency(config, _latency_table(device))),
            "gflops": count_flops(model) / 1e9, "params": int(count_params(model))}


def _gpu_memory_growth() -> None:
    """GPU memory on demand, so that fractional-GPU trials can share one (TensorFlow otherwise
    takes the whole GPU); only possible before TensorFlow starts its runtime."""
    try:
        for gpu in tf.config.list_physical_devices("GPU"):
            tf.config.experimental.set_memory_growth(gpu, True)
    except RuntimeError:
        pass


@functools.lru_cache(maxsize=2)
def _dataset(spec: str):
    return load_dataset(spec)


@functools.lru_cache(maxsize=2)
def _latency_table(device: str):
    return load_table(device)


def _check_loss(loss: float | None, step: int) -> None:
    if loss is not None and not math.isfinite(float(loss)):
        raise FloatingPointError(f"training diverged: loss {loss} at step {step}")
