"""The effective rank (RankMe) against an independent formulation: numpy's SVD and the
entropy written out in float64, plus the closed forms it must reproduce."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ssl_course.evaluate.rank import RANKME_EPS, effective_rank


def numpy_effective_rank(z: np.ndarray, eps: float = RANKME_EPS) -> float:
    """Roy & Vetterli's effective rank with RankMe's eps, from numpy's SVD, term by term."""
    sigma = np.linalg.svd(z, compute_uv=False)
    if sigma.sum() == 0:
        return 0.0
    entropy = 0.0
    for s in sigma:
        p = s / sigma.sum() + eps
        entropy -= p * math.log(p)
    return math.exp(entropy)


def randn(*shape, seed=0, dtype=torch.float64):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


@pytest.mark.parametrize("n,d", [(1, 1), (5, 3), (3, 10), (64, 64), (600, 8), (20, 1)])
@pytest.mark.parametrize("eps", [RANKME_EPS, 1e-3])
def test_equals_numpy(n, d, eps):
    z = randn(n, d, seed=n * d)
    assert effective_rank(z, eps).item() == pytest.approx(numpy_effective_rank(z.numpy(), eps), rel=1e-10)


def test_equals_numpy_in_float32_and_keeps_dtype():
    z = randn(50, 16, seed=1, dtype=torch.float32)
    out = effective_rank(z)
    assert out.dtype == torch.float32 and out.shape == ()
    assert out.item() == pytest.approx(numpy_effective_rank(z.double().numpy()), rel=1e-4)


@pytest.mark.parametrize("d", [1, 4, 64])
def test_identity_is_d_and_rank_one_is_one(d):
    # identity: p_k = 1/d + eps, erank = exp(-d (1/d + eps) log(1/d + eps))
    p = 1 / d + RANKME_EPS
    assert effective_rank(torch.eye(d, dtype=torch.float64)).item() == pytest.approx(
        math.exp(-d * p * math.log(p)), rel=1e-12)
    assert effective_rank(torch.eye(d, dtype=torch.float64)).item() == pytest.approx(d, rel=1e-4)
    rank_one = randn(30, 1, seed=d) @ randn(1, max(d, 2), seed=d + 1)
    assert effective_rank(rank_one).item() == pytest.approx(1.0, abs=1e-4)


def test_zero_matrix_is_zero_and_scale_does_not_matter():
    assert effective_rank(torch.zeros(7, 3)).item() == 0.0
    z = randn(40, 6, seed=3)
    assert effective_rank(1e6 * z).item() == pytest.approx(effective_rank(z).item(), rel=1e-10)
    assert effective_rank(1e-6 * z).item() == pytest.approx(effective_rank(z).item(), rel=1e-10)


def test_not_centred_a_constant_plus_noise_is_near_one():
    z = torch.ones(200, 64, dtype=torch.float64) + 1e-6 * randn(200, 64, seed=4)
    assert effective_rank(z).item() < 1.01
    assert torch.linalg.matrix_rank(z).item() == 64  # numerically full rank
    assert effective_rank(z - z.mean(0)).item() > 30  # centred: the noise is all that is left


@pytest.mark.parametrize("call,error,match", [
    (lambda: effective_rank(torch.ones(3)), ValueError, "2-D"),
    (lambda: effective_rank(torch.ones(3, 2, dtype=torch.int64)), TypeError, "floating"),
    (lambda: effective_rank([[1.0]]), TypeError, "z"),
    (lambda: effective_rank(torch.ones(3, 2), eps=0), ValueError, "eps"),
])
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()
