"""Training fidelities and the ladder of a staged search.

A `Fidelity` is how long and how large a trial trains: crop, steps, batch size, learning rate
and the scale frames are resized by first. A ladder is the fidelities a trial climbs rung by
rung (`--fidelities`, written `HxW[@SCALE]/STEPS/BATCH[/LR]` and comma-separated, e.g.
`90x120@0.25/250/16/0.004,256x256/800/8`: whole CamVid frames at a quarter of their size,
then crops of the full frames); the first
rung is the proxy, each later rung continues from the weights of the one before; the last is
the reference fidelity or, when a budget cannot afford it, a fraction of it (`fit_ladder`).
"""

from __future__ import annotations

import dataclasses
import math

from mobile_seg_nas import UserInputError
from space import parse_input_size
from trainers import TrainConfig

FINE_TUNE_LEARNING_RATE = 1e-3  # a rung that continues from weights: the paper's fine-tune lr


@dataclasses.dataclass(frozen=True)
class Fidelity:
    """Crop (height, width), steps, batch size and initial learning rate of one training, on
    frames resized by `frame_scale` (aspect ratio kept) before cropping and evaluation."""

    crop: tuple
    steps: int
    batch_size: int
    learning_rate: float | None = None  # None: the recipe's default (from scratch or not)
    frame_scale: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "crop", tuple(self.crop))
        if self.steps < 1 or self.batch_size < 1 or min(self.crop) < 32:
            raise UserInputError(
                f"fidelity {self}: needs at least 1 step, a batch of 1 and a crop of at least 32x32"
            )
        if not 0 < self.frame_scale <= 4:
            raise UserInputError(f"fidelity {self}: the frame scale must be in (0, 4]")

    def __str__(self) -> str:
        scale = "" if self.frame_scale == 1 else f"@{self.frame_scale:g}"
        text = f"{self.crop[0]}x{self.crop[1]}{scale}/{self.steps}/{self.batch_size}"
        return text if self.learning_rate is None else f"{text}/{self.learning_rate:g}"

    @property
    def pixels(self) -> int:
        """Pixels trained on: the compute of the fidelity, up to a per-network constant."""
        return self.crop[0] * self.crop[1] * self.steps * self.batch_size

    def recipe(self, base: TrainConfig, init_weights=None) -> TrainConfig:
        """`base` trained at this fidelity, from `init_weights` when given."""
        learning_rate = self.learning_rate or (
            FINE_TUNE_LEARNING_RATE if init_weights else base.learning_rate
        )
        eval_every = base.eval_every and max(1, self.steps * base.eval_every // base.steps)
        return dataclasses.replace(
            base,
            crop_size=self.crop,
            steps=self.steps,
            batch_size=self.batch_size,
            learning_rate=learning_rate,
            frame_scale=self.frame_scale,
            init_weights=None if init_weights is None else str(init_weights),
            eval_every=eval_every,
        )


def parse_fidelity(text: str) -> Fidelity:
    """`HxW[@SCALE]/STEPS/BATCH[/LR]` -> a Fidelity."""
    parts = text.strip().split("/")
    try:
        if len(parts) not in (3, 4):
            raise ValueError
        size, _, scale = parts[0].partition("@")
        crop, steps, batch_size = parse_input_size(size), int(parts[1]), int(parts[2])
        learning_rate = float(parts[3]) if len(parts) == 4 else None
        frame_scale = float(scale) if scale else 1.0
    except (ValueError, UserInputError):
        raise UserInputError(
            f"--fidelities {text!r}: expected HxW[@SCALE]/STEPS/BATCH[/LR], "
            "e.g. 256x256/800/8 or 90x120@0.25/250/16"
        ) from None
    return Fidelity(crop, steps, batch_size, learning_rate, frame_scale)


def parse_ladder(text: str) -> tuple[Fidelity, ...]:
    """Comma-separated fidelities, each at least as large (pixels trained) as the one before."""
    ladder = tuple(parse_fidelity(part) for part in text.split(",") if part.strip())
    if not ladder:
        raise UserInputError("--fidelities: give at least one fidelity, e.g. 128x128/200/16")
    for lower, higher in zip(ladder, ladder[1:]):
        if higher.pixels < lower.pixels:
            raise UserInputError(
                f"--fidelities: {higher} trains on fewer pixels than {lower} "
                "before it; a ladder climbs"
            )
    return ladder


def format_ladder(ladder) -> str:
    return ",".join(str(fidelity) for fidelity in ladder)


def fit_ladder(ladder, last_rung_seconds: float, seconds_per_pixel: float) -> tuple[Fidelity, ...]:
    """The ladder with the steps of its rungs after the first scaled down (never below the
    rung before, in pixels) so that the last rung takes at most `last_rung_seconds`."""
    last = ladder[-1]
    affordable = last_rung_seconds / max(seconds_per_pixel, 1e-12)
    scale = min(1.0, affordable / last.pixels)
    if scale >= 1.0 or len(ladder) == 1:
        return tuple(ladder)
    fitted = [ladder[0]]
    for fidelity in ladder[1:]:
        steps = max(1, math.floor(fidelity.steps * scale))
        floor = math.ceil(
            fitted[-1].pixels / (fidelity.crop[0] * fidelity.crop[1] * fidelity.batch_size)
        )
        fitted.append(dataclasses.replace(fidelity, steps=max(steps, floor)))
    return tuple(fitted)
