"""`TrainConfig`: the training recipe (the paper's by default), one frozen description of how
a network is trained, written once with its defaults; `nas train` derives its flags from it and
every run folder keeps it (`data.json`).

Stages of a longer recipe are `dataclasses.replace(recipe, data=..., steps=..., ...)`.
"""

from __future__ import annotations

import dataclasses
import json

from mobile_seg_nas import UserInputError
from mobile_seg_nas.settings import as_dict, from_dict, setting
from space import parse_input_size

PAPER_LEARNING_RATE = 1e-3  # the paper's lr0, for training that starts from pretrained weights
FROM_SCRATCH_LEARNING_RATE = 4e-3  # random init: 1e-3 learns too slowly in a few hundred steps


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """How to train: data, schedule, optimizer, augmentation, evaluation and checkpoints."""

    data: str = setting(
        "synthetic",
        "dataset: synthetic, camvid:PATH, cityscapes:PATH, coco:PATH or folder:PATH",
        metavar="SPEC",
    )
    train_split: str = setting("train", "split to train on", flag=None)
    eval_split: str = setting("val", "split to evaluate on", flag=None)
    crop_size: tuple | None = setting(
        None, "training crop HxW (default: the config's input size)", flag=None
    )
    frame_scale: float = setting(
        1.0,
        "frames resized by this factor (aspect kept) before "
        "cropping and evaluation, e.g. 0.25 for a quarter-size proxy; "
        "frames with one stored size are evaluated at it times this",
    )
    steps: int = setting(1000, "training steps")
    batch_size: int = setting(16, "batch size")
    learning_rate: float | None = setting(
        None,
        "initial learning rate (default: the paper's 1e-3 with --init, 4e-3 from scratch)",
        flag="--lr",
    )
    weight_decay: float = setting(4e-5, "L2 weight decay")
    slow_start_steps: int = setting(0, "steps at --slow-start-lr before the poly schedule")
    slow_start_lr: float = setting(1e-4, "learning rate of the slow start")
    min_scale: float = setting(0.5, "random scale low end")
    max_scale: float = setting(2.0, "random scale high end")
    scale_step: float = setting(0.25, "random scale step")
    flip: bool = setting(True, "no random left-right flip", flag="--no-flip")
    seed: int = setting(0, "random seed", metavar="SEED")
    eval_every: int | None = setting(None, "evaluate every N steps (default: at the end)")
    eval_images: int | None = setting(None, "evaluate on the first N val images")
    checkpoint_every: int = setting(500, "steps between checkpoints")
    batch_norm_batches: int = setting(
        10, "training batches that set the batch norm statistics before each evaluation", flag=None
    )
    threads: int | None = setting(None, "TensorFlow threads (default: all cores)")
    init_weights: str | None = setting(
        None, "initial weights: a run folder or a .weights.h5 file", flag="--init", metavar="CKPT"
    )

    def __post_init__(self):
        if self.crop_size is not None:  # "HxW" or [H, W], checked
            size = (
                self.crop_size
                if isinstance(self.crop_size, str)
                else "x".join(str(value) for value in self.crop_size)
            )
            object.__setattr__(self, "crop_size", parse_input_size(size))
        if self.steps < 1 or self.batch_size < 1 or (self.learning_rate or 1) <= 0:
            raise UserInputError(
                "steps and batch size must be at least 1 and the learning rate positive"
            )
        if not 0 < self.frame_scale <= 4:
            raise UserInputError(f"frame scale {self.frame_scale}: expected a factor in (0, 4]")

    @property
    def initial_learning_rate(self) -> float:
        """`learning_rate`, or the default for training from `init_weights` or from scratch."""
        return self.learning_rate or (
            PAPER_LEARNING_RATE if self.init_weights else FROM_SCRATCH_LEARNING_RATE
        )

    def scales(self) -> list[float]:
        """The random scales of the augmentation, `min_scale` to `max_scale` by `scale_step`."""
        if self.scale_step <= 0 or self.min_scale >= self.max_scale:
            return [self.min_scale]
        count = int(round((self.max_scale - self.min_scale) / self.scale_step)) + 1
        return [self.min_scale + index * self.scale_step for index in range(count)]

    def to_dict(self) -> dict:
        return as_dict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: dict, what: str = "train config") -> "TrainConfig":
        """The recipe from `to_dict` data; bad fields raise one line naming `what`."""
        return from_dict(cls, data, what)

    @classmethod
    def from_json(cls, text: str) -> "TrainConfig":
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as error:
            raise UserInputError(f"train config: not valid JSON ({error})") from None
