"""BYOL (Grill et al. 2020): an online network predicts a target network's projection of the
other view; the target is an exponential moving average (EMA) of the online network and gets
no gradient. Checked against lightly's update_momentum and a closed form in
tests/test_noncontrastive.py.
"""
from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from .._validate import check_probability, check_same_shape


def byol_loss(p1: torch.Tensor, p2: torch.Tensor, t1: torch.Tensor, t2: torch.Tensor) -> torch.Tensor:
    """BYOL's symmetrised loss: ||p1/|p1| - t2/|t2|||^2 + ||p2/|p2| - t1/|t1|||^2, mean over the batch.

    p1, p2: (N, D) the online predictions for views 1 and 2; t1, t2: (N, D) the target
    network's projections of views 1 and 2 (detached here: the target learns only by EMA).
    Each term is 2 - 2 cos(p, t), so the loss lies in [0, 8]. Returns a scalar.
    """
    for a, b in (("p2", p2), ("t1", t1), ("t2", t2)):
        check_same_shape("p1", p1, a, b)

    def term(p, t):
        return (2 - 2 * F.cosine_similarity(p, t.detach(), dim=1)).mean()

    return term(p1, t2) + term(p2, t1)


@torch.no_grad()
def ema_update(target: nn.Module, online: nn.Module, momentum: float) -> None:
    """In place: every target parameter becomes momentum * target + (1 - momentum) * online.

    target and online must have the same parameters in the same order (target a copy of online).
    Parameters only, as lightly's update_momentum: the target's BatchNorm buffers follow its own
    forward passes.
    """
    check_probability("momentum", momentum)
    for t, o in zip(target.parameters(), online.parameters(), strict=True):
        t.mul_(momentum).add_(o.detach(), alpha=1 - momentum)


class BYOL(nn.Module):
    """The online network (backbone, projector, predictor) and its EMA target (backbone, projector).

    forward(v1, v2) -> (p1, p2, t1, t2): the online predictions of both views and the target's
    projections of both views (computed without gradient), every one (N, D). Pass them to
    `byol_loss`, step the optimiser on the online parameters only, then call `update_target()`.
    """

    def __init__(self, backbone: nn.Module, projector: nn.Module, predictor: nn.Module, momentum: float = 0.99):
        super().__init__()
        check_probability("momentum", momentum)
        self.backbone, self.projector, self.predictor = backbone, projector, predictor
        self.target = copy.deepcopy(nn.Sequential(backbone, projector))
        self.target.requires_grad_(False)
        self.momentum = momentum

    def online_parameters(self):
        """The parameters the optimiser updates (not the target's)."""
        return [*self.backbone.parameters(), *self.projector.parameters(), *self.predictor.parameters()]

    def forward(self, v1: torch.Tensor, v2: torch.Tensor):
        p1 = self.predictor(self.projector(self.backbone(v1)))
        p2 = self.predictor(self.projector(self.backbone(v2)))
        with torch.no_grad():
            self.target.train(self.training)
            t1, t2 = self.target(v1), self.target(v2)
        return p1, p2, t1, t2

    def update_target(self) -> None:
        ema_update(self.target, nn.Sequential(self.backbone, self.projector), self.momentum)
