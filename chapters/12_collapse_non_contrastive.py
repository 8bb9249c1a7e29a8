# %% [markdown]
# # 12 · Collapse and non-contrastive losses
#
# > **问题：** 不使用负样本的自监督方法（BYOL、SimSiam、Barlow Twins、VICReg）只把同一张图的两个视图拉近，为什么表示不会坍塌成一个常数？
# >
# > **Question:** Self-supervised methods without negatives (BYOL, SimSiam, Barlow Twins,
# > VICReg) only pull two views of the same image together. Why does the representation not
# > collapse to a constant?
#
# > **Where it comes from (seed interview 000, question 12):** "what is implicit supervision in
# > self-supervised learning?" The seed's example is a loss that pulls the embeddings of
# > *every* pair of data points together; this chapter runs it.
#
# **Model answer.** A loss that only rewards agreement is minimised by a constant: if every
# input maps to the same vector, every pair agrees perfectly. That is **collapse**, and it is
# what contrastive methods prevent with negatives. Methods without negatives prevent it by
# other means. **SimSiam** (Chen & He 2021) and **BYOL** (Grill et al. 2020) make the problem
# asymmetric: a *predictor* maps one view's embedding onto the other's, and the other side is a
# fixed target (a **stop-gradient** in SimSiam; a slowly moving average of the network in
# BYOL), so the gradient never pulls both sides towards each other at once; without the
# stop-gradient SimSiam collapses. **Barlow Twins** (Zbontar et al. 2021) and **VICReg**
# (Bardes et al. 2022) instead add a term that makes a constant expensive: Barlow Twins pushes
# the two views' cross-correlation matrix, computed on features standardised over the batch,
# to the identity (each feature agrees across views, different features are decorrelated);
# VICReg keeps the standard deviation of every feature above 1 with a hinge and pushes the
# off-diagonal covariances to 0. Collapse is measured by the **effective rank** of the
# embeddings (RankMe): about 1 for a constant, up to $D$ for embeddings that use all $D$
# directions evenly. Below, on `digits` with one budget for all, the every-pair loss ends near
# rank 1 and SimSiam without stop-gradient at a few directions; SimSiam stays where the
# untrained network started, and Barlow Twins and VICReg use more than half of the 64.

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from ssl_course import (
    bar,
    check,
    device,
    progress_bar,
    quick_mode,
    quiz,
    scaled,
    seed_everything,
    use_reference_if_unsolved,
)
from ssl_course.augment.batch import batch_augment
from ssl_course.data.digits import digits
from ssl_course.data.split import few_labels
from ssl_course.evaluate import rank as rank_reference
from ssl_course.evaluate.probes import features, linear_probe
from ssl_course.models.encoders import MLPEncoder
from ssl_course.models.heads import ProjectionHead
from ssl_course.noncontrastive.simsiam import Predictor, simsiam_loss

seed_everything(0)
torch.set_num_threads(1)  # MLPs on 8x8 digits: one thread is faster than two handing work to each other
print("device:", device())

# %% [markdown]
# ## Theory
#
# **Collapse.** An encoder $f$ and a projector $g$ map two augmented views $x', x''$ of an
# image to $z' = g(f(x'))$ and $z'' = g(f(x''))$ in $\mathbb R^D$. Any loss of the form
# $\mathcal L = \mathbb E\,d(z', z'')$ with a distance $d$ is minimised by $g \circ f \equiv c$,
# a constant: the views agree perfectly and the representation says nothing. Contrastive
# losses (chapters 01 and 05) add negatives that a constant cannot satisfy. The four methods
# below add something else.
#
# **Measuring collapse: the effective rank** (Roy & Vetterli 2007; RankMe, Garrido et al.
# 2023). Stack $N$ embeddings into $Z \in \mathbb R^{N\times D}$, take its singular values
# $\sigma_1 \ge \dots \ge \sigma_K$, $K = \min(N, D)$, and
#
# $$p_k = \frac{\sigma_k}{\sum_j \sigma_j} + \varepsilon, \qquad
#   \operatorname{erank}(Z) = \exp\Big(-\sum_{k=1}^{K} p_k \log p_k\Big).$$
#
# It is the exponential of an entropy: $K$ equal singular values give $K$, one non-zero
# singular value gives 1. Following RankMe: $Z$ is **not centred** (a constant embedding is
# the collapse we want to see, and centring would subtract it away), and
# $\varepsilon = 10^{-7}$ keeps $\log$ away from 0 (it makes a rank-1 matrix score 1.0002 at
# $K = 64$). An all-zero $Z$ has no direction at all; we define its effective rank as 0.
# Unlike `torch.linalg.matrix_rank`, which counts the singular values above a tolerance, the
# effective rank weighs them: a collapsed embedding plus a little noise has full numerical
# rank but an effective rank near 1.
#
# **SimSiam** (Chen & He 2021). A predictor $h$ (a small MLP) maps $z$ to $p = h(z)$, and with
# $\mathcal D(p, z) = -\frac{p}{\lVert p\rVert}\cdot\frac{z}{\lVert z\rVert}$,
#
# $$\mathcal L = \tfrac12\,\mathcal D\big(p', \operatorname{sg}(z'')\big) + \tfrac12\,\mathcal D\big(p'', \operatorname{sg}(z')\big),$$
#
# where $\operatorname{sg}$ (stop-gradient, `detach()`) makes the other view's embedding a
# constant target for this step. The paper's Fig. 2: without $\operatorname{sg}$ the output's
# per-dimension standard deviation (of the normalised output) drops to 0, a total collapse, and
# the kNN accuracy to chance. With it, the paper interprets SimSiam as alternating
# optimisation (§5): the target plays the role of a per-image centre that is held fixed while
# the network moves towards it.
#
# **BYOL** (Grill et al. 2020). The target side is a second network $\xi$, an exponential
# moving average of the online network $\theta$: $\xi \leftarrow m\,\xi + (1-m)\,\theta$ after
# every step ($m = 0.99$ to $0.996$), with no gradient; the loss
# $\lVert \bar p' - \bar t''\rVert^2 + \lVert \bar p'' - \bar t'\rVert^2$ on unit vectors is
# $2 - 2\cos$ per term. SimSiam is BYOL with $m = 0$.
#
# **Barlow Twins** (Zbontar et al. 2021). Standardise every feature over the batch
# ($\hat z_{bi} = (z_{bi} - \mu_i)/\sqrt{\operatorname{Var}_i + 10^{-5}}$, the biased variance,
# as `BatchNorm1d(affine=False)` does), form the $D\times D$ cross-correlation
# $C_{ij} = \frac1N\sum_b \hat z'_{bi}\hat z''_{bj}$, and
#
# $$\mathcal L_{BT} = \sum_i (1 - C_{ii})^2 + \lambda \sum_{i\ne j} C_{ij}^2, \qquad \lambda = 5\cdot 10^{-3}.$$
#
# A constant feature standardises to 0, so $C_{ii} = 0$ and it costs 1: collapse is expensive.
#
# **VICReg** (Bardes et al. 2022), with unbiased batch (co)variances:
#
# $$\mathcal L = \lambda\,\underbrace{\tfrac{1}{ND}\lVert Z' - Z''\rVert_F^2}_{\text{invariance}}
#   + \mu\,\underbrace{\tfrac12\sum_{Z\in\{Z', Z''\}}\tfrac1D\sum_i \max\!\big(0,\,1 - \sqrt{\operatorname{Var}(Z_{:,i}) + \epsilon}\big)}_{\text{variance}}
#   + \nu\,\underbrace{\sum_{Z\in\{Z', Z''\}}\tfrac1D\sum_{i\ne j}\operatorname{Cov}(Z)_{ij}^2}_{\text{covariance}},$$
#
# with $\lambda = \mu = 25$, $\nu = 1$, $\epsilon = 10^{-4}$. The hinge is on the standard
# deviation, not the variance (the paper: the variance gives the gradient $2\sigma$, which
# vanishes near collapse, where it is needed most).

# %% [markdown]
# ## The common wrong answer: pull every pair together
#
# The seed's "implicit supervision" loss takes a batch of embeddings and, for every pair
# $i \ne j$ of different data points, adds $\max(0, 1 - e_i\cdot e_j)$: it pulls every pair
# together, views of the same image and different images alike. (Its explanation says it makes
# features "discriminative"; it does the opposite.) Any constant vector with
# $\lVert e\rVert \ge 1$ is a minimiser. We run it on the two views' embeddings, in two forms:
#
# - **as the seed wrote it**, a hinge on raw dot products (re-implemented, vectorised);
# - **its cosine form**, $\frac{1}{2N(2N-1)}\sum_{i\ne j}(1 - \cos(z_i, z_j))$, whose only
#   minimisers are embeddings that all point the same way: collapse by construction.
#
# The recipe, the same for every loss in this chapter: `digits` (1,257 training images, no
# labels), views by the package's `batch_augment` (random resized crops of 80-100% of the
# area, no flip, no colour), an MLP encoder $64 \to 128 \to 128$ (the representation $h$),
# a projector $128 \to 128 \to 64$ (the embedding $z$, $D = 64$), Adam at $3\cdot10^{-3}$,
# 300 steps of 128 images, three seeds. Every trained model is judged the same way on the 540
# test images: the effective rank of $z$ and of $h$, and a linear probe with **5 labels per
# class** (mean over 3 draws of the labels) on $h$ and on $z$. The seed's literal form runs
# on one seed only, to save time; the cosine form on three, reused in the headline. The
# effective rank used here is the package's; you write your own in the first exercise.

# %%
x, y, x_test, y_test = digits()
SEEDS = (0, 1, 2)
STEPS, BATCH, LR, DIM = scaled(300, 20), 128, 3e-3, 64
LABEL_DRAWS = range(3)
erank = rank_reference.effective_rank  # the package's, until you write yours below


def views(xb, generator):
    """A random view of every image: resized crops of 80-100% of the area. (B, 1, 8, 8) -> same."""
    return batch_augment(xb, generator, color=False, gray=False, flip=False, scale=(0.8, 1.0))


def pull_every_pair_seed(z1, z2):
    """The seed's loss, vectorised: hinge 1 - e_i . e_j over every pair i != j of the 2N embeddings."""
    e = torch.cat([z1, z2])  # (2N, D)
    n = len(e)
    hinge = F.relu(1 - e @ e.T)  # (2N, 2N)
    # the mean over i != j as (all - diagonal): a boolean-mask gather would cost more than the model
    return (hinge.sum() - hinge.diagonal().sum()) / (n * (n - 1))


def pull_every_pair(z1, z2):
    """Its cosine form: mean over every pair i != j of the 2N embeddings of 1 - cos(z_i, z_j)."""
    e = F.normalize(torch.cat([z1, z2]), dim=1)  # (2N, D)
    n = len(e)
    # 1 - cos(z_i, z_i) = 0 on the diagonal, so the sum over i != j is the sum over all pairs
    return (1 - e @ e.T).sum() / (n * (n - 1))


def train(loss_fn, seed, predictor=False, steps=STEPS, view_fn=views):
    """One run of the chapter's recipe. loss_fn(z1, z2) -> scalar, or, with predictor=True,
    loss_fn(p1, p2, z1, z2) -> scalar (SimSiam). Returns (encoder, projector, final loss)."""
    seed_everything(seed)
    encoder, projector = MLPEncoder(64, (128, 128)), ProjectionHead(128, 128, DIM)
    parts = [encoder, projector] + ([Predictor(DIM, DIM // 4)] if predictor else [])
    model = torch.nn.ModuleList(parts).to(device()).train()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    g = torch.Generator().manual_seed(seed)  # batches and views
    for _ in range(steps):
        xb = x[torch.randint(len(x), (BATCH,), generator=g)]
        v1, v2 = view_fn(xb, g).to(device()), view_fn(xb, g).to(device())
        z1, z2 = projector(encoder(v1)), projector(encoder(v2))
        loss = loss_fn(parts[2](z1), parts[2](z2), z1, z2) if predictor else loss_fn(z1, z2)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return encoder.eval(), projector.eval(), loss.item()


def five_label_probe(train_feats, test_feats):
    """Linear-probe test accuracy with 5 labelled images per class, mean over the label draws."""
    accs = [linear_probe(train_feats[i], y[i], test_feats, y_test)
            for i in (few_labels(y, 5, seed=d) for d in LABEL_DRAWS)]
    return sum(accs) / len(accs)


@torch.no_grad()
def evaluate(encoder, projector):
    """Effective rank (test set) and 5-label probe of h = encoder(x) and of z = projector(h)."""
    h, h_test = features(encoder, x), features(encoder, x_test)
    z, z_test = (projector(f.to(device())).cpu() for f in (h, h_test))
    return {"rank z": erank(z_test).item(), "rank h": erank(h_test).item(),
            "probe h": five_label_probe(h, h_test), "probe z": five_label_probe(z, z_test),
            "centred rank z": erank(z_test - z_test.mean(0)).item(),
            "std of z/|z|": F.normalize(z_test, dim=1).std(dim=0).mean().item()}


def run_seeds(loss_fn, predictor=False, desc=""):
    """Train and evaluate one loss for every seed: {metric: (S,) tensor}, plus 'loss' per seed."""
    rows = []
    for seed in progress_bar(SEEDS, desc=desc, leave=False):
        encoder, projector, final = train(loss_fn, seed, predictor)
        rows.append(evaluate(encoder, projector) | {"loss": final})
    return {k: torch.tensor([r[k] for r in rows]) for k in rows[0]}


# %%
literal = train(pull_every_pair_seed, seed=0)
literal_eval = evaluate(*literal[:2])
every_pair = run_seeds(pull_every_pair, desc="every-pair loss")
seed_everything(0)
untrained = evaluate(MLPEncoder(64, (128, 128)).eval(), ProjectionHead(128, 128, DIM).eval())
raw_probe = five_label_probe(x.flatten(1), x_test.flatten(1))


def show(name, r):
    """One line of mean ± std over seeds (or one value) per metric."""
    cells = []
    for k in ("rank z", "rank h", "probe h", "probe z"):
        v = torch.as_tensor(r[k], dtype=torch.float64).reshape(-1)
        scale, fmt = (100, "5.1f") if "probe" in k else (1, "5.2f")
        spread = f" ± {scale * v.std():{fmt}}" if len(v) > 1 else " " * 8
        cells.append(f"{scale * v.mean():{fmt}}{spread}")
    print(f"{name:34s}" + "  ".join(cells))


print(f"{'':34s}{'rank z (of 64)':16s}{'rank h (of 128)':16s}{'probe h (%)':16s}{'probe z (%)':14s}")
show("untrained network", untrained)
show("seed's hinge on dot products (1)", literal_eval)
show("every pair, cosine form (3)", every_pair)
print(f"raw pixels, 5-label probe: {100 * raw_probe:.1f}%;  seed's form: final loss {literal[2]:.4f}; "
      f"cosine form: final loss {every_pair['loss'].max():.2e} (at most), std of z/|z| "
      f"{every_pair['std of z/|z|'].mean():.4f}")

# %%
if not quick_mode():
    assert literal[2] == 0.0 and literal_eval["rank z"] > 10  # zero loss, zero gradient: it stops, uncollapsed
    assert every_pair["loss"].max() < 1e-3 and every_pair["rank z"].max() < 2
    assert every_pair["probe z"].max() < 0.4 < untrained["probe z"]  # z: far below the untrained network's
    assert abs(every_pair["probe h"].mean() - untrained["probe h"]) < 0.05  # h: about where it started

# %% [markdown]
# **What the every-pair loss does.** In its cosine form it collapses: the loss goes to 0, every
# embedding points the same way (the spread of the unit vectors over the test set is about
# $10^{-3}$), the effective rank of $z$ ends under 2 and a probe on $z$ falls far below the
# untrained network's (the few-label probe can still read something from the tiny spread). The
# seed's literal form fails differently: a hinge on raw dot products is satisfied as soon as
# every pair has $e_i\cdot e_j \ge 1$, which long embeddings in a common half-space reach
# without collapsing; its loss hits exactly 0 and from then on it has **no gradient at all**,
# so training simply stops. Neither learns anything: the encoder's features $h$ probe about
# where the untrained network's do. The collapse happens in the projector, which can output a
# constant alone; this is why the probe on $h$ is not where collapse shows (see "Reading the
# results honestly").

# %% [markdown]
# ## Exercise 12.effective_rank
#
# Write `effective_rank(z, eps=1e-7)` for embeddings `z` of shape `(N, D)`, any $N$ and $D$
# ($N < D$ included): the formula above, with $\min(N, D)$ singular values of `z` itself (do
# not centre), $p_k = \sigma_k / \sum_j\sigma_j + \varepsilon$, and $\exp$ of the entropy
# (natural log). An all-zero `z` returns 0. Return a scalar tensor with `z`'s dtype and
# device; float64 in, float64 arithmetic. No gradient is needed.

# %%
def effective_rank(z: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    """z: (N, D) -> scalar: exp(entropy of the normalised singular values of z + eps); 0 if z is all zero."""
    ### BEGIN SOLUTION
    sigma = torch.linalg.svdvals(z)  # (min(N, D),)
    total = sigma.sum()
    p = sigma / total.clamp_min(torch.finfo(z.dtype).tiny) + eps  # no 0 / 0 for an all-zero z
    erank = torch.exp(-(p * p.log()).sum())
    return torch.where(total > 0, erank, torch.zeros_like(erank))
    ### END SOLUTION


check("12.effective_rank", effective_rank)

# %%
effective_rank = use_reference_if_unsolved("12.effective_rank", effective_rank)
erank = effective_rank  # from here on, every rank is measured with yours
noise = 1e-3 * torch.randn(200, 64, generator=torch.Generator().manual_seed(0))
collapsed = torch.ones(200, 64) + noise  # a constant embedding, slightly perturbed
print(f"constant + noise 1e-3: matrix_rank {torch.linalg.matrix_rank(collapsed).item()}, "
      f"effective rank {effective_rank(collapsed):.3f}; identity(64): {effective_rank(torch.eye(64)):.2f}")

# %% [markdown]
# The numerical rank calls the perturbed constant full-rank (64); the effective rank sees one
# direction.

# %% [markdown]
# ## Exercise 12.barlow_twins
#
# Write `barlow_twins(z1, z2, lambda_=5e-3)` for two views `z1`, `z2` of shape `(N, D)`:
# standardise each **feature** (column) over the batch with the **biased** variance and
# $\epsilon = 10^{-5}$ inside the square root (as `BatchNorm1d(affine=False)` in training
# mode), $C = \hat z_1^\top \hat z_2 / N$, and return
# $\sum_i (1-C_{ii})^2 + \lambda \sum_{i\ne j} C_{ij}^2$. A batch of one row has no variance:
# raise `ValueError`. Keep the gradient; float64 in, float64 out. The reference equals
# lightly's `BarlowTwinsLoss` (checked below).

# %%
def barlow_twins(z1: torch.Tensor, z2: torch.Tensor, lambda_: float = 5e-3) -> torch.Tensor:
    """z1, z2: (N, D) two views of N inputs, N >= 2 -> scalar Barlow Twins loss."""
    ### BEGIN SOLUTION
    n = z1.shape[0]
    if n < 2:
        raise ValueError(f"barlow_twins needs a batch of at least 2 rows, got {n}")

    def standardise(z):  # (N, D): every feature mean 0, biased variance 1 over the batch
        return (z - z.mean(dim=0)) / torch.sqrt(z.var(dim=0, unbiased=False) + 1e-5)

    c = standardise(z1).T @ standardise(z2) / n  # (D, D) cross-correlation
    on_diag = (1 - c.diagonal()).pow(2).sum()
    off_diag = c.pow(2).sum() - c.diagonal().pow(2).sum()
    return on_diag + lambda_ * off_diag
    ### END SOLUTION


check("12.barlow_twins", barlow_twins)

# %% [markdown]
# ## Exercise 12.vicreg
#
# Write `vicreg(z1, z2, sim_weight=25.0, var_weight=25.0, cov_weight=1.0, eps=1e-4)`: the
# VICReg loss of the theory section, with the **unbiased** variance and covariance (divide by
# $N-1$). Invariance: the mean squared error over all $N\cdot D$ entries. Variance: for each
# view, the mean over features of $\max(0, 1-\sqrt{\operatorname{Var}+\epsilon})$, then the
# average of the two views. Covariance: for each view, the sum of the squared off-diagonal
# entries of its $D\times D$ covariance divided by $D$, then the **sum** of the two views.
# A batch of one row: raise `ValueError`. The reference equals lightly's `VICRegLoss`.

# %%
def vicreg(z1: torch.Tensor, z2: torch.Tensor, sim_weight: float = 25.0, var_weight: float = 25.0,
           cov_weight: float = 1.0, eps: float = 1e-4) -> torch.Tensor:
    """z1, z2: (N, D) two views of N inputs, N >= 2 -> scalar VICReg loss."""
    ### BEGIN SOLUTION
    n, d = z1.shape
    if n < 2:
        raise ValueError(f"vicreg needs a batch of at least 2 rows, got {n}")
    invariance = F.mse_loss(z1, z2)
    variance = covariance = 0.0
    for z in (z1, z2):
        zc = z - z.mean(dim=0)
        cov = zc.T @ zc / (n - 1)  # (D, D), unbiased
        var = cov.diagonal()
        variance = variance + F.relu(1 - torch.sqrt(var + eps)).mean() / 2
        covariance = covariance + (cov.pow(2).sum() - var.pow(2).sum()) / d
    return sim_weight * invariance + var_weight * variance + cov_weight * covariance
    ### END SOLUTION


check("12.vicreg", vicreg)

# %%
barlow_twins = use_reference_if_unsolved("12.barlow_twins", barlow_twins)
vicreg = use_reference_if_unsolved("12.vicreg", vicreg)

# %% [markdown]
# ## The headline experiment: one budget, five losses
#
# The every-pair loss above, **SimSiam without stop-gradient**, **SimSiam**, **Barlow Twins**
# (your `barlow_twins`) and **VICReg** (your `vicreg`), each trained with the recipe of the
# common-wrong-answer section: same encoder and projector, data, views, optimiser, 300 steps
# and seeds 0, 1, 2. SimSiam adds its predictor ($64 \to 16 \to 64$, the paper's 4:1
# bottleneck). Each run is judged by the effective rank of $z$ ($D = 64$) and of $h$, and by
# the 5-label probe.
#
# **Bars**, decided from the theory: the every-pair loss's only minimisers have rank 1, so it
# must end **near rank 1: at most 2** (less than two directions' worth, mean over seeds);
# VICReg's variance and covariance terms push towards $D$ equally spread directions, so it
# must use **at least half of them: effective rank $\ge 32$** (mean over seeds).

# %%
results = {"every pair (cosine)": every_pair}
results["SimSiam, no stop-gradient"] = run_seeds(
    lambda p1, p2, z1, z2: simsiam_loss(p1, p2, z1, z2, stop_gradient=False), predictor=True, desc="SimSiam, no sg")
results["SimSiam"] = run_seeds(simsiam_loss, predictor=True, desc="SimSiam")
results["Barlow Twins"] = run_seeds(barlow_twins, desc="Barlow Twins")
results["VICReg"] = run_seeds(vicreg, desc="VICReg")

print(f"mean ± std over seeds {SEEDS}, {STEPS} steps each")
print(f"{'':34s}{'rank z (of 64)':16s}{'rank h (of 128)':16s}{'probe h (%)':16s}{'probe z (%)':14s}")
show("untrained network", untrained)
for name, r in results.items():
    show(name, r)
print(f"raw pixels, 5-label probe: {100 * raw_probe:.1f}%")

fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
names = list(results)
for ax, keys, label in ((axes[0], ("rank z", "rank h"), "effective rank"),
                        (axes[1], ("probe h", "probe z"), "5-label probe accuracy")):
    for k, key in enumerate(keys):
        means = [results[n][key].mean().item() for n in names]
        stds = [results[n][key].std().item() for n in names]
        ax.bar([i + 0.4 * k for i in range(len(names))], means, 0.4, yerr=stds, capsize=3, label=key)
    ax.set(xticks=[i + 0.2 for i in range(len(names))], ylabel=label)
    ax.set_xticklabels(names, rotation=20, ha="right", fontsize=8)
    ax.legend()
axes[0].axhline(DIM / 2, color="gray", ls=":", lw=1)
axes[0].axhline(1, color="tab:red", ls=":", lw=1)
axes[1].axhline(raw_probe, color="gray", ls=":", lw=1, label="raw pixels")
axes[1].axhline(0.1, color="tab:red", ls=":", lw=1, label="chance")
axes[0].set_title(f"digits, {STEPS} steps, 3 seeds: how many directions z and h use")
axes[1].set_title("linear probe, 5 labels per class")
plt.tight_layout()
plt.show()

bar("12.every_pair_rank_z", every_pair["rank z"].mean(), "<=", 2.0)
bar("12.vicreg_rank_z", results["VICReg"]["rank z"].mean(), ">=", DIM / 2)

# %%
def beyond_spread(a, b):
    """True when runs a: (S,) are above runs b: (S,) by more than their two standard deviations added."""
    return (a.mean() - b.mean()).item() > (a.std() + b.std()).item()


no_sg, simsiam_r = results["SimSiam, no stop-gradient"], results["SimSiam"]
bt_r, vic_r = results["Barlow Twins"], results["VICReg"]
if not quick_mode():
    assert no_sg["rank z"].max() < 6 and no_sg["loss"].max() < -0.99  # near -1: every p along its target
    assert beyond_spread(simsiam_r["rank z"], no_sg["rank z"]) and beyond_spread(simsiam_r["probe z"], no_sg["probe z"])
    for r in (bt_r, vic_r):
        assert beyond_spread(r["rank z"], simsiam_r["rank z"]) and beyond_spread(r["probe h"], simsiam_r["probe h"])
        assert r["probe h"].mean() > raw_probe and r["rank z"].min() > DIM / 2
        assert beyond_spread(r["probe h"], every_pair["probe h"])
    assert abs(no_sg["probe h"].mean() - untrained["probe h"]) < 0.05  # h: about where it started

# %% [markdown]
# **What the runs show** (each line asserted above):
#
# - **Collapse, total and partial.** The every-pair loss ends under rank 2 (the bar); SimSiam
#   **without** stop-gradient drives its loss to about $-1$ (every prediction along its
#   target) with an embedding of rank under 6 and a probe on $z$ far below SimSiam's. Its
#   encoder features $h$ probe no better than the untrained network's. This is the paper's
#   Fig. 2 at small scale; in 300 steps the collapse is not yet complete (the paper trains
#   100 epochs on ImageNet).
# - **The stop-gradient alone** turns the same loss, network and predictor into a method that
#   does not collapse: SimSiam's rank and probe on $z$ are above the no-stop-gradient run's
#   beyond the spread over seeds.
# - **Barlow Twins and VICReg** use more than half of the 64 directions on every seed (VICReg's
#   mean is the bar), more than SimSiam beyond the spread, and their features $h$ beat raw
#   pixels with 5 labels per class, and SimSiam's, beyond the spread.
#
# **The peer check.** Barlow Twins and VICReg as written here equal `lightly`'s losses (the
# test suite checks values and gradients to $10^{-5}$); on the trained VICReg network's
# embeddings of a batch of views:

# %%
try:
    from lightly.loss import BarlowTwinsLoss, VICRegLoss
except ImportError as exc:  # lightly is a test dependency: without it, say so and skip
    BarlowTwinsLoss = VICRegLoss = None
    print(f"lightly is not installed ({exc}); skipping the comparison with a trusted peer. "
          "Install it with `pip install lightly` to run it.")

if VICRegLoss is not None:
    encoder, projector, _ = train(vicreg, seed=0, steps=scaled(20, 2))
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        xb = x[:256]
        z1, z2 = (projector(encoder(views(xb, g).to(device()))) for _ in range(2))
        pairs = {"Barlow Twins": (barlow_twins(z1, z2).item(), BarlowTwinsLoss()(z1, z2).item()),
                 "VICReg": (vicreg(z1, z2).item(), VICRegLoss()(z1, z2).item())}
    for name, (ours, theirs) in pairs.items():
        print(f"{name:13s} ours {ours:.6f}   lightly {theirs:.6f}   difference {abs(ours - theirs):.1e}")
    assert all(abs(a - b) <= 1e-4 * max(1.0, abs(b)) for a, b in pairs.values())

# %% [markdown]
# ## Reading the results honestly
#
# Four things this experiment does not show the way the story above might suggest, each
# measured here, and what it cannot show at all.
#
# **1. The probe on $h$ hardly sees the collapse.** The collapse happens in the embedding $z$;
# the projector can output a constant on its own, so the encoder's features $h$ are left
# roughly where they started. Their probe is about the untrained network's, and a random
# network's features of `digits` are already a decent basis (printed in the table). A probe on
# $h$ after a short run is a weak collapse detector; the effective rank of $z$ (or a probe on
# $z$) is the direct one.
#
# **2. Centring changes the verdict.** RankMe does not centre, and that is a choice with
# consequences: the collapsed embeddings' tiny remaining spread, once the constant is
# subtracted, is spread over many directions:

# %%
print(f"every-pair loss: rank z {every_pair['rank z'].mean():.2f} uncentred, "
      f"{every_pair['centred rank z'].mean():.2f} centred (of 64); "
      f"VICReg: {vic_r['rank z'].mean():.1f} uncentred, {vic_r['centred rank z'].mean():.1f} centred")
if not quick_mode():
    assert every_pair["centred rank z"].min() > 2 * every_pair["rank z"].max()
    assert (vic_r["centred rank z"] - vic_r["rank z"]).abs().max() < 2

# %% [markdown]
# Centred, the collapsed embedding's rank is several times higher, because the entropy is
# blind to scale: noise of size $10^{-3}$ spread over many directions counts like a real
# signal spread over them. For VICReg, whose features have mean near 0, centring changes
# little. The effective rank measures how evenly the singular values spread, never how large
# they are.
#
# **3. SimSiam does not collapse, but in 300 steps it does not spread either.** Its rank of
# $z$ is about the untrained network's, and its probe on $h$ about raw pixels':

# %%
print(f"rank z: untrained {untrained['rank z']:.1f}, SimSiam {simsiam_r['rank z'].mean():.1f} ± "
      f"{simsiam_r['rank z'].std():.1f}; probe h: raw pixels {100 * raw_probe:.1f}%, SimSiam "
      f"{100 * simsiam_r['probe h'].mean():.1f}% ± {100 * simsiam_r['probe h'].std():.1f}")
if not quick_mode():
    assert abs(simsiam_r["rank z"].mean() - untrained["rank z"]) < 2
    assert abs(simsiam_r["probe h"].mean() - raw_probe) < 0.03

# %% [markdown]
# The stop-gradient prevents the collapse; it does not by itself push the embedding to use
# more directions, which Barlow Twins and VICReg do explicitly. This short run shows where
# SimSiam stands after 300 steps, not where a long schedule ends.
#
# **4. The rank VICReg reaches depends on the augmentations.** The views here are mild (crops
# of 80-100%). With the stronger views of chapter 05 (crops of 50-100% and pixel noise of
# standard deviation 0.1), VICReg's invariance term has less to keep, one run:

# %%
def strong_views(xb, generator):
    """Chapter 05's digit views: crops of 50-100% of the area plus pixel noise of std 0.1."""
    v = batch_augment(xb, generator, color=False, gray=False, flip=False, scale=(0.5, 1.0))
    return v + 0.1 * torch.randn(v.shape, generator=generator)


strong = evaluate(*train(vicreg, seed=0, view_fn=strong_views)[:2])
print(f"VICReg, seed 0: rank z {vic_r['rank z'][0]:.1f} with mild views, {strong['rank z']:.1f} with strong views; "
      f"probe h {100 * vic_r['probe h'][0]:.1f}% and {100 * strong['probe h']:.1f}%")
if not quick_mode():
    assert strong["rank z"] < DIM / 2 < vic_r["rank z"].min()
    assert abs(strong["probe h"] - vic_r["probe h"][0]) < 0.02

# %% [markdown]
# With the strong views VICReg ends below half the dimension: the bar holds for the mild views
# it was set on, not for any augmentation. The invariance term removes whatever the
# augmentations change, and on 8x8 digits with strong crops and noise not enough survives to
# fill 64 directions. Yet the probe on $h$ stayed within 2 points (one run): the rank of $z$
# fell, the features did not get worse. The effective rank detects collapse; it does not rank
# two non-collapsed representations across settings (RankMe compares ranks within one method
# and setting).
#
# **What this setting cannot show.** BYOL (`ssl_course/noncontrastive/byol.py`, its loss and
# EMA update checked against lightly in the tests) is not trained here, to stay inside the
# notebook's 60 s. SimSiam's and BYOL's stability rests on details this small MLP does not
# test: the predictor's learning rate, BatchNorm in the projector, the EMA schedule; the paper
# also finds that SimSiam without a predictor collapses. And 300 steps are far from
# convergence: the ranks here are where each method stands after a short run, not where it
# ends.

# %% [markdown]
# ## Interview drill

# %%
quiz("12.q1")

# %%
quiz("12.q2")

# %%
quiz("12.q3")

# %%
quiz("12.q4")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>Your BYOL run's loss drops to almost 0 in the first epoch. Good news?</summary>
#
# Probably not: a loss near its minimum that early usually means collapse. Check the effective
# rank of the embeddings (or the per-dimension standard deviation of the normalised output, as
# SimSiam's Fig. 2 does) and a kNN or probe accuracy; a constant output scores rank 1 and
# chance accuracy. Then check that the target really gets no gradient (the stop-gradient, or
# the EMA network outside the optimiser) and that the predictor is there.
# </details>
#
# <details><summary>Why does Barlow Twins standardise the features over the batch, and what
# breaks with a batch of 1?</summary>
#
# The cross-correlation must be a correlation: each feature with mean 0 and variance 1 over the
# batch, so $C_{ii} = 1$ means "feature $i$ agrees across views" whatever its scale, and a
# constant feature (variance 0) standardises to 0 and costs $(1 - 0)^2 = 1$. That is what
# makes collapse expensive. With one row there is no variance to standardise by: the loss is
# undefined (the reference raises), and with small batches the estimate is noisy.
# </details>
#
# <details><summary>VICReg's variance term is a hinge at standard deviation 1. Why not simply
# maximise the variance?</summary>
#
# An unbounded variance reward would let the network grow the embeddings without limit instead
# of learning; the hinge only forbids shrinking below 1 and is zero above it. It is on the
# standard deviation because the gradient of the variance, $2\sigma$, vanishes as
# $\sigma \to 0$, exactly at collapse; the gradient of $\sqrt{\operatorname{Var} + \epsilon}$
# does not (and $\epsilon$ keeps it finite at 0).
# </details>
#
# ## Summary
#
# - A loss that only rewards agreement is minimised by a constant. The seed's every-pair loss,
#   in its cosine form, collapses: loss 0, effective rank of $z$ under 2 of 64, a probe on $z$
#   far below the untrained network's. Its literal form (a hinge on raw dot products) reaches loss 0 without
#   collapsing and then has no gradient: it stops learning.
# - Measure collapse with the **effective rank** (exp of the entropy of the normalised
#   singular values, uncentred as in RankMe), not with `matrix_rank` (noise makes it full) and
#   not only with a probe on $h$ (the projector can collapse alone).
# - **SimSiam** needs its stop-gradient: without it the same network drives the loss to $-1$
#   and its rank to a few directions; with it, the rank stays where it started (in 300 steps).
#   **BYOL** replaces the stop-gradient target by an EMA
#   network.
# - **Barlow Twins** (cross-correlation of batch-standardised features to the identity) and
#   **VICReg** (a hinge on each feature's standard deviation plus decorrelation) make collapse
#   expensive in the loss itself; here both used more than half of the 64 directions and
#   probed best, with mild views. With strong views VICReg's rank fell below half.
#
# ## References
#
# - X. Chen, K. He. *Exploring Simple Siamese Representation Learning* (SimSiam), CVPR 2021.
# - J.-B. Grill et al. *Bootstrap Your Own Latent: A New Approach to Self-Supervised Learning*
#   (BYOL), NeurIPS 2020.
# - J. Zbontar, L. Jing, I. Misra, Y. LeCun, S. Deny. *Barlow Twins: Self-Supervised Learning via
#   Redundancy Reduction*, ICML 2021.
# - A. Bardes, J. Ponce, Y. LeCun. *VICReg: Variance-Invariance-Covariance Regularization for
#   Self-Supervised Learning*, ICLR 2022.
# - O. Roy, M. Vetterli. *The Effective Rank: a Measure of Effective Dimensionality*, EUSIPCO 2007.
# - Q. Garrido, R. Balestriero, L. Najman, Y. LeCun. *RankMe: Assessing the Downstream
#   Performance of Pretrained Self-Supervised Representations by Their Rank*, ICML 2023.
# - I. Susmelj et al. *Lightly*, the self-supervised learning library used as the trusted peer
#   (`lightly.loss.BarlowTwinsLoss`, `VICRegLoss`, `NegativeCosineSimilarity`).
