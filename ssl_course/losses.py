"""Contrastive losses, vectorised, with the tensor shapes in each docstring.

Every loss here is a cross-entropy over a row of similarities: the positive must win a
softmax against the negatives. That single idea separates them from the common wrong answer
(independent sigmoids over a Gram matrix), which never makes the positive compete.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ._validate import check_matrix, check_positive, check_same_shape


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
    q, k = F.normalize(query, dim=1), F.normalize(key, dim=1)
    return info_nce_from_scores(q @ k.T / temperature)


def info_nce_mi_bound(scores: torch.Tensor) -> torch.Tensor:
    """The InfoNCE lower bound on I(X; Y), in nats: log N - InfoNCE(scores).

    scores: (N, N) critic scores, positives on the diagonal. Returns a scalar tensor that
    keeps its gradient, so a critic can be trained by maximising it. It can never exceed
    log N, whatever the true mutual information: the bound saturates.
    """
    return math.log(scores.shape[0]) - info_nce_from_scores(scores)


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.5) -> torch.Tensor:
    """SimCLR's normalised-temperature cross-entropy over 2N views.

    z1, z2: (N, D), row i of each is a view of image i. Each of the 2N views must pick its
    partner out of the other 2N - 1 views (itself excluded). Returns a scalar, the mean
    over all 2N anchors.
    """
    check_same_shape("z1", z1, "z2", z2)
    check_positive("temperature", temperature)
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)  # (2N, D)
    sim = z @ z.T / temperature  # (2N, 2N)
    self_mask = torch.eye(2 * n, dtype=torch.bool, device=z.device)
    sim = sim.masked_fill(self_mask, float("-inf"))  # a view is never its own negative
    partner = torch.arange(2 * n, device=z.device).roll(n)  # i <-> i + N
    return F.cross_entropy(sim, partner)


def supcon(features: torch.Tensor, labels: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """Supervised contrastive loss (Khosla et al. 2020, the L_out form).

    features: (N, D) embeddings (normalised inside); labels: (N,) integer classes.
    Every other sample with the same label is a positive of anchor i; the softmax runs over
    all samples but i. Anchors without any positive are left out of the mean.
    """
    check_matrix("features", features)
    if labels.ndim != 1 or labels.shape[0] != features.shape[0]:
        raise ValueError(f"labels must have shape ({features.shape[0]},), got {tuple(labels.shape)}")
    check_positive("temperature", temperature)
    n = features.shape[0]
    z = F.normalize(features, dim=1)
    sim = z @ z.T / temperature
    self_mask = torch.eye(n, dtype=torch.bool, device=z.device)
    log_prob = sim.masked_fill(self_mask, float("-inf")).log_softmax(dim=1)
    positives = (labels[:, None] == labels[None, :]) & ~self_mask  # (N, N)
    n_pos = positives.sum(dim=1)
    has_pos = n_pos > 0
    if not has_pos.any():
        raise ValueError("supcon needs at least two samples with the same label in the batch")
    pos_log_prob = log_prob.masked_fill(~positives, 0.0).sum(dim=1)
    return -(pos_log_prob[has_pos] / n_pos[has_pos]).mean()
