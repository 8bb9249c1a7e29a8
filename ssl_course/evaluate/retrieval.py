"""Retrieval metrics for embeddings: Recall@k, the metric of deep metric learning (chapter 11)."""
from __future__ import annotations

import torch

from .._validate import check_int, check_labels, check_matrix
from ..contrastive.triplet import pairwise_distances


@torch.no_grad()
def recall_at_k(embeddings: torch.Tensor, labels: torch.Tensor, k: int = 1, chunk: int = 256) -> float:
    """Recall@k: the share of queries with at least one same-class item among their k nearest neighbours.

    embeddings: (N, D); labels: (N,) integer classes. Every item is a query against all the
    others (itself excluded, a duplicate of it included), by Euclidean distance. Equally
    distant neighbours are ordered by index (the lower index is nearer), so the result is
    deterministic when the k-th neighbour is tied. Queries go in chunks of `chunk` rows (the
    distances take O(chunk N D) memory). Needs 1 <= k <= N - 1. Returns a float in [0, 1].
    """
    check_matrix("embeddings", embeddings)
    check_labels("labels", labels, embeddings.shape[0], "embeddings")
    n = embeddings.shape[0]
    check_int("k", k)
    check_int("chunk", chunk)
    if k > n - 1:
        raise ValueError(f"k must be at most N - 1 = {n - 1} (a query is not its own neighbour), got {k}")
    hits = 0
    for start in range(0, n, chunk):
        queries = embeddings[start:start + chunk]  # (B, D)
        dist = pairwise_distances(queries, embeddings)  # (B, N)
        rows = torch.arange(queries.shape[0], device=dist.device)
        dist[rows, start + rows] = float("inf")  # a query never retrieves itself
        nearest = dist.sort(dim=1, stable=True).indices[:, :k]  # (B, k), ties by index
        hits += int((labels[nearest] == labels[start:start + chunk, None]).any(dim=1).sum())
    return hits / n
