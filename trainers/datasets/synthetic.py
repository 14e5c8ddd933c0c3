"""`synthetic`: procedurally generated street scenes, the embedded default dataset.

Each scene is a one-point-perspective street rendered with numpy at any resolution:

- a horizon and vanishing point at random places; **sky** (blue gradient, 15% overcast)
  above a skyline of far **building** blocks with window grids;
- a **road** (dark asphalt, dashed centre line, car shadows) converging on the vanishing
  point, a **sidewalk** (paving pattern) on each side, then either a building facade whose
  roof line also converges (per-segment heights, perspective windows) or **terrain** (grass)
  with **vegetation** (trees: trunk and ragged canopy; hedges);
- objects sized in metres from the road width at their ground row, drawn far to near so
  nearer ones occlude farther ones: **car** (body, cabin, dark windows and wheels, in one
  of 7 common car colours) on the road, **person** (body in one of 5 clothing colours, head)
  on the sidewalks, **pole** (0.2-0.35 m wide, so one pixel
  or less far away) at the kerb, carrying a **traffic sign** (disc, square or triangle)
  three times in four, and trees;
- lighting: global gain 0.7-1.25, a colour cast, a left-right light gradient, one facade in
  shade, coarse and fine texture noise and sensor noise.

Labels use Cityscapes' 19 train ids so that every preset (19 classes) trains on it unchanged
and a synthetic model can be fine-tuned on Cityscapes; 10 of them occur: road 0, sidewalk 1,
building 2, pole 5, traffic sign 7, vegetation 8, terrain 9, sky 10, person 11, car 13.
Scenes are deterministic in (seed, split, index, size); `train` and `val` use disjoint seeds.
Rendered examples are cached in memory per (seed, split, size), up to `CACHE_BYTES`.
"""

from __future__ import annotations

import threading

import numpy as np
from PIL import Image

from trainers.datasets.base import SegmentationDataset
from trainers.datasets.cityscapes import cityscapes_labels

ROAD, SIDEWALK, BUILDING, POLE, SIGN, VEGETATION, TERRAIN, SKY, PERSON, CAR = (
    0, 1, 2, 5, 7, 8, 9, 10, 11, 13)
SPLIT_SEEDS = {"train": 1, "val": 2, "test": 3}
ROAD_METRES = 5.0
CACHE_BYTES = 1 << 30
CAR_COLORS = np.array([[230, 230, 225], [35, 35, 40], [170, 170, 175], [180, 30, 30], [30, 60, 150],
                       [20, 90, 60], [200, 180, 60]], np.float32)
CLOTHES = np.array([[40, 40, 60], [150, 40, 40], [60, 90, 140], [200, 190, 150], [90, 60, 40]], np.float32)


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


def render_scene(rng: np.random.Generator, size: tuple[int, int]):
    """One street scene: (image uint8 [H, W, 3], labels uint8 [H, W])."""
    canvas = _Canvas(rng, size)
    street = _Street(rng, *size)
    _sky(canvas, street)
    _skyline(canvas, street)
    _ground(canvas, street)
    for side in (-1, 1):
        if street.walls[side]:
            _wall(canvas, street, side)
        else:
            _open_side(canvas, street, side)
    objects = _objects(rng, street)
    for ground_y, draw, args in sorted(objects, key=lambda item: item[0]):
        draw(canvas, street, ground_y, *args)
    return _light(canvas, street), canvas.labels


class _Street:
    """Random geometry: horizon, vanishing point, road and sidewalk slopes (pixel units)."""

    def __init__(self, rng, height, width):
        self.height, self.width = height, width
        self.horizon = height * rng.uniform(0.32, 0.52)
        self.vanish_x = width * rng.uniform(0.3, 0.7)
        aspect = width / height
        self.road = {side: rng.uniform(0.9, 1.6) * aspect for side in (-1, 1)}
        self.kerb = {side: self.road[side] * rng.uniform(1.35, 1.8) for side in (-1, 1)}
        self.walls = {side: rng.random() < 0.55 for side in (-1, 1)}
        self.shaded_side = rng.choice([-1, 1])

    def metres(self, ground_y):
        """Pixels per metre at image row `ground_y` (from the road width there)."""
        return (self.road[-1] + self.road[1]) * max(ground_y - self.horizon, 0.5) / ROAD_METRES


def _sky(canvas, street):
    rng = canvas.rng
    top = np.array([70, 120, 200]) if rng.random() < 0.85 else np.array([150, 155, 165])
    bottom = np.array([190, 210, 235]) if top[0] < 100 else np.array([200, 200, 205])
    t = np.clip(canvas.y / max(street.horizon, 1), 0, 1)[..., None]
    canvas.fill(np.ones(canvas.labels.shape, bool), SKY, (1, 1, 1), coarse=0.03, fine=0.01)
    canvas.image *= (top * (1 - t) + bottom * t).astype(np.float32)


def _building_color(rng):
    tones = ([150, 150, 150], [170, 150, 110], [150, 85, 60], [210, 200, 170], [110, 110, 125])
    return np.asarray(tones[rng.integers(len(tones))]) * rng.uniform(0.75, 1.15)


def _skyline(canvas, street):
    rng = canvas.rng
    x = 0.0
    while x < street.width:
        block_width = street.width * rng.uniform(0.06, 0.2)
        if rng.random() < 0.8:
            top = street.horizon * rng.uniform(0.35, 0.9)
            box = canvas.box(top, street.horizon + 1, x, x + block_width)
            if box:
                ys, xs = canvas.grid(box)
                color = _building_color(rng)
                canvas.fill(np.ones(ys.shape, bool), BUILDING, color, coarse=0.05, box=box)
                period = max(street.horizon * 0.06, 2.0)
                windows = ((ys - top) % period < period * 0.5) & ((xs - x) % period < period * 0.5)
                canvas.shade(windows & (ys > top + period * 0.5), 0.6, box=box)
        x += block_width


def _ground(canvas, street):
    y, x = canvas.y, canvas.x
    below = y > street.horizon
    depth = y - street.horizon
    offset = x - street.vanish_x
    road = below & (offset > -street.road[-1] * depth) & (offset < street.road[1] * depth)
    sidewalk = below & ~road & (offset > -street.kerb[-1] * depth) & (offset < street.kerb[1] * depth)
    asphalt = canvas.rng.uniform(60, 95)
    canvas.fill(road, ROAD, (asphalt, asphalt, asphalt * 1.05), coarse=0.06, fine=0.08)
    paving = np.asarray([175, 135, 150]) * canvas.rng.uniform(0.85, 1.05)
    canvas.fill(sidewalk, SIDEWALK, paving, coarse=0.05, fine=0.06)
    safe_depth = np.maximum(depth, 1e-3)
    tiles = (np.abs((offset / safe_depth) * 6) % 1 < 0.08) | ((40 / safe_depth) % 1 < 0.1)
    canvas.shade(sidewalk & tiles, 0.8)
    lane = road & (np.abs(offset - canvas.rng.uniform(-0.1, 0.1) * depth) < 0.025 * depth + 0.3) \
        & ((street.height * 0.6 / safe_depth) % 1 < 0.5)
    canvas.image[lane] = canvas.rng.uniform(200, 240)


def _wall(canvas, street, side):
    """A facade along the street: from the sidewalk's outer edge up to a converging roof."""
    rng = canvas.rng
    reach = side * (canvas.x - street.vanish_x)  # distance from the vanishing point, > 0 here
    depth = canvas.y - street.horizon
    ratios = np.zeros(street.width, np.float32)  # roof height above horizon / ground below it
    colors = np.zeros((street.width, 3), np.float32)
    column = 0
    while column < street.width:
        span = int(street.width * rng.uniform(0.08, 0.3)) + 1
        ratios[column:column + span] = rng.uniform(2, 7)
        colors[column:column + span] = _building_color(rng)
        column += span
    columns = canvas.x.astype(int)
    ground_depth = reach / street.kerb[side]
    wall = (reach > 0) & (depth < ground_depth) & (-depth < ground_depth * ratios[columns])
    canvas.fill(wall, BUILDING, (1, 1, 1), coarse=0.05, fine=0.03)
    canvas.image[wall] *= colors[columns][wall]
    along = np.log(np.maximum(reach, 1e-3)) * rng.uniform(5, 9)  # perspective spacing
    up = depth / np.maximum(ground_depth, 1e-3) * rng.uniform(0.6, 1.0)
    windows = wall & (along % 1 < 0.45) & (up % 1 < 0.45) & (up < -0.3)
    canvas.shade(windows, rng.uniform(0.45, 0.7))
    if side == street.shaded_side:
        canvas.shade(wall, rng.uniform(0.6, 0.85))


def _open_side(canvas, street, side):
    """Grass beyond the sidewalk and, often, a tree line on the horizon."""
    rng = canvas.rng
    reach = side * (canvas.x - street.vanish_x)
    depth = canvas.y - street.horizon
    terrain = (depth > 0) & (reach > street.kerb[side] * depth)
    canvas.fill(terrain, TERRAIN, np.asarray([150, 160, 70]) * rng.uniform(0.8, 1.1),
                coarse=0.15, fine=0.1)
    if rng.random() < 0.7:
        crown = street.height * rng.uniform(0.03, 0.12) * (1 + 0.6 * canvas.coarse)
        treeline = (reach > street.width * 0.03) & (depth > -crown) & (
            depth < 0.3 * reach / street.kerb[side])
        canvas.fill(treeline, VEGETATION, np.asarray([60, 105, 45]) * rng.uniform(0.7, 1.1),
                    coarse=0.3, fine=0.2)


def _objects(rng, street):
    """(ground row, draw function, arguments) of the cars, people, poles and trees."""
    below = street.height - street.horizon

    def ground_row(low, high):
        return street.horizon + below * rng.uniform(low, high) ** 1.5

    def on_sidewalk(side, ground_y, where):
        slope = street.road[side] + where * (street.kerb[side] - street.road[side])
        return street.vanish_x + side * slope * (ground_y - street.horizon)

    objects = []
    for _ in range(rng.integers(1, 6)):
        ground_y = ground_row(0.15, 1.1)
        lane = rng.uniform(-0.7, 0.7)
        x = street.vanish_x + lane * street.road[int(np.sign(lane)) or 1] * (ground_y - street.horizon)
        objects.append((ground_y, _car, (x,)))
    for _ in range(rng.integers(2, 9)):
        side, ground_y = rng.choice([-1, 1]), ground_row(0.3, 1.1)
        objects.append((ground_y, _person, (on_sidewalk(side, ground_y, rng.uniform(0.15, 0.9)),)))
    for side in (-1, 1):
        for _ in range(rng.integers(0, 4)):
            ground_y = ground_row(0.1, 1.05)
            objects.append((ground_y, _pole, (on_sidewalk(side, ground_y, 0.12),
                                              rng.random() < 0.75)))
        for _ in range(rng.integers(0, 3)):
            ground_y = ground_row(0.1, 0.9)
            where = rng.uniform(1.1, 1.6) if not street.walls[side] else 0.85
            objects.append((ground_y, _tree, (on_sidewalk(side, ground_y, where),)))
    return objects


def _ellipse(canvas, center_y, center_x, radius_y, radius_x, label, color, ragged=0.0, **texture):
    box = canvas.box(center_y - radius_y * 1.3, center_y + radius_y * 1.3,
                     center_x - radius_x * 1.3, center_x + radius_x * 1.3)
    if box:
        ys, xs = canvas.grid(box)
        y0, y1, x0, x1 = box
        distance = ((ys - center_y) / max(radius_y, 0.5)) ** 2 + ((xs - center_x) / max(radius_x, 0.5)) ** 2
        canvas.fill(distance < 1 + ragged * canvas.coarse[y0:y1, x0:x1], label, color, box=box, **texture)


def _rectangle(canvas, top, bottom, left, right, label, color, **texture):
    center = (left + right) / 2
    half = max((right - left) / 2, 0.5)  # at least the nearest pixel column
    box = canvas.box(top, bottom, center - half, center + half)
    if box:
        ys, xs = canvas.grid(box)
        region = (ys >= top) & (ys <= bottom) & (np.abs(xs - center) <= half)
        canvas.fill(region, label, color, box=box, **texture)


def _car(canvas, street, ground_y, x):
    rng = canvas.rng
    metre = street.metres(ground_y)
    width = 1.8 * metre * rng.uniform(0.95, 1.1)
    color = CAR_COLORS[rng.integers(len(CAR_COLORS))] * rng.uniform(0.85, 1.1)
    shadow_box = canvas.box(ground_y - 0.3 * metre, ground_y + 0.25 * metre, x - width * 0.6, x + width * 0.6)
    if shadow_box:
        y0, y1, x0, x1 = shadow_box
        canvas.shade(canvas.labels[y0:y1, x0:x1] == ROAD, 0.55, box=shadow_box)
    for side in (-1, 1):
        _ellipse(canvas, ground_y - 0.3 * metre, x + side * 0.33 * width, 0.32 * metre,
                 0.14 * width, CAR, (30, 30, 30))
    _rectangle(canvas, ground_y - 1.0 * metre, ground_y - 0.3 * metre, x - width / 2, x + width / 2,
               CAR, color, coarse=0.03, fine=0.03)
    _rectangle(canvas, ground_y - 1.5 * metre, ground_y - 0.95 * metre, x - 0.4 * width,
               x + 0.4 * width, CAR, color * 0.9, coarse=0.03, fine=0.03)
    _rectangle(canvas, ground_y - 1.42 * metre, ground_y - 1.02 * metre, x - 0.34 * width,
               x + 0.34 * width, CAR, (40, 50, 60), coarse=0.05, fine=0.05)


def _person(canvas, street, ground_y, x):
    rng = canvas.rng
    metre = street.metres(ground_y)
    height = 1.75 * metre * rng.uniform(0.9, 1.1)
    _ellipse(canvas, ground_y - 0.45 * height, x, 0.45 * height, 0.3 * metre, PERSON,
             CLOTHES[rng.integers(len(CLOTHES))] * rng.uniform(0.8, 1.1), coarse=0.05, fine=0.05)
    _ellipse(canvas, ground_y - 0.92 * height, x, 0.1 * height, 0.13 * metre, PERSON,
             np.asarray([200, 160, 130]) * rng.uniform(0.5, 1.1))


def _pole(canvas, street, ground_y, x, with_sign):
    rng = canvas.rng
    metre = street.metres(ground_y)
    width, height = rng.uniform(0.2, 0.35) * metre, rng.uniform(5, 8) * metre
    _rectangle(canvas, ground_y - height, ground_y, x - width / 2, x + width / 2, POLE,
               np.full(3, rng.uniform(90, 170)), coarse=0.02, fine=0.03)
    if with_sign:
        center_y, radius = ground_y - rng.uniform(2.3, 3.5) * metre, rng.uniform(0.6, 0.9) * metre
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


def _tree(canvas, street, ground_y, x):
    rng = canvas.rng
    metre = street.metres(ground_y)
    _rectangle(canvas, ground_y - 2.8 * metre, ground_y, x - 0.15 * metre, x + 0.15 * metre,
               VEGETATION, (90, 65, 45))
    radius = rng.uniform(1.4, 2.4) * metre
    _ellipse(canvas, ground_y - 2.8 * metre - radius * 0.6, x, radius, radius * rng.uniform(0.8, 1.1),
             VEGETATION, np.asarray([55, 110, 40]) * rng.uniform(0.7, 1.2), ragged=0.35,
             coarse=0.3, fine=0.2)


def _light(canvas, street):
    rng = canvas.rng
    gain = rng.uniform(0.7, 1.25) * rng.uniform(0.95, 1.05, 3)
    gradient = 1 + rng.uniform(-0.25, 0.25) * (canvas.x / street.width - 0.5)
    image = canvas.image * gradient[..., None] * gain.astype(np.float32)
    image += rng.normal(0, rng.uniform(2, 7), image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)
