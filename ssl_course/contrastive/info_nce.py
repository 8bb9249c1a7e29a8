"""InfoNCE (van den Oord et al. 2018): each query must pick its positive key out of the batch
in one softmax, and log N minus the loss is, in expectation, a lower bound on the mutual
information (Poole et al. 2019).

Checked against a loop, a closed form and the info-nce-pytorch library (tests/).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .._validate import check_matrix, check_positive, check_same_shape


def info_nce_from_scores(scores: torch.Tensor) -> torch.Tensor:
    """InfoNCE loss from a critic's score matrix.

    scores: (N, N), scores[i, j] = f(x_i, y_j); the positive pairs are on the diagonal.
    Returns a scalar: mean over i of -log softmax(scores[i])[i].
    `log N - loss` is the InfoNCE lower bound on the mutual information I(X; Y) in nats.
    """
    check_matrix("scores", scores)
    if scores.shape[0] != scores.shape[1]:
        raise ValueError(f"scores must be square (N, N), got shape {tuple(scores.shape)}")
    targets = torch.arange(scores.shape[0], device=scores.device)
    return F.cross_entropy(scores, targets)


def info_nce(query: torch.Tensor, key: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """InfoNCE with cosine similarity: query i's positive is key i, every other key a negative.

    query, key: (N, D). Returns a scalar (mean over the N queries).
    """
    check_same_shape("query", query, "key", key)
    check_positive("temperature", temperature)
    # the temperature goes into the (N, D) query, not the (N, N) scores: a smaller tensor
    q, k = _unit_rows(query, 1 / temperature), _unit_rows(key)
    return info_nce_from_scores(q @ k.T)


def _unit_rows(x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """scale * x_i / max(|x_i|, 1e-12) for each row i of x: (N, D) -> (N, D).

    F.normalize's value (1 / max(|x|, eps) = rsqrt(max(|x|^2, eps^2))), times a scale, as
    one multiply by a per-row factor: its backward pass is cheaper than that of F.normalize's
    division and norm (a measurable share of InfoNCE's time at batch 256).
    """
    inv_norm = torch.rsqrt(x.pow(2).sum(dim=1, keepdim=True).clamp_min(1e-24))  # (N, 1)
    return x * (inv_norm * scale)


def info_nce_mi_bound(scores: torch.Tensor) -> torch.Tensor:
    """The InfoNCE lower bound on I(X; Y), in nats: log N - InfoNCE(scores).

    scores: (N, N) critic scores, positives on the diagonal. Returns a scalar tensor that
    keeps its gradient, so a critic can be trained by maximising it. It can never exceed
    log N, whatever the true mutual information: the bound saturates. The critic that
    maximises it is the density ratio f(x, y) = log p(y|x) / p(y) + c(x), not log p(y|x).
    """
    return math.log(scores.shape[0]) - info_nce_from_scores(scores)
