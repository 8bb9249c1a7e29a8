"""BatchNorm over the global batch: each rank normalises with statistics of every rank's rows."""
from __future__ import annotations

import contextlib

import torch
from torch import nn

from .gather import sum_with_grad
from .group import is_distributed, world_size


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
