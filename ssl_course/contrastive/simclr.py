"""SimCLR's training loop (Chen et al. 2020), one process, readable top to bottom: each step
draws a batch, makes two random views of it, encodes both, and minimises NT-Xent.

The data-parallel version (`ssl_course.distributed.simclr`) runs this same loop on a model
and a loss wrapped for DistributedDataParallel.
"""
from __future__ import annotations

import time
from collections.abc import Callable

import torch
from torch import nn

from .._validate import check_int, check_labels, check_nonnegative, check_positive
from ..core import device as default_device
from ..core import progress_bar
from ..models.heads import ProjectionHead
from .nt_xent import nt_xent
from .supcon import supcon


class TwoViews(nn.Module):
    """encoder then head on each view, in two separate passes (each view batch keeps its own
    BatchNorm statistics): (v1, v2) -> (z1, z2). One module, so DDP sees one forward per step."""

    def __init__(self, encoder: nn.Module, head: nn.Module):
        super().__init__()
        self.encoder, self.head = encoder, head

    def forward(self, v1, v2):
        return self.head(self.encoder(v1)), self.head(self.encoder(v2))


def train_simclr(encoder: nn.Module, x: torch.Tensor, augment: Callable, *, head: nn.Module | None = None,
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

    Returns a history dict: "loss" (per-step floats), "epoch_loss" (per-epoch means),
    "seconds" (wall-clock training time), "steps", "head" (the trained head).
    The encoder and head are left on `device`, in eval mode. For several processes, see
    `ssl_course.distributed.simclr.train_simclr`, which takes the same arguments.
    """
    head, dev = prepare(encoder, x, augment, head=head, epochs=epochs, batch_size=batch_size, lr=lr,
                        temperature=temperature, weight_decay=weight_decay, seed=seed, device=device,
                        loss_fn=loss_fn, labels=labels)
    history = fit(TwoViews(encoder, head), x, labels, augment, views_loss(loss_fn, temperature),
                  epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay, seed=seed,
                  device=dev, show_bar=progress)
    return {**history, "head": head}


def views_loss(loss_fn: Callable, temperature: float) -> Callable:
    """The loss of one step, (z1, z2, y) -> scalar: loss_fn(z1, z2, temperature) without labels;
    with labels y: (B,), SupCon over the 2B views, every same-class view a positive."""
    def loss(z1, z2, y):
        if y is None:
            return loss_fn(z1, z2, temperature)
        return supcon(torch.cat([z1, z2]), torch.cat([y, y]), temperature)
    return loss


def prepare(encoder, x, augment, *, head, epochs, batch_size, lr, temperature, weight_decay, seed,
            device, loss_fn, labels) -> tuple[nn.Module, torch.device]:
    """Check train_simclr()'s arguments; build the default head (seeded); move the encoder and head
    to the device in train mode. Returns (head, device)."""
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
    if labels is not None:
        check_labels("labels", labels, x.shape[0], "x")
    if x.shape[0] < 2:
        raise ValueError(f"x must hold at least 2 examples (a positive needs negatives), got {x.shape[0]}")
    dev = torch.device(device) if device is not None else default_device()
    if head is None:
        if not hasattr(encoder, "out_dim"):
            raise ValueError("encoder has no .out_dim: pass a head explicitly")
        with torch.random.fork_rng(devices=[]):  # a seeded head without touching global RNG state
            torch.manual_seed(seed)
            head = ProjectionHead(encoder.out_dim, encoder.out_dim, 128)
    encoder.to(dev).train()
    head.to(dev).train()
    return head, dev


def fit(model: nn.Module, x: torch.Tensor, labels: torch.Tensor | None, augment: Callable, loss_fn: Callable, *,
        epochs: int, batch_size: int, lr: float, weight_decay: float, seed: int, device: torch.device,
        show_bar: bool = True) -> dict:
    """The loop. model(v1, v2) -> (z1, z2); loss_fn(z1, z2, y or None) -> scalar.
    Returns the history of train_simclr() without the head.

    Adam with a cosine-decayed learning rate; every epoch visits a fresh permutation of x in
    full batches. One CPU generator, seeded, draws the permutations and the augmentations.
    """
    x = x.to(device)
    labels = labels.to(device) if labels is not None else None
    gen = torch.Generator().manual_seed(seed)  # shuffling and augmentation, CPU for portability
    n = x.shape[0]
    bs = min(batch_size, n)
    steps_per_epoch = n // bs
    total = epochs * steps_per_epoch
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total)

    losses, epoch_losses = [], []
    bar = progress_bar(total=total, desc="SimCLR", disable=not show_bar)
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen).to(device)
        running = 0.0
        for s in range(steps_per_epoch):
            idx = perm[s * bs:(s + 1) * bs]
            batch = x[idx]
            v1, v2 = augment(batch, gen), augment(batch, gen)  # two random views of one batch
            if v1.shape != batch.shape or v2.shape != batch.shape:
                raise ValueError(f"augment must keep the batch shape {tuple(batch.shape)}, got {tuple(v1.shape)}")
            z1, z2 = model(v1, v2)
            loss = loss_fn(z1, z2, None if labels is None else labels[idx])
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
    model.eval()
    return dict(loss=losses, epoch_loss=epoch_losses, seconds=seconds, steps=total)
