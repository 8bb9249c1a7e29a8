"""Chapter 24's reference code against independent formulations and trusted peers: the one-hot
input against F.one_hot and a scatter, and a linear layer on it against a learned class
embedding (nn.Embedding); the projection logit against a per-sample loop and a one-hot matrix
product; the loss against F.binary_cross_entropy_with_logits; spectral normalisation against
torch.linalg's largest singular value; the networks and the loop's determinism."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ssl_course.generative.conditional_gan import (
    ConditionalGenerator,
    ProjectionDiscriminator,
    conditional_d_loss,
    embed_condition,
    projection_logits,
    sample,
    train_conditional_gan,
)


def _g(seed):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("n,z_dim,c,dtype", [(5, 3, 10, torch.int64), (600, 8, 12, torch.int32), (1, 1, 1, torch.int64)])
def test_embed_condition_against_scatter_and_one_hot(n, z_dim, c, dtype):
    z = torch.randn(n, z_dim, generator=_g(0), dtype=torch.float64)
    y = torch.randint(c, (n,), generator=_g(1)).to(dtype)
    out = embed_condition(z, y, c)
    code = torch.zeros(n, c, dtype=torch.float64).scatter_(1, y.long()[:, None], 1.0)
    torch.testing.assert_close(out, torch.cat([z, code], 1), rtol=0, atol=0)
    torch.testing.assert_close(out[:, z_dim:], F.one_hot(y.long(), c).double(), rtol=0, atol=0)
    assert out.dtype == torch.float64


def test_one_hot_into_a_linear_layer_is_a_class_embedding():
    """W [z; one_hot(y)] + b = W_z z + E[y] + b, with E = the one-hot block of W, transposed (nn.Embedding)."""
    z_dim, c, h = 4, 10, 6
    lin = nn.Linear(z_dim + c, h).double()
    emb = nn.Embedding(c, h).double()
    with torch.no_grad():
        emb.weight.copy_(lin.weight[:, z_dim:].T)
    z = torch.randn(9, z_dim, generator=_g(2), dtype=torch.float64)
    y = torch.randint(c, (9,), generator=_g(3))
    peer = F.linear(z, lin.weight[:, :z_dim], lin.bias) + emb(y)
    torch.testing.assert_close(lin(embed_condition(z, y, c)), peer, rtol=1e-12, atol=1e-12)


def _projection_args(n=7, f=5, c=12, seed=0):
    g = _g(seed)
    return (torch.randn(n, f, generator=g, dtype=torch.float64), torch.randint(c, (n,), generator=g),
            torch.randn(f, generator=g, dtype=torch.float64), torch.randn(c, f, generator=g, dtype=torch.float64))


def test_projection_logits_against_a_loop_and_a_one_hot_product():
    feats, y, psi, embed = _projection_args()
    loop = torch.stack([torch.dot(psi, feats[i]) + torch.dot(embed[y[i]], feats[i]) for i in range(len(y))])
    one_hot = torch.einsum("nf,nf->n", F.one_hot(y, len(embed)).double() @ embed, feats) + feats @ psi
    out = projection_logits(feats, y, psi, embed)
    torch.testing.assert_close(out, loop, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(out, one_hot, rtol=1e-12, atol=1e-12)


def test_projection_logit_differences_between_classes_do_not_involve_psi():
    """The class term is a log-linear model: logit(x, a) - logit(x, b) = <embed[a] - embed[b], phi(x)>."""
    feats, _, psi, embed = _projection_args(n=4)
    a, b = torch.full((4,), 3), torch.full((4,), 7)
    diff = projection_logits(feats, a, psi, embed) - projection_logits(feats, b, psi * 0 + 5.0, embed)
    diff = diff - (feats @ psi - feats @ (psi * 0 + 5.0))
    torch.testing.assert_close(diff, feats @ (embed[3] - embed[7]), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n,m", [(8, 8), (5, 13), (600, 700)])
def test_conditional_d_loss_is_bce_with_logits_on_the_projection_logits(n, m):
    rf, ry, psi, embed = _projection_args(n=n, seed=1)
    ff, fy, _, _ = _projection_args(n=m, seed=2)
    r, f = projection_logits(rf, ry, psi, embed), projection_logits(ff, fy, psi, embed)
    peer = (F.binary_cross_entropy_with_logits(r, torch.ones_like(r))
            + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)))
    torch.testing.assert_close(conditional_d_loss(rf, ry, ff, fy, psi, embed), peer, rtol=1e-12, atol=0)


def test_conditional_d_loss_stays_finite_for_huge_logits():
    rf, ry, psi, embed = _projection_args(seed=3)
    assert torch.isfinite(conditional_d_loss(rf * 1e3, ry, -rf * 1e3, ry, psi, embed))


@pytest.mark.parametrize("conditional", [True, False])
def test_projection_discriminator_forward(conditional):
    torch.manual_seed(0)
    disc = ProjectionDiscriminator(num_classes=10, hidden=8, feat_dim=16, conditional=conditional).eval()
    x, y = torch.rand(6, 1, 8, 8, generator=_g(4)), torch.randint(10, (6,), generator=_g(5))
    feats = disc.features(x)
    assert feats.shape == (6, 16)
    psi = disc.psi.weight[0]
    want = projection_logits(feats, y, psi, disc.embed.weight) if conditional else feats @ psi
    torch.testing.assert_close(disc(x, y), want)
    changed = disc(x, (y + 1) % 10)
    assert (not torch.allclose(changed, want)) if conditional else torch.equal(changed, disc(x, y))


def test_spectral_norm_makes_the_largest_singular_value_one():
    torch.manual_seed(0)
    disc = ProjectionDiscriminator(num_classes=10, hidden=8, feat_dim=16, spectral=True)
    x, y = torch.rand(32, 1, 8, 8), torch.randint(10, (32,))
    for _ in range(50):  # power iterations run in training mode, one per forward
        disc(x, y)
    disc.eval()
    for weight in (disc.phi[1].weight, disc.phi[3].weight, disc.psi.weight, disc.embed.weight):
        assert abs(float(torch.linalg.matrix_norm(weight.detach(), ord=2)) - 1.0) < 1e-3


def test_generator_reads_the_label_only_when_conditional():
    torch.manual_seed(0)
    z, y = torch.randn(5, 32, generator=_g(6)), torch.arange(5)
    for conditional in (True, False):
        gen = ConditionalGenerator(conditional=conditional).eval()
        a, b = gen(z, y), gen(z, (y + 3) % 10)
        assert a.shape == (5, 1, 8, 8) and bool(((a > 0) & (a < 1)).all())
        assert torch.equal(a, b) != conditional


def test_training_is_deterministic_and_sample_draws_new_noise():
    x, y = torch.rand(40, 1, 8, 8, generator=_g(7)), torch.randint(10, (40,), generator=_g(8))
    runs = [train_conditional_gan(x, y, seed=s, steps=3, batch=8, hidden=16, feat_dim=8) for s in (1, 1, 2)]
    params = [torch.cat([p.detach().flatten() for p in gen.parameters()]) for gen, _ in runs]
    assert torch.equal(params[0], params[1]) and not torch.equal(params[0], params[2])
    g = _g(9)
    labels = torch.tensor([0, 1, 2])
    first, second = sample(runs[0][0], labels, g), sample(runs[0][0], labels, g)
    assert first.shape == (3, 1, 8, 8) and not torch.equal(first, second)
    assert not runs[0][0].training


def test_callback_sees_the_generator_every_few_steps():
    x, y = torch.rand(40, 1, 8, 8, generator=_g(10)), torch.randint(10, (40,), generator=_g(11))
    seen = []
    train_conditional_gan(x, y, seed=0, steps=6, batch=8, hidden=16, feat_dim=8,
                          callback=lambda step, gen: seen.append((step, gen.training)), every=2)
    assert seen == [(2, True), (4, True), (6, True)]


@pytest.mark.parametrize("call,error,word", [
    (lambda: embed_condition(torch.randn(3, 2), torch.tensor([0, 1, 4]), 4), ValueError, "labels"),
    (lambda: embed_condition(torch.randn(3, 2), torch.tensor([0, -1, 2]), 4), ValueError, "labels"),
    (lambda: embed_condition(torch.randn(3, 2), torch.tensor([0.0, 1.0, 2.0]), 4), TypeError, "labels"),
    (lambda: embed_condition(torch.randn(3, 2), torch.tensor([0, 1]), 4), ValueError, "labels"),
    (lambda: embed_condition(torch.randn(3, 2), torch.tensor([0, 1, 2]), 0), ValueError, "num_classes"),
    (lambda: embed_condition(torch.randn(3), torch.tensor([0, 1, 2]), 4), ValueError, "z"),
    (lambda: projection_logits(torch.randn(3, 2), torch.tensor([0, 1, 5]), torch.randn(2), torch.randn(5, 2)),
     ValueError, "labels"),
    (lambda: projection_logits(torch.randn(3, 2), torch.tensor([0, 1, 2]), torch.randn(3), torch.randn(5, 2)),
     ValueError, "psi"),
    (lambda: projection_logits(torch.randn(3, 2), torch.tensor([0, 1, 2]), torch.randn(2), torch.randn(5, 3)),
     ValueError, "embed"),
])
def test_bad_calls_name_the_argument(call, error, word):
    with pytest.raises(error, match=word):
        call()
