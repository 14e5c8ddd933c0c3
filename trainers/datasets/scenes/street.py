"""A scene's street: its random perspective geometry, where structures stand along it, and
its shared materials."""

from __future__ import annotations

import numpy as np

ROAD_METRES = 7.0
FACADES = np.array(
    [[150, 150, 150], [170, 150, 110], [150, 85, 60], [210, 200, 170], [110, 110, 125]], np.float32
)


class Street:
    """Random geometry: horizon, vanishing point, road and sidewalk slopes (pixel units)."""

    def __init__(self, rng, height, width):
        self.height, self.width = height, width
        self.horizon = height * rng.uniform(0.3, 0.5)
        self.vanish_x = width * rng.uniform(0.3, 0.7)
        aspect = width / height
        self.road = {side: rng.uniform(0.9, 1.6) * aspect for side in (-1, 1)}
        self.kerb = {side: self.road[side] * rng.uniform(1.3, 1.7) for side in (-1, 1)}
        self.walls = {side: rng.random() < 0.5 for side in (-1, 1)}
        self.shaded_side = rng.choice([-1, 1])

    def metres(self, ground_y):
        """Pixels per metre at image row `ground_y` (from the road width there)."""
        return (self.road[-1] + self.road[1]) * max(ground_y - self.horizon, 0.5) / ROAD_METRES

    def lateral(self, side, ground_y, where):
        """Image column at `ground_y` of a line along the street: `where` 0 is the road's edge on
        `side`, 1 the sidewalk's outer edge, beyond 1 the open ground."""
        slope = self.road[side] + where * (self.kerb[side] - self.road[side])
        return self.vanish_x + side * slope * (ground_y - self.horizon)


class Footing:
    """Where a structure stands along the street on line `where` (see `Street.lateral`),
    between fractions `start`..`end` of the ground below the horizon: per pixel, the depth
    below the horizon of the structure's foot in its column (`foot`), pixels per metre there
    (`metre`), and the columns it stands in, up to its foot (`span`)."""

    def __init__(self, canvas, street, side, where, start, end):
        self.depth = canvas.y - street.horizon
        slope = street.road[side] + where * (street.kerb[side] - street.road[side])
        reach = side * (canvas.x - street.vanish_x)
        self.foot = reach / slope
        self.below = street.height - street.horizon
        self.road_slopes = street.road[-1] + street.road[1]
        self.metre = self.road_slopes * np.maximum(self.foot, 1e-3) / ROAD_METRES
        self.span = (
            (reach > 0)
            & (self.depth < self.foot)
            & (self.foot > start * self.below)
            & (self.foot < end * self.below)
        )

    def under(self, height_m):
        """Pixels lower than `height_m` above the foot."""
        return self.depth > self.foot - height_m * self.metre


class Materials:
    """The scene's shared materials: one per pair of classes that only context separates."""

    def __init__(self, rng):
        tone = rng.uniform(65, 120)
        self.asphalt = np.array([tone, tone, tone * 1.04])  # road and sidewalk
        self.green = np.array([70, 120, 45]) * rng.uniform(0.75, 1.25) * rng.uniform(0.9, 1.1, 3)
        self.facades = {
            side: FACADES[rng.integers(len(FACADES))] * rng.uniform(0.75, 1.15) for side in (-1, 1)
        }  # buildings and walls of each side
        self.skyline = FACADES[rng.integers(len(FACADES))] * rng.uniform(0.75, 1.15)
