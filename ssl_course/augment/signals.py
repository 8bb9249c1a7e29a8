"""Batched, vectorised augmentations for 1-D signals such as MNIST-1D.

They mirror the nuisances that MNIST-1D's own generator (mnist1d/transform.py) puts into
every example - a circular translation, a dilation, an amplitude scale, a linear shear,
correlated noise and i.i.d. noise - so two views of a signal differ by exactly what its
label does not depend on. Every random number comes from the `generator` argument (drawn
on the generator's device, then moved to x's), so one seed gives one set of views anywhere.

Default strengths are in the units of `data.mnist1d()`, which is standardised to unit
variance: the generator's raw settings divided by the raw signals' standard deviation (0.154).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .._validate import check_generator, check_nonnegative, check_tensor


def _check_signals(x) -> None:
    check_tensor("x", x)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 2:
        raise ValueError(f"x must be (N, L) signals with N >= 1 and L >= 2, got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"x must be a floating tensor, got dtype {x.dtype}")


def _uniform(n: int, generator: torch.Generator, like: torch.Tensor) -> torch.Tensor:
    """(n,) uniform [0, 1) numbers from `generator`, on like's device and dtype."""
    return torch.rand(n, generator=generator, device=generator.device).to(like.device, like.dtype)


def _normal_like(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return torch.randn(x.shape, generator=generator, device=generator.device).to(x.device, x.dtype)


def circular_warp(x: torch.Tensor, shift: torch.Tensor, stretch: torch.Tensor) -> torch.Tensor:
    """Resample every signal on a shifted, stretched, wrapped-around time axis.

    x: (N, L); shift: (N,) in samples (fractional allowed); stretch: (N,) > 0, the dilation
    factor about the signal's centre (2 = twice as wide). Returns (N, L): out[n, t] is x[n]
    linearly interpolated at (c + (t - c) / stretch[n] - shift[n]) mod L, c = (L - 1) / 2.
    """
    _check_signals(x)
    n, length = x.shape
    if shift.shape != (n,) or stretch.shape != (n,):
        raise ValueError(f"shift and stretch must have shape ({n},), got "
                         f"{tuple(shift.shape)} and {tuple(stretch.shape)}")
    if not bool((stretch > 0).all()):
        raise ValueError("stretch must be > 0 everywhere")
    t = torch.arange(length, device=x.device, dtype=x.dtype)
    c = (length - 1) / 2
    pos = c + (t[None] - c) / stretch[:, None] - shift[:, None]  # (N, L) source positions
    pos = torch.remainder(pos, length)
    lo = pos.floor()
    frac = pos - lo
    lo = lo.long() % length  # remainder can round up to exactly `length`
    hi = (lo + 1) % length
    return torch.lerp(x.gather(1, lo), x.gather(1, hi), frac)


def gaussian_smooth(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Smooth every row of x: (N, L) with a circular Gaussian kernel of std `sigma` samples.

    Used to turn white noise into the correlated noise MNIST-1D adds (scipy's
    gaussian_filter(noise, 2) in the generator).
    """
    _check_signals(x)
    check_nonnegative("sigma", sigma)
    if sigma == 0:
        return x
    radius = min(int(4 * sigma + 0.5), (x.shape[1] - 1) // 2)
    k = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)
    kernel = torch.exp(-0.5 * (k / sigma) ** 2)
    kernel = (kernel / kernel.sum()).view(1, 1, -1)
    padded = F.pad(x[:, None], (radius, radius), mode="circular")  # (N, 1, L + 2r)
    return F.conv1d(padded, kernel)[:, 0]


def signal_augment(x: torch.Tensor, generator: torch.Generator, *, max_shift: float = 1.0,
                   stretch: float = 0.2, scale: float = 0.4, shear: float = 5.0,
                   corr_noise: float = 1.6, corr_sigma: float = 2.0,
                   iid_noise: float = 0.13) -> torch.Tensor:
    """One random view of every signal in the batch.

    x: (N, L) -> (N, L), a new tensor. Per signal, independently:
      - circular shift by up to max_shift * L samples either way (max_shift=1: any shift),
      - dilation by a factor in [1 - stretch, 1 + stretch] about the centre,
      - amplitude scale by 1 + scale * (u - 0.5), u ~ U[0, 1),
      - shear: add shear * (u - 0.5) * ramp, ramp running linearly from -0.5 to 0.5,
      - correlated noise: corr_noise * N(0, 1) smoothed by a Gaussian of std corr_sigma,
      - i.i.d. noise: iid_noise * N(0, 1).
    A strength of 0 switches that augmentation off.
    """
    _check_signals(x)
    check_generator(generator)
    for name, v in (("max_shift", max_shift), ("stretch", stretch), ("scale", scale),
                    ("shear", shear), ("corr_noise", corr_noise), ("corr_sigma", corr_sigma),
                    ("iid_noise", iid_noise)):
        check_nonnegative(name, v)
    if stretch >= 1:
        raise ValueError(f"stretch must be < 1 (the factor 1 - stretch must stay > 0), got {stretch}")
    n, length = x.shape
    # Draw every random number, in a fixed order, whether or not it is used: the views for
    # one seed then do not change when another augmentation is switched off.
    u_shift, u_stretch, u_scale, u_shear = (_uniform(n, generator, x) for _ in range(4))
    corr, iid = _normal_like(x, generator), _normal_like(x, generator)

    shift = (2 * u_shift - 1) * max_shift * length
    dilation = 1 + stretch * (2 * u_stretch - 1)
    out = circular_warp(x, shift, dilation)
    out = out * (1 + scale * (u_scale - 0.5))[:, None]
    ramp = torch.linspace(-0.5, 0.5, length, device=x.device, dtype=x.dtype)
    out = out + (shear * (u_shear - 0.5))[:, None] * ramp[None]
    if corr_noise > 0:
        out = out + corr_noise * gaussian_smooth(corr, corr_sigma)
    return out + iid_noise * iid
