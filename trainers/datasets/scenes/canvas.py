"""The canvas of one scene (image, labels, pixel grids, texture noise) and the shapes painted
on it: ellipses, rings, rectangles and bars."""

from __future__ import annotations

import numpy as np
from PIL import Image


class Canvas:
    """Image (float RGB), labels and pixel grids of one scene."""

    def __init__(self, rng: np.random.Generator, size: tuple[int, int]):
        self.rng = rng
        self.height, self.width = size
        self.image = np.zeros((*size, 3), np.float32)
        self.labels = np.zeros(size, np.uint8)
        self.y, self.x = np.mgrid[0 : self.height, 0 : self.width].astype(np.float32) + 0.5
        self.coarse = _smooth_noise(rng, size, cells=8)
        self.fine = rng.standard_normal(size).astype(np.float32)

    def fill(self, region, label, color, coarse=0.08, fine=0.04, box=None):
        """Paints `region` (bool, over `box` = (y0, y1, x0, x1) or the whole image)."""
        y0, y1, x0, x1 = box or (0, self.height, 0, self.width)
        texture = 1 + coarse * self.coarse[y0:y1, x0:x1] + fine * self.fine[y0:y1, x0:x1]
        self.labels[y0:y1, x0:x1][region] = label
        painted = texture[..., None] * np.asarray(color, np.float32)
        self.image[y0:y1, x0:x1][region] = painted[region]

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


def ellipse(canvas, center_y, center_x, radius_y, radius_x, label, color, ragged=0.0, **texture):
    box = canvas.box(
        center_y - radius_y * 1.3,
        center_y + radius_y * 1.3,
        center_x - radius_x * 1.3,
        center_x + radius_x * 1.3,
    )
    if box:
        ys, xs = canvas.grid(box)
        y0, y1, x0, x1 = box
        distance = ((ys - center_y) / max(radius_y, 0.5)) ** 2 + (
            (xs - center_x) / max(radius_x, 0.5)
        ) ** 2
        canvas.fill(
            distance < 1 + ragged * canvas.coarse[y0:y1, x0:x1], label, color, box=box, **texture
        )


def ring(canvas, center_y, center_x, radius, thickness, label, color):
    box = canvas.box(
        center_y - radius - thickness,
        center_y + radius + thickness,
        center_x - radius - thickness,
        center_x + radius + thickness,
    )
    if box:
        ys, xs = canvas.grid(box)
        distance = np.hypot(ys - center_y, xs - center_x)
        canvas.fill(
            np.abs(distance - radius) < max(thickness / 2, 0.5),
            label,
            color,
            box=box,
            coarse=0.02,
            fine=0.03,
        )


def rectangle(canvas, top, bottom, left, right, label, color, **texture):
    center = (left + right) / 2
    half = max((right - left) / 2, 0.5)  # at least the nearest pixel column
    box = canvas.box(top, bottom, center - half, center + half)
    if box:
        ys, xs = canvas.grid(box)
        region = (ys >= top) & (ys <= bottom) & (np.abs(xs - center) <= half)
        canvas.fill(region, label, color, box=box, **texture)


def line(canvas, y0, x0, y1, x1, width, label, color):
    """A straight bar between two points, `width` pixels wide (at least one)."""
    box = canvas.box(
        min(y0, y1) - width, max(y0, y1) + width, min(x0, x1) - width, max(x0, x1) + width
    )
    if box:
        ys, xs = canvas.grid(box)
        dy, dx = y1 - y0, x1 - x0
        length = max(np.hypot(dy, dx), 1e-3)
        t = np.clip(((ys - y0) * dy + (xs - x0) * dx) / length**2, 0, 1)
        distance = np.hypot(ys - (y0 + t * dy), xs - (x0 + t * dx))
        canvas.fill(distance < max(width / 2, 0.5), label, color, box=box, coarse=0.02, fine=0.03)
