"""Known-wrong implementations for chapter 02."""
from __future__ import annotations

import copy
import math

import torch

from . import mutant


# --------------------------------------------------------------------------- 02.two_views
@mutant("02.two_views", "common wrong answer: one view only, used as both halves of the pair")
def _one_view_twice(x, augment, generator):
    v = augment(x, generator)
    return v, v


@mutant("02.two_views", "one view only, paired with the raw image")
def _raw_and_view(x, augment, generator):
    return x, augment(x, generator)


@mutant("02.two_views", "both views drawn from copies of one generator state: identical views")
def _same_state(x, augment, generator):
    return augment(x, copy.deepcopy(generator)), augment(x, generator)


@mutant("02.two_views", "the second view augments the first (compounded, and a shared crop)")
def _compounded(x, augment, generator):
    v1 = augment(x, generator)
    return v1, augment(v1, generator)


@mutant("02.two_views", "a fresh unseeded generator: views that no seed reproduces")
def _unseeded(x, augment, generator):
    g = torch.Generator()
    g.seed()
    return augment(x, g), augment(x, g)


# --------------------------------------------------------------------------- 02.crop_box
def _box(n, height, width, scale, ratio, generator, *, area_scale=None, log_ratio=True, clip=True,
         swap=False, as_size=False, side=False):
    u = torch.rand(n, 4, generator=generator)
    lo, hi = area_scale or scale
    frac = lo + (hi - lo) * u[:, 0]
    if log_ratio:
        aspect = torch.exp(math.log(ratio[0]) + math.log(ratio[1] / ratio[0]) * u[:, 1])
    else:
        aspect = ratio[0] + (ratio[1] - ratio[0]) * u[:, 1]
    if side:  # scale read as a fraction of the side, not the area
        w = frac * width * torch.sqrt(aspect)
        h = frac * height / torch.sqrt(aspect)
    else:
        area = frac * height * width
        w, h = torch.sqrt(area * aspect), torch.sqrt(area / aspect)
    if swap:
        w, h = h, w
    if clip:
        w, h = w.clamp(max=width), h.clamp(max=height)
    x0, y0 = (width - w) * u[:, 2], (height - h) * u[:, 3]
    if as_size:
        return torch.stack([x0, y0, w, h], dim=1)
    return torch.stack([x0, y0, x0 + w, y0 + h], dim=1)


@mutant("02.crop_box", "common wrong answer: ImageNet's scale (0.08, 1) whatever the data and the scale passed")
def _imagenet_scale(n, height, width, *, scale=(0.5, 1.0), ratio=(3 / 4, 4 / 3), generator=None):
    return _box(n, height, width, scale, ratio, generator, area_scale=(0.08, 1.0))


@mutant("02.crop_box", "aspect ratio uniform instead of log-uniform")
def _uniform_ratio(n, height, width, *, scale=(0.5, 1.0), ratio=(3 / 4, 4 / 3), generator=None):
    return _box(n, height, width, scale, ratio, generator, log_ratio=False)


@mutant("02.crop_box", "scale read as a fraction of the side, not of the area")
def _side_fraction(n, height, width, *, scale=(0.5, 1.0), ratio=(3 / 4, 4 / 3), generator=None):
    return _box(n, height, width, scale, ratio, generator, side=True)


@mutant("02.crop_box", "width and height swapped (aspect h/w instead of w/h)")
def _swapped(n, height, width, *, scale=(0.5, 1.0), ratio=(3 / 4, 4 / 3), generator=None):
    return _box(n, height, width, scale, ratio, generator, swap=True)


@mutant("02.crop_box", "no clipping: wide boxes reach outside the image")
def _no_clip(n, height, width, *, scale=(0.5, 1.0), ratio=(3 / 4, 4 / 3), generator=None):
    return _box(n, height, width, scale, ratio, generator, clip=False)


@mutant("02.crop_box", "boxes as (x0, y0, w, h) instead of corners (x0, y0, x1, y1)")
def _xywh(n, height, width, *, scale=(0.5, 1.0), ratio=(3 / 4, 4 / 3), generator=None):
    return _box(n, height, width, scale, ratio, generator, as_size=True)
