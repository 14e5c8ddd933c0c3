"""trainers: datasets (synthetic default, Cityscapes, COCO subset, folders), the paper's
training recipe and streaming mIOU evaluation."""

from trainers.augment import Augmentation
from trainers.datasets import IGNORE_LABEL, SegmentationDataset, load_dataset
from trainers.inspection import inspect_dataset
from trainers.metrics import ConfusionMatrix, evaluate
from trainers.runs import Run, load_run
from trainers.training import (
    FROM_SCRATCH_LEARNING_RATE, PAPER_LEARNING_RATE, TrainResult, configure_threads, train)

__all__ = [
    "Augmentation", "ConfusionMatrix", "FROM_SCRATCH_LEARNING_RATE", "IGNORE_LABEL", "Run", "SegmentationDataset",
    "TrainResult", "configure_threads", "evaluate", "inspect_dataset", "load_dataset",
    "load_run", "PAPER_LEARNING_RATE", "train",
]
