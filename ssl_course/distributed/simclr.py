"""SimCLR data-parallel: the single-process loop (`contrastive/simclr.py`) on a model and a loss
wrapped for DistributedDataParallel, so N processes compute the same loss and gradients as one
process on the same global batches.

- batch_size stays the GLOBAL batch size (divisible by the number of processes);
- every rank draws the same permutation and the same augmentations of the whole global batch,
  and encodes its own slice of it (`_Shard`);
- encoder and head are wrapped in DistributedDataParallel, and their BatchNorm layers use
  statistics over the global batch (`global_batchnorm`);
- NT-Xent becomes `nt_xent_global` (local anchors, negatives from every rank); another loss,
  or SupCon, gets the gathered global views.

Gradients: every rank's loss is the global loss, and the all-gathers' backward sums over ranks,
so each rank's gradient is world x its share; DDP's mean over ranks then gives exactly the
single-process gradient. No extra scaling.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ..contrastive.nt_xent import nt_xent
from ..contrastive.simclr import TwoViews, fit, prepare, views_loss
from ..contrastive.simclr import train_simclr as single_process_simclr
from .batchnorm import global_batchnorm
from .gather import gather_with_grad, nt_xent_global
from .group import rank, world_size


class _Shard(nn.Module):
    """Run `model` on this rank's rows [lo, hi) of both views of the global batch."""

    def __init__(self, model: nn.Module, lo: int, hi: int):
        super().__init__()
        self.model, self.lo, self.hi = model, lo, hi

    def forward(self, v1, v2):
        return self.model(v1[self.lo:self.hi], v2[self.lo:self.hi])


def train_simclr(encoder: nn.Module, x: torch.Tensor, augment: Callable, *, head: nn.Module | None = None,
           epochs: int, batch_size: int = 256, lr: float = 1e-3, temperature: float = 0.5,
           weight_decay: float = 0.0, seed: int = 0, device=None, loss_fn: Callable = nt_xent,
           labels: torch.Tensor | None = None, progress: bool = True) -> dict:
    """`ssl_course.contrastive.simclr.train_simclr` on every process of a torchrun job (same arguments, same
    history); without a process group it is exactly the single-process call. Only rank 0
    shows a progress bar."""
    if world_size() == 1:
        return single_process_simclr(encoder, x, augment, head=head, epochs=epochs, batch_size=batch_size,
                                     lr=lr, temperature=temperature, weight_decay=weight_decay, seed=seed,
                                     device=device, loss_fn=loss_fn, labels=labels, progress=progress)
    head, dev = prepare(encoder, x, augment, head=head, epochs=epochs, batch_size=batch_size, lr=lr,
                        temperature=temperature, weight_decay=weight_decay, seed=seed, device=device,
                        loss_fn=loss_fn, labels=labels)
    world, r = world_size(), rank()
    bs = min(batch_size, x.shape[0])
    if bs % world:
        raise ValueError(f"batch_size must be divisible by the number of processes ({world}), got "
                         f"{bs}" + (f" (x holds only {x.shape[0]} examples)" if bs < batch_size else ""))
    model = TwoViews(encoder, head)
    # BatchNorm over the global batch for the run, plain BatchNorm again afterwards.
    with global_batchnorm(model):
        ddp = nn.parallel.DistributedDataParallel(model, device_ids=[dev] if dev.type == "cuda" else None)
        sharded = _Shard(ddp, r * bs // world, (r + 1) * bs // world)
        history = fit(sharded, x, labels, augment, _global_loss(loss_fn, temperature), epochs=epochs,
                      batch_size=batch_size, lr=lr, weight_decay=weight_decay, seed=seed, device=dev,
                      show_bar=progress and r == 0)
    return {**history, "head": head}


def _global_loss(loss_fn: Callable, temperature: float) -> Callable:
    """views_loss over the views of every rank: (local z1, local z2, global y) -> the global loss."""
    local = views_loss(loss_fn, temperature)

    def loss(z1, z2, y):
        if y is None and loss_fn is nt_xent:
            return nt_xent_global(z1, z2, temperature)  # this rank's anchors against every rank's views
        return local(gather_with_grad(z1), gather_with_grad(z2), y)
    return loss
