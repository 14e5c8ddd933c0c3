"""A cell search (`nas search --cell-proxy RUN`): each trial trains only its head, on the cached
features of RUN's trained backbone, and keeps a whole network (RUN's backbone, its head)."""

import dataclasses

import numpy as np
import pytest

from nas.search.options import SearchOptions
from nas.search.trial import TrialSettings, train_trial
from space import SearchSpace, get_preset
from space.builders import build_backbone_model, build_model
from trainers import load_dataset
from trainers.cell_proxy import CellProxy
from trainers.runs import RunFolder, load_run

pytestmark = pytest.mark.slow
BACKBONE = get_preset("paper-basic").replace(depth_multiplier=0.5, input_size=(32, 32))


@pytest.fixture(scope="module")
def backbone_run(tmp_path_factory):
    """A run folder as `nas train` writes it (its weights untrained: the test needs none)."""
    folder = RunFolder(tmp_path_factory.mktemp("backbone"))
    folder.start(BACKBONE, {"data": "synthetic", "input_size": [32, 32]}, resume=False)
    folder.save_weights(build_model(BACKBONE))
    return folder.path


def test_a_trial_trains_its_head_on_the_backbones_features_and_keeps_the_whole_network(
    backbone_run, tmp_path
):
    options, _ = SearchOptions(
        budget="1", device="amd-epyc-2vcpu-2026-11-24", cell_proxy=str(backbone_run)
    ).for_data(load_dataset("synthetic"))
    proxy = CellProxy(
        input_size=(64, 64),
        train_images=4,
        val_images=2,
        steps=2,
        batch_size=2,
        run=str(backbone_run),
    )
    space = SearchSpace(
        backbones={"shufflenet_v2": [0.5]},
        output_strides=(16,),
        decoders=("none",),
        input_size=(64, 64),
    )
    settings = TrialSettings.from_options(options, space, tmp_path / "run")
    assert settings.space.input_size == CellProxy().input_size  # the size heads train at
    settings = dataclasses.replace(settings, cell_proxy=proxy)
    paper_cell = get_preset("paper-dpc").replace(depth_multiplier=0.5, input_size=(64, 64))
    result = train_trial(space.params_from_config(paper_cell), settings, tmp_path / "trial")

    assert 0.0 <= result["miou"] <= 1.0 and result["final"]
    assert result["miou_rung0"] == result["miou"]
    assert result["latency_ms"] > 0 and result["step"] == 2
    trial = load_run(tmp_path / "trial")  # a run folder `nas export` and `nas train` take
    assert trial.config.head == "dpc" and trial.data["cell_proxy"]["run"] == str(backbone_run)
    trained = load_run(backbone_run).model
    backbone = [layer.name for layer in build_backbone_model(BACKBONE).layers if layer.weights]
    for name in backbone:  # the backbone is the run's, untouched
        for kept, saved in zip(
            trained.get_layer(name).weights, trial.model.get_layer(name).weights
        ):
            np.testing.assert_array_equal(np.asarray(kept), np.asarray(saved))
