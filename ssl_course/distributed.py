"""SimCLR on several processes: the process group, an all-gather that keeps gradients, NT-Xent
with negatives from every rank, and BatchNorm statistics over the global batch.

Run under `torchrun` (one process per device; gloo on CPU, NCCL on CUDA). Every function here
also works in a single process with no process group: then it is the identity, or exactly the
single-process function (`nt_xent_global` is `losses.nt_xent`), so one training loop serves both.

Why the gradients come out right: rank r holds the views z_r of its shard (B rows) and
computes its part of the loss against the views of all ranks. Every rank's loss depends on
z_r, so the gradient reaching z_r must be the SUM over ranks of d(loss_s)/d(z_r): the backward
of an all-gather is a reduce-scatter (sum). `torch.distributed.all_gather` writes into fresh
tensors outside autograd, so the gathered copies are constants: the gradient through the other
ranks' losses is silently dropped and training still "works", just with the wrong gradient.
"""
from __future__ import annotations

import contextlib
import os

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from ._validate import check_positive, check_same_shape, check_tensor
from .losses import nt_xent


# ----------------------------------------------------------------------------- process group
def is_distributed() -> bool:
    """True when a process group is initialised (we run under torchrun)."""
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    """This process's rank, 0 without a process group."""
    return dist.get_rank() if is_distributed() else 0


def world_size() -> int:
    """The number of processes, 1 without a process group."""
    return dist.get_world_size() if is_distributed() else 1


def is_main() -> bool:
    """True on rank 0: the rank that prints, draws progress bars and saves checkpoints."""
    return rank() == 0


def init_from_env() -> torch.device:
    """Join the process group that torchrun describes (RANK, WORLD_SIZE, LOCAL_RANK,
    MASTER_ADDR, MASTER_PORT); return this process's device.

    Backend: NCCL with one GPU per process when CUDA is available, gloo on the CPU otherwise.
    Without torchrun's variables (WORLD_SIZE unset) nothing is initialised and the device is
    the CPU or the only GPU: the single-process run.
    """
    cuda = torch.cuda.is_available()
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    dev = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(dev)
    if "WORLD_SIZE" in os.environ and not is_distributed():
        dist.init_process_group(backend="nccl" if cuda else "gloo", device_id=dev if cuda else None)
    return dev


def cleanup() -> None:
    """Leave the process group (a no-op without one)."""
    if is_distributed():
        dist.destroy_process_group()


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
    `losses.nt_xent` on the concatenated global batch, value and gradient (see the module
    docstring). Without a process group it is exactly `losses.nt_xent(z1, z2, temperature)`.
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


# ----------------------------------------------------------------------------- BatchNorm over the global batch
class GlobalBatchNorm(nn.Module):
    """A BatchNorm whose training statistics are the mean and variance over every rank's batch.

    Wraps an existing `nn.BatchNorm1d/2d/3d` and shares its parameters and running statistics.
    x: (N, C, ...) -> same shape. In training with a process group, the per-channel mean and
    (biased) variance are computed over all ranks with differentiable all-reduces (two passes,
    for accuracy), so each rank's output and gradient equal a single process's on the
    concatenated batch. Otherwise it is the wrapped BatchNorm. (`nn.SyncBatchNorm` does this
    too but refuses CPU tensors, and this course must run under gloo on CPUs.)
    """

    def __init__(self, bn: nn.modules.batchnorm._BatchNorm):
        super().__init__()
        if not isinstance(bn, nn.modules.batchnorm._BatchNorm):
            raise TypeError(f"bn must be a torch BatchNorm module, got {type(bn).__name__}")
        self.bn = bn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bn = self.bn
        if not (self.training and is_distributed() and world_size() > 1):
            return bn(x)
        dims = [0, *range(2, x.ndim)]
        shape = [1, -1] + [1] * (x.ndim - 2)
        count = x.numel() // x.shape[1] * world_size()  # values per channel, all ranks
        mean = sum_with_grad(x.sum(dims)) / count  # (C,)
        var = sum_with_grad(((x - mean.view(shape)) ** 2).sum(dims)) / count  # (C,), biased
        if bn.track_running_stats:
            with torch.no_grad():
                bn.num_batches_tracked.add_(1)
                m = bn.momentum if bn.momentum is not None else 1 / float(bn.num_batches_tracked)
                bn.running_mean.lerp_(mean, m)
                bn.running_var.lerp_(var * count / max(count - 1, 1), m)  # unbiased, as BatchNorm
        out = (x - mean.view(shape)) / torch.sqrt(var.view(shape) + bn.eps)
        if bn.affine:
            out = out * bn.weight.view(shape) + bn.bias.view(shape)
        return out


@contextlib.contextmanager
def global_batchnorm(module: nn.Module):
    """Within the block, every BatchNorm inside `module` is wrapped in a `GlobalBatchNorm`
    (same parameters, same running statistics); on exit the original layers are put back,
    so a trained encoder keeps its plain BatchNorm layers. module: any nn.Module."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    swapped = []
    for parent in list(module.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.modules.batchnorm._BatchNorm):
                setattr(parent, name, GlobalBatchNorm(child))
                swapped.append((parent, name, child))
    try:
        yield module
    finally:
        for parent, name, child in swapped:
            setattr(parent, name, child)
