# %% [markdown]
# # 10 · Clustering and pseudo-labels
#
# > **问题：** 自监督学习中的聚类是什么？它如何应用于自监督学习？伪标签又是什么，如何生成、如何评估它的质量？
# >
# > **Question:** What is clustering in self-supervised learning, and how is it used there?
# > What are pseudo-labels, how are they made, and how do you judge their quality?
#
# > **The seed interviews behind it** (000 Q10; 001 Q3, Q9-Q17): clustering as a source of
# > "auxiliary supervision", "data augmentation" and "dimensionality reduction"; pseudo-label
# > generation, quality, strategies, optimisation and their effect on a model.
#
# **Model answer.** Clustering groups unlabelled points so that points in one group are close.
# In self-supervised learning it is used in two ways. (1) **As a training signal:** DeepCluster
# (Caron et al. 2018) alternates k-means on the network's features with training the network to
# predict the cluster ids, which serve as pseudo-labels; SwAV and DINO are its online
# descendants. (2) **As an evaluation:** cluster a frozen representation and compare the clusters
# with the true classes. Cluster ids are arbitrary names, so they must be **matched** to the
# classes first (the Hungarian algorithm on the contingency matrix) before an accuracy means
# anything; NMI and ARI need no matching. A **pseudo-label** is a model's own prediction on an
# unlabelled example, used as a training target (Lee 2013). **Self-training** fits a model on
# the few labels, pseudo-labels the rest, keeps only the **confident** predictions (a threshold
# on the largest probability) and trains again. Their quality is judged against held-out true
# labels: the share kept and the accuracy of what is kept. Clustering is not augmentation:
# a subset of the data selected by a cluster id contains no new example.

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
from ssl_course.cluster.kmeans import kmeans, lloyd
from ssl_course.cluster.matching import ari, contingency, nmi
from ssl_course.cluster.pseudo_labels import self_train
from ssl_course.contrastive.simclr import train_simclr
from ssl_course.data.digits import digits
from ssl_course.data.split import few_labels
from ssl_course.evaluate.probes import features
from ssl_course.models.encoders import ConvEncoder
from ssl_course.models.heads import ProjectionHead

seed_everything(0)
print("device:", device())

# %% [markdown]
# ## Theory
#
# **k-means.** Given points $x_1,\dots,x_N \in \mathbb R^D$, k-means looks for $K$ centres
# $\mu_1,\dots,\mu_K$ and an assignment $c(i)$ minimising the **inertia**
#
# $$J = \sum_{i=1}^N \lVert x_i - \mu_{c(i)} \rVert^2 .$$
#
# **Lloyd's algorithm** alternates the two exact partial minimisations: assign every point to
# its nearest centre, $c(i) = \arg\min_k \lVert x_i - \mu_k\rVert^2$, then move every centre to
# the mean of its points. Neither step can raise $J$, so it converges, but to a local minimum
# that depends on the start. **k-means++** (Arthur & Vassilvitskii 2007) starts well: the first
# centre is a uniformly drawn point, and each next one is point $x$ drawn with probability
#
# $$P(x) = \frac{D(x)^2}{\sum_{x'} D(x')^2},$$
#
# $D(x)$ the distance from $x$ to the nearest centre chosen so far. Far points are likely,
# already-covered ones unlikely (a chosen point has $D = 0$), and the expected inertia of the
# seeding alone is within $O(\log K)$ of the optimum. Running several seedings and keeping the
# lowest $J$ (scikit-learn's `n_init`) guards against a bad start. `ssl_course.cluster.kmeans`
# runs the restarts' Lloyd iterations together, as one batched tensor computation.
#
# **Matching clusters to classes.** With $K$ clusters and $C$ classes, the contingency
# matrix $M_{kc}$ counts the points of cluster $k$ with label $c$. A cluster named "3" has no
# reason to hold the digit 3, so comparing ids with labels directly scores a perfect clustering
# anywhere between 0 and 1. The **matched accuracy** takes the one-to-one map $\pi$ from
# clusters to classes that maximises the points it gets right,
#
# $$\mathrm{ACC} = \frac1N \max_{\pi} \sum_{k} M_{k,\pi(k)},$$
#
# an assignment problem solved exactly by the **Hungarian algorithm** in $O(\max(K,C)^3)$
# (`scipy.optimize.linear_sum_assignment`); trying all $K!$ maps is the same answer, too slowly.
# With $K > C$ some clusters get no class and their points count as wrong.
#
# **NMI and ARI** are invariant to renaming by construction. NMI divides the mutual information
# between the two labelings by the mean of their entropies,
# $\mathrm{NMI} = I(c; y) / \tfrac12 (H(c) + H(y))$ (1: the same partition; 0: independent);
# ARI counts pairs of points that the two partitions put together or apart, corrected so that a
# random partition scores 0 on average. This chapter calls scikit-learn's
# `normalized_mutual_info_score` and `adjusted_rand_score` (`cluster.matching.nmi`, `ari`):
# they are the trusted reference, and rewriting them would only add a chance to be wrong. The
# matched accuracy has no scikit-learn function, so it is ours (the exercise below), checked
# against a brute-force maximum over all permutations in `tests/test_cluster.py`.
#
# **Pseudo-labels and self-training.** A classifier $f$ fitted on $L$ labelled examples gives
# probabilities $p(y \mid x)$ on the $U$ unlabelled ones. The pseudo-label is
# $\hat y = \arg\max_c p(c \mid x)$, kept when $\max_c p(c\mid x) \ge \theta$. Refitting on the
# labelled plus the kept examples is **self-training** (entropy minimisation in disguise:
# Lee 2013; FixMatch, Sohn et al. 2020, keeps $\theta = 0.95$). The threshold trades quantity for
# quality: $\theta = 0$ keeps every prediction, mistakes included, and the model is then trained
# to repeat its own mistakes ("confirmation bias").

# %% [markdown]
# ## The common wrong answers, run
#
# **1. "Clustering as data augmentation."** Seed interview 000 (question 10) says clustering
# "generates new data samples" and shows, in substance, `X_aug = X[clusters == 0]`: k-means,
# then the points of cluster 0. We run exactly that on `digits` and look at what came out.

# %%
x_dig, y_dig, x_dig_test, y_dig_test = digits()
pixels = x_dig.flatten(1).double()  # (N, 64): k-means on raw pixels
SEEDS = (0, 1, 2)

labels0, _, _ = kmeans(pixels, 10, generator=torch.Generator().manual_seed(0))  # 10 clusters, as in the seed
x_aug = pixels[labels0 == 0]  # what the seed calls augmentation
is_copy = (torch.cdist(x_aug, pixels) == 0).any(dim=1)  # (|X_aug|,) an identical row exists in X
classes_in = torch.bincount(y_dig[labels0 == 0], minlength=10)
print(f"X: {len(pixels)} images; X_aug: {len(x_aug)} images, of which {int(is_copy.sum())} are exact copies "
      f"of images already in X")
print(f"digits in X_aug (counts of 0..9): {classes_in.tolist()}")
assert is_copy.all() and len(x_aug) < len(pixels) and classes_in.max() >= 0.5 * len(x_aug)

# %% [markdown]
# Every "augmented" image is an image the dataset already had: it is a **subset**, smaller than
# the data, not new data, and at least half of it is the one digit that cluster 0 happens to
# hold (the counts above). Training on it would add no example and skew the classes. Augmentation makes new
# views of each example (crops, noise, colour: chapters 02 and 04). What clustering can
# legitimately give is a *label*: the cluster id as a pseudo-label (DeepCluster), or the
# clusters as an evaluation, next.
#
# **2. Cluster ids compared with classes, unmatched.** The second common mistake scores a
# clustering by `(cluster_ids == labels).mean()`. Run it on the best clustering there is, the
# true classes under other names (a random permutation of the ten ids), and on k-means of the
# pixels for three seeds.

# %%
def raw_accuracy(clusters, labels):
    """The wrong score: cluster ids compared with labels as if they were the same names."""
    return float((clusters == labels).double().mean())


perm = torch.randperm(10, generator=torch.Generator().manual_seed(0))
renamed = perm[y_dig]  # a perfect clustering, every class under another id
print(f"true classes under new ids {perm.tolist()}: raw accuracy {raw_accuracy(renamed, y_dig):.3f}")
pixel_ids = {seed: kmeans(pixels, 10, generator=torch.Generator().manual_seed(seed))[0] for seed in SEEDS}
raw_runs = [raw_accuracy(pixel_ids[seed], y_dig) for seed in SEEDS]
print("k-means on pixels, raw accuracy per seed:", ", ".join(f"{a:.3f}" for a in raw_runs))
bar("10.perfect_clustering_raw_accuracy", raw_accuracy(renamed, y_dig), "<=", 0.2)
assert max(raw_runs) - min(raw_runs) > 0.1  # same method, other seeds: the names move, the score with them

# %% [markdown]
# The perfect clustering scores about chance (0.1, one digit kept its id by luck), and the three
# k-means runs, which differ only in their random seeding, score more than 10 points apart: the raw accuracy measures the arbitrary names,
# not the grouping. The matched accuracy you write next gives the perfect clustering 1.

# %% [markdown]
# ## Exercise 10.kmeans_pp_init
#
# Write the k-means++ seeding. `x: (N, D)` floating, `k` centres, `generator` a CPU
# `torch.Generator` or `None` (then torch's global generator). Return `(k, D)`: the chosen rows
# of `x`, in order, in `x`'s dtype and on its device. So that one answer is right, the random
# draws are fixed, all on the CPU and in this order:
#
# 1. first centre: index `torch.randint(N, (1,), generator=generator, device="cpu")`;
# 2. each next centre: `d2`, shape `(N,)`, the squared distance of every point to its
#    **nearest** chosen centre, computed as `((x - c) ** 2).sum(1)` (difference first, so a
#    duplicate of a centre has `d2 == 0` exactly) in `x`'s dtype; then index
#    `torch.multinomial(d2.cpu(), 1, generator=generator)`;
# 3. if every `d2` is 0 (fewer distinct points than `k`), `torch.multinomial` would refuse:
#    draw `torch.randint(N, (1,), generator=generator, device="cpu")` instead.
#
# The check calls your function twice with one generator (the second call must continue the
# stream, not repeat it), with `generator=None`, with duplicate points, with 700 points, and
# with float64 points.

# %%
def kmeans_pp_init(x: torch.Tensor, k: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """k-means++ seeding: x (N, D) -> (k, D) rows of x, each next one drawn with probability ∝ D(x)^2."""
    ### BEGIN SOLUTION
    n = x.shape[0]
    idx = [int(torch.randint(n, (1,), generator=generator, device="cpu"))]
    d2 = ((x - x[idx[0]]) ** 2).sum(1)  # (N,) squared distance to the nearest chosen centre
    for _ in range(1, k):
        if bool((d2 > 0).any()):
            i = int(torch.multinomial(d2.cpu(), 1, generator=generator))
        else:  # every point sits on a chosen centre
            i = int(torch.randint(n, (1,), generator=generator, device="cpu"))
        idx.append(i)
        d2 = torch.minimum(d2, ((x - x[i]) ** 2).sum(1))
    return x[torch.tensor(idx, device=x.device)]
    ### END SOLUTION


check("10.kmeans_pp_init", kmeans_pp_init)

# %%
kmeans_pp_init = use_reference_if_unsolved("10.kmeans_pp_init", kmeans_pp_init)

# %% [markdown]
# **Your seeding inside k-means, against scikit-learn.** Ten seedings with your function, the
# batched Lloyd iterations of `ssl_course.cluster.kmeans.lloyd`, the lowest inertia kept; then
# scikit-learn's `KMeans` (also k-means++, `n_init=10`) on the same pixels. Both find local
# minima, so they need not agree exactly; a wrong seeding or a wrong update would land visibly
# higher.

# %%
from sklearn.cluster import KMeans  # noqa: E402  (the trusted peer, here only)
from threadpoolctl import threadpool_limits  # noqa: E402


def my_kmeans_inertia(x, k, seed, n_init=10):
    """Inertia of k-means with n_init of your seedings, the best kept: a float."""
    g = torch.Generator().manual_seed(seed)
    centres = lloyd(x, torch.stack([kmeans_pp_init(x, k, g) for _ in range(n_init)]))  # (R, K, D)
    return float(torch.cdist(x, centres).pow(2).min(-1).values.sum(-1).min())


gaps = []
for seed in SEEDS:
    ours = my_kmeans_inertia(pixels, 10, seed)
    with threadpool_limits(limits=1):  # a small problem: threads would only fight torch's
        theirs = float(KMeans(10, n_init=10, random_state=seed).fit(pixels.numpy()).inertia_)
    gaps.append(ours / theirs - 1)
    print(f"seed {seed}: inertia ours {ours:.2f}, scikit-learn {theirs:.2f}, ratio - 1 = {gaps[-1]:+.2%}")
bar("10.kmeans_inertia_vs_sklearn", max(abs(g) for g in gaps), "<=", 0.01)

# %% [markdown]
# ## Exercise 10.matched_accuracy
#
# Write `matched_accuracy(clusters, labels) -> float`: `clusters` and `labels` are `(N,)`
# integer tensors (any values: they may skip, reach 10 and beyond, be int32, and the numbers
# of distinct clusters and labels may differ). Build the contingency matrix over the distinct
# values, find the one-to-one matching of clusters to labels with the most points
# (`scipy.optimize.linear_sum_assignment(table, maximize=True)`), and return the matched
# points divided by $N$, as a Python float. With more clusters than labels, the unmatched
# clusters' points count as wrong (a majority vote per cluster is a different, kinder score).

# %%
def matched_accuracy(clusters: torch.Tensor, labels: torch.Tensor) -> float:
    """Accuracy after the best one-to-one matching of cluster ids to labels: (N,), (N,) -> float."""
    ### BEGIN SOLUTION
    from scipy.optimize import linear_sum_assignment

    _, ci = torch.unique(clusters, return_inverse=True)  # cluster ids -> 0..K-1
    _, li = torch.unique(labels, return_inverse=True)  # labels -> 0..C-1
    k, c = int(ci.max()) + 1, int(li.max()) + 1
    table = torch.bincount((ci * c + li.to(ci.device)).long(), minlength=k * c).view(k, c).cpu().numpy()
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum()) / clusters.shape[0]
    ### END SOLUTION


check("10.matched_accuracy", matched_accuracy)

# %%
matched_accuracy = use_reference_if_unsolved("10.matched_accuracy", matched_accuracy)
print(f"the perfect clustering under new ids: matched accuracy {matched_accuracy(renamed, y_dig):.3f}")
assert matched_accuracy(renamed, y_dig) == 1.0

# %% [markdown]
# ## Exercise 10.confident_labels
#
# Write `confident_labels(probs, threshold) -> (labels, mask)`. `probs: (N, C)` class
# probabilities; `labels: (N,)` int64, the most probable class of each row, a tie going to the
# **lowest** index; `mask: (N,)` bool, True where that largest probability is
# **`>= threshold`** (exactly equal counts as confident). Compare in `probs`' own dtype, and
# return both on `probs`' device.

# %%
def confident_labels(probs: torch.Tensor, threshold: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Pseudo-labels (N,) int64 and the mask (N,) bool of those with max probability >= threshold."""
    ### BEGIN SOLUTION
    top, labels = probs.max(dim=1)  # the first maximum on a tie: the lowest index
    return labels, top >= threshold
    ### END SOLUTION


check("10.confident_labels", confident_labels)

# %%
confident_labels = use_reference_if_unsolved("10.confident_labels", confident_labels)

# %% [markdown]
# ## The headline experiment
#
# **Part 1: k-means on pixels against k-means on self-supervised features.** Three SimCLR
# encoders on `digits` (chapter 05's encoder, head, views and $\tau = 0.5$; batch 64 for
# 20 epochs, seeds 0, 1, 2), then k-means with $K = 10$ (our `kmeans`, 10 seedings) on:
#
# - the raw pixels (64 values);
# - the encoder's features $h$ (64 values), the representation chapter 05 probes;
# - the projection head's output $z$, L2-normalised: the space in which NT-Xent compares
#   views by cosine similarity.
#
# Each clustering of the 1,257 training digits is scored against the true digits with the
# matched accuracy (yours), NMI and ARI (scikit-learn's). The known truth to compare with: a
# perfect clustering scores 1 on all three, a random one about 0.1, 0 and 0.

# %%
EPOCHS = scaled(20, 2)


def digit_views(xb, generator):
    """Chapter 05's views of 8x8 digits: random resized crops (50-100% of the area) plus pixel noise."""
    v = batch_augment(xb, generator, color=False, gray=False, flip=False, scale=(0.5, 1.0))
    return v + 0.1 * torch.randn(v.shape, generator=generator).to(v)


def simclr_encoder(seed):
    """A SimCLR encoder trained on digits; returns (encoder, head)."""
    seed_everything(seed)
    encoder, head = ConvEncoder(1, (16, 32, 64)), ProjectionHead(64, 64, 64)
    train_simclr(encoder, x_dig, digit_views, head=head, epochs=EPOCHS, batch_size=64, lr=4e-3,
                 temperature=0.5, seed=seed, progress=False)
    return encoder, head


def scores(x, seed, ids=None):
    """k-means (K = 10) of x: (N, D), scored against the digits: {"acc", "nmi", "ari"}.
    ids: the clustering, when it is already computed (the pixels' runs above)."""
    if ids is None:
        ids, _, _ = kmeans(x, 10, generator=torch.Generator().manual_seed(seed))
    return {"acc": matched_accuracy(ids, y_dig), "nmi": nmi(ids, y_dig), "ari": ari(ids, y_dig)}


encoders, runs = {}, {"pixels": [], "h": [], "z": []}
for seed in progress_bar(SEEDS, desc="SimCLR encoders"):
    encoder, head = encoders[seed] = simclr_encoder(seed)
    h = features(encoder, x_dig).double()
    with torch.no_grad():
        z = F.normalize(head(h.float().to(device())).cpu().double(), dim=1)
    runs["pixels"].append(scores(pixels, seed, ids=pixel_ids[seed]))
    for name, feats in (("h", h), ("z", z)):
        runs[name].append(scores(feats, seed))

table = {name: {m: torch.tensor([r[m] for r in rs]) for m in ("acc", "nmi", "ari")} for name, rs in runs.items()}
print(f"k-means, K = 10, on the 1,257 training digits; mean ± std over seeds {SEEDS}")
print(f"  {'space':22s} {'matched acc':>15s} {'NMI':>15s} {'ARI':>15s}")
for name, label in (("pixels", "raw pixels"), ("h", "SimCLR h"), ("z", "SimCLR z (normalised)")):
    print(f"  {label:22s} " + " ".join(f"{table[name][m].mean():8.3f} ± {table[name][m].std():.3f}"
                                       for m in ("acc", "nmi", "ari")))


def beyond_spread(a, b):
    """True when runs a: (S,) beat runs b: (S,) by more than their two standard deviations added."""
    return (a.mean() - b.mean()).item() > (a.std() + b.std()).item()


gain = {m: (table["z"][m].mean() - table["pixels"][m].mean()).item() for m in ("acc", "nmi", "ari")}
spread = {m: (table["z"][m].std() + table["pixels"][m].std()).item() for m in ("acc", "nmi", "ari")}
print("z - pixels: " + ", ".join(f"{m} {gain[m]:+.3f} (spreads added {spread[m]:.3f})" for m in gain))
bar("10.kmeans_nmi_ssl_minus_pixels", gain["nmi"] - spread["nmi"], ">=", 0.0)
bar("10.kmeans_acc_ssl_minus_pixels", gain["acc"] - spread["acc"], ">=", 0.0)

# %% [markdown]
# **Where the clusters fail.** The contingency matrix of one clustering (seed 0, $z$), rows in
# the order of the matched digit: the off-diagonal entries are the digits k-means confuses.

# %%
ids0, _, _ = kmeans(F.normalize(encoders[0][1](features(encoders[0][0], x_dig).to(device())).detach().cpu().double(),
                                dim=1), 10, generator=torch.Generator().manual_seed(0))
from scipy.optimize import linear_sum_assignment  # noqa: E402

m = contingency(ids0, y_dig).numpy()
rows, cols = linear_sum_assignment(m, maximize=True)
order = rows[cols.argsort()]  # cluster matched to digit 0, 1, ..., 9
fig, ax = plt.subplots(figsize=(4.6, 4))
ax.imshow(m[order], cmap="Blues")
for i in range(10):
    for j in range(10):
        ax.text(j, i, int(m[order][i, j]), ha="center", va="center", fontsize=7)
ax.set(xlabel="true digit", ylabel="cluster (matched to digit)", xticks=range(10), yticks=range(10),
       title="k-means on SimCLR z, seed 0")
plt.tight_layout()
plt.show()

# %% [markdown]
# **Part 2: self-training from 10 labels per class.** On the frozen features $h$ of each
# encoder: a logistic-regression classifier (`self_train`, scikit-learn's) fitted on 10 labelled
# digits per class (a different draw per seed), then 3 rounds of pseudo-labelling the other
# 1,157 training digits and refitting, scored on the 540 test digits. Three ways, one recipe:
#
# - **no self-training**: the 100 labels alone;
# - **threshold 0.9**: keep a pseudo-label when its probability is at least 0.9;
# - **no threshold** ($\theta = 0$): keep every pseudo-label, the common shortcut.
#
# Beside the test accuracy: the share of unlabelled digits kept in the last round and how many
# of the kept pseudo-labels are right (measured with the true labels, which training never sees).

# %%
ROUNDS = scaled(3, 1)
THRESHOLDS = {"threshold 0.9": 0.9, "no threshold": 0.0}
self_runs = {"no self-training": [], **{name: [] for name in THRESHOLDS}}
quality = {name: [] for name in THRESHOLDS}
for seed in SEEDS:
    h = features(encoders[seed][0], x_dig).double()
    h_test = features(encoders[seed][0], x_dig_test).double()
    idx = few_labels(y_dig, 10, seed=seed)
    rest = torch.ones(len(y_dig), dtype=torch.bool)
    rest[idx] = False
    base = self_train(h[idx], y_dig[idx], h[rest], rounds=0)
    self_runs["no self-training"].append(float((base["model"].predict(h_test.numpy()) == y_dig_test.numpy()).mean()))
    for name, theta in THRESHOLDS.items():
        run = self_train(h[idx], y_dig[idx], h[rest], threshold=theta, rounds=ROUNDS, y_unlab=y_dig[rest])
        self_runs[name].append(float((run["model"].predict(h_test.numpy()) == y_dig_test.numpy()).mean()))
        quality[name].append((run["kept"][-1], run["pseudo_accuracy"][-1]))

acc = {name: torch.tensor(v) for name, v in self_runs.items()}
print(f"test accuracy, 10 labels per class, mean ± std over seeds {SEEDS}:")
for name, a in acc.items():
    extra = ""
    if name in quality:
        q = torch.tensor(quality[name])
        extra = (f"   kept {q[:, 0].mean():.1%} of the unlabelled digits, "
                 f"{q[:, 1].mean():.1%} ± {q[:, 1].std():.1%} of them right")
    print(f"  {name:18s} {a.mean():.1%} ± {a.std():.1%}{extra}")
paired = {name: 100 * (acc[name] - acc["no self-training"]) for name in THRESHOLDS}
for name, d in paired.items():
    print(f"  {name} - no self-training, paired by seed: {d.mean():+.1f} ± {d.std():.1f} points")
q_thr, q_all = torch.tensor(quality["threshold 0.9"]), torch.tensor(quality["no threshold"])
bar("10.self_training_gain_points", (paired["threshold 0.9"].mean() - paired["threshold 0.9"].std()).item(), ">=", 0.0)
bar("10.pseudo_label_accuracy_gain", (q_thr[:, 1].mean() - q_all[:, 1].mean()).item()
    - (q_thr[:, 1].std() + q_all[:, 1].std()).item(), ">=", 0.0)

# %% [markdown]
# ## Reading the results honestly
#
# What the numbers above support, and what they do not:
#
# - **Clustering.** k-means on the normalised SimCLR embedding $z$ beats k-means on raw pixels
#   on all three scores, by more than the spread over three seeds (the two bars). On the
#   encoder features $h$, the representation the linear probe of chapter 05 uses, the gain
#   (printed below) is smaller on every score, and on matched accuracy and ARI it is not beyond
#   the spread: which space clusters best depends on the
#   geometry the loss shapes, and NT-Xent shapes the cosine geometry of $z$, not the Euclidean
#   geometry of $h$ that k-means assumes. This is one reason DeepCluster, SwAV and DINO cluster
#   or predict prototypes in a normalised space.
# - **The spread is large.** Three SimCLR runs of 20 epochs give clusterings a few points
#   apart (the ± above), k-means on pixels much less; one run would not tell a real gain from a
#   lucky seed.
# - **`digits` is easy for k-means.** Raw pixels already reach a matched accuracy above 0.7 here;
#   on CIFAR-10 or ImageNet k-means on pixels is near chance and the gap from learned features
#   is far larger (DeepCluster's motivation). A 64-pixel dataset cannot show that.
# - **Self-training.** The gain over the 100 labels alone is small but beyond the spread (the
#   bar, paired by seed). The threshold's effect on the *pseudo-labels* is clear: fewer kept,
#   and more of them right, beyond the spread. Its effect on the final *test accuracy* is not:
#   with and without the threshold the self-trained classifiers end within the spread of each
#   other (printed below). On these features the first model is already right on most of the
#   unlabelled digits, so the mistakes kept without a threshold are few; the threshold matters
#   more when the first model is worse, which this chapter does not measure. A linear
#   classifier that retrains on its own predictions mostly confirms its boundary; the large
#   gains of FixMatch-style training come from training the whole network on pseudo-labels of
#   *strongly augmented* views, which this CPU-sized chapter does not do.
# - **What is not tested.** DeepCluster itself (alternating k-means and training the encoder on
#   the cluster ids) and its degenerate solutions (empty clusters, one cluster taking everything)
#   are described, not run.

# %%
h_gain = {m: (table["h"][m].mean() - table["pixels"][m].mean()).item() for m in ("acc", "nmi", "ari")}
h_spread = {m: (table["h"][m].std() + table["pixels"][m].std()).item() for m in ("acc", "nmi", "ari")}
print("h - pixels: " + ", ".join(f"{m} {h_gain[m]:+.3f} (spreads added {h_spread[m]:.3f})" for m in h_gain))
print("z - pixels: " + ", ".join(f"{m} {gain[m]:+.3f}" for m in gain))
d_thr = acc["threshold 0.9"] - acc["no threshold"]
print(f"threshold 0.9 - no threshold, test accuracy paired by seed: {100 * d_thr.mean():+.1f} ± "
      f"{100 * d_thr.std():.1f} points")
if not quick_mode():
    assert all(gain[m] > h_gain[m] for m in gain)  # z clusters better than h on every score
    assert table["pixels"]["acc"].mean() > 0.7  # digits is easy for k-means on pixels
    assert (q_thr[:, 0] < q_all[:, 0]).all() and (q_thr[:, 1] > q_all[:, 1]).all()
    assert not beyond_spread(table["h"]["acc"], table["pixels"]["acc"])
    assert not beyond_spread(table["h"]["ari"], table["pixels"]["ari"])
    assert not beyond_spread(acc["threshold 0.9"], acc["no threshold"])
    assert not beyond_spread(acc["no threshold"], acc["threshold 0.9"])

# %% [markdown]
# ## Interview drill

# %%
quiz("10.q1")

# %%
quiz("10.q2")

# %%
quiz("10.q3")

# %%
quiz("10.q4")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>DeepCluster trains a network to predict its own k-means ids. What stops it
# from putting every image in one cluster?</summary>
#
# Nothing in the loss: one cluster makes the prediction task trivial. DeepCluster reassigns an
# empty cluster's centre to a perturbed copy of a non-empty one, and samples training images
# uniformly over the clusters (not over the images), so a huge cluster does not dominate the
# gradient. SwAV instead forces the assignments of a batch to spread equally over the
# prototypes (Sinkhorn-Knopp), and DINO centres and sharpens the teacher's outputs
# (chapter 12's collapse, in clustering form).
# </details>
#
# <details><summary>You have 20 clusters but 10 classes. How do you report the clustering?</summary>
#
# Say which score you use. The one-to-one matched accuracy of this chapter leaves 10 clusters
# unmatched and counts their points as wrong; the many-to-one "purity" (each cluster votes for
# its majority class) rises with the number of clusters and reaches 1 with one cluster per
# point, so it can only compare clusterings with the same $K$. NMI also favours more clusters a
# little; ARI is corrected for chance. Report $K$ with every number.
# </details>
#
# <details><summary>How would you measure pseudo-label quality without any true labels?</summary>
#
# You cannot measure accuracy, only proxies: the share above the threshold, the classifier's
# calibration on the labelled set (is 0.9 confidence right 90% of the time?), agreement between
# two models or two augmented views, and the class balance of the pseudo-labels compared with
# the labelled set's. A held-out labelled set, however small, is what turns the proxies into
# a measurement: this chapter's "right" column uses one.
# </details>
#
# ## Summary
#
# - k-means minimises the inertia with Lloyd's two alternating steps; k-means++ seeds it by
#   drawing each next centre with probability $\propto D(x)^2$; our torch version lands within
#   1% of scikit-learn's inertia on the same data.
# - Cluster ids are names: score a clustering with the Hungarian-matched accuracy, NMI or ARI,
#   never by comparing ids with labels (a perfect clustering then scores near 0).
# - Clustering does not create data: `X[clusters == 0]` is a subset, not an augmentation. It
#   gives pseudo-labels (DeepCluster) and an evaluation of a representation.
# - On `digits`, k-means on the normalised SimCLR embedding beat raw pixels on all three scores
#   beyond the spread over seeds; on the encoder features $h$ the gain was smaller.
# - Self-training keeps confident pseudo-labels (max probability $\ge \theta$). From 10 labels
#   per class it gained a little test accuracy over the labels alone, beyond the spread; the
#   threshold made the kept pseudo-labels more accurate, but on these features the final test
#   accuracy with and without it was within the spread.
#
# ## References
#
# - D. Arthur, S. Vassilvitskii. *k-means++: The Advantages of Careful Seeding*, SODA 2007.
# - S. Lloyd. *Least squares quantization in PCM*, IEEE Trans. Inf. Theory 1982.
# - H. W. Kuhn. *The Hungarian method for the assignment problem*, 1955
#   (`scipy.optimize.linear_sum_assignment`).
# - N. X. Vinh, J. Epps, J. Bailey. *Information Theoretic Measures for Clusterings
#   Comparison*, JMLR 2010 (NMI); L. Hubert, P. Arabie. *Comparing partitions*, 1985 (ARI);
#   scikit-learn's `normalized_mutual_info_score` and `adjusted_rand_score`.
# - M. Caron, P. Bojanowski, A. Joulin, M. Douze. *Deep Clustering for Unsupervised Learning of
#   Visual Features* (DeepCluster), ECCV 2018.
# - M. Caron et al. *Unsupervised Learning of Visual Features by Contrasting Cluster
#   Assignments* (SwAV), NeurIPS 2020.
# - D.-H. Lee. *Pseudo-Label: The Simple and Efficient Semi-Supervised Learning Method for Deep
#   Neural Networks*, ICML workshop 2013.
# - K. Sohn et al. *FixMatch: Simplifying Semi-Supervised Learning with Consistency and
#   Confidence*, NeurIPS 2020.
# - Q. Xie, M.-T. Luong, E. Hovy, Q. V. Le. *Self-training with Noisy Student improves ImageNet
#   classification*, CVPR 2020.
