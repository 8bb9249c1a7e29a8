"""Using a pretrained encoder downstream (chapter 08): freeze it for a linear probe, or fine-tune
it with its own learning rate, in one loop.

- `freeze(module)`: no gradient for any parameter, and no BatchNorm statistic that moves, even
  after a later `.train()` (a frozen encoder must not change at all).
- `param_groups(backbone, head, ...)`: the optimizer's groups: a learning rate for the backbone,
  one for the head, and no weight decay on biases and normalisation parameters.
- `finetune(backbone, head, x, y, ...)`: the supervised loop on a few labelled examples, the
  same for training from scratch, a linear probe (frozen backbone) and fine-tuning.
"""
from __future__ import annotations

import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from .._validate import check_int, check_labels, check_nonnegative
from ..core import device as default_device


def _keep_eval(module: nn.Module, args) -> None:
    """Forward pre-hook of a frozen BatchNorm layer: whatever .train() said, run in eval mode
    (normalise with the running statistics, never update them). A module-level function, not a
    closure, so a frozen model can still be deep-copied and pickled."""
    module.eval()


def freeze(module: nn.Module) -> nn.Module:
    """Freeze `module` in place and return it (the same object).

    1. every parameter of `module` (at any depth) gets requires_grad=False;
    2. every BatchNorm layer inside it (BatchNorm1d/2d/3d, SyncBatchNorm, at any depth) runs in
       eval mode from now on, even after `module.train()` or a parent's `.train()`: it normalises
       with its running statistics and never updates them. A forward pre-hook puts it back in
       eval mode before each call;
    3. nothing else changes: no parameter or buffer value, no other layer's mode (a Dropout
       still follows train() and eval()), nothing outside `module`.
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    for p in module.parameters():
        p.requires_grad_(False)
    for m in module.modules():
        if isinstance(m, _BatchNorm):
            m.eval()
            if _keep_eval not in m._forward_pre_hooks.values():  # freezing twice adds no second hook
                m.register_forward_pre_hook(_keep_eval)
    return module


def _no_decay(p: nn.Parameter) -> bool:
    """Biases and normalisation scales and shifts (every parameter with fewer than 2 dimensions)
    are not decayed: shrinking them towards 0 is no regulariser (timm's and BYOL's rule)."""
    return p.ndim < 2


def param_groups(backbone: nn.Module, head: nn.Module, backbone_lr: float, head_lr: float,
                 weight_decay: float) -> list[dict]:
    """The optimizer's parameter groups for fine-tuning `backbone` with a new `head`.

    Up to four groups, in this order, each a dict with exactly the keys "params", "lr" and
    "weight_decay":
      backbone, decayed      lr=backbone_lr, weight_decay=weight_decay
      backbone, not decayed  lr=backbone_lr, weight_decay=0.0
      head, decayed          lr=head_lr,     weight_decay=weight_decay
      head, not decayed      lr=head_lr,     weight_decay=0.0
    A parameter with fewer than 2 dimensions (a bias, a BatchNorm/LayerNorm scale or shift) is
    not decayed; every other parameter is. Parameters with requires_grad=False (frozen) are left
    out. Every parameter appears exactly once: one shared by the backbone and the head (tied
    weights) belongs to the backbone. Within a group the parameters keep the order of
    `named_parameters()`; a group left empty is omitted. lr and weight_decay are floats.
    """
    for name, m in (("backbone", backbone), ("head", head)):
        if not isinstance(m, nn.Module):
            raise TypeError(f"{name} must be a torch.nn.Module, got {type(m).__name__}")
    for name, value in (("backbone_lr", backbone_lr), ("head_lr", head_lr), ("weight_decay", weight_decay)):
        check_nonnegative(name, value)
    groups, seen = [], set()
    for module, lr in ((backbone, backbone_lr), (head, head_lr)):
        trainable = []
        for p in module.parameters():  # named_parameters() order, each parameter once per module
            if p.requires_grad and id(p) not in seen:
                seen.add(id(p))
                trainable.append(p)
        decay = [p for p in trainable if not _no_decay(p)]
        plain = [p for p in trainable if _no_decay(p)]
        for params, wd in ((decay, float(weight_decay)), (plain, 0.0)):
            if params:
                groups.append({"params": params, "lr": float(lr), "weight_decay": wd})
    return groups


def finetune(backbone: nn.Module, head: nn.Module, x: torch.Tensor, y: torch.Tensor, *, steps: int,
             backbone_lr: float, head_lr: float, weight_decay: float = 1e-4,
             augment: Callable | None = None, batch_size: int | None = None, seed: int = 0,
             device=None) -> dict:
    """Train backbone + head with a cross-entropy on the labelled x: (N, ...), y: (N,), in place.

    `steps` AdamW steps over `param_groups(...)`, so a frozen backbone (`freeze`) gives a linear
    probe, backbone_lr = head_lr trains everything alike (from scratch), and a small
    backbone_lr fine-tunes. Each step uses all N examples, or, when batch_size < N, a random
    batch of batch_size of them. augment(x_batch, generator) -> a random view of the batch;
    None trains on the examples themselves. One CPU generator seeded with `seed` draws the
    batches and the views.
    Returns {"loss": per-step floats, "seconds": wall-clock time}. Both modules are left on
    `device` in eval mode.
    """
    check_int("steps", steps)
    check_int("seed", seed, 0)
    if batch_size is not None:
        check_int("batch_size", batch_size)
    check_labels("y", y, x.shape[0], "x")
    dev = torch.device(device) if device is not None else default_device()
    model = nn.Sequential(backbone, head).to(dev)
    groups = param_groups(backbone, head, backbone_lr, head_lr, weight_decay)
    if not groups:
        raise ValueError("nothing to train: every parameter of backbone and head is frozen")
    opt = torch.optim.AdamW(groups)
    gen = torch.Generator().manual_seed(seed)
    x, y = x.to(dev), y.to(dev)
    losses, start = [], time.perf_counter()
    model.train()  # a frozen BatchNorm stays in eval mode (freeze's hook)
    n = x.shape[0]
    for _ in range(steps):
        if batch_size is None or batch_size >= n:
            xb, yb = x, y
        else:
            idx = torch.randperm(n, generator=gen)[:batch_size].to(dev)
            xb, yb = x[idx], y[idx]
        if augment is not None:
            xb = augment(xb, gen)
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    model.eval()
    return {"loss": losses, "seconds": time.perf_counter() - start}


@torch.no_grad()
def accuracy(backbone: nn.Module, head: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Test accuracy of head(backbone(x)) in eval mode: x (M, ...), y (M,) -> a float in [0, 1]."""
    model = nn.Sequential(backbone, head).eval()
    dev = next(model.parameters()).device
    pred = model(x.to(dev)).argmax(dim=1).cpu()
    return float((pred == y.cpu()).double().mean())
