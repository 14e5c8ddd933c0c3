"""The paper's training recipe for any `ArchConfig`, with evaluations and early stopping.

Softmax cross-entropy ignoring 255, Adam (0.9, 0.999, 1e-8), L2 weight decay 4e-5 on the
convolution kernels, poly learning rate (power 0.9) with an optional slow start, batch
norm trained, the augmentation of `trainers.augment` in a tf.data pipeline.
"""

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

from space import ArchConfig, build_model
from space.errors import UserInputError
from trainers.augment import Augmentation
from trainers.datasets import IGNORE_LABEL, load_dataset
from trainers.metrics import evaluate, predict_classes
from trainers.pipeline import training_pipeline
from trainers.runs import WEIGHTS, RunFolder, TensorBoardLog, load_run, load_weights

log = logging.getLogger(__name__)

PAPER_LEARNING_RATE = 1e-3  # the paper's lr0, for training that starts from pretrained weights
FROM_SCRATCH_LEARNING_RATE = 4e-3  # random init: 1e-3 learns too slowly in a few hundred steps


@dataclasses.dataclass
class TrainResult:
    """What `train` returns: the trained model, its config, final metrics, evaluations."""

    model: keras.Model
    config: ArchConfig
    metrics: dict
    history: list[dict]
    run_dir: Path | None = None


@keras.saving.register_keras_serializable(package="trainers")
class PolyLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """`lr0 * (1 - step / steps) ** power`, or `slow_start_lr` for the first `slow_start_steps`."""

    def __init__(self, initial: float, steps: int, power: float = 0.9, slow_start_steps: int = 0,
                 slow_start_lr: float = 1e-4):
        self.initial, self.steps, self.power = initial, steps, power
        self.slow_start_steps, self.slow_start_lr = slow_start_steps, slow_start_lr

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        fraction = tf.minimum(step / float(max(self.steps, 1)), 1.0)
        rate = self.initial * (1.0 - fraction) ** self.power
        return tf.where(step < self.slow_start_steps, self.slow_start_lr, rate)

    def get_config(self):
        return {"initial": self.initial, "steps": self.steps, "power": self.power,
                "slow_start_steps": self.slow_start_steps, "slow_start_lr": self.slow_start_lr}


def configure_threads(threads: int | None) -> None:
    """TensorFlow intra/inter-op threads (several trials share a machine); only effective
    before TensorFlow starts executing."""
    if not threads:
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        log.debug("TensorFlow already running: thread counts unchanged")


def masked_cross_entropy(labels, logits):
    """Mean softmax cross-entropy over pixels whose label is a class (255 and others skipped)."""
    num_classes = logits.shape[-1]
    labels = tf.cast(labels, tf.int32)
    valid = (labels >= 0) & (labels < num_classes) & (labels != IGNORE_LABEL)
    safe = tf.where(valid, labels, 0)
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(safe, tf.cast(logits, tf.float32))
    weights = tf.cast(valid, tf.float32)
    return tf.reduce_sum(losses * weights) / tf.maximum(tf.reduce_sum(weights), 1.0)


class PreciseBatchNorm:
    """Sets the batch norm moving statistics of `model` to their averages over training
    batches (the weights are not changed)."""

    def __init__(self, model):
        self.layers = [layer for layer in model.layers
                       if isinstance(layer, keras.layers.BatchNormalization)]
        self.forward = tf.function(lambda images: model(images, training=True))

    def __call__(self, batches, count: int) -> None:
        if not self.layers or count < 1:
            return
        momentums = [layer.momentum for layer in self.layers]
        for layer in self.layers:
            layer.momentum = 0.0  # each forward pass stores its batch statistics
        sums = [[np.zeros(layer.moving_mean.shape), np.zeros(layer.moving_variance.shape)]
                for layer in self.layers]
        for _ in range(count):
            self.forward(next(batches)[0])
            for total, layer in zip(sums, self.layers):
                total[0] += layer.moving_mean.numpy()
                total[1] += layer.moving_variance.numpy()
        for (mean, variance), layer, momentum in zip(sums, self.layers, momentums):
            layer.moving_mean.assign(mean / count)
            layer.moving_variance.assign(variance / count)
            layer.momentum = momentum


def decayed_kernels(model) -> list:
    """Kernels of the regular convolutions (depthwise kernels are not decayed, as in DeepLab)."""
    return [layer.kernel for layer in model.layers
            if isinstance(layer, keras.layers.Conv2D) and "depthwise" not in layer.name]


def load_initial_weights(model, source: str | Path) -> None:
    """Initial weights from a run folder (copied by layer name where shapes match, so a
    different class count keeps everything but the classifier) or a `.weights.h5` file."""
    source = Path(source)
    if source.is_file():
        load_weights(model, source)
        return
    if not (source / WEIGHTS).is_file():
        raise UserInputError(f"{source}: --init needs a run folder or a .weights.h5 file")
    trained = load_run(source).model
    names = {layer.name: layer for layer in trained.layers}
    copied, skipped = 0, []
    for layer in model.layers:
        other = names.get(layer.name)
        if not layer.weights:
            continue
        if other is not None and [w.shape for w in other.weights] == [w.shape for w in layer.weights]:
            layer.set_weights(other.get_weights())
            copied += 1
        else:
            skipped.append(layer.name)
    if not copied:
        raise UserInputError(f"{source}: no layer fits this model; is it a run of another backbone?")
    log.info("initialised %d layers from %s%s", copied, source,
             f" (kept fresh: {', '.join(skipped)})" if skipped else "")


def train(config: ArchConfig, dataset, steps: int, *, batch_size: int = 16,
          learning_rate: float = PAPER_LEARNING_RATE, out_dir: str | Path | None = None,
          eval_every: int | None = None, eval_images: int | None = None,
          on_evaluation: Callable[[dict], bool | None] | None = None, seed: int = 0,
          progress: bool = True, init_weights: str | Path | None = None, resume: bool = False,
          weight_decay: float = 4e-5, slow_start_steps: int = 0, slow_start_lr: float = 1e-4,
          augmentation: Augmentation = Augmentation(), threads: int | None = None,
          checkpoint_every: int = 500, batch_norm_batches: int = 10,
          train_split: str = "train", eval_split: str = "val") -> TrainResult:
    """Trains `config` (its input size is the crop size) for `steps` batches on `dataset`
    (a spec string or a loaded dataset) and evaluates on `eval_split`.

    Evaluates every `eval_every` steps (on the first `eval_images` images) and at the end;
    `on_evaluation(dict(step, miou, loss, train_seconds))` returning True stops early. With
    `out_dir`, writes the run folder (see `trainers.runs`); `resume` continues from its last
    checkpoint. The class count of `config` is set to the dataset's. Before each evaluation
    the batch norm statistics are recomputed on `batch_norm_batches` training batches
    ("precise BN"): moving averages lag far behind the weights early in a run.
    """
    if steps < 1 or batch_size < 1 or learning_rate <= 0:
        raise UserInputError("steps and batch size must be at least 1 and the learning rate positive")
    configure_threads(threads)
    dataset = load_dataset(dataset)
    if config.num_classes != dataset.num_classes:
        log.info("%s has %d classes: training with num_classes=%d", dataset.spec,
                 dataset.num_classes, dataset.num_classes)
        config = config.replace(num_classes=dataset.num_classes)
    dataset.check(train_split)
    dataset.check(eval_split)
    run = RunFolder(out_dir) if out_dir is not None else None
    if run is not None:
        run.start(config, {
            "data": dataset.spec, "input_size": list(config.input_size), "steps": steps,
            "batch_size": batch_size, "learning_rate": learning_rate, "weight_decay": weight_decay,
            "slow_start_steps": slow_start_steps, "slow_start_lr": slow_start_lr, "seed": seed,
            "augmentation": dataclasses.asdict(augmentation), "train_split": train_split,
            "eval_split": eval_split, "class_names": list(dataset.class_names)}, resume)

    keras.utils.set_random_seed(seed)
    model = build_model(config)
    schedule = PolyLearningRate(learning_rate, steps, 0.9, slow_start_steps, slow_start_lr)
    optimizer = keras.optimizers.Adam(schedule, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    optimizer.build(model.trainable_variables)
    if init_weights is not None:
        load_initial_weights(model, init_weights)

    state = run.restore_checkpoint(model, optimizer) if run is not None and resume else None
    start = state["step"] if state else 0
    history = state["history"] if state else []
    clock = dict(train=state["train_seconds"], eval=state["eval_seconds"]) if state else dict(
        train=0.0, eval=0.0)
    if run is not None:
        run.write_metrics([row for row in run.read_metrics() if row["step"] <= start])

    step_function = make_train_step(model, optimizer, weight_decay)
    predict = predict_classes(model)
    precise_batch_norm = PreciseBatchNorm(model)
    batches = iter(training_pipeline(dataset, config.input_size, batch_size, seed=seed + start,
                                     split=train_split, augmentation=augmentation, threads=threads))
    writer = TensorBoardLog(run.path / "tensorboard") if run is not None else None
    bar = _progress_bar(steps, start, progress)
    losses, step, stopped, last = [], start, False, None

    def evaluation() -> dict:
        began = time.perf_counter()
        precise_batch_norm(batches, batch_norm_batches)
        clock["eval"] += time.perf_counter() - began
        metrics = evaluate(model, dataset, eval_split, limit=eval_images, predict=predict)
        clock["eval"] += metrics["eval_seconds"]
        return {"step": step, "miou": metrics["miou"], "loss": float(np.mean(losses)) if losses else None,
                "learning_rate": float(schedule(step - 1)), "train_seconds": clock["train"],
                "eval_seconds": clock["eval"], **{key: metrics[key] for key in metrics
                                                  if key not in ("miou", "eval_seconds")}}

    try:
        while step < steps and not stopped:
            began = time.perf_counter()
            images, labels = next(batches)
            loss = float(step_function(images, labels))
            clock["train"] += time.perf_counter() - began
            step += 1
            losses.append(loss)
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.3f}")
            if writer is not None and (step % 10 == 0 or step == steps):
                writer.scalars(step, loss=loss, learning_rate=float(schedule(step - 1)))
            if step == steps or (eval_every and step % eval_every == 0):
                last = evaluation()
                history.append({key: last[key] for key in ("step", "miou", "loss", "train_seconds")})
                losses = []
                bar.set_postfix(loss=f"{loss:.3f}", miou=f"{last['miou']:.3f}")
                if run is not None:
                    run.append_metrics(last)
                    writer.scalars(step, miou=last["miou"])
                stopped = bool(on_evaluation(dict(history[-1]))) if on_evaluation else False
            if run is not None and (step % checkpoint_every == 0 or last is not None and last["step"] == step):
                run.save_checkpoint(model, optimizer, step, {
                    "history": history, "train_seconds": clock["train"], "eval_seconds": clock["eval"]})
    except tf.errors.OpError as error:  # raised by a dataset reader inside tf.data
        raise UserInputError(reader_error_message(error)) from None
    finally:
        bar.close()
        if writer is not None:
            writer.close()

    final = last if last is not None and last["step"] == step else evaluation()
    final.update(steps=step, stopped_early=stopped, images_per_second=
                 step * batch_size / clock["train"] if clock["train"] else 0.0)
    if stopped:
        log.info("stopped early at step %d (mIOU %.4f)", step, final["miou"])
    if run is not None:
        run.save_weights(model)
        run.write_json("metrics.json", final)
    return TrainResult(model, config, final, history, run.path if run is not None else None)


def make_train_step(model, optimizer, weight_decay: float):
    kernels = decayed_kernels(model)

    @tf.function
    def step(images, labels):
        with tf.GradientTape() as tape:
            logits = model(images, training=True)
            loss = masked_cross_entropy(labels, logits)
            total = loss + weight_decay * tf.add_n([tf.nn.l2_loss(kernel) for kernel in kernels])
        gradients = tape.gradient(total, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    return step


def _progress_bar(steps: int, start: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=steps, initial=start, unit="step", desc="training", file=sys.stderr,
                disable=not enabled, dynamic_ncols=True)


def reader_error_message(error) -> str:
    """The one-line message of a `UserInputError` raised inside tf.data."""
    message = str(error.message if hasattr(error, "message") else error)
    for line in message.splitlines():
        if "UserInputError:" in line:
            return line.split("UserInputError:", 1)[1].strip()
    return message.splitlines()[0] if message else "reading the training data failed"
