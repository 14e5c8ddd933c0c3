"""The proxy: the first rung's training, by name, relative to the data's frames.

`crops` trains small crops of the stored frames (the synthetic scenes' measured best);
`frames` trains whole frames downscaled with their aspect ratio kept, so that any data whose
frames share one size (CamVid's 360x480, a user's own `folder:`) gets a proxy of its own shape.
`auto`, the default, takes `frames` for such data and `crops` otherwise. Both were chosen by
`benchmarks/proxy_fidelity.py` (synthetic, and `--data camvid:PATH`, where `frames` is the
quarter-frames candidate, the best of four); `benchmarks/proxy_fidelity.md` says how well each
ranks networks like the reference and which targets `frames` misses.
"""

from __future__ import annotations

import dataclasses

from mobile_seg_nas import UserInputError
from nas.search.fidelity import Fidelity
from trainers.datasets.base import scaled_size


@dataclasses.dataclass(frozen=True)
class Proxy:
    """A proxy training: its crop (None: the whole downscaled frame), frame scale, steps,
    batch size and learning rate."""

    crop: tuple | None
    frame_scale: float
    steps: int
    batch_size: int
    learning_rate: float
    description: str

    def fidelity(self, frame_size: tuple | None = None, **changes) -> Fidelity:
        """The proxy as a Fidelity for frames of `frame_size` (HxW as stored), with `changes`
        (crop, steps, batch_size, learning_rate, frame_scale) replacing its own values."""
        values = {
            "crop": self.crop,
            "steps": self.steps,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "frame_scale": self.frame_scale,
        }
        values.update({name: value for name, value in changes.items() if value is not None})
        if values["crop"] is None:
            if frame_size is None:
                raise UserInputError(
                    "the frames proxy needs data whose frames share one size; "
                    "give --input-size or --proxy crops"
                )
            values["crop"] = scaled_size(frame_size, values["frame_scale"])
        return Fidelity(**values)


PROXIES = {
    "crops": Proxy(
        (64, 64),
        1.0,
        200,
        16,
        1e-3,
        "64x64 crops of the stored frames, 200 steps, batch 16, lr 1e-3",
    ),
    "frames": Proxy(
        None, 0.25, 250, 16, 4e-3, "whole frames at 1/4 of their size, 250 steps, batch 16, lr 4e-3"
    ),
}


def proxy_for(name: str, dataset) -> tuple[str, str]:
    """The proxy `name` resolves to on `dataset` (`auto`: `frames` when its validation frames
    share one stored size, else `crops`) and why, in words for the log."""
    frame_size = dataset.stored_size("val")
    if name != "auto":
        return name, "--proxy " + name
    if frame_size is None:
        return "crops", "the data's frames have no one stored size"
    return "frames", f"the data's frames share one size, {frame_size[0]}x{frame_size[1]}"
