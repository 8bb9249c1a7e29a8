"""Chapter 13: Variational autoencoders. The cases cover more than a 512-row chunk, float64, all-zero
(degenerate) rows, extreme log-variances and logits, image-shaped inputs, the meta device and, for
reparameterize, one generator across repeated calls."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...generative.vae import gaussian_kl, negative_elbo, reparameterize
from ..checks import (
    Case,
    Exercise,
    against_reference,
    default_device_test,
    generator_test,
    property_test,
    reference_exercise,
    register,
)
from ._common import randn

_STD = "The noise is scaled by the standard deviation exp(logvar / 2), not by the variance exp(logvar)."
_GEN = "Draw eps with torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)."


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _stats(n: int, d: int, seed: int, dtype=torch.float32):
    return randn(n, d, seed=seed, dtype=dtype), 0.5 * randn(n, d, seed=seed + 1, dtype=dtype)


# --------------------------------------------------------------------------- 13.reparameterize
def _rep_cases():
    mu, logvar = _stats(3, 4, 1)
    yield Case("mu, logvar of shape (3, 4)", (mu, logvar), {"generator": _gen(0)}, hint=_STD)
    yield Case("mu = 0, logvar = 0: z is the noise itself", (torch.zeros(5, 2), torch.zeros(5, 2)),
               {"generator": _gen(1)}, hint="z must be random: mu + sigma * eps, with eps ~ N(0, I).")
    yield Case("logvar = 2 log 3 (standard deviation 3)", (torch.zeros(4, 3), torch.full((4, 3), 2 * 1.0986122886681098)),
               {"generator": _gen(2)}, hint=_STD)
    m64, l64 = _stats(4, 3, 3, torch.float64)
    yield Case("float64 mu and logvar", (m64, l64), {"generator": _gen(3)},
               hint="Draw the noise in mu's dtype (dtype=mu.dtype), not in float32 and cast.")
    mb, lb = _stats(600, 5, 4)
    yield Case("600 rows (more than a 512-row chunk)", (mb, lb), {"generator": _gen(4)},
               hint="One noise draw of mu's full shape: every row gets its own eps.")
    mk, lk = randn(3, 4, 2, seed=5), randn(3, 4, 2, seed=6)
    yield Case("a (k=3, N=4, D=2) stack of distributions", (mk, lk), {"generator": _gen(5)},
               hint="Use mu.shape for the noise, whatever the number of dimensions.")


@st.composite
def _random_rep(draw):
    n, d, seed = draw(st.one_of(st.integers(1, 20), st.integers(513, 600))), draw(st.integers(1, 8)), draw(st.integers(0, 9999))
    mu, logvar = _stats(n, d, seed)
    return Case(f"random ({n}, {d}) mu and logvar, seed={seed}", (mu, logvar), {"generator": _gen(seed)})


def _rep_twice(generator):
    mu, logvar = _stats(6, 3, 11)
    return Case("mu, logvar of shape (6, 3)", (mu, logvar), {"generator": generator})


register(Exercise(
    id="13.reparameterize",
    title="reparameterize(mu, logvar, generator): z = mu + exp(logvar / 2) * eps, eps ~ N(0, I)",
    reference=reparameterize,
    tests=[against_reference(reparameterize, _rep_cases, grad=True),
           property_test(reparameterize, _random_rep(), max_examples=30),
           generator_test(reparameterize, _rep_twice),
           default_device_test(reparameterize, _rep_cases)],
    hint="One call of torch.randn of mu's shape, from the given generator; then shift and scale it.",
))


# --------------------------------------------------------------------------- 13.gaussian_kl
_SUM = "The KL of a diagonal Gaussian is a SUM over the latent dimensions; return one value per row, shape (N,)."


def _kl_cases():
    mu, logvar = _stats(3, 4, 1)
    yield Case("mu, logvar of shape (3, 4)", (mu, logvar), hint=_SUM)
    yield Case("q equal to the prior (mu = 0, logvar = 0): KL = 0", (torch.zeros(2, 5), torch.zeros(2, 5)),
               hint="KL(q || p) is zero when q = p: check the constant term (the -1 per dimension).")
    yield Case("logvar = -3 and +3: the variance, not the standard deviation",
               (torch.zeros(2, 2), torch.tensor([[-3.0, 3.0], [1.0, -1.0]])),
               hint="exp(logvar) is the variance sigma^2; the KL has sigma^2 - 1 - log sigma^2 per dimension.")
    m64, l64 = _stats(4, 3, 3, torch.float64)
    yield Case("float64 inputs", (m64, l64), hint="Compute in the inputs' dtype.")
    mb, lb = _stats(600, 6, 4)
    yield Case("600 rows (more than a 512-row chunk)", (mb, lb), hint=_SUM)
    mz, lz = _stats(4, 3, 5)
    mz[2], lz[2] = 0.0, 0.0
    yield Case("row 2 equal to the prior (all zeros)", (mz, lz), hint="Row 2's KL is exactly 0.")
    yield Case("one latent dimension", _stats(5, 1, 6), hint=_SUM)


@st.composite
def _random_kl(draw):
    n, d, seed = draw(st.one_of(st.integers(1, 20), st.integers(513, 600))), draw(st.integers(1, 10)), draw(st.integers(0, 9999))
    return Case(f"random ({n}, {d}) mu and logvar, seed={seed}", _stats(n, d, seed))


reference_exercise(
    "13.gaussian_kl",
    "gaussian_kl(mu, logvar): KL(N(mu, diag exp(logvar)) || N(0, I)) per row, in nats",
    gaussian_kl, _kl_cases, _random_kl(),
    hint="Write the KL of two univariate Gaussians, set the second to N(0, 1), and sum over dimensions.",
    grad=True,
)


# --------------------------------------------------------------------------- 13.negative_elbo
_BCE = ("Logits of +-100 overflow sigmoid-then-log: use F.binary_cross_entropy_with_logits (a log-sum-exp "
        "inside), with reduction='none'.")
_NATS = "Nats per example: SUM the -log p(x | z) over every pixel of a row (not the mean), then add the KL."


def _elbo_case(n: int, p: int, d: int, seed: int, dtype=torch.float32):
    g = _gen(seed)
    x = (torch.rand(n, p, generator=g, dtype=torch.float64) > 0.5).to(dtype)
    logits = (2 * torch.randn(n, p, generator=g, dtype=torch.float64)).to(dtype)
    mu, logvar = _stats(n, d, seed + 1, dtype)
    return x, logits, mu, logvar


def _elbo_cases():
    yield Case("4 examples of 6 pixels, a 2-d latent", _elbo_case(4, 6, 2, 1), hint=_NATS)
    x, logits, mu, logvar = _elbo_case(3, 64, 4, 2)
    yield Case("image-shaped x and logits (3, 1, 8, 8)", (x.view(3, 1, 8, 8), logits.view(3, 1, 8, 8), mu, logvar),
               hint="Sum over every dimension but the first (flatten(1)); the result has shape (N,).")
    x, logits, mu, logvar = _elbo_case(3, 5, 2, 3)
    yield Case("confident logits of +-100", (x, 100 * (2 * x - 1) * torch.tensor([1.0, -1, 1, -1, 1]), mu, logvar),
               hint=_BCE)
    yield Case("q equal to the prior (mu = 0, logvar = 0): only the reconstruction term is left",
               (x, logits, torch.zeros(3, 2), torch.zeros(3, 2)), hint=_NATS)
    yield Case("a far-off q (mu = 3): the KL term matters", (x, logits, torch.full((3, 2), 3.0), torch.full((3, 2), -2.0)),
               hint="-ELBO = reconstruction + KL: both terms, the KL with a plus sign.")
    yield Case("float64 inputs", _elbo_case(4, 7, 3, 4, torch.float64), hint="Compute in the inputs' dtype.")
    yield Case("600 examples (more than a 512-row chunk)", _elbo_case(600, 10, 3, 5), hint=_NATS)


@st.composite
def _random_elbo(draw):
    n, p, d = draw(st.one_of(st.integers(1, 20), st.integers(513, 600))), draw(st.integers(1, 20)), draw(st.integers(1, 6))
    seed = draw(st.integers(0, 9999))
    return Case(f"random N={n}, {p} pixels, D={d}, seed={seed}", _elbo_case(n, p, d, seed))


reference_exercise(
    "13.negative_elbo",
    "negative_elbo(x, logits, mu, logvar): Bernoulli -log p(x|z) + KL(q || p), nats per example",
    negative_elbo, _elbo_cases, _random_elbo(),
    hint="Two terms per example: the Bernoulli negative log-likelihood of x given the logits, and the KL.",
    grad=True,
)
