"""Cars, trucks and buses seen from behind, in one set of paints."""

from __future__ import annotations

import dataclasses

import numpy as np

from trainers.datasets.scenes.canvas import rectangle
from trainers.datasets.scenes.labels import BUS, CAR, ROAD, TRUCK

PAINTS = np.array(
    [
        [230, 230, 225],
        [35, 35, 40],
        [170, 170, 175],
        [180, 30, 30],
        [30, 60, 150],
        [20, 90, 60],
        [200, 180, 60],
    ],
    np.float32,
)


def paint(rng):
    return PAINTS[rng.integers(len(PAINTS))] * rng.uniform(0.85, 1.1)


def _shadow(canvas, ground_y, x, metre, width):
    box = canvas.box(
        ground_y - 0.3 * metre, ground_y + 0.25 * metre, x - width * 0.6, x + width * 0.6
    )
    if box:
        y0, y1, x0, x1 = box
        canvas.shade(canvas.labels[y0:y1, x0:x1] == ROAD, 0.55, box=box)


def _wheels(canvas, ground_y, x, metre, half_track, label, height=0.65, width=0.3):
    for side in (-1, 1):
        rectangle(
            canvas,
            ground_y - height * metre,
            ground_y,
            x + side * half_track - width / 2 * metre,
            x + side * half_track + width / 2 * metre,
            label,
            (30, 30, 30),
        )


@dataclasses.dataclass(frozen=True)
class _Frame:
    """Where one vehicle stands: its canvas, ground row, centre column, pixels per metre and
    width in pixels."""

    canvas: object
    ground_y: float
    x: float
    metre: float
    width: float

    def up(self, metres: float) -> float:
        """The row `metres` above the ground."""
        return self.ground_y - metres * self.metre

    def box(self, top, bottom, share, label, color, texture=None, offset=0.0):
        """A box from row `top` to `bottom`, `share` of the width each side of the centre
        (moved by `offset` of the width), textured (coarse and fine noise) by `texture`."""
        noise = {} if texture is None else {"coarse": texture, "fine": texture}
        x = self.x + offset * self.width if offset else self.x
        left, right = x - share * self.width, x + share * self.width
        rectangle(self.canvas, top, bottom, left, right, label, color, **noise)


def car(canvas, street, materials, ground_y, x):
    """A car seen from behind: body, cabin with its rear window, wheels."""
    rng = canvas.rng
    metre = street.metres(ground_y)
    width = 1.8 * metre * rng.uniform(0.95, 1.1)
    color = paint(rng)
    _shadow(canvas, ground_y, x, metre, width)
    _wheels(canvas, ground_y, x, metre, 0.33 * width, CAR)
    frame = _Frame(canvas, ground_y, x, metre, width)
    frame.box(frame.up(1.0), frame.up(0.3), 0.5, CAR, color, 0.03)
    frame.box(frame.up(1.5), frame.up(0.95), 0.4, CAR, color * 0.9, 0.03)
    frame.box(frame.up(1.42), frame.up(1.02), 0.34, CAR, (40, 50, 60), 0.05)


def _large_vehicle(
    canvas, street, ground_y, x, label, width_m, heights_m, wheel_size_m, clearance_m
):
    """The shadow, wheels and painted box (its bottom `clearance_m` above the ground) of a
    truck or bus seen from behind; returns (its `_Frame`, top row)."""
    metre = street.metres(ground_y)
    width = width_m * metre
    top = ground_y - canvas.rng.uniform(*heights_m) * metre
    _shadow(canvas, ground_y, x, metre, width)
    _wheels(canvas, ground_y, x, metre, 0.36 * width, label, *wheel_size_m)
    frame = _Frame(canvas, ground_y, x, metre, width)
    frame.box(top, frame.up(clearance_m), 0.5, label, paint(canvas.rng), 0.03)
    return frame, top


def truck(canvas, street, materials, ground_y, x):
    """A truck seen from behind: a tall closed box in the same paints as cars, door seams,
    a dark bumper and wheels."""
    frame, top = _large_vehicle(
        canvas, street, ground_y, x, TRUCK, 2.5, (3.2, 3.9), (0.9, 0.4), 0.9
    )
    frame.box(frame.up(1.0), frame.up(0.75), 0.5, TRUCK, (35, 35, 35))
    for seam in (-0.01, 0.01):
        frame.box(top + 0.1 * frame.metre, frame.up(1.0), 0.0, TRUCK, (50, 50, 50), offset=seam)


def bus(canvas, street, materials, ground_y, x):
    """A bus seen from behind: the same paints, a large dark rear window high up and a lit
    destination band."""
    frame, top = _large_vehicle(
        canvas, street, ground_y, x, BUS, 2.55, (3.0, 3.3), (0.8, 0.35), 0.35
    )
    metre = frame.metre
    frame.box(top + 0.35 * metre, frame.up(1.9), 0.42, BUS, (40, 50, 60), 0.05)
    frame.box(top + 0.08 * metre, top + 0.28 * metre, 0.3, BUS, (230, 170, 40))
