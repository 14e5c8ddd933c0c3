"""Cars, trucks and buses seen from behind, in one set of paints."""

from __future__ import annotations

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


def car(canvas, street, materials, ground_y, x):
    """A car seen from behind: body, cabin with its rear window, wheels."""
    rng = canvas.rng
    metre = street.metres(ground_y)
    width = 1.8 * metre * rng.uniform(0.95, 1.1)
    color = paint(rng)
    _shadow(canvas, ground_y, x, metre, width)
    _wheels(canvas, ground_y, x, metre, 0.33 * width, CAR)
    rectangle(
        canvas,
        ground_y - 1.0 * metre,
        ground_y - 0.3 * metre,
        x - width / 2,
        x + width / 2,
        CAR,
        color,
        coarse=0.03,
        fine=0.03,
    )
    rectangle(
        canvas,
        ground_y - 1.5 * metre,
        ground_y - 0.95 * metre,
        x - 0.4 * width,
        x + 0.4 * width,
        CAR,
        color * 0.9,
        coarse=0.03,
        fine=0.03,
    )
    rectangle(
        canvas,
        ground_y - 1.42 * metre,
        ground_y - 1.02 * metre,
        x - 0.34 * width,
        x + 0.34 * width,
        CAR,
        (40, 50, 60),
        coarse=0.05,
        fine=0.05,
    )


def _large_vehicle(canvas, street, ground_y, x, label, width_m, heights_m, wheel_size_m):
    """The shadow and wheels of a truck or bus seen from behind; returns (pixels per metre,
    width, top row)."""
    metre = street.metres(ground_y)
    width = width_m * metre
    top = ground_y - canvas.rng.uniform(*heights_m) * metre
    _shadow(canvas, ground_y, x, metre, width)
    _wheels(canvas, ground_y, x, metre, 0.36 * width, label, *wheel_size_m)
    return metre, width, top


def truck(canvas, street, materials, ground_y, x):
    """A truck seen from behind: a tall closed box in the same paints as cars, door seams,
    a dark bumper and wheels."""
    metre, width, top = _large_vehicle(
        canvas, street, ground_y, x, TRUCK, 2.5, (3.2, 3.9), (0.9, 0.4)
    )
    rectangle(
        canvas,
        top,
        ground_y - 0.9 * metre,
        x - width / 2,
        x + width / 2,
        TRUCK,
        paint(canvas.rng),
        coarse=0.03,
        fine=0.03,
    )
    rectangle(
        canvas,
        ground_y - 1.0 * metre,
        ground_y - 0.75 * metre,
        x - width / 2,
        x + width / 2,
        TRUCK,
        (35, 35, 35),
    )
    for seam in (-0.01, 0.01):
        rectangle(
            canvas,
            top + 0.1 * metre,
            ground_y - 1.0 * metre,
            x + seam * width,
            x + seam * width,
            TRUCK,
            (50, 50, 50),
        )


def bus(canvas, street, materials, ground_y, x):
    """A bus seen from behind: the same paints, a large dark rear window high up and a lit
    destination band."""
    metre, width, top = _large_vehicle(
        canvas, street, ground_y, x, BUS, 2.55, (3.0, 3.3), (0.8, 0.35)
    )
    rectangle(
        canvas,
        top,
        ground_y - 0.35 * metre,
        x - width / 2,
        x + width / 2,
        BUS,
        paint(canvas.rng),
        coarse=0.03,
        fine=0.03,
    )
    rectangle(
        canvas,
        top + 0.35 * metre,
        ground_y - 1.9 * metre,
        x - 0.42 * width,
        x + 0.42 * width,
        BUS,
        (40, 50, 60),
        coarse=0.05,
        fine=0.05,
    )
    rectangle(
        canvas,
        top + 0.08 * metre,
        top + 0.28 * metre,
        x - 0.3 * width,
        x + 0.3 * width,
        BUS,
        (230, 170, 40),
    )
