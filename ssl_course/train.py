"""Training loops, device-agnostic and seeded, each with a tqdm progress bar."""
from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import torch
from torch import nn

from ._validate import check_int, check_nonnegative, check_positive
from .core import device as default_device
from .core import progress_bar
from . import distributed as dist_
from .losses import nt_xent, supcon
from .models import ProjectionHead


class _TwoViews(nn.Module):
    """encoder then head on each view, in two separate passes (each view batch keeps its own
    BatchNorm statistics): (v1, v2) -> (z1, z2). One module, so DDP sees one forward per step."""

    def __init__(self, encoder: nn.Module, head: nn.Module):
        super().__init__()
        self.encoder, self.head = encoder, head

    def forward(self, v1, v2):
        return self.head(self.encoder(v1)), self.head(self.encoder(v2))


def simclr(encoder: nn.Module, x: torch.Tensor, augment: Callable, *, head: nn.Module | None = None,
           epochs: int, batch_size: int = 256, lr: float = 1e-3, temperature: float = 0.5,
           weight_decay: float = 0.0, seed: int = 0, device=None, loss_fn: Callable = nt_xent,
           labels: torch.Tensor | None = None, progress: bool = True) -> dict:
    """Train `encoder` (and a projection head) with SimCLR, in place.

    encoder: maps a batch (B, ...) to features h: (B, encoder.out_dim).
    x: (N, ...) unlabelled training inputs (labels are never needed).
    augment(x_batch, generator) -> a random view with x_batch's shape; called twice per batch
      for the two views, with a CPU torch.Generator seeded from `seed`.
    head: maps h to z: (B, D) for the loss; None builds ProjectionHead(out_dim, out_dim, 128).
    loss_fn(z1, z2, temperature) -> scalar; NT-Xent by default.
    labels: (N,) class labels, or None. Given labels, the loss is SupCon over the 2B views
      (every same-class view a positive) instead of loss_fn: supervised contrastive learning
      with the same loop, augmentations and budget.
    Adam with a cosine-decayed learning rate; every epoch visits a fresh permutation of x in
    full batches (the last, smaller batch is dropped so every step sees the same number of
    negatives, unless x holds less than one batch).

    Under torchrun (a process group initialised, see `ssl_course.distributed`), the same call
    trains data-parallel and matches the single-process run on the same global batches:
    batch_size stays the GLOBAL batch size (divisible by the number of processes); every rank
    draws the same permutation and the same augmentations of the whole global batch, and
    encodes its own slice; encoder and head are wrapped in DistributedDataParallel, their
    BatchNorm layers use statistics over the global batch (`distributed.global_batchnorm`),
    and the default NT-Xent becomes `distributed.nt_xent_global` (negatives from every rank;
    another loss_fn, or SupCon, gets the gathered global views). Only rank 0 shows a bar.

    Returns a history dict: "loss" (per-step floats), "epoch_loss" (per-epoch means),
    "seconds" (wall-clock training time), "steps", "head" (the trained head).
    The encoder and head are left on `device`, in eval mode.
    """
    if not isinstance(encoder, nn.Module):
        raise TypeError(f"encoder must be a torch.nn.Module, got {type(encoder).__name__}")
    if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.ndim < 2:
        raise TypeError("x must be a floating torch.Tensor of shape (N, ...), got "
                        f"{type(x).__name__}{tuple(x.shape) if isinstance(x, torch.Tensor) else ''}")
    if not callable(augment):
        raise TypeError(f"augment must be callable (x_batch, generator) -> view, got {type(augment).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable (z1, z2, temperature) -> loss, got {type(loss_fn).__name__}")
    if head is not None and not isinstance(head, nn.Module):
        raise TypeError(f"head must be a torch.nn.Module or None, got {type(head).__name__}")
    check_int("epochs", epochs, 1)
    check_int("batch_size", batch_size, 2)
    check_int("seed", seed, 0)
    check_positive("lr", lr)
    check_positive("temperature", temperature)
    check_nonnegative("weight_decay", weight_decay)
    if labels is not None and (not isinstance(labels, torch.Tensor) or labels.shape != (x.shape[0],)):
        raise ValueError(f"labels must be a tensor of shape ({x.shape[0]},) to match x, got "
                         f"{tuple(labels.shape) if isinstance(labels, torch.Tensor) else type(labels).__name__}")
    if x.shape[0] < 2:
        raise ValueError(f"x must hold at least 2 examples (a positive needs negatives), got {x.shape[0]}")

    world, rank = dist_.world_size(), dist_.rank()
    dev = torch.device(device) if device is not None else default_device()
    if head is None:
        if not hasattr(encoder, "out_dim"):
            raise ValueError("encoder has no .out_dim: pass a head explicitly")
        with torch.random.fork_rng(devices=[]):  # a seeded head without touching global RNG state
            torch.manual_seed(seed)
            head = ProjectionHead(encoder.out_dim, encoder.out_dim, 128)
    encoder.to(dev).train()
    head.to(dev).train()
    x = x.to(dev)
    labels = labels.to(dev) if labels is not None else None
    gen = torch.Generator().manual_seed(seed)  # shuffling and augmentation, CPU for portability

    n = x.shape[0]
    bs = min(batch_size, n)
    if bs % world:
        raise ValueError(f"batch_size must be divisible by the number of processes ({world}), got "
                         f"{bs}" + (f" (x holds only {n} examples)" if bs < batch_size else ""))
    lo, hi = rank * bs // world, (rank + 1) * bs // world  # this rank's slice of each global batch
    if world > 1 and loss_fn is nt_xent:
        loss_fn = dist_.nt_xent_global  # local anchors against every rank's views
    elif world > 1:
        user_loss = loss_fn
        loss_fn = lambda z1, z2, t: user_loss(dist_.gather_with_grad(z1), dist_.gather_with_grad(z2), t)
    steps_per_epoch = n // bs
    total = epochs * steps_per_epoch
    params = list(encoder.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total)

    losses, epoch_losses = [], []
    bar = progress_bar(total=total, desc="SimCLR", disable=not progress or rank != 0)
    start = time.perf_counter()
    model = _TwoViews(encoder, head)
    # Under DDP: BatchNorm over the global batch for the run, plain BatchNorm again afterwards.
    with dist_.global_batchnorm(model) if world > 1 else contextlib.nullcontext():
        if world > 1:
            # Gradients: every rank's loss is the global loss, and the all-gathers' backward sums
            # over ranks, so each rank's gradient is world x its share; DDP's mean over ranks
            # then gives exactly the single-process gradient. No extra scaling.
            model = nn.parallel.DistributedDataParallel(model, device_ids=[dev] if dev.type == "cuda" else None)
        for _ in range(epochs):
            perm = torch.randperm(n, generator=gen).to(dev)
            running = 0.0
            for s in range(steps_per_epoch):
                idx = perm[s * bs:(s + 1) * bs]  # the global batch, the same on every rank
                batch = x[idx]
                v1, v2 = augment(batch, gen), augment(batch, gen)  # every rank augments it all alike
                if v1.shape != batch.shape or v2.shape != batch.shape:
                    raise ValueError(f"augment must keep the batch shape {tuple(batch.shape)}, "
                                     f"got {tuple(v1.shape)}")
                z1, z2 = model(v1[lo:hi], v2[lo:hi])  # this rank's shard: (bs / world, D)
                if labels is None:
                    loss = loss_fn(z1, z2, temperature)
                else:
                    yb = labels[idx]  # the global batch's labels
                    z = torch.cat([dist_.gather_with_grad(z1), dist_.gather_with_grad(z2)])
                    loss = supcon(z, torch.cat([yb, yb]), temperature)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                value = float(loss.detach())
                losses.append(value)
                running += value
                bar.update(1)
                bar.set_postfix(loss=f"{value:.3f}", refresh=False)
            epoch_losses.append(running / steps_per_epoch)
    bar.close()
    seconds = time.perf_counter() - start
    encoder.eval()
    head.eval()
    return dict(loss=losses, epoch_loss=epoch_losses, seconds=seconds, steps=total, head=head)
