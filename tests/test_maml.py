"""Chapter 22's reference code against independent formulations: the second-order meta-gradient
against a plain-autograd MAML (create_graph=True) written here from scratch, against central
finite differences and against the closed form of a linear model; first-order MAML against the
query gradient at the adapted parameters; the inner loop against torch.optim.SGD; the vmap over
tasks against a Python loop; Reptile's direction against SGD-trained copies; the task sampler
against NumPy's sine."""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ssl_course.data.sinusoids import sinusoid, sinusoid_tasks
from ssl_course.meta.maml import (
    adapt,
    batched_mlp,
    finetune_curve,
    maml_loss,
    maml_objective,
    mlp_maml_loss,
    params_of,
    pooled_objective,
    sine_net,
    task_mse,
    train_on_tasks,
)
from ssl_course.meta.reptile import reptile_direction, reptile_objective


def _net(seed=0, hidden=(8, 8), dtype=torch.float64):
    torch.manual_seed(seed)
    return sine_net(hidden).to(dtype)


def _tasks(t=3, k=5, q=7, seed=1, dtype=torch.float64):
    return sinusoid_tasks(t, k, q, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def _leaves(model):
    return {k: v.detach().clone().requires_grad_() for k, v in params_of(model).items()}


# ----------------------------------------------------------------------------- an independent MAML
def _mlp(w, x):
    """The 1-h-h-1 ReLU net written out by hand: w = [W1, b1, W2, b2, W3, b3]."""
    h = torch.relu(x @ w[0].T + w[1])
    h = torch.relu(h @ w[2].T + w[3])
    return h @ w[4].T + w[5]


def _plain_maml(ws, t, lr, steps, first_order):
    """MAML with torch.autograd.grad(create_graph=True) and a Python loop over tasks."""
    total = 0.0
    for i in range(len(t.x_support)):
        a = ws
        for _ in range(steps):
            g = torch.autograd.grad(F.mse_loss(_mlp(a, t.x_support[i]), t.y_support[i]), a, create_graph=not first_order)
            a = [w - lr * gi for w, gi in zip(a, g)]
        total = total + F.mse_loss(_mlp(a, t.x_query[i]), t.y_query[i])
    return total / len(t.x_support)


@pytest.mark.parametrize("steps", [1, 2, 3])
@pytest.mark.parametrize("first_order", [False, True])
def test_meta_gradient_equals_plain_autograd_maml(steps, first_order):
    model, t = _net(), _tasks()
    params = _leaves(model)
    loss = maml_loss(model, params, t.x_support, t.y_support, t.x_query, t.y_query, 0.05, steps, first_order)
    got = torch.autograd.grad(loss, list(params.values()))
    ws = [v.detach().clone().requires_grad_() for v in params.values()]
    peer = _plain_maml(ws, t, 0.05, steps, first_order)
    want = torch.autograd.grad(peer, ws)
    torch.testing.assert_close(loss, peer, rtol=1e-12, atol=1e-14)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, rtol=1e-10, atol=1e-12)


def test_second_order_gradient_against_finite_differences():
    """A central difference of the meta-objective along a random direction equals <grad, direction>."""
    model, t = _net(2), _tasks(seed=4)
    params = _leaves(model)

    def f(p):
        return maml_loss(model, p, t.x_support, t.y_support, t.x_query, t.y_query, 0.1, 2)

    gen = torch.Generator().manual_seed(0)
    direction = {k: torch.randn(v.shape, generator=gen, dtype=v.dtype) for k, v in params.items()}
    grads = torch.autograd.grad(f(params), list(params.values()))
    analytic = sum((g * direction[k]).sum() for g, k in zip(grads, params)).item()
    eps = 1e-6
    with torch.no_grad():
        plus = f({k: v + eps * direction[k] for k, v in params.items()}).item()
        minus = f({k: v - eps * direction[k] for k, v in params.items()}).item()
    assert math.isclose((plus - minus) / (2 * eps), analytic, rel_tol=1e-6, abs_tol=1e-9)
    # the first-order gradient differs from it: the Hessian term matters here
    fo = torch.autograd.grad(maml_loss(model, params, t.x_support, t.y_support, t.x_query, t.y_query, 0.1, 2,
                                       first_order=True), list(params.values()))
    assert max((a - b).abs().max().item() for a, b in zip(fo, grads)) > 1e-3


def test_linear_model_meta_gradient_in_closed_form():
    """f(x) = x w (no bias): w' = w - a (2/K) Xs^T (Xs w - ys); L = |Xq w' - yq|^2 / Q;
    dL/dw = (I - a (2/K) Xs^T Xs) (2/Q) Xq^T (Xq w' - yq)."""
    gen = torch.Generator().manual_seed(3)
    d, k, q, a = 4, 6, 9, 0.07
    xs, xq = torch.randn(1, k, d, generator=gen, dtype=torch.float64), torch.randn(1, q, d, generator=gen, dtype=torch.float64)
    ys, yq = torch.randn(1, k, 1, generator=gen, dtype=torch.float64), torch.randn(1, q, 1, generator=gen, dtype=torch.float64)
    model = nn.Linear(d, 1, bias=False).double()
    w = torch.randn(1, d, generator=gen, dtype=torch.float64, requires_grad=True)
    loss = maml_loss(model, {"weight": w}, xs, ys, xq, yq, a)
    (got,) = torch.autograd.grad(loss, [w])
    Xs, Xq, wv = xs[0], xq[0], w.detach().T  # (K, d), (Q, d), (d, 1)
    w1 = wv - a * (2 / k) * Xs.T @ (Xs @ wv - ys[0])
    want = (torch.eye(d, dtype=torch.float64) - a * (2 / k) * Xs.T @ Xs) @ ((2 / q) * Xq.T @ (Xq @ w1 - yq[0]))
    torch.testing.assert_close(loss, ((Xq @ w1 - yq[0]) ** 2).mean(), rtol=1e-12, atol=0)
    torch.testing.assert_close(got, want.T, rtol=1e-10, atol=1e-12)


def test_first_order_gradient_is_the_query_gradient_at_the_adapted_parameters():
    model, t = _net(5), _tasks(t=4, seed=6)
    params = _leaves(model)
    loss = maml_loss(model, params, t.x_support, t.y_support, t.x_query, t.y_query, 0.1, 3, first_order=True)
    got = torch.autograd.grad(loss, list(params.values()))
    want = [torch.zeros_like(v) for v in params.values()]
    for i in range(4):
        adapted = {k: v.detach().requires_grad_() for k, v in
                   adapt(model, params, t.x_support[i], t.y_support[i], 0.1, 3, first_order=True).items()}
        g = torch.autograd.grad(task_mse(model, adapted, t.x_query[i], t.y_query[i]), list(adapted.values()))
        want = [a + b / 4 for a, b in zip(want, g)]
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("steps,lr", [(0, 0.01), (1, 0.01), (4, 0.2)])
def test_adapt_values_equal_torch_sgd(steps, lr):
    model, t = _net(7), _tasks(seed=8)
    before = {k: v.detach().clone() for k, v in params_of(model).items()}
    got = adapt(model, params_of(model), t.x_support[0], t.y_support[0], lr, steps)
    peer = copy.deepcopy(model)
    opt = torch.optim.SGD(peer.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        F.mse_loss(peer(t.x_support[0]), t.y_support[0]).backward()
        opt.step()
    for k, v in peer.named_parameters():
        torch.testing.assert_close(got[k], v.detach(), rtol=1e-12, atol=1e-14)
    for k, v in params_of(model).items():  # the model is left alone
        assert torch.equal(v.detach(), before[k])


def test_adapt_without_grad_and_first_order_jacobian_is_identity():
    model, t = _net(9), _tasks(seed=10)
    plain = {k: v.detach().clone() for k, v in params_of(model).items()}  # no requires_grad
    out = adapt(model, plain, t.x_support[0], t.y_support[0], 0.1, 2)
    assert set(out) == set(plain) and not any(v.requires_grad for v in out.values())
    leaves = _leaves(model)
    fo = adapt(model, leaves, t.x_support[0], t.y_support[0], 0.1, 2, first_order=True)
    w = {k: torch.randn_like(v) for k, v in fo.items()}
    grads = torch.autograd.grad(sum((fo[k] * w[k]).sum() for k in fo), list(leaves.values()))
    for g, k in zip(grads, leaves):
        torch.testing.assert_close(g, w[k], rtol=0, atol=0)


def test_vmap_over_tasks_equals_a_python_loop():
    model, t = _net(11, hidden=(40, 40), dtype=torch.float32), _tasks(t=6, seed=12, dtype=torch.float32)
    params = params_of(model)
    loss = maml_loss(model, params, t.x_support, t.y_support, t.x_query, t.y_query)
    loop = torch.stack([task_mse(model, adapt(model, params, t.x_support[i], t.y_support[i]), t.x_query[i], t.y_query[i])
                        for i in range(6)]).mean()
    torch.testing.assert_close(loss, loop, rtol=1e-5, atol=1e-7)
    g1 = torch.autograd.grad(loss, list(params.values()))
    g2 = torch.autograd.grad(loop, list(params.values()))
    for a, b in zip(g1, g2):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


def test_finetune_curve_equals_a_loop_of_sgd_steps():
    model, t = _net(13), _tasks(t=3, seed=14)
    curve = finetune_curve(model, t, 0.05, 3)
    want = torch.zeros(4, dtype=torch.float64)
    for i in range(3):
        peer = copy.deepcopy(model)
        opt = torch.optim.SGD(peer.parameters(), lr=0.05)
        for s in range(4):
            with torch.no_grad():
                want[s] += F.mse_loss(peer(t.x_query[i]), t.y_query[i]) / 3
            opt.zero_grad()
            F.mse_loss(peer(t.x_support[i]), t.y_support[i]).backward()
            opt.step()
    torch.testing.assert_close(curve, want, rtol=1e-10, atol=1e-12)


def test_pooled_objective_is_the_mse_over_every_point():
    model, t = _net(15), _tasks(seed=16)
    x = torch.cat([t.x_support, t.x_query], 1).reshape(-1, 1)
    y = torch.cat([t.y_support, t.y_query], 1).reshape(-1, 1)
    torch.testing.assert_close(pooled_objective(model, params_of(model), t), F.mse_loss(model(x), y))


def test_reptile_direction_equals_sgd_trained_copies():
    model, t = _net(17), _tasks(t=3, seed=18)
    got = reptile_direction(model, params_of(model), t.x_support, t.y_support, 0.1, 4)
    mean = {k: torch.zeros_like(v) for k, v in params_of(model).items()}
    for i in range(3):
        peer = copy.deepcopy(model)
        opt = torch.optim.SGD(peer.parameters(), lr=0.1)
        for _ in range(4):
            opt.zero_grad()
            F.mse_loss(peer(t.x_support[i]), t.y_support[i]).backward()
            opt.step()
        for k, v in peer.named_parameters():
            mean[k] += v.detach() / 3
    for k, v in params_of(model).items():
        torch.testing.assert_close(got[k], v.detach() - mean[k], rtol=1e-10, atol=1e-13)
    # the surrogate objective's gradient is that direction (support and query points pooled)
    params = _leaves(model)
    x, y = torch.cat([t.x_support, t.x_query], 1), torch.cat([t.y_support, t.y_query], 1)
    grads = torch.autograd.grad(reptile_objective(0.1, 4)(model, params, t), list(params.values()))
    direction = reptile_direction(model, params, x, y, 0.1, 4)
    for g, k in zip(grads, params):
        torch.testing.assert_close(g, direction[k], rtol=0, atol=0)


def test_training_loop_is_deterministic_and_learns():
    a = train_on_tasks(maml_objective(), seed=3, iterations=5)
    b = train_on_tasks(maml_objective(), seed=3, iterations=5)
    for (ka, va), (kb, vb) in zip(a.named_parameters(), b.named_parameters()):
        assert ka == kb and torch.equal(va, vb)
    test = sinusoid_tasks(50, 5, 20, generator=torch.Generator().manual_seed(0))
    before = finetune_curve(sine_net(), test)[0]
    after = finetune_curve(train_on_tasks(pooled_objective, seed=0, iterations=150, outer_lr=3e-3), test)[0]
    assert after < before


# ----------------------------------------------------------------------------- the tasks
def test_sinusoid_tasks_match_numpy_and_their_ranges():
    t = sinusoid_tasks(200, 5, 7, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert t.x_support.shape == (200, 5, 1) and t.y_query.shape == (200, 7, 1) and t.amplitude.shape == (200,)
    amp, ph = t.amplitude.numpy()[:, None, None], t.phase.numpy()[:, None, None]
    np.testing.assert_allclose(t.y_support.numpy(), amp * np.sin(t.x_support.numpy() - ph), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t.y_query.numpy(), amp * np.sin(t.x_query.numpy() - ph), rtol=1e-12, atol=1e-12)
    assert 0.1 <= t.amplitude.min() and t.amplitude.max() <= 5.0 and t.amplitude.max() > 4.8
    assert 0.0 <= t.phase.min() and t.phase.max() <= math.pi and t.phase.max() > 3.0
    x = torch.cat([t.x_support, t.x_query], 1)
    assert -5 <= x.min() < -4.9 and 4.9 < x.max() <= 5


def test_sinusoid_tasks_random_state():
    g = torch.Generator().manual_seed(5)
    a, b = sinusoid_tasks(4, 3, 3, generator=g), sinusoid_tasks(4, 3, 3, generator=g)
    assert not torch.equal(a.x_support, b.x_support)
    c = sinusoid_tasks(4, 3, 3, generator=torch.Generator().manual_seed(5))
    assert all(torch.equal(u, v) for u, v in zip(a, c))
    torch.manual_seed(1)
    d = sinusoid_tasks(2, 2, 2)
    torch.manual_seed(1)
    assert torch.equal(d.amplitude, sinusoid_tasks(2, 2, 2).amplitude)
    assert sinusoid_tasks(2, 2, 0).x_query.shape == (2, 0, 1)
    torch.testing.assert_close(sinusoid(torch.zeros(1, 1, 1), torch.tensor([2.0]), torch.tensor([math.pi / 2])),
                               torch.full((1, 1, 1), -2.0))


@pytest.mark.parametrize("kwargs,error", [
    (dict(n_tasks=0, k_support=1, k_query=1), ValueError),
    (dict(n_tasks=2.0, k_support=1, k_query=1), TypeError),
    (dict(n_tasks=2, k_support=0, k_query=1), ValueError),
    (dict(n_tasks=2, k_support=1, k_query=1, generator=5), TypeError),
    (dict(n_tasks=2, k_support=1, k_query=1, amplitude=(5.0, 0.1)), ValueError),
])
def test_sinusoid_tasks_bad_arguments(kwargs, error):
    with pytest.raises(error):
        sinusoid_tasks(**kwargs)


@pytest.mark.parametrize("kwargs,error", [(dict(steps=-1), ValueError), (dict(steps=1.5), TypeError),
                                          (dict(inner_lr=-0.1), ValueError)])
def test_adapt_bad_arguments(kwargs, error):
    model, t = _net(), _tasks()
    with pytest.raises(error):
        adapt(model, params_of(model), t.x_support[0], t.y_support[0], **kwargs)


@pytest.mark.parametrize("steps", [0, 1, 3])
@pytest.mark.parametrize("first_order", [False, True])
def test_hand_batched_mlp_maml_loss_equals_the_vmap_one(steps, first_order):
    model, t = _net(19, hidden=(6, 5)), _tasks(t=4, seed=20)
    params = _leaves(model)
    args = (t.x_support, t.y_support, t.x_query, t.y_query, 0.1, steps, first_order)
    a, b = maml_loss(model, params, *args), mlp_maml_loss(model, params, *args)
    torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)
    ga = torch.autograd.grad(a, list(params.values()))
    gb = torch.autograd.grad(b, list(params.values()))
    for x, y in zip(ga, gb):
        torch.testing.assert_close(x, y, rtol=1e-10, atol=1e-13)
    plain = {k: v.detach() for k, v in params.items()}  # parameters that do not require grad: values only
    torch.testing.assert_close(mlp_maml_loss(model, plain, *args), a.detach(), rtol=1e-12, atol=1e-14)


def test_batched_mlp_refuses_layers_with_parameters():
    model = nn.Sequential(nn.Linear(1, 3), nn.LayerNorm(3), nn.Linear(3, 1))
    with pytest.raises(TypeError):
        batched_mlp(model, {k: v[None] for k, v in params_of(model).items()}, torch.zeros(1, 2, 1))


def test_batched_reptile_direction_equals_the_vmap_one():
    model, t = _net(21), _tasks(t=5, seed=22)
    a = reptile_direction(model, params_of(model), t.x_support, t.y_support, 0.1, 3)
    b = reptile_direction(model, params_of(model), t.x_support, t.y_support, 0.1, 3, batched=True)
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-10, atol=1e-13)
