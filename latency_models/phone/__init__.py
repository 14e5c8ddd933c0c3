"""Phones: probes (block models + an adb script running TFLite's `benchmark_model`) and the
import of their outputs into a latency table."""

from latency_models.phone.imports import import_probes
from latency_models.phone.probes import (
    adb_benchmark_script,
    benchmark_flags,
    model_name,
    write_probes,
)

__all__ = ["adb_benchmark_script", "benchmark_flags", "import_probes", "model_name", "write_probes"]
