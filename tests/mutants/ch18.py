"""Known-wrong implementations for chapter 18."""
from __future__ import annotations

import torch

from ssl_course.generative.autoencoder import add_noise

from . import mutant


# --------------------------------------------------------------------------- 18.add_noise
def _draw(x, kind, generator, dtype=None):
    fn = torch.randn if kind == "gaussian" else torch.rand
    return fn(x.shape, generator=generator, dtype=dtype or x.dtype, device="cpu").to(x.device)


@mutant("18.add_noise", "common wrong answer: the seed's x + noise with no clamp (pixels leave [0, 1])")
def _noise_unclamped(x, kind, level, generator=None):
    if kind == "gaussian":
        return x + level * _draw(x, kind, generator)
    return add_noise(x, kind, level, generator)


@mutant("18.add_noise", "masking keeps a fraction `level` instead of dropping it")
def _noise_mask_keep(x, kind, level, generator=None):
    if kind == "masking":
        return x.masked_fill(_draw(x, kind, generator) >= level, 0.0)
    return add_noise(x, kind, level, generator)


@mutant("18.add_noise", "salt and pepper with salt first (u < level/2 -> 1)")
def _noise_salt_first(x, kind, level, generator=None):
    if kind == "salt_pepper":
        u = _draw(x, kind, generator)
        out = x.masked_fill(u < level / 2, 1.0)
        return out.masked_fill((u >= level / 2) & (u < level), 0.0)
    return add_noise(x, kind, level, generator)


@mutant("18.add_noise", "level used as the variance (std = sqrt(level))")
def _noise_variance(x, kind, level, generator=None):
    if kind == "gaussian":
        return (x + level ** 0.5 * _draw(x, kind, generator)).clamp(0, 1)
    return add_noise(x, kind, level, generator)


@mutant("18.add_noise", "re-seeds a copy of the generator: every call repeats the same noise")
def _noise_copied_generator(x, kind, level, generator=None):
    g = torch.Generator()
    g.set_state((generator or torch.default_generator).get_state())
    return add_noise(x, kind, level, g)


@mutant("18.add_noise", "ignores generator=None: draws from a fixed seed")
def _noise_fixed_seed(x, kind, level, generator=None):
    return add_noise(x, kind, level, generator or torch.Generator().manual_seed(0))


@mutant("18.add_noise", "noise drawn in float32 and cast to x's dtype")
def _noise_float32(x, kind, level, generator=None):
    u = _draw(x, kind, generator, dtype=torch.float32).to(x.dtype)
    if kind == "gaussian":
        return (x + level * u).clamp(0, 1)
    if kind == "masking":
        return x.masked_fill(u < level, 0.0)
    return x.masked_fill(u < level / 2, 0.0).masked_fill((u >= level / 2) & (u < level), 1.0)


@mutant("18.add_noise", "noise drawn on the default device (torch.randn without device=)")
def _noise_default_device(x, kind, level, generator=None):
    fn = torch.randn if kind == "gaussian" else torch.rand
    u = fn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
    if kind == "gaussian":
        return (x + level * u).clamp(0, 1)
    if kind == "masking":
        return x.masked_fill(u < level, 0.0)
    return x.masked_fill(u < level / 2, 0.0).masked_fill((u >= level / 2) & (u < level), 1.0)


@mutant("18.add_noise", "one draw per chunk of 512 images (the generator restarts for each chunk)")
def _noise_chunked(x, kind, level, generator=None):
    state = (generator or torch.default_generator).get_state()
    out = []
    for i in range(0, len(x), 512):
        g = torch.Generator()
        g.set_state(state)
        out.append(add_noise(x[i:i + 512], kind, level, g))
    add_noise(x, kind, level, generator)  # moves the real generator on, as the reference does
    return torch.cat(out)


# --------------------------------------------------------------------------- 18.psnr
def _mse(x, y):
    return (x - y).pow(2).flatten(1).mean(dim=1)


@mutant("18.psnr", "common wrong answer: the PSNR of the batch's pooled MSE (one MSE over all images)")
def _psnr_pooled(x, y, data_range=1.0):
    return 10 * torch.log10(data_range ** 2 / (x - y).pow(2).mean())


@mutant("18.psnr", "data_range ignored (always 1)")
def _psnr_no_range(x, y, data_range=1.0):
    return (10 * torch.log10(1.0 / _mse(x, y))).mean()


@mutant("18.psnr", "data_range not squared: 10 log10(data_range / MSE)")
def _psnr_range_unsquared(x, y, data_range=1.0):
    return (10 * torch.log10(data_range / _mse(x, y))).mean()


@mutant("18.psnr", "an epsilon added to the MSE (a perfect image gets a large finite PSNR)")
def _psnr_eps(x, y, data_range=1.0):
    return (10 * torch.log10(data_range ** 2 / (_mse(x, y) + 1e-10))).mean()


@mutant("18.psnr", "MSE over the last two dims only: each channel a separate image")
def _psnr_per_channel(x, y, data_range=1.0):
    if x.dim() < 3:
        return (10 * torch.log10(data_range ** 2 / _mse(x, y))).mean()
    mse = (x - y).pow(2).mean(dim=(-2, -1))
    return (10 * torch.log10(data_range ** 2 / mse)).mean()


@mutant("18.psnr", "computed in float32 and cast back")
def _psnr_float32(x, y, data_range=1.0):
    return (10 * torch.log10(data_range ** 2 / _mse(x.float(), y.float()))).mean().to(x.dtype)


@mutant("18.psnr", "the mean over the first 512 images only (a chunk that forgot the rest)")
def _psnr_first_chunk(x, y, data_range=1.0):
    return (10 * torch.log10(data_range ** 2 / _mse(x[:512], y[:512]))).mean()
