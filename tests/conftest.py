"""Shared test settings: quiet TensorFlow, few threads (CI has 2 cores), no GPU, and latency
tables measured on demand and cell-search features kept in folders of the test session, not
the user's cache."""

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")


@pytest.fixture(autouse=True, scope="session")
def user_latency_tables(tmp_path_factory):
    """The user table folder (`NAS_LATENCY_DIR`) for the whole session; Ray workers and CLI
    subprocesses inherit it."""
    from latency_models.table import USER_DIR_ENV

    saved = os.environ.get(USER_DIR_ENV)
    os.environ[USER_DIR_ENV] = str(tmp_path_factory.mktemp("user-latency-tables"))
    yield
    if saved is None:
        del os.environ[USER_DIR_ENV]
    else:
        os.environ[USER_DIR_ENV] = saved


@pytest.fixture(autouse=True, scope="session")
def cell_features(tmp_path_factory):
    """Backbone features cached by cell searches go to the test session, not the user cache."""
    os.environ["NAS_CELL_FEATURES_DIR"] = str(tmp_path_factory.mktemp("cell-features"))
