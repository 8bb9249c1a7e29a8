"""Preprocessing statistics, fitted on the training data only (chapter 07): streaming
per-feature mean and variance (Chan et al.'s parallel merge), a `Standardize` transform, and
ZCA whitening.

The running state is (count, mean, m2): the number of rows seen, their per-feature mean and
the per-feature sum of squared deviations from that mean. M2 holds no variance convention;
`finalize` turns it into the unbiased variance (divisor count - 1, as `torch.var_mean`).
"""
from __future__ import annotations

from typing import NamedTuple

import torch


class Stats(NamedTuple):
    """Running per-feature statistics. count: int; mean, m2: (D,)."""

    count: int
    mean: torch.Tensor
    m2: torch.Tensor


def empty_stats(d: int, dtype=torch.float64, device=None) -> Stats:
    """The state before any row: count 0, mean and m2 all zeros, (D,)."""
    return Stats(0, torch.zeros(d, dtype=dtype, device=device), torch.zeros(d, dtype=dtype, device=device))


def running_stats(count: int, mean: torch.Tensor, m2: torch.Tensor, batch: torch.Tensor) -> Stats:
    """Merge a batch into the running state (Chan, Golub and LeVeque's parallel formula).

    count: rows seen so far (0 for none); mean, m2: (D,), the state (zeros when count is 0);
    batch: (B, D) with B >= 1. Returns Stats(count + B, mean', m2') in the batch's dtype and
    device. The batch's own mean and M2 are computed about the batch mean (two-pass), and
    the two parts merged with the difference of the means, so no sum of squares of large
    values is ever formed: precise even for data offset by 1e8.
    """
    nb = batch.shape[0]
    n = count + nb
    batch_mean = batch.mean(dim=0)  # (D,)
    batch_m2 = ((batch - batch_mean) ** 2).sum(dim=0)  # (D,)
    delta = batch_mean - mean  # (D,)
    new_mean = mean + delta * (nb / n)
    new_m2 = m2 + batch_m2 + delta ** 2 * (count * nb / n)
    return Stats(n, new_mean, new_m2)


def finalize(stats: Stats, correction: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """(variance, mean), each (D,), with divisor count - correction (1: unbiased, as torch.var_mean)."""
    if stats.count - correction <= 0:
        raise ValueError(f"need more than {correction} rows for this correction, have {stats.count}")
    return stats.m2 / (stats.count - correction), stats.mean


def streaming_var_mean(batches, correction: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """(variance, mean), each (D,), of the rows of an iterable of (B, D) batches, one pass."""
    stats = None
    for batch in batches:
        if stats is None:
            stats = empty_stats(batch.shape[1], batch.dtype, batch.device)
        stats = running_stats(*stats, batch)
    if stats is None:
        raise ValueError("no batches")
    return finalize(stats, correction)


def naive_var_mean(batches, correction: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """The textbook one-pass formula, var = (sum x^2 - n mean^2) / (n - 1): wrong for data far
    from 0 (catastrophic cancellation). Shown in chapter 07 as what not to do."""
    n, s, q = 0, 0.0, 0.0
    for batch in batches:
        n, s, q = n + batch.shape[0], s + batch.sum(dim=0), q + (batch ** 2).sum(dim=0)
    mean = s / n
    return (q - n * mean ** 2) / (n - correction), mean


class Standardize:
    """x -> (x - mean) / std per feature (or per channel of images), with statistics fitted once.

    mean, std: (D,) or (C,); for images (N, C, H, W) they broadcast over H and W. std is clamped
    at `eps`, so a constant feature maps to 0 instead of NaN.
    """

    def __init__(self, mean: torch.Tensor, std: torch.Tensor, eps: float = 1e-8):
        self.mean, self.std = mean, std.clamp_min(eps)

    @classmethod
    def fit(cls, x: torch.Tensor, per_channel: bool = False, batch_size: int = 512, eps: float = 1e-8):
        """Statistics of x (N, D) per feature, or of images (N, C, H, W) per channel when
        per_channel, streamed in batches (the data need not fit in memory at once)."""
        rows = x.transpose(0, 1).flatten(1).T if per_channel else x.flatten(1)  # (N*H*W, C) or (N, D)
        var, mean = streaming_var_mean(rows.split(batch_size))
        return cls(mean, var.sqrt(), eps)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, D) or (N, C, H, W) -> the same shape, standardised."""
        if x.dim() > 2 and self.mean.numel() == x.shape[1]:  # per channel: broadcast over H, W
            shape = (-1,) + (1,) * (x.dim() - 2)
        else:  # per feature
            shape = x.shape[1:]
        return (x - self.mean.to(x).reshape(shape)) / self.std.to(x).reshape(shape)


def zca(x: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor]:
    """ZCA whitening of x: (N, D) -> (W (D, D), mean (D,)); whitened data is (x - mean) @ W.

    C = (x - mean)^T (x - mean) / N (divisor N), C = U diag(lam) U^T, and
    W = U diag(1 / sqrt(lam + eps)) U^T = (C + eps I)^(-1/2): symmetric, so (x - mean) @ W
    is also W applied to each column vector. eps > 0 keeps a constant feature finite.
    Computed in x's dtype and on x's device.
    """
    mean = x.mean(dim=0)
    centred = x - mean
    cov = centred.T @ centred / x.shape[0]  # (D, D)
    lam, u = torch.linalg.eigh(cov)
    w = (u * (lam.clamp_min(0) + eps).rsqrt()) @ u.T  # U diag(.) U^T without forming the diagonal
    return w, mean
