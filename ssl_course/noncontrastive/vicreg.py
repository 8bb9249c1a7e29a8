"""VICReg (Bardes et al. 2022): invariance, variance and covariance terms keep the embeddings
from collapsing without negatives. Checked against lightly's VICRegLoss.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .._validate import (
    check_batch_of_two,
    check_nonnegative,
    check_positive,
    check_same_shape,
)


def vicreg(z1: torch.Tensor, z2: torch.Tensor, sim_weight: float = 25.0, var_weight: float = 25.0,
           cov_weight: float = 1.0, eps: float = 1e-4) -> torch.Tensor:
    """VICReg (Bardes et al. 2022): invariance + variance + covariance, the paper's weights.

    z1, z2: (N, D), row i of each a view of image i; N >= 2.
      invariance: mean squared error between the views, over all N * D entries;
      variance:   mean over features of relu(1 - sqrt(Var + eps)) (unbiased Var), averaged
                  over the two views, so that no feature collapses to a constant;
      covariance: sum of squared off-diagonal entries of each view's (D, D) covariance / D,
                  summed over the two views, so that features carry different information.
    Returns a scalar: sim_weight * inv + var_weight * var + cov_weight * cov.
    """
    check_same_shape("z1", z1, "z2", z2)
    check_batch_of_two("z1", z1)
    for name, value in (("sim_weight", sim_weight), ("var_weight", var_weight), ("cov_weight", cov_weight)):
        check_nonnegative(name, value)
    check_positive("eps", eps)
    n, d = z1.shape
    invariance = F.mse_loss(z1, z2)
    z = torch.stack([z1, z2])  # (2, N, D): both views' statistics in one batched pass
    zc = z - z.mean(dim=1, keepdim=True)
    cov = torch.bmm(zc.transpose(1, 2), zc) / (n - 1)  # (2, D, D)
    var = cov.diagonal(dim1=1, dim2=2)  # (2, D): the unbiased variances, already computed
    variance = F.relu(1 - torch.sqrt(var + eps)).mean()  # the mean over both views = average
    # sum of off-diagonal squares = all squares - diagonal squares
    covariance = (cov.pow(2).sum() - var.pow(2).sum()) / d
    return sim_weight * invariance + var_weight * variance + cov_weight * covariance
