"""linear_cka against the HSIC formulation (centring matrix H) and the (N, N) Gram-matrix form;
its invariances (orthogonal maps, isotropic scale) and what it is not invariant to."""
from __future__ import annotations

import pytest
import torch

from ssl_course.evaluate.cka import cka_matrix, linear_cka


def _data(n, d1, d2, seed=0, noise=1.0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d1, generator=g, dtype=torch.float64)
    y = x @ torch.randn(d1, d2, generator=g, dtype=torch.float64) + noise * torch.randn(n, d2, generator=g,
                                                                                        dtype=torch.float64)
    return x + 3.0, y - 1.0  # off the origin, so centring matters


def _hsic(k, el):
    n = k.shape[0]
    h = torch.eye(n, dtype=k.dtype) - torch.full((n, n), 1.0 / n, dtype=k.dtype)
    return torch.trace(k @ h @ el @ h) / (n - 1) ** 2


def _cka_hsic(x, y):
    """Kornblith et al. 2019, eq. (3)-(4): HSIC with K = XX^T, L = YY^T and the centring matrix H."""
    k, el = x @ x.T, y @ y.T
    return _hsic(k, el) / torch.sqrt(_hsic(k, k) * _hsic(el, el))


def _cka_gram(x, y):
    """Centred Gram matrices Kc = HKH, Lc = HLH; CKA is their cosine <Kc, Lc>_F / (|Kc|_F |Lc|_F)."""
    def centred(k):
        return k - k.mean(0, keepdim=True) - k.mean(1, keepdim=True) + k.mean()
    kc, lc = centred(x @ x.T), centred(y @ y.T)
    return (kc * lc).sum() / (kc.norm() * lc.norm())


@pytest.mark.parametrize("n,d1,d2,noise", [(5, 2, 3, 1.0), (40, 8, 3, 0.3), (12, 20, 30, 2.0), (700, 6, 4, 1.0)])
def test_matches_hsic_and_gram_forms(n, d1, d2, noise):
    x, y = _data(n, d1, d2, seed=n, noise=noise)
    got = linear_cka(x, y)
    assert got.dtype == torch.float64 and got.shape == ()
    torch.testing.assert_close(got, _cka_hsic(x, y), rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(got, _cka_gram(x, y), rtol=1e-10, atol=1e-12)


def test_invariant_to_orthogonal_maps_and_isotropic_scale():
    x, y = _data(50, 6, 5, seed=1)
    q, _ = torch.linalg.qr(torch.randn(6, 6, generator=torch.Generator().manual_seed(2), dtype=torch.float64))
    torch.testing.assert_close(linear_cka(x, x @ q), torch.tensor(1.0, dtype=torch.float64))
    torch.testing.assert_close(linear_cka(x, 0.01 * x @ q + 7), torch.tensor(1.0, dtype=torch.float64))
    torch.testing.assert_close(linear_cka(x @ q * 5, y), linear_cka(x, y))


def test_not_invariant_to_anisotropic_scaling():
    """Linear CKA is invariant to orthogonal maps and isotropic scaling only (Kornblith et al. 2019, §3)."""
    x, _ = _data(50, 4, 1, seed=3)
    assert float(linear_cka(x, x * torch.tensor([1.0, 10.0, 0.1, 1.0], dtype=torch.float64))) < 0.95


def test_range_symmetry_and_dtypes():
    x, y = _data(30, 3, 4, seed=4)
    v = float(linear_cka(x, y))
    assert 0 < v < 1
    assert float(linear_cka(y, x)) == pytest.approx(v, rel=1e-12)
    assert linear_cka(x.float(), y.float()).dtype == torch.float32
    assert linear_cka(x.float(), y).dtype == torch.float64


def test_independent_representations_score_near_zero():
    g = torch.Generator().manual_seed(5)
    x, y = torch.randn(4000, 3, generator=g), torch.randn(4000, 3, generator=g)
    assert float(linear_cka(x, y)) < 0.01


def test_cka_matrix():
    x, y = _data(20, 3, 4, seed=6)
    z = torch.cat([x, y], 1)
    m = cka_matrix([x, y, z])
    assert m.shape == (3, 3) and torch.equal(m, m.T) and torch.all(m.diagonal() == 1)
    assert m[0, 2] == pytest.approx(float(linear_cka(x, z)), rel=1e-12)


def test_bad_inputs():
    x, y = _data(10, 2, 2)
    with pytest.raises(ValueError, match="same number of rows"):
        linear_cka(x, y[:5])
    with pytest.raises(ValueError, match="at least 2 rows"):
        linear_cka(x[:1], y[:1])
    with pytest.raises(TypeError):
        linear_cka(x.long(), y)
