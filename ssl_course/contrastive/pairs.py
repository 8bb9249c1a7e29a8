"""Who is whose positive: the targets of SimCLR's 2N views and label-based positive masks."""
from __future__ import annotations

import torch

from .._validate import check_tensor


def simclr_targets(n: int, device=None) -> torch.Tensor:
    """The partner of each of the 2N views when views are stacked [z1; z2]: i <-> i + N.

    Returns (2N,) int64: targets[i] = (i + N) mod 2N.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int (the number of images), got {n!r}")
    return torch.arange(2 * n, device=device).roll(n)


def label_positive_mask(labels: torch.Tensor) -> torch.Tensor:
    """positives[i, j] = labels[i] == labels[j] and i != j.

    labels: (N,) integer tensor. Returns (N, N) bool. A sample is never its own positive.
    """
    check_tensor("labels", labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D (N,), got shape {tuple(labels.shape)}")
    if labels.is_floating_point():
        raise TypeError(f"labels must be an integer tensor, got dtype {labels.dtype}")
    same = labels[:, None] == labels[None, :]
    return same & ~torch.eye(len(labels), dtype=torch.bool, device=labels.device)


def false_negatives_expected(batch_size: int, class_counts) -> dict:
    """What to expect of false negatives (negatives of the anchor's own class) without labels.

    A batch of `batch_size` distinct samples drawn uniformly from a dataset holding
    `class_counts[c]` examples of class c. For an anchor of class c each of the B - 1 others
    is one of the remaining n - 1 examples, n_c - 1 of them of class c. Returns, averaged
    over the anchor's class:
      share:    the fraction of the anchor's negatives that are false, sum_c (n_c/n)(n_c-1)/(n-1);
                it does not depend on B;
      per_anchor: the expected number of false negatives, (B - 1) * share;
      at_least_one: P(the anchor has one or more), 1 - C(n - n_c, B - 1) / C(n - 1, B - 1).
    """
    counts = torch.as_tensor(class_counts, dtype=torch.float64)
    if counts.ndim != 1 or (counts < 0).any():
        raise ValueError(f"class_counts must be a 1-D list of non-negative counts, got {class_counts!r}")
    n = counts.sum()
    if not 2 <= batch_size <= n:
        raise ValueError(f"batch_size must be in [2, {int(n)}] (the dataset size), got {batch_size}")
    weights = counts / n
    share = float((weights * (counts - 1) / (n - 1)).sum())
    k = batch_size - 1

    def log_choose(a, b):
        return torch.lgamma(a + 1) - torch.lgamma(b + 1) - torch.lgamma(a - b + 1)

    others = n - counts  # examples of other classes
    none = torch.where(others >= k, torch.exp(log_choose(others, torch.tensor(float(k)))
                                              - log_choose(n - 1, torch.tensor(float(k)))),
                       torch.zeros_like(others))
    return {"share": share, "per_anchor": k * share, "at_least_one": float((weights * (1 - none)).sum())}
