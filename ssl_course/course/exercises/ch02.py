"""Chapter 02: the batched positive pair, and random-resized-crop boxes."""
from __future__ import annotations

import functools
import math

import torch
from hypothesis import strategies as st

from ...augment.batch import batch_augment
from ...augment.crop import crop_box
from ...augment.pil import two_views
from ..checks import Case, Exercise, against_reference, custom, property_test, register
from ._common import randn


def _images(n: int, seed: int, size: int = 8, dtype=torch.float32) -> torch.Tensor:
    """n seeded random RGB images (n, 3, size, size) in [0, 1]."""
    return randn(n, 3, size, size, seed=seed, dtype=dtype).sigmoid()


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _shift(x, generator):
    """A toy augmentation: a random circular shift per batch (easy to reason about)."""
    k = int(torch.randint(1, x.shape[-1], (1,), generator=generator))
    return x.roll(k, dims=-1)


_simclr = functools.partial(batch_augment)
_no_colour = functools.partial(batch_augment, color=False, gray=False)


# ----------------------------------------------------------------------------- 02.two_views
def _two_views_cases():
    yield Case("8 images, SimCLR's batch_augment, seed 0", (_images(8, 1), _simclr, _gen(0)))
    yield Case("crop and flip only, seed 3", (_images(5, 2), _no_colour, _gen(3)))
    yield Case("a batch of one", (_images(1, 3), _simclr, _gen(4)))
    yield Case("a toy augmentation: a random circular shift", (_images(4, 4), _shift, _gen(5)))
    yield Case("float64 images", (_images(3, 5, dtype=torch.float64), _simclr, _gen(6)))


def _views_differ(fn) -> str | None:
    x = _images(16, 7)
    v1, v2 = fn(x, _simclr, _gen(8))
    if v1.shape != x.shape or v2.shape != x.shape:
        return f"each view must have the batch's shape {tuple(x.shape)}, got {tuple(v1.shape)} and {tuple(v2.shape)}"
    if torch.equal(v1, x) or torch.equal(v2, x):
        return "a view is the untouched input: both views must be augmented"
    same = (v1 - v2).flatten(1).abs().amax(dim=1) < 1e-6
    if same.any():
        return (f"{int(same.sum())} of 16 images got two identical views: the positive pair must be two "
                "independent random draws (call augment twice, with the generator moving on)")
    return None


def _reproducible(fn) -> str | None:
    x = _images(6, 9)
    a = fn(x, _simclr, _gen(10))
    b = fn(x, _simclr, _gen(10))
    if not (torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])):
        return "the same generator seed gave different views: draw every random number from `generator`"
    return None


register(Exercise(
    id="02.two_views",
    title="two_views(x, augment, generator): two independent random views of every image",
    reference=two_views,
    tests=[custom("two views of 16 images under batch_augment", _views_differ),
           custom("two calls with equally seeded generators", _reproducible),
           against_reference(two_views, _two_views_cases)],
    hint="Return (augment(x, generator), augment(x, generator)): two calls on the same batch, "
         "each drawing fresh random numbers from the one generator.",
))


# ----------------------------------------------------------------------------- 02.crop_box
def _box_cases():
    yield Case("4 boxes in a 16x16 image, SimCLR-small defaults", (4, 16, 16), {"generator": _gen(0)})
    yield Case("a 24x32 image (height != width)", (6, 24, 32),
               {"scale": (0.2, 0.9), "ratio": (0.5, 2.0), "generator": _gen(1)})
    yield Case("ImageNet's scale (0.08, 1) and ratio (3/4, 4/3)", (8, 224, 224),
               {"scale": (0.08, 1.0), "ratio": (3 / 4, 4 / 3), "generator": _gen(2)})
    yield Case("wide ratios that must be clipped to the image", (8, 10, 10),
               {"scale": (0.9, 1.0), "ratio": (0.25, 4.0), "generator": _gen(3)})
    yield Case("a fixed area and ratio (scale (0.5, 0.5), ratio (2, 2))", (3, 16, 16),
               {"scale": (0.5, 0.5), "ratio": (2.0, 2.0), "generator": _gen(4)})
    yield Case("one box", (1, 9, 7), {"generator": _gen(5)})


@st.composite
def _random_boxes(draw):
    n, h, w = draw(st.integers(1, 12)), draw(st.integers(1, 64)), draw(st.integers(1, 64))
    lo = draw(st.sampled_from([0.08, 0.25, 0.5, 1.0]))
    hi = draw(st.sampled_from([lo, 1.0]))
    r = draw(st.sampled_from([(3 / 4, 4 / 3), (1.0, 1.0), (0.5, 3.0), (1.0, 2.0)]))
    seed = draw(st.integers(0, 9999))
    return Case(f"n={n}, {h}x{w}, scale=({lo}, {hi}), ratio={r}, seed={seed}", (n, h, w),
                {"scale": (lo, hi), "ratio": r, "generator": _gen(seed)})


def _box_properties(fn) -> str | None:
    h, w, scale, ratio = 40, 50, (0.25, 0.75), (0.5, 1.5)
    b = fn(4000, h, w, scale=scale, ratio=ratio, generator=_gen(11))
    if not isinstance(b, torch.Tensor) or b.shape != (4000, 4) or not b.is_floating_point():
        got = tuple(b.shape) if isinstance(b, torch.Tensor) else type(b).__name__
        return f"expected a float tensor of shape (4000, 4) boxes (x0, y0, x1, y1), got {got}"
    x0, y0, x1, y1 = b.unbind(dim=1)
    eps = 1e-4
    if (x0 < -eps).any() or (y0 < -eps).any() or (x1 > w + eps).any() or (y1 > h + eps).any():
        return f"a box reaches outside the {h}x{w} image (x in [0, {w}], y in [0, {h}])"
    bw, bh = x1 - x0, y1 - y0
    if (bw <= 0).any() or (bh <= 0).any():
        return "a box has zero or negative width or height: boxes are (x0, y0, x1, y1), corners, not sizes"
    inside = (bw < w - eps) & (bh < h - eps)  # not clipped: area and ratio are as drawn
    frac, aspect = (bw * bh / (h * w))[inside], (bw / bh)[inside]
    if (frac < scale[0] - 1e-3).any() or (frac > scale[1] + 1e-3).any():
        return (f"area fractions range over [{frac.min():.3f}, {frac.max():.3f}], outside scale={scale}: "
                "scale bounds the box's AREA as a fraction of the image's")
    if (aspect < ratio[0] - 1e-3).any() or (aspect > ratio[1] + 1e-3).any():
        return f"aspect ratios w/h range over [{aspect.min():.3f}, {aspect.max():.3f}], outside ratio={ratio}"
    # Log-uniform aspect: log(w/h) is uniform, so its mean is the middle of the log range.
    log_mid = 0.5 * (math.log(ratio[0]) + math.log(ratio[1]))
    mean_log = torch.log(bw / bh).mean().item()
    if abs(mean_log - log_mid) > 0.03:
        return (f"mean log(w/h) is {mean_log:.3f}, expected about {log_mid:.3f}: draw the aspect ratio "
                "log-uniformly, so that w/h = 2 and w/h = 1/2 are equally likely")
    return None


register(Exercise(
    id="02.crop_box",
    title="crop_box(n, height, width, scale, ratio, generator): random resized crop boxes",
    reference=crop_box,
    tests=[custom("4000 boxes in a 40x50 image, scale (0.25, 0.75), ratio (0.5, 1.5)", _box_properties),
           against_reference(crop_box, _box_cases),
           property_test(crop_box, _random_boxes())],
    hint="u = torch.rand(n, 4, generator=generator); area = U(scale) * height * width; "
         "aspect = exp(log r0 + (log r1 - log r0) u); w = sqrt(area * aspect) clamped to width, "
         "h = sqrt(area / aspect) clamped to height; x0 = (width - w) u, y0 = (height - h) u.",
))
