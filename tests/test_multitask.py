"""ssl_course.transfer.multitask against trusted peers and independent formulations:
uncertainty_weighting's regression term equals torch's GaussianNLLLoss with a learned variance,
both terms equal the paper's sigma form, the learned log-variances reach the closed-form optimum
log(2 c L) (checked with scipy's minimiser and with Adam); grad_cosine equals
F.cosine_similarity of gradients computed by separate .backward() calls on independent copies,
and has no side effects; MultiHead shares one trunk."""
from __future__ import annotations

import copy
import math

import pytest
import torch
import torch.nn.functional as F
from scipy.optimize import minimize_scalar
from torch import nn

from ssl_course.models.encoders import MLPEncoder
from ssl_course.transfer.multitask import MultiHead, UncertaintyWeighting, grad_cosine, uncertainty_weighting


# ----------------------------------------------------------------------------- uncertainty_weighting
def test_regression_term_is_gaussian_nll_with_a_learned_variance():
    """Kendall et al.'s regression term 1/(2 sigma^2) L + log sigma is the Gaussian NLL (up to its constant)."""
    g = torch.Generator().manual_seed(0)
    pred, target = torch.randn(50, generator=g, dtype=torch.float64), torch.randn(50, generator=g, dtype=torch.float64)
    for s in (-2.0, 0.0, 0.7, 3.0):
        var = torch.full_like(pred, math.exp(s))
        peer = nn.GaussianNLLLoss(full=False, eps=0.0)(pred, target, var)  # mean of 0.5 (log var + (x - y)^2 / var)
        mse = F.mse_loss(pred, target)
        ours = uncertainty_weighting(mse[None], torch.tensor([s], dtype=torch.float64), torch.tensor([True]))
        assert torch.allclose(ours, peer, rtol=1e-12, atol=1e-12)


def test_equals_the_papers_sigma_form():
    """Eq. (7) of Kendall et al.: 1/(2 sigma_1^2) L_1 + 1/sigma_2^2 L_2 + log sigma_1 + log sigma_2."""
    g = torch.Generator().manual_seed(1)
    for _ in range(20):
        losses = 3 * torch.rand(2, generator=g, dtype=torch.float64)
        sigma = torch.rand(2, generator=g, dtype=torch.float64) * 3 + 0.05
        paper = losses[0] / (2 * sigma[0] ** 2) + losses[1] / sigma[1] ** 2 + sigma.log().sum()
        ours = uncertainty_weighting(losses, 2 * sigma.log(), torch.tensor([True, False]))
        assert torch.allclose(ours, paper, rtol=1e-12)


@pytest.mark.parametrize("loss,regression", [(0.05, False), (0.8, False), (2.5, True), (0.3, True)])
def test_the_optimal_log_variance_is_log_2cL(loss, regression):
    c = 0.5 if regression else 1.0
    flags = torch.tensor([regression])

    def total(s):
        return uncertainty_weighting(torch.tensor([loss], dtype=torch.float64), torch.tensor([s], dtype=torch.float64),
                                     flags).item()

    found = minimize_scalar(total, bounds=(-20, 20), method="bounded", options={"xatol": 1e-10}).x
    assert found == pytest.approx(math.log(2 * c * loss), abs=1e-6)
    # there, the weighted term c exp(-s) L is 1/2
    assert c * math.exp(-found) * loss == pytest.approx(0.5, abs=1e-6)


def test_the_module_learns_the_optimum_with_adam_and_reports_its_weights():
    uw = UncertaintyWeighting([False, True, False])
    losses = torch.tensor([0.2, 1.5, 3.0])
    assert torch.equal(uw.weights(), torch.tensor([1.0, 0.5, 1.0]))
    opt = torch.optim.Adam(uw.parameters(), lr=0.05)
    for _ in range(2000):
        opt.zero_grad()
        uw(list(losses)).backward()
        opt.step()
    want = torch.log(2 * torch.tensor([1.0, 0.5, 1.0]) * losses)
    assert torch.allclose(uw.log_vars.detach(), want, atol=1e-3)
    assert torch.allclose(uw.weights() * losses, torch.full((3,), 0.5), atol=1e-3)


def test_gradient_in_the_log_variance_is_the_closed_form():
    losses = torch.tensor([0.4, 2.0], dtype=torch.float64)
    s = torch.tensor([0.3, -1.2], dtype=torch.float64, requires_grad=True)
    flags = torch.tensor([False, True])
    uncertainty_weighting(losses, s, flags).backward()
    c = torch.tensor([1.0, 0.5], dtype=torch.float64)
    assert torch.allclose(s.grad, -c * torch.exp(-s.detach()) * losses + 0.5, rtol=1e-12)


@pytest.mark.parametrize("call,err,needle", [
    (lambda: uncertainty_weighting(torch.ones(2, 1), torch.zeros(2, 1), torch.zeros(2, 1, dtype=torch.bool)),
     ValueError, "1-D"),
    (lambda: uncertainty_weighting(torch.ones(2), torch.zeros(3), torch.zeros(2, dtype=torch.bool)), ValueError,
     "one entry per task"),
    (lambda: uncertainty_weighting(torch.ones(2), torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.bool)),
     TypeError, "dtype"),
    (lambda: uncertainty_weighting(torch.ones(2), torch.zeros(2), torch.zeros(2)), TypeError, "regression"),
    (lambda: uncertainty_weighting([1.0, 2.0], torch.zeros(2), torch.zeros(2, dtype=torch.bool)), TypeError, "losses"),
    (lambda: UncertaintyWeighting([1, 0]), TypeError, "regression"),
    (lambda: UncertaintyWeighting([]), TypeError, "regression"),
])
def test_bad_calls_name_the_argument(call, err, needle):
    with pytest.raises(err, match=needle):
        call()


# ----------------------------------------------------------------------------- grad_cosine
def _model(seed: int, dtype=torch.float32) -> MultiHead:
    torch.manual_seed(seed)
    trunk = nn.Sequential(nn.Linear(6, 9), nn.Tanh(), nn.Linear(9, 5), nn.Tanh())
    return MultiHead(trunk, {"a": nn.Linear(5, 3), "b": nn.Linear(5, 1)}).to(dtype)


def _losses(model: MultiHead, seed: int):
    g = torch.Generator().manual_seed(seed)
    dtype = next(model.parameters()).dtype
    x = torch.randn(20, 6, generator=g).to(dtype)
    y, t = torch.randint(3, (20,), generator=g), torch.randn(20, 1, generator=g).to(dtype)
    out = model(x)
    return F.cross_entropy(out["a"], y), F.mse_loss(out["b"], t)


def _peer_cosine(seed: int, dtype) -> torch.Tensor:
    """Gradients by two .backward() calls on two independent copies of the model, then torch's cosine."""
    grads = []
    for which in (0, 1):
        model = _model(seed, dtype)
        _losses(model, seed)[which].backward()
        grads.append(torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).flatten()
                                for p in model.trunk.parameters()]))
    return F.cosine_similarity(grads[0], grads[1], dim=0)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_grad_cosine_equals_separate_backward_passes(seed, dtype):
    model = _model(seed, dtype)
    loss_a, loss_b = _losses(model, seed)
    got = grad_cosine(loss_a, loss_b, model.shared_parameters())
    want = _peer_cosine(seed, dtype)
    assert got.dtype == dtype and got.ndim == 0 and not got.requires_grad
    tol = 1e-12 if dtype == torch.float64 else 1e-5
    assert torch.allclose(got, want, rtol=tol, atol=tol)


def test_grad_cosine_with_torch_func_grad():
    """An independent route: torch.func.grad of each loss as a function of the trunk's parameters."""
    from torch.func import functional_call, grad

    model = _model(3, torch.float64)
    g = torch.Generator().manual_seed(3)
    x, t = torch.randn(15, 6, generator=g, dtype=torch.float64), torch.randn(15, 1, generator=g, dtype=torch.float64)
    y = torch.randint(3, (15,), generator=g)
    names = [n for n, _ in model.trunk.named_parameters()]

    def loss(params, which):
        h = functional_call(model.trunk, dict(zip(names, params)), (x,))
        return F.cross_entropy(model.heads["a"](h), y) if which == "a" else F.mse_loss(model.heads["b"](h), t)

    params = tuple(p.detach() for p in model.trunk.parameters())
    ga = torch.cat([v.flatten() for v in grad(loss)(params, "a")])
    gb = torch.cat([v.flatten() for v in grad(loss)(params, "b")])
    h = model.trunk(x)
    got = grad_cosine(F.cross_entropy(model.heads["a"](h), y), F.mse_loss(model.heads["b"](h), t),
                      model.shared_parameters())
    assert torch.allclose(got, F.cosine_similarity(ga, gb, dim=0), rtol=1e-12)


def test_grad_cosine_has_no_side_effects_and_keeps_the_graph():
    model = _model(0)
    loss_a, loss_b = _losses(model, 0)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    grad_cosine(loss_a, loss_b, model.parameters())  # a generator, and head parameters one loss does not reach
    assert all(p.grad is None for p in model.parameters())
    (loss_a + loss_b).backward()  # the caller can still backpropagate
    assert all(torch.equal(before[n], p.detach()) for n, p in model.named_parameters())


def test_grad_cosine_known_values():
    w = torch.tensor([1.0, 2.0, -1.0], requires_grad=True)
    assert grad_cosine((w * 2).sum(), (w * 5).sum(), [w]).item() == pytest.approx(1.0)
    assert grad_cosine((w * 2).sum(), -(w * 5).sum(), [w]).item() == pytest.approx(-1.0)
    assert grad_cosine(w[0] * 1.0, w[1] * 3.0, [w]).item() == pytest.approx(0.0)
    assert grad_cosine(w.sum(), torch.relu(w - 10).sum(), [w]).item() == 0.0  # a zero gradient: 0, not NaN


# ----------------------------------------------------------------------------- MultiHead
def test_multihead_shares_one_trunk():
    torch.manual_seed(0)
    model = MultiHead(MLPEncoder(4, (8,)), {"digit": nn.Linear(8, 10), "rotation": nn.Linear(8, 4)})
    model.eval()
    x = torch.randn(6, 4)
    out = model(x)
    h = model.trunk(x)
    assert set(out) == {"digit", "rotation"} and model.tasks == ["digit", "rotation"]
    assert torch.equal(out["digit"], model.heads["digit"](h)) and torch.equal(model(x, "rotation"), out["rotation"])
    assert model.shared_parameters() == list(model.trunk.parameters())
    frozen = copy.deepcopy(model)
    next(frozen.trunk.parameters()).requires_grad_(False)
    assert len(frozen.shared_parameters()) == len(model.shared_parameters()) - 1
    with pytest.raises(ValueError, match="task"):
        model(x, "colour")
    with pytest.raises(TypeError, match="heads"):
        MultiHead(MLPEncoder(4, (8,)), {})
    with pytest.raises(TypeError, match="trunk"):
        MultiHead("trunk", {"a": nn.Linear(8, 2)})
