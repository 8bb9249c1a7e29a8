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
# exceed $\log N$, so certifying more information takes more negatives. The temperature
# $\tau$ sets how hard the softmax focuses on the closest negatives.

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F

from ssl_course import bar, check, device, progress_bar, quick_mode, quiz, scaled, seed_everything, use_reference_if_unsolved
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
# For any critic, in expectation over batches (van den Oord et al., 2018; Poole et al., 2019),
#
# $$I(X; Y) \;\ge\; \log N - \mathcal{L}_{\text{InfoNCE}} .$$
#
# Which critic makes the bound tightest? Given $x_i$ and $N$ candidates, one drawn from
# $p(y \mid x_i)$ and the others from $p(y)$, the probability that candidate $j$ is the
# positive is proportional to $p(y_j \mid x_i) / p(y_j)$. The softmax reproduces that
# posterior exactly when the critic is the **density ratio**
#
# $$f^*(x, y) = \log \frac{p(y \mid x)}{p(y)} + c(x) \;=\; \log p(x \mid y) + c'(x),$$
#
# where $c(x)$ is any function of $x$ alone (it cancels in the softmax over $j$). With $f^*$
# the bound reaches $I$ as $N \to \infty$. The tempting $f = \log p(y \mid x)$ is **not**
# optimal: it carries an extra $\log p(y_j)$, which favours candidates that are likely on
# their own rather than candidates that $x_i$ makes likely. Two consequences of the bound
# matter in practice:
#
# - the bound **saturates**: $\mathcal{L} \ge 0$, so the estimate is at most $\log N$, however
#   much information the views share;
# - every negative **competes** with the positive inside one softmax; the gradient on a
#   negative's logit is its softmax probability, so hard negatives get the most push.
#
# In representation learning the critic is $f(x, y) = \cos(g(x), g(y)) / \tau$ with an
# encoder $g$: that is the `info_nce(query, key, temperature)` you write below.
#
# **A check where the truth is known.** Let $x \sim \mathcal N(0, I_d)$ and
# $y = \rho x + \sqrt{1-\rho^2}\,\varepsilon$ with $\varepsilon \sim \mathcal N(0, I_d)$: every
# coordinate pair has correlation $\rho$, and
#
# $$I(X; Y) = -\frac{d}{2}\log(1-\rho^2), \qquad
#   \log p(y \mid x) = -\frac{\lVert y - \rho x\rVert^2}{2(1-\rho^2)} + \text{const}, \qquad
#   \log p(y) = -\frac{\lVert y\rVert^2}{2} + \text{const}.$$
#
# So both critics are known in closed form. At a true MI of 1 nat with $N = 128$, average the
# bound over 50 batches for each: the ratio should land within 0.1 nat of the truth (room
# for the finite-$N$ gap and the noise of a 50-batch mean), and $\log p(y \mid x)$ should
# miss by more.

# %%
D, N = 10, 128  # dimension of x and of y; pairs per batch (log N = 4.85 nats)


def correlated_gaussians(n, rho, generator=None):
    """x, y: (n, D) with corr(x_k, y_k) = rho for every coordinate k."""
    x = torch.randn(n, D, generator=generator)
    noise = torch.randn(n, D, generator=generator)
    return x, rho * x + math.sqrt(1 - rho**2) * noise


def rho_for(mi):
    """The correlation that gives a true mutual information of `mi` nats in D dimensions."""
    return math.sqrt(1 - math.exp(-2 * mi / D))


def log_conditional(x, y, rho):
    """log p(y_j | x_i) up to a constant: x, y (N, D) -> (N, N)."""
    return -torch.cdist(rho * x, y).pow(2) / (2 * (1 - rho**2))


def log_density_ratio(x, y, rho):
    """log p(y_j | x_i) / p(y_j) up to a constant: x, y (N, D) -> (N, N)."""
    return log_conditional(x, y, rho) + y.pow(2).sum(dim=1) / 2  # minus log p(y_j)


def ideal_critic(rho):
    """The density ratio as a critic: f(x, y) with x, y (N, D) -> (N, N)."""
    return lambda x, y: log_density_ratio(x, y, rho)


def mean_bound(critic, rho, batches=50, seed=0):
    """log N - InfoNCE of critic(x, y) -> (N, N), averaged over fresh batches (nats)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        return sum(reference.info_nce_mi_bound(critic(*correlated_gaussians(N, rho, g))).item()
                   for _ in range(batches)) / batches


rho = rho_for(1.0)
with_conditional = mean_bound(lambda x, y: log_conditional(x, y, rho), rho)
with_ratio = mean_bound(ideal_critic(rho), rho)
print(f"true MI 1.00 nat, N = {N}: bound with log p(y|x) {with_conditional:.2f}, "
      f"with log p(y|x)/p(y) {with_ratio:.2f}")
assert abs(with_ratio - 1.0) <= 0.1 < abs(with_conditional - 1.0)

# %% [markdown]
# The ratio recovers the truth; $\log p(y \mid x)$ certifies less than nothing, because it
# keeps preferring short candidates $y_j$ whatever $x_i$ is.

# %% [markdown]
# ## The common wrong answer
#
# A typical interview answer computes the Gram matrix $z z^\top$ of one batch of embeddings,
# divides it by a temperature, pushes every entry through an independent **sigmoid**, and
# asks for 1 on the diagonal (every embedding paired with itself) and 0 elsewhere. It
# departs from InfoNCE in two ways, worth telling apart:
#
# - **(a) raw dot products**: the logits $z_i^\top z_j / \tau$ depend on the vectors' lengths;
# - **(b) independent sigmoids over self-pairs**: no softmax makes a positive compete with
#   the negatives, and the "positive" of each embedding is itself, so the true partner (the
#   other view) is labelled a negative like everything else.
#
# First, its value moves with the length of the vectors although nothing about which
# embedding matches which has changed; InfoNCE with cosine similarity does not move:

# %%
def sigmoid_gram_loss(z, temperature=0.1, normalise=False):
    """The common wrong answer on z: (M, K): independent sigmoids over z z^T / temperature,
    with every embedding's positive being itself. normalise=True removes failure (a) only."""
    if normalise:
        z = F.normalize(z, dim=1)
    return F.binary_cross_entropy_with_logits(z @ z.T / temperature, torch.eye(len(z), device=z.device))


z = torch.randn(64, 16)
for scale in [1, 3, 10]:
    print(f"embeddings x{scale:>2}: sigmoid-Gram loss {sigmoid_gram_loss(scale * z).item():8.3f}, "
          f"InfoNCE(z, z) {reference.info_nce(scale * z, scale * z).item():.3f}")

# %% [markdown]
# Now train one encoder with each loss on the correlated Gaussians at a true MI of 2 nats:
# the same data stream, the same 300 steps of Adam, the same three seeds. (a) and (b) run
# one at a time and together (the interview answer as written, here on both views'
# embeddings stacked, $2N$ rows), next to InfoNCE. Two numbers judge each run on fresh
# batches:
#
# - **MI certified**: $\log N - \mathcal{L}_{\text{InfoNCE}}$ of the loss's own logits, its
#   critic. The density-ratio critic, the best any critic can do, is printed beside them.
# - **top-1 retrieval**: how often $x_i$ scores its own $y_i$ highest among the 128. It
#   ignores the scale of the logits, so it judges the representation alone.
#
# The last two rows are **SigLIP** (Zhai et al., 2023): sigmoids too, but on cosine
# similarities times a learned scale $t$ plus a learned bias $b$ (started at $t = 10$,
# $b = -10$ as in the paper), with the partner as the only positive of each row; then the
# same without its bias.

# %%
TAU = 0.1
RHO_2 = rho_for(2.0)


class TwoViewEncoder(nn.Module):
    """One small MLP for both views (x and y are exchangeable here), plus SigLIP's scalars."""

    def __init__(self, hidden=64, out=16):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(D, hidden), nn.ReLU(), nn.Linear(hidden, out))
        self.log_scale = nn.Parameter(torch.tensor(math.log(10.0)))  # t = exp(log_scale)
        self.bias = nn.Parameter(torch.tensor(-10.0))

    def forward(self, x):  # (N, D) -> (N, out)
        return self.net(x)


def cosine(zx, zy):  # (N, K), (N, K) -> (N, N)
    return F.normalize(zx, dim=1) @ F.normalize(zy, dim=1).T


def sigmoid_pair_loss(logits):
    """SigLIP's loss on logits: (N, N), positives on the diagonal: -log sigmoid(+-logit),
    summed over the row's N pairs and averaged over the rows."""
    signs = 2 * torch.eye(len(logits)) - 1  # +1 for the partner, -1 for every other pair
    return -F.logsigmoid(signs * logits).sum(dim=1).mean()


def cosine_logits(model, zx, zy):
    return cosine(zx, zy) / TAU


def dot_logits(model, zx, zy):
    return zx @ zy.T / TAU


def siglip_logits(model, zx, zy):
    return cosine(zx, zy) * model.log_scale.exp() + model.bias


def siglip_logits_no_bias(model, zx, zy):
    return cosine(zx, zy) * model.log_scale.exp()


# name -> (loss(model, zx, zy), the critic it trains); a loss of None: not trained at all
LOSSES = {
    "untrained encoder": (None, cosine_logits),
    "InfoNCE, cosine / tau": (lambda m, zx, zy: reference.info_nce(zx, zy, TAU), cosine_logits),
    "(a) InfoNCE, raw dot / tau": (lambda m, zx, zy: reference.info_nce_from_scores(dot_logits(m, zx, zy)),
                                   dot_logits),
    "(b) sigmoids on self-pairs, cosine": (lambda m, zx, zy: sigmoid_gram_loss(torch.cat([zx, zy]), TAU, True),
                                           cosine_logits),
    "(a)+(b): the interview answer": (lambda m, zx, zy: sigmoid_gram_loss(torch.cat([zx, zy]), TAU),
                                      dot_logits),
    "SigLIP: cosine * t + b": (lambda m, zx, zy: sigmoid_pair_loss(siglip_logits(m, zx, zy)), siglip_logits),
    "SigLIP without its bias b": (lambda m, zx, zy: sigmoid_pair_loss(siglip_logits_no_bias(m, zx, zy)),
                                  siglip_logits_no_bias),
}


def train_encoder(loss_fn, seed, steps):
    """The one recipe every loss gets: same initial weights and data stream for a given seed."""
    torch.manual_seed(seed)
    model = TwoViewEncoder()
    if loss_fn is None:
        return model
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    data = torch.Generator().manual_seed(100 + seed)
    for _ in range(steps):
        x, y = correlated_gaussians(N, RHO_2, data)
        zx, zy = model(torch.cat([x, y])).split(N)  # one pass for both views: half the calls
        loss = loss_fn(model, zx, zy)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


@torch.no_grad()
def judge(model, critic, batches=20):
    """(MI certified in nats, top-1 retrieval, mean |g(x)|) on fresh batches, the same for every run."""
    data = torch.Generator().manual_seed(12345)
    totals = torch.zeros(3)
    for _ in range(batches):
        x, y = correlated_gaussians(N, RHO_2, data)
        zx, zy = model(torch.cat([x, y])).split(N)
        scores = critic(model, zx, zy)  # (N, N)
        top1 = (scores.argmax(dim=1) == torch.arange(N)).float().mean()
        totals += torch.stack([reference.info_nce_mi_bound(scores), top1, zx.norm(dim=1).mean()])
    return totals / batches


SEEDS, steps = [0, 1, 2], scaled(300, 60)
runs = {}  # name -> (seeds, 3): MI, top-1, |z| per seed
for name, (loss_fn, critic) in progress_bar(LOSSES.items(), total=len(LOSSES), desc="losses"):
    runs[name] = torch.stack([judge(train_encoder(loss_fn, seed, steps), critic) for seed in SEEDS])
ideal = mean_bound(ideal_critic(RHO_2), RHO_2, batches=20, seed=12345)
print(f"true MI 2.00 nats, ideal critic {ideal:.2f}; mean ± std over seeds {SEEDS}:")
for name, r in runs.items():
    m, s = r.mean(dim=0), r.std(dim=0)
    print(f"  {name:36s} MI {m[0]:5.2f} ± {s[0]:.2f}   top-1 {m[1]:.3f} ± {s[1]:.3f}   |g(x)| {m[2]:5.2f}")

# %%
def clearly_above(a, b):
    """True when the runs a: (seeds,) beat the runs b: (seeds,) by more than 3 standard errors."""
    return (a.mean() - b.mean()).item() > 3 * (a.var() / len(a) + b.var() / len(b)).sqrt().item()


mi = {name: r[:, 0] for name, r in runs.items()}
top1 = {name: r[:, 1] for name, r in runs.items()}
good = ["InfoNCE, cosine / tau", "(a) InfoNCE, raw dot / tau", "SigLIP: cosine * t + b"]
broken = ["(b) sigmoids on self-pairs, cosine", "(a)+(b): the interview answer", "SigLIP without its bias b"]
bar("01.siglip_shortfall", mi["InfoNCE, cosine / tau"].mean() - mi["SigLIP: cosine * t + b"].mean(), "<=", 0.1,
    " nats")
if not quick_mode():  # 60 quick steps are too few for these claims
    assert abs(mi["(a) InfoNCE, raw dot / tau"].mean() - mi["InfoNCE, cosine / tau"].mean()) <= 0.1
    assert mi["(b) sigmoids on self-pairs, cosine"].mean() <= mi["untrained encoder"].mean()
    assert clearly_above(mi["(b) sigmoids on self-pairs, cosine"], mi["(a)+(b): the interview answer"])
    assert runs["(a)+(b): the interview answer"][:, 2].mean() < 0.5 * runs["untrained encoder"][:, 2].mean()
    assert clearly_above(mi["SigLIP: cosine * t + b"], mi["SigLIP without its bias b"])
    assert all(mi[g].mean() - mi[b].mean() >= 0.5 for g in good for b in broken)
    assert all(clearly_above(top1[g], top1[b]) for g in good for b in broken)

# %% [markdown]
# What the table says (each line is asserted above):
#
# - **(a) alone costs nothing here.** Inside the softmax, raw dot products certify as much
#   as cosines (within 0.1 nat): the softmax only sees differences within a row, and the
#   lengths settle at a finite scale. CPC itself scored pairs with an unnormalised bilinear
#   critic (van den Oord et al., 2018).
# - **(b) alone certifies no more than the untrained encoder**, and retrieves worse than
#   every good loss: a self-pair carries nothing about which $y$ belongs to which $x$, and
#   the partner is labelled a negative like every other pair.
# - **(a) and (b) together are worse still.** With raw dot products the loss has a cheaper
#   way to lower its $2N(2N-1)$ negative terms than arranging directions: shrinking every
#   embedding (its $|g(x)|$ ends below half the untrained encoder's). What it certifies
#   drops further, beyond the noise over seeds.
# - **The sigmoid is not the bug.** SigLIP, with cosines, a learned scale and a learned bias
#   and the partner as the positive, comes within 0.1 nat of InfoNCE (bar
#   `01.siglip_shortfall`). Without its bias it falls more than half a nat behind: each row
#   has one positive against 127 negatives, and Zhai et al. add $b$ for that imbalance.
#   Every good loss beats every broken one at retrieval too, by more than three standard
#   errors.
#
# So what breaks the interview answer is what surrounds the sigmoid: self-pairs as
# positives, lengths the loss can shrink, no bias. And a sigmoid loss, even a good one,
# gives no $\log N - \mathcal L$ reading of its own value: the bound belongs to the softmax.

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
# Back to the correlated Gaussians, where the truth is known. We pick $\rho$ for true values
# from 0.5 to 8 nats, train a critic by maximising the InfoNCE bound on batches of $N = 128$
# (so $\log N = 4.85$), and average the bound over 50 fresh batches, next to the ideal
# density-ratio critic on the same batches. The critic is $f(x, y) = x^\top W y - y^\top V y$,
# a family that contains the ideal critic:
#
# $$\log \frac{p(y \mid x)}{p(y)} = \frac{\rho}{1-\rho^2}\, x^\top y
#   - \frac{\rho^2}{2(1-\rho^2)} \lVert y\rVert^2 + c(x).$$
#
# It contains $\log p(y \mid x)$ too ($V = I/(2(1-\rho^2))$); training should pick the ratio.
#
# **Bars.** (1) Within 15% of the truth wherever the truth is below $\tfrac12 \log N$.
# (2) Saturation: at 8 nats, 3.2 nats above $\log N$, the estimate must end within
# **0.25 nat of $\log N$**. Theory sets the scale: no critic beats the ideal one in
# expectation, and it still falls short of $\log N$ by the gap printed below (about 0.15
# nat); we allow a trained critic 0.1 nat more, the tolerance of the check above, so a
# critic that stalls well below the ideal one misses it. ("Estimate $\le \log N$" alone
# could not fail: $\mathcal{L} \ge 0$.)

# %%
TRUE_MI = [0.5, 1.0, 2.0, 4.0, 6.0, 8.0]


class QuadraticCritic(nn.Module):
    """f(x, y) = x^T W y - y^T V y, scored for all N x N pairs at once."""

    def __init__(self, dim):
        super().__init__()
        self.W = nn.Parameter(torch.zeros(dim, dim))
        self.V = nn.Parameter(torch.zeros(dim, dim))

    def forward(self, x, y):  # (N, D), (N, D) -> (N, N)
        return x @ self.W @ y.T - ((y @ self.V) * y).sum(dim=1)[None, :]


def train_critic(rho, steps, seed=0):
    """Maximise the bound (your mi_bound) on fresh batches; the step size decays to 0 (cosine),
    so the large weights of the high-MI critics are reached and then settled."""
    critic = QuadraticCritic(D)
    opt = torch.optim.Adam(critic.parameters(), lr=0.1)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    data = torch.Generator().manual_seed(seed)
    for _ in progress_bar(range(steps), desc=f"critic, rho={rho:.2f}"):
        x, y = correlated_gaussians(N, rho, data)
        loss = -mi_bound(critic(x, y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        schedule.step()
    return critic


steps = scaled(300, 60)
critics = [train_critic(rho_for(mi), steps) for mi in TRUE_MI]
estimates, ideals = [], []
for mi, critic in zip(TRUE_MI, critics):
    rho = rho_for(mi)
    estimates.append(mean_bound(critic, rho, seed=1))
    ideals.append(mean_bound(ideal_critic(rho), rho, seed=1))  # the same batches
    print(f"true {mi:4.1f} nats   trained critic {estimates[-1]:5.2f} (error {abs(estimates[-1] - mi) / mi:6.1%})"
          f"   ideal critic {ideals[-1]:5.2f}")

rho = rho_for(1.0)
learned_v = critics[TRUE_MI.index(1.0)].V.diagonal().mean().item()
print(f"at 1 nat the learned V has mean diagonal {learned_v:.3f}: the ratio's is {rho**2 / (2 * (1 - rho**2)):.3f}, "
      f"log p(y|x)'s {1 / (2 * (1 - rho**2)):.3f}")

# %%
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(TRUE_MI, TRUE_MI, "k--", label="true MI")
ax.plot(TRUE_MI, ideals, "s:", color="tab:gray", label="ideal critic")
ax.plot(TRUE_MI, estimates, "o-", label="trained critic")
ax.axhline(math.log(N), color="tab:red", ls=":", label=f"log N = {math.log(N):.2f}")
ax.set_xlabel("true I(X; Y) (nats)")
ax.set_ylabel("InfoNCE estimate (nats)")
ax.legend()
ax.set_title("InfoNCE saturates at log N")
plt.show()

# %%
worst = max(abs(est - mi) / mi for mi, est in zip(TRUE_MI, estimates) if mi < 0.5 * math.log(N))
bar("01.mi_relative_error", worst, "<=", 0.15)
print(f"at 8 nats the ideal critic stops {math.log(N) - ideals[-1]:.3f} nat short of log N")
assert math.log(N) - ideals[-1] <= 0.25  # the ideal critic meets the saturation bar by theory
bar("01.saturation_gap", math.log(N) - estimates[-1], "<=", 0.25, " nats")
if not quick_mode():
    assert all(a < b for a, b in zip(estimates, estimates[1:])), "the estimate must rise with the truth"
    ratio_v, conditional_v = rho**2 / (2 * (1 - rho**2)), 1 / (2 * (1 - rho**2))
    assert abs(learned_v - ratio_v) < abs(learned_v - conditional_v), "training should find the ratio"
gaps = [mi - ideal for mi, ideal in zip(TRUE_MI, ideals)]
assert all(a < b for a, b in zip(gaps[1:], gaps[2:])), "the ideal critic's gap should grow with the truth"

# %% [markdown]
# Below $\tfrac12\log N$ the estimate tracks the truth; above it, it bends and flattens just
# under $\log N$, and the ideal critic's does too: with 128 candidates the softmax cannot
# certify more than $\log 128$ nats, however informative the views are. The trained critic
# found the ratio, not $\log p(y \mid x)$ (its $V$ above). To measure more you need a larger
# $N$; chapters 05 and 06 come back to the number of negatives.

# %% [markdown]
# ### The temperature
#
# With cosine similarities the logits live in $[-1/\tau, 1/\tau]$. A small $\tau$ sharpens
# the softmax: the loss is dominated by the hardest negatives. A large $\tau$ flattens it and
# every negative counts about the same. The share of the gradient that goes to the hardest
# negative shows it:

# %%
gen = torch.Generator().manual_seed(0)
q = torch.randn(1, 32, generator=gen)
keys = torch.randn(256, 32, generator=gen)
keys[0] = q[0] + 0.5 * torch.randn(32, generator=gen)  # the positive
keys[1] = q[0] + 0.8 * torch.randn(32, generator=gen)  # a hard negative
shares = []
for tau in [0.05, 0.1, 0.5, 1.0]:
    k = keys.clone().requires_grad_()
    logits = F.normalize(q, dim=1) @ F.normalize(k, dim=1).T / tau
    loss = F.cross_entropy(logits, torch.tensor([0]))
    loss.backward()
    neg_grad = k.grad[1:].norm(dim=1)
    shares.append((neg_grad[0] / neg_grad.sum()).item())
    print(f"tau={tau:<5} share of the negatives' gradient on the hard negative: {shares[-1]:.1%}")
assert shares[0] > 0.5 and all(a > b for a, b in zip(shares, shares[1:]))
assert shares[-1] < 2 / 255, "at tau = 1 the hard negative should get about an even share (1/255)"

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
# Because $N$ is finite. The density ratio is the best critic for every $N$, yet its bound
# reaches $I$ only as $N \to \infty$; for finite $N$ the gap grows as $I$ approaches and
# passes $\log N$. The ideal column of the headline table shows it: a few hundredths of a
# nat short at 1 nat, more than 3 nats short at 8.
# </details>
#
# <details><summary>How would you estimate 20 nats of mutual information?</summary>
#
# Not with InfoNCE at any practical batch size: it reports at most $\log N$, so 20 nats
# would take $N > e^{20}$ candidates. Bounds without the $\log N$ cap exist (NWJ, the one
# MINE-f uses); Poole et al. (2019) show that they pay for it with a variance that grows
# quickly with the true MI, and they study bounds in between. (Not measured here.)
# </details>
#
# <details><summary>Why normalise embeddings before the dot product?</summary>
#
# Cosine similarity fixes the logits to $[-1/\tau, 1/\tau]$, so $\tau$ alone sets how sharp
# the softmax is, and rescaling the vectors changes nothing (the first demo above). Raw dot
# products are not wrong in themselves: inside InfoNCE they certified as much as cosines on
# our Gaussians. But the lengths become a knob the loss can turn, and in the interview
# answer's sigmoid loss it turned it, shrinking every embedding.
# </details>
#
# ## Summary
#
# - InfoNCE is an $N$-way softmax cross-entropy: each anchor must pick its positive among the
#   batch.
# - $\log N - \mathcal{L}$ lower-bounds the mutual information in expectation, for any
#   critic. The best critic is the density ratio $\log p(y \mid x)/p(y) + c(x)$, not
#   $\log p(y \mid x)$: at 1 nat with $N = 128$ they certify about 0.98 and $-0.49$ nats.
# - The bound saturates at $\log N$: below $\tfrac12 \log N$ a trained critic lands within
#   15% of the truth; at 8 nats it ends within 0.25 nat of $\log N = 4.85$, as the ideal
#   critic does.
# - The temperature decides how much the hardest negatives dominate.
# - The interview answer (raw dot products, sigmoids over self-pairs) certifies less than an
#   untrained encoder. The sigmoid is not the bug: SigLIP's sigmoid loss (cosines, a learned
#   scale and bias, the partner as the positive) matches InfoNCE here; without its bias it
#   does not.
#
# ## References
#
# - A. van den Oord, Y. Li, O. Vinyals. *Representation Learning with Contrastive Predictive
#   Coding*, 2018.
# - B. Poole, S. Ozair, A. van den Oord, A. Alemi, G. Tucker. *On Variational Bounds of Mutual
#   Information*, ICML 2019.
# - X. Zhai, B. Mustafa, A. Kolesnikov, L. Beyer. *Sigmoid Loss for Language Image
#   Pre-Training*, ICCV 2023.
# - T. Wang, P. Isola. *Understanding Contrastive Representation Learning through Alignment and
#   Uniformity on the Hypersphere*, ICML 2020.
