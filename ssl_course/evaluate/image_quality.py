"""Image quality against a clean reference (chapter 18): the peak signal-to-noise ratio."""
from __future__ import annotations

import torch


def psnr(x: torch.Tensor, y: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    """Mean over images of each image's PSNR in dB: 10 log10(data_range^2 / MSE_i).

    x, y: (N, ...) the same shape (an image is everything after the first dimension; any C, H, W).
    MSE_i is the mean squared difference over image i's entries. data_range is the span of the
    pixel values (1.0 for [0, 1], 255 for uint8-style pixels), never guessed from the data.
    An image reproduced exactly has PSNR +inf, and then so does the mean. Returns a scalar in x's
    floating dtype, computed in that dtype.
    """
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {tuple(x.shape)} and {tuple(y.shape)}")
    if x.dim() < 2:
        raise ValueError(f"x must be (N, ...) with at least one entry per image, got shape {tuple(x.shape)}")
    mse = (x - y).pow(2).flatten(1).mean(dim=1)  # (N,)
    return (10 * torch.log10(data_range ** 2 / mse)).mean()
