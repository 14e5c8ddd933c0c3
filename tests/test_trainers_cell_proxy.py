"""The cell proxy: backbone features cached once, heads trained alone on them."""

import numpy as np
import pytest

from space import ArchConfig
from space.builders import build_model
from space.config import PAPER_DPC_BRANCHES
from trainers import load_dataset
from trainers.cell_proxy import CellProxy, cache_features, evaluate_head, train_head

BACKBONE = ArchConfig(depth_multiplier=0.5, head="basic", dpc_branches=(), input_size=(64, 64))
PROXY = CellProxy(input_size=(64, 64), train_images=4, val_images=2, steps=2, batch_size=2)


@pytest.fixture(scope="module")
def cached(tmp_path_factory):
    folder = tmp_path_factory.mktemp("features")
    trained = build_model(BACKBONE)
    data = load_dataset("synthetic", train_size=4, val_size=2)
    return folder, trained, data, cache_features(BACKBONE, trained, data, PROXY, folder)


def test_features_are_the_backbones_stride_16_output_on_every_image(cached):
    _, _, _, features = cached
    assert features.train_features.shape == (4, 4, 4, 192)  # 64 / 16, ShuffleNet V2 0.5
    assert features.val_features.shape[0] == 2
    assert features.train_labels.shape == (4, 64, 64)
    assert features.num_classes == 19


def test_features_are_read_back_from_the_cache_file(cached):
    folder, trained, data, features = cached
    assert len(list(folder.glob("features-*.npz"))) == 1
    again = cache_features(BACKBONE, trained, data, PROXY, folder)
    np.testing.assert_array_equal(again.val_features, features.val_features)
    assert len(list(folder.glob("features-*.npz"))) == 1


@pytest.mark.parametrize("head", ["basic", "dpc"])
def test_a_head_is_trained_and_scored_on_the_cached_features(cached, head):
    features = cached[3]
    config = BACKBONE.replace(head=head, dpc_branches=PAPER_DPC_BRANCHES if head == "dpc" else ())
    model = train_head(config, features, PROXY, seed=0)
    assert 0.0 <= evaluate_head(model, features, PROXY.batch_size) <= 1.0
