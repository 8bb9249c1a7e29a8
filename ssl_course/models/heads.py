"""The projection head SimCLR puts between the encoder and the loss."""
from __future__ import annotations

import torch
from torch import nn

from .._validate import check_int


class ProjectionHead(nn.Module):
    """SimCLR's projection head g: Linear - BatchNorm - ReLU - Linear.

    h: (N, in_dim) -> z: (N, out_dim). The contrastive loss is applied to z, while the
    features kept for downstream tasks are h: the head absorbs the invariances the loss
    demands, so h keeps information (position, scale) that z throws away.
    """

    def __init__(self, in_dim: int, hidden_dim: int = 512, out_dim: int = 128):
        super().__init__()
        for name, v in (("in_dim", in_dim), ("hidden_dim", hidden_dim), ("out_dim", out_dim)):
            check_int(name, v)
        self.in_dim, self.out_dim = in_dim, out_dim
        self.net = nn.Sequential(
            nn.Linear(in_dim, hidden_dim, bias=False),  # BN follows: a bias would be wasted
            nn.BatchNorm1d(hidden_dim),
            nn.ReLU(inplace=True),
            nn.Linear(hidden_dim, out_dim),
        )

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if h.ndim != 2 or h.shape[1] != self.in_dim:
            raise ValueError(f"h must have shape (N, {self.in_dim}), got {tuple(h.shape)}")
        return self.net(h)
