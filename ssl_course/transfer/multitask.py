"""Multi-task learning with a shared trunk (chapter 23): one network, several heads, one loss
made of several, and a measurement of how much the tasks pull the shared weights apart.

- `MultiHead`: hard parameter sharing (Caruana 1997): a shared trunk and one head per task.
- `uncertainty_weighting` and the module `UncertaintyWeighting`: the tasks' losses weighted by
  learned log-variances (Kendall, Gal & Cipolla 2018).
- `grad_cosine`: the cosine between two tasks' gradients on the shared parameters (the
  "conflict" that PCGrad, Yu et al. 2020, and GradNorm-style methods act on).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from .._validate import check_positive, check_tensor


class MultiHead(nn.Module):
    """A shared trunk and one head per task (hard parameter sharing).

    trunk: (N, ...) -> (N, F); heads: {task name: (N, F) -> (N, K_task)}.
    forward(x) -> {task: (N, K_task)} for every head; forward(x, task) -> (N, K_task), that
    head only (the trunk runs once either way). `shared_parameters()` lists the trunk's
    trainable parameters: the ones every task's gradient reaches, where tasks can conflict.
    """

    def __init__(self, trunk: nn.Module, heads: Mapping[str, nn.Module]):
        super().__init__()
        if not isinstance(trunk, nn.Module):
            raise TypeError(f"trunk must be a torch.nn.Module, got {type(trunk).__name__}")
        if not isinstance(heads, Mapping) or not heads:
            raise TypeError(f"heads must be a non-empty mapping of task name -> nn.Module, got {heads!r}")
        for name, head in heads.items():
            if not isinstance(name, str) or not isinstance(head, nn.Module):
                raise TypeError(f"heads must map str task names to nn.Module heads, got {name!r}: "
                                f"{type(head).__name__}")
        self.trunk = trunk
        self.heads = nn.ModuleDict(dict(heads))

    @property
    def tasks(self) -> list[str]:
        return list(self.heads)

    def forward(self, x: torch.Tensor, task: str | None = None):
        h = self.trunk(x)  # (N, F): computed once, shared by every head
        if task is None:
            return {name: head(h) for name, head in self.heads.items()}
        if task not in self.heads:
            raise ValueError(f"task must be one of {self.tasks}, got {task!r}")
        return self.heads[task](h)

    def shared_parameters(self) -> list[nn.Parameter]:
        """The trunk's parameters that require a gradient, in `named_parameters()` order."""
        return [p for p in self.trunk.parameters() if p.requires_grad]


def uncertainty_weighting(losses: torch.Tensor, log_vars: torch.Tensor, regression: torch.Tensor) -> torch.Tensor:
    """Kendall, Gal & Cipolla (2018): the tasks' losses weighted by learned noise variances.

    total = sum_i [ c_i * exp(-s_i) * L_i + s_i / 2 ],   s_i = log sigma_i^2,
    c_i = 1/2 for a regression task (a Gaussian likelihood, L_i a squared error: the paper's
    1/(2 sigma^2) L + log sigma) and c_i = 1 for a classification task (a softmax of logits
    scaled by 1/sigma^2, L_i a cross-entropy: the paper's 1/sigma^2 L + log sigma).
    Minimised over s_i with L_i fixed: s_i = log(2 c_i L_i), so every weighted term
    c_i exp(-s_i) L_i settles at 1/2: each task is divided by (twice) its own loss.

    losses: (T,) floating, the T tasks' (mean) losses; log_vars: (T,) the learned s_i, same
    dtype; regression: (T,) bool, True for a regression task. Returns a 0-d tensor in the
    losses' dtype and on their device, differentiable in losses and log_vars.
    """
    for name, t in (("losses", losses), ("log_vars", log_vars), ("regression", regression)):
        check_tensor(name, t)
        if t.ndim != 1:
            raise ValueError(f"{name} must be 1-D (T,), one entry per task, got shape {tuple(t.shape)}")
    if not losses.is_floating_point() or log_vars.dtype != losses.dtype:
        raise TypeError(f"losses and log_vars must be floating tensors of one dtype, got {losses.dtype} "
                        f"and {log_vars.dtype}")
    if regression.dtype != torch.bool:
        raise TypeError(f"regression must be a bool tensor, got dtype {regression.dtype}")
    if not losses.shape == log_vars.shape == regression.shape:
        raise ValueError(f"losses, log_vars and regression must have one entry per task, got shapes "
                         f"{tuple(losses.shape)}, {tuple(log_vars.shape)}, {tuple(regression.shape)}")
    c = 1.0 - 0.5 * regression.to(device=losses.device, dtype=losses.dtype)  # 1/2 regression, 1 classification
    return (c * torch.exp(-log_vars) * losses + 0.5 * log_vars).sum()


class UncertaintyWeighting(nn.Module):
    """`uncertainty_weighting` with its log-variances s_i as parameters (initialised to 0: every
    weight starts at c_i). Train them with the network, in the same optimizer.

    regression: one bool per task (True: a squared-error task, False: a cross-entropy).
    forward(losses) with losses a (T,) tensor or a sequence of T 0-d tensors -> 0-d total.
    `weights()` -> (T,) the current c_i exp(-s_i), detached.
    """

    def __init__(self, regression: Sequence[bool]):
        super().__init__()
        if isinstance(regression, (str, bytes)) or not isinstance(regression, Sequence) or not regression \
                or not all(isinstance(r, bool) for r in regression):
            raise TypeError(f"regression must be a non-empty sequence of bools, one per task, got {regression!r}")
        self.log_vars = nn.Parameter(torch.zeros(len(regression)))
        self.register_buffer("regression", torch.tensor(regression, dtype=torch.bool))

    def forward(self, losses) -> torch.Tensor:
        if not isinstance(losses, torch.Tensor):
            losses = torch.stack(list(losses))
        return uncertainty_weighting(losses, self.log_vars, self.regression)

    def weights(self) -> torch.Tensor:
        c = 1.0 - 0.5 * self.regression.to(self.log_vars.dtype)
        return (c * torch.exp(-self.log_vars)).detach()


def grad_cosine(loss_a: torch.Tensor, loss_b: torch.Tensor, params: Sequence[torch.Tensor],
                eps: float = 1e-8) -> torch.Tensor:
    """The cosine between the gradients of two losses on the shared parameters.

    loss_a, loss_b: 0-d tensors, both computed from `params` (they may share one graph);
    params: a sequence of tensors that require a gradient (a trunk's parameters).
    g_a (g_b) is the gradient of loss_a (loss_b) w.r.t. every tensor of params, each flattened,
    concatenated in the order given; a tensor that a loss does not reach contributes zeros.
    Returns g_a . g_b / (max(|g_a|, eps) * max(|g_b|, eps)) (F.cosine_similarity's rule), a 0-d
    tensor in the params' dtype on their device, detached: 1 when the tasks agree, 0 when
    either gradient is zero or they are orthogonal, negative when they conflict.
    Side effects: none. Every parameter's .grad is left as it was (torch.autograd.grad, not
    .backward()), and the graph is kept (retain_graph=True) so that the caller can still
    backpropagate the losses afterwards.
    """
    check_tensor("loss_a", loss_a)
    check_tensor("loss_b", loss_b)
    if loss_a.ndim != 0 or loss_b.ndim != 0:
        raise ValueError(f"loss_a and loss_b must be 0-d (scalars), got shapes {tuple(loss_a.shape)} "
                         f"and {tuple(loss_b.shape)}")
    params = list(params)
    if not params or not all(isinstance(p, torch.Tensor) and p.requires_grad for p in params):
        raise ValueError("params must be a non-empty sequence of tensors that require a gradient")
    check_positive("eps", eps)
    g_a = torch.autograd.grad(loss_a, params, retain_graph=True, allow_unused=True)
    g_b = torch.autograd.grad(loss_b, params, retain_graph=True, allow_unused=True)

    def flat(grads):
        return torch.cat([(g if g is not None else torch.zeros_like(p)).reshape(-1) for g, p in zip(grads, params)])

    a, b = flat(g_a), flat(g_b)
    return (a @ b) / (a.norm().clamp_min(eps) * b.norm().clamp_min(eps))
