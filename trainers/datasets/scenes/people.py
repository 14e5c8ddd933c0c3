"""People standing and riders on bicycles or motorcycles: one body, one set of clothes."""

from __future__ import annotations

import numpy as np

from trainers.datasets.scenes.canvas import ellipse, line, ring
from trainers.datasets.scenes.labels import BICYCLE, MOTORCYCLE, PERSON, RIDER
from trainers.datasets.scenes.vehicles import paint

CLOTHES = np.array(
    [[40, 40, 60], [150, 40, 40], [60, 90, 140], [200, 190, 150], [90, 60, 40]], np.float32
)


def _body(canvas, metre, ground_y, x, height, color, skin, label):
    """A person's body from the hips up (legs when standing), and head."""
    ellipse(
        canvas,
        ground_y - 0.45 * height,
        x,
        0.45 * height,
        0.3 * metre,
        label,
        color,
        coarse=0.05,
        fine=0.05,
    )
    ellipse(canvas, ground_y - 0.92 * height, x, 0.1 * height, 0.13 * metre, label, skin)


def person(canvas, street, materials, ground_y, x):
    rng = canvas.rng
    metre = street.metres(ground_y)
    height = 1.75 * metre * rng.uniform(0.9, 1.1)
    _body(
        canvas,
        metre,
        ground_y,
        x,
        height,
        CLOTHES[rng.integers(len(CLOTHES))] * rng.uniform(0.8, 1.1),
        np.asarray([200, 160, 130]) * rng.uniform(0.5, 1.1),
        PERSON,
    )


def rider(canvas, street, materials, ground_y, x, bicycle):
    """A rider: the body of a person (same clothes), seated on a bicycle (thin frame, two thin
    wheels) or a motorcycle (solid body, thick wheels) drawn side-on."""
    rng = canvas.rng
    metre = street.metres(ground_y)
    radius = (0.34 if bicycle else 0.32) * metre
    label = BICYCLE if bicycle else MOTORCYCLE
    color = np.asarray((40, 40, 45) if bicycle else paint(rng))
    direction = rng.choice([-1, 1])
    rear, front = x - direction * 0.55 * metre, x + direction * 0.55 * metre
    axle = ground_y - radius
    for wheel in (rear, front):
        ring(canvas, axle, wheel, radius, (0.05 if bicycle else 0.12) * metre, label, (30, 30, 30))
    seat = ground_y - 0.9 * metre
    if bicycle:
        for (y0, x0), (y1, x1) in (
            ((axle, rear), (seat, x)),
            ((seat, x), (axle, front)),
            ((axle, rear), (axle, x)),
            ((axle, x), (seat, x)),
        ):
            line(canvas, y0, x0, y1, x1, 0.05 * metre, label, color)
    else:
        ellipse(canvas, (axle + seat) / 2, x, 0.3 * metre, 0.55 * metre, label, color)
    height = 1.75 * metre * rng.uniform(0.9, 1.1)
    _body(
        canvas,
        metre,
        seat + 0.35 * height,
        x,
        height * 0.95,
        CLOTHES[rng.integers(len(CLOTHES))] * rng.uniform(0.8, 1.1),
        np.asarray([200, 160, 130]) * rng.uniform(0.5, 1.1),
        RIDER,
    )
