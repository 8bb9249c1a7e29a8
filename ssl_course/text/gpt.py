"""Honestly scoring a next-token model (chapter 27): `prefix_nll` scores each position from its
prefix alone (the way the model is used when it writes), so a model that peeks at the future is
caught. Sampling (temperature, top-k, top-p) is `text.sampling.generate`.

Any model mapping ids (N, L) int64 -> logits (N, L, V) fits (`models.transformer.TinyGPT`); the
data, the training loop and the windowed evaluation are chapter 25's (`text.lstm`)."""
from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def prefix_nll(model: nn.Module, windows: torch.Tensor) -> float:
    """windows (N, L + 1) int64 -> mean NLL (nats per token) of token t + 1 given tokens 0..t ONLY,
    for t = 0..L - 1: L forward passes on growing prefixes, the last position's logits each time.
    Equal to the usual shifted cross-entropy for a causal model; higher for one that sees the future."""
    model.eval()
    total = 0.0
    for t in range(1, windows.shape[1]):
        logits = model(windows[:, :t])[:, -1]
        total += torch.nn.functional.cross_entropy(logits.double(), windows[:, t], reduction="sum").item()
    return total / (windows.shape[0] * (windows.shape[1] - 1))
