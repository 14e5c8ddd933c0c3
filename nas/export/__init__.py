"""`nas export`: TFLite files for the phone (float32, fp16, int8), verified against Keras."""

from nas.export.exporter import MODEL_FILES, ExportOptions, export, export_model
from nas.export.phone_script import benchmark_script
from nas.export.sources import ExportSource, source_from_config, sources_from_run
from nas.export.verify import VerificationError, pixel_agreement, verify_models

__all__ = [
    "MODEL_FILES",
    "ExportOptions",
    "ExportSource",
    "VerificationError",
    "benchmark_script",
    "export",
    "export_model",
    "pixel_agreement",
    "source_from_config",
    "sources_from_run",
    "verify_models",
]
