"""How well do clusters match classes? Cluster ids are arbitrary names, so they must be matched
to the classes before any accuracy means something: one cluster per class, chosen by the
Hungarian algorithm (scipy's linear_sum_assignment) on the contingency matrix.

NMI and ARI are invariant to renaming the clusters already; they are scikit-learn's own
functions, called here, not rewritten: a trusted library does them well.
"""
from __future__ import annotations

import torch

from .._validate import check_tensor


def _check_assignments(clusters, labels) -> None:
    for name, t in (("clusters", clusters), ("labels", labels)):
        check_tensor(name, t)
        if t.ndim != 1 or t.shape[0] < 1:
            raise ValueError(f"{name} must have shape (N,) with N >= 1, got {tuple(t.shape)}")
        if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
            raise TypeError(f"{name} must hold integer ids, got dtype {t.dtype}")
    if clusters.shape != labels.shape:
        raise ValueError(f"clusters and labels must have the same shape, got {tuple(clusters.shape)} "
                         f"and {tuple(labels.shape)}")


def contingency(clusters: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """clusters: (N,), labels: (N,) integer ids (any values) -> (K, C) int64 counts, K and C the
    numbers of distinct cluster ids and labels in increasing order: entry [k, c] counts the
    points of the k-th cluster id that carry the c-th label."""
    _check_assignments(clusters, labels)
    _, ci = torch.unique(clusters, return_inverse=True)
    _, li = torch.unique(labels, return_inverse=True)
    k, c = int(ci.max()) + 1, int(li.max()) + 1
    flat = (ci * c + li.to(ci.device)).long()
    return torch.bincount(flat, minlength=k * c).view(k, c)


def matched_accuracy(clusters: torch.Tensor, labels: torch.Tensor) -> float:
    """Accuracy after the best one-to-one matching of cluster ids to labels.

    clusters: (N,), labels: (N,) integer ids; any values (they may skip, go past 9, differ in
    number). Each cluster is matched to at most one label and each label to at most one cluster,
    maximising the points matched (Hungarian algorithm on the contingency matrix); with more
    clusters than labels the extra clusters' points count as wrong, and with fewer, the
    unmatched labels' points. Returns a float in [0, 1].
    """
    from scipy.optimize import linear_sum_assignment

    table = contingency(clusters, labels).cpu().numpy()
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum()) / clusters.shape[0]


def nmi(clusters: torch.Tensor, labels: torch.Tensor) -> float:
    """Normalised mutual information, scikit-learn's (arithmetic mean of the entropies)."""
    from sklearn.metrics import normalized_mutual_info_score

    _check_assignments(clusters, labels)
    return float(normalized_mutual_info_score(labels.cpu().numpy(), clusters.cpu().numpy()))


def ari(clusters: torch.Tensor, labels: torch.Tensor) -> float:
    """Adjusted Rand index, scikit-learn's: 0 for chance agreement, 1 for identical partitions."""
    from sklearn.metrics import adjusted_rand_score

    _check_assignments(clusters, labels)
    return float(adjusted_rand_score(labels.cpu().numpy(), clusters.cpu().numpy()))
