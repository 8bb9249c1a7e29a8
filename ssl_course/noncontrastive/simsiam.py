"""SimSiam (Chen & He 2021): two views, one network, no negatives and no momentum encoder.
A predictor maps one view's projection onto the other's, and the other side gets no gradient
(stop-gradient); without the stop-gradient the network collapses to a constant.
Checked against lightly's NegativeCosineSimilarity in tests/test_noncontrastive.py.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .._validate import check_int, check_same_shape


def negative_cosine(p: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """D(p, z) = -mean_i cos(p_i, z_i). p, z: (N, D) -> scalar in [-1, 1]. No stop-gradient here."""
    check_same_shape("p", p, "z", z)
    return -F.cosine_similarity(p, z, dim=1).mean()


def simsiam_loss(p1: torch.Tensor, p2: torch.Tensor, z1: torch.Tensor, z2: torch.Tensor,
                 stop_gradient: bool = True) -> torch.Tensor:
    """SimSiam's symmetric loss, D(p1, sg(z2)) / 2 + D(p2, sg(z1)) / 2 (Chen & He 2021, eq. 2-3).

    z1, z2: (N, D) projections of the two views; p1, p2: (N, D) the predictor's outputs on them.
    sg = detach: each projection is a fixed target for the other view's prediction.
    stop_gradient=False lets the gradient flow into the targets too (the paper's Fig. 2 ablation,
    which collapses). Returns a scalar in [-1, 1]; -1 when every prediction points along its target.
    """
    for a, b in (("p1", p1), ("p2", p2), ("z1", z1), ("z2", z2)):
        check_same_shape("p1", p1, a, b)
    if not isinstance(stop_gradient, bool):
        raise TypeError(f"stop_gradient must be a bool, got {type(stop_gradient).__name__}")
    t1, t2 = (z1.detach(), z2.detach()) if stop_gradient else (z1, z2)
    return negative_cosine(p1, t2) / 2 + negative_cosine(p2, t1) / 2


class Predictor(nn.Module):
    """SimSiam's predictor h, a bottleneck MLP: Linear - BatchNorm - ReLU - Linear.

    (N, dim) -> (N, dim), through a hidden layer of `hidden` units (the paper: 2048 -> 512 -> 2048).
    """

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        check_int("dim", dim)
        check_int("hidden", hidden)
        self.net = nn.Sequential(nn.Linear(dim, hidden, bias=False), nn.BatchNorm1d(hidden),
                                 nn.ReLU(inplace=True), nn.Linear(hidden, dim))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class SimSiam(nn.Module):
    """encoder f (a backbone and its projector) plus predictor h, for two views at once.

    forward(v1, v2) -> (p1, p2, z1, z2), every one (N, D): z = projector(backbone(v)), p = h(z).
    Pass them to `simsiam_loss`. The representation kept afterwards is backbone(v).
    """

    def __init__(self, backbone: nn.Module, projector: nn.Module, predictor: nn.Module):
        super().__init__()
        self.backbone, self.projector, self.predictor = backbone, projector, predictor

    def forward(self, v1: torch.Tensor, v2: torch.Tensor):
        z1, z2 = self.projector(self.backbone(v1)), self.projector(self.backbone(v2))
        return self.predictor(z1), self.predictor(z2), z1, z2
