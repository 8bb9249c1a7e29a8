"""Chapter 18: corrupting images (add_noise) and measuring a restoration (psnr)."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...evaluate.image_quality import psnr
from ...generative.autoencoder import add_noise
from ..checks import Case, Exercise, against_reference, default_device_test, generator_test, property_test, register


def _images(n: int, c: int, h: int, w: int | None = None, seed: int = 0, dtype=torch.float32) -> torch.Tensor:
    """Seeded images (N, C, H, W) with pixels in [0, 1]."""
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, c, h, h if w is None else w, generator=g, dtype=torch.float64).to(dtype)


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# ----------------------------------------------------------------------------- 18.add_noise
_DRAW = ("Draw ONE tensor of x's shape with generator=generator, dtype=x.dtype, device='cpu' (randn for "
         "gaussian, rand for the other two), then move it to x's device.")
_RANGE = "Pixels live in [0, 1]: clamp the noisy image back into that range."
_SALT = ("One uniform draw u per pixel: u < level/2 becomes 0 (pepper), level/2 <= u < level becomes 1 "
         "(salt), the rest stay.")


def _noise_cases():
    yield Case("gaussian, level 0.3, 3 images 4x4", (_images(3, 1, 4, seed=1), "gaussian", 0.3, _gen(0)),
               hint=_DRAW)
    yield Case("gaussian, level 2.0 (most pixels leave [0, 1])", (_images(4, 1, 5, seed=2), "gaussian", 2.0, _gen(1)),
               hint=_RANGE)
    yield Case("gaussian, level 0.5 on 0/1 pixels: the clamp matters at both ends",
               (_images(4, 1, 6, seed=3).round(), "gaussian", 0.5, _gen(2)), hint=_RANGE)
    yield Case("masking, level 0.4", (_images(3, 1, 6, seed=4), "masking", 0.4, _gen(3)),
               hint="level is the fraction of pixels DROPPED (u < level -> 0), not the fraction kept.")
    yield Case("masking, level 0.9", (_images(3, 2, 4, seed=5), "masking", 0.9, _gen(4)),
               hint="level is the fraction of pixels DROPPED (u < level -> 0), not the fraction kept.")
    yield Case("salt and pepper, level 0.3", (_images(3, 1, 6, seed=6), "salt_pepper", 0.3, _gen(5)), hint=_SALT)
    yield Case("salt and pepper, level 1.0 (every pixel 0 or 1)", (_images(2, 1, 5, seed=7), "salt_pepper", 1.0,
               _gen(6)), hint=_SALT)
    for kind in ("gaussian", "masking", "salt_pepper"):
        yield Case(f"{kind}, level 0: an unchanged copy", (_images(2, 1, 3, seed=8), kind, 0.0, _gen(7)),
                   hint="With level 0 nothing changes (the draw still happens, the image does not).")
    yield Case("images that are not square (3 channels, 4x7)", (_images(2, 3, 4, 7, seed=9), "gaussian", 0.2,
               _gen(8)), hint=_DRAW)
    for kind in ("gaussian", "masking", "salt_pepper"):
        yield Case(f"float64 images, {kind}", (_images(3, 1, 4, seed=10, dtype=torch.float64), kind, 0.3, _gen(9)),
                   hint="float64 in: draw the noise in float64 (dtype=x.dtype), not in float32 and cast.")
    flat = torch.full((3, 1, 4, 4), 0.5)
    flat[1] = 0.0
    yield Case("flat images (all 0.5, one all 0)", (flat, "gaussian", 0.4, _gen(10)), hint=_RANGE)
    yield Case("600 images (more than a 512-row chunk)", (_images(600, 1, 3, seed=11), "salt_pepper", 0.2, _gen(11)),
               hint="One draw for the whole batch, not one per chunk or per image.")
    yield Case("a batch of one image", (_images(1, 1, 8, seed=12), "masking", 0.5, _gen(12)), hint=_DRAW)


@st.composite
def _random_noise(draw):
    n = draw(st.one_of(st.integers(1, 8), st.integers(513, 530)))
    c, h, w = draw(st.integers(1, 3)), draw(st.integers(1, 6)), draw(st.integers(1, 6))
    kind = draw(st.sampled_from(["gaussian", "masking", "salt_pepper"]))
    level = draw(st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0]))
    seed = draw(st.integers(0, 9999))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    return Case(f"{n} images {c}x{h}x{w}, {kind}, level {level}, {str(dtype)[6:]}, seed={seed}",
                (_images(n, c, h, w, seed=seed, dtype=dtype), kind, level, _gen(seed)))


def _noise_twice(generator):
    return Case("4 images 5x5, gaussian, level 0.3", (_images(4, 1, 5, seed=31), "gaussian", 0.3, generator))


register(Exercise(
    id="18.add_noise",
    title="add_noise(x, kind, level, generator): Gaussian, masking or salt-and-pepper noise, kept in [0, 1]",
    reference=add_noise,
    tests=[against_reference(add_noise, _noise_cases),
           property_test(add_noise, _random_noise()),
           generator_test(add_noise, _noise_twice),
           default_device_test(add_noise, _noise_cases)],
    hint="One random draw of x's shape from the generator, one rule per kind, and the result stays in [0, 1].",
))


# ----------------------------------------------------------------------------- 18.psnr
_PER_IMAGE = ("PSNR per image first (each image's own MSE over all its C*H*W entries), then the mean of "
              "those N PSNRs: the log does not commute with the mean.")
_RANGE_ARG = "PSNR = 10 log10(data_range**2 / MSE): use the data_range you are given, squared."


def _noisy(x: torch.Tensor, sigmas: list[float], seed: int) -> torch.Tensor:
    """x plus Gaussian noise of a different std per image (N, ...), unclamped."""
    g = torch.Generator().manual_seed(seed)
    s = torch.tensor(sigmas, dtype=torch.float64).view(-1, *[1] * (x.dim() - 1))
    return (x.double() + s * torch.randn(x.shape, generator=g, dtype=torch.float64)).to(x.dtype)


def _psnr_cases():
    x = _images(3, 1, 6, seed=1)
    yield Case("3 images 6x6, noise std 0.1, 0.1, 0.1", (x, _noisy(x, [0.1] * 3, seed=2)),
               hint="PSNR_i = 10 log10(data_range**2 / MSE_i) for each image i, then the mean of the N values.")
    yield Case("images with very different errors (std 0.01, 0.3, 1.0)", (x, _noisy(x, [0.01, 0.3, 1.0], seed=3)),
               hint=_PER_IMAGE)
    exact = _noisy(x, [0.1, 0.2, 0.3], seed=10)
    exact[1] = x[1]
    yield Case("image 1 reproduced exactly: its PSNR is +inf, so the mean is too", (x, exact),
               hint="MSE 0 gives 10 log10(range**2 / 0) = +inf; do not add an epsilon.")
    yield Case("data_range 255 (pixels 0..255)", (x * 255, _noisy(x, [0.05, 0.2, 0.1], seed=4) * 255),
               {"data_range": 255.0}, hint=_RANGE_ARG)
    yield Case("data_range 2.0 (pixels in [-1, 1])", (x * 2 - 1, _noisy(x, [0.05, 0.2, 0.1], seed=5) * 2 - 1),
               {"data_range": 2.0}, hint=_RANGE_ARG)
    x3 = _images(4, 3, 4, 7, seed=6)
    yield Case("3 channels, 4x7 images, different errors per image", (x3, _noisy(x3, [0.02, 0.1, 0.5, 0.3], seed=7)),
               hint="An image is all its channels and pixels: average the squared error over dims 1, 2, 3.")
    x64 = _images(3, 1, 5, seed=8, dtype=torch.float64)
    yield Case("float64 images", (x64, _noisy(x64, [0.001, 0.1, 0.2], seed=9)),
               hint="float64 in, float64 arithmetic and result out.")
    flat = torch.zeros(2, 1, 4, 4)
    yield Case("flat images (all 0) against flat images (all 0.5 and all 0.25)",
               (flat, torch.stack([torch.full((1, 4, 4), 0.5), torch.full((1, 4, 4), 0.25)])), hint=_PER_IMAGE)
    big = _images(600, 1, 3, seed=11)
    yield Case("600 images (more than a 512-row chunk)", (big, _noisy(big, [0.05 + 0.001 * i for i in range(600)],
               seed=12)), hint="Every image counts once in the mean, however many there are.")
    yield Case("(N, D) rows: each row is one image", (_images(5, 1, 1, 9, seed=13).flatten(1),
               _noisy(_images(5, 1, 1, 9, seed=13).flatten(1), [0.1, 0.2, 0.3, 0.4, 0.5], seed=14)), hint=_PER_IMAGE)


@st.composite
def _random_psnr(draw):
    n = draw(st.one_of(st.integers(1, 8), st.integers(513, 530)))
    c, h, w = draw(st.integers(1, 3)), draw(st.integers(1, 6)), draw(st.integers(1, 6))
    seed = draw(st.integers(0, 9999))
    data_range = draw(st.sampled_from([1.0, 2.0, 255.0]))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    x = _images(n, c, h, w, seed=seed, dtype=dtype) * data_range
    sigmas = [0.01 + 0.5 * ((seed * 7 + i * 13) % 10) / 10 for i in range(n)]
    y = x + _noisy(torch.zeros_like(x), sigmas, seed=seed + 1) * data_range
    return Case(f"{n} images {c}x{h}x{w}, data_range {data_range}, {str(dtype)[6:]}, seed={seed}",
                (x, y), {"data_range": data_range})


register(Exercise(
    id="18.psnr",
    title="psnr(x, y, data_range): each image's 10 log10(data_range^2 / MSE), then the mean over images",
    reference=psnr,
    tests=[against_reference(psnr, _psnr_cases),
           property_test(psnr, _random_psnr()),
           default_device_test(psnr, _psnr_cases)],
    hint="Work the failing case by hand: one MSE per image, one PSNR per image, then their mean.",
))
