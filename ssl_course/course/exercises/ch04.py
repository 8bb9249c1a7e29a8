"""Chapter 04: colour distortion with its random factors passed in, and named augmentation policies."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...augment.batch import policy
from ...augment.color import color_distortion
from ..checks import Case, Exercise, against_reference, custom, property_test, register
from ._common import randn


def _images(n: int, seed: int, size: int = 6, dtype=torch.float32) -> torch.Tensor:
    return randn(n, 3, size, size, seed=seed, dtype=dtype).sigmoid()


def _factors(n: int, seed: int, dtype=torch.float32, p_gray: float = 0.3):
    """SimCLR-strength factors (s = 1): b, c, s in [0.2, 1.8], hue in [-0.2, 0.2], gray ~ p_gray."""
    g = torch.Generator().manual_seed(seed)
    u = torch.rand(n, 5, generator=g, dtype=torch.float64)
    bcs = (1 + 0.8 * (2 * u[:, :3] - 1)).to(dtype)
    hue = (0.2 * (2 * u[:, 3] - 1)).to(dtype)
    return bcs[:, 0], bcs[:, 1], bcs[:, 2], hue, u[:, 4] < p_gray


def _case(name, n, seed, dtype=torch.float32, **kw):
    return Case(name, (_images(n, seed, dtype=dtype), *_factors(n, seed + 100, dtype=dtype, **kw)))


# ----------------------------------------------------------------------------- 04.color_distortion
def _color_cases():
    n = 4
    ones, zeros, no = torch.ones(n), torch.zeros(n), torch.zeros(n, dtype=torch.bool)
    x = _images(n, 1)
    yield Case("identity factors: the images come back unchanged", (x, ones, ones, ones, zeros, no))
    yield Case("brightness only (0.5, 1.5, 1.0, 1.9): blend with black, then clip to [0, 1]",
               (x, torch.tensor([0.5, 1.5, 1.0, 1.9]), ones, ones, zeros, no))
    yield Case("contrast only (0.2, 1.8, 0, 1): blend with each image's mean gray level",
               (x, ones, torch.tensor([0.2, 1.8, 0.0, 1.0]), ones, zeros, no))
    yield Case("saturation only (0, 0.5, 1.5, 1.8): blend with the image's own grayscale",
               (x, ones, ones, torch.tensor([0.0, 0.5, 1.5, 1.8]), zeros, no))
    yield Case("hue only (0.1, -0.2, 0.5, 0.0) turns of the colour wheel",
               (x, ones, ones, ones, torch.tensor([0.1, -0.2, 0.5, 0.0]), no))
    yield Case("grayscale only, images 0 and 2", (x, ones, ones, ones, zeros, torch.tensor([True, False, True, False])))
    yield _case("8 images, all four factors and random grayscale", 8, 2)
    yield _case("a batch of one", 1, 3, p_gray=0.0)
    yield _case("float64 images and factors", 5, 4, dtype=torch.float64)
    sat = torch.tensor([[[[1.0]], [[0.0]], [[0.0]]], [[[0.2]], [[0.9]], [[0.1]]]]).expand(2, 3, 4, 4)
    yield Case("saturated flat colours (pure red; a green)", (sat.contiguous(), *_factors(2, 5)))


@st.composite
def _random_colour(draw):
    n, size, seed = draw(st.integers(1, 6)), draw(st.integers(1, 5)), draw(st.integers(0, 9999))
    p = draw(st.sampled_from([0.0, 0.5, 1.0]))
    return Case(f"{n} random {size}x{size} images and factors, seed={seed}, p_gray={p}",
                (_images(n, seed, size), *_factors(n, seed + 1, p_gray=p)))


def _per_image(fn) -> str | None:
    """Each image must get its own factors: distorting a batch = distorting each image alone."""
    x = _images(6, 20)
    fac = _factors(6, 21, p_gray=0.5)
    whole = fn(x, *fac)
    for i in range(6):
        alone = fn(x[i:i + 1], *(f[i:i + 1] for f in fac))
        if not torch.allclose(whole[i:i + 1], alone, atol=1e-5):
            return (f"image {i} distorted inside the batch differs from image {i} distorted alone: "
                    "use factor i for image i (and image i's own mean for contrast), never the batch's")
    return None


register(Exercise(
    id="04.color_distortion",
    title="color_distortion(x, brightness, contrast, saturation, hue, gray): SimCLR's colour distortion",
    reference=color_distortion,
    tests=[custom("a batch of 6 vs each image alone", _per_image),
           against_reference(color_distortion, _color_cases, atol=2e-5),
           property_test(color_distortion, _random_colour(), atol=2e-5)],
    hint="In this order, clamping to [0, 1] after each blend: x * b; lerp towards the image's mean "
         "luma (one number per image) by c; lerp towards grayscale(x) by s; rgb_to_hsv, add the hue "
         "shift, hsv_to_rgb; finally torch.where(gray[:, None, None, None], grayscale(x), x).",
))


# ----------------------------------------------------------------------------- 04.policy
_NAMES = ["none", "all", "crop", "color", "crop+color", "flip", "gray", "color+crop",
          "crop+flip+color+gray", "gray+color", "crop+flip"]


def _policy_cases():
    for name in _NAMES:
        yield Case(f"setting {name!r}", (name,))


def _rejects_unknown(fn) -> str | None:
    for bad in ["rotate", "crop+blur", "crop+", "Color", "colour"]:
        try:
            out = fn(bad)
        except ValueError:
            continue
        except Exception as exc:  # noqa: BLE001 - report what came instead
            return f"setting {bad!r} raised {type(exc).__name__}; raise ValueError for an unknown name"
        return (f"setting {bad!r} returned {out!r}: an unknown name must raise ValueError, or a typo "
                "silently trains with the wrong augmentation")
    return None


def _fresh_dict(fn) -> str | None:
    a = fn("crop")
    a["color"] = "changed"
    b = fn("crop")
    if b.get("color") == "changed":
        return "two calls returned the same dict object: return a new dict every time"
    return None


register(Exercise(
    id="04.policy",
    title="policy(setting): the batch_augment switches of a named augmentation policy",
    reference=policy,
    tests=[against_reference(policy, _policy_cases),
           custom("unknown names: 'rotate', 'crop+blur', 'crop+', 'Color', 'colour'", _rejects_unknown),
           custom("two calls of policy('crop')", _fresh_dict)],
    hint="Start from {'crop': False, 'color': False, 'flip': False, 'gray': False}; 'all' sets "
         "every one, 'none' none; otherwise split on '+': each name is the key of its switch; "
         "raise ValueError for anything else.",
))
