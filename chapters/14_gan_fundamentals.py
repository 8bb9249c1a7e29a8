# %% [markdown]
# # 14 · GAN fundamentals
#
# > **问题：** 自监督学习中的生成对抗网络（GAN）是什么？它如何用于图像生成？判别器和生成器的损失函数分别是什么？
# >
# > **Question:** What is a generative adversarial network (GAN) in self-supervised learning, and how is it
# > used to generate data? What are the discriminator's and the generator's losses?
#
# **Model answer.** A GAN trains two networks against each other with no labels: a discriminator
# $D$ learns to tell real samples from generated ones (a binary classifier, real = 1, fake = 0), and a
# generator $G$ maps noise $z$ to samples and learns to make $D$ call them real. $D$ minimises the
# binary cross-entropy $-\mathbb{E}\log D(x) - \mathbb{E}\log(1-D(G(z)))$. $G$ in the original minimax
# game minimises $\mathbb{E}\log(1-D(G(z)))$, but that gradient vanishes early, when $D$ rejects every
# fake; in practice $G$ minimises the **non-saturating** loss $-\mathbb{E}\log D(G(z))$. Two
# implementation rules: compute both losses on $D$'s **logits** (softplus / `BCEWithLogits`, never
# sigmoid then log), and **detach** the fake batch in $D$'s step. The classic failure is **mode
# collapse**: $G$ covers only some modes of the data; a ring of 8 Gaussians makes it visible.

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from ssl_course import bar, check, quick_mode, quiz, scaled, seed_everything, use_reference_if_unsolved
from ssl_course.data.rings import ring_centres, sample_ring
from ssl_course.generative.gan import mlp, mode_coverage, train_ring_gan

seed_everything(0)
torch.set_num_threads(1)  # small MLPs: one thread is as fast and keeps runs reproducible

# %% [markdown]
# ## Theory
#
# With $D(x) = \sigma(\ell(x))$ for a logit $\ell$, the discriminator minimises
#
# $$\mathcal{L}_D = -\mathbb{E}_{x\sim p}\log\sigma(\ell(x)) - \mathbb{E}_{z}\log\bigl(1-\sigma(\ell(G(z)))\bigr)
#   = \mathbb{E}\,\mathrm{softplus}(-\ell(x)) + \mathbb{E}\,\mathrm{softplus}(\ell(G(z))),$$
#
# using $\log\sigma(\ell) = -\mathrm{softplus}(-\ell)$ and $\log(1-\sigma(\ell)) = -\mathrm{softplus}(\ell)$,
# which stay finite for any $\ell$ (in float32, $\sigma(-200)$ is exactly 0 and its log is $-\infty$).
# For a fixed $G$ the best discriminator is $D^*(x) = p(x)/(p(x)+p_G(x))$, and then the minimax value is
# $2\,\mathrm{JS}(p\,\|\,p_G) - \log 4$ (Goodfellow et al. 2014): $G$ minimises a Jensen-Shannon divergence.
#
# The generator has two choices with the same fixed point $p_G = p$:
#
# - **minimax (saturating):** $\mathcal{L}_G = \mathbb{E}\log(1-\sigma(\ell)) = -\mathbb{E}\,\mathrm{softplus}(\ell)$,
#   with $\partial\mathcal{L}_G/\partial\ell = -\sigma(\ell) \to 0$ as $\ell\to-\infty$;
# - **non-saturating:** $\mathcal{L}_G = -\mathbb{E}\log\sigma(\ell) = \mathbb{E}\,\mathrm{softplus}(-\ell)$,
#   with $\partial\mathcal{L}_G/\partial\ell = \sigma(\ell) - 1 \to -1$.
#
# Early in training the fakes are poor, $D$ rejects them ($\ell \ll 0$), and the minimax gradient is
# nearly zero exactly when $G$ needs it most.
#
# ## The common wrong answers, running
#
# The seed's loop (paraphrased) computes probabilities with a final `Sigmoid`, takes `log` of them,
# and in the discriminator step feeds `G(z)` without `.detach()`. Three slips are common:
#
# 1. **sigmoid, then log**: a confident $D$ gives `inf`/`nan`;
# 2. **the generator loss with the wrong sign** ($G$ then helps $D$);
# 3. **the fake batch not detached** in $D$'s step: $D$'s loss backpropagates into $G$; if $G$'s
#    gradients are zeroed once per iteration (a common layout), $G$'s update then adds $D$'s gradient,
#    which pushes the fakes to look *fake*. (With the saturating loss the two cancel exactly:
#    $\partial/\partial\ell$ of $\mathrm{softplus}(\ell) - \mathrm{softplus}(\ell) = 0$.)
#
# First slip 1, on the logits a confident discriminator produces:

# %%
logits = torch.tensor([-200.0, -20.0, 0.0, 20.0, 200.0])
naive = -(1 - torch.sigmoid(logits)).log()  # -log(1 - D), what the seed computes for fakes
stable = F.softplus(logits)
print("logit            ", logits.tolist())
print("sigmoid then log ", naive.tolist())
print("softplus         ", stable.tolist())
assert torch.isinf(naive).any() and torch.isfinite(stable).all()

# %% [markdown]
# ## Exercise 14.d_loss
#
# Write the discriminator's loss from its logits on a real batch `(N,)` and a fake batch `(M,)`
# (N and M may differ): the mean over the real batch of $-\log D(x)$ plus the mean over the fake
# batch of $-\log(1 - D(G(z)))$, a scalar in the logits' dtype. It must stay finite for logits of ±200.

# %%
def d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """real_logits: (N,), fake_logits: (M,) -> scalar: -mean log D(x) - mean log(1 - D(G(z)))."""
    ### BEGIN SOLUTION
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
    ### END SOLUTION


check("14.d_loss", d_loss)

# %%
d_loss = use_reference_if_unsolved("14.d_loss", d_loss)

# %% [markdown]
# ## Exercise 14.g_loss
#
# Write the generator's loss from $D$'s logits on a fake batch `(M,)`: with `saturating=False`
# (the default) the non-saturating $-\text{mean}\log D(G(z))$; with `saturating=True` the minimax
# $\text{mean}\log(1 - D(G(z)))$ (the very term $D$ maximises, now minimised by $G$). A scalar in the
# logits' dtype, finite for logits of ±300.

# %%
def g_loss(fake_logits: torch.Tensor, saturating: bool = False) -> torch.Tensor:
    """fake_logits: (M,) -> scalar generator loss (non-saturating, or minimax if saturating)."""
    ### BEGIN SOLUTION
    if saturating:
        return -F.softplus(fake_logits).mean()
    return F.softplus(-fake_logits).mean()
    ### END SOLUTION


check("14.g_loss", g_loss)

# %%
g_loss = use_reference_if_unsolved("14.g_loss", g_loss)

# %% [markdown]
# ## Saturating vs non-saturating: the gradient at the start of training
#
# A fresh generator, frozen, and a discriminator trained against it for a few hundred steps, as happens
# early in a real run. Then both generator losses are differentiated with respect to $G$'s parameters.
# The plot shows $|\partial\mathcal{L}_G/\partial\ell|$ for each fake against its logit (seed 0); the
# bar asks the non-saturating gradient norm to be at least 10× the saturating one on every one of
# 3 seeds once $D$ is confident.
#
# The data: 8 Gaussians of standard deviation σ = 0.02 on a circle of radius 2, as in Metz et al. (2017).

# %%
STD, SEEDS, HIDDEN, Z_DIM = 0.02, (0, 1, 2), 128, 8
centres = ring_centres(8, 2.0)


def real_ring(n: int, generator: torch.Generator) -> torch.Tensor:
    """n points (n, 2) of the ring, σ = STD."""
    return sample_ring(n, std=STD, generator=generator)


def confident_discriminator(seed: int, steps: int):
    """(G, D, z): a fresh G (Z_DIM -> 2), a D trained for `steps` steps on the ring vs G's fixed fakes."""
    torch.manual_seed(seed)
    gen, disc = mlp(Z_DIM, 2, HIDDEN), mlp(2, 1, HIDDEN)
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(disc.parameters(), lr=1e-3, betas=(0.5, 0.999))
    z = torch.randn(256, Z_DIM, generator=g)
    with torch.no_grad():
        fakes = gen(z)
    for _ in range(steps):
        opt.zero_grad()
        d_loss(disc(real_ring(256, g)).squeeze(-1), disc(fakes).squeeze(-1)).backward()
        opt.step()
    return gen, disc, z


def generator_grad_norm(gen, disc, z, saturating: bool) -> float:
    """The norm of d g_loss / d (G's parameters), all parameters together."""
    gen.zero_grad()
    g_loss(disc(gen(z)).squeeze(-1), saturating=saturating).backward()
    return float(torch.sqrt(sum((p.grad ** 2).sum() for p in gen.parameters())))


ratios = []
for seed in SEEDS:
    gen0, disc0, z0 = confident_discriminator(seed, scaled(200, 100))
    with torch.no_grad():
        logits0 = disc0(gen0(z0)).squeeze(-1)
    norm_ns, norm_sat = generator_grad_norm(gen0, disc0, z0, False), generator_grad_norm(gen0, disc0, z0, True)
    ratios.append(norm_ns / norm_sat)
    print(f"seed {seed}: D's mean logit on fakes {logits0.mean():6.2f} (mean D(G(z)) = "
          f"{torch.sigmoid(logits0).mean():.1e})   |grad G| non-saturating {norm_ns:.2e}, "
          f"saturating {norm_sat:.2e}, ratio {ratios[-1]:.0f}")
    if seed == SEEDS[0]:
        fake_logits = logits0
ratio_t = torch.tensor(ratios)
print(f"ratio over {len(SEEDS)} seeds: {ratio_t.mean():.0f} ± {ratio_t.std():.0f}, smallest {ratio_t.min():.0f}")

ell = torch.linspace(-12, 4, 200)
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.semilogy(ell, 1 - torch.sigmoid(ell), label="non-saturating  |σ(ℓ) - 1|")
ax.semilogy(ell, torch.sigmoid(ell), label="minimax (saturating)  |−σ(ℓ)|")
ax.scatter(fake_logits, 1 - torch.sigmoid(fake_logits), s=4, color="C0")
ax.scatter(fake_logits, torch.sigmoid(fake_logits), s=4, color="C1")
ax.set(xlabel="D's logit ℓ on a fake", ylabel="|dL_G / dℓ| per sample", title="the fakes of a fresh G (dots, seed 0)")
ax.legend(fontsize=8)
plt.show()
bar("14.grad_ratio", float(ratio_t.min()), ">=", 10)

# %% [markdown]
# ## The headline experiment: a ring of 8 Gaussians
#
# Metz et al. (2017)'s test of mode collapse on the ring above. A sample is **high quality** when it
# lies within 3σ = 0.06 of a mode centre (98.9% of real samples do); a mode is **covered** when at
# least one high-quality sample sits at it. Each run is scored on 2,500 samples of $G$.
# The bars: at least 7 of 8 modes and at least 80% high-quality samples **on the worst of 3 seeds**.
#
# The recipe: $G$ and $D$ are ReLU MLPs with two hidden layers of 128 units, $z \in \mathbb{R}^8$,
# Adam (lr 2·10⁻³, β = (0.5, 0.999)) for both, batches of 128, 2,500 steps of one $D$ update and
# one $G$ update, and both learning rates decayed linearly to 0 over the last 40% of the steps (the
# decay settles the two players' oscillation and sharpens the samples onto the modes). The same recipe, with one change
# each, trains the two common wrong answers: the undetached-fake loop and the wrong-sign generator.
# To stay within the time budget they run on seed 0 only and for a third of the steps, next to the
# right recipe cut to the same third: each is one run, not a mean.

# %%
STEPS = scaled(2500, 150)
SHORT = STEPS // 3  # the wrong answers' runs, and the right recipe's run of the same length
RECIPE = {"z_dim": Z_DIM, "hidden": HIDDEN, "batch": 128, "lr": 2e-3, "decay_from": 0.6}


def evaluate(gen, seed: int, n: int = 2500):
    """(modes covered, high-quality share, samples (n, 2)) of n samples of G."""
    with torch.no_grad():
        samples = gen(torch.randn(n, Z_DIM, generator=torch.Generator().manual_seed(10_000 + seed)))
    return (*mode_coverage(samples, centres, STD), samples)


VARIANTS = {  # name: (change to the recipe, seeds, steps)
    "non-saturating": ({}, SEEDS, STEPS),
    f"same, {SHORT} steps": ({}, SEEDS[:1], SHORT),
    "fake not detached": ({"detach_fake": False}, SEEDS[:1], SHORT),
    "wrong-sign G loss": ({"wrong_sign": True}, SEEDS[:1], SHORT)}
results = {name: [evaluate(train_ring_gan(s, steps, real_ring, **RECIPE, **change), s) for s in seeds]
           for name, (change, seeds, steps) in VARIANTS.items()}


def mean_std(values):
    t = torch.tensor(values, dtype=torch.float64)
    return float(t.mean()), float(t.std()) if len(t) > 1 else 0.0


print(f"{'recipe':22s} {'steps':>5s} {'seeds':>5s} {'modes (of 8)':>14s} {'high quality':>15s} {'per seed (modes, %)':>22s}")
for name, runs in results.items():
    (m, ms), (q, qs) = mean_std([r[0] for r in runs]), mean_std([r[1] for r in runs])
    per_seed = ", ".join(f"({r[0]}, {100 * r[1]:.0f})" for r in runs)
    print(f"{name:22s} {VARIANTS[name][2]:5d} {len(runs):5d} {m:6.2f} ± {ms:4.2f} {100 * q:7.1f}% ± {100 * qs:4.1f}   {per_seed}")

fig, axes = plt.subplots(1, len(results), figsize=(3 * len(results), 3))
for ax, (name, runs) in zip(axes, results.items()):
    ax.scatter(*runs[0][2].T, s=2, alpha=0.4)
    ax.scatter(*centres.T, marker="x", color="red")
    ax.set(title=f"{name} (seed 0)", xlim=(-3, 3), ylim=(-3, 3), aspect="equal")
plt.show()

# %%
good = results["non-saturating"]
bar("14.modes_covered", min(r[0] for r in good), ">=", 7)
bar("14.high_quality", min(r[1] for r in good), ">=", 0.8,
    shortfall="the worst of 3 seeds stays just under 80% within the chapter's time budget "
              "(2,500 steps of batch 128); the mean over the 3 seeds reaches it (asserted below)")
if not quick_mode():  # quick mode trains 150 steps: too few for these to hold
    assert mean_std([r[1] for r in good])[0] >= 0.8
    # seed 0, a third of the steps: the right recipe already covers the ring, the undetached loop
    # has lost modes, the wrong-sign G has left the ring
    assert results[f"same, {SHORT} steps"][0][0] >= 7
    assert results["fake not detached"][0][0] < 7 and results["wrong-sign G loss"][0][0] == 0

# %% [markdown]
# ## Reading the results honestly
#
# - **Gradients at the start.** Against a discriminator trained for 200 steps on a fresh $G$'s fakes
#   (mean $D(G(z))$ 0.002-0.003, mean logit about −6), the non-saturating loss's gradient norm is
#   385 ± 94 times the minimax one over 3 seeds (smallest 283): the vanishing gradient is not a
#   subtlety. This is measured at one moment (a fixed $G$), not along a training run.
# - **The headline.** The non-saturating GAN covers 7.33 ± 0.58 of 8 modes (8, 7, 7 on seeds 0-2),
#   so the mode bar holds on every seed. Its high-quality share is 83.5% ± 4.4 (86, 86, 78%): the
#   mean passes 80% but the worst seed does not, and the bar, set on the worst seed, is a declared
#   shortfall. The spread of 4 points between seeds is as large as the margin above the bar.
# - **The wrong answers** (seed 0 only, one run each of 833 steps, so read them as gross failures,
#   not as measured differences): after the same 833 steps the right recipe already covers all 8
#   modes (its samples are not yet sharp: 43% high quality, before the learning-rate decay has
#   done its work), while the loop without `.detach()` covers 4 of 8 with 69% high quality
#   (samples piled on fewer modes: mode collapse, not blur), and the wrong-sign generator covers
#   no mode at all (0% high quality) because it helps $D$ reject its samples.
# - The ring is 2-D and the networks are tiny, trained for seconds: this setting shows the losses'
#   gradients and gross failures, not the image-scale behaviour (DCGAN's architecture rules,
#   spectral normalisation, FID) that decides real GANs.
#
# ## Interview drill

# %%
quiz("14.q1")

# %%
quiz("14.q2")

# %%
quiz("14.q3")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>Is a GAN "self-supervised"?</summary>
#
# Its discriminator solves a supervised problem whose labels (real / generated) come for free from
# the data pipeline, which is the defining trait of self-supervision; its features have been used for
# transfer (BiGAN, DCGAN's discriminator features). As a representation learner it has been overtaken
# by contrastive and masked methods (chapters 05, 12, 15).
# </details>
#
# <details><summary>Your GAN covers 3 of 8 modes. What do you try?</summary>
#
# Check the losses first (logits, detach, sign: this chapter's exercises), then lower the learning rates
# or raise the discriminator's steps per generator step, use minibatch features (PacGAN, minibatch
# discrimination), unrolled discriminators (Metz et al. 2017), or a different divergence (WGAN-GP).
# </details>
#
# ## Summary
#
# - $D$: binary cross-entropy, real = 1, fake = 0, on logits (softplus), with the fake batch detached.
# - $G$: the non-saturating $-\log D(G(z))$; the minimax $\log(1 - D(G(z)))$ has a vanishing gradient
#   where $D$ is confident, measured above.
# - Mode collapse is the failure to look for; the 8-Gaussian ring makes it countable.
#
# ## References
#
# - Goodfellow et al. 2014, *Generative Adversarial Nets* (minimax game, non-saturating loss).
# - Metz et al. 2017, *Unrolled Generative Adversarial Networks* (ring of 8 Gaussians).
# - Srivastava et al. 2017, *VEEGAN* (modes covered and high-quality samples within 3 std).
# - Radford et al. 2016, *DCGAN*.
