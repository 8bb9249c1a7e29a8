# %% [markdown]
# # 13 · Variational autoencoders
#
# > **问题：** 什么是变分自编码器（VAE）？它与普通的自编码器有什么不同，又是怎样用来生成图像的？
# >
# > **Question:** What is a variational autoencoder (VAE)? How does it differ from a plain
# > autoencoder, and how is it used to generate images?
#
# > **Questions around it (seed interview 001, question 5; seed 002):** what is an autoencoder
# > and how is it used for pre-training? Where do autoencoders, VAEs and GANs sit among the
# > unsupervised and self-supervised methods?
#
# **Model answer.** A VAE (Kingma & Welling 2014) is a latent-variable generative model
# $p_\theta(x) = \int p_\theta(x\mid z)\,p(z)\,dz$ with a simple prior $p(z) = \mathcal N(0, I)$
# and a neural decoder $p_\theta(x\mid z)$. The integral is intractable, so an **encoder**
# outputs an approximate posterior $q_\phi(z\mid x) = \mathcal N(\mu_\phi(x),
# \mathrm{diag}\,\sigma^2_\phi(x))$: a **mean and a variance**, not a single code. Both networks
# are trained together by maximising the **evidence lower bound** (ELBO)
# $\log p_\theta(x) \ge \mathbb E_{q}[\log p_\theta(x\mid z)] - \mathrm{KL}(q_\phi(z\mid x)\,\|\,p(z))$:
# a reconstruction term estimated with a **sampled** $z = \mu + \sigma\odot\varepsilon$ (the
# reparameterisation trick, so gradients reach $\mu$ and $\sigma$) and a KL term, in closed form
# for Gaussians, that pulls every $q$ towards the prior. To **generate**, draw $z\sim\mathcal N(0,I)$
# and decode; the KL term is what makes the decoder meaningful there. A plain autoencoder has
# none of the three (no variance, no sampling, no KL): it reconstructs well, but its codes land
# wherever training puts them, so decoding a prior sample is not a model of the data. It is
# scored in **nats per example** ($-\text{ELBO}$, an upper bound on $-\log p(x)$), and the
# importance-weighted bound (IWAE, Burda et al. 2016) gives a tighter estimate.

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch.distributions import Independent, Normal, kl_divergence

from ssl_course import bar, check, device, quick_mode, quiz, scaled, seed_everything, use_reference_if_unsolved
from ssl_course.data.digits import digits
from ssl_course.generative.vae import VAE, bernoulli_nll, iwae_bound, train_vae

seed_everything(0)
torch.set_num_threads(1)  # small MLPs on 64 pixels: one thread is faster than two handing work to each other
print("device:", device())

# %% [markdown]
# ## Theory
#
# **The bound.** For any distribution $q(z\mid x)$, Jensen's inequality on
# $\log p(x) = \log \mathbb E_{q}\big[p(x\mid z)\,p(z)/q(z\mid x)\big]$ gives
#
# $$\log p(x) \;\ge\; \underbrace{\mathbb E_{q(z\mid x)}[\log p(x\mid z)]}_{\text{reconstruction}}
#   \;-\; \underbrace{\mathrm{KL}\big(q(z\mid x)\,\|\,p(z)\big)}_{\text{regulariser}} \;=\; \text{ELBO}(x),$$
#
# and the gap is exactly $\mathrm{KL}(q(z\mid x)\,\|\,p(z\mid x))$: the bound is tight when the
# encoder equals the true posterior. We minimise $-\text{ELBO}$, averaged over the data.
#
# **The KL in closed form.** For $q = \mathcal N(\mu, \mathrm{diag}\,\sigma^2)$ and $p = \mathcal N(0, I)$,
# with the encoder predicting $\log\sigma^2$ (any real number, so no positivity constraint):
#
# $$\mathrm{KL}(q\,\|\,p) = \tfrac12 \sum_{j=1}^{D}\big(\mu_j^2 + \sigma_j^2 - 1 - \log\sigma_j^2\big),$$
#
# a **sum** over the $D$ latent dimensions (the dimensions are independent), zero exactly when
# $\mu = 0, \sigma = 1$. Exercise 13.gaussian_kl writes it; the headline checks it against
# `torch.distributions.kl_divergence`.
#
# **The reparameterisation trick.** $\nabla_\phi\,\mathbb E_{q_\phi}[f(z)]$ cannot be pushed
# through a sampling step. Writing $z = \mu + \sigma\odot\varepsilon$ with $\varepsilon \sim \mathcal N(0, I)$
# moves the randomness into an input that does not depend on $\phi$:
# $\nabla_\phi\,\mathbb E_\varepsilon[f(\mu_\phi + \sigma_\phi\odot\varepsilon)]$, estimated with one
# $\varepsilon$ per example. Note $\sigma = \exp(\tfrac12\log\sigma^2)$.
#
# **The likelihood, and why Bernoulli here.** We binarise the 8x8 `digits` (a pixel is 1 when
# its grey level is above 0.5) and use independent Bernoulli pixels: the decoder outputs 64
# logits $\ell$ and $-\log p(x\mid z) = \sum_i \mathrm{BCE}(\ell_i, x_i)$, computed from the
# logits with a log-sum-exp. On binary data this is a proper discrete distribution, so
# $-\text{ELBO}$ in nats is an upper bound on $-\log p(x)$ that can be compared between models
# (and with a baseline). Two alternatives and why not here: a Bernoulli on **grey levels** in
# $[0, 1]$ is not a normalised density for continuous $x$ (the *continuous Bernoulli*,
# Loaiza-Ganem & Cunningham 2019, adds the missing normaliser); a **Gaussian** $p(x\mid z)$
# needs a variance, and with a fixed one the "MSE loss" hides an arbitrary weight between
# reconstruction and KL, and its nats depend on that choice.
#
# **Nats per example.** The loss is a **sum** over pixels and latent dimensions for one
# example (the mean over the batch comes after). Averaging over pixels instead (the default of
# `F.binary_cross_entropy`) divides the reconstruction by 64 and not the KL: it silently trains
# a $\beta$-VAE with $\beta = 64$.
#
# **The importance-weighted bound.** With $k$ samples $z_i \sim q(z\mid x)$,
#
# $$\mathcal L_k(x) = \mathbb E\Big[\log \frac1k \sum_{i=1}^{k} \frac{p(x\mid z_i)\,p(z_i)}{q(z_i\mid x)}\Big],
#   \qquad \mathcal L_1 = \text{ELBO} \le \mathcal L_k \le \mathcal L_{k+1} \le \log p(x),$$
#
# (Burda et al. 2016). The log-weights are of size $-20$ nats and more, so the mean of the
# $k$ ratios is computed as `logsumexp(log_w) - log k`, never `exp` then `log`.

# %% [markdown]
# ## The common wrong answer
#
# The seed's answer defines a class called `VAE` whose encoder maps $x$ straight to a code
# $z$, whose decoder ends in a sigmoid, and whose loss is `nn.BCELoss()` between the
# reconstruction and the input. That is a **plain autoencoder**: no mean and variance, no
# sampling, no KL term, and a loss averaged over pixels. We re-implement it (the same MLP as
# our VAE, using only the $\mu$ half of the encoder's output as the code) and train it with the
# **identical recipe** (data, network, Adam, learning rate, epochs, batch size, seeds). Then we
# ask both models the question a generative model must answer: how likely are the **test**
# digits when $z \sim \mathcal N(0, I)$ is decoded? With $K$ prior samples,
# $\log p(x) \approx \log \frac1K \sum_k p(x\mid z_k)$ (a lower bound on average, as the IWAE with
# $q = p(z)$), which needs no encoder and so treats both models the same way.

# %%
x_train, _, x_test, _ = digits()
xb, xb_test = (x_train > 0.5).float().flatten(1), (x_test > 0.5).float().flatten(1)  # (N, 64) binary pixels
SEEDS = (0, 1, 2)
EPOCHS = scaled(100, 3)
LATENT = 8


def vae_loss(model, xb_, generator):
    """The mean negative ELBO of the batch (nats per example)."""
    return model.loss(xb_, generator)


def seed_autoencoder_loss(model, xb_, generator):
    """The seed's 'VAE': code = encoder(x), sigmoid decoder, BCELoss averaged over pixels. No sampling, no KL."""
    code, _ = model.encode(xb_)
    return F.binary_cross_entropy(torch.sigmoid(model.decode(code)), xb_)


def train(loss_fn, seed):
    """The one recipe for both models: the same MLP, Adam, lr 2e-3, batch 128, EPOCHS epochs."""
    seed_everything(seed)
    model = VAE(64, 128, LATENT)
    train_vae(model, xb, loss_fn, epochs=EPOCHS, seed=seed)
    return model.eval()


@torch.no_grad()
def prior_log_likelihood(model, x, k=1000, seed=0):
    """log (1/K) sum_k p(x | z_k), z_k ~ N(0, I): the decoder as a generative model. x: (N, 64) -> (N,)."""
    z = torch.randn(k, model.latent, generator=torch.Generator().manual_seed(seed))
    logits = model.decode(z)  # (K, 64)
    log_px_z = -F.binary_cross_entropy_with_logits(logits[None].expand(len(x), -1, -1),
                                                   x[:, None].expand(-1, k, -1), reduction="none").sum(-1)  # (N, K)
    return torch.logsumexp(log_px_z, dim=1) - math.log(k)


@torch.no_grad()
def reconstruction_nll(model, x):
    """-log p(x | z = mu(x)) in nats per example, the code taken without sampling: (N, 64) -> (N,)."""
    mu, _ = model.encode(x)
    return bernoulli_nll(x, model.decode(mu))


vaes = [train(vae_loss, s) for s in SEEDS]
autoencoders = [train(seed_autoencoder_loss, s) for s in SEEDS]

p_pixel = xb.mean(0).clamp(1e-3, 1 - 1e-3)  # the best model that ignores every dependence between pixels
independent_nll = -(xb_test * p_pixel.log() + (1 - xb_test) * (1 - p_pixel).log()).sum(1).mean().item()


def summary(models):
    """(S, 2): per seed, the test reconstruction NLL and the prior-sampling NLL, nats per example."""
    return torch.tensor([[reconstruction_nll(m, xb_test).mean().item(),
                          -prior_log_likelihood(m, xb_test).mean().item()] for m in models])


vae_s, ae_s = summary(vaes), summary(autoencoders)
print(f"independent pixels (no model of dependence): {independent_nll:.2f} nats per test digit")
print(f"{'model':<24}{'reconstruction NLL':>22}{'-log p(x), z ~ N(0, I)':>26}")
for name, s in (("VAE", vae_s), ("seed's 'VAE' (plain AE)", ae_s)):
    print(f"{name:<24}{s[:, 0].mean():>14.2f} ± {s[:, 0].std():.2f}{s[:, 1].mean():>18.2f} ± {s[:, 1].std():.2f}")
if not quick_mode():
    assert ae_s[:, 0].max() < vae_s[:, 0].min()  # the autoencoder reconstructs better ...
    assert ae_s[:, 1].min() > vae_s[:, 1].max() + 3  # ... but as a generator it is worse on every seed, by nats
    assert ae_s[:, 1].mean() + 2 * ae_s[:, 1].std() > independent_nll  # and no better than independent pixels
    assert vae_s[:, 1].max() < independent_nll - 3  # the VAE beats that baseline by several nats

# %% [markdown]
# The plain autoencoder **reconstructs better** than the VAE (it spends all its capacity on
# reconstruction, and its code is not blurred by noise), yet decoded from the prior it assigns
# the test digits several nats per digit less log-likelihood than the VAE on every seed, and is
# no better than the trivial model of independent pixels (its mean is at or below that
# baseline's within two standard deviations over seeds; the spread is large). Its codes
# sit far from $\mathcal N(0, I)$ (printed below): a prior sample lands in a region the decoder
# never saw. The VAE's KL term keeps $q(z\mid x)$ close to the prior, so the same procedure
# gives it several nats per digit more than the baseline.

# %%
with torch.no_grad():
    ae_codes, _ = autoencoders[0].encode(xb_test)
    vae_mu, _ = vaes[0].encode(xb_test)
print(f"mean code length (sqrt({LATENT}) = {math.sqrt(LATENT):.2f} for N(0, I)): "
      f"autoencoder {ae_codes.norm(dim=1).mean():.1f}, VAE means {vae_mu.norm(dim=1).mean():.2f}")

# %% [markdown]
# ## Exercise 13.reparameterize
#
# Write $z = \mu + \exp(\tfrac12\log\sigma^2)\odot\varepsilon$ with $\varepsilon\sim\mathcal N(0, I)$ drawn
# from `generator` (one `torch.randn` of `mu`'s shape, dtype and device). Inputs `mu`, `logvar` of
# shape `(..., D)`; output of the same shape. Repeated calls with one generator must give new
# noise; `generator=None` uses torch's global generator.

# %%
def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """z = mu + exp(logvar / 2) * eps, eps ~ N(0, I) from `generator`: (..., D), (..., D) -> (..., D)."""
    ### BEGIN SOLUTION
    eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
    return mu + torch.exp(0.5 * logvar) * eps
    ### END SOLUTION


check("13.reparameterize", reparameterize)

# %%
reparameterize = use_reference_if_unsolved("13.reparameterize", reparameterize)

# %% [markdown]
# ## Exercise 13.gaussian_kl
#
# Return $\mathrm{KL}(\mathcal N(\mu, \mathrm{diag}\,e^{\log\sigma^2})\,\|\,\mathcal N(0, I))$ in nats for each row:
# `mu`, `logvar` of shape `(N, D)` in, shape `(N,)` out. It is zero for a row with $\mu = 0$,
# $\log\sigma^2 = 0$; keep the inputs' dtype.

# %%
def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL( N(mu, diag exp(logvar)) || N(0, I) ) per row, in nats: (N, D), (N, D) -> (N,)."""
    ### BEGIN SOLUTION
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1)
    ### END SOLUTION


check("13.gaussian_kl", gaussian_kl)

# %%
gaussian_kl = use_reference_if_unsolved("13.gaussian_kl", gaussian_kl)

# %% [markdown]
# ## Exercise 13.negative_elbo
#
# Return $-\text{ELBO}$ for each example with a Bernoulli likelihood: the binary cross-entropy of
# `logits` against `x` **summed** over every pixel (all dimensions after the first), plus
# `gaussian_kl(mu, logvar)`. `x`, `logits`: `(N, ...)` of the same shape; `mu`, `logvar`:
# `(N, D)`; output `(N,)`. Confident logits ($\pm 100$) must not give `inf`.

# %%
def negative_elbo(x: torch.Tensor, logits: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """-log p(x | z) (Bernoulli, from logits) + KL(q || N(0, I)), nats per example: (N, ...) x2, (N, D) x2 -> (N,)."""
    ### BEGIN SOLUTION
    nll = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(dim=1)
    return nll + gaussian_kl(mu, logvar)
    ### END SOLUTION


check("13.negative_elbo", negative_elbo)

# %%
negative_elbo = use_reference_if_unsolved("13.negative_elbo", negative_elbo)

# %% [markdown]
# ## The headline experiment
#
# The VAEs above (three seeds, 8 latent dimensions, an MLP with two hidden layers of 128,
# 100 epochs of Adam on the 1,257 binarised training digits), evaluated on the 540 test digits:
#
# 1. **The KL term equals `torch.distributions`'** `kl_divergence` of the two Normals, on the
#    encoder's real outputs (float64).
# 2. **Test $-\text{ELBO}$ in nats per digit**, with your `negative_elbo` (10 draws of $z$ per
#    digit), against the independent-pixels baseline: a VAE must beat it clearly.
# 3. **The IWAE bound with $k = 100$** (log-sum-exp of the importance weights) is tighter than
#    the ELBO for every seed, by more than the spread over seeds.

# %%
mu64, logvar64 = (t.double() for t in vaes[0].encode(xb_test))
q = Independent(Normal(mu64, (0.5 * logvar64).exp()), 1)
prior = Independent(Normal(torch.zeros_like(mu64), torch.ones_like(mu64)), 1)
kl_gap = (gaussian_kl(mu64, logvar64) - kl_divergence(q, prior)).abs().max().item()
print(f"max |gaussian_kl - torch.distributions.kl_divergence| over the test digits: {kl_gap:.1e} nats")
bar("13.kl_matches_torch_distributions", kl_gap, "<", 1e-9)


@torch.no_grad()
def test_negative_elbo(model, draws=10, seed=0):
    """Mean over the test digits of -ELBO (nats), each averaged over `draws` samples of z."""
    g = torch.Generator().manual_seed(seed)
    mu, logvar = model.encode(xb_test)
    per_draw = [negative_elbo(xb_test, model.decode(reparameterize(mu, logvar, g)), mu, logvar) for _ in range(draws)]
    return torch.stack(per_draw).mean().item()


neg_elbos = torch.tensor([test_negative_elbo(m) for m in vaes])
neg_iwae = torch.tensor([-iwae_bound(m, xb_test, 100, torch.Generator().manual_seed(1)).mean().item() for m in vaes])
print(f"independent pixels:   {independent_nll:.2f} nats per test digit")
print(f"VAE -ELBO:            {neg_elbos.mean():.2f} ± {neg_elbos.std():.2f}   (seeds: {neg_elbos.numpy().round(2)})")
print(f"VAE -IWAE (k = 100):  {neg_iwae.mean():.2f} ± {neg_iwae.std():.2f}   (seeds: {neg_iwae.numpy().round(2)})")
gain = neg_elbos - neg_iwae  # per seed: how many nats the IWAE bound is tighter
print(f"IWAE tighter by {gain.mean():.2f} ± {gain.std():.2f} nats")
bar("13.test_neg_elbo_below_independent_pixels_by", independent_nll - neg_elbos.max().item(), ">=", 3.0)
bar("13.iwae_tighter_than_elbo_beyond_spread", (gain.mean() - 2 * gain.std()).item(), ">", 0.0)

# %% [markdown]
# **Samples and latent traversals.** Decoding $z\sim\mathcal N(0, I)$ (top: the Bernoulli
# means $\sigma(\ell)$) gives digit-like images; below, one test digit's $\mu$ is moved along
# each of its first four latent dimensions from $-2.5$ to $2.5$ with the others kept.

# %%
with torch.no_grad():
    samples = torch.sigmoid(vaes[0].decode(torch.randn(16, LATENT, generator=torch.Generator().manual_seed(3))))
    steps = torch.linspace(-2.5, 2.5, 8)
    base = vae_mu[0]
    rows = []
    for j in range(4):
        z = base.repeat(len(steps), 1)
        z[:, j] = steps
        rows.append(torch.sigmoid(vaes[0].decode(z)))
fig, axes = plt.subplots(5, 16, figsize=(12, 4))
for ax in axes.flat:
    ax.axis("off")
for i in range(16):
    axes[0, i].imshow(samples[i].view(8, 8), cmap="gray_r", vmin=0, vmax=1)
for j, row in enumerate(rows):
    for i in range(len(steps)):
        axes[j + 1, i].imshow(row[i].view(8, 8), cmap="gray_r", vmin=0, vmax=1)
    axes[j + 1, 0].set_title(f"z[{j}]", fontsize=7, loc="left")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Reading the results honestly
#
# **1. The nats are for binarised 8x8 digits.** Thresholding at 0.5 throws the grey levels
# away; the numbers cannot be compared with MNIST results (784 pixels, another binarisation)
# nor with a model of the grey levels. The baseline that ignores every dependence between
# pixels is printed next to them to give them a scale.
#
# **2. The IWAE gain is small and its bound is still a bound.** With 8 latent dimensions and a
# good encoder, $q$ is already close to the posterior, so $k = 100$ tightens the bound by well
# under a nat (printed above). Both numbers are upper bounds on $-\log p(x)$ (in expectation);
# neither is the likelihood. The estimates are noisy too: a different seed of the $z$ draws
# moves them by a few hundredths of a nat.
#
# **3. Reconstruction is not the goal.** The plain autoencoder wins on reconstruction and
# loses as a generator; a VAE with a smaller KL weight would reconstruct better and sample
# worse. This chapter measures likelihood and shows samples; it does not measure sample
# quality by a score (chapter 14 does, for GANs), nor the VAE's features for a downstream task.
#
# **4. The traversals are one seed's and unlabelled.** Nothing in the ELBO makes a latent
# dimension mean "slant" or "thickness"; what each dimension does changes with the seed. Nor
# are all 8 dimensions used: the KL pushes a dimension the decoder does not need to the prior,
# and its traversal row then barely changes. The average KL per dimension (in nats) says which
# ones carry information (the "active units" of Burda et al.):

# %%
with torch.no_grad():
    mu0, logvar0 = vaes[0].encode(xb_test)
    kl_per_dim = 0.5 * (mu0.pow(2) + logvar0.exp() - 1 - logvar0).mean(0)  # (LATENT,)
print("mean KL per latent dimension (nats):", kl_per_dim.numpy().round(2))
print("dimensions with more than 0.1 nats:", int((kl_per_dim > 0.1).sum()), "of", LATENT)
if not quick_mode():
    assert 0 < int((kl_per_dim > 0.1).sum()) < LATENT  # some dimensions carry information, not all

# %% [markdown]
# ## Interview drill

# %%
quiz("13.q1")

# %%
quiz("13.q2")

# %%
quiz("13.q3")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>Your VAE's KL term goes to zero for every input and the samples all look
# alike. What happened, and what do you try?</summary>
#
# Posterior collapse: the decoder models $x$ without using $z$ (common with a powerful
# autoregressive decoder), so the cheapest ELBO sets $q(z\mid x) = p(z)$. Remedies: anneal
# the KL weight from 0 to 1 (warm-up), "free bits" (no KL penalty below a floor per
# dimension), a weaker decoder, or check first that the loss sums over pixels (a pixel mean
# makes the KL 64 times too strong here).
# </details>
#
# <details><summary>Why is the VAE's encoder said to be "amortised", and what does it cost?</summary>
#
# One network predicts $q(z\mid x)$ for every $x$ instead of optimising a separate $(\mu, \sigma)$
# per example. It is fast at test time but adds an "amortisation gap": the encoder's $q$ can be
# worse than the best Gaussian for that $x$. The IWAE bound (and its gap to the ELBO, measured
# above) is one way to see how far $q$ is from the posterior.
# </details>
#
# <details><summary>Is a VAE self-supervised?</summary>
#
# It needs no labels and its target is the input itself, so it is often listed with the
# self-supervised methods; it is a density model first. Its encoder's $\mu$ can be used as
# features, but reconstruction-based features usually probe worse than contrastive ones
# (chapter 18 compares denoising autoencoders).
# </details>

# %% [markdown]
# ## Summary
#
# - A VAE is a latent-variable model trained by the ELBO: a reconstruction term with a
#   reparameterised sample $z = \mu + \sigma\odot\varepsilon$ plus the closed-form KL to $\mathcal N(0, I)$,
#   summed over dimensions and pixels, in nats per example.
# - A plain autoencoder is not a VAE: measured here, it reconstructs better but, decoded from
#   the prior, explains the test digits several nats worse than the VAE, and no better than
#   independent pixels.
# - The IWAE bound with $k = 100$ (a log-sum-exp of importance weights) is tighter than the
#   ELBO on every seed; the KL term matches `torch.distributions`.
#
# ## References
#
# - D. P. Kingma, M. Welling. *Auto-Encoding Variational Bayes*. ICLR 2014.
# - D. J. Rezende, S. Mohamed, D. Wierstra. *Stochastic Backpropagation and Approximate
#   Inference in Deep Generative Models*. ICML 2014.
# - Y. Burda, R. Grosse, R. Salakhutdinov. *Importance Weighted Autoencoders*. ICLR 2016.
# - G. Loaiza-Ganem, J. P. Cunningham. *The continuous Bernoulli: fixing a pervasive error in
#   variational autoencoders*. NeurIPS 2019.
# - I. Higgins et al. *beta-VAE: Learning Basic Visual Concepts with a Constrained Variational
#   Framework*. ICLR 2017.
