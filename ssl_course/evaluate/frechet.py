"""The Fréchet distance between two sets of features, each summarised by a Gaussian: the FID of
Heusel et al. (2017) when the features are Inception-v3's, here a small digit classifier's.

For Gaussians N(mu1, S1) and N(mu2, S2) the squared 2-Wasserstein (Fréchet) distance is

    d^2 = |mu1 - mu2|^2 + tr S1 + tr S2 - 2 tr (S1^(1/2) S2 S1^(1/2))^(1/2)

(Dowson & Landau 1982). tr (S1^(1/2) S2 S1^(1/2))^(1/2) equals tr (S1 S2)^(1/2), the form FID code
writes with `scipy.linalg.sqrtm`; the symmetric form needs only `torch.linalg.eigh`, whose
eigenvalues are real, so round-off below zero is clamped instead of turning into NaN or an
imaginary part. When S1 and S2 commute (diagonal covariances) the trace term is
sum sqrt(eig S1) sqrt(eig S2) and d^2 = |mu1 - mu2|^2 + |S1^(1/2) - S2^(1/2)|_F^2."""
from __future__ import annotations

import torch

from .._validate import check_matrix, check_tensor


def sqrtm_psd(s: torch.Tensor) -> torch.Tensor:
    """The symmetric square root of a symmetric positive semi-definite matrix s (D, D) -> (D, D).

    Eigenvalues below zero (round-off on a singular covariance) are clamped to zero."""
    evals, evecs = torch.linalg.eigh(s)
    return (evecs * evals.clamp_min(0).sqrt()) @ evecs.mT


def gaussian_frechet(mu1: torch.Tensor, cov1: torch.Tensor, mu2: torch.Tensor, cov2: torch.Tensor) -> torch.Tensor:
    """d^2 between N(mu1, cov1) and N(mu2, cov2): means (D,), covariances (D, D) -> a 0-d tensor.

    Computed in the inputs' dtype, on their device."""
    for name, v in (("mu1", mu1), ("mu2", mu2)):
        check_tensor(name, v)
        if v.ndim != 1:
            raise ValueError(f"{name} must be 1-D (D,), got shape {tuple(v.shape)}")
    d = mu1.shape[0]
    for name, c in (("cov1", cov1), ("cov2", cov2)):
        check_tensor(name, c)
        if c.shape != (d, d) or mu2.shape != (d,):
            raise ValueError(f"mu1, mu2 must be ({d},) and cov1, cov2 ({d}, {d}); got mu2 {tuple(mu2.shape)}, "
                             f"{name} {tuple(c.shape)}")
    root1 = sqrtm_psd(cov1)
    middle = root1 @ cov2 @ root1
    middle = (middle + middle.mT) / 2  # symmetric up to round-off; eigh reads one triangle only
    trace_root = torch.linalg.eigvalsh(middle).clamp_min(0).sqrt().sum()
    return (mu1 - mu2).pow(2).sum() + torch.trace(cov1) + torch.trace(cov2) - 2 * trace_root


def mean_cov(x: torch.Tensor, name: str = "x") -> tuple[torch.Tensor, torch.Tensor]:
    """Mean (D,) and covariance (D, D) of features x (N, D), N - 1 in the denominator (N >= 2)."""
    check_matrix(name, x)
    if x.shape[0] < 2:
        raise ValueError(f"{name} needs at least 2 rows for a covariance, got shape {tuple(x.shape)}")
    mu = x.mean(dim=0)
    centred = x - mu
    return mu, centred.mT @ centred / (x.shape[0] - 1)


def frechet_distance(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The Fréchet distance between features x (N, D) and y (M, D), a 0-d tensor (N, M >= 2).

    Each set is summarised by its mean and its covariance (N - 1 in the denominator, as np.cov
    and torch.cov), then `gaussian_frechet`. In the inputs' dtype, on their device; FID is this
    on Inception-v3's 2048-d pool features of 50,000 samples."""
    check_matrix("x", x)
    check_matrix("y", y)
    if x.shape[1:] != y.shape[1:]:
        raise ValueError(f"x and y must have the same number of features, got {tuple(x.shape)} and {tuple(y.shape)}")
    if x.dtype != y.dtype:
        raise TypeError(f"x and y must have the same dtype, got {x.dtype} and {y.dtype}")
    return gaussian_frechet(*mean_cov(x, "x"), *mean_cov(y, "y"))
