"""Known-wrong implementations for chapter 07."""
from __future__ import annotations

import torch

from . import mutant


# --------------------------------------------------------------------------- 07.running_stats
@mutant("07.running_stats", "common wrong answer: one-pass sums, var = (sum x^2 - n mean^2) (cancels far from 0)")
def _naive_sums(count, mean, m2, batch):
    n = count + batch.shape[0]
    total = mean * count + batch.sum(dim=0)
    squares = m2 + count * mean ** 2 + (batch ** 2).sum(dim=0)
    new_mean = total / n
    return n, new_mean, squares - n * new_mean ** 2


def _batch_part(batch):
    bm = batch.mean(dim=0)
    return batch.shape[0], bm, ((batch - bm) ** 2).sum(dim=0)


@mutant("07.running_stats", "the two means averaged 1/2 each, not weighted by their counts")
def _unweighted_mean(count, mean, m2, batch):
    nb, bm, bm2 = _batch_part(batch)
    n = count + nb
    delta = bm - mean
    new_mean = bm if count == 0 else (mean + bm) / 2
    return n, new_mean, m2 + bm2 + delta ** 2 * count * nb / n


@mutant("07.running_stats", "the between-groups term delta^2 n_a n_b / n left out")
def _no_between(count, mean, m2, batch):
    nb, bm, bm2 = _batch_part(batch)
    n = count + nb
    return n, mean + (bm - mean) * nb / n, m2 + bm2


@mutant("07.running_stats", "the batch's M2 as torch.var (divisor B - 1) times B: NaN for one row")
def _var_times_b(count, mean, m2, batch):
    nb = batch.shape[0]
    bm, bvar = batch.mean(dim=0), batch.var(dim=0)
    n = count + nb
    delta = bm - mean
    return n, mean + delta * nb / n, m2 + bvar * nb + delta ** 2 * count * nb / n


@mutant("07.running_stats", "the running state updated in place (mean += ...)")
def _in_place(count, mean, m2, batch):
    nb, bm, bm2 = _batch_part(batch)
    n = count + nb
    delta = bm - mean
    m2 += bm2 + delta ** 2 * count * nb / n
    mean += delta * nb / n
    return n, mean, m2


@mutant("07.running_stats", "the batch processed in 512-row chunks; later chunks' rows not counted")
def _chunked(count, mean, m2, batch):
    for part in batch[:512].split(512):
        nb, bm, bm2 = _batch_part(part)
        n = count + nb
        delta = bm - mean
        count, mean, m2 = n, mean + delta * nb / n, m2 + bm2 + delta ** 2 * (n - nb) * nb / n
    return count, mean, m2


@mutant("07.running_stats", "computes in float32 and casts back")
def _float32(count, mean, m2, batch):
    nb, bm, bm2 = _batch_part(batch.float())
    n = count + nb
    delta = bm - mean.float()
    return (n, (mean.float() + delta * nb / n).to(batch.dtype),
            (m2.float() + bm2 + delta ** 2 * count * nb / n).to(batch.dtype))


@mutant("07.running_stats", "the weights built with torch.tensor (on the default device)")
def _default_device(count, mean, m2, batch):
    nb, bm, bm2 = _batch_part(batch)
    n = count + nb
    w = torch.tensor([nb / n, count * nb / n], dtype=batch.dtype)
    delta = bm - mean
    return n, mean + delta * w[0], m2 + bm2 + delta ** 2 * w[1]


# --------------------------------------------------------------------------- 07.zca
def _cov(x, divisor=None):
    mean = x.mean(dim=0)
    c = x - mean
    return c.T @ c / (len(x) if divisor is None else divisor), mean


@mutant("07.zca", "common wrong answer: PCA whitening, diag(1/sqrt(lambda + eps)) U^T, not rotated back")
def _pca_whitening(x, eps=1e-5):
    cov, mean = _cov(x)
    lam, u = torch.linalg.eigh(cov)
    return u * (lam.clamp_min(0) + eps).rsqrt(), mean


@mutant("07.zca", "no centring: the second moment x^T x / N instead of the covariance")
def _uncentred(x, eps=1e-5):
    lam, u = torch.linalg.eigh(x.T @ x / len(x))
    return (u * (lam.clamp_min(0) + eps).rsqrt()) @ u.T, x.mean(dim=0)


@mutant("07.zca", "torch.cov's divisor N - 1")
def _n_minus_1(x, eps=1e-5):
    cov, mean = _cov(x, max(len(x) - 1, 1))
    lam, u = torch.linalg.eigh(cov)
    return (u * (lam.clamp_min(0) + eps).rsqrt()) @ u.T, mean


@mutant("07.zca", "eps outside the square root: 1/(sqrt(lambda) + eps)")
def _eps_outside(x, eps=1e-5):
    cov, mean = _cov(x)
    lam, u = torch.linalg.eigh(cov)
    return (u / (lam.clamp_min(0).sqrt() + eps)) @ u.T, mean


@mutant("07.zca", "eps ignored (fixed at 1e-5)")
def _eps_ignored(x, eps=1e-5):
    cov, mean = _cov(x)
    lam, u = torch.linalg.eigh(cov)
    return (u * (lam.clamp_min(0) + 1e-5).rsqrt()) @ u.T, mean


@mutant("07.zca", "per-feature standardisation: diag(1/sqrt(var + eps)), correlations kept")
def _diagonal(x, eps=1e-5):
    cov, mean = _cov(x)
    return torch.diag((cov.diagonal() + eps).rsqrt()), mean


@mutant("07.zca", "eps * torch.eye(D) on the default device")
def _eye_default_device(x, eps=1e-5):
    cov, mean = _cov(x)
    lam, u = torch.linalg.eigh(cov + eps * torch.eye(x.shape[1], dtype=x.dtype))
    return (u * lam.clamp_min(eps).rsqrt()) @ u.T, mean


@mutant("07.zca", "the covariance from the first 512 rows only")
def _first_chunk(x, eps=1e-5):
    mean = x.mean(dim=0)
    c = (x - mean)[:512]
    lam, u = torch.linalg.eigh(c.T @ c / len(c))
    return (u * (lam.clamp_min(0) + eps).rsqrt()) @ u.T, mean


@mutant("07.zca", "computes in float32 and casts back")
def _zca_float32(x, eps=1e-5):
    cov, mean = _cov(x.float())
    lam, u = torch.linalg.eigh(cov)
    return ((u * (lam.clamp_min(0) + eps).rsqrt()) @ u.T).to(x.dtype), mean.to(x.dtype)
