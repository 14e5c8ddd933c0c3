"""One scene, drawn back to front: the backdrop, then the objects from the horizon down, then
the light."""

from __future__ import annotations

import numpy as np

from trainers.datasets.scenes.backdrop import facade, ground, open_side, sky, skyline
from trainers.datasets.scenes.canvas import Canvas
from trainers.datasets.scenes.furniture import pole, tree
from trainers.datasets.scenes.people import person, rider
from trainers.datasets.scenes.street import Materials, Street
from trainers.datasets.scenes.vehicles import bus, car, truck

SCENE_VERSION = 2  # bumped whenever the rendering changes (benchmark caches key on it)


def render_scene(rng: np.random.Generator, size: tuple[int, int]):
    """One street scene: (image uint8 [H, W, 3], labels uint8 [H, W])."""
    canvas = Canvas(rng, size)
    street = Street(rng, *size)
    materials = Materials(rng)
    sky(canvas, street)
    skyline(canvas, street, materials)
    ground(canvas, street, materials)
    for side in (-1, 1):
        if street.walls[side]:
            facade(canvas, street, side, materials)
        else:
            open_side(canvas, street, side, materials)
    for ground_y, draw, args in sorted(_objects(rng, street), key=lambda item: item[0]):
        draw(canvas, street, materials, ground_y, *args)
    return _light(canvas, street), canvas.labels


def _objects(rng, street):
    """(ground row, draw function, arguments) of the vehicles, people, riders, poles and trees."""
    below = street.height - street.horizon

    def ground_row(low, high):
        return street.horizon + below * rng.uniform(low, high) ** 1.5

    objects = []
    for _ in range(rng.integers(1, 6)):
        ground_y = ground_row(0.15, 1.1)
        lane = rng.uniform(-0.6, 0.6)
        slope = street.road[int(np.sign(lane)) or 1]
        x = street.vanish_x + lane * slope * (ground_y - street.horizon)
        kind = (car, car, car, truck, bus)[rng.integers(5)]
        objects.append((ground_y, kind, (x,)))
    for _ in range(rng.integers(2, 9)):
        side, ground_y = rng.choice([-1, 1]), ground_row(0.3, 1.1)
        x = street.lateral(side, ground_y, rng.uniform(0.2, 0.9))
        objects.append((ground_y, person, (x,)))
    for _ in range(rng.integers(1, 5)):
        side, ground_y = rng.choice([-1, 1]), ground_row(0.25, 1.1)
        x = street.lateral(side, ground_y, rng.uniform(-0.3, -0.1))  # on the road by the kerb
        objects.append((ground_y, rider, (x, rng.random() < 0.6)))
    for side in (-1, 1):
        for _ in range(rng.integers(1, 5)):
            ground_y = ground_row(0.1, 1.05)
            x = street.lateral(side, ground_y, 0.12)
            objects.append((ground_y, pole, (x, rng.integers(3))))
        for _ in range(rng.integers(0, 3)):
            ground_y = ground_row(0.1, 0.9)
            where = rng.uniform(1.5, 2.5) if not street.walls[side] else 0.85
            objects.append((ground_y, tree, (street.lateral(side, ground_y, where),)))
    return objects


def _light(canvas, street):
    rng = canvas.rng
    gain = rng.uniform(0.7, 1.25) * rng.uniform(0.95, 1.05, 3)
    gradient = 1 + rng.uniform(-0.25, 0.25) * (canvas.x / street.width - 0.5)
    image = canvas.image * gradient[..., None] * gain.astype(np.float32)
    image += rng.normal(0, rng.uniform(2, 7), image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)
