"""SimSiam and BYOL against lightly (NegativeCosineSimilarity, update_momentum) and closed forms."""
from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ssl_course.noncontrastive.byol import BYOL, byol_loss, ema_update
from ssl_course.noncontrastive.simsiam import Predictor, SimSiam, negative_cosine, simsiam_loss

lightly_loss = pytest.importorskip("lightly.loss")
lightly_utils = pytest.importorskip("lightly.models.utils")


def randn(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def four(n=16, d=8, seed=0):
    return [randn(n, d, seed=seed + k).requires_grad_() for k in range(4)]


def test_simsiam_equals_lightly_value_and_gradients():
    p1, p2, z1, z2 = four()
    peer = lightly_loss.NegativeCosineSimilarity()
    ours = simsiam_loss(p1, p2, z1, z2)
    theirs = 0.5 * (peer(p1, z2.detach()) + peer(p2, z1.detach()))
    assert ours.item() == pytest.approx(theirs.item(), abs=1e-12)
    g_ours = torch.autograd.grad(ours, [p1, p2])
    g_theirs = torch.autograd.grad(theirs, [p1, p2])
    for a, b in zip(g_ours, g_theirs):
        assert torch.allclose(a, b, atol=1e-12)


def test_stop_gradient_blocks_the_targets_and_its_absence_does_not():
    p1, p2, z1, z2 = four(seed=3)
    grads = torch.autograd.grad(simsiam_loss(p1, p2, z1, z2), [z1, z2], allow_unused=True)
    assert all(g is None for g in grads)
    grads = torch.autograd.grad(simsiam_loss(p1, p2, z1, z2, stop_gradient=False), [z1, z2])
    assert all(g.abs().sum() > 0 for g in grads)
    loop = -sum(float(p1[i] @ z2[i] / (p1[i].norm() * z2[i].norm())) for i in range(16)) / 16
    assert negative_cosine(p1, z2).item() == pytest.approx(loop, abs=1e-12)


def test_simsiam_module_shapes_and_perfect_prediction():
    model = SimSiam(nn.Linear(5, 6), nn.Linear(6, 4), Predictor(4, 2)).double()
    p1, p2, z1, z2 = model(randn(8, 5, seed=1), randn(8, 5, seed=2))
    assert p1.shape == p2.shape == z1.shape == z2.shape == (8, 4)
    z = randn(8, 4, seed=5)
    assert simsiam_loss(3 * z, 2 * z, z, z).item() == pytest.approx(-1.0, abs=1e-12)


def test_byol_loss_is_two_minus_two_cosine_per_term():
    p1, p2, t1, t2 = four(seed=7)
    cos = lambda a, b: F.cosine_similarity(a, b, dim=1).mean()  # noqa: E731
    assert byol_loss(p1, p2, t1, t2).item() == pytest.approx(
        (2 - 2 * cos(p1, t2) + 2 - 2 * cos(p2, t1)).item(), abs=1e-12)
    normed = lambda a: a / a.norm(dim=1, keepdim=True)  # noqa: E731
    mse = ((normed(p1) - normed(t2)).pow(2).sum(1) + (normed(p2) - normed(t1)).pow(2).sum(1)).mean()
    assert byol_loss(p1, p2, t1, t2).item() == pytest.approx(mse.item(), abs=1e-12)
    grads = torch.autograd.grad(byol_loss(p1, p2, t1, t2), [t1, t2], allow_unused=True)
    assert all(g is None for g in grads)


@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.99, 1.0])
def test_ema_update_equals_lightly(momentum):
    torch.manual_seed(0)
    online = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    target = copy.deepcopy(online)
    for p in online.parameters():
        p.data.add_(1.0)
    peer = copy.deepcopy(target)
    ema_update(target, online, momentum)
    lightly_utils.update_momentum(online, peer, m=momentum)
    for a, b in zip(target.parameters(), peer.parameters()):
        assert torch.allclose(a, b, atol=1e-7)


def test_byol_target_is_a_copy_outside_the_optimiser_and_moves_by_ema():
    torch.manual_seed(0)
    model = BYOL(nn.Linear(5, 6), nn.Linear(6, 4), Predictor(4, 2), momentum=0.9)
    assert all(not p.requires_grad for p in model.target.parameters())
    assert len(model.online_parameters()) == len(list(model.parameters())) - len(list(model.target.parameters()))
    before = [p.clone() for p in model.target.parameters()]
    with torch.no_grad():
        for p in model.backbone.parameters():
            p.add_(1.0)
    model.update_target()
    new_backbone = list(model.target.parameters())[:2]
    for b, n, o in zip(before[:2], new_backbone, model.backbone.parameters()):
        assert torch.allclose(n, 0.9 * b + 0.1 * o)
    p1, p2, t1, t2 = model(torch.randn(8, 5), torch.randn(8, 5))
    assert p1.shape == t2.shape == (8, 4) and not t1.requires_grad


@pytest.mark.parametrize("call,error,match", [
    (lambda: simsiam_loss(torch.ones(3, 2), torch.ones(3, 2), torch.ones(3, 2), torch.ones(4, 2)), ValueError, "shape"),
    (lambda: simsiam_loss(*[torch.ones(3, 2)] * 4, stop_gradient=1), TypeError, "stop_gradient"),
    (lambda: byol_loss(torch.ones(3, 2), torch.ones(3, 2), torch.ones(3, 3), torch.ones(3, 2)), ValueError, "shape"),
    (lambda: ema_update(nn.Linear(2, 2), nn.Linear(2, 2), 1.5), ValueError, "momentum"),
])
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()
