"""Supervised contrastive loss (Khosla et al. 2020): every same-label sample is a positive."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .._validate import check_labels, check_matrix, check_positive


def supcon(features: torch.Tensor, labels: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """Supervised contrastive loss (Khosla et al. 2020, the L_out form).

    features: (N, D) embeddings (normalised inside); labels: (N,) integer classes.
    Every other sample with the same label is a positive of anchor i; the softmax runs over
    all samples but i. Anchors without any positive are left out of the mean.
    """
    check_matrix("features", features)
    check_labels("labels", labels, features.shape[0], "features")
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
