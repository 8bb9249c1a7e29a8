"""Small plotting helpers the chapters share: a grid of images and a panel of curves."""
from __future__ import annotations

import math

import torch

from ._validate import check_int, check_tensor


def image_grid(images: torch.Tensor, nrow: int = 8, ax=None, title: str | None = None, pad: int = 1):
    """Show a batch of images as one grid.

    images: (N, C, H, W) with C in {1, 3}, or (N, H, W); values in [0, 1] (clipped).
    Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt
    from torchvision.utils import make_grid

    check_tensor("images", images)
    if images.ndim == 3:
        images = images[:, None]
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"images must be (N, C, H, W) with C in (1, 3), or (N, H, W); got {tuple(images.shape)}")
    grid = make_grid(images.detach().float().cpu().clamp(0, 1), nrow=nrow, padding=pad, pad_value=1.0)
    if ax is None:
        rows = math.ceil(len(images) / nrow)
        _, ax = plt.subplots(figsize=(min(12, 1.0 * nrow), min(12, 1.0 * rows) + 0.3))
    ax.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def curves(series: dict, xlabel: str = "step", ylabel: str = "", ax=None, logy: bool = False,
           smooth: int = 1, title: str | None = None):
    """Plot named sequences (e.g. training losses) on one Axes.

    series: {name: sequence of numbers}; smooth: moving-average window (1 = raw).
    Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    if not isinstance(series, dict):
        raise TypeError(f"series must be a dict {{name: sequence of numbers}}, got {type(series).__name__}")
    if not series:
        raise ValueError("series must be a non-empty dict {name: sequence of numbers}")
    check_int("smooth", smooth, 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.2))
    for name, values in series.items():
        v = torch.as_tensor(list(values), dtype=torch.float64)
        if smooth > 1 and len(v) >= smooth:
            v = v.unfold(0, smooth, 1).mean(dim=1)
        ax.plot(range(smooth - 1, smooth - 1 + len(v)) if smooth > 1 else range(len(v)), v.numpy(), label=name)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if logy:
        ax.set_yscale("log")
    if len(series) > 1:
        ax.legend()
    if title:
        ax.set_title(title)
    return ax
