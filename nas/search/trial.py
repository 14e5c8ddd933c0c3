"""One trial, whichever engine runs it: build the config, predict its deployment latency, and
train it rung by rung up the search's ladder of fidelities (`nas.search.fidelity`), reporting
mIOU after every evaluation and at the end of every rung (where the staged scheduler promotes
or stops it). Engines call `train_trial` (Ray Tune through `nas.search.ray_engine.trainable`,
keras-tuner in `nas.search.keras_tuner_engine`); nothing here imports either.

A trial's folder is the run folder of the rung it trains. `rung_results.json` lists the results of
the rungs it finished; a new rung starts from the previous rung's weights
(`previous-rung.weights.h5`) in an emptied folder, so a trial restored from any checkpoint
knows which rung it is in and never trains a finished rung again."""

from __future__ import annotations

import dataclasses
import functools
import math
import shutil
import time
from pathlib import Path

import keras
import tensorflow as tf

from mobile_seg_nas import read_json, write_json
from latency_models import LatencyModel
from nas.search.artifacts import PREVIOUS_RUNG_WEIGHTS, RESULT_FILE, RUNG_RESULTS_FILE
from nas.search.options import SearchOptions
from space import ArchConfig, SearchSpace
from space.builders import build_model, copy_weights
from trainers import TrainConfig, load_dataset
from trainers.cell_proxy import CellProxy, cache_features, evaluate_head, features_dir, train_head
from trainers.runs import WEIGHTS_FILE, RunFolder, load_run
from trainers.trainer import train
from trainers.training import configure_threads


@dataclasses.dataclass(frozen=True)
class TrialSettings:
    """What every trial of a search shares, whichever engine runs it: the space (at the proxy
    training size, with the dataset's classes), the training recipe, the ladder of fidelities
    and where latency is predicted."""

    space: SearchSpace
    recipe: TrainConfig  # data, steps, eval_every, batch size, learning rate, seed, threads
    device: str
    latency_input_size: tuple  # deployment size the latency and GFLOPs are given at
    run_dir: str
    gpus: float
    ladder: tuple = ()  # the fidelities a trial climbs (nas.search.fidelity); () = the recipe
    latency_limit: float | None = None  # slower configs are not trained (a staged search's)...
    always_trained: frozenset = frozenset()  # ...but these config ids are (the paper preset's)
    cell_proxy: CellProxy | None = None  # heads trained alone on a run's backbone features
    latency_speed: dict | None = None  # the reference timing latencies are at (the search's start)

    @classmethod
    def from_options(
        cls, options: SearchOptions, space: SearchSpace, run_dir: Path, latency_speed=None
    ):
        """The settings of a search with `options` over `space` (classes set), its latencies
        at `latency_speed` (a reference timing; None: each prediction's)."""
        proxy = options.proxy_fidelity
        recipe = TrainConfig(
            data=options.data,
            crop_size=proxy.crop,
            steps=proxy.steps,
            batch_size=proxy.batch_size,
            learning_rate=proxy.learning_rate,
            frame_scale=proxy.frame_scale,
            seed=options.seed,
            eval_every=options.eval_every,
            threads=options.cpus_per_trial,
        )
        cell_proxy = CellProxy(run=options.cell_proxy) if options.cell_proxy else None
        # Configs are sampled at the size they train at: the recipe's crop (the cell proxy's
        # feature size for heads trained alone).
        size, flag = (
            (cell_proxy.input_size, "--cell-proxy")
            if cell_proxy
            else (recipe.crop_size, "--input-size")
        )
        return cls(
            space.at_size(size, flag),
            recipe,
            options.device,
            options.latency_input_size,
            str(run_dir.resolve()),
            options.gpus_per_trial,
            ladder=options.ladder,
            cell_proxy=cell_proxy,
            latency_speed=latency_speed,
        )

    @property
    def rung_recipes(self) -> list:
        """The recipe of each rung (from scratch for the first, then from weights)."""
        if not self.ladder:
            return [self.recipe]
        # Later rungs start from weights (their learning rate says so); `train_trial` gives
        # the path of the trial's file, or none when it resumes from a checkpoint.
        return [
            fidelity.recipe(self.recipe, init_weights=PREVIOUS_RUNG_WEIGHTS if rung else None)
            for rung, fidelity in enumerate(self.ladder)
        ]

    def trial_dir(self, trial_id: str) -> Path:
        """A trial's folder in the run folder (the driver's copy of its record files)."""
        return Path(self.run_dir) / "trials" / trial_id

    def config(self, params: dict) -> ArchConfig:
        """The trial's `ArchConfig` at the proxy training size."""
        return self.space.config_from_params(params)

    @property
    def latency(self) -> LatencyModel:
        """Latency on `device` at `latency_input_size`: one model per process, so that the
        trials a worker runs read the table once."""
        speed = tuple(sorted(self.latency_speed.items())) if self.latency_speed else None
        return _latency_model(self.device, tuple(self.latency_input_size), speed)


def train_trial(params: dict, settings: TrialSettings, trial_dir: Path, report=None) -> dict:
    """Trains one trial (engine-independent) up the ladder, continuing from what `trial_dir`
    holds; `report(metrics)` after each evaluation and at the end of each rung but the last
    (`rung_end: True`). Writes `config.json`, the weights, `rung_results.json` and
    `result.json` into `trial_dir`; returns the final metrics (`final: True`). Raises
    FloatingPointError on a NaN or infinite loss."""
    recipes = settings.rung_recipes
    finished = _finished_rungs(trial_dir)
    if len(finished) == len(recipes):
        return finished[-1]  # every rung done: nothing to train
    start = time.monotonic()
    configure_threads(settings.recipe.threads)  # before any TensorFlow work in this process
    keras.backend.clear_session()  # workers are reused: drop the previous trial's graphs
    if settings.gpus:
        _gpu_memory_growth()
    config = settings.config(params)
    costs = settings.latency.costs(config)
    if (
        settings.latency_limit is not None
        and costs["latency_ms"] > settings.latency_limit
        and config.id not in settings.always_trained
    ):
        return _over_limit(trial_dir, costs, start)
    if settings.cell_proxy:
        return _train_head_trial(config, settings, trial_dir, costs, start)
    for rung in range(len(finished), len(recipes)):
        metrics = {
            **costs,
            **_train_rung(
                config,
                recipes[rung],
                trial_dir,
                rung,
                finished,
                report and functools.partial(_report_step, report, costs),
            ),
            "trial_seconds": time.monotonic() - start,
            "final": rung == len(recipes) - 1,
        }
        finished.append(metrics)
        write_json(trial_dir / RUNG_RESULTS_FILE, finished)
        write_json(trial_dir / RESULT_FILE, metrics)
        if report and not metrics["final"]:
            report(metrics)
    return metrics


def _over_limit(trial_dir: Path, costs: dict, start: float) -> dict:
    """The result of a trial left untrained because its config is slower than the search's
    latency limit: a staged search never promotes it, so its first rung would buy nothing.
    The sampler is told mIOU 0 (worth nothing to this search), so that it learns to avoid
    such configs; the trial table records `over_limit` and no mIOU."""
    metrics = {
        **costs,
        "miou": 0.0,
        "over_limit": True,
        "trial_seconds": time.monotonic() - start,
        "final": True,
    }
    trial_dir.mkdir(parents=True, exist_ok=True)
    write_json(trial_dir / RESULT_FILE, metrics)
    return metrics


def _train_rung(
    config: ArchConfig, recipe: TrainConfig, trial_dir: Path, rung: int, finished: list, report
) -> dict:
    """Trains rung `rung` in `trial_dir` (from the previous rung's weights, or from its own
    checkpoint); returns its metrics with the mIOU of every rung so far."""
    if rung and (trial_dir / RESULT_FILE).is_file():  # the previous rung's end: a new run
        _empty_for_rung(trial_dir)
    resumed_from = RunFolder(trial_dir).checkpoint_step()
    if rung:
        recipe = dataclasses.replace(
            recipe,
            init_weights=str(trial_dir / PREVIOUS_RUNG_WEIGHTS) if not resumed_from else None,
        )

    def on_evaluation(evaluation: dict) -> None:
        _check_loss(evaluation["loss"], evaluation["step"])
        # The last evaluation is reported with the rung's metrics, once the weights are saved
        # (a scheduler stops a trial as soon as it reports its last step).
        if report and evaluation["step"] < recipe.steps:
            report({**evaluation, "rung": rung})

    fit_start = time.monotonic()
    result = train(
        config,
        recipe,
        dataset=_dataset(recipe.data),
        out_dir=trial_dir,
        on_evaluation=on_evaluation,
        progress=False,
        resume=True,
    )
    _check_loss(result.metrics["loss"], result.metrics["steps"])
    miou = float(result.metrics["miou"])
    return {
        "miou": miou,
        "step": int(result.metrics["steps"]),
        "train_seconds": float(result.metrics["train_seconds"]),
        "eval_seconds": float(result.metrics["eval_seconds"]),
        "fit_seconds": time.monotonic() - fit_start,  # the whole `train` call
        "resumed_from_step": resumed_from,
        "rung": rung,
        "rung_end": True,
        **{f"miou_rung{index}": row["miou"] for index, row in enumerate(finished)},
        f"miou_rung{rung}": miou,
    }


def _train_head_trial(
    config: ArchConfig, settings: TrialSettings, trial_dir: Path, costs: dict, start: float
) -> dict:
    """A trial of a cell search: the head alone, trained on the cached backbone features of
    the `--cell-proxy` run (`trainers.cell_proxy`), then saved with that backbone as a whole
    network, which `nas export` and `nas train --trial` take like any trial's."""
    proxy, dataset = settings.cell_proxy, _dataset(settings.recipe.data)
    backbone, cached = cache_backbone_features(proxy, dataset)
    fit_start = time.monotonic()
    head = train_head(config, cached, proxy, settings.recipe.seed)
    miou = evaluate_head(head, cached, proxy.batch_size)
    network = build_model(config)
    copy_weights(network, [head, backbone.model])
    folder = RunFolder(trial_dir)
    folder.start(
        config,
        {
            **settings.recipe.to_dict(),
            "input_size": list(config.input_size),
            "class_names": list(dataset.class_names),
            "cell_proxy": proxy.to_dict(),
        },
        resume=True,
    )
    folder.save_weights(network)
    fit_seconds = time.monotonic() - fit_start
    metrics = {
        **costs,
        "miou": miou,
        "step": proxy.steps,
        "train_seconds": fit_seconds,
        "eval_seconds": 0.0,
        "fit_seconds": fit_seconds,
        "resumed_from_step": 0,
        "rung": 0,
        "rung_end": True,
        "miou_rung0": miou,
        "trial_seconds": time.monotonic() - start,
        "final": True,
    }
    write_json(trial_dir / RUNG_RESULTS_FILE, [metrics])
    write_json(trial_dir / RESULT_FILE, metrics)
    return metrics


def cache_backbone_features(proxy: CellProxy, dataset):
    """The run of a cell search's backbone and its features on `dataset` (computed once per
    machine, then read from the user cache)."""
    backbone = _backbone_run(proxy.run)
    return backbone, cache_features(backbone.config, backbone.model, dataset, proxy, features_dir())


@functools.lru_cache(maxsize=1)
def _backbone_run(path: str):
    return load_run(path)


def _report_step(report, costs: dict, evaluation: dict) -> None:
    report(
        {
            **costs,
            "miou": evaluation["miou"],
            "step": evaluation["step"],
            "rung": evaluation["rung"],
            "train_seconds": evaluation["train_seconds"],
            "final": False,
        }
    )


def _finished_rungs(trial_dir: Path) -> list[dict]:
    path = trial_dir / RUNG_RESULTS_FILE
    return read_json(path, "rung results") if path.is_file() else []


def _empty_for_rung(trial_dir: Path) -> None:
    """Keeps the last rung's weights (as the next rung's start) and the rung results; removes the
    rest of its run folder, so that the next rung starts a run of its own."""
    weights = trial_dir / WEIGHTS_FILE
    if weights.is_file():
        weights.replace(trial_dir / PREVIOUS_RUNG_WEIGHTS)
    for path in trial_dir.iterdir():
        if path.name in (RUNG_RESULTS_FILE, PREVIOUS_RUNG_WEIGHTS):
            continue
        shutil.rmtree(path) if path.is_dir() else path.unlink()


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
def _latency_model(device: str, input_size: tuple, speed: tuple | None) -> LatencyModel:
    return LatencyModel(device, input_size, dict(speed) if speed else None)


def _check_loss(loss: float | None, step: int) -> None:
    if loss is not None and not math.isfinite(float(loss)):
        raise FloatingPointError(f"training diverged: loss {loss} at step {step}")
