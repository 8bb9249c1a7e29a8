"""SimCSE (chapter 29): mean pooling against a per-row loop, the loss against chapter 01's InfoNCE and
the official SimCSE formula written out (cosine_similarity of broadcast rows / temp, then
CrossEntropyLoss with labels arange(N), as in princeton-nlp/SimCSE's `cl_forward`)."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ssl_course.contrastive.info_nce import info_nce
from ssl_course.contrastive.simcse import SentenceEncoder, mean_pool, simcse_loss, train_simcse
from ssl_course.models.transformer import TinyEncoder


def _loop_mean_pool(hidden, mask):
    rows = []
    for h, m in zip(hidden, mask):
        real = [h[j] for j in range(len(m)) if m[j]]
        rows.append(torch.stack(real).mean(dim=0) if real else torch.zeros_like(h[0]))
    return torch.stack(rows)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_mean_pool_equals_a_per_row_loop(dtype):
    g = torch.Generator().manual_seed(0)
    hidden = torch.randn(40, 9, 5, generator=g, dtype=dtype)
    mask = torch.rand(40, 9, generator=g) < 0.5
    mask[3] = False  # an all-padding row
    got, want = mean_pool(hidden, mask), _loop_mean_pool(hidden, mask)
    assert got.dtype == dtype
    torch.testing.assert_close(got, want)
    assert (got[3] == 0).all()


def test_mean_pool_ignores_whatever_the_pads_hold():
    g = torch.Generator().manual_seed(1)
    hidden = torch.randn(6, 5, 3, generator=g)
    mask = torch.tensor([[1, 1, 1, 0, 0]] * 6)
    poisoned = hidden.clone()
    poisoned[:, 3:] = float("nan")
    torch.testing.assert_close(mean_pool(poisoned, mask), hidden[:, :3].mean(dim=1))


def test_mean_pool_gradient_is_one_over_count_at_real_tokens_and_zero_at_pads():
    hidden = torch.randn(2, 4, 3, requires_grad=True)
    mask = torch.tensor([[True, True, False, False], [True, True, True, True]])
    mean_pool(hidden, mask).sum().backward()
    want = torch.tensor([[0.5, 0.5, 0.0, 0.0], [0.25] * 4])[..., None].expand(2, 4, 3)
    torch.testing.assert_close(hidden.grad, want)


def test_mean_pool_rejects_mismatched_shapes():
    with pytest.raises(ValueError):
        mean_pool(torch.zeros(2, 3, 4), torch.ones(2, 4))


def _official_formula(z1, z2, temp):
    """princeton-nlp/SimCSE, unsupervised: cos_sim = Similarity(temp)(z1.unsqueeze(1), z2.unsqueeze(0)),
    loss = CrossEntropyLoss()(cos_sim, arange(N))."""
    cos = F.cosine_similarity(z1.unsqueeze(1), z2.unsqueeze(0), dim=-1) / temp
    return nn.CrossEntropyLoss()(cos, torch.arange(z1.shape[0]))


@pytest.mark.parametrize("n,d,temp", [(1, 3, 0.05), (8, 4, 0.05), (64, 16, 0.1), (600, 8, 1.0)])
def test_simcse_loss_equals_the_official_formula_and_info_nce(n, d, temp):
    g = torch.Generator().manual_seed(n)
    z1 = torch.randn(n, d, generator=g, dtype=torch.float64)
    z2 = z1 + 0.3 * torch.randn(n, d, generator=g, dtype=torch.float64)
    got = simcse_loss(z1, z2, temp)
    torch.testing.assert_close(got, _official_formula(z1, z2, temp), rtol=1e-9, atol=1e-12)
    torch.testing.assert_close(got, info_nce(z1, z2, temp), rtol=1e-12, atol=1e-14)


def test_simcse_loss_closed_form_for_orthogonal_sentences():
    """Identical views of N orthogonal unit rows: each row's logits are 1/t (positive) and 0 (N - 1
    negatives), so the loss is log(1 + (N - 1) exp(-1/t))."""
    z = torch.eye(5, 7, dtype=torch.float64)
    for t in (0.05, 0.5, 2.0):
        assert simcse_loss(z, z.clone(), t).item() == pytest.approx(math.log(1 + 4 * math.exp(-1 / t)), rel=1e-12)


def test_simcse_loss_is_one_directional_and_reaches_both_views():
    g = torch.Generator().manual_seed(3)
    z1, z2 = torch.randn(6, 4, generator=g, requires_grad=True), torch.randn(6, 4, generator=g, requires_grad=True)
    assert not torch.isclose(simcse_loss(z1, z2, 0.1), simcse_loss(z2, z1, 0.1))
    simcse_loss(z1, z2, 0.1).backward()
    assert z1.grad.abs().sum() > 0 and z2.grad.abs().sum() > 0


def test_two_passes_with_dropout_differ_and_without_dropout_agree():
    torch.manual_seed(0)
    ids = torch.randint(5, 50, (4, 10))
    ids[:, 7:] = 0
    for p, differ in ((0.1, True), (0.0, False)):
        enc = SentenceEncoder(TinyEncoder(50, dim=16, depth=1, heads=2, max_len=10, dropout=p)).train()
        z1, z2 = enc(ids), enc(ids)
        assert z1.shape == (4, 16)
        assert (not torch.allclose(z1, z2)) == differ


def test_train_simcse_lowers_the_loss_and_is_deterministic():
    def run():
        torch.manual_seed(0)
        enc = SentenceEncoder(TinyEncoder(40, dim=16, depth=1, heads=2, max_len=8, dropout=0.1))
        ids = torch.randint(5, 40, (64, 8), generator=torch.Generator().manual_seed(1))
        return train_simcse(enc, ids, steps=30, batch_size=16, lr=3e-3, temperature=0.1, seed=0)

    a, b = run(), run()
    assert a == b
    assert sum(a[-5:]) < sum(a[:5])


def test_bag_of_embeddings_ignores_padding_and_its_passes_differ_in_train_mode():
    from ssl_course.contrastive.simcse import BagOfEmbeddings

    torch.manual_seed(0)
    enc = BagOfEmbeddings(30, dim=8, hidden=16, dropout=0.2).eval()
    ids = torch.tensor([[5, 6, 7, 0, 0]])
    torch.testing.assert_close(enc(ids), enc(ids[:, :3]))  # extra padding changes nothing
    enc.train()
    assert not torch.allclose(enc(ids), enc(ids))
