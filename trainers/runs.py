"""The run folder: config, data settings, weights, checkpoints, metrics log, TensorBoard.

    DIR/config.json          the ArchConfig trained (num_classes from the dataset)
    DIR/data.json            the TrainConfig, with the input size and the dataset's classes
    DIR/model.weights.h5     final weights (keras `save_weights`)
    DIR/metrics.json         final metrics
    DIR/metrics.csv          one row per evaluation
    DIR/checkpoints/step-N/  model.weights.h5, optimizer.npz, state.json (for --resume)
    DIR/tensorboard/         scalars: loss, learning rate, mIOU

Every file is written to a temporary name first and then moved in place, so an
interrupted run never leaves a half-written file behind.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import logging
import shutil
import warnings
from pathlib import Path

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

from mobile_seg_nas import UserInputError, atomic_write, read_json, write_json, write_text
from space import ArchConfig
from space.builders import build_model
from trainers.config import TrainConfig

log = logging.getLogger(__name__)

WEIGHTS_FILE = "model.weights.h5"
CHECKPOINTS_KEPT = 2
METRIC_COLUMNS = ["step", "loss", "miou", "learning_rate", "train_seconds", "eval_seconds"]


@dataclasses.dataclass
class Run:
    """A finished (or checkpointed) training run loaded from its folder."""

    path: Path
    config: ArchConfig
    data: dict
    model: object

    @property
    def data_spec(self) -> str:
        return self.data["data"]

    @property
    def train_config(self) -> TrainConfig:
        """The recipe the run was trained with."""
        names = {field.name for field in dataclasses.fields(TrainConfig)}
        return TrainConfig.from_dict(
            {key: value for key, value in self.data.items() if key in names}
        )


def load_run(path: str | Path, input_size: tuple[int, int] | None = None) -> Run:
    """Config, data settings and the model with its final weights from a run folder; with
    `input_size` the (fully convolutional) model is built for that size instead."""
    run = RunFolder(path)
    if not run.path.is_dir():
        raise UserInputError(f"{run.path}: run folder not found")
    config = run.read_config()
    if input_size is not None:
        config = config.replace(input_size=tuple(input_size))
    if not (run.path / WEIGHTS_FILE).is_file():
        raise UserInputError(
            f"{run.path}: no {WEIGHTS_FILE} (training not finished? "
            "continue it with nas train --resume)"
        )
    model = build_model(config)
    load_weights(model, run.path / WEIGHTS_FILE)
    return Run(run.path, config, run.read_json("data.json"), model)


class TensorBoardLog:
    """Scalar summaries in `folder` (readable by TensorBoard, which need not be installed)."""

    def __init__(self, folder: Path):
        self.writer = tf.summary.create_file_writer(str(folder))
        self.metadata = summary_pb2.SummaryMetadata(
            plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")
        )

    def scalars(self, step: int, **values: float) -> None:
        with self.writer.as_default(step=step):
            for tag, value in values.items():
                tf.summary.write(tag, tf.constant(value, tf.float32), metadata=self.metadata)

    def close(self) -> None:
        self.writer.close()


def load_weights(model, path: Path) -> None:
    """Loads a `.weights.h5` file into `model`; a file of another network raises one line (Keras
    would warn once per layer it skips, then fail or leave those layers fresh)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.load_weights(str(path))
        except (ValueError, OSError, KeyError) as error:
            raise UserInputError(
                f"{path}: weights do not fit this model ({str(error).splitlines()[0]})"
            ) from None
    skipped = [str(warning.message) for warning in caught if "Skipping" in str(warning.message)]
    if skipped:
        raise UserInputError(f"{path}: weights do not fit this model ({skipped[0]})")


class RunFolder:
    """Reads and writes the files of one run folder."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.checkpoints = self.path / "checkpoints"

    # -- JSON and weights ----------------------------------------------------------------------
    def write_json(self, name: str, data) -> None:
        write_json(self.path / name, data)

    def read_json(self, name: str) -> dict:
        if not (self.path / name).is_file():
            raise UserInputError(f"{self.path}: no {name}; is this a run folder?")
        return read_json(self.path / name, "run file")

    def read_config(self) -> ArchConfig:
        if not (self.path / "config.json").is_file():
            raise UserInputError(f"{self.path}: no config.json; is this a run folder?")
        return ArchConfig.from_file(self.path / "config.json")

    def save_weights(self, model) -> None:
        atomic_write(self.path / WEIGHTS_FILE, lambda temporary: model.save_weights(str(temporary)))

    def start(self, config: ArchConfig, data: dict, resume: bool) -> None:
        """Creates the folder, or checks that a resumed one holds the same config."""
        if (self.path / "config.json").is_file():
            if not resume:
                raise UserInputError(
                    f"{self.path}: already holds a run; pass --resume to "
                    "continue it or choose another --out folder"
                )
            if self.read_config() != config:
                raise UserInputError(
                    f"{self.path}: holds a run of another config "
                    f"({self.read_config().id}, not {config.id}); cannot resume"
                )
        self.path.mkdir(parents=True, exist_ok=True)
        self.write_json("config.json", config.to_dict())
        self.write_json("data.json", data)

    # -- checkpoints ---------------------------------------------------------------------------
    def save_checkpoint(self, model, optimizer, step: int, state: dict) -> None:
        """model weights + optimizer variables + state, as one folder moved in place."""
        self.checkpoints.mkdir(parents=True, exist_ok=True)
        final = self.checkpoints / f"step-{step:08d}"

        def write(folder: Path) -> None:
            folder.mkdir()
            model.save_weights(str(folder / WEIGHTS_FILE))
            np.savez(
                folder / "optimizer.npz", *[variable.numpy() for variable in optimizer.variables]
            )
            (folder / "state.json").write_text(json.dumps({**state, "step": step}, indent=2))

        shutil.rmtree(final, ignore_errors=True)
        atomic_write(final, write)
        for old in sorted(self.checkpoints.glob("step-*"))[:-CHECKPOINTS_KEPT]:
            shutil.rmtree(old, ignore_errors=True)

    def newest_checkpoint(self) -> Path | None:
        """The folder of the newest checkpoint, or None."""
        found = sorted(self.checkpoints.glob("step-*")) if self.checkpoints.is_dir() else []
        return found[-1] if found else None

    def checkpoint_step(self) -> int:
        """The step training continues from with `resume` (0 without a checkpoint)."""
        newest = self.newest_checkpoint()
        return json.loads((newest / "state.json").read_text())["step"] if newest else 0

    def restore_checkpoint(self, model, optimizer) -> dict | None:
        """Loads the newest checkpoint into model and optimizer; its state, or None if none."""
        latest = self.newest_checkpoint()
        if latest is None:
            return None
        load_weights(model, latest / WEIGHTS_FILE)
        with np.load(latest / "optimizer.npz") as saved:
            values = [saved[f"arr_{index}"] for index in range(len(saved.files))]
        if len(values) != len(optimizer.variables):
            raise UserInputError(f"{latest}: optimizer state does not fit this run")
        for variable, value in zip(optimizer.variables, values):
            variable.assign(value)
        state = json.loads((latest / "state.json").read_text())
        log.info("resuming %s from step %d", self.path, state["step"])
        return state

    # -- metrics log ---------------------------------------------------------------------------
    def append_metrics(self, row: dict) -> None:
        """Adds one evaluation row to metrics.csv (rewritten whole, atomically)."""
        self.write_metrics(self.read_metrics() + [row])

    def read_metrics(self) -> list[dict]:
        path = self.path / "metrics.csv"
        if not path.is_file():
            return []
        with path.open(newline="") as handle:
            return [
                {
                    key: int(value) if key == "step" else float(value) if value else None
                    for key, value in row.items()
                }
                for row in csv.DictReader(handle)
            ]

    def write_metrics(self, rows: list[dict]) -> None:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, METRIC_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        write_text(self.path / "metrics.csv", buffer.getvalue())
