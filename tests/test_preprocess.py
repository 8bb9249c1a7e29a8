"""Chapter 07's reference code against independent formulations: the streaming merge against
torch.var_mean over the whole set (any split into batches), Standardize against scikit-learn's
StandardScaler, ZCA from eigh against ZCA from the SVD of the data and scipy's matrix square root."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ssl_course.data.preprocess import (
    Standardize,
    empty_stats,
    finalize,
    naive_var_mean,
    running_stats,
    streaming_var_mean,
    zca,
)


@st.composite
def _data_and_split(draw):
    """(N, D) float64 data with an offset (up to 1e8) and a random split into batches (ones included)."""
    n, d, seed = draw(st.integers(2, 400)), draw(st.integers(1, 5)), draw(st.integers(0, 10_000))
    offset = draw(st.sampled_from([0.0, 1.0, -3e3, 1e6, 1e8]))
    scale = draw(st.sampled_from([1e-3, 1.0, 50.0]))
    if abs(offset) > 1e8 * scale:  # offset / spread beyond 1e8: no algorithm keeps 1e-6 (float64 has 16 digits)
        scale = 1.0
    g = torch.Generator().manual_seed(seed)
    x = offset + scale * torch.randn(n, d, generator=g, dtype=torch.float64)
    sizes, left = [], n
    while left:
        size = min(left, draw(st.one_of(st.just(1), st.integers(1, 64), st.integers(1, 400))))
        sizes.append(size)
        left -= size
    return x, sizes


@settings(max_examples=150, deadline=None, derandomize=True)
@given(_data_and_split())
def test_streaming_equals_var_mean_of_the_whole_set(data):
    x, sizes = data
    var, mean = streaming_var_mean(x.split(sizes))
    want_var, want_mean = torch.var_mean(x, dim=0)
    # The mean's rounding error is relative to the offset; the variance's to the spread.
    assert torch.allclose(mean, want_mean, rtol=1e-12, atol=0)
    assert ((var - want_var).abs() / want_var).max() < 1e-6


def test_streaming_is_far_tighter_than_the_bar_and_naive_sums_fail_at_1e8():
    g = torch.Generator().manual_seed(0)
    x = 1e8 + torch.randn(2000, 3, generator=g, dtype=torch.float64)
    want_var, _ = torch.var_mean(x, dim=0)
    for size in (1, 7, 256):
        var, _ = streaming_var_mean(x.split(size))
        assert ((var - want_var).abs() / want_var).max() < 1e-7
        naive, _ = naive_var_mean(x.split(size))
        assert ((naive - want_var).abs() / want_var).max() > 0.5  # no correct digit left


def test_merge_in_any_order_and_the_biased_convention():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(50, 4, generator=g, dtype=torch.float64) * 3 + 2
    forward = empty_stats(4)
    for part in x.split(9):
        forward = running_stats(*forward, part)
    backward = empty_stats(4)
    for part in reversed(x.split(9)):
        backward = running_stats(*backward, part)
    assert forward.count == backward.count == 50
    assert torch.allclose(forward.m2, backward.m2, rtol=1e-12)
    biased, _ = finalize(forward, correction=0)
    assert torch.allclose(biased, x.var(dim=0, correction=0), rtol=1e-12)
    with pytest.raises(ValueError):
        finalize(running_stats(*empty_stats(4), x[:1]))  # one row has no unbiased variance


def test_standardize_matches_sklearn_per_feature_and_torch_per_channel():
    from sklearn.preprocessing import StandardScaler

    g = torch.Generator().manual_seed(2)
    x = torch.randn(700, 6, generator=g, dtype=torch.float64) * torch.arange(1, 7) + 5
    n = len(x)
    ours = Standardize.fit(x, batch_size=100)(x)
    # sklearn divides by the biased std; ours by the unbiased one: rescale to compare.
    theirs = torch.from_numpy(StandardScaler().fit_transform(x.numpy())) * np.sqrt((n - 1) / n)
    assert torch.allclose(ours, theirs, atol=1e-10)
    images = torch.rand(20, 3, 5, 4, generator=g, dtype=torch.float64) * torch.tensor([1.0, 2, 3])[:, None, None]
    t = Standardize.fit(images, per_channel=True, batch_size=64)
    var, mean = torch.var_mean(images.transpose(0, 1).flatten(1), dim=1)
    assert torch.allclose(t.mean, mean) and torch.allclose(t.std, var.sqrt())
    out = t(images)
    assert torch.allclose(out.transpose(0, 1).flatten(1).mean(dim=1), torch.zeros(3, dtype=out.dtype), atol=1e-12)
    const = torch.ones(10, 2, dtype=torch.float64)
    assert torch.isfinite(Standardize.fit(const)(const)).all()  # std clamped: 0, not NaN


def _data(n=300, d=5, seed=3):
    g = torch.Generator().manual_seed(seed)
    mix = torch.randn(d, d, generator=g, dtype=torch.float64)
    return torch.randn(n, d, generator=g, dtype=torch.float64) @ mix + 3.0


@pytest.mark.parametrize("eps", [1e-6, 1e-2, 1.0])
def test_zca_matches_svd_and_scipy_inverse_square_root(eps):
    from scipy.linalg import sqrtm

    x = _data()
    w, mean = zca(x, eps=eps)
    centred = x - x.mean(dim=0)
    # Independent formulation 1: the SVD of the centred data, C = V S^2 V^T / N.
    _, s, vh = torch.linalg.svd(centred, full_matrices=False)
    w_svd = vh.T @ torch.diag((s ** 2 / len(x) + eps).rsqrt()) @ vh
    assert torch.allclose(w, w_svd, rtol=1e-9, atol=1e-10)
    # Independent formulation 2: scipy's matrix square root, inverted.
    cov = (centred.T @ centred / len(x)).numpy()
    w_scipy = np.linalg.inv(np.real(sqrtm(cov + eps * np.eye(5))))
    assert np.allclose(w.numpy(), w_scipy, rtol=1e-7, atol=1e-9)
    assert torch.allclose(mean, x.mean(dim=0))


def test_zca_whitens_and_is_the_whitening_closest_to_the_input():
    x = _data(n=500, d=4, seed=4)
    w, mean = zca(x, eps=0.0 + 1e-12)
    centred = x - mean
    z = centred @ w
    assert torch.allclose(z.T @ z / len(x), torch.eye(4, dtype=x.dtype), atol=1e-8)
    # Every whitening is Q W for an orthogonal Q (Kessy et al. 2018); ZCA (Q = I) moves the data least.
    def distance(white):
        return ((white - centred) ** 2).sum(dim=1).mean().item()

    zca_distance = distance(z)
    g = torch.Generator().manual_seed(5)
    for _ in range(20):
        q, _ = torch.linalg.qr(torch.randn(4, 4, generator=g, dtype=torch.float64))
        assert distance(z @ q) >= zca_distance - 1e-9
    lam, u = torch.linalg.eigh(centred.T @ centred / len(x))
    pca = centred @ u * lam.rsqrt()  # PCA whitening
    chol = torch.linalg.solve_triangular(torch.linalg.cholesky(centred.T @ centred / len(x)), centred.T,
                                         upper=False).T  # Cholesky whitening
    for other in (pca, chol):
        assert torch.allclose(other.T @ other / len(x), torch.eye(4, dtype=x.dtype), atol=1e-8)
        assert distance(other) > zca_distance + 1e-3


def test_zca_constant_feature_stays_finite_and_dtype_device_follow_input():
    x = _data(n=100, d=3, seed=6)
    x[:, 1] = 4.0
    w, mean = zca(x, eps=1e-3)
    assert torch.isfinite(w).all()
    assert torch.allclose(w[1, 1], torch.tensor(1e-3, dtype=x.dtype).rsqrt(), rtol=1e-6)
    w32, m32 = zca(x.float())
    assert w32.dtype == m32.dtype == torch.float32
    with torch.device("meta"):  # tensors made inside follow the input, not the default device
        w_cpu, _ = zca(x)
    assert w_cpu.device.type == "cpu"
