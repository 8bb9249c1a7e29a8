"""Reptile (Nichol, Achiam & Schulman 2018): meta-learning with no gradient through the inner loop.

For each task, run a few steps of SGD from theta to phi_t; then move theta towards the tasks'
solutions: theta <- theta + epsilon * mean_t (phi_t - theta). The direction theta - mean_t phi_t
is used as a gradient ("Reptile gradient"), so any optimiser can take the outer step; here Adam,
through a surrogate loss whose gradient is that direction.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.func import vmap

from ..data.sinusoids import SinusoidTasks
from .maml import Params, adapt, batched_mlp


def reptile_direction(model: nn.Module, params: Params, x: torch.Tensor, y: torch.Tensor, inner_lr: float = 0.01,
                      steps: int = 5, batched: bool = False) -> Params:
    """theta - mean_t phi_t, with phi_t = `steps` steps of SGD (lr `inner_lr`) from theta on task t's points.

    x: (T, K, d_in), y: (T, K, d_out). Returns a dict of tensors of params' shapes, detached (no graph).
    batched=False runs `adapt` under torch.func.vmap (any model); batched=True runs the same steps
    on per-task copies with `batched_mlp` (an MLP only; the same numbers, faster on a CPU).
    """
    theta = {k: v.detach() for k, v in params.items()}
    if batched:
        phi = {k: v.expand(x.shape[0], *v.shape) for k, v in theta.items()}
        for _ in range(steps):
            phi = {k: v.requires_grad_() for k, v in phi.items()}
            with torch.enable_grad():
                loss = (batched_mlp(model, phi, x) - y).pow(2).mean(dim=(1, 2)).sum()
                g = torch.autograd.grad(loss, list(phi.values()))
            phi = {k: (v - inner_lr * gk).detach() for (k, v), gk in zip(phi.items(), g)}
    else:
        phi = vmap(lambda xt, yt: adapt(model, theta, xt, yt, inner_lr, steps, first_order=True))(x, y)
    return {k: theta[k] - phi[k].mean(0) for k in theta}


def reptile_objective(inner_lr: float = 0.01, steps: int = 5, batched: bool = True):
    """An objective for `maml.train_on_tasks` whose gradient with respect to params is the Reptile direction.

    Each task's support and query points together are its training points (Reptile has no
    support/query split). The surrogate sum_k <params_k, direction_k> (direction held constant)
    has exactly that gradient; its value means nothing.
    """
    def objective(model: nn.Module, params: Params, t: SinusoidTasks) -> torch.Tensor:
        x = torch.cat([t.x_support, t.x_query], dim=1)
        y = torch.cat([t.y_support, t.y_query], dim=1)
        direction = reptile_direction(model, params, x, y, inner_lr, steps, batched)
        return sum((params[k] * direction[k]).sum() for k in params)

    return objective
