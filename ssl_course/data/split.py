"""Train/test splits: every loader returns a `Split`, so every chapter unpacks data the same
way (`x, y, x_test, y_test = data.digits()`); `few_labels` picks a few labelled examples.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch


class Split(NamedTuple):
    """A train/test split. x: (N, ...) float32, y: (N,) int64; the same for the test half."""

    x: torch.Tensor
    y: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def _split(x: np.ndarray, y: np.ndarray, test_fraction: float, seed: int) -> Split:
    """A stratified, seeded split (every class in the same proportion in both halves)."""
    from sklearn.model_selection import train_test_split

    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=test_fraction, stratify=y, random_state=seed)
    as_x = lambda a: torch.as_tensor(np.ascontiguousarray(a), dtype=torch.float32)
    as_y = lambda a: torch.as_tensor(a, dtype=torch.int64)
    return Split(as_x(x_tr), as_y(y_tr), as_x(x_te), as_y(y_te))


def few_labels(y: torch.Tensor, per_class: int, seed: int = 0) -> torch.Tensor:
    """Indices of `per_class` examples of every class in y (seeded): the few-label regime.

    y: (N,) int64. Returns (per_class * num_classes,) int64 indices.
    """
    if per_class < 1:
        raise ValueError(f"per_class must be >= 1, got {per_class}")
    g = torch.Generator().manual_seed(seed)
    picks = []
    for c in torch.unique(y):
        idx = torch.nonzero(y == c).flatten()
        if len(idx) < per_class:
            raise ValueError(f"class {int(c)} has {len(idx)} examples, fewer than per_class={per_class}")
        picks.append(idx[torch.randperm(len(idx), generator=g)[:per_class]])
    return torch.cat(picks)
