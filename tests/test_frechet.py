"""Chapter 20's Fréchet distance against a direct computation with scipy.linalg.sqrtm (the way FID
code writes it) on random Gaussians, against the closed forms for commuting covariances, and
against the population value for large samples; other correct formulations pass the check."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch

from ssl_course.course.checks import PASSED, run_check
from ssl_course.evaluate.frechet import frechet_distance, gaussian_frechet, mean_cov, sqrtm_psd


def _gaussian(n, d, seed, shift=0.0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    mix = torch.randn(d, d, generator=g, dtype=torch.float64)
    return (torch.randn(n, d, generator=g, dtype=torch.float64) @ mix + shift).to(dtype)


def _scipy_fd(x: torch.Tensor, y: torch.Tensor) -> float:
    """The textbook FID computation (pytorch-fid's calculate_frechet_distance, without its eps
    fallback): np.cov, scipy.linalg.sqrtm of the product, its real part."""
    a, b = x.double().numpy(), y.double().numpy()
    m1, m2 = a.mean(0), b.mean(0)
    s1, s2 = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    return float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean.real))


@pytest.mark.parametrize("n,m,d,seed", [(50, 60, 1, 0), (300, 200, 6, 1), (700, 650, 16, 2), (2000, 1500, 64, 3)])
def test_matches_scipy_sqrtm_on_random_gaussians(n, m, d, seed):
    x, y = _gaussian(n, d, seed), _gaussian(m, d, seed + 100, shift=0.3)
    want = _scipy_fd(x, y)
    got = float(frechet_distance(x, y))
    assert got == pytest.approx(want, rel=1e-8, abs=1e-9)


def test_covariance_and_mean_match_numpy():
    x = _gaussian(40, 5, 7)
    mu, cov = mean_cov(x)
    np.testing.assert_allclose(mu.numpy(), x.numpy().mean(0), rtol=1e-12)
    np.testing.assert_allclose(cov.numpy(), np.cov(x.numpy(), rowvar=False), rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(cov, torch.cov(x.T), rtol=1e-12, atol=1e-14)


def test_sqrtm_psd_squares_back_and_matches_scipy():
    a = _gaussian(6, 6, 8)
    s = a @ a.T  # positive definite
    r = sqrtm_psd(s)
    torch.testing.assert_close(r @ r, s, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(r.numpy(), scipy.linalg.sqrtm(s.numpy()).real, rtol=1e-8, atol=1e-10)
    singular = torch.zeros(3, 3, dtype=torch.float64)
    singular[0, 0] = 4.0
    assert torch.isfinite(sqrtm_psd(singular)).all()
    assert float(sqrtm_psd(singular)[0, 0]) == pytest.approx(2.0)


def test_closed_form_for_diagonal_covariances():
    """Commuting (here diagonal) covariances: d^2 = |mu1 - mu2|^2 + sum (sqrt a - sqrt b)^2."""
    mu1, mu2 = torch.tensor([0.0, 1.0, -2.0], dtype=torch.float64), torch.tensor([1.0, 1.0, 0.5], dtype=torch.float64)
    a, b = torch.tensor([1.0, 4.0, 0.25], dtype=torch.float64), torch.tensor([9.0, 1.0, 0.25], dtype=torch.float64)
    want = (mu1 - mu2).pow(2).sum() + (a.sqrt() - b.sqrt()).pow(2).sum()
    torch.testing.assert_close(gaussian_frechet(mu1, torch.diag(a), mu2, torch.diag(b)), want, rtol=1e-12, atol=1e-12)
    # the same covariances rotated by one orthogonal matrix still commute; the distance does not change
    q, _ = torch.linalg.qr(_gaussian(3, 3, 9))
    rot = gaussian_frechet(q @ mu1, q @ torch.diag(a) @ q.T, q @ mu2, q @ torch.diag(b) @ q.T)
    torch.testing.assert_close(rot, want, rtol=1e-10, atol=1e-10)


def test_known_truths_and_invariances():
    d = 4
    eye = torch.eye(d, dtype=torch.float64)
    mu = torch.tensor([1.0, 2.0, 0.0, -1.0], dtype=torch.float64)
    zero = torch.zeros(d, dtype=torch.float64)
    assert float(gaussian_frechet(zero, eye, mu, eye)) == pytest.approx(6.0)  # |mu|^2 only
    assert float(gaussian_frechet(zero, 4 * eye, zero, 9 * eye)) == pytest.approx(d * (2 - 3) ** 2)
    x, y = _gaussian(200, d, 10), _gaussian(300, d, 11, shift=1.0)
    fd = frechet_distance(x, y)
    torch.testing.assert_close(frechet_distance(y, x), fd, rtol=1e-9, atol=1e-10)  # symmetric
    q, _ = torch.linalg.qr(_gaussian(d, d, 12))
    torch.testing.assert_close(frechet_distance(x @ q + 5, y @ q + 5), fd, rtol=1e-9, atol=1e-10)  # rotation, shift
    assert abs(float(frechet_distance(x, x))) < 1e-10
    assert float(fd) > 0


def test_population_value_reached_by_large_samples():
    """Samples of two known Gaussians: the estimate approaches the closed form as N grows (its
    bias is positive and shrinks like 1/N), which is why FID is compared at one fixed N."""
    d = 3
    a = torch.tensor([[1.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.2, 0.0, 1.0]], dtype=torch.float64)
    b = torch.tensor([[0.7, 0.0, 0.0], [0.4, 1.2, 0.0], [0.0, 0.3, 0.5]], dtype=torch.float64)
    mu2 = torch.tensor([0.5, 0.0, -0.5], dtype=torch.float64)
    truth = float(gaussian_frechet(torch.zeros(d, dtype=torch.float64), a.T @ a, mu2, b.T @ b))
    errors = []
    for n in (100, 100_000):
        g = torch.Generator().manual_seed(n)
        x = torch.randn(n, d, generator=g, dtype=torch.float64) @ a
        y = torch.randn(n, d, generator=g, dtype=torch.float64) @ b + mu2
        errors.append(abs(float(frechet_distance(x, y)) - truth))
    assert errors[1] < 0.01 * truth and errors[1] < errors[0]


def test_float32_stays_float32_and_close_to_float64():
    x, y = _gaussian(100, 5, 13), _gaussian(120, 5, 14, shift=0.4)
    got = frechet_distance(x.float(), y.float())
    assert got.dtype == torch.float32 and got.ndim == 0
    assert float(got) == pytest.approx(float(frechet_distance(x, y)), rel=1e-4)


# Other correct formulations must pass the check (a check that rejects them would be wrong).
def _via_scipy(x, y):
    return torch.tensor(_scipy_fd(x, y), dtype=x.dtype, device=x.device)


def _via_nuclear_norm(x, y):
    """tr (S1^(1/2) S2 S1^(1/2))^(1/2) = the nuclear norm of S1^(1/2) S2^(1/2)."""
    s1, s2 = torch.atleast_2d(torch.cov(x.T)), torch.atleast_2d(torch.cov(y.T))
    nuc = torch.linalg.matrix_norm(sqrtm_psd(s1) @ sqrtm_psd(s2), ord="nuc")
    return (x.mean(0) - y.mean(0)).pow(2).sum() + s1.trace() + s2.trace() - 2 * nuc


def _via_eigvals_of_product(x, y):
    """The eigenvalues of S1 S2 (not symmetric, but similar to a PSD matrix): real, >= 0."""
    s1, s2 = torch.atleast_2d(torch.cov(x.T)), torch.atleast_2d(torch.cov(y.T))
    ev = torch.linalg.eigvals(s1 @ s2).real.clamp_min(0)
    return (x.mean(0) - y.mean(0)).pow(2).sum() + s1.trace() + s2.trace() - 2 * ev.sqrt().sum()


@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")  # sqrtm on the singular cases
@pytest.mark.parametrize("fn", [_via_scipy, _via_nuclear_norm, _via_eigvals_of_product])
def test_other_correct_formulations_pass_the_check(fn):
    result = run_check("20.frechet_distance", fn)
    assert result.status == PASSED, str(result)


@pytest.mark.parametrize("call,error,needle", [
    (lambda: frechet_distance(torch.randn(5, 3), torch.randn(5, 4)), ValueError, "same number of features"),
    (lambda: frechet_distance(torch.randn(1, 3), torch.randn(5, 3)), ValueError, "x needs at least 2 rows"),
    (lambda: frechet_distance(torch.randn(5, 3), torch.randn(5)), ValueError, "y must be 2-D"),
    (lambda: frechet_distance(torch.randn(5, 3), torch.randn(5, 3).double()), TypeError, "same dtype"),
    (lambda: frechet_distance([[1.0]], torch.randn(5, 3)), TypeError, "x must be a torch.Tensor"),
    (lambda: gaussian_frechet(torch.zeros(2), torch.eye(3), torch.zeros(2), torch.eye(2)), ValueError, "cov1"),
])
def test_bad_calls_name_the_argument(call, error, needle):
    with pytest.raises(error, match=needle):
        call()
