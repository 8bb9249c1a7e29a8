"""Metric learning: Euclidean distances, and the margin losses built on them (chapter 11).

- `pairwise_distances`: exact Euclidean distances with a zero gradient where a distance is 0;
- `margin_contrastive`: Hadsell, Chopra and LeCun's pair loss over every pair of a batch;
- `triplet`: the triplet loss of given (anchor, positive, negative) rows (FaceNet);
- `batch_hard_triplet`: each anchor's hardest positive and negative in the batch (Hermans et al.).

Checked against pytorch-metric-learning (batch-hard), torch's triplet_margin_loss (triplet) and
brute-force loops (tests/test_losses_peers.py, tests/test_retrieval.py).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .._validate import check_labels, check_matrix, check_nonnegative


def pairwise_distances(x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
    """Euclidean distances between the rows of x: (N, D) and of y: (M, D) (y = x when None) -> (N, M).

    Computed from the differences x_i - y_j, not from the expansion |x|^2 + |y|^2 - 2 x.y,
    which cancels catastrophically when the rows are far from the origin compared with their
    distances (rows of norm 1e4 one unit apart lose every digit in float32; torch.cdist uses
    the expansion by default past 25 rows, so it is told not to). The gradient of a distance
    that is exactly 0 (the diagonal, duplicate rows) is 0, the subgradient of the norm at 0
    (torch.linalg.vector_norm's choice too), not NaN. Chapter 11's exercise writes the same
    thing with broadcasting: sqrt of the summed squared differences, with a root of 1 taken
    where the sum is 0; cdist's kernel does it without the (N, M, D) intermediate.
    """
    check_matrix("x", x)
    if y is None:
        y = x
    check_matrix("y", y)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must have the same width, got {x.shape[1]} and {y.shape[1]}")
    return torch.cdist(x, y, compute_mode="donot_use_mm_for_euclid_dist")  # (N, M), from differences


def margin_contrastive(embeddings: torch.Tensor, labels: torch.Tensor, margin: float = 1.0) -> torch.Tensor:
    """The contrastive loss with a margin (Hadsell, Chopra, LeCun 2006), over every pair of a batch.

    embeddings: (N, D); labels: (N,) integer classes. For each unordered pair i < j at distance
    d: d^2 when y_i = y_j (pulled together), relu(margin - d)^2 otherwise (pushed out to the
    margin, no further). Returns the mean over the N(N-1)/2 pairs: a scalar (0 when N = 1).
    """
    check_matrix("embeddings", embeddings)
    check_labels("labels", labels, embeddings.shape[0], "embeddings")
    check_nonnegative("margin", margin)
    n = embeddings.shape[0]
    i, j = torch.triu_indices(n, n, 1, device=embeddings.device)
    dist = pairwise_distances(embeddings)[i, j]  # (P,) every unordered pair once
    same = labels[i] == labels[j]
    per_pair = torch.where(same, dist.pow(2), F.relu(margin - dist).pow(2))
    return per_pair.mean() if per_pair.numel() else embeddings.sum() * 0.0


def triplet(anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor, margin: float = 0.2) -> torch.Tensor:
    """The triplet loss (Schroff et al. 2015, FaceNet) of given triplets, Euclidean distances.

    anchor, positive, negative: (T, D), row t is one triplet. Returns the mean over t of
    relu(|a_t - p_t| - |a_t - n_t| + margin): a scalar. torch's F.triplet_margin_loss with
    eps=0 computes the same (its default eps=1e-6 is added to every difference).
    """
    check_matrix("anchor", anchor)
    for name, other in (("positive", positive), ("negative", negative)):
        check_matrix(name, other)
        if other.shape != anchor.shape:
            raise ValueError(f"{name} must have the shape of anchor {tuple(anchor.shape)}, got {tuple(other.shape)}")
    check_nonnegative("margin", margin)
    d_pos = (anchor - positive).norm(dim=1)  # the norm's gradient at 0 is 0
    d_neg = (anchor - negative).norm(dim=1)
    return F.relu(d_pos - d_neg + margin).mean()


def batch_hard_triplet(embeddings: torch.Tensor, labels: torch.Tensor, margin: float = 0.2) -> torch.Tensor:
    """Batch-hard triplet loss (Hermans et al. 2017) with Euclidean distances and a hinge.

    embeddings: (N, D), not normalised here; labels: (N,) integer classes (any values).
    For each anchor i: relu(max_{p: y_p = y_i, p != i} d(i, p) - min_{n: y_n != y_i} d(i, n) + margin).
    Anchors without a positive or without a negative are left out of the mean. When no
    anchor is valid the loss is a zero that still carries a (zero) gradient, so a batch that
    happens to hold no triplet does not crash a training loop. Returns a scalar.
    Ties (equally distant positives or negatives) change no value; the gradient goes to the
    lowest index among them. A distance of exactly 0 has gradient 0 (see pairwise_distances).
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
        dist = pairwise_distances(embeddings)  # (N, N) exact; cdist's float32 shortcut is not
        hardest_pos = dist.masked_fill(~positives, -1.0).max(dim=1)  # distances are >= 0
        hardest_neg = dist.masked_fill(same, float("inf")).min(dim=1)
        valid = (hardest_pos.values >= 0) & torch.isfinite(hardest_neg.values)
    if not valid.any():
        return embeddings.sum() * 0.0  # no triplet in the batch: zero loss, zero gradient
    anchor = embeddings[valid]
    d_pos = (anchor - embeddings[hardest_pos.indices[valid]]).norm(dim=1)
    d_neg = (anchor - embeddings[hardest_neg.indices[valid]]).norm(dim=1)
    return F.relu(d_pos - d_neg + margin).mean()
