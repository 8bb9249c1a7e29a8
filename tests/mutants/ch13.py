"""Known-wrong implementations for chapter 13."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import mutant


def _kl(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1)


# --------------------------------------------------------------------------- 13.reparameterize
@mutant("13.reparameterize", "common wrong answer: no sampling, z = mu (a plain autoencoder's code)")
def _rep_no_sampling(mu, logvar, generator=None):
    return mu.clone()


@mutant("13.reparameterize", "scales the noise by the variance exp(logvar), not the std")
def _rep_variance(mu, logvar, generator=None):
    return mu + logvar.exp() * torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)


@mutant("13.reparameterize", "ignores the generator (draws from the global one)")
def _rep_global(mu, logvar, generator=None):
    return mu + (0.5 * logvar).exp() * torch.randn(mu.shape, dtype=mu.dtype, device=mu.device)


@mutant("13.reparameterize", "re-seeds a copy of the generator: repeated calls repeat")
def _rep_copy(mu, logvar, generator=None):
    g = torch.Generator()
    g.set_state((generator if generator is not None else torch.default_generator).get_state())
    return mu + (0.5 * logvar).exp() * torch.randn(mu.shape, generator=g, dtype=mu.dtype, device=mu.device)


@mutant("13.reparameterize", "one noise row shared by every example")
def _rep_shared(mu, logvar, generator=None):
    eps = torch.randn(mu.shape[-1], generator=generator, dtype=mu.dtype, device=mu.device)
    return mu + (0.5 * logvar).exp() * eps


@mutant("13.reparameterize", "noise drawn in float32 and cast")
def _rep_float32(mu, logvar, generator=None):
    eps = torch.randn(mu.shape, generator=generator, device=mu.device).to(mu.dtype)
    return mu + (0.5 * logvar).exp() * eps


@mutant("13.reparameterize", "noise created on the default device")
def _rep_default_device(mu, logvar, generator=None):
    return mu + (0.5 * logvar).exp() * torch.randn(mu.shape, generator=generator, dtype=mu.dtype)


@mutant("13.reparameterize", "noise drawn for the first 512 rows only and repeated")
def _rep_chunk(mu, logvar, generator=None):
    n = mu.shape[0]
    eps = torch.randn((min(n, 512), *mu.shape[1:]), generator=generator, dtype=mu.dtype, device=mu.device)
    eps = eps.repeat(-(-n // 512), *([1] * (mu.dim() - 1)))[:n]
    return mu + (0.5 * logvar).exp() * eps


# --------------------------------------------------------------------------- 13.gaussian_kl
@mutant("13.gaussian_kl", "common wrong answer: the mean over latent dimensions instead of the sum")
def _kl_mean(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).mean(dim=-1)


@mutant("13.gaussian_kl", "logvar read as the log standard deviation")
def _kl_logstd(mu, logvar):
    return 0.5 * (mu.pow(2) + (2 * logvar).exp() - 1.0 - 2 * logvar).sum(dim=-1)


@mutant("13.gaussian_kl", "the -1 per dimension forgotten")
def _kl_no_one(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar).sum(dim=-1)


@mutant("13.gaussian_kl", "summed over the batch too (a scalar)")
def _kl_scalar(mu, logvar):
    return _kl(mu, logvar).sum()


@mutant("13.gaussian_kl", "the sign of the log-variance flipped")
def _kl_sign(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 + logvar).sum(dim=-1)


@mutant("13.gaussian_kl", "computes in float32 and casts back")
def _kl_float32(mu, logvar):
    return _kl(mu.float(), logvar.float()).to(mu.dtype)


@mutant("13.gaussian_kl", "the constant built on the default device")
def _kl_device(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - torch.ones(mu.shape[-1], dtype=mu.dtype) - logvar).sum(dim=-1)


# --------------------------------------------------------------------------- 13.negative_elbo
def _nll(x, logits):
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


@mutant("13.negative_elbo", "common wrong answer: reconstruction only, no KL (a plain autoencoder's loss)")
def _elbo_no_kl(x, logits, mu, logvar):
    return _nll(x, logits)


@mutant("13.negative_elbo", "the mean over pixels (BCE's default reduction), not the sum")
def _elbo_pixel_mean(x, logits, mu, logvar):
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).mean(1) + _kl(mu, logvar)


@mutant("13.negative_elbo", "sigmoid then log: infinite at confident logits")
def _elbo_naive(x, logits, mu, logvar):
    p = torch.sigmoid(logits)
    nll = -(x * p.log() + (1 - x) * (1 - p).log())
    return nll.flatten(1).sum(1) + _kl(mu, logvar)


@mutant("13.negative_elbo", "squared error on the probabilities instead of the Bernoulli likelihood")
def _elbo_mse(x, logits, mu, logvar):
    return (torch.sigmoid(logits) - x).pow(2).flatten(1).sum(1) + _kl(mu, logvar)


@mutant("13.negative_elbo", "the KL subtracted")
def _elbo_minus_kl(x, logits, mu, logvar):
    return _nll(x, logits) - _kl(mu, logvar)


@mutant("13.negative_elbo", "sums over the last dimension only")
def _elbo_last_dim(x, logits, mu, logvar):
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1).reshape(x.shape[0], -1)[:, 0] \
        + _kl(mu, logvar)


@mutant("13.negative_elbo", "the batch mean (a scalar), not one value per example")
def _elbo_mean(x, logits, mu, logvar):
    return (_nll(x, logits) + _kl(mu, logvar)).mean()


@mutant("13.negative_elbo", "computes in float32 and casts back")
def _elbo_float32(x, logits, mu, logvar):
    return (_nll(x.float(), logits.float()) + _kl(mu.float(), logvar.float())).to(x.dtype)


@mutant("13.negative_elbo", "the KL of each 512-row chunk written to the first rows")
def _elbo_chunked(x, logits, mu, logvar):
    kl = torch.zeros(mu.shape[0], dtype=mu.dtype, device=mu.device)
    for s in range(0, mu.shape[0], 512):
        part = _kl(mu[s:s + 512], logvar[s:s + 512])
        kl[:len(part)] = part
    return _nll(x, logits) + kl


@mutant("13.negative_elbo", "the per-example accumulator created on the default device")
def _elbo_default_device(x, logits, mu, logvar):
    total = torch.zeros(x.shape[0], dtype=x.dtype)
    return total + _nll(x, logits) + _kl(mu, logvar)


@mutant("13.gaussian_kl", "rows past the first 512-row chunk get the first chunk's KL")
def _kl_chunked(mu, logvar):
    out = _kl(mu[:512], logvar[:512])
    return out.repeat(-(-mu.shape[0] // 512))[:mu.shape[0]]
