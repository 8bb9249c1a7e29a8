"""The contrastive losses against independent formulations (explicit loops over anchors) and a
trusted peer (lightly)."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from ssl_course.contrastive.info_nce import info_nce, info_nce_from_scores, info_nce_mi_bound
from ssl_course.contrastive.nt_xent import nt_xent
from ssl_course.contrastive.supcon import supcon
from ssl_course.course.exercises._common import view_pair


def loop_info_nce(q, k, t):
    """Anchor by anchor: -log( e^{s_ii} / sum_j e^{s_ij} ) with cosine similarities."""
    total = 0.0
    for i in range(len(q)):
        s = torch.stack([F.cosine_similarity(q[i], k[j], dim=0) for j in range(len(k))]) / t
        total += -(s[i] - torch.logsumexp(s, 0))
    return total / len(q)


def loop_nt_xent(z1, z2, t):
    z = torch.cat([z1, z2])
    n2 = len(z)
    total = 0.0
    for i in range(n2):
        partner = (i + n2 // 2) % n2
        s = torch.stack([F.cosine_similarity(z[i], z[j], dim=0) / t for j in range(n2) if j != i])
        sp = F.cosine_similarity(z[i], z[partner], dim=0) / t
        total += -(sp - torch.logsumexp(s, 0))
    return total / n2


def loop_supcon(f, y, t):
    z = F.normalize(f, dim=1)
    terms = []
    for i in range(len(z)):
        others = [a for a in range(len(z)) if a != i]
        pos = [p for p in others if y[p] == y[i]]
        if not pos:
            continue
        denom = torch.logsumexp(torch.stack([z[i] @ z[a] / t for a in others]), 0)
        terms.append(-sum(z[i] @ z[p] / t - denom for p in pos) / len(pos))
    return sum(terms) / len(terms)


views = st.tuples(st.integers(1, 9), st.integers(1, 6), st.integers(0, 999), st.sampled_from([0.05, 0.1, 0.5, 1.0]))


@settings(max_examples=30, deadline=None, derandomize=True)
@given(views)
def test_info_nce_matches_loop(args):
    n, d, seed, t = args
    q, k = view_pair(n, d, seed, dtype=torch.float64)
    assert torch.allclose(info_nce(q, k, t), loop_info_nce(q, k, t), atol=1e-9)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(views)
def test_nt_xent_matches_loop(args):
    n, d, seed, t = args
    z1, z2 = view_pair(n, d, seed, dtype=torch.float64)
    assert torch.allclose(nt_xent(z1, z2, t), loop_nt_xent(z1, z2, t), atol=1e-9)


@pytest.mark.parametrize("n,d,t", [(8, 16, 0.5), (64, 128, 0.1), (256, 128, 0.2), (2, 3, 1.0)])
def test_nt_xent_equals_lightly(n, d, t):
    from lightly.loss import NTXentLoss

    z1, z2 = view_pair(n, d, seed=n)
    ours = nt_xent(z1, z2, t)
    peer = NTXentLoss(temperature=t)(z1, z2)
    assert abs(ours.item() - peer.item()) < 1e-5
    g_ours = torch.autograd.grad(nt_xent(z1.requires_grad_(), z2, t), z1)[0]
    g_peer = torch.autograd.grad(NTXentLoss(temperature=t)(z1, z2), z1)[0]
    assert torch.allclose(g_ours, g_peer, atol=1e-6)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.integers(2, 12), st.integers(1, 4), st.integers(0, 999), st.sampled_from([0.1, 0.5]))
def test_supcon_matches_loop(n, classes, seed, t):
    g = torch.Generator().manual_seed(seed)
    f = torch.randn(n, 5, generator=g, dtype=torch.float64)
    y = torch.randint(0, classes, (n,), generator=g)
    if torch.bincount(y).max() < 2:
        y[1] = y[0]
    assert torch.allclose(supcon(f, y, t), loop_supcon(f, y, t), atol=1e-9)


def test_supcon_with_one_view_per_image_is_nt_xent():
    """Labels that only pair an image with its second view turn SupCon into NT-Xent."""
    z1, z2 = view_pair(10, 6, seed=3)
    labels = torch.arange(10).repeat(2)
    assert torch.allclose(supcon(torch.cat([z1, z2]), labels, 0.3), nt_xent(z1, z2, 0.3), atol=1e-6)


def test_mi_bound_is_log_n_minus_loss_and_never_exceeds_log_n():
    scores = torch.randn(32, 32) + 50 * torch.eye(32)
    bound = info_nce_mi_bound(scores)
    assert bound <= math.log(32) + 1e-6
    assert abs(bound.item() - (math.log(32) - info_nce_from_scores(scores).item())) < 1e-6


def test_info_nce_is_stable_for_tiny_temperatures():
    q, k = view_pair(16, 8, seed=1)
    assert torch.isfinite(info_nce(q, k, 1e-4))
    assert torch.isfinite(nt_xent(q, k, 1e-4))


@pytest.mark.parametrize("call,error,match", [
    (lambda: info_nce(torch.randn(4, 3), torch.randn(5, 3)), ValueError, "same shape"),
    (lambda: info_nce(torch.randn(4, 3), torch.randn(4, 3), temperature=0), ValueError, "temperature"),
    (lambda: info_nce(torch.randn(4), torch.randn(4)), ValueError, "2-D"),
    (lambda: info_nce([[1.0]], torch.randn(1, 1)), TypeError, "query"),
    (lambda: nt_xent(torch.randn(4, 3), torch.randn(4, 3), temperature=-1), ValueError, "temperature"),
    (lambda: nt_xent(torch.ones(4, 3, dtype=torch.long), torch.ones(4, 3, dtype=torch.long)), TypeError, "floating"),
    (lambda: supcon(torch.randn(4, 3), torch.tensor([0, 1, 2, 3])), ValueError, "same label"),
    (lambda: supcon(torch.randn(4, 3), torch.tensor([0, 1])), ValueError, "labels"),
    (lambda: info_nce_from_scores(torch.randn(3, 4)), ValueError, "square"),
])
def test_bad_arguments_get_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
