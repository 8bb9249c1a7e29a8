"""Self-supervised losses, vectorised, with the tensor shapes in each docstring.

The contrastive losses (InfoNCE, NT-Xent, SupCon) are each a cross-entropy over a row of
similarities: the positive must win a softmax against the negatives. That single idea
separates them from the common wrong answer (independent sigmoids over a Gram matrix), which
never makes the positive compete. The others (batch-hard triplet, Barlow Twins, VICReg, DINO)
come after them. Each is checked against a loop or closed form and a trusted peer library
(tests/test_losses.py, tests/test_losses_peers.py); benchmarks/losses.py times them.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ._validate import (check_matrix, check_nonnegative, check_positive, check_probability,
                        check_same_shape, check_tensor)


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


# --- Losses without an explicit softmax over negatives ----------------------------------------
# Triplets compare distances, Barlow Twins and VICReg regularise statistics of the batch, DINO
# distils a teacher's distribution; none of them needs a negative to win a softmax.


def batch_hard_triplet(embeddings: torch.Tensor, labels: torch.Tensor, margin: float = 0.2) -> torch.Tensor:
    """Batch-hard triplet loss (Hermans et al. 2017) with Euclidean distances and a hinge.

    embeddings: (N, D), not normalised here; labels: (N,) integer classes.
    For each anchor i: relu(max_{p: y_p = y_i, p != i} d(i, p) - min_{n: y_n != y_i} d(i, n) + margin).
    Anchors without a positive or without a negative are left out of the mean. When no
    anchor is valid the loss is a zero that still carries a (zero) gradient, so a batch that
    happens to hold no triplet does not crash a training loop. Returns a scalar.
    """
    check_matrix("embeddings", embeddings)
    _check_labels(labels, embeddings.shape[0])
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


def barlow_twins(z1: torch.Tensor, z2: torch.Tensor, lambda_: float = 5e-3) -> torch.Tensor:
    """Barlow Twins (Zbontar et al. 2021): push the views' cross-correlation to the identity.

    z1, z2: (N, D), row i of each a view of image i; N >= 2. Each feature is standardised
    over the batch (mean 0, biased variance 1, eps 1e-5, as BatchNorm1d(affine=False) does),
    C = z1n^T z2n / N is (D, D), and the loss is sum_i (1 - C_ii)^2 + lambda_ sum_{i != j} C_ij^2.
    Returns a scalar.
    """
    check_same_shape("z1", z1, "z2", z2)
    _check_batch_of_two("z1", z1)
    check_positive("lambda_", lambda_)
    n = z1.shape[0]
    z1n = F.batch_norm(z1, None, None, training=True)  # fused standardisation, eps=1e-5
    z2n = F.batch_norm(z2, None, None, training=True)
    c = z1n.T @ z2n / n  # (D, D)
    diag = c.diagonal()
    # sum of off-diagonal squares = all squares - diagonal squares: no (D^2 - D) gather copy
    off_diag = c.pow(2).sum() - diag.pow(2).sum()
    return (1 - diag).pow(2).sum() + lambda_ * off_diag


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
    _check_batch_of_two("z1", z1)
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


def dino(student_out: torch.Tensor, teacher_out: torch.Tensor, center: torch.Tensor,
         student_temp: float = 0.1, teacher_temp: float = 0.04) -> torch.Tensor:
    """DINO (Caron et al. 2021): cross-entropy from the centred, sharpened teacher to the student.

    Multi-crop layout: student_out is (S, N, K), S views of a batch of N images, K the output
    dimension; teacher_out is (T, N, K) with T <= S, the teacher's views of the T global crops.
    Student view v and teacher view v are the same crop (global crops come first), and a
    view is never compared with itself: the loss averages over every (t, s) pair with s != t,
    T * S - T pairs, and over the batch. center: (K,), the running mean of teacher outputs
    (update it with `dino_center`). The teacher gets no gradient (it is an EMA of the student).
    Returns a scalar.
    """
    _check_views("student_out", student_out)
    _check_views("teacher_out", teacher_out)
    t_views, n, k = teacher_out.shape
    s_views = student_out.shape[0]
    if student_out.shape[1:] != (n, k) or t_views > s_views:
        raise ValueError(f"student_out (S, N, K) and teacher_out (T, N, K) need the same N, K and "
                         f"T <= S, got {tuple(student_out.shape)} and {tuple(teacher_out.shape)}")
    if s_views < 2:
        raise ValueError(f"student_out needs at least two views, got {s_views}")
    _check_center(center, k)
    check_positive("student_temp", student_temp)
    check_positive("teacher_temp", teacher_temp)
    teacher = F.softmax((teacher_out.detach() - center) / teacher_temp, dim=-1)  # (T, N, K)
    log_student = F.log_softmax(student_out / student_temp, dim=-1)  # (S, N, K)
    # sum over all (t, s) pairs of <teacher_t, log_student_s> factorises into one inner
    # product of the sums over views; then the T same-crop pairs (s = t) are taken back out.
    all_pairs = (teacher.sum(dim=0) * log_student.sum(dim=0)).sum()
    same_crop = (teacher * log_student[:t_views]).sum()
    n_pairs = t_views * s_views - t_views
    return -(all_pairs - same_crop) / (n_pairs * n)


@torch.no_grad()
def dino_center(teacher_out: torch.Tensor, center: torch.Tensor, momentum: float = 0.9) -> torch.Tensor:
    """DINO's centre update: an exponential moving average of the teacher's mean output.

    teacher_out: (T, N, K) or (N, K); center: (K,). Returns the new (K,) centre,
    momentum * center + (1 - momentum) * mean of teacher_out over views and batch.
    Pure: the old centre is not modified, the caller keeps the new one.
    """
    check_tensor("teacher_out", teacher_out)
    if teacher_out.ndim not in (2, 3) or not teacher_out.is_floating_point():
        raise ValueError(f"teacher_out must be a floating (T, N, K) or (N, K) tensor, "
                         f"got shape {tuple(teacher_out.shape)} and dtype {teacher_out.dtype}")
    _check_center(center, teacher_out.shape[-1])
    check_probability("momentum", momentum)
    batch_center = teacher_out.reshape(-1, teacher_out.shape[-1]).mean(dim=0)
    return center * momentum + batch_center * (1 - momentum)


def _check_labels(labels, n: int) -> None:
    check_tensor("labels", labels)
    if labels.ndim != 1 or labels.shape[0] != n:
        raise ValueError(f"labels must have shape ({n},), got {tuple(labels.shape)}")


def _check_batch_of_two(name: str, z: torch.Tensor) -> None:
    # batch statistics (a variance, a standardisation) need at least two samples
    if z.shape[0] < 2:
        raise ValueError(f"{name} needs a batch of at least 2 rows, got shape {tuple(z.shape)}")


def _check_views(name: str, x) -> None:
    check_tensor(name, x)
    if x.ndim != 3 or min(x.shape) < 1:
        raise ValueError(f"{name} must be 3-D (views, N, K) and non-empty, got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating tensor, got dtype {x.dtype}")


def _check_center(center, k: int) -> None:
    check_tensor("center", center)
    if center.shape != (k,):
        raise ValueError(f"center must have shape ({k},), got {tuple(center.shape)}")
