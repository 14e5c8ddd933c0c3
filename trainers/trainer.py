"""Training one network with one recipe: `Trainer` (step, evaluate, checkpoint) and `train`,
the loop around it with evaluations, early stopping, a run folder and resume."""

from __future__ import annotations

import dataclasses
import logging
import sys
import time
from pathlib import Path
from typing import Callable

import keras
import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from mobile_seg_nas import UserInputError
from space import ArchConfig
from space.builders import build_model, copy_weights
from trainers.config import TrainConfig
from trainers.datasets import load_dataset
from trainers.metrics import evaluate, evaluation_size, predict_classes
from trainers.pipeline import training_pipeline
from trainers.runs import RunFolder, TensorBoardLog
from trainers.training import (
    PolyLearningRate,
    PreciseBatchNorm,
    configure_threads,
    load_initial_weights,
    make_train_step,
    reader_error_message,
)

log = logging.getLogger(__name__)

SCALARS_EVERY = 10  # steps between TensorBoard loss / learning-rate points


@dataclasses.dataclass
class TrainResult:
    """What `train` returns: the trained model, its config, final metrics, evaluations."""

    model: keras.Model
    config: ArchConfig
    metrics: dict
    history: list[dict]
    run_dir: Path | None = None


class Trainer:
    """One model trained with one recipe: `step` trains on a batch, `evaluate` measures mIOU on
    the eval split, `checkpoint` saves what `restore` (resume) reads back. With a `run` folder,
    evaluations go to its metrics log and TensorBoard.

    Before each evaluation the batch norm statistics are recomputed on `batch_norm_batches`
    training batches ("precise BN"): moving averages lag far behind the weights early in a run.
    """

    def __init__(
        self, config: ArchConfig, recipe: TrainConfig, dataset, run: RunFolder | None = None
    ):
        self.config, self.recipe, self.dataset, self.run = config, recipe, dataset, run
        keras.utils.set_random_seed(recipe.seed)
        self.model = build_model(config)
        self.schedule = PolyLearningRate(
            recipe.initial_learning_rate,
            recipe.steps,
            0.9,
            recipe.slow_start_steps,
            recipe.slow_start_lr,
        )
        self.optimizer = keras.optimizers.Adam(
            self.schedule, beta_1=0.9, beta_2=0.999, epsilon=1e-8
        )
        self.optimizer.build(self.model.trainable_variables)
        if recipe.init_weights is not None:
            load_initial_weights(self.model, recipe.init_weights)
        self.steps_done, self.history, self.losses = 0, [], []
        self.clock = {"train": 0.0, "eval": 0.0}
        self._train_step = make_train_step(self.model, self.optimizer, recipe.weight_decay)
        self._predict = predict_classes(self.model)
        self._precise_batch_norm = PreciseBatchNorm(self.model)
        self._batches, self._evaluation = None, None
        self._writer = TensorBoardLog(run.path / "tensorboard") if run is not None else None

    def restore(self) -> None:
        """Continues from the run folder's last checkpoint, if any."""
        state = self.run.restore_checkpoint(self.model, self.optimizer)
        if state:
            self.steps_done, self.history = state["step"], state["history"]
            self.clock = {"train": state["train_seconds"], "eval": state["eval_seconds"]}

    def step(self) -> float:
        """Trains on one batch; returns its loss."""
        began = time.perf_counter()
        loss = float(self._train_step(*next(self.batches)))
        self.clock["train"] += time.perf_counter() - began
        self.steps_done += 1
        self.losses.append(loss)
        step = self.steps_done
        if self._writer is not None and (step % SCALARS_EVERY == 0 or step == self.recipe.steps):
            self._writer.scalars(step, loss=loss, learning_rate=float(self.schedule(step - 1)))
        return loss

    def evaluate(self, record: bool = True) -> dict:
        """mIOU on the eval split (first `eval_images` images) after precise batch norm, with
        the mean loss since the last evaluation. `record` adds it to the history, the run's
        metrics log and TensorBoard."""
        began = time.perf_counter()
        self._precise_batch_norm(self.batches, self.recipe.batch_norm_batches)
        self.clock["eval"] += time.perf_counter() - began
        model, predict = self._evaluation_model()
        metrics = evaluate(
            model,
            self.dataset,
            self.recipe.eval_split,
            limit=self.recipe.eval_images,
            predict=predict,
        )
        self.clock["eval"] += metrics["eval_seconds"]
        step = self.steps_done
        row = {
            "step": step,
            "miou": metrics["miou"],
            "loss": float(np.mean(self.losses)) if self.losses else None,
            "learning_rate": float(self.schedule(step - 1)),
            "train_seconds": self.clock["train"],
            "eval_seconds": self.clock["eval"],
            **{key: value for key, value in metrics.items() if key not in ("miou", "eval_seconds")},
        }
        if record:
            self.history.append(
                {key: row[key] for key in ("step", "miou", "loss", "train_seconds")}
            )
            self.losses = []
            if self.run is not None:
                self.run.append_metrics(row)
                self._writer.scalars(step, miou=row["miou"])
        return row

    def _evaluation_model(self):
        """The network at the evaluation size (`evaluation_size`) with the current weights, and
        its prediction function; the trained model itself when the sizes agree."""
        if self._evaluation is None:
            size = evaluation_size(
                self.dataset,
                self.recipe.eval_split,
                self.config.input_size,
                self.recipe.frame_scale,
            )
            model = (
                self.model
                if size == tuple(self.config.input_size)
                else build_model(self.config.replace(input_size=size))
            )
            self._evaluation = (
                model,
                self._predict if model is self.model else predict_classes(model),
            )
        model, predict = self._evaluation
        if model is not self.model:
            copy_weights(model, [self.model])
        return model, predict

    def checkpoint(self) -> None:
        """Saves weights, optimizer state, history and clocks in the run folder."""
        self.run.save_checkpoint(
            self.model,
            self.optimizer,
            self.steps_done,
            {
                "history": self.history,
                "train_seconds": self.clock["train"],
                "eval_seconds": self.clock["eval"],
            },
        )

    @property
    def batches(self):
        """The training batches, from the current step on (deterministic in seed and step)."""
        if self._batches is None:
            self._batches = iter(
                training_pipeline(
                    self.dataset,
                    self.config.input_size,
                    self.recipe.batch_size,
                    seed=self.recipe.seed + self.steps_done,
                    split=self.recipe.train_split,
                    augmentation=self.recipe,
                    threads=self.recipe.threads,
                )
            )
        return self._batches

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def train(
    config: ArchConfig,
    recipe: TrainConfig = TrainConfig(),
    *,
    dataset=None,
    out_dir: str | Path | None = None,
    resume: bool = False,
    on_evaluation: Callable[[dict], bool | None] | None = None,
    progress: bool = True,
    label: str = "training",
) -> TrainResult:
    """Trains `config` with `recipe` on `dataset` (default: `recipe.data`; a spec or a loaded
    dataset) and evaluates on the eval split, every `recipe.eval_every` steps and at the end.

    The crop is `recipe.crop_size` (default: the config's input size) and the class count the
    dataset's. `on_evaluation(dict(step, miou, loss, train_seconds))` returning True stops
    early; with `out_dir` it runs once the evaluation's checkpoint is saved. With `out_dir`,
    writes the run folder (see `trainers.runs`); `resume` continues from its last checkpoint.
    `label` names the run on the progress bar (e.g. a stage).
    """
    configure_threads(recipe.threads)
    dataset = load_dataset(dataset if dataset is not None else recipe.data)
    recipe = dataclasses.replace(
        recipe,
        data=dataset.spec,
        crop_size=recipe.crop_size or config.input_size,
        learning_rate=recipe.initial_learning_rate,
    )
    config = trained_config(config, recipe, dataset)
    dataset.check(recipe.train_split)
    dataset.check(recipe.eval_split)
    run = _start_run(out_dir, config, recipe, dataset, resume)
    trainer = Trainer(config, recipe, dataset, run)
    if run is not None:
        if resume:
            trainer.restore()
        run.write_metrics([row for row in run.read_metrics() if row["step"] <= trainer.steps_done])
        if resume and (recorded := _recorded_final(run, trainer)) is not None:
            trainer.close()
            return TrainResult(trainer.model, config, recorded, trainer.history, run.path)
    last, stopped = _train_steps(trainer, on_evaluation, progress, label)
    final = _final_metrics(trainer, last, stopped)
    if stopped:
        log.info("stopped early at step %d (mIOU %.4f)", trainer.steps_done, final["miou"])
    if run is not None:
        run.save_weights(trainer.model)
        run.write_json("metrics.json", final)
    return TrainResult(
        trainer.model, config, final, trainer.history, run.path if run is not None else None
    )


def _start_run(
    out_dir: str | Path | None, config: ArchConfig, recipe: TrainConfig, dataset, resume: bool
) -> RunFolder | None:
    """The run folder at `out_dir`, started (or resumed) with the recipe, input size and class
    names; None without `out_dir`."""
    if out_dir is None:
        return None
    run = RunFolder(out_dir)
    run.start(
        config,
        {
            **recipe.to_dict(),
            "input_size": list(config.input_size),
            "class_names": list(dataset.class_names),
        },
        resume,
    )
    return run


def _final_metrics(trainer: Trainer, last: dict | None, stopped: bool) -> dict:
    """The final evaluation (the last one if it was at the last step, else a new unrecorded
    one) with the step count, whether it stopped early and the training throughput."""
    final = (
        last
        if last is not None and last["step"] == trainer.steps_done
        else trainer.evaluate(record=False)
    )
    train_seconds = trainer.clock["train"]
    final.update(
        steps=trainer.steps_done,
        stopped_early=stopped,
        images_per_second=(
            trainer.steps_done * trainer.recipe.batch_size / train_seconds if train_seconds else 0.0
        ),
    )
    return final


def _recorded_final(run: RunFolder, trainer: Trainer) -> dict | None:
    """The recorded final metrics of a resumed run that had already finished (its last
    checkpoint follows its final evaluation). Evaluating again would recompute batch norm on
    other batches and move the mIOU."""
    if trainer.steps_done < trainer.recipe.steps or not (run.path / "metrics.json").is_file():
        return None
    final = run.read_json("metrics.json")
    return final if final.get("steps") == trainer.steps_done else None


def trained_config(config: ArchConfig, recipe: TrainConfig, dataset) -> ArchConfig:
    """The network `train` builds: `config` with the dataset's class count, at the recipe's
    crop size (the one owner of the training size; the config's own when the recipe has
    none)."""
    if config.num_classes != dataset.num_classes:
        log.info(
            "%s has %d classes: training with num_classes=%d",
            dataset.spec,
            dataset.num_classes,
            dataset.num_classes,
        )
        config = config.replace(num_classes=dataset.num_classes)
    if recipe.crop_size is not None and tuple(recipe.crop_size) != config.input_size:
        config = config.replace(input_size=recipe.crop_size)
    return config


def _train_steps(
    trainer: Trainer, on_evaluation, progress: bool, label: str
) -> tuple[dict | None, bool]:
    """Steps to the end of the recipe (or an early stop); returns (last evaluation, stopped)."""
    recipe, run = trainer.recipe, trainer.run
    bar = tqdm(
        total=recipe.steps,
        initial=trainer.steps_done,
        unit="step",
        desc=label,
        file=sys.stderr,
        disable=not progress,
        dynamic_ncols=True,
    )
    last, stopped = None, False
    try:
        while trainer.steps_done < recipe.steps and not stopped:
            loss = trainer.step()
            step = trainer.steps_done
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.3f}")
            evaluated = step == recipe.steps or bool(
                recipe.eval_every and step % recipe.eval_every == 0
            )
            if evaluated:
                last = trainer.evaluate()
                bar.set_postfix(loss=f"{loss:.3f}", miou=f"{last['miou']:.3f}")
            if run is not None and (evaluated or step % recipe.checkpoint_every == 0):
                trainer.checkpoint()  # before on_evaluation, which may copy the run folder
            if evaluated and on_evaluation:
                stopped = bool(on_evaluation(dict(trainer.history[-1])))
    except tf.errors.OpError as error:  # raised by a dataset reader inside tf.data
        raise UserInputError(reader_error_message(error)) from None
    finally:
        bar.close()
        trainer.close()
    return last, stopped
