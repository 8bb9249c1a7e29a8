"""Unsupervised SimCSE (Gao et al. 2021): a sentence and the same sentence again, through the
same encoder with dropout on, are a positive pair; the other sentences of the batch are the
negatives. Dropout is the only augmentation. The sentence vector is the mean of the token
vectors over the real tokens (padding excluded).

`mean_pool` is checked against a per-row loop, `simcse_loss` against chapter 01's `info_nce`
and the official implementation's formula, written out (tests/test_simcse.py).
"""
from __future__ import annotations

import torch
from torch import nn

from .._validate import check_positive, check_same_shape, check_tensor
from .info_nce import info_nce


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The mean of each sequence's token vectors over its real tokens.

    hidden: (N, L, D) token vectors; mask: (N, L), True (or 1) at real tokens and False (or 0)
    at padding, bool or any integer/float dtype. Returns (N, D) in hidden's dtype and device:
    row i = sum of hidden[i, l] over the l with mask[i, l] != 0, divided by their count.
    Padded positions never enter, whatever they hold (NaN included). A row with no real token
    (all padding) gives a zero vector, never NaN.
    """
    check_tensor("hidden", hidden)
    check_tensor("mask", mask)
    if hidden.dim() != 3 or mask.shape != hidden.shape[:2]:
        raise ValueError(f"hidden must be (N, L, D) and mask (N, L), got {tuple(hidden.shape)} "
                         f"and {tuple(mask.shape)}")
    keep = (mask != 0).unsqueeze(-1)  # (N, L, 1)
    summed = torch.where(keep, hidden, 0.0).sum(dim=1)  # (N, D): padding replaced, not multiplied (NaN * 0 = NaN)
    count = keep.sum(dim=1).clamp_min(1).to(hidden.dtype)  # (N, 1): an all-pad row divides 0 by 1
    return summed / count


def simcse_loss(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.05) -> torch.Tensor:
    """Unsupervised SimCSE's loss: InfoNCE with cosine similarity, one direction.

    z1, z2: (N, D), row i of each is sentence i encoded twice (two forward passes with dropout
    on). Sentence i of z1 must pick row i of z2 among all N rows of z2 (the other N - 1 are its
    negatives; rows of z1 are never candidates):
        loss = mean_i -log softmax_j(cos(z1_i, z2_j) / temperature)[i].
    Gradients reach both views. Returns a scalar in the inputs' dtype.
    """
    check_same_shape("z1", z1, "z2", z2)
    check_positive("temperature", temperature)
    return info_nce(z1, z2, temperature)


class SentenceEncoder(nn.Module):
    """A token encoder plus mean pooling: ids (N, L) int64 -> sentence vectors (N, D).

    `token_encoder.features(ids)` must give (N, L, D) (chapter 16's TinyEncoder does); positions
    holding pad_id are left out of the mean."""

    def __init__(self, token_encoder: nn.Module, pad_id: int = 0):
        super().__init__()
        self.token_encoder, self.pad_id = token_encoder, pad_id

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return mean_pool(self.token_encoder.features(ids), ids != self.pad_id)


class BagOfEmbeddings(nn.Module):
    """The CPU-sized sentence encoder of chapter 29: ids (N, L) int64 -> (N, dim).

    Word embeddings, dropout on every token vector, mean pooling over the real tokens (positions
    holding pad_id are left out), then an MLP with dropout. Dropout is on only in train mode, so
    two passes of one batch in train mode give two different views of every sentence."""

    def __init__(self, vocab_size: int, dim: int = 64, hidden: int = 128, dropout: float = 0.1, pad_id: int = 0):
        super().__init__()
        self.pad_id = pad_id
        self.embed = nn.Embedding(vocab_size, dim)
        self.drop = nn.Dropout(dropout)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, dim))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.mlp(mean_pool(self.drop(self.embed(ids)), ids != self.pad_id))


def train_simcse(encoder: nn.Module, ids: torch.Tensor, *, steps: int, batch_size: int = 64, lr: float = 1e-3,
                 temperature: float = 0.05, seed: int = 0, same_pass: bool = False, loss_fn=None) -> list[float]:
    """Train `encoder` (ids (B, L) -> (B, D), with dropout) in place with unsupervised SimCSE.

    ids: (N, L) the unlabelled sentences. Each step draws batch_size distinct sentences (a new
    random order every epoch, from a generator seeded with `seed`) and passes the batch twice
    through the encoder in train mode: the two dropout masks are the two views. same_pass=True
    is the ablation "dropout off": the second view is the first one itself (z2 = z1).
    loss_fn(z1, z2, temperature) replaces `simcse_loss` (a learner's own, say).
    Returns the loss of every step.
    """
    device = next(encoder.parameters()).device
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(encoder.parameters(), lr=lr)
    encoder.train()
    losses, order = [], torch.empty(0, dtype=torch.long)
    for _ in range(steps):
        if len(order) < batch_size:
            order = torch.randperm(len(ids), generator=g)
        batch, order = ids[order[:batch_size]].to(device), order[batch_size:]
        z1 = encoder(batch)
        z2 = z1 if same_pass else encoder(batch)  # a second pass: new dropout masks
        loss = (loss_fn or simcse_loss)(z1, z2, temperature)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses
