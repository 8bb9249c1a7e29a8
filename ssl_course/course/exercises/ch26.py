"""Chapter 26: Vision transformers and MAE. The cases cover non-square and multi-channel images,
patch sizes 1 and the whole image, more than a 512-row chunk, float64, the meta device, one
generator across repeated calls, masking ratios whose kept count rounds down, masks with a
different number of masked patches per image, flat patches under norm_pix, and every argument."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...vision.mae import masked_mse, random_masking
from ...vision.patches import patchify
from ..checks import (
    Case,
    Exercise,
    against_reference,
    custom,
    default_device_test,
    generator_test,
    property_test,
    register,
)
from ._common import randn


def _images(n: int, c: int, h: int, w: int, seed: int = 0, dtype=torch.float32) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, c, h, w, generator=g, dtype=torch.float64).to(dtype)


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# ----------------------------------------------------------------------------- 26.patchify
_ORDER = ("Patches run left to right, then top to bottom; inside a patch, pixels run row by row with the "
          "CHANNEL LAST: reshape to (N, C, H/p, p, W/p, p), permute to (N, H/p, W/p, p, p, C), flatten.")
_GRID = "A plain reshape of the image does not cut it into p x p squares: split H and W into (H/p, p) and (W/p, p)."


def _patch_cases():
    yield Case("3 grey 8x8 images, patch 2", (_images(3, 1, 8, 8, seed=1), 2), hint=_GRID)
    yield Case("2 colour 8x8 images, patch 4", (_images(2, 3, 8, 8, seed=2), 4), hint=_ORDER)
    yield Case("colour images that are not square (12x8), patch 4", (_images(2, 3, 12, 8, seed=3), 4),
               hint="H and W differ: the grid is (H/p) rows of (W/p) patches; use both.")
    yield Case("grey 6x9 images, patch 3", (_images(4, 1, 6, 9, seed=4), 3),
               hint="Row-major over the patch grid: patch l = i * (W/p) + j.")
    yield Case("2 channels, 4x6 images, patch 2", (_images(3, 2, 4, 6, seed=5), 2), hint=_ORDER)
    yield Case("patch 1: every pixel its own patch", (_images(2, 3, 3, 5, seed=6), 1),
               hint="With p = 1 a patch is one pixel's C channels: (N, H*W, C), channels last.")
    yield Case("patch = the whole image: one patch", (_images(2, 3, 4, 4, seed=7), 4), hint=_ORDER)
    yield Case("float64 images", (_images(3, 3, 6, 6, seed=8, dtype=torch.float64), 3),
               hint="A rearrangement: the dtype (and every value) is the input's.")
    yield Case("600 images (more than a 512-row chunk)", (_images(600, 1, 4, 4, seed=9), 2),
               hint="Reshape the whole batch at once.")
    yield Case("a flat image beside a random one", (torch.cat([torch.zeros(1, 1, 4, 4), _images(1, 1, 4, 4, 10)]), 2),
               hint=_GRID)


@st.composite
def _random_patch(draw):
    n = draw(st.one_of(st.integers(1, 6), st.integers(513, 520)))
    c, p = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    h, w = p * draw(st.integers(1, 4)), p * draw(st.integers(1, 4))
    seed = draw(st.integers(0, 9999))
    return Case(f"{n} images {c}x{h}x{w}, patch {p}, seed={seed}", (_images(n, c, h, w, seed=seed), p))


register(Exercise(
    id="26.patchify",
    title="patchify(images, patch_size): (N, C, H, W) -> (N, L, p*p*C) in the MAE paper's order",
    reference=patchify,
    tests=[against_reference(patchify, _patch_cases, rtol=0, atol=0),
           property_test(patchify, _random_patch(), rtol=0, atol=0),
           default_device_test(patchify, _patch_cases)],
    hint="Split each spatial axis into (grid, p), move the two grid axes forward and the channel last, flatten.",
))


# ----------------------------------------------------------------------------- 26.random_masking
_RESTORE = ("ids_restore is the INVERSE permutation, argsort(ids_shuffle): the decoder gathers its tokens "
            "with it to put them back in image order. ids_shuffle itself is not it.")
_MASK_ORDER = "The mask is in IMAGE order: build it in shuffled order (0 for the first K), then gather with ids_restore."
_KEEP = ("K = int(L * (1 - mask_ratio)) patches are KEPT: those with the smallest noise (argsort ascending), "
         "in that order.")
_DRAW = "One draw: torch.rand((N, L), generator=generator, device='cpu') in float32, then .to(x.device)."


def _tokens(n: int, length: int, d: int, seed: int, dtype=torch.float32) -> torch.Tensor:
    return randn(n, length, d, seed=seed, dtype=dtype)


def _mask_cases():
    yield Case("4 images of 16 patches, 75% masked", (_tokens(4, 16, 3, 1), 0.75, _gen(0)), hint=_RESTORE)
    yield Case("3 images of 10 patches, 30% masked", (_tokens(3, 10, 2, 2), 0.3, _gen(1)), hint=_MASK_ORDER)
    yield Case("49 patches, 90% masked: L*(1-r) = 4.9 keeps 4", (_tokens(2, 49, 2, 3), 0.9, _gen(2)),
               hint="int() rounds down: K = int(L * (1 - mask_ratio)), not round().")
    yield Case("mask_ratio 0: every patch kept (in shuffled order)", (_tokens(3, 8, 2, 4), 0.0, _gen(3)),
               hint=_KEEP)
    yield Case("mask_ratio 1: nothing kept", (_tokens(2, 6, 2, 5), 1.0, _gen(4)), hint=_KEEP)
    yield Case("float64 tokens", (_tokens(3, 12, 4, 6, torch.float64), 0.5, _gen(5)),
               hint="The noise is float32 whatever x's dtype; the mask is in x's dtype.")
    yield Case("600 images (more than a 512-row chunk)", (_tokens(600, 9, 2, 7), 0.6, _gen(6)),
               hint="One (N, L) draw for the whole batch: every image its own noise row.")
    yield Case("one token dimension, tokens all equal", (torch.ones(3, 16, 1), 0.75, _gen(7)),
               hint="Equal tokens: only the mask and ids_restore tell the images apart. " + _RESTORE)
    yield Case("a batch of one image, 64 patches", (_tokens(1, 64, 5, 8), 0.75, _gen(8)), hint=_KEEP)


@st.composite
def _random_mask(draw):
    n = draw(st.one_of(st.integers(1, 8), st.integers(513, 520)))
    length, d = draw(st.integers(1, 40)), draw(st.integers(1, 4))
    ratio = draw(st.sampled_from([0.0, 0.25, 0.5, 0.6, 0.75, 0.9, 1.0]))
    seed = draw(st.integers(0, 9999))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    return Case(f"{n} images, {length} patches of {d}, mask_ratio {ratio}, {str(dtype)[6:]}, seed={seed}",
                (_tokens(n, length, d, seed, dtype), ratio, _gen(seed)))


def _mask_twice(generator):
    return Case("5 images of 16 patches, 75% masked", (_tokens(5, 16, 2, 31), 0.75, generator))


register(Exercise(
    id="26.random_masking",
    title="random_masking(x, mask_ratio, generator): keep the K lowest-noise patches; mask and ids_restore",
    reference=random_masking,
    tests=[against_reference(random_masking, _mask_cases),
           property_test(random_masking, _random_mask()),
           generator_test(random_masking, _mask_twice),
           default_device_test(random_masking, _mask_cases)],
    hint="Sort uniform noise per image: the argsort is the shuffle, the argsort of the shuffle undoes it.",
))


# ----------------------------------------------------------------------------- 26.masked_mse
_ONLY = "Only masked patches count (mask == 1): sum(per-patch MSE * mask) / sum(mask)."
_POOL = ("One mean over every masked patch of the batch, not a mean per image first: images with more masked "
         "patches weigh more.")
_NORM = ("norm_pix standardises each TARGET patch: (t - t.mean(-1)) / sqrt(t.var(-1) + eps), torch's default "
         "(unbiased) var; the prediction is left as it is.")


def _mse_case(n: int, length: int, d: int, seed: int, p: float = 0.75, dtype=torch.float32):
    g = _gen(seed)
    pred = torch.randn(n, length, d, generator=g, dtype=torch.float64).to(dtype)
    target = torch.rand(n, length, d, generator=g, dtype=torch.float64).to(dtype)
    mask = (torch.rand(n, length, generator=g) < p).to(dtype)
    mask[:, 0] = 1.0  # at least one masked patch per image
    return pred, target, mask


def _mse_cases():
    yield Case("4 images of 16 patches of 4", _mse_case(4, 16, 4, 1), hint=_ONLY)
    pred, target, _ = _mse_case(2, 6, 3, 2)
    mask = torch.tensor([[1.0, 0, 0, 0, 0, 0], [1.0, 1, 1, 1, 1, 0]])
    yield Case("1 masked patch in image 0, 5 in image 1", (pred, target, mask), hint=_POOL)
    yield Case("a boolean mask", (pred, target, mask.bool()), hint="Cast a boolean mask to the loss's dtype.")
    yield Case("norm_pix=True", _mse_case(3, 8, 6, 3), {"norm_pix": True}, hint=_NORM)
    pred, target, mask = _mse_case(2, 5, 4, 4)
    target[0, 0] = 0.3  # a flat patch: variance 0, normalised to 0
    target[1, 0] = 0.5 + 1e-3 * torch.arange(4.0)  # nearly flat: eps decides its scale
    yield Case("norm_pix with a flat and a nearly flat target patch", (pred, target, mask), {"norm_pix": True},
               hint="A flat patch has var 0: (t - mean) is 0 and eps keeps the division finite.")
    yield Case("norm_pix with eps=0.1", (pred, target, mask), {"norm_pix": True, "eps": 0.1},
               hint="eps is added to the variance, inside the square root.")
    yield Case("eps without norm_pix changes nothing", _mse_case(2, 4, 3, 5), {"eps": 10.0},
               hint="Without norm_pix, the target is used as it is.")
    yield Case("float64 inputs", _mse_case(3, 10, 4, 6, dtype=torch.float64), {"norm_pix": True},
               hint="float64 in, float64 arithmetic and result out.")
    yield Case("600 images (more than a 512-row chunk)", _mse_case(600, 4, 2, 7, p=0.5), hint=_POOL)
    yield Case("patches of one pixel (D = 1)", _mse_case(3, 9, 1, 8), hint=_ONLY)


@st.composite
def _random_mse(draw):
    n = draw(st.one_of(st.integers(1, 8), st.integers(513, 520)))
    length, d = draw(st.integers(1, 20)), draw(st.integers(2, 12))
    seed = draw(st.integers(0, 9999))
    norm_pix = draw(st.booleans())
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    p = draw(st.sampled_from([0.25, 0.5, 0.75]))
    return Case(f"{n} images, {length} patches of {d}, norm_pix={norm_pix}, {str(dtype)[6:]}, seed={seed}",
                _mse_case(n, length, d, seed, p, dtype), {"norm_pix": norm_pix})


def _pred_gradient(fn) -> str | None:
    """The gradient reaching pred must be the reference's (2/(D * #masked)) (pred - target) on masked patches."""
    for norm_pix in (False, True):
        pred, target, mask = _mse_case(3, 6, 4, 11)
        want_pred = pred.clone().requires_grad_()
        masked_mse(want_pred, target, mask, norm_pix=norm_pix).backward()
        got_pred = pred.clone().requires_grad_()
        out = fn(got_pred, target.clone(), mask.clone(), norm_pix=norm_pix)
        if not isinstance(out, torch.Tensor) or not out.requires_grad:
            return "the loss carries no gradient to pred (was something detached?)"
        out.backward()
        if got_pred.grad is None or not torch.allclose(got_pred.grad, want_pred.grad, rtol=1e-4, atol=1e-6):
            return f"the gradient w.r.t. pred is wrong (norm_pix={norm_pix})"
    return None


register(Exercise(
    id="26.masked_mse",
    title="masked_mse(pred, target, mask, norm_pix, eps): the mean squared error over the masked patches only",
    reference=masked_mse,
    tests=[against_reference(masked_mse, _mse_cases),
           property_test(masked_mse, _random_mse()),
           default_device_test(masked_mse, _mse_cases),
           custom("gradient reaching pred", _pred_gradient)],
    hint="Per patch: the mean of its squared errors; then the mean of those over the masked patches only.",
))
