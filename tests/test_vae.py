"""The VAE reference code against torch.distributions (an independent formulation)."""
import math

import torch
from torch.distributions import Bernoulli, Independent, Normal, kl_divergence

from ssl_course.generative.vae import VAE, elbo, gaussian_kl, iwae_bound, negative_elbo, reparameterize


def _q(mu, logvar):
    return Independent(Normal(mu, (0.5 * logvar).exp()), 1)


def test_gaussian_kl_matches_torch_distributions():
    g = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(50, 7, generator=g, dtype=torch.float64), 2 * torch.randn(50, 7, generator=g, dtype=torch.float64)
    prior = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
    torch.testing.assert_close(gaussian_kl(mu, logvar), kl_divergence(_q(mu, logvar), prior), rtol=1e-12, atol=1e-12)


def test_reparameterize_moments_and_generator():
    mu, logvar = torch.full((200_000, 1), 2.0, dtype=torch.float64), torch.full((200_000, 1), math.log(9.0), dtype=torch.float64)
    z = reparameterize(mu, logvar, torch.Generator().manual_seed(1))
    assert abs(z.mean().item() - 2.0) < 0.03 and abs(z.std().item() - 3.0) < 0.03
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    assert torch.equal(reparameterize(mu[:10], logvar[:10], g1), reparameterize(mu[:10], logvar[:10], g2))


def test_negative_elbo_matches_torch_distributions():
    g = torch.Generator().manual_seed(2)
    x = (torch.rand(30, 64, generator=g) > 0.5).double()
    logits, mu, logvar = (torch.randn(30, s, generator=g, dtype=torch.float64) for s in (64, 4, 4))
    expected = -Independent(Bernoulli(logits=logits), 1).log_prob(x) + gaussian_kl(mu, logvar)
    torch.testing.assert_close(negative_elbo(x, logits, mu, logvar), expected, rtol=1e-12, atol=1e-10)


def _iwae_by_distributions(model, x, k, generator):
    """log mean_k p(x|z) p(z) / q(z|x) with every density from torch.distributions and an explicit loop."""
    mu, logvar = model.encode(x)
    q = _q(mu, logvar)
    prior = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
    eps = torch.randn((k, *mu.shape), generator=generator, dtype=mu.dtype)
    log_w = []
    for i in range(k):
        z = mu + (0.5 * logvar).exp() * eps[i]
        log_w.append(Independent(Bernoulli(logits=model.decode(z)), 1).log_prob(x.flatten(1)) + prior.log_prob(z) - q.log_prob(z))
    return torch.logsumexp(torch.stack(log_w), 0) - math.log(k)


def test_iwae_bound_matches_torch_distributions_and_k1_is_the_elbo():
    torch.manual_seed(0)
    model = VAE(16, 32, 3).double()
    x = (torch.rand(20, 16, generator=torch.Generator().manual_seed(3)) > 0.5).double()
    with torch.no_grad():
        ours = iwae_bound(model, x, 7, torch.Generator().manual_seed(4))
        peer = _iwae_by_distributions(model, x, 7, torch.Generator().manual_seed(4))
        torch.testing.assert_close(ours, peer, rtol=1e-10, atol=1e-10)
        # k = 1 estimates the ELBO with a sampled KL; on average it is the ELBO with the analytic KL
        g = torch.Generator().manual_seed(9)
        k1 = torch.stack([iwae_bound(model, x, 1, g) for _ in range(2000)]).mean(0)
        torch.testing.assert_close(k1, elbo(model, x, 2000, g), rtol=0, atol=0.05)


def test_iwae_tightens_with_k_on_average():
    torch.manual_seed(1)
    model = VAE(16, 32, 3).double()
    x = (torch.rand(200, 16, generator=torch.Generator().manual_seed(3)) > 0.5).double()
    g = torch.Generator().manual_seed(0)
    b1, b10, b100 = (iwae_bound(model, x, k, g).mean().item() for k in (1, 10, 100))
    assert b1 < b10 < b100
