"""Known-wrong implementations for chapter 22 (MAML's inner loop and meta-objective)."""
from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch.func import functional_call, grad

from ssl_course.meta.maml import adapt as _adapt

from . import mutant


def _mse(model, p, x, y):
    return F.mse_loss(functional_call(model, p, (x,)), y)


def _step(params, g, lr, detach):
    return {k: p - lr * (g[k].detach() if detach else g[k]) for k, p in params.items()}


# --------------------------------------------------------------------------- 22.adapt
@mutant("22.adapt", "common wrong answer: no inner loop (the parameters come back as they are)")
def _adapt_none(model, params, x, y, inner_lr=0.01, steps=1, first_order=False):
    return dict(params)


@mutant("22.adapt", "fine-tunes the model's own weights with torch.optim.SGD and returns detached copies")
def _adapt_optimizer(model, params, x, y, inner_lr=0.01, steps=1, first_order=False):
    with torch.no_grad():
        for k, p in model.named_parameters():
            p.copy_(params[k])
    opt = torch.optim.SGD(model.parameters(), lr=inner_lr)
    for _ in range(steps):
        opt.zero_grad()
        F.mse_loss(model(x), y).backward()
        opt.step()
    return {k: p.detach().clone() for k, p in model.named_parameters()}


@mutant("22.adapt", "always first order: the inner gradient is detached even when first_order=False")
def _adapt_always_detached(model, params, x, y, inner_lr=0.01, steps=1, first_order=False):
    for _ in range(steps):
        params = _step(params, grad(lambda p: _mse(model, p, x, y))(params), inner_lr, True)
    return params


@mutant("22.adapt", "ignores first_order (always second order)")
def _adapt_never_detached(model, params, x, y, inner_lr=0.01, steps=1, first_order=False):
    for _ in range(steps):
        params = _step(params, grad(lambda p: _mse(model, p, x, y))(params), inner_lr, False)
    return params


@mutant("22.adapt", "gradient ascent: theta + lr * g")
def _adapt_ascent(model, params, x, y, inner_lr=0.01, steps=1, first_order=False):
    for _ in range(steps):
        params = _step(params, grad(lambda p: _mse(model, p, x, y))(params), -inner_lr, first_order)
    return params


@mutant("22.adapt", "ignores steps (always one step)")
def _adapt_one_step(model, params, x, y, inner_lr=0.01, steps=1, first_order=False):
    return _adapt(model, params, x, y, inner_lr, 1, first_order)


@mutant("22.adapt", "reuses the gradient at theta_0 for every step")
def _adapt_stale_gradient(model, params, x, y, inner_lr=0.01, steps=1, first_order=False):
    g = grad(lambda p: _mse(model, p, x, y))(params)
    for _ in range(steps):
        params = _step(params, g, inner_lr, first_order)
    return params


@mutant("22.adapt", "ignores inner_lr (0.01 always)")
def _adapt_fixed_lr(model, params, x, y, inner_lr=0.01, steps=1, first_order=False):
    return _adapt(model, params, x, y, 0.01, steps, first_order)


@mutant("22.adapt", "sum of squared errors over the points instead of the mean")
def _adapt_sum(model, params, x, y, inner_lr=0.01, steps=1, first_order=False):
    loss = grad(lambda p: F.mse_loss(functional_call(model, p, (x,)), y, reduction="sum") / y.shape[-1])
    for _ in range(steps):
        params = _step(params, loss(params), inner_lr, first_order)
    return params


@mutant("22.adapt", "squared errors summed over the outputs, averaged over the points")
def _adapt_sum_outputs(model, params, x, y, inner_lr=0.01, steps=1, first_order=False):
    loss = grad(lambda p: (functional_call(model, p, (x,)) - y).pow(2).sum(-1).mean())
    for _ in range(steps):
        params = _step(params, loss(params), inner_lr, first_order)
    return params


@mutant("22.adapt", "evaluates model(x) (the model's own weights), not the network at params")
def _adapt_model_weights(model, params, x, y, inner_lr=0.01, steps=1, first_order=False):
    names = list(params)
    for _ in range(steps):
        g = torch.autograd.grad(F.mse_loss(model(x), y), list(model.parameters()), create_graph=not first_order)
        params = {k: params[k] - inner_lr * gk for k, gk in zip(names, g)}
    return params


@mutant("22.adapt", "torch.autograd.grad on params: fails when params do not require grad")
def _adapt_autograd(model, params, x, y, inner_lr=0.01, steps=1, first_order=False):
    for _ in range(steps):
        g = torch.autograd.grad(_mse(model, params, x, y), list(params.values()), create_graph=not first_order)
        params = {k: p - inner_lr * gk for (k, p), gk in zip(params.items(), g)}
    return params


@mutant("22.adapt", "computes in float32 and casts back")
def _adapt_float32(model, params, x, y, inner_lr=0.01, steps=1, first_order=False):
    m32 = copy.deepcopy(model).float()
    out = _adapt(m32, {k: v.float() for k, v in params.items()}, x.float(), y.float(), inner_lr, steps, first_order)
    return {k: v.to(params[k].dtype) for k, v in out.items()}


@mutant("22.adapt", "uses only the first 512 support points")
def _adapt_chunk(model, params, x, y, inner_lr=0.01, steps=1, first_order=False):
    return _adapt(model, params, x[:512], y[:512], inner_lr, steps, first_order)


@mutant("22.adapt", "updates the caller's params in place")
def _adapt_in_place(model, params, x, y, inner_lr=0.01, steps=1, first_order=False):
    out = _adapt(model, params, x, y, inner_lr, steps, first_order)
    with torch.no_grad():
        for k in params:
            params[k].copy_(out[k])
    return out


@mutant("22.adapt", "the learning rate made a tensor on the default device")
def _adapt_default_device(model, params, x, y, inner_lr=0.01, steps=1, first_order=False):
    lr = torch.tensor(inner_lr, dtype=x.dtype)
    for _ in range(steps):
        params = _step(params, grad(lambda p: _mse(model, p, x, y))(params), lr, first_order)
    return params


# --------------------------------------------------------------------------- 22.maml_loss
def _query(model, params, xq, yq):
    return _mse(model, params, xq, yq)


@mutant("22.maml_loss", "common wrong answer: no inner loop, the query loss of params on every task "
                        "(multi-task training called meta-learning)")
def _maml_no_inner(model, params, xs, ys, xq, yq, inner_lr=0.01, steps=1, first_order=False):
    return torch.stack([_query(model, params, xq[t], yq[t]) for t in range(len(xs))]).mean()


@mutant("22.maml_loss", "always first order (inner gradient detached)")
def _maml_detached(model, params, xs, ys, xq, yq, inner_lr=0.01, steps=1, first_order=False):
    return torch.stack([_query(model, _adapt(model, params, xs[t], ys[t], inner_lr, steps, True), xq[t], yq[t])
                        for t in range(len(xs))]).mean()


@mutant("22.maml_loss", "ignores first_order (always second order)")
def _maml_second_always(model, params, xs, ys, xq, yq, inner_lr=0.01, steps=1, first_order=False):
    return torch.stack([_query(model, _adapt(model, params, xs[t], ys[t], inner_lr, steps, False), xq[t], yq[t])
                        for t in range(len(xs))]).mean()


@mutant("22.maml_loss", "scores the adapted parameters on the support set, not the query set")
def _maml_support(model, params, xs, ys, xq, yq, inner_lr=0.01, steps=1, first_order=False):
    return torch.stack([_query(model, _adapt(model, params, xs[t], ys[t], inner_lr, steps, first_order), xs[t], ys[t])
                        for t in range(len(xs))]).mean()


@mutant("22.maml_loss", "sums over tasks instead of the mean")
def _maml_sum(model, params, xs, ys, xq, yq, inner_lr=0.01, steps=1, first_order=False):
    return torch.stack([_query(model, _adapt(model, params, xs[t], ys[t], inner_lr, steps, first_order), xq[t], yq[t])
                        for t in range(len(xs))]).sum()


@mutant("22.maml_loss", "one adaptation on every task's support points pooled")
def _maml_pooled(model, params, xs, ys, xq, yq, inner_lr=0.01, steps=1, first_order=False):
    shared = _adapt(model, params, xs.flatten(0, 1), ys.flatten(0, 1), inner_lr, steps, first_order)
    return torch.stack([_query(model, shared, xq[t], yq[t]) for t in range(len(xs))]).mean()


@mutant("22.maml_loss", "ignores steps and inner_lr (one step of 0.01)")
def _maml_defaults(model, params, xs, ys, xq, yq, inner_lr=0.01, steps=1, first_order=False):
    return torch.stack([_query(model, _adapt(model, params, xs[t], ys[t], 0.01, 1, first_order), xq[t], yq[t])
                        for t in range(len(xs))]).mean()


@mutant("22.maml_loss", "ignores steps (one step always)")
def _maml_one_step(model, params, xs, ys, xq, yq, inner_lr=0.01, steps=1, first_order=False):
    return torch.stack([_query(model, _adapt(model, params, xs[t], ys[t], inner_lr, 1, first_order), xq[t], yq[t])
                        for t in range(len(xs))]).mean()


@mutant("22.maml_loss", "adapts params detached from the graph (no meta-gradient at all)")
def _maml_detached_params(model, params, xs, ys, xq, yq, inner_lr=0.01, steps=1, first_order=False):
    p0 = {k: v.detach() for k, v in params.items()}
    return torch.stack([_query(model, _adapt(model, p0, xs[t], ys[t], inner_lr, steps, first_order), xq[t], yq[t])
                        for t in range(len(xs))]).mean()


@mutant("22.maml_loss", "the first 512 tasks only")
def _maml_chunk(model, params, xs, ys, xq, yq, inner_lr=0.01, steps=1, first_order=False):
    n = min(len(xs), 512)
    return torch.stack([_query(model, _adapt(model, params, xs[t], ys[t], inner_lr, steps, first_order), xq[t], yq[t])
                        for t in range(n)]).mean()


@mutant("22.maml_loss", "computes in float32 and casts back")
def _maml_float32(model, params, xs, ys, xq, yq, inner_lr=0.01, steps=1, first_order=False):
    from ssl_course.meta.maml import maml_loss

    dtype = xs.dtype
    out = maml_loss(copy.deepcopy(model).float(), {k: v.float() for k, v in params.items()}, xs.float(), ys.float(), xq.float(),
                    yq.float(), inner_lr, steps, first_order)
    return out.to(dtype)


@mutant("22.maml_loss", "the accumulator created on the default device")
def _maml_default_device(model, params, xs, ys, xq, yq, inner_lr=0.01, steps=1, first_order=False):
    total = torch.zeros((), dtype=xs.dtype)
    for t in range(len(xs)):
        total = total + _query(model, _adapt(model, params, xs[t], ys[t], inner_lr, steps, first_order), xq[t], yq[t])
    return total / len(xs)
