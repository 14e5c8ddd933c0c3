"""What stands behind the objects: sky, skyline, road and sidewalks, facades and low walls, and
the open side's grass, hedges and fences."""

from __future__ import annotations

import numpy as np

from trainers.datasets.scenes.labels import (
    BUILDING,
    FENCE,
    ROAD,
    SIDEWALK,
    SKY,
    TERRAIN,
    VEGETATION,
    WALL,
)
from trainers.datasets.scenes.street import ROAD_METRES, Footing


def sky(canvas, street):
    rng = canvas.rng
    top = np.array([70, 120, 200]) if rng.random() < 0.85 else np.array([150, 155, 165])
    bottom = np.array([190, 210, 235]) if top[0] < 100 else np.array([200, 200, 205])
    t = np.clip(canvas.y / max(street.horizon, 1), 0, 1)[..., None]
    canvas.fill(np.ones(canvas.labels.shape, bool), SKY, (1, 1, 1), coarse=0.03, fine=0.01)
    canvas.image *= (top * (1 - t) + bottom * t).astype(np.float32)


def _windows(canvas, region, along, up, darkness, box=None):
    """Darkens a window grid inside `region` (coordinates in window periods)."""
    canvas.shade(region & (along % 1 < 0.45) & (up % 1 < 0.5), darkness, box=box)


def skyline(canvas, street, materials):
    rng = canvas.rng
    x = 0.0
    while x < street.width:
        block_width = street.width * rng.uniform(0.06, 0.2)
        if rng.random() < 0.8:
            top = street.horizon * rng.uniform(0.35, 0.9)
            box = canvas.box(top, street.horizon + 1, x, x + block_width)
            if box:
                ys, xs = canvas.grid(box)
                color = materials.skyline * rng.uniform(0.85, 1.15)
                canvas.fill(np.ones(ys.shape, bool), BUILDING, color, coarse=0.05, box=box)
                period = max(street.horizon * 0.06, 2.0)
                _windows(
                    canvas,
                    ys > top + period * 0.5,
                    (xs - x) / period,
                    (ys - top) / period,
                    0.6,
                    box=box,
                )
        x += block_width


def ground(canvas, street, materials):
    """Road and sidewalks in one asphalt; a kerb stone line and lane marks are the only cues."""
    rng = canvas.rng
    y, x = canvas.y, canvas.x
    below = y > street.horizon
    depth = np.maximum(y - street.horizon, 1e-3)
    offset = x - street.vanish_x
    road = below & (offset > -street.road[-1] * depth) & (offset < street.road[1] * depth)
    sidewalk = (
        below & ~road & (offset > -street.kerb[-1] * depth) & (offset < street.kerb[1] * depth)
    )
    canvas.fill(road, ROAD, materials.asphalt, coarse=0.08, fine=0.08)
    canvas.fill(sidewalk, SIDEWALK, materials.asphalt, coarse=0.08, fine=0.08)
    metre = (street.road[-1] + street.road[1]) * depth / ROAD_METRES
    for side in (-1, 1):
        edge = side * street.road[side] * depth
        kerb = below & (np.abs(offset - edge - side * 0.1 * metre) < 0.1 * metre + 0.2)
        canvas.fill(kerb, SIDEWALK, materials.asphalt * 1.45, coarse=0.03, fine=0.05)
    centre = (street.road[1] - street.road[-1]) / 2 * depth
    lane = (
        road
        & (np.abs(offset - centre) < 0.07 * metre + 0.2)
        & ((street.height * 0.6 / depth) % 1 < 0.5)
    )
    canvas.image[lane] = rng.uniform(200, 240)


def facade(canvas, street, side, materials):
    """A building facade along the street, from the sidewalk's outer edge up to a converging
    roof, with windows; sometimes a low wall of the same material in front of it."""
    rng = canvas.rng
    reach = side * (canvas.x - street.vanish_x)  # distance from the vanishing point, > 0 here
    depth = canvas.y - street.horizon
    ratios = np.zeros(street.width, np.float32)  # roof height above horizon / ground below it
    column = 0
    while column < street.width:
        span = int(street.width * rng.uniform(0.1, 0.35)) + 1
        ratios[column : column + span] = rng.uniform(2, 7)
        column += span
    columns = np.clip(canvas.x.astype(int), 0, street.width - 1)
    ground_depth = reach / street.kerb[side]
    wall = (reach > 0) & (depth < ground_depth) & (-depth < ground_depth * ratios[columns])
    color = materials.facades[side]
    canvas.fill(wall, BUILDING, color, coarse=0.06, fine=0.04)
    along = np.log(np.maximum(reach, 1e-3)) * rng.uniform(5, 9)  # perspective spacing
    up = depth / np.maximum(ground_depth, 1e-3) * rng.uniform(0.6, 1.0)
    _windows(canvas, wall & (up < -0.3), along, up, rng.uniform(0.45, 0.7))
    if side == street.shaded_side:
        canvas.shade(wall, rng.uniform(0.65, 0.85))
    if rng.random() < 0.5:
        _low_wall(canvas, street, side, 1.0, color * canvas.rng.uniform(0.92, 1.08))


def _low_wall(canvas, street, side, where, color, start=0.0, end=1.0):
    """A windowless wall 0.8-2 m high along the street (see `Footing`)."""
    height_m = canvas.rng.uniform(0.8, 2.0)
    footing = Footing(canvas, street, side, where, start, end)
    region = footing.span & footing.under(height_m)
    canvas.fill(region, WALL, color, coarse=0.06, fine=0.04)
    canvas.shade(region & ~footing.under(height_m - 0.12), 1.2)  # the lit coping


def open_side(canvas, street, side, materials):
    """Grass beyond the sidewalk, a tree line on the horizon, and along the sidewalk's outer
    edge stretches of hedge, low wall or fence."""
    rng = canvas.rng
    reach = side * (canvas.x - street.vanish_x)
    depth = canvas.y - street.horizon
    terrain = (depth > 0) & (reach > street.kerb[side] * depth)
    canvas.fill(terrain, TERRAIN, materials.green, coarse=0.15, fine=0.1)
    if rng.random() < 0.7:
        crown = street.height * rng.uniform(0.03, 0.12) * (1 + 0.6 * canvas.coarse)
        treeline = (
            (reach > street.width * 0.03)
            & (depth > -crown)
            & (depth < 0.3 * reach / street.kerb[side])
        )
        canvas.fill(
            treeline, VEGETATION, materials.green * rng.uniform(0.8, 1.0), coarse=0.15, fine=0.1
        )
    start = 0.0
    while start < 1.0:
        end = start + rng.uniform(0.15, 0.5)
        kind = rng.integers(5)
        where = rng.uniform(1.05, 1.4)
        if kind == 0:
            _hedge(canvas, street, side, where, materials.green, start, end)
        elif kind == 1:
            _low_wall(canvas, street, side, where, materials.facades[side], start, end)
        elif kind >= 2:
            _fence(canvas, street, side, where, start, end)
        start = end


def _hedge(canvas, street, side, where, green, start, end):
    """A hedge of the terrain's green, 0.8-1.6 m high: only its shaded foot and its lit top
    edge tell it from the grass behind."""
    height_m = canvas.rng.uniform(0.8, 1.6)
    footing = Footing(canvas, street, side, where, start, end)
    top = footing.foot - height_m * footing.metre * (1 + 0.15 * canvas.coarse)
    region = footing.span & (footing.depth > top)
    canvas.fill(region, VEGETATION, green, coarse=0.15, fine=0.1)
    canvas.shade(region & footing.under(0.15), 0.7)
    canvas.shade(region & (footing.depth < top + 0.1 * footing.metre + 0.5), 1.15)


def _fence(canvas, street, side, where, start, end):
    """A fence of thin slats and two rails, 1-1.8 m high; grass shows between the slats."""
    rng = canvas.rng
    height_m = rng.uniform(1.0, 1.8)
    color = np.full(3, rng.uniform(70, 160)) * rng.uniform(0.9, 1.1, 3)
    footing = Footing(canvas, street, side, where, start, end)
    depth, foot, metre = footing.depth, footing.foot, footing.metre
    # slats every third of a metre along the fence line: in perspective, distance along the
    # street is proportional to 1 / foot
    along = ROAD_METRES * footing.below / np.maximum(foot, 1e-3) / footing.road_slopes
    slat = (along * 3) % 1 < 0.35
    rail = (np.abs(depth - (foot - 0.2 * metre)) < 0.05 * metre + 0.3) | (
        np.abs(depth - (foot - (height_m - 0.1) * metre)) < 0.05 * metre + 0.3
    )
    canvas.fill(
        footing.span & footing.under(height_m) & (slat | rail), FENCE, color, coarse=0.03, fine=0.05
    )
