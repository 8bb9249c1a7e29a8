"""MAML (Finn et al. 2017) on `torch.func`: the inner loop `adapt`, the meta-objective `maml_loss`
(second order by default, `first_order=True` for first-order MAML), the sinusoid network of the
paper, a meta-training loop and the fine-tuning curve used to score a model on new tasks.

The parameters are a dict {name: tensor} passed to `torch.func.functional_call`, so the adapted
parameters theta' = theta - alpha * grad L_support(theta) are ordinary tensors that still depend
on theta: the outer loss L_query(theta') is differentiated through the inner step (second order),
or, with first_order=True, with the inner gradient treated as a constant.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, grad, vmap

from .._validate import check_int, check_nonnegative
from ..core import progress_bar
from ..data.sinusoids import SinusoidTasks, sinusoid_tasks

Params = dict[str, torch.Tensor]


def sine_net(hidden: tuple[int, ...] = (40, 40), d_in: int = 1, d_out: int = 1) -> nn.Sequential:
    """The regressor of Finn et al. 2017 for sinusoids: (.., d_in) -> (.., d_out), ReLU hidden layers 40-40."""
    layers: list[nn.Module] = []
    width = d_in
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, d_out))
    return nn.Sequential(*layers)


def params_of(model: nn.Module) -> Params:
    """The model's own parameters as a dict {name: tensor} (the same tensors, not copies)."""
    return dict(model.named_parameters())


def task_mse(model: nn.Module, params: Params, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The mean squared error of functional_call(model, params, x) against y: (N, d_in), (N, d_out) -> scalar."""
    return F.mse_loss(functional_call(model, params, (x,)), y)


def adapt(model: nn.Module, params: Params, x: torch.Tensor, y: torch.Tensor, inner_lr: float = 0.01,
          steps: int = 1, first_order: bool = False) -> Params:
    """The inner loop: `steps` steps of gradient descent on one task's support set.

    theta_{i+1} = theta_i - inner_lr * grad_theta MSE(f(x; theta_i), y), starting from theta_0 = params.
    x: (K, d_in), y: (K, d_out); the MSE is the mean over every entry of the (K, d_out) error.
    Returns the adapted parameters, a new dict with params' keys; params and the model are not
    changed. By default each step keeps the graph of its gradient, so the result can be
    differentiated with respect to params through every step (second order). With
    first_order=True each step's gradient is detached: the result depends on params only
    through the "theta_i" term, and its Jacobian with respect to params is the identity.
    """
    check_int("steps", steps, 0)
    check_nonnegative("inner_lr", inner_lr)
    support_grad = grad(lambda p: task_mse(model, p, x, y))
    for _ in range(steps):
        g = support_grad(params)
        params = {k: p - inner_lr * (g[k].detach() if first_order else g[k]) for k, p in params.items()}
    return params


def maml_loss(model: nn.Module, params: Params, x_support: torch.Tensor, y_support: torch.Tensor,
              x_query: torch.Tensor, y_query: torch.Tensor, inner_lr: float = 0.01, steps: int = 1,
              first_order: bool = False) -> torch.Tensor:
    """The MAML meta-objective: the mean over T tasks of the query MSE after adapting on the support.

    x_support: (T, K, d_in), y_support: (T, K, d_out), x_query: (T, Q, d_in), y_query: (T, Q, d_out).
    For each task t: theta'_t = adapt(model, params, x_support[t], y_support[t], inner_lr, steps,
    first_order), then MSE(f(x_query[t]; theta'_t), y_query[t]). Returns the scalar mean over tasks;
    its gradient with respect to params is the meta-gradient (second order unless first_order).
    The tasks are batched with torch.func.vmap (the same as a Python loop over t).
    """
    def one_task(xs, ys, xq, yq):
        return task_mse(model, adapt(model, params, xs, ys, inner_lr, steps, first_order), xq, yq)

    return vmap(one_task)(x_support, y_support, x_query, y_query).mean()


def batched_mlp(model: nn.Sequential, params: Params, x: torch.Tensor) -> torch.Tensor:
    """An MLP at per-task parameters: x (T, N, d_in) -> (T, N, d_out), params[k] of shape (T, *shape of k).

    `model` is an nn.Sequential of nn.Linear layers and elementwise activations (nn.ReLU, nn.Tanh, ...):
    each Linear becomes a batched matrix product (torch.baddbmm) with task t's weights.
    """
    h = x
    for name, layer in model.named_children():
        if isinstance(layer, nn.Linear):
            w, b = params[f"{name}.weight"], params.get(f"{name}.bias")
            h = torch.bmm(h, w.transpose(1, 2)) if b is None else torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))
        elif len(list(layer.parameters())) == 0:
            h = layer(h)
        else:
            raise TypeError(f"batched_mlp handles nn.Linear and parameter-free elementwise layers, got {layer}")
    return h


def mlp_maml_loss(model: nn.Sequential, params: Params, x_support: torch.Tensor, y_support: torch.Tensor,
                  x_query: torch.Tensor, y_query: torch.Tensor, inner_lr: float = 0.01, steps: int = 1,
                  first_order: bool = False) -> torch.Tensor:
    """maml_loss for an MLP (see batched_mlp), batched over the T tasks by hand instead of with vmap.

    The same values and meta-gradients as maml_loss (tests/test_maml.py checks both, second and
    first order), about twice as fast on a CPU for the sinusoid network: the meta-training below
    uses it. Each task gets its own copy of the parameters (expanded, so every copy's gradient
    flows back to params); the sum over tasks of the support losses has, with respect to task t's
    copy, exactly task t's gradient.
    """
    check_int("steps", steps, 0)
    check_nonnegative("inner_lr", inner_lr)
    tasks = x_support.shape[0]
    fast = {k: (v if v.requires_grad else v.detach().requires_grad_()).expand(tasks, *v.shape)
            for k, v in params.items()}
    for _ in range(steps):
        support = (batched_mlp(model, fast, x_support) - y_support).pow(2).mean(dim=(1, 2)).sum()
        g = torch.autograd.grad(support, list(fast.values()), create_graph=not first_order)
        fast = {k: v - inner_lr * gk for (k, v), gk in zip(fast.items(), g)}
    return (batched_mlp(model, fast, x_query) - y_query).pow(2).mean(dim=(1, 2)).mean()


@torch.no_grad()
def finetune_curve(model: nn.Module, tasks: SinusoidTasks, inner_lr: float = 0.01, steps: int = 10) -> torch.Tensor:
    """Test MSE after 0, 1, ..., `steps` steps of plain SGD on each task's support set: (steps + 1,).

    Every task starts from the model's parameters and is fine-tuned on its own (K, 1) support
    set with `inner_lr`; the MSE is measured on its (Q, 1) query set and averaged over tasks.
    """
    params = {k: v.detach() for k, v in params_of(model).items()}

    def curve(xs, ys, xq, yq):
        out, p = [], params
        for i in range(steps + 1):
            out.append(task_mse(model, p, xq, yq))
            if i < steps:
                p = adapt(model, p, xs, ys, inner_lr, 1, first_order=True)
        return torch.stack(out)

    return vmap(curve)(tasks.x_support, tasks.y_support, tasks.x_query, tasks.y_query).mean(0)


Objective = Callable[[nn.Module, Params, SinusoidTasks], torch.Tensor]


def maml_objective(inner_lr: float = 0.01, steps: int = 1, first_order: bool = False,
                   batched: bool = True) -> Objective:
    """The MAML objective for `train_on_tasks`: on a batch of tasks, mlp_maml_loss (batched=True, for
    MLPs) or maml_loss (torch.func.vmap, any model); the two agree."""
    loss = mlp_maml_loss if batched else maml_loss

    def objective(model, params, t):
        return loss(model, params, t.x_support, t.y_support, t.x_query, t.y_query, inner_lr, steps, first_order)

    return objective


def pooled_objective(model: nn.Module, params: Params, t: SinusoidTasks) -> torch.Tensor:
    """No inner loop: the plain MSE of one network on every point of every task in the batch
    (support and query together), as if all the tasks were one dataset ("pretraining on all tasks")."""
    x = torch.cat([t.x_support, t.x_query], dim=1).flatten(0, 1)
    y = torch.cat([t.y_support, t.y_query], dim=1).flatten(0, 1)
    return task_mse(model, params, x, y)


def train_on_tasks(objective: Objective, seed: int, iterations: int, meta_batch: int = 25, k_support: int = 5,
                   k_query: int = 10, outer_lr: float = 1e-3, hidden: tuple[int, ...] = (40, 40),
                   progress: bool = False, device: torch.device | str | None = None) -> nn.Module:
    """Train sine_net(hidden) for a fixed number of outer steps of Adam (lr `outer_lr`, cosine-decayed to 0).

    Each step draws `meta_batch` fresh sinusoid tasks (k_support + k_query points each) and
    minimises objective(model, params, tasks). The weights and every task come from `seed` (drawn
    on the CPU, then moved to `device`, so a seed gives the same tasks on every device).
    """
    check_int("iterations", iterations)
    torch.manual_seed(seed)
    model = sine_net(hidden).to(device)
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=outer_lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, iterations)
    steps = range(iterations)
    if progress:
        steps = progress_bar(steps, desc="meta-training")
    for _ in steps:
        tasks = sinusoid_tasks(meta_batch, k_support, k_query, generator=g, device=device)
        opt.zero_grad()
        objective(model, params_of(model), tasks).backward()
        opt.step()
        sched.step()
    return model
