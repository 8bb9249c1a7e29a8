"""Variational autoencoders (chapter 13): the reparameterisation trick, the Gaussian KL, the negative
ELBO with a Bernoulli likelihood, an MLP VAE and the importance-weighted bound (IWAE).

Checked against torch.distributions in tests/test_vae.py.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """z = mu + exp(logvar / 2) * eps, eps ~ N(0, I) drawn from `generator`: (..., D), (..., D) -> (..., D).

    The noise is the only random input, so gradients flow to mu and logvar.
    """
    eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
    return mu + torch.exp(0.5 * logvar) * eps


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL( N(mu, diag exp(logvar)) || N(0, I) ) in nats, summed over the latent dimensions: (N, D) -> (N,)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1)


def bernoulli_nll(x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """-log p(x | z) for independent Bernoulli pixels, summed over all but the first dim: (N, ...) -> (N,)."""
    nll = F.binary_cross_entropy_with_logits(logits, x, reduction="none")  # log-sum-exp inside: no overflow
    return nll.flatten(1).sum(dim=1)


def negative_elbo(x: torch.Tensor, logits: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """-ELBO = -log p(x | z) + KL(q(z | x) || p(z)) in nats per example, Bernoulli likelihood.

    x: (N, ...) binary targets, logits: (N, ...) the decoder's output for one z ~ q(z | x),
    mu, logvar: (N, D) the encoder's q. Returns (N,).
    """
    return bernoulli_nll(x, logits) + gaussian_kl(mu, logvar)


class VAE(nn.Module):
    """An MLP VAE: x (N, ...) flattened to in_dim -> (mu, logvar) (N, latent) -> Bernoulli logits (N, in_dim)."""

    def __init__(self, in_dim: int = 64, hidden: int = 128, latent: int = 8):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.to_stats = nn.Linear(hidden, 2 * latent)  # mu and logvar side by side
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                     nn.Linear(hidden, in_dim))
        self.latent = latent

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: (N, ...) -> mu, logvar: (N, latent), (N, latent)."""
        return self.to_stats(self.encoder(x.flatten(1))).chunk(2, dim=1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z: (..., latent) -> Bernoulli logits (..., in_dim)."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None):
        """x: (N, ...) -> (logits (N, in_dim), mu (N, latent), logvar (N, latent)), one z per example."""
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar, generator)), mu, logvar

    def loss(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """The mean negative ELBO over the batch (nats per example): a scalar."""
        logits, mu, logvar = self(x, generator)
        return negative_elbo(x.flatten(1), logits, mu, logvar).mean()


def log_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag exp(logvar)) summed over the last dim: (..., D) -> (...)."""
    return -0.5 * (math.log(2 * math.pi) + logvar + (z - mu).pow(2) / logvar.exp()).sum(dim=-1)


@torch.no_grad()
def iwae_bound(model: VAE, x: torch.Tensor, k: int = 100, generator: torch.Generator | None = None) -> torch.Tensor:
    """The importance-weighted bound log (1/k) sum_i p(x, z_i) / q(z_i | x), z_i ~ q(z | x): (N, ...) -> (N,).

    k = 1 estimates the ELBO (on average; its KL is sampled, not analytic);
    it tightens towards log p(x) as k grows (Burda et al. 2016).
    """
    xf = x.flatten(1)  # (N, P)
    mu, logvar = model.encode(x)  # (N, D)
    z = reparameterize(mu.expand(k, *mu.shape), logvar.expand(k, *logvar.shape), generator)  # (k, N, D)
    log_px_z = -bernoulli_nll(xf.expand(k, *xf.shape).flatten(0, 1), model.decode(z).flatten(0, 1)).view(k, -1)
    log_w = log_px_z + log_normal(z, torch.zeros_like(z), torch.zeros_like(z)) - log_normal(z, mu, logvar)  # (k, N)
    return torch.logsumexp(log_w, dim=0) - math.log(k)


@torch.no_grad()
def elbo(model: VAE, x: torch.Tensor, samples: int = 1, generator: torch.Generator | None = None) -> torch.Tensor:
    """The ELBO (not negated) per example, averaged over `samples` draws of z: (N, ...) -> (N,)."""
    xf = x.flatten(1)
    mu, logvar = model.encode(x)
    draws = [-negative_elbo(xf, model.decode(reparameterize(mu, logvar, generator)), mu, logvar)
             for _ in range(samples)]
    return torch.stack(draws).mean(dim=0)


def train_vae(model: nn.Module, x: torch.Tensor, loss_fn, epochs: int = 100, batch_size: int = 128,
              lr: float = 2e-3, seed: int = 0) -> list[float]:
    """Adam on loss_fn(model, xb, generator) -> scalar, shuffled mini-batches; returns the per-epoch mean losses."""
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    for _ in range(epochs):
        total = 0.0
        for idx in torch.randperm(len(x), generator=g).split(batch_size):
            loss = loss_fn(model, x[idx], g)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        history.append(total / len(x))
    return history
