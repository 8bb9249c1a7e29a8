"""`shapes`: procedural coloured shapes whose generating factors are all known.

Each image is one shape (circle, square, triangle, cross) of one colour on a black
background, at a random size, position and rotation. Every factor comes back with the images,
so a chapter can probe a representation for any of them: does it encode the shape, or only
the colour?

The colour is built to be a shortcut. Each image's hue is drawn around one of four named
colours, with saturation and brightness random too, so the exact colour of an image is
almost unique within a batch: without colour augmentation, two crops of one image can be
matched by colour alone, and a contrastive model need not learn the shape at all.

Everything is drawn on the pixel grid at once from signed distance functions (negative
inside the shape), with one pixel of anti-aliasing: no per-image loop, no PIL.
"""
from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import torch

from ..augment.color import hsv_to_rgb

SHAPE_NAMES = ("circle", "square", "triangle", "cross")
COLOUR_NAMES = ("red", "yellow", "green", "blue")
_BASE_HUES = (0.0, 1 / 6, 1 / 3, 2 / 3)  # turns of the colour wheel: 0, 60, 120, 240 degrees
_HUE_JITTER = 1 / 24  # +-15 degrees around the named hue: never crosses into a neighbour


class ShapeFactors(NamedTuple):
    """The factors that generated each image, N of each.

    shape: (N,) int64 index into SHAPE_NAMES; colour: (N,) int64 index into COLOUR_NAMES;
    hue, saturation, value: (N,) float in [0, 1] (the exact colour); scale: (N,) float,
    the shape's radius as a fraction of half the image; position: (N, 2) float, the centre
    (x, y) in [-1, 1] image coordinates; rotation: (N,) float radians in [0, 2 pi).
    """

    shape: torch.Tensor
    colour: torch.Tensor
    hue: torch.Tensor
    saturation: torch.Tensor
    value: torch.Tensor
    scale: torch.Tensor
    position: torch.Tensor
    rotation: torch.Tensor


class Shapes(NamedTuple):
    """images: (N, 3, size, size) float32 in [0, 1]; factors: a ShapeFactors."""

    images: torch.Tensor
    factors: ShapeFactors


def _sdf(kind: int, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Signed distance (in shape units, radius ~1) of points (u, v) to one shape; < 0 inside.

    The polygons use the max of their edge half-planes: exact inside and near the edges,
    which is all the one-pixel anti-aliasing needs. Sizes are chosen so the four shapes
    cover similar areas (2.3 to 3.1 units), so area alone says little about the shape.
    """
    if kind == 0:  # circle, radius 1
        return torch.sqrt(u * u + v * v) - 1.0
    if kind == 1:  # square, half-side 0.85
        return torch.maximum(u.abs(), v.abs()) - 0.85
    if kind == 2:  # equilateral triangle, circumradius 1.35 (inradius 0.675)
        d = None
        for k in range(3):  # outward edge normals at -90, 30 and 150 degrees
            a = math.radians(-90 + 120 * k)
            e = u * math.cos(a) + v * math.sin(a)
            d = e if d is None else torch.maximum(d, e)
        return d - 0.675
    # cross: two bars, half-length 1, half-width 0.35
    au, av = u.abs(), v.abs()
    return torch.minimum(torch.maximum(au - 1.0, av - 0.35), torch.maximum(au - 0.35, av - 1.0))


def shapes(n: int = 2048, size: int = 16, seed: int = 0, *,
           scale: tuple[float, float] = (0.4, 0.65)) -> Shapes:
    """n images of coloured shapes with their factors, deterministic given seed.

    Returns Shapes(images (n, 3, size, size) float32 in [0, 1], factors). Shape and colour
    name are uniform over 4 classes each and independent; hue is the named hue +-15 degrees,
    saturation and value ~ U(0.6, 1); scale ~ U(scale) (radius / half image); the centre
    keeps the shape inside the image; rotation ~ U(0, 2 pi). For a test set, call again
    with another seed: the draws are independent.
    """
    for name, val, low in (("n", n, 1), ("size", size, 8), ("seed", seed, 0)):
        if isinstance(val, bool) or not isinstance(val, numbers.Integral):
            raise TypeError(f"{name} must be an int, got {type(val).__name__}")
        if val < low:
            raise ValueError(f"{name} must be >= {low}, got {val}")
    if (not isinstance(scale, (tuple, list)) or len(scale) != 2
            or not 0 < scale[0] <= scale[1] <= 0.7):
        raise ValueError(f"scale must be a pair (min, max) with 0 < min <= max <= 0.7, got {scale!r}")

    g = torch.Generator().manual_seed(seed)
    shape = torch.randint(len(SHAPE_NAMES), (n,), generator=g)
    colour = torch.randint(len(COLOUR_NAMES), (n,), generator=g)
    u = torch.rand(n, 7, generator=g)  # hue jitter, sat, value, scale, x, y, rotation
    hue = (torch.tensor(_BASE_HUES)[colour] + _HUE_JITTER * (2 * u[:, 0] - 1)) % 1.0
    sat = 0.6 + 0.4 * u[:, 1]
    val = 0.6 + 0.4 * u[:, 2]
    radius = scale[0] + (scale[1] - scale[0]) * u[:, 3]
    # Largest extent of any shape is ~1.35 radii (triangle tip): keep it inside the frame.
    room = (1 - 1.35 * radius).clamp(min=0)
    centre = room[:, None] * (2 * u[:, 4:6] - 1)  # (n, 2)
    rotation = 2 * math.pi * u[:, 6]

    # Pixel centres in [-1, 1]; y grows downwards like image rows.
    t = (torch.arange(size, dtype=torch.float32) + 0.5) / size * 2 - 1
    py, px = torch.meshgrid(t, t, indexing="ij")  # (size, size)
    dx = px - centre[:, 0, None, None]  # (n, size, size)
    dy = py - centre[:, 1, None, None]
    cos, sin = rotation.cos()[:, None, None], rotation.sin()[:, None, None]
    r = radius[:, None, None]
    su, sv = (cos * dx + sin * dy) / r, (-sin * dx + cos * dy) / r  # rotate into shape frame

    dist = torch.empty(n, size, size)
    for kind in range(len(SHAPE_NAMES)):  # a loop over 4 classes, not over images
        idx = shape == kind
        dist[idx] = _sdf(kind, su[idx], sv[idx])
    # Shape units -> pixels (one unit is radius * size / 2 pixels); 1-pixel soft edge.
    alpha = (0.5 - dist * r * size / 2).clamp(0, 1).unsqueeze(1)  # (n, 1, size, size)

    hsv = torch.stack([hue, sat, val], dim=1)[:, :, None, None]  # (n, 3, 1, 1)
    rgb = hsv_to_rgb(hsv)  # (n, 3, 1, 1)
    images = (alpha * rgb).contiguous()  # black background
    factors = ShapeFactors(shape, colour, hue, sat, val, radius, centre, rotation)
    return Shapes(images, factors)
