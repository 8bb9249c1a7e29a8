"""Collectives that keep gradients, and NT-Xent with negatives from every rank.

Why the gradients come out right: rank r holds the views z_r of its shard (B rows) and
computes its part of the loss against the views of all ranks. Every rank's loss depends on
z_r, so the gradient reaching z_r must be the SUM over ranks of d(loss_s)/d(z_r): the backward
of an all-gather is a reduce-scatter (sum). `torch.distributed.all_gather` writes into fresh
tensors outside autograd, so the gathered copies are constants: the gradient through the other
ranks' losses is silently dropped and training still "works", just with the wrong gradient.
"""
from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn.functional as F

from .._validate import check_positive, check_same_shape, check_tensor
from ..contrastive.nt_xent import nt_xent
from .group import is_distributed, rank, world_size


# ----------------------------------------------------------------------------- collectives with gradients
class _GatherWithGrad(torch.autograd.Function):
    """Forward: all-gather (B, D) -> (world * B, D). Backward: sum the incoming gradients over
    ranks (every rank's loss saw every row) and keep this rank's rows."""

    @staticmethod
    def forward(ctx, z):
        parts = [torch.empty_like(z) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, z.contiguous())
        return torch.cat(parts)

    @staticmethod
    def backward(ctx, grad):
        grad = grad.contiguous().clone()
        dist.all_reduce(grad)  # sum over ranks (a reduce-scatter would send less; this is plainer)
        b = grad.shape[0] // dist.get_world_size()
        return grad[dist.get_rank() * b:(dist.get_rank() + 1) * b]


class _SumWithGrad(torch.autograd.Function):
    """all_reduce(SUM) whose backward is again a sum over ranks (its own adjoint)."""

    @staticmethod
    def forward(ctx, t):
        t = t.clone()
        dist.all_reduce(t)
        return t

    @staticmethod
    def backward(ctx, grad):
        grad = grad.clone()
        dist.all_reduce(grad)
        return grad


def gather_with_grad(z: torch.Tensor) -> torch.Tensor:
    """Every rank's rows, in rank order, with gradients flowing back to their owners.

    z: (B, ...), the same shape on every rank -> (world * B, ...); rows r*B:(r+1)*B come from
    rank r. Without a process group it returns z itself.
    """
    check_tensor("z", z)
    return _GatherWithGrad.apply(z) if is_distributed() else z


def sum_with_grad(t: torch.Tensor) -> torch.Tensor:
    """The sum of t over ranks, differentiable: t (...) -> (...). Identity without a group."""
    check_tensor("t", t)
    return _SumWithGrad.apply(t) if is_distributed() else t


# ----------------------------------------------------------------------------- the loss
def nt_xent_global(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.5) -> torch.Tensor:
    """NT-Xent over the global batch, each rank computing only its own anchors' rows.

    z1, z2: (B, D) on every rank, this rank's shard of a global batch of world * B inputs.
    This rank's 2B anchors are scored against all 2 * world * B views (a (2B, 2 world B)
    similarity block instead of the full square); the anchors' mean cross-entropy is then
    averaged over ranks. Returns a scalar that is the same on every rank and equals
    `nt_xent` on the concatenated global batch, value and gradient (see the module
    docstring). Without a process group it is exactly `nt_xent(z1, z2, temperature)`.
    """
    if not is_distributed():
        return nt_xent(z1, z2, temperature)
    check_same_shape("z1", z1, "z2", z2)
    check_positive("temperature", temperature)
    b, r, w = z1.shape[0], rank(), world_size()
    local = F.normalize(torch.cat([z1, z2]), dim=1)  # (2B, D): this rank's anchors
    everyone = F.normalize(torch.cat([gather_with_grad(z1), gather_with_grad(z2)]), dim=1)  # (2wB, D)
    sim = local @ everyone.T / temperature  # (2B, 2wB)
    i = torch.arange(b, device=z1.device)
    own = torch.cat([r * b + i, w * b + r * b + i])  # each anchor's own column
    partner = torch.cat([w * b + r * b + i, r * b + i])  # z1[i] <-> z2[i]
    sim[torch.arange(2 * b, device=z1.device), own] = float("-inf")  # a view is never its own negative
    local_mean = F.cross_entropy(sim, partner)  # mean over this rank's 2B anchors
    return sum_with_grad(local_mean) / w
