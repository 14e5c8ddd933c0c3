"""Timing real TFLite models on LiteRT: statistics, run limits, metadata (no accuracy claims)."""

import subprocess
import sys

import keras
import pytest

from latency_models import measure_config, measure_model
from latency_models.machine import host_metadata
from latency_models.measure import Timing, invoke_overhead_ms
from latency_models.profiler import measure_block
from space import get_preset, plan_network
from space.tflite import convert_to_tflite


@pytest.fixture(scope="module")
def conv_model():
    inputs = keras.Input((32, 32, 8), batch_size=1)
    return convert_to_tflite(keras.Model(inputs, keras.layers.Conv2D(16, 3)(inputs)))


def test_measure_model_reports_median_and_spread(conv_model):
    stats = measure_model(conv_model, num_threads=1, warmup_runs=2, runs=15)
    assert set(stats) == {
        "latency_ms",
        "p90_ms",
        "mean_ms",
        "std_ms",
        "min_ms",
        "runs",
        "clock",
        "wall_ms",
    }
    assert stats["runs"] == 15 and stats["clock"] == "cpu" and stats["wall_ms"] > 0
    assert 0 < stats["min_ms"] <= stats["latency_ms"] <= stats["p90_ms"]
    assert stats["std_ms"] >= 0


def test_wall_clock_for_several_threads(conv_model):
    assert measure_model(conv_model, num_threads=2, warmup_runs=1, runs=5)["clock"] == "wall"
    assert measure_model(conv_model, warmup_runs=1, runs=5, clock="wall")["clock"] == "wall"


def test_time_limit_keeps_at_least_five_runs(conv_model):
    assert measure_model(conv_model, warmup_runs=0, runs=1000, max_seconds=1e-6)["runs"] == 5


def test_block_entry_and_overhead_are_positive():
    block = plan_network(
        get_preset("paper-basic").replace(input_size=[64, 64]), inference=True
    ).blocks[1]
    entry = measure_block(block, runs=5)
    assert entry["ms"] > 0 and entry["runs"] == 5 and entry["p90_ms"] >= entry["ms"]
    assert 0 < invoke_overhead_ms(runs=50) < 1.0


def test_host_metadata_describes_runtime_and_cpu():
    meta = host_metadata(2, 5, 50)
    assert meta["runtime"] == "ai-edge-litert" and meta["runtime_version"]
    assert meta["delegate"] == "XNNPACK" and meta["threads"] == 2 and "cores" in meta["cpu"]


@pytest.mark.slow
def test_measure_config_times_the_exported_network():
    config = get_preset("paper-dpc").replace(input_size=[64, 64], num_classes=4)
    stats = measure_config(config, timing=Timing(warmup_runs=1, runs=5))
    assert stats["runs"] == 5 and stats["latency_ms"] > 0 and stats["tflite_bytes"] > 100_000


def test_a_fresh_process_times_a_network_without_a_word_on_stderr():
    """LiteRT announces its XNNPACK delegate on stderr once per process; the toolkit keeps that
    line off, so that a command's stderr holds only its own lines (a bad input's error: one)."""
    code = (
        "from latency_models.machine import REFERENCE_MODEL; "
        "from latency_models.measure import measure_model; "
        "measure_model(REFERENCE_MODEL.read_bytes(), runs=5)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stderr == ""
