"""Training: loss, learning rate, run folder, early stopping, resume, initial weights."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from mobile_seg_nas import UserInputError
from space import ArchConfig
from space.builders import build_model
from trainers import TrainConfig, load_dataset
from trainers.runs import RunFolder, load_run
from trainers.trainer import train
from trainers.training import PolyLearningRate, load_initial_weights, masked_cross_entropy

CONFIG = ArchConfig(depth_multiplier=0.5, head="basic", dpc_branches=(), input_size=(64, 64))


def tiny_data():
    return load_dataset("synthetic", train_size=8, val_size=4)


def short_training(out_dir, steps=3, on_evaluation=None, resume=False, **recipe):
    recipe = TrainConfig(
        **{
            "steps": steps,
            "batch_size": 2,
            "eval_every": 2,
            "threads": 1,
            "batch_norm_batches": 1,
            **recipe,
        }
    )
    return train(
        CONFIG,
        recipe,
        dataset=tiny_data(),
        out_dir=out_dir,
        progress=False,
        on_evaluation=on_evaluation,
        resume=resume,
    )


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    return folder, short_training(folder)


def test_masked_cross_entropy_skips_ignored_pixels():
    logits = tf.constant([[[[2.0, 0.0], [0.0, 0.0], [5.0, -5.0]]]])
    labels = tf.constant([[[0, 255, 7]]])  # 7 is outside the 2 classes: skipped too
    expected = np.log(1 + np.exp(-2.0))
    assert float(masked_cross_entropy(labels, logits)) == pytest.approx(expected, rel=1e-5)
    assert float(masked_cross_entropy(tf.constant([[[255, 255, 255]]]), logits)) == 0.0


def test_poly_learning_rate_with_slow_start():
    schedule = PolyLearningRate(1e-3, 100, power=0.9, slow_start_steps=10, slow_start_lr=1e-5)
    assert float(schedule(0)) == pytest.approx(1e-5)
    assert float(schedule(9)) == pytest.approx(1e-5)
    assert float(schedule(50)) == pytest.approx(1e-3 * 0.5**0.9)
    assert float(schedule(100)) == pytest.approx(0.0)


@pytest.mark.slow
def test_train_writes_a_run_folder_that_load_run_reads(finished):
    folder, result = finished
    assert {
        "config.json",
        "data.json",
        "model.weights.h5",
        "metrics.csv",
        "metrics.json",
        "checkpoints",
        "tensorboard",
    } <= {path.name for path in folder.iterdir()}
    assert [entry["step"] for entry in result.history] == [2, 3]
    metrics = result.metrics
    assert 0.0 <= metrics["miou"] <= 1.0 and metrics["steps"] == 3
    assert len(metrics["per_class"]) == 19 and all(
        value is None or 0 <= value <= 1 for value in metrics["per_class"]
    )
    for key in ("loss", "train_seconds", "eval_seconds"):
        assert metrics[key] > 0
    assert (folder / "metrics.csv").read_text().splitlines()[0].startswith("step,loss,miou")
    data = json.loads((folder / "data.json").read_text())
    assert (
        data["data"] == "synthetic" and data["batch_size"] == 2 and data["input_size"] == [64, 64]
    )

    run = load_run(folder)
    assert run.config == CONFIG and run.data_spec == "synthetic"
    images = np.random.default_rng(0).uniform(-1, 1, (1, 64, 64, 3)).astype(np.float32)
    assert np.allclose(
        run.model(images, training=False), result.model(images, training=False), atol=1e-5
    )
    with pytest.raises(UserInputError, match="already holds a run"):
        short_training(folder)


@pytest.mark.slow
def test_on_evaluation_returning_true_stops_training():
    seen = []
    result = short_training(
        None, steps=10, eval_every=1, on_evaluation=lambda report: seen.append(report) or True
    )
    assert result.metrics["steps"] == 1 and result.metrics["stopped_early"]
    assert set(seen[0]) == {"step", "miou", "loss", "train_seconds"}


@pytest.mark.slow
def test_resume_continues_an_interrupted_run(tmp_path):
    def interrupt(report):
        if report["step"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        short_training(tmp_path, steps=4, checkpoint_every=1, on_evaluation=interrupt)
    assert not (tmp_path / "model.weights.h5").exists()
    # the evaluation's checkpoint is saved before on_evaluation runs
    assert sorted(path.name for path in (tmp_path / "checkpoints").iterdir()) == [
        "step-00000001",
        "step-00000002",
    ]
    assert RunFolder(tmp_path).checkpoint_step() == 2

    result = short_training(tmp_path, steps=4, resume=True)
    assert result.metrics["steps"] == 4
    assert [entry["step"] for entry in result.history] == [2, 4]
    rows = (tmp_path / "metrics.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["2", "4"]  # each evaluation once
    assert load_run(tmp_path).config == CONFIG


@pytest.mark.slow
def test_init_copies_matching_layers_from_a_run(finished):
    folder, result = finished
    model = build_model(CONFIG.replace(num_classes=5))
    load_initial_weights(model, folder)
    stem = "stem_conv"
    assert np.array_equal(
        model.get_layer(stem).get_weights()[0], result.model.get_layer(stem).get_weights()[0]
    )
    classifier = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)][-1]
    assert classifier.kernel.shape[-1] == 5
    with pytest.raises(UserInputError, match="run folder or a .weights.h5"):
        load_initial_weights(model, folder / "checkpoints")


def test_resuming_a_finished_run_returns_its_recorded_metrics(tmp_path):
    first = short_training(tmp_path, steps=2)
    again = short_training(tmp_path, steps=2, resume=True)
    assert again.metrics == first.metrics  # not a new evaluation on other batch norm batches
    assert json.loads((tmp_path / "metrics.json").read_text()) == first.metrics
    longer = short_training(tmp_path, steps=4, resume=True)  # a longer recipe trains on
    assert longer.metrics["steps"] == 4
