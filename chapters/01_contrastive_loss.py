# %% [markdown]
# # 01 · The contrastive loss: InfoNCE
#
# > **问题：** 对比性损失函数是什么？它在自监督学习中起什么作用？
# >
# > **Question:** What is a contrastive loss, and what role does it play in self-supervised
# > learning?
#
# **Model answer.** A contrastive loss trains an encoder so that two views of the same thing
# (the *positive pair*) score higher than that thing paired with anything else in the batch
# (the *negatives*). The standard one, **InfoNCE**, is a softmax cross-entropy: each anchor
# must pick its positive out of $N$ candidates. Minimising it maximises a lower bound on the
# mutual information between the views, $I \ge \log N - \mathcal{L}$; the bound can never
# exceed $\log N$, which is one reason contrastive methods want large batches. The
# temperature $\tau$ sets how hard the softmax focuses on the closest negatives.

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F

from ssl_course import Timer, bar, check, device, progress_bar, quiz, scaled, seed_everything, use_reference_if_unsolved
from ssl_course.contrastive import info_nce as reference

seed_everything(0)
torch.set_num_threads(1)  # these models are tiny: one thread is faster than two fighting
print("device:", device())

# %% [markdown]
# ## Theory
#
# Take a batch of $N$ pairs $(x_i, y_i)$ drawn from the joint distribution $p(x, y)$, and a
# *critic* $f(x, y)$ that scores how well $x$ and $y$ go together. InfoNCE (van den Oord et
# al., 2018) asks each $x_i$ to find its partner among all the $y_j$:
#
# $$\mathcal{L}_{\text{InfoNCE}} = -\frac{1}{N}\sum_{i=1}^{N}
#   \log \frac{e^{f(x_i, y_i)}}{\sum_{j=1}^{N} e^{f(x_i, y_j)}} .$$
#
# It is the cross-entropy of an $N$-way classification whose correct class is the diagonal.
# Poole et al. (2019) show that for any critic
#
# $$I(X; Y) \;\ge\; \log N - \mathcal{L}_{\text{InfoNCE}},$$
#
# with equality approached by the optimal critic $f^*(x, y) = \log p(y\mid x) + c(x)$ when
# $N \to \infty$. Two consequences matter in practice:
#
# - the bound **saturates**: $\mathcal{L} \ge 0$, so the estimate is at most $\log N$, however
#   much information the views share;
# - every negative **competes** with the positive inside one softmax; the gradient on a
#   negative is weighted by its softmax probability, so hard negatives get the most push.
#
# In representation learning the critic is $f(x, y) = \cos(g(x), g(y)) / \tau$ with an
# encoder $g$: that is the `info_nce(query, key, temperature)` you write below.

# %% [markdown]
# ## The common wrong answer
#
# A typical interview answer computes the Gram matrix of a batch of embeddings, pushes each
# entry through an independent **sigmoid**, and asks for 1 on "positives" (the diagonal,
# i.e. every embedding with itself) and 0 elsewhere. That is binary NCE over pairs, not
# InfoNCE: there is no softmax, so the positive never competes with the negatives; the
# self-pairs $z_i^\top z_i = \lVert z_i\rVert^2$ are free "positives" that only reward long
# vectors; and no mutual-information bound can be read off its value. Watch its value on
# random embeddings as they are scaled up, next to InfoNCE given the same "positives":

# %%
def sigmoid_gram_loss(z, temperature=0.1):
    """The common wrong answer: independent sigmoids over z z^T, self-pairs as positives."""
    sim = z @ z.T / temperature
    return F.binary_cross_entropy_with_logits(sim, torch.eye(len(z)))


z = torch.randn(64, 16)
for scale in [1, 3, 10]:
    print(f"embeddings x{scale:>2}: sigmoid-Gram loss {sigmoid_gram_loss(scale * z).item():.3f}, "
          f"InfoNCE(z, z) {reference.info_nce(scale * z, scale * z).item():.3f}")

# %% [markdown]
# The sigmoid loss changes with the **length** of the vectors even though nothing about
# which embedding matches which has changed; InfoNCE with cosine similarity does not move.
# And when the "positive" of each row is the row itself, the task is trivial: nothing
# about the data has to be learned.

# %% [markdown]
# ## Exercise 01.info_nce
#
# Write `info_nce(query, key, temperature)` for `query`, `key` of shape `(N, D)`: row $i$ of
# `key` is the positive of row $i$ of `query`; every other row is a negative. Use cosine
# similarity divided by the temperature, and average the loss over the $N$ queries. Make it
# numerically safe: with $\tau = 10^{-3}$ the logits reach 1000, and `exp` overflows.

# %%
def info_nce(query: torch.Tensor, key: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """query, key: (N, D); returns the scalar InfoNCE loss (mean over the N queries)."""
    ### BEGIN SOLUTION
    q = F.normalize(query, dim=1)
    k = F.normalize(key, dim=1)
    logits = q @ k.T / temperature  # (N, N): row i scores query i against every key
    return F.cross_entropy(logits, torch.arange(len(q), device=q.device))
    ### END SOLUTION


check("01.info_nce", info_nce)

# %% [markdown]
# ## Exercise 01.mi_lower_bound
#
# Given a critic's score matrix `scores` of shape `(N, N)` (`scores[i, j]` $= f(x_i, y_j)$,
# positives on the diagonal), return the InfoNCE lower bound on the mutual information,
# $\log N - \mathcal{L}_{\text{InfoNCE}}$, **in nats**, as a tensor that keeps its gradient
# (we will train critics by maximising it).

# %%
def info_nce_mi_bound(scores: torch.Tensor) -> torch.Tensor:
    """scores: (N, N) critic scores, positives on the diagonal -> scalar bound in nats."""
    ### BEGIN SOLUTION
    n = scores.shape[0]
    return math.log(n) - F.cross_entropy(scores, torch.arange(n, device=scores.device))
    ### END SOLUTION


check("01.mi_lower_bound", info_nce_mi_bound)

# %%
info_nce = use_reference_if_unsolved("01.info_nce", info_nce)
mi_bound = use_reference_if_unsolved("01.mi_lower_bound", info_nce_mi_bound)

# %% [markdown]
# ## Headline experiment: estimating mutual information, and where the estimate saturates
#
# Correlated Gaussians are the one case where we know the truth. Let
# $x \sim \mathcal N(0, I_d)$ and $y = \rho x + \sqrt{1-\rho^2}\,\varepsilon$, so every
# coordinate pair has correlation $\rho$ and
#
# $$I(X; Y) = -\frac{d}{2}\log(1-\rho^2).$$
#
# We pick $\rho$ for true values from 0.5 to 8 nats, train a critic by maximising the
# InfoNCE bound on batches of $N = 128$ (so $\log N = 4.85$), and average the bound over 50
# fresh batches. The critic is $f(x, y) = x^\top W y - y^\top V y$, the family that contains
# the optimal critic $\log p(y \mid x)$ up to terms that cancel in the softmax. **Bar:**
# within 15% of the truth wherever the truth is below $\tfrac12 \log N$.

# %%
D, N = 10, 128
TRUE_MI = [0.5, 1.0, 2.0, 4.0, 6.0, 8.0]


def correlated_gaussians(n, rho, generator=None):
    """x, y: (n, D) with corr(x_k, y_k) = rho for every coordinate k."""
    x = torch.randn(n, D, generator=generator)
    noise = torch.randn(n, D, generator=generator)
    return x, rho * x + math.sqrt(1 - rho**2) * noise


def rho_for(mi):
    return math.sqrt(1 - math.exp(-2 * mi / D))


class QuadraticCritic(nn.Module):
    """f(x, y) = x^T W y - y^T V y, scored for all N x N pairs at once."""

    def __init__(self, dim):
        super().__init__()
        self.W = nn.Parameter(torch.zeros(dim, dim))
        self.V = nn.Parameter(torch.zeros(dim, dim))

    def forward(self, x, y):  # (N, D), (N, D) -> (N, N)
        return x @ self.W @ y.T - ((y @ self.V) * y).sum(dim=1)[None, :]


def estimate_mi(rho, steps, critic=None, seed=0):
    torch.manual_seed(seed)
    critic = critic or QuadraticCritic(D)
    opt = torch.optim.Adam(critic.parameters(), lr=5e-3)
    for _ in progress_bar(range(steps), desc=f"critic, rho={rho:.2f}"):
        x, y = correlated_gaussians(N, rho)
        loss = -mi_bound(critic(x, y))
        opt.zero_grad()
        loss.backward()
        opt.step()
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        return sum(mi_bound(critic(*correlated_gaussians(N, rho, g))).item() for _ in range(50)) / 50


steps = scaled(300, 60)
with Timer() as t:
    estimates = [estimate_mi(rho_for(mi), steps) for mi in TRUE_MI]
print(f"trained {len(TRUE_MI)} critics in {t.seconds:.1f} s")
for mi, est in zip(TRUE_MI, estimates):
    print(f"true {mi:4.1f} nats   InfoNCE estimate {est:5.2f}   error {abs(est - mi) / mi:6.1%}")

# %%
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(TRUE_MI, TRUE_MI, "k--", label="true MI")
ax.plot(TRUE_MI, estimates, "o-", label="InfoNCE estimate")
ax.axhline(math.log(N), color="tab:red", ls=":", label=f"log N = {math.log(N):.2f}")
ax.set_xlabel("true I(X; Y) (nats)")
ax.set_ylabel("estimate (nats)")
ax.legend()
ax.set_title("InfoNCE saturates at log N")
plt.show()

# %%
worst = max(abs(est - mi) / mi for mi, est in zip(TRUE_MI, estimates) if mi < 0.5 * math.log(N))
bar("01.mi_relative_error", worst, "<=", 0.15)
bar("01.saturation", max(estimates), "<=", math.log(N))

# %% [markdown]
# Below $\tfrac12\log N$ the estimate tracks the truth; above it, it bends and flattens
# under $\log N$: with 128 candidates, the softmax cannot certify more than $\log 128$ nats,
# however informative the views are. To measure more you need a larger $N$, and that is the
# first reason SimCLR trains with thousands of negatives (chapter 05) and MoCo keeps a queue
# of them (chapter 06).

# %% [markdown]
# ### The temperature
#
# With cosine similarities the logits live in $[-1/\tau, 1/\tau]$. A small $\tau$ sharpens
# the softmax: the loss is dominated by the hardest negatives. A large $\tau$ flattens it and
# every negative counts about the same. The share of the gradient that goes to the hardest
# negative shows it:

# %%
q = torch.randn(1, 32)
keys = torch.randn(256, 32)
keys[0] = q[0] + 0.5 * torch.randn(32)  # the positive
keys[1] = q[0] + 0.8 * torch.randn(32)  # a hard negative
for tau in [0.05, 0.1, 0.5, 1.0]:
    k = keys.clone().requires_grad_()
    logits = F.normalize(q, dim=1) @ F.normalize(k, dim=1).T / tau
    loss = F.cross_entropy(logits, torch.tensor([0]))
    loss.backward()
    neg_grad = k.grad[1:].norm(dim=1)
    print(f"tau={tau:<5} share of the negatives' gradient on the hard negative: "
          f"{(neg_grad[0] / neg_grad.sum()).item():.1%}")

# %% [markdown]
# ## Interview drill

# %%
quiz("01.q1")

# %%
quiz("01.q2")

# %%
quiz("01.q3")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>Why is InfoNCE's estimate biased low even with the optimal critic?</summary>
#
# With finite $N$ the optimal critic gives $\log N - \mathcal L \to I$ only as $N\to\infty$;
# for finite $N$ it is a lower bound with a gap that grows as $I$ approaches $\log N$. That
# is visible above: the points bend before they reach the red line.
# </details>
#
# <details><summary>How would you estimate 20 nats of mutual information?</summary>
#
# Either a batch with $N \gg e^{20}$ candidates (impractical), or a different estimator
# (NWJ, MINE) that is not capped at $\log N$ but has high variance. Poole et al. (2019)
# discuss the bias-variance trade-off between them.
# </details>
#
# <details><summary>Why normalise embeddings before the dot product?</summary>
#
# Without normalisation the loss can be lowered by growing vector lengths instead of
# arranging directions, and logits can explode. Cosine similarity with a temperature keeps
# the logit range fixed to $[-1/\tau, 1/\tau]$.
# </details>
#
# ## Summary
#
# - InfoNCE is an $N$-way softmax cross-entropy: each anchor must pick its positive among the
#   batch.
# - $\log N - \mathcal{L}$ lower-bounds the mutual information between the views, and
#   saturates at $\log N$.
# - The temperature decides how much the hardest negatives dominate.
# - Independent sigmoids over a Gram matrix with self-pairs are not InfoNCE.
#
# ## References
#
# - A. van den Oord, Y. Li, O. Vinyals. *Representation Learning with Contrastive Predictive
#   Coding*, 2018.
# - B. Poole, S. Ozair, A. van den Oord, A. Alemi, G. Tucker. *On Variational Bounds of Mutual
#   Information*, ICML 2019.
# - T. Wang, P. Isola. *Understanding Contrastive Representation Learning through Alignment and
#   Uniformity on the Hypersphere*, ICML 2020.
