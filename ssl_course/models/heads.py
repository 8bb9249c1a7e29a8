"""The projection head SimCLR puts between the encoder and the loss."""
from __future__ import annotations

import torch
from torch import nn

from .._validate import check_int


class ProjectionHead(nn.Module):
    """SimCLR's projection head g: Linear - BatchNorm - ReLU - Linear [- BatchNorm].

    h: (N, in_dim) -> z: (N, out_dim). The contrastive loss is applied to z; the features
    kept for downstream tasks are h, and the head is discarded after pre-training.

    The paper (Chen et al. 2020, §2.1) writes g(h) = W2 ReLU(W1 h); the official code
    (google-research/simclr, `projection_head`) puts a BatchNorm after every linear layer,
    the last one without a shift (no beta) and without a ReLU. out_bn=False (the default)
    gives the paper's equation with the code's hidden BatchNorm; out_bn=True adds the code's
    final BatchNorm: the last Linear loses its bias (the BatchNorm would cancel it) and the
    BatchNorm learns a scale per dimension while its shift stays 0.
    """

    def __init__(self, in_dim: int, hidden_dim: int = 512, out_dim: int = 128, *, out_bn: bool = False):
        super().__init__()
        for name, v in (("in_dim", in_dim), ("hidden_dim", hidden_dim), ("out_dim", out_dim)):
            check_int(name, v)
        if not isinstance(out_bn, bool):
            raise TypeError(f"out_bn must be a bool, got {type(out_bn).__name__}")
        self.in_dim, self.out_dim, self.out_bn = in_dim, out_dim, out_bn
        layers = [
            nn.Linear(in_dim, hidden_dim, bias=False),  # BN follows: a bias would be wasted
            nn.BatchNorm1d(hidden_dim),
            nn.ReLU(inplace=True),
            nn.Linear(hidden_dim, out_dim, bias=not out_bn),
        ]
        if out_bn:
            bn = nn.BatchNorm1d(out_dim)
            bn.bias.requires_grad_(False)  # the code's center=False: the shift stays 0
            layers.append(bn)
        self.net = nn.Sequential(*layers)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if h.ndim != 2 or h.shape[1] != self.in_dim:
            raise ValueError(f"h must have shape (N, {self.in_dim}), got {tuple(h.shape)}")
        return self.net(h)
