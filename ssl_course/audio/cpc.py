"""Contrastive Predictive Coding (Oord et al. 2018) for chapter 17: a strided convolutional encoder
on raw samples (one 10 ms frame per encoding, no overlap), a GRU context network, one linear
predictor W_k per future step, and the InfoNCE loss with negatives from every other position of
the batch. Checked against a loop in tests/test_cpc.py.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def cpc_loss(z: torch.Tensor, predictions: torch.Tensor) -> torch.Tensor:
    """InfoNCE over future steps. z: (B, T, D) encodings; predictions: (K, B, T, D), where
    predictions[k-1, b, t] = W_k c[b, t] is the guess for z[b, t + k].

    For step k, every (b, t) with t + k < T is one term; its candidates are all B * (T - k)
    encodings z[b', t'] with t' >= k (the batch's targets for this step, flattened b'-major):
    the positive z[b, t + k], the negatives every other utterance at every time and the same
    utterance at other times. Scores are dot products; the term is the cross-entropy of picking
    the positive. The loss is the mean over k = 1..K of each step's mean over its B * (T - k)
    terms (steps with k >= T are left out). Returns a scalar in z's dtype.
    """
    n_steps, _, length, _ = predictions.shape
    per_step = []
    for k in range(1, n_steps + 1):
        if k >= length:
            break
        guess = predictions[k - 1, :, : length - k].reshape(-1, z.shape[-1])   # (B*(T-k), D)
        future = z[:, k:].reshape(-1, z.shape[-1])                             # (B*(T-k), D)
        target = torch.arange(guess.shape[0], device=z.device)                 # row i's positive is row i
        per_step.append(F.cross_entropy(guess @ future.T, target))
    if not per_step:
        raise ValueError(f"no step k <= {n_steps} fits in T = {length} frames")
    return torch.stack(per_step).mean()


class CPC(nn.Module):
    """Raw samples (B, T_samples) -> z (B, T, dim), c (B, T, context_dim), predictions (K, B, T, dim).

    The encoder sees one 80-sample frame (10 ms at 8 kHz) per z_t and nothing else: a Conv1d of
    kernel = stride = 20 (a learnable filter bank over 2.5 ms), ReLU, then kernel = stride = 4, so
    T = T_samples // 80. Neighbouring z_t share no samples, so the future cannot be matched by
    copying samples that both encodings saw.
    """

    def __init__(self, dim: int = 64, context_dim: int = 64, n_steps: int = 4):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv1d(1, dim, 20, stride=20), nn.GroupNorm(1, dim), nn.ReLU(),
            nn.Conv1d(dim, dim, 4, stride=4), nn.GroupNorm(1, dim), nn.ReLU(),
            nn.Conv1d(dim, dim, 1))
        self.context = nn.GRU(dim, context_dim, batch_first=True)
        self.predictors = nn.ModuleList(nn.Linear(context_dim, dim) for _ in range(n_steps))

    def forward(self, waves: torch.Tensor):
        z = self.encoder(waves[:, None]).transpose(1, 2)             # (B, T, dim)
        c, _ = self.context(z)                                       # (B, T, context_dim)
        predictions = torch.stack([w(c) for w in self.predictors])   # (K, B, T, dim)
        return z, c, predictions
