"""Poles carrying signs or traffic lights, and trees."""

from __future__ import annotations

import numpy as np

from trainers.datasets.scenes.canvas import ellipse, rectangle
from trainers.datasets.scenes.labels import LIGHT, POLE, SIGN, VEGETATION


def pole(canvas, street, materials, ground_y, x, carries):
    """A pole (0.1-0.2 m) at the kerb carrying nothing, a traffic sign or a traffic light."""
    rng = canvas.rng
    metre = street.metres(ground_y)
    width, height = rng.uniform(0.1, 0.2) * metre, rng.uniform(5, 8) * metre
    rectangle(
        canvas,
        ground_y - height,
        ground_y,
        x - width / 2,
        x + width / 2,
        POLE,
        np.full(3, rng.uniform(90, 170)),
        coarse=0.02,
        fine=0.03,
    )
    if carries == 1:
        _sign(canvas, metre, ground_y, x)
    elif carries == 2:
        _traffic_light(canvas, metre, ground_y, x)


def _sign(canvas, metre, ground_y, x):
    rng = canvas.rng
    center_y, radius = ground_y - rng.uniform(2.3, 3.5) * metre, rng.uniform(0.45, 0.7) * metre
    color = ((200, 30, 30), (30, 70, 180), (230, 200, 40), (235, 235, 235))[rng.integers(4)]
    shape = rng.integers(3)
    if shape == 0:
        ellipse(canvas, center_y, x, radius, radius, SIGN, color, fine=0.02)
    elif shape == 1:
        rectangle(
            canvas,
            center_y - radius,
            center_y + radius,
            x - radius,
            x + radius,
            SIGN,
            color,
            fine=0.02,
        )
    else:
        box = canvas.box(center_y - radius, center_y + radius, x - radius, x + radius)
        if box:
            ys, xs = canvas.grid(box)
            triangle = (ys <= center_y + radius) & (np.abs(xs - x) <= (ys - center_y + radius) / 2)
            canvas.fill(triangle, SIGN, color, box=box, fine=0.02)


def _traffic_light(canvas, metre, ground_y, x):
    """A dark housing 0.3 x 0.9 m with three lamps, one lit."""
    rng = canvas.rng
    top = ground_y - rng.uniform(3.2, 4.2) * metre
    rectangle(
        canvas, top, top + 0.9 * metre, x - 0.15 * metre, x + 0.15 * metre, LIGHT, (30, 32, 30)
    )
    lit = rng.integers(3)
    for index, color in enumerate(((230, 40, 30), (240, 180, 30), (40, 220, 90))):
        ellipse(
            canvas,
            top + (0.15 + 0.3 * index) * metre,
            x,
            0.1 * metre,
            0.1 * metre,
            LIGHT,
            np.asarray(color) * (1.0 if index == lit else 0.3),
        )


def tree(canvas, street, materials, ground_y, x):
    """A trunk and a ragged canopy in the terrain's green."""
    rng = canvas.rng
    metre = street.metres(ground_y)
    rectangle(
        canvas,
        ground_y - 2.8 * metre,
        ground_y,
        x - 0.15 * metre,
        x + 0.15 * metre,
        VEGETATION,
        (90, 65, 45),
    )
    radius = rng.uniform(1.4, 2.4) * metre
    ellipse(
        canvas,
        ground_y - 2.8 * metre - radius * 0.6,
        x,
        radius,
        radius * rng.uniform(0.8, 1.1),
        VEGETATION,
        materials.green * rng.uniform(0.85, 1.15),
        ragged=0.35,
        coarse=0.15,
        fine=0.1,
    )
