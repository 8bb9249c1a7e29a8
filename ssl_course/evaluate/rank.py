"""How many directions does a representation use? The effective rank of an embedding matrix
(Roy & Vetterli 2007), the RankMe score of Garrido et al. (2023): a collapsed representation
scores 1, one that spreads evenly over D directions scores D.
"""
from __future__ import annotations

import torch

from .._validate import check_matrix, check_positive

RANKME_EPS = 1e-7  # the constant RankMe adds to every normalised singular value


def effective_rank(z: torch.Tensor, eps: float = RANKME_EPS) -> torch.Tensor:
    """exp of the entropy of the normalised singular values of z, as RankMe computes it.

    z: (N, D) embeddings, one row per example, any N and D (N < D too); NOT centred (as in
    RankMe: a constant embedding, the collapse this measures, has rank 1; centring would
    remove it). With sigma_1..sigma_K the K = min(N, D) singular values of z,
        p_k = sigma_k / sum_j sigma_j + eps,     erank = exp(-sum_k p_k log p_k).
    eps (> 0) keeps log away from 0; it makes a rank-1 matrix score slightly above 1
    (1.0002 for K = 64 at the default 1e-7). An all-zero z (no direction at all) has
    effective rank 0 by definition (p would be 0 / 0).
    Returns a scalar tensor with z's dtype and device. Not meant for gradients.
    """
    check_matrix("z", z)
    check_positive("eps", eps)
    sigma = torch.linalg.svdvals(z)  # (K,), descending, >= 0
    total = sigma.sum()
    p = sigma / total.clamp_min(torch.finfo(z.dtype).tiny) + eps  # (K,); 0 + eps where z is all zero
    erank = torch.exp(-(p * p.log()).sum())
    return torch.where(total > 0, erank, torch.zeros_like(erank))
