"""trainers: datasets (synthetic default, Cityscapes, COCO subset, folders), the training
recipe (`TrainConfig`), the trainer and streaming mIOU evaluation.

What is exported here loads no TensorFlow; the TensorFlow parts are imported from their modules:
`trainers.trainer` (`train`, `Trainer`), `trainers.runs` (`load_run`), `trainers.metrics`
(`evaluate`, `ConfusionMatrix`), `trainers.training` (`configure_threads`, loss, schedule).
"""

from trainers.config import FROM_SCRATCH_LEARNING_RATE, PAPER_LEARNING_RATE, TrainConfig
from trainers.datasets import IGNORE_LABEL, SegmentationDataset, load_dataset
from trainers.inspection import inspect_dataset

__all__ = [
    "FROM_SCRATCH_LEARNING_RATE",
    "IGNORE_LABEL",
    "PAPER_LEARNING_RATE",
    "SegmentationDataset",
    "TrainConfig",
    "inspect_dataset",
    "load_dataset",
]
