"""Metric learning with triplets: distances, not a softmax, decide who is close.

Checked against pytorch-metric-learning's batch-hard triplet loss.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .._validate import check_labels, check_matrix, check_nonnegative


def batch_hard_triplet(embeddings: torch.Tensor, labels: torch.Tensor, margin: float = 0.2) -> torch.Tensor:
    """Batch-hard triplet loss (Hermans et al. 2017) with Euclidean distances and a hinge.

    embeddings: (N, D), not normalised here; labels: (N,) integer classes.
    For each anchor i: relu(max_{p: y_p = y_i, p != i} d(i, p) - min_{n: y_n != y_i} d(i, n) + margin).
    Anchors without a positive or without a negative are left out of the mean. When no
    anchor is valid the loss is a zero that still carries a (zero) gradient, so a batch that
    happens to hold no triplet does not crash a training loop. Returns a scalar.
    """
    check_matrix("embeddings", embeddings)
    check_labels("labels", labels, embeddings.shape[0], "embeddings")
    check_nonnegative("margin", margin)
    n = embeddings.shape[0]
    same = labels[:, None] == labels[None, :]  # (N, N)
    positives = same & ~torch.eye(n, dtype=torch.bool, device=embeddings.device)
    # Mining is a discrete choice, so it needs no graph: pick indices on the detached
    # distance matrix, then recompute only the 2N chosen distances with a gradient. The
    # backward pass is then O(N D) instead of going through all N^2 distances.
    with torch.no_grad():
        dist = torch.cdist(embeddings, embeddings)  # (N, N)
        hardest_pos = dist.masked_fill(~positives, -1.0).max(dim=1)  # distances are >= 0
        hardest_neg = dist.masked_fill(same, float("inf")).min(dim=1)
        valid = (hardest_pos.values >= 0) & torch.isfinite(hardest_neg.values)
    if not valid.any():
        return embeddings.sum() * 0.0  # no triplet in the batch: zero loss, zero gradient
    anchor = embeddings[valid]
    d_pos = (anchor - embeddings[hardest_pos.indices[valid]]).norm(dim=1)
    d_neg = (anchor - embeddings[hardest_neg.indices[valid]]).norm(dim=1)
    return F.relu(d_pos - d_neg + margin).mean()
