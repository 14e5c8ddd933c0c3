"""latency_models: per-device latency lookup tables of network blocks, `host` (this machine,
told apart from others by its fingerprint), the profiler that fills tables on LiteRT, the
predictor (sum over a config's blocks), the latency model a search asks (a device and a
deployment size: `LatencyModel.predict(config)`), calibration, end-to-end measurement, and
phone probes and the import of their `benchmark_model` outputs."""

from latency_models.devices import load_table
from latency_models.machine import measurable_here
from latency_models.measure import Timing, measure_config, measure_model
from latency_models.model import LatencyModel
from latency_models.predictor import MissingEntries, latency_breakdown, predict_latency
from latency_models.table import LatencyTable, known_devices, user_dir

__all__ = [
    "LatencyModel",
    "LatencyTable",
    "MissingEntries",
    "Timing",
    "known_devices",
    "latency_breakdown",
    "load_table",
    "measurable_here",
    "measure_config",
    "measure_model",
    "predict_latency",
    "user_dir",
]
