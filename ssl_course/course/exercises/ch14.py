"""Chapter 14: the GAN's discriminator and generator losses on logits: large logits (sigmoid-then-log
gives inf), float64, batches past a 512-row chunk, real and fake batches of different sizes, every
argument (saturating), degenerate all-zero logits, the meta device."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...generative.gan import gan_d_loss, gan_g_loss
from ..checks import Case, reference_exercise
from ._common import randn

_LOGITS = ("These are logits, not probabilities: log D = log sigmoid(l) = -softplus(-l) and "
           "log(1 - D) = -softplus(l) stay finite where sigmoid followed by log gives -inf.")
_DTYPE = "Compute in the inputs' dtype: float64 in, float64 arithmetic and result out."


# ----------------------------------------------------------------------------- 14.d_loss
def _d_cases():
    real, fake = randn(8, seed=1), randn(8, seed=2)
    yield Case("8 real and 8 fake logits", (real, fake),
               hint="D wants label 1 on real, label 0 on fake: the two batches' cross-entropies, added.")
    yield Case("a confident, correct D (real logits +3, fake -3): loss near 0",
               (real.abs() + 3, -fake.abs() - 3), hint="Real data wants log D(x) near 0; fakes want log(1 - D) near 0.")
    yield Case("5 real and 11 fake logits: each batch is averaged over its own size",
               (randn(5, seed=3), randn(11, seed=4)), hint="Mean over the real batch plus mean over the fake batch.")
    yield Case("logits of +-200 (a saturated D): sigmoid-then-log gives inf",
               (torch.tensor([200.0, -200.0, 50.0]), torch.tensor([-200.0, 200.0, 0.0])), hint=_LOGITS)
    yield Case("real and fake swapped: the loss is not symmetric", (fake * 2, real * 2),
               hint="Real logits are pushed up, fake logits down: swap them and the loss changes.")
    yield Case("all-zero logits (D undecided): 2 log 2", (torch.zeros(6), torch.zeros(4)),
               hint="D = 1/2 everywhere: each batch costs log 2.")
    yield Case("float64 logits", (randn(7, seed=5, dtype=torch.float64, scale=4),
                                  randn(9, seed=6, dtype=torch.float64, scale=4)), hint=_DTYPE)
    yield Case("600 real and 700 fake logits (more than a 512-row chunk)",
               (randn(600, seed=7, scale=3), randn(700, seed=8, scale=3)),
               hint="Average over every logit of each batch, not over a first chunk.")


@st.composite
def _logit_pairs(draw):
    n = draw(st.one_of(st.integers(1, 40), st.integers(513, 700)))
    m = draw(st.one_of(st.integers(1, 40), st.integers(513, 700)))
    seed, scale = draw(st.integers(0, 9999)), draw(st.sampled_from([0.1, 1.0, 5.0, 50.0]))
    return Case(f"random logits: {n} real, {m} fake, scale {scale}, seed={seed}",
                (randn(n, seed=seed, scale=scale), randn(m, seed=seed + 1, scale=scale)))


reference_exercise(
    "14.d_loss",
    "d_loss(real_logits, fake_logits): -mean log D(x) - mean log(1 - D(G(z))), computed on logits",
    gan_d_loss, _d_cases, _logit_pairs(), grad=True,
    hint="Write D = sigmoid(logit) into the two log terms and simplify each with softplus; "
         "then compare with the failing case by hand.",
)


# ----------------------------------------------------------------------------- 14.g_loss
def _g_cases():
    fake = randn(8, seed=11)
    yield Case("non-saturating (the default): 8 fake logits", (fake,),
               hint="Non-saturating: G maximises log D(G(z)), so it minimises -mean log D(G(z)).")
    yield Case("saturating=True: the minimax loss mean log(1 - D(G(z)))", (fake,), {"saturating": True},
               hint="Minimax: G minimises the very term D maximises, mean log(1 - D(G(z))). Mind the sign.")
    yield Case("fakes D rejects confidently (logits -8): non-saturating", (fake.abs() * -1 - 8,),
               hint="-log D(G(z)) is large where D rejects the fakes.")
    yield Case("fakes D rejects confidently (logits -8): saturating", (fake.abs() * -1 - 8,),
               {"saturating": True}, hint="log(1 - D) is near 0 (and flat) where D rejects the fakes.")
    yield Case("logits of +-300: sigmoid-then-log gives inf", (torch.tensor([-300.0, 300.0, 0.0, -40.0]),),
               hint=_LOGITS)
    yield Case("logits of +-300, saturating", (torch.tensor([-300.0, 300.0, 0.0, -40.0]),),
               {"saturating": True}, hint=_LOGITS)
    yield Case("all-zero logits: log 2 (non-saturating)", (torch.zeros(5),), hint="D = 1/2: -log(1/2).")
    yield Case("float64 logits, saturating", (randn(9, seed=12, dtype=torch.float64, scale=5),),
               {"saturating": True}, hint=_DTYPE)
    yield Case("800 fake logits (more than a 512-row chunk)", (randn(800, seed=13, scale=4),),
               hint="Average over every logit, not over a first chunk.")


@st.composite
def _fake_logits(draw):
    m = draw(st.one_of(st.integers(1, 40), st.integers(513, 700)))
    seed, scale = draw(st.integers(0, 9999)), draw(st.sampled_from([0.1, 1.0, 5.0, 50.0]))
    saturating = draw(st.booleans())
    return Case(f"random logits: {m} fake, scale {scale}, saturating={saturating}, seed={seed}",
                (randn(m, seed=seed, scale=scale),), {"saturating": saturating})


reference_exercise(
    "14.g_loss",
    "g_loss(fake_logits, saturating=False): -mean log D(G(z)), or the minimax mean log(1 - D(G(z)))",
    gan_g_loss, _g_cases, _fake_logits(), grad=True,
    hint="Write both generator objectives with D = sigmoid(logit), decide the sign from what G wants, "
         "then simplify with softplus.",
)
