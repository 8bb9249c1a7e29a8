"""NT-Xent, SimCLR's loss (Chen et al. 2020): InfoNCE over the 2N views of a batch, each view's
partner the positive, every other view a negative. Checked against lightly's NTXentLoss.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .._validate import check_positive, check_same_shape


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.5) -> torch.Tensor:
    """SimCLR's normalised-temperature cross-entropy over 2N views.

    z1, z2: (N, D), row i of each is a view of image i. Each of the 2N views must pick its
    partner out of the other 2N - 1 views (itself excluded). Returns a scalar, the mean
    over all 2N anchors.
    """
    check_same_shape("z1", z1, "z2", z2)
    check_positive("temperature", temperature)
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)  # (2N, D)
    sim = z @ z.T / temperature  # (2N, 2N)
    self_mask = torch.eye(2 * n, dtype=torch.bool, device=z.device)
    sim = sim.masked_fill(self_mask, float("-inf"))  # a view is never its own negative
    partner = torch.arange(2 * n, device=z.device).roll(n)  # i <-> i + N
    return F.cross_entropy(sim, partner)
