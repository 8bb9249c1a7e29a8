"""Barlow Twins (Zbontar et al. 2021): no negatives; the cross-correlation of the two views'
embeddings is pushed to the identity. Checked against lightly's BarlowTwinsLoss.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .._validate import check_batch_of_two, check_positive, check_same_shape


def barlow_twins(z1: torch.Tensor, z2: torch.Tensor, lambda_: float = 5e-3) -> torch.Tensor:
    """Barlow Twins (Zbontar et al. 2021): push the views' cross-correlation to the identity.

    z1, z2: (N, D), row i of each a view of image i; N >= 2. Each feature is standardised
    over the batch (mean 0, biased variance 1, eps 1e-5, as BatchNorm1d(affine=False) does),
    C = z1n^T z2n / N is (D, D), and the loss is sum_i (1 - C_ii)^2 + lambda_ sum_{i != j} C_ij^2.
    Returns a scalar.
    """
    check_same_shape("z1", z1, "z2", z2)
    check_batch_of_two("z1", z1)
    check_positive("lambda_", lambda_)
    n = z1.shape[0]
    z1n = F.batch_norm(z1, None, None, training=True)  # fused standardisation, eps=1e-5
    z2n = F.batch_norm(z2, None, None, training=True)
    c = z1n.T @ z2n / n  # (D, D)
    diag = c.diagonal()
    # sum of off-diagonal squares = all squares - diagonal squares: no (D^2 - D) gather copy
    off_diag = c.pow(2).sum() - diag.pow(2).sum()
    return (1 - diag).pow(2).sum() + lambda_ * off_diag
