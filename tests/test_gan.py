"""Chapter 14's reference code against trusted peers: the GAN losses against
F.binary_cross_entropy_with_logits and float64 sigmoid-then-log; the ring data and mode metric
against hand-made cases; gan_step's detach flag against its definition."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from ssl_course.data.rings import ring_centres, sample_ring
from ssl_course.generative.gan import gan_d_loss, gan_g_loss, gan_step, mlp, mode_coverage


def _logits(n, seed, scale=3.0):
    return torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * scale


@pytest.mark.parametrize("n,m", [(8, 8), (5, 13), (600, 700)])
def test_d_loss_is_bce_with_logits(n, m):
    real, fake = _logits(n, 1), _logits(m, 2)
    peer = (F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
            + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))
    torch.testing.assert_close(gan_d_loss(real, fake), peer, rtol=1e-12, atol=0)


def test_g_losses_against_bce_and_sigmoid_log():
    fake = _logits(50, 3)
    ns = F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))
    torch.testing.assert_close(gan_g_loss(fake), ns, rtol=1e-12, atol=0)
    # minimax: mean log(1 - D) = -BCE(label 0); and in float64 sigmoid-then-log agrees at moderate logits
    torch.testing.assert_close(gan_g_loss(fake, saturating=True),
                               -F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)), rtol=1e-12, atol=0)
    torch.testing.assert_close(gan_g_loss(fake, saturating=True), (1 - torch.sigmoid(fake)).log().mean(),
                               rtol=1e-9, atol=0)


def test_large_logits_stay_finite_where_sigmoid_log_does_not():
    x = torch.tensor([-300.0, 300.0])
    assert torch.isinf((1 - torch.sigmoid(x)).log()).any()
    for value in (gan_d_loss(x, x), gan_g_loss(x), gan_g_loss(x, saturating=True)):
        assert torch.isfinite(value)
    assert math.isclose(float(gan_d_loss(x, x)), 300.0, rel_tol=1e-6)  # (300 + 0)/2 + (0 + 300)/2


def test_saturating_gradient_vanishes_where_d_rejects():
    """d/dl of log(1 - sigmoid(l)) = -sigmoid(l) -> 0 as l -> -inf; -log sigmoid(l) has slope -> -1."""
    fake = torch.full((4,), -10.0, requires_grad=True)
    gan_g_loss(fake, saturating=True).backward()
    assert fake.grad.abs().max() < 1e-4 / 4
    fake.grad = None
    gan_g_loss(fake).backward()
    torch.testing.assert_close(fake.grad, torch.full((4,), -1 / 4), rtol=1e-4, atol=0)


def test_ring_and_mode_coverage():
    c = ring_centres(8, 2.0)
    torch.testing.assert_close(c.norm(dim=1), torch.full((8,), 2.0))
    torch.testing.assert_close(c[2], torch.tensor([0.0, 2.0]), atol=1e-6, rtol=0)
    x = sample_ring(4000, std=0.02, generator=torch.Generator().manual_seed(0))
    covered, good = mode_coverage(x, c, 0.02)
    assert covered == 8 and good > 0.98  # 3 std in 2-D holds 1 - exp(-4.5) = 98.9%
    half = torch.cat([c[:3].repeat(10, 1), torch.zeros(10, 2)])  # 3 modes hit, 10 points in the middle
    assert mode_coverage(half, c, 0.02) == (3, 0.75)
    g1 = torch.Generator().manual_seed(5)
    a, b = sample_ring(10, generator=g1), sample_ring(10, generator=g1)
    assert not torch.equal(a, b)


@pytest.mark.parametrize("detach", [True, False])
def test_gan_step_detach(detach):
    """With detach, G's update is the gradient of its own loss alone; without, D's loss is added."""
    torch.manual_seed(0)
    gen, disc = mlp(3, 2, 8, 1), mlp(2, 1, 8, 1)
    real, z = torch.randn(16, 2), torch.randn(16, 3)
    opt_g = torch.optim.SGD(gen.parameters(), lr=0.1)
    opt_d = torch.optim.SGD(disc.parameters(), lr=0.1)
    g0 = [p.detach().clone() for p in gen.parameters()]
    gen_copy, disc_copy = mlp(3, 2, 8, 1), mlp(2, 1, 8, 1)
    gen_copy.load_state_dict(gen.state_dict())
    disc_copy.load_state_dict(disc.state_dict())
    gan_step(gen, disc, opt_g, opt_d, real, z, detach_fake=detach)
    # the independent formulation: D's SGD step by hand, then G's gradient(s)
    d_loss = gan_d_loss(disc_copy(real).squeeze(-1), disc_copy(gen_copy(z)).squeeze(-1))
    d_grads_g = torch.autograd.grad(d_loss, list(gen_copy.parameters()), retain_graph=True)
    d_grads_d = torch.autograd.grad(d_loss, list(disc_copy.parameters()))
    with torch.no_grad():
        for p, gr in zip(disc_copy.parameters(), d_grads_d):
            p -= 0.1 * gr
    g_loss = gan_g_loss(disc_copy(gen_copy(z)).squeeze(-1))
    g_grads = torch.autograd.grad(g_loss, list(gen_copy.parameters()))
    for p0, p, gg, gd in zip(g0, gen.parameters(), g_grads, d_grads_g):
        expected = p0 - 0.1 * (gg + (0 if detach else gd))
        torch.testing.assert_close(p.detach(), expected, rtol=1e-5, atol=1e-6)
    for p, q in zip(disc.parameters(), disc_copy.parameters()):
        torch.testing.assert_close(p.detach(), q.detach(), rtol=1e-5, atol=1e-6)
