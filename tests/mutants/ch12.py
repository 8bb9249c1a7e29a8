"""Known-wrong implementations for chapter 12."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import mutant


# --------------------------------------------------------------------------- 12.effective_rank
def _entropy_rank(sigma, eps=1e-7):
    p = sigma / sigma.sum() + eps
    return torch.exp(-(p * p.log()).sum())


@mutant("12.effective_rank", "common wrong answer: the numerical rank (torch.linalg.matrix_rank): noise makes it full")
def _matrix_rank(z, eps=1e-7):
    return torch.linalg.matrix_rank(z).to(z.dtype)


@mutant("12.effective_rank", "entropy of the squared singular values (eigenvalues of z^T z)")
def _squared(z, eps=1e-7):
    s = torch.linalg.svdvals(z)
    out = _entropy_rank(s ** 2, eps)
    return torch.where(s.sum() > 0, out, torch.zeros_like(out))


@mutant("12.effective_rank", "centres the columns first (RankMe does not)")
def _centred(z, eps=1e-7):
    s = torch.linalg.svdvals(z - z.mean(dim=0))
    out = _entropy_rank(s, eps)
    return torch.where(s.sum() > 0, out, torch.zeros_like(out))


@mutant("12.effective_rank", "all-zero matrix: 0 / 0 gives NaN")
def _nan_on_zero(z, eps=1e-7):
    return _entropy_rank(torch.linalg.svdvals(z), eps)


@mutant("12.effective_rank", "ignores eps (the default 1e-7 hard-coded)")
def _eps_ignored(z, eps=1e-7):
    s = torch.linalg.svdvals(z)
    out = _entropy_rank(s.clamp_min(1e-30), 1e-7)
    return torch.where(s.sum() > 0, out, torch.zeros_like(out))


@mutant("12.effective_rank", "2 ** entropy in bits: a base-2 log inside, exp outside")
def _bits(z, eps=1e-7):
    s = torch.linalg.svdvals(z)
    p = s / s.sum().clamp_min(1e-30) + eps
    out = torch.exp(-(p * p.log2()).sum())
    return torch.where(s.sum() > 0, out, torch.zeros_like(out))


@mutant("12.effective_rank", "float64 computed in float32 and cast back")
def _float32(z, eps=1e-7):
    s = torch.linalg.svdvals(z.float())
    out = _entropy_rank(s.clamp_min(0), eps)
    return torch.where(s.sum() > 0, out, torch.zeros_like(out)).to(z.dtype)


@mutant("12.effective_rank", "all-zero case returns torch.tensor(0.0), made on the default device")
def _default_device(z, eps=1e-7):
    s = torch.linalg.svdvals(z)
    if not bool(s.sum() > 0):
        return torch.tensor(0.0, dtype=z.dtype)
    return _entropy_rank(s, eps) + torch.zeros((), dtype=z.dtype)


@mutant("12.effective_rank", "only the first 512 rows (a sub-sample)")
def _first_512(z, eps=1e-7):
    s = torch.linalg.svdvals(z[:512])
    out = _entropy_rank(s, eps)
    return torch.where(s.sum() > 0, out, torch.zeros_like(out))


@mutant("12.effective_rank", "pads to D singular values when N < D (zeros count as eps)")
def _padded(z, eps=1e-7):
    s = torch.linalg.svdvals(z)
    s = torch.cat([s, s.new_zeros(max(0, z.shape[1] - len(s)))])
    out = _entropy_rank(s, eps)
    return torch.where(s.sum() > 0, out, torch.zeros_like(out))


# --------------------------------------------------------------------------- 12.barlow_twins
def _standardise(z, unbiased=False, eps=1e-5):
    return (z - z.mean(0)) / torch.sqrt(z.var(0, unbiased=unbiased) + eps)


def _bt_from(c, lambda_):
    diag = torch.diagonal(c)
    return (1 - diag).pow(2).sum() + lambda_ * (c.pow(2).sum() - diag.pow(2).sum())


@mutant("12.barlow_twins", "common wrong answer: each embedding (row) normalised, not each feature over the batch")
def _rows_normalised(z1, z2, lambda_=5e-3):
    c = F.normalize(z1, dim=1).T @ F.normalize(z2, dim=1) / z1.shape[0]
    return _bt_from(c, lambda_)


@mutant("12.barlow_twins", "no standardisation: C = z1^T z2 / N of the raw embeddings")
def _raw(z1, z2, lambda_=5e-3):
    if z1.shape[0] < 2:
        raise ValueError("batch of one")
    return _bt_from(z1.T @ z2 / z1.shape[0], lambda_)


@mutant("12.barlow_twins", "unbiased standard deviation (N - 1) with C divided by N")
def _unbiased(z1, z2, lambda_=5e-3):
    if z1.shape[0] < 2:
        raise ValueError("batch of one")
    c = _standardise(z1, True).T @ _standardise(z2, True) / z1.shape[0]
    return _bt_from(c, lambda_)


@mutant("12.barlow_twins", "ignores lambda_ (the default 5e-3 hard-coded)")
def _lambda_ignored(z1, z2, lambda_=5e-3):
    if z1.shape[0] < 2:
        raise ValueError("batch of one")
    return _bt_from(_standardise(z1).T @ _standardise(z2) / z1.shape[0], 5e-3)


@mutant("12.barlow_twins", "the off-diagonal sum keeps the diagonal")
def _diag_kept(z1, z2, lambda_=5e-3):
    if z1.shape[0] < 2:
        raise ValueError("batch of one")
    c = _standardise(z1).T @ _standardise(z2) / z1.shape[0]
    return (1 - torch.diagonal(c)).pow(2).sum() + lambda_ * c.pow(2).sum()


@mutant("12.barlow_twins", "eps outside the square root: (z - mean) / (std + 1e-5)")
def _eps_outside(z1, z2, lambda_=5e-3):
    if z1.shape[0] < 2:
        raise ValueError("batch of one")
    s = lambda z: (z - z.mean(0)) / (z.std(0, unbiased=False) + 1e-5)  # noqa: E731
    return _bt_from(s(z1).T @ s(z2) / z1.shape[0], lambda_)


@mutant("12.barlow_twins", "no eps at all: a dead feature gives NaN")
def _no_eps(z1, z2, lambda_=5e-3):
    if z1.shape[0] < 2:
        raise ValueError("batch of one")
    c = _standardise(z1, eps=0.0).T @ _standardise(z2, eps=0.0) / z1.shape[0]
    return _bt_from(c, lambda_)


@mutant("12.barlow_twins", "off-diagonal mask from torch.eye(D) on the default device")
def _eye_default_device(z1, z2, lambda_=5e-3):
    if z1.shape[0] < 2:
        raise ValueError("batch of one")
    c = _standardise(z1).T @ _standardise(z2) / z1.shape[0]
    off = 1 - torch.eye(c.shape[0], dtype=c.dtype)
    return (1 - torch.diagonal(c)).pow(2).sum() + lambda_ * (c.pow(2) * off).sum()


@mutant("12.barlow_twins", "a batch of one returns a number instead of raising")
def _no_batch_check(z1, z2, lambda_=5e-3):
    c = _standardise(z1).T @ _standardise(z2) / z1.shape[0]
    return _bt_from(c, lambda_)


@mutant("12.barlow_twins", "float64 computed in float32 and cast back")
def _bt_float32(z1, z2, lambda_=5e-3):
    if z1.shape[0] < 2:
        raise ValueError("batch of one")
    a, b = z1.float(), z2.float()
    return _bt_from(_standardise(a).T @ _standardise(b) / a.shape[0], lambda_).to(z1.dtype)


@mutant("12.barlow_twins", "chunks of 512 rows, C averaged over chunks with their own statistics")
def _bt_chunked(z1, z2, lambda_=5e-3):
    if z1.shape[0] < 2:
        raise ValueError("batch of one")
    cs = [_standardise(a).T @ _standardise(b) / a.shape[0] for a, b in zip(z1.split(512), z2.split(512))]
    return _bt_from(torch.stack(cs).mean(0), lambda_)


# --------------------------------------------------------------------------- 12.vicreg
def _vicreg_parts(z1, z2, eps=1e-4, unbiased=True, hinge_on_std=True, drop_diag=True, centre=True):
    n, d = z1.shape
    inv = F.mse_loss(z1, z2)
    var = cov = 0.0
    for z in (z1, z2):
        zc = z - z.mean(0) if centre else z
        c = zc.T @ zc / (n - 1 if unbiased else n)
        v = torch.diagonal(c)
        var = var + (F.relu(1 - torch.sqrt(v + eps)) if hinge_on_std else F.relu(1 - v)).mean() / 2
        off = c.pow(2).sum() - (v.pow(2).sum() if drop_diag else 0)
        cov = cov + off / d
    return inv, var, cov


def _vicreg_with(z1, z2, w=(25.0, 25.0, 1.0), **parts):
    if z1.shape[0] < 2:
        raise ValueError("batch of one")
    inv, var, cov = _vicreg_parts(z1, z2, **parts)
    return w[0] * inv + w[1] * var + w[2] * cov


@mutant("12.vicreg", "common wrong answer: the variance hinge on the variance, relu(1 - Var), not on the std")
def _hinge_on_var(z1, z2, sim_weight=25.0, var_weight=25.0, cov_weight=1.0, eps=1e-4):
    return _vicreg_with(z1, z2, (sim_weight, var_weight, cov_weight), eps=eps, hinge_on_std=False)


@mutant("12.vicreg", "biased variance and covariance (divide by N)")
def _biased(z1, z2, sim_weight=25.0, var_weight=25.0, cov_weight=1.0, eps=1e-4):
    return _vicreg_with(z1, z2, (sim_weight, var_weight, cov_weight), eps=eps, unbiased=False)


@mutant("12.vicreg", "the covariance term keeps the diagonal (the variances)")
def _cov_diag_kept(z1, z2, sim_weight=25.0, var_weight=25.0, cov_weight=1.0, eps=1e-4):
    return _vicreg_with(z1, z2, (sim_weight, var_weight, cov_weight), eps=eps, drop_diag=False)


@mutant("12.vicreg", "covariance of uncentred features")
def _uncentred(z1, z2, sim_weight=25.0, var_weight=25.0, cov_weight=1.0, eps=1e-4):
    return _vicreg_with(z1, z2, (sim_weight, var_weight, cov_weight), eps=eps, centre=False)


@mutant("12.vicreg", "ignores eps (the default 1e-4 hard-coded)")
def _vic_eps_ignored(z1, z2, sim_weight=25.0, var_weight=25.0, cov_weight=1.0, eps=1e-4):
    return _vicreg_with(z1, z2, (sim_weight, var_weight, cov_weight), eps=1e-4)


@mutant("12.vicreg", "no eps at all: sqrt(Var)")
def _vic_no_eps(z1, z2, sim_weight=25.0, var_weight=25.0, cov_weight=1.0, eps=1e-4):
    return _vicreg_with(z1, z2, (sim_weight, var_weight, cov_weight), eps=0.0)


@mutant("12.vicreg", "ignores the weights (the paper's 25, 25, 1 hard-coded)")
def _weights_ignored(z1, z2, sim_weight=25.0, var_weight=25.0, cov_weight=1.0, eps=1e-4):
    return _vicreg_with(z1, z2, eps=eps)


@mutant("12.vicreg", "covariance divided by D^2 instead of D")
def _cov_d2(z1, z2, sim_weight=25.0, var_weight=25.0, cov_weight=1.0, eps=1e-4):
    if z1.shape[0] < 2:
        raise ValueError("batch of one")
    inv, var, cov = _vicreg_parts(z1, z2, eps=eps)
    return sim_weight * inv + var_weight * var + cov_weight * cov / z1.shape[1]


@mutant("12.vicreg", "the variance terms of the two views summed, not averaged")
def _var_summed(z1, z2, sim_weight=25.0, var_weight=25.0, cov_weight=1.0, eps=1e-4):
    if z1.shape[0] < 2:
        raise ValueError("batch of one")
    inv, var, cov = _vicreg_parts(z1, z2, eps=eps)
    return sim_weight * inv + var_weight * 2 * var + cov_weight * cov


@mutant("12.vicreg", "invariance summed over features (mean over the batch only)")
def _inv_sum(z1, z2, sim_weight=25.0, var_weight=25.0, cov_weight=1.0, eps=1e-4):
    if z1.shape[0] < 2:
        raise ValueError("batch of one")
    inv, var, cov = _vicreg_parts(z1, z2, eps=eps)
    return sim_weight * inv * z1.shape[1] + var_weight * var + cov_weight * cov


@mutant("12.vicreg", "only the first view's variance and covariance")
def _one_view(z1, z2, sim_weight=25.0, var_weight=25.0, cov_weight=1.0, eps=1e-4):
    if z1.shape[0] < 2:
        raise ValueError("batch of one")
    inv, _, _ = _vicreg_parts(z1, z2, eps=eps)
    _, var, cov = _vicreg_parts(z1, z1, eps=eps)
    return sim_weight * inv + var_weight * var + cov_weight * cov / 2


@mutant("12.vicreg", "a batch of one returns a number (NaN) instead of raising")
def _vic_no_batch_check(z1, z2, sim_weight=25.0, var_weight=25.0, cov_weight=1.0, eps=1e-4):
    inv, var, cov = _vicreg_parts(z1, z2, eps=eps)
    return sim_weight * inv + var_weight * var + cov_weight * cov


@mutant("12.vicreg", "float64 computed in float32 and cast back")
def _vic_float32(z1, z2, sim_weight=25.0, var_weight=25.0, cov_weight=1.0, eps=1e-4):
    return _vicreg_with(z1.float(), z2.float(), (sim_weight, var_weight, cov_weight), eps=eps).to(z1.dtype)


@mutant("12.vicreg", "chunks of 512 rows, each chunk's loss averaged")
def _vic_chunked(z1, z2, sim_weight=25.0, var_weight=25.0, cov_weight=1.0, eps=1e-4):
    parts = [_vicreg_with(a, b, (sim_weight, var_weight, cov_weight), eps=eps)
             for a, b in zip(z1.split(512), z2.split(512))]
    return torch.stack(parts).mean()


@mutant("12.vicreg", "off-diagonal mask from torch.eye(D) on the default device")
def _vic_eye_default_device(z1, z2, sim_weight=25.0, var_weight=25.0, cov_weight=1.0, eps=1e-4):
    if z1.shape[0] < 2:
        raise ValueError("batch of one")
    n, d = z1.shape
    total = sim_weight * F.mse_loss(z1, z2)
    for z in (z1, z2):
        zc = z - z.mean(0)
        c = zc.T @ zc / (n - 1)
        total = total + var_weight * F.relu(1 - torch.sqrt(torch.diagonal(c) + eps)).mean() / 2
        total = total + cov_weight * (c.pow(2) * (1 - torch.eye(d, dtype=z.dtype))).sum() / d
    return total
