"""`synthetic`: procedurally generated street scenes, the embedded default dataset.

Each scene is a one-point-perspective street rendered with numpy at any resolution. The scenes
are built so that the decisions of the architecture search matter on them as they do on
Cityscapes, from four principles:

- **Classes that only context tells apart.** Pairs of classes share one material (colour,
  texture, noise): road and sidewalk (one asphalt; only the thin kerb line and the street's
  layout separate them), building and wall (one facade material; walls are low, without
  windows), terrain and vegetation (one green; trees stand on trunks, hedges stand up from the
  ground), person and rider (one body; a rider sits on a bicycle or motorcycle on the road),
  car, truck and bus (one paint; they differ in size and in what their rear shows: a car's
  cabin, a truck's closed box, a bus's high rear window). A pixel inside such a region is
  labelled by what lies metres away, so receptive field and multi-scale context (the DPC cell
  and its rates) decide these classes.
- **Objects at many scales.** Sizes are in metres at their ground row, so the same object
  spans one pixel far away and a quarter of the image near the camera.
- **Thin structures.** Poles (0.1-0.2 m), fence slats, bicycle frames and traffic lights are
  one pixel or less wide at a distance: output stride and the decoder decide them.
- **Large context.** The street's layout (where the kerbs run, which side is open) spans the
  whole image.

Earlier versions gave every class its own colour and texture, so a small receptive field
labelled almost every pixel and the DPC cell changed nothing; this version keeps the street
and its classes but shares materials across the pairs above and adds walls, fences, traffic
lights, riders, bicycles, motorcycles, trucks and buses.

Labels use Cityscapes' 19 train ids so that every preset (19 classes) trains on it unchanged
and a synthetic model can be fine-tuned on Cityscapes; 18 of them occur (all but train).
Scenes are deterministic in (seed, split, index, size); `train` and `val` use disjoint seeds.
Rendered examples are cached in memory per (seed, split, size), up to `CACHE_BYTES`.
"""

from __future__ import annotations

import threading

import numpy as np
from PIL import Image

from trainers.datasets.base import SegmentationDataset
from trainers.datasets.cityscapes import cityscapes_labels

(ROAD, SIDEWALK, BUILDING, WALL, FENCE, POLE, LIGHT, SIGN, VEGETATION, TERRAIN, SKY, PERSON,
 RIDER, CAR, TRUCK, BUS, TRAIN, MOTORCYCLE, BICYCLE) = range(19)
SCENE_VERSION = 2  # bumped whenever the rendering changes (benchmark caches key on it)
SPLIT_SEEDS = {"train": 1, "val": 2, "test": 3}
ROAD_METRES = 7.0
CACHE_BYTES = 1 << 30
PAINTS = np.array([[230, 230, 225], [35, 35, 40], [170, 170, 175], [180, 30, 30], [30, 60, 150],
                   [20, 90, 60], [200, 180, 60]], np.float32)
CLOTHES = np.array([[40, 40, 60], [150, 40, 40], [60, 90, 140], [200, 190, 150], [90, 60, 40]],
                   np.float32)
FACADES = np.array([[150, 150, 150], [170, 150, 110], [150, 85, 60], [210, 200, 170],
                    [110, 110, 125]], np.float32)


class SyntheticDataset(SegmentationDataset):
    """Street scenes rendered on demand at the requested size (default 256x256)."""

    splits = ("train", "val", "test")

    def __init__(self, seed: int = 0, train_size: int = 1000, val_size: int = 100,
                 default_size: tuple[int, int] = (256, 256)):
        self.seed = seed
        self.sizes = {"train": train_size, "val": val_size, "test": val_size}
        self.default_size = tuple(default_size)
        self.spec = "synthetic" if seed == 0 else f"synthetic:{seed}"
        _, self.class_names, self.class_colors, _, _ = cityscapes_labels()

    def split_size(self, split):
        self.check_split(split)
        return self.sizes[split]

    def load(self, split, index, size=None):
        size = tuple(size or self.default_size)
        key = (self.seed, split, index, size)
        cached = _CACHE.get(key)
        if cached is None:
            rng = np.random.default_rng([self.seed, SPLIT_SEEDS[split], index])
            cached = render_scene(rng, size)
            _CACHE.put(key, cached)
        return cached


class _ByteCache:
    """A thread-safe dict that stops growing at `limit` bytes."""

    def __init__(self, limit: int):
        self.limit, self.used, self.items = limit, 0, {}
        self.lock = threading.Lock()

    def get(self, key):
        return self.items.get(key)

    def put(self, key, value):
        size = sum(array.nbytes for array in value)
        with self.lock:
            if key not in self.items and self.used + size <= self.limit:
                self.items[key] = value
                self.used += size


_CACHE = _ByteCache(CACHE_BYTES)


class _Canvas:
    """Image (float RGB), labels and pixel grids of one scene."""

    def __init__(self, rng: np.random.Generator, size: tuple[int, int]):
        self.rng = rng
        self.height, self.width = size
        self.image = np.zeros((*size, 3), np.float32)
        self.labels = np.zeros(size, np.uint8)
        self.y, self.x = np.mgrid[0:self.height, 0:self.width].astype(np.float32) + 0.5
        self.coarse = _smooth_noise(rng, size, cells=8)
        self.fine = rng.standard_normal(size).astype(np.float32)

    def fill(self, region, label, color, coarse=0.08, fine=0.04, box=None):
        """Paints `region` (bool, over `box` = (y0, y1, x0, x1) or the whole image)."""
        y0, y1, x0, x1 = box or (0, self.height, 0, self.width)
        texture = 1 + coarse * self.coarse[y0:y1, x0:x1] + fine * self.fine[y0:y1, x0:x1]
        self.labels[y0:y1, x0:x1][region] = label
        self.image[y0:y1, x0:x1][region] = (texture[..., None] * np.asarray(color, np.float32))[region]

    def shade(self, region, factor, box=None):
        y0, y1, x0, x1 = box or (0, self.height, 0, self.width)
        self.image[y0:y1, x0:x1][region] *= factor

    def box(self, top, bottom, left, right):
        """Integer pixel box clipped to the image, or None when empty."""
        y0, y1 = max(int(np.floor(top)), 0), min(int(np.ceil(bottom)) + 1, self.height)
        x0, x1 = max(int(np.floor(left)), 0), min(int(np.ceil(right)) + 1, self.width)
        return (y0, y1, x0, x1) if y0 < y1 and x0 < x1 else None

    def grid(self, box):
        y0, y1, x0, x1 = box
        return self.y[y0:y1, x0:x1], self.x[y0:y1, x0:x1]


def _smooth_noise(rng, size, cells):
    height, width = size
    small = rng.standard_normal((height // cells + 2, width // cells + 2)).astype(np.float32)
    return np.asarray(Image.fromarray(small).resize((width, height), Image.BILINEAR))


class _Materials:
    """The scene's shared materials: one per pair of classes that only context separates."""

    def __init__(self, rng):
        tone = rng.uniform(65, 120)
        self.asphalt = np.array([tone, tone, tone * 1.04])  # road and sidewalk
        self.green = np.array([70, 120, 45]) * rng.uniform(0.75, 1.25) * rng.uniform(0.9, 1.1, 3)
        self.facades = {side: FACADES[rng.integers(len(FACADES))] * rng.uniform(0.75, 1.15)
                        for side in (-1, 1)}  # buildings and walls of each side
        self.skyline = FACADES[rng.integers(len(FACADES))] * rng.uniform(0.75, 1.15)


def render_scene(rng: np.random.Generator, size: tuple[int, int]):
    """One street scene: (image uint8 [H, W, 3], labels uint8 [H, W])."""
    canvas = _Canvas(rng, size)
    street = _Street(rng, *size)
    materials = _Materials(rng)
    _sky(canvas, street)
    _skyline(canvas, street, materials)
    _ground(canvas, street, materials)
    for side in (-1, 1):
        if street.walls[side]:
            _facade(canvas, street, side, materials)
        else:
            _open_side(canvas, street, side, materials)
    for ground_y, draw, args in sorted(_objects(rng, street), key=lambda item: item[0]):
        draw(canvas, street, materials, ground_y, *args)
    return _light(canvas, street), canvas.labels


class _Street:
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


def _sky(canvas, street):
    rng = canvas.rng
    top = np.array([70, 120, 200]) if rng.random() < 0.85 else np.array([150, 155, 165])
    bottom = np.array([190, 210, 235]) if top[0] < 100 else np.array([200, 200, 205])
    t = np.clip(canvas.y / max(street.horizon, 1), 0, 1)[..., None]
    canvas.fill(np.ones(canvas.labels.shape, bool), SKY, (1, 1, 1), coarse=0.03, fine=0.01)
    canvas.image *= (top * (1 - t) + bottom * t).astype(np.float32)


def _windows(canvas, region, along, up, darkness, box=None):
    """Darkens a window grid inside `region` (coordinates in window periods)."""
    canvas.shade(region & (along % 1 < 0.45) & (up % 1 < 0.5), darkness, box=box)


def _skyline(canvas, street, materials):
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
                _windows(canvas, ys > top + period * 0.5, (xs - x) / period, (ys - top) / period,
                         0.6, box=box)
        x += block_width


def _ground(canvas, street, materials):
    """Road and sidewalks in one asphalt; a kerb stone line and lane marks are the only cues."""
    rng = canvas.rng
    y, x = canvas.y, canvas.x
    below = y > street.horizon
    depth = np.maximum(y - street.horizon, 1e-3)
    offset = x - street.vanish_x
    road = below & (offset > -street.road[-1] * depth) & (offset < street.road[1] * depth)
    sidewalk = below & ~road & (offset > -street.kerb[-1] * depth) & (offset < street.kerb[1] * depth)
    canvas.fill(road, ROAD, materials.asphalt, coarse=0.08, fine=0.08)
    canvas.fill(sidewalk, SIDEWALK, materials.asphalt, coarse=0.08, fine=0.08)
    metre = (street.road[-1] + street.road[1]) * depth / ROAD_METRES
    for side in (-1, 1):
        edge = side * street.road[side] * depth
        kerb = below & (np.abs(offset - edge - side * 0.1 * metre) < 0.1 * metre + 0.2)
        canvas.fill(kerb, SIDEWALK, materials.asphalt * 1.45, coarse=0.03, fine=0.05)
    centre = (street.road[1] - street.road[-1]) / 2 * depth
    lane = road & (np.abs(offset - centre) < 0.07 * metre + 0.2) \
        & ((street.height * 0.6 / depth) % 1 < 0.5)
    canvas.image[lane] = rng.uniform(200, 240)


def _facade(canvas, street, side, materials):
    """A building facade along the street, from the sidewalk's outer edge up to a converging
    roof, with windows; sometimes a low wall of the same material in front of it."""
    rng = canvas.rng
    reach = side * (canvas.x - street.vanish_x)  # distance from the vanishing point, > 0 here
    depth = canvas.y - street.horizon
    ratios = np.zeros(street.width, np.float32)  # roof height above horizon / ground below it
    column = 0
    while column < street.width:
        span = int(street.width * rng.uniform(0.1, 0.35)) + 1
        ratios[column:column + span] = rng.uniform(2, 7)
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


class _Footing:
    """Where a structure stands along the street on line `where` (see `_Street.lateral`),
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
        self.span = (reach > 0) & (self.depth < self.foot) \
            & (self.foot > start * self.below) & (self.foot < end * self.below)

    def under(self, height_m):
        """Pixels lower than `height_m` above the foot."""
        return self.depth > self.foot - height_m * self.metre


def _low_wall(canvas, street, side, where, color, start=0.0, end=1.0):
    """A windowless wall 0.8-2 m high along the street (see `_Footing`)."""
    height_m = canvas.rng.uniform(0.8, 2.0)
    footing = _Footing(canvas, street, side, where, start, end)
    region = footing.span & footing.under(height_m)
    canvas.fill(region, WALL, color, coarse=0.06, fine=0.04)
    canvas.shade(region & ~footing.under(height_m - 0.12), 1.2)  # the lit coping


def _open_side(canvas, street, side, materials):
    """Grass beyond the sidewalk, a tree line on the horizon, and along the sidewalk's outer
    edge stretches of hedge, low wall or fence."""
    rng = canvas.rng
    reach = side * (canvas.x - street.vanish_x)
    depth = canvas.y - street.horizon
    terrain = (depth > 0) & (reach > street.kerb[side] * depth)
    canvas.fill(terrain, TERRAIN, materials.green, coarse=0.15, fine=0.1)
    if rng.random() < 0.7:
        crown = street.height * rng.uniform(0.03, 0.12) * (1 + 0.6 * canvas.coarse)
        treeline = (reach > street.width * 0.03) & (depth > -crown) & (
            depth < 0.3 * reach / street.kerb[side])
        canvas.fill(treeline, VEGETATION, materials.green * rng.uniform(0.8, 1.0),
                    coarse=0.15, fine=0.1)
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
    footing = _Footing(canvas, street, side, where, start, end)
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
    footing = _Footing(canvas, street, side, where, start, end)
    depth, foot, metre = footing.depth, footing.foot, footing.metre
    # slats every third of a metre along the fence line: in perspective, distance along the
    # street is proportional to 1 / foot
    along = ROAD_METRES * footing.below / np.maximum(foot, 1e-3) / footing.road_slopes
    slat = (along * 3) % 1 < 0.35
    rail = (np.abs(depth - (foot - 0.2 * metre)) < 0.05 * metre + 0.3) | (
        np.abs(depth - (foot - (height_m - 0.1) * metre)) < 0.05 * metre + 0.3)
    canvas.fill(footing.span & footing.under(height_m) & (slat | rail), FENCE, color,
                coarse=0.03, fine=0.05)


def _objects(rng, street):
    """(ground row, draw function, arguments) of the vehicles, people, riders, poles and trees."""
    below = street.height - street.horizon

    def ground_row(low, high):
        return street.horizon + below * rng.uniform(low, high) ** 1.5

    objects = []
    for _ in range(rng.integers(1, 6)):
        ground_y = ground_row(0.15, 1.1)
        lane = rng.uniform(-0.6, 0.6)
        x = street.vanish_x + lane * street.road[int(np.sign(lane)) or 1] * (ground_y - street.horizon)
        kind = (_car, _car, _car, _truck, _bus)[rng.integers(5)]
        objects.append((ground_y, kind, (x,)))
    for _ in range(rng.integers(2, 9)):
        side, ground_y = rng.choice([-1, 1]), ground_row(0.3, 1.1)
        objects.append((ground_y, _person, (street.lateral(side, ground_y, rng.uniform(0.2, 0.9)),)))
    for _ in range(rng.integers(1, 5)):
        side, ground_y = rng.choice([-1, 1]), ground_row(0.25, 1.1)
        x = street.lateral(side, ground_y, rng.uniform(-0.3, -0.1))  # on the road by the kerb
        objects.append((ground_y, _rider, (x, rng.random() < 0.6)))
    for side in (-1, 1):
        for _ in range(rng.integers(1, 5)):
            ground_y = ground_row(0.1, 1.05)
            objects.append((ground_y, _pole, (street.lateral(side, ground_y, 0.12), rng.integers(3))))
        for _ in range(rng.integers(0, 3)):
            ground_y = ground_row(0.1, 0.9)
            where = rng.uniform(1.5, 2.5) if not street.walls[side] else 0.85
            objects.append((ground_y, _tree, (street.lateral(side, ground_y, where),)))
    return objects


def _ellipse(canvas, center_y, center_x, radius_y, radius_x, label, color, ragged=0.0, **texture):
    box = canvas.box(center_y - radius_y * 1.3, center_y + radius_y * 1.3,
                     center_x - radius_x * 1.3, center_x + radius_x * 1.3)
    if box:
        ys, xs = canvas.grid(box)
        y0, y1, x0, x1 = box
        distance = ((ys - center_y) / max(radius_y, 0.5)) ** 2 + ((xs - center_x) / max(radius_x, 0.5)) ** 2
        canvas.fill(distance < 1 + ragged * canvas.coarse[y0:y1, x0:x1], label, color, box=box, **texture)


def _ring(canvas, center_y, center_x, radius, thickness, label, color):
    box = canvas.box(center_y - radius - thickness, center_y + radius + thickness,
                     center_x - radius - thickness, center_x + radius + thickness)
    if box:
        ys, xs = canvas.grid(box)
        distance = np.hypot(ys - center_y, xs - center_x)
        canvas.fill(np.abs(distance - radius) < max(thickness / 2, 0.5), label, color, box=box,
                    coarse=0.02, fine=0.03)


def _rectangle(canvas, top, bottom, left, right, label, color, **texture):
    center = (left + right) / 2
    half = max((right - left) / 2, 0.5)  # at least the nearest pixel column
    box = canvas.box(top, bottom, center - half, center + half)
    if box:
        ys, xs = canvas.grid(box)
        region = (ys >= top) & (ys <= bottom) & (np.abs(xs - center) <= half)
        canvas.fill(region, label, color, box=box, **texture)


def _line(canvas, y0, x0, y1, x1, width, label, color):
    """A straight bar between two points, `width` pixels wide (at least one)."""
    box = canvas.box(min(y0, y1) - width, max(y0, y1) + width, min(x0, x1) - width,
                     max(x0, x1) + width)
    if box:
        ys, xs = canvas.grid(box)
        dy, dx = y1 - y0, x1 - x0
        length = max(np.hypot(dy, dx), 1e-3)
        t = np.clip(((ys - y0) * dy + (xs - x0) * dx) / length ** 2, 0, 1)
        distance = np.hypot(ys - (y0 + t * dy), xs - (x0 + t * dx))
        canvas.fill(distance < max(width / 2, 0.5), label, color, box=box, coarse=0.02, fine=0.03)


def _shadow(canvas, ground_y, x, metre, width):
    box = canvas.box(ground_y - 0.3 * metre, ground_y + 0.25 * metre, x - width * 0.6, x + width * 0.6)
    if box:
        y0, y1, x0, x1 = box
        canvas.shade(canvas.labels[y0:y1, x0:x1] == ROAD, 0.55, box=box)


def _wheels(canvas, ground_y, x, metre, half_track, label, height=0.65, width=0.3):
    for side in (-1, 1):
        _rectangle(canvas, ground_y - height * metre, ground_y, x + side * half_track - width / 2 * metre,
                   x + side * half_track + width / 2 * metre, label, (30, 30, 30))


def _paint(rng):
    return PAINTS[rng.integers(len(PAINTS))] * rng.uniform(0.85, 1.1)


def _car(canvas, street, materials, ground_y, x):
    """A car seen from behind: body, cabin with its rear window, wheels."""
    rng = canvas.rng
    metre = street.metres(ground_y)
    width = 1.8 * metre * rng.uniform(0.95, 1.1)
    color = _paint(rng)
    _shadow(canvas, ground_y, x, metre, width)
    _wheels(canvas, ground_y, x, metre, 0.33 * width, CAR)
    _rectangle(canvas, ground_y - 1.0 * metre, ground_y - 0.3 * metre, x - width / 2, x + width / 2,
               CAR, color, coarse=0.03, fine=0.03)
    _rectangle(canvas, ground_y - 1.5 * metre, ground_y - 0.95 * metre, x - 0.4 * width,
               x + 0.4 * width, CAR, color * 0.9, coarse=0.03, fine=0.03)
    _rectangle(canvas, ground_y - 1.42 * metre, ground_y - 1.02 * metre, x - 0.34 * width,
               x + 0.34 * width, CAR, (40, 50, 60), coarse=0.05, fine=0.05)


def _large_vehicle(canvas, street, ground_y, x, label, width_m, heights_m, wheel_size_m):
    """The shadow and wheels of a truck or bus seen from behind; returns (pixels per metre,
    width, top row)."""
    metre = street.metres(ground_y)
    width = width_m * metre
    top = ground_y - canvas.rng.uniform(*heights_m) * metre
    _shadow(canvas, ground_y, x, metre, width)
    _wheels(canvas, ground_y, x, metre, 0.36 * width, label, *wheel_size_m)
    return metre, width, top


def _truck(canvas, street, materials, ground_y, x):
    """A truck seen from behind: a tall closed box in the same paints as cars, door seams,
    a dark bumper and wheels."""
    metre, width, top = _large_vehicle(canvas, street, ground_y, x, TRUCK, 2.5, (3.2, 3.9),
                                       (0.9, 0.4))
    _rectangle(canvas, top, ground_y - 0.9 * metre, x - width / 2, x + width / 2, TRUCK,
               _paint(canvas.rng), coarse=0.03, fine=0.03)
    _rectangle(canvas, ground_y - 1.0 * metre, ground_y - 0.75 * metre, x - width / 2, x + width / 2,
               TRUCK, (35, 35, 35))
    for seam in (-0.01, 0.01):
        _rectangle(canvas, top + 0.1 * metre, ground_y - 1.0 * metre, x + seam * width,
                   x + seam * width, TRUCK, (50, 50, 50))


def _bus(canvas, street, materials, ground_y, x):
    """A bus seen from behind: the same paints, a large dark rear window high up and a lit
    destination band."""
    metre, width, top = _large_vehicle(canvas, street, ground_y, x, BUS, 2.55, (3.0, 3.3),
                                       (0.8, 0.35))
    _rectangle(canvas, top, ground_y - 0.35 * metre, x - width / 2, x + width / 2, BUS,
               _paint(canvas.rng), coarse=0.03, fine=0.03)
    _rectangle(canvas, top + 0.35 * metre, ground_y - 1.9 * metre, x - 0.42 * width, x + 0.42 * width,
               BUS, (40, 50, 60), coarse=0.05, fine=0.05)
    _rectangle(canvas, top + 0.08 * metre, top + 0.28 * metre, x - 0.3 * width, x + 0.3 * width, BUS,
               (230, 170, 40))


def _body(canvas, metre, ground_y, x, height, color, skin, label):
    """A person's body from the hips up (legs when standing), and head."""
    _ellipse(canvas, ground_y - 0.45 * height, x, 0.45 * height, 0.3 * metre, label, color,
             coarse=0.05, fine=0.05)
    _ellipse(canvas, ground_y - 0.92 * height, x, 0.1 * height, 0.13 * metre, label, skin)


def _person(canvas, street, materials, ground_y, x):
    rng = canvas.rng
    metre = street.metres(ground_y)
    height = 1.75 * metre * rng.uniform(0.9, 1.1)
    _body(canvas, metre, ground_y, x, height, CLOTHES[rng.integers(len(CLOTHES))] * rng.uniform(0.8, 1.1),
          np.asarray([200, 160, 130]) * rng.uniform(0.5, 1.1), PERSON)


def _rider(canvas, street, materials, ground_y, x, bicycle):
    """A rider: the body of a person (same clothes), seated on a bicycle (thin frame, two thin
    wheels) or a motorcycle (solid body, thick wheels) drawn side-on."""
    rng = canvas.rng
    metre = street.metres(ground_y)
    radius = (0.34 if bicycle else 0.32) * metre
    label = BICYCLE if bicycle else MOTORCYCLE
    color = np.asarray((40, 40, 45) if bicycle else _paint(rng))
    direction = rng.choice([-1, 1])
    rear, front = x - direction * 0.55 * metre, x + direction * 0.55 * metre
    axle = ground_y - radius
    for wheel in (rear, front):
        _ring(canvas, axle, wheel, radius, (0.05 if bicycle else 0.12) * metre, label, (30, 30, 30))
    seat = ground_y - 0.9 * metre
    if bicycle:
        for (y0, x0), (y1, x1) in (((axle, rear), (seat, x)), ((seat, x), (axle, front)),
                                   ((axle, rear), (axle, x)), ((axle, x), (seat, x))):
            _line(canvas, y0, x0, y1, x1, 0.05 * metre, label, color)
    else:
        _ellipse(canvas, (axle + seat) / 2, x, 0.3 * metre, 0.55 * metre, label, color)
    height = 1.75 * metre * rng.uniform(0.9, 1.1)
    _body(canvas, metre, seat + 0.35 * height, x, height * 0.95,
          CLOTHES[rng.integers(len(CLOTHES))] * rng.uniform(0.8, 1.1),
          np.asarray([200, 160, 130]) * rng.uniform(0.5, 1.1), RIDER)


def _pole(canvas, street, materials, ground_y, x, carries):
    """A pole (0.1-0.2 m) at the kerb carrying nothing, a traffic sign or a traffic light."""
    rng = canvas.rng
    metre = street.metres(ground_y)
    width, height = rng.uniform(0.1, 0.2) * metre, rng.uniform(5, 8) * metre
    _rectangle(canvas, ground_y - height, ground_y, x - width / 2, x + width / 2, POLE,
               np.full(3, rng.uniform(90, 170)), coarse=0.02, fine=0.03)
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
        _ellipse(canvas, center_y, x, radius, radius, SIGN, color, fine=0.02)
    elif shape == 1:
        _rectangle(canvas, center_y - radius, center_y + radius, x - radius, x + radius, SIGN,
                   color, fine=0.02)
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
    _rectangle(canvas, top, top + 0.9 * metre, x - 0.15 * metre, x + 0.15 * metre, LIGHT, (30, 32, 30))
    lit = rng.integers(3)
    for index, color in enumerate(((230, 40, 30), (240, 180, 30), (40, 220, 90))):
        _ellipse(canvas, top + (0.15 + 0.3 * index) * metre, x, 0.1 * metre, 0.1 * metre, LIGHT,
                 np.asarray(color) * (1.0 if index == lit else 0.3))


def _tree(canvas, street, materials, ground_y, x):
    """A trunk and a ragged canopy in the terrain's green."""
    rng = canvas.rng
    metre = street.metres(ground_y)
    _rectangle(canvas, ground_y - 2.8 * metre, ground_y, x - 0.15 * metre, x + 0.15 * metre,
               VEGETATION, (90, 65, 45))
    radius = rng.uniform(1.4, 2.4) * metre
    _ellipse(canvas, ground_y - 2.8 * metre - radius * 0.6, x, radius, radius * rng.uniform(0.8, 1.1),
             VEGETATION, materials.green * rng.uniform(0.85, 1.15), ragged=0.35, coarse=0.15, fine=0.1)


def _light(canvas, street):
    rng = canvas.rng
    gain = rng.uniform(0.7, 1.25) * rng.uniform(0.95, 1.05, 3)
    gradient = 1 + rng.uniform(-0.25, 0.25) * (canvas.x / street.width - 0.5)
    image = canvas.image * gradient[..., None] * gain.astype(np.float32)
    image += rng.normal(0, rng.uniform(2, 7), image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)
