# %% [markdown]
# # 11 · Metric learning: margins, triplets and Recall@k
#
# > **问题：** 什么是度量学习？带间隔（margin）的对比损失和三元组损失分别怎么定义？它们和自监督学习是什么关系？
# >
# > **Question:** What is metric learning? How are the contrastive loss with a margin and the
# > triplet loss defined, and how do they relate to self-supervised learning?
#
# **Model answer.** Metric learning trains an embedding $f$ so that a plain distance between
# embeddings means "how alike": $\lVert f(a)-f(b)\rVert$ is small for items of the same kind
# and large otherwise, so nearest-neighbour search answers retrieval, verification (faces) and
# clustering. The **contrastive loss** of Hadsell, Chopra and LeCun (2006) scores pairs: a
# similar pair pays its squared distance $d^2$, a dissimilar pair pays $\max(0, m-d)^2$, so it
# is pushed out to the margin $m$ and no further. The **triplet loss** (FaceNet, Schroff et al.
# 2015) scores an anchor, a positive and a negative: $\max(0, d(a,p) - d(a,n) + m)$, asking only
# that the positive be closer than the negative by $m$, a relative constraint. Which triplets
# to use matters most: random ones are mostly already satisfied (zero loss, no gradient), so
# **batch-hard mining** (Hermans et al. 2017) takes, for each anchor in the batch, its farthest
# positive and its nearest negative. "Positive" and "negative" come from labels here; in
# self-supervised learning they come from the data (two views of one image are a positive
# pair), and InfoNCE/NT-Xent (chapters 01 and 05) is the softmax cousin of these margin losses.
# The result is judged by **Recall@k**: the share of queries with an item of their own class
# among their $k$ nearest neighbours. Two things go wrong in the usual interview answer: the
# loss is a Python double loop over pairs ($O(n^2)$ interpreter steps: more than 100 times
# slower than the vectorised loss at a batch of 256, measured below), and its "negatives" are
# picked without looking at the labels, so the nearest "negative" is usually an item of the
# anchor's own class, which the loss then pushes away.

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from ssl_course import (
    Timer,
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
from ssl_course.contrastive import triplet as reference_triplet
from ssl_course.contrastive.triplet import margin_contrastive
from ssl_course.data.digits import digits
from ssl_course.evaluate.retrieval import recall_at_k
from ssl_course.models.encoders import ConvEncoder

seed_everything(0)
print("device:", device())

# %% [markdown]
# ## Theory
#
# **Distances.** For embeddings $e_1,\dots,e_N \in \mathbb R^D$, $d_{ij} = \lVert e_i - e_j\rVert_2$.
# Metric-learning losses are written on $d$ (or $d^2$), not on a softmax.
#
# **Contrastive loss with a margin** (Hadsell et al. 2006), over the pairs of a batch with
# $s_{ij} = 1$ when $y_i = y_j$:
#
# $$\mathcal L_{\text{con}} = \frac{1}{|P|}\sum_{(i,j)\in P} s_{ij}\, d_{ij}^2 + (1-s_{ij})\,\max(0,\, m - d_{ij})^2 .$$
#
# Similar pairs are pulled to distance 0; dissimilar pairs closer than $m$ are pushed out to $m$
# and then ignored, which stops the loss from spreading everything to infinity.
#
# **Triplet loss** (Schroff et al. 2015). For triplets $(a, p, n)$ with $y_p = y_a \ne y_n$:
#
# $$\ell(a,p,n) = \max\big(0,\; d(a,p) - d(a,n) + m\big).$$
#
# Only the *order* of the two distances matters, up to the margin: the loss is zero once the
# negative is $m$ farther than the positive. Of the $O(N^3)$ triplets in a batch most are
# already satisfied and contribute nothing, which is why mining matters.
#
# **Batch-hard triplet loss** (Hermans, Beyer, Leibe 2017). For each anchor $i$ of the batch,
#
# $$\ell_i = \max\Big(0,\; \max_{p \ne i:\, y_p = y_i} d_{ip} \;-\; \min_{n:\, y_n \ne y_i} d_{in} \;+\; m\Big),$$
#
# averaged over the anchors that have at least one positive and one negative. The hardest
# positive and the hardest negative are chosen **with the labels**: a negative is an item of
# another class, never "any other item".
#
# **Recall@k**, the metric of deep metric learning (e.g. Song et al. 2016, Musgrave et al.
# 2020): each test item queries all the others (itself excluded); it scores 1 if one of its $k$
# nearest neighbours has its class. Recall@1 is the leave-one-out 1-NN accuracy.
#
# **Computing distances safely.** Two numerical traps, both measured in the next cell:
#
# 1. *The expansion* $d_{ij}^2 = \lVert e_i\rVert^2 + \lVert e_j\rVert^2 - 2 e_i^\top e_j$ (one matrix
#    product, the usual fast formula, and `torch.cdist`'s default past 25 rows in float32)
#    subtracts large numbers when the rows are far from the origin compared with their
#    distances: rows of norm $10^4$ about one unit apart have squared norms of $10^8$, whose
#    float32 spacing is 8, so every digit of $d^2 \approx 1$ is lost. The differences
#    $e_i - e_j$ do not have this problem (they cost $O(N^2 D)$ memory, so large inputs go in chunks).
# 2. *The gradient at 0.* $\partial d_{ij}/\partial e_i = (e_i - e_j)/d_{ij}$ is undefined at
#    $d_{ij} = 0$: on the diagonal, always, and for duplicate rows. $\sqrt{\cdot}$ has an infinite
#    derivative at 0, and masking the diagonal *after* the square root does not help: the
#    backward pass multiplies that infinity by the mask's 0, which is NaN. We define the
#    gradient at $d = 0$ as $0$, the subgradient of the norm that `torch.linalg.vector_norm`
#    also uses, by taking the root of a harmless 1 where $d^2 = 0$ and putting 0 back.

# %%
def distances_by_expansion(e):
    """(N, D) -> (N, N): the one-matrix-product formula, clamped at 0 before the sqrt."""
    sq = e.pow(2).sum(dim=1)
    return (sq[:, None] + sq[None, :] - 2 * e @ e.T).clamp_min(0).sqrt()


def distances_by_differences(e):
    """(N, D) -> (N, N): from the differences e_i - e_j; gradient 0 where a distance is 0."""
    sq = (e[:, None, :] - e[None, :, :]).pow(2).sum(dim=-1)
    zero = sq == 0
    return torch.where(zero, 0.0, sq.masked_fill(zero, 1.0).sqrt())


g = torch.Generator().manual_seed(0)
far = (1e4 + torch.randn(30, 4, generator=g, dtype=torch.float64)).float()  # norm 2e4, ~1 apart
exact = distances_by_differences(far.double())  # float64 arithmetic on the same float32 inputs
error = {name: (fn(far).double() - exact).abs().max().item()
         for name, fn in [("expansion", distances_by_expansion), ("cdist (default)", lambda e: torch.cdist(e, e)),
                          ("differences", distances_by_differences)]}
print(f"rows of norm 2e4 about 1 apart (median distance {exact.median():.2f}), float32; largest error:")
for name, err in error.items():
    print(f"  {name:16s} {err:.2g}")
assert error["expansion"] > 1 and error["cdist (default)"] > 1 and error["differences"] < 1e-5

dup = torch.randn(4, 3, generator=g)
dup[3] = dup[0]  # a duplicate row: distance 0 off the diagonal
gradients = {}
for name, fn in [("sqrt, diagonal masked after it", lambda e: (e[:, None] - e[None]).pow(2).sum(-1).sqrt()
                  .masked_fill(torch.eye(len(e), dtype=torch.bool), 0.0)),
                 ("differences, safe at 0", distances_by_differences)]:
    e = dup.clone().requires_grad_()
    fn(e).sum().backward()
    gradients[name] = e.grad
    print(f"{name:32s} gradient finite: {bool(torch.isfinite(e.grad).all())}")
assert not torch.isfinite(gradients["sqrt, diagonal masked after it"]).all()
assert torch.isfinite(gradients["differences, safe at 0"]).all()

# %% [markdown]
# The expansion (and `torch.cdist` with its defaults) is off by whole units where the true
# distances are about 1; the differences are exact to float32. A NaN gradient is worse than a
# wrong value: one NaN in one step spreads to every weight and the training run is lost.
# Embeddings far from the origin are not exotic: without normalisation their norms grow
# during training. (An embedding normalised to unit length, as below, is safe from trap 1.)
#
# ## The common wrong answer, running
#
# **What the seed wrote** (seed document 000, question 11), re-implemented in our words. Its
# "metric learning loss" takes embeddings and labels, computes the inner products
# $S = EE^\top$, and in a Python double loop over every ordered pair $i \ne j$ treats $S_{ij}$
# as a *positive* similarity and the element-wise minimum of rows $i$ and $j$ of $S$ as the
# *negative* one, adding $\max(0, m - S_{ij} + \min(S_{i\cdot}, S_{j\cdot}))$, a vector, to the
# total. Three things are wrong, each checked below: the labels are never read (every pair is
# a "positive"), the "negatives" are whatever entries are smallest, with no label involved,
# and there is no distance at all (inner products grow with the lengths).

# %%
def seed_metric_loss(embeddings, labels, margin=1.0):
    """The seed's loss, paraphrased: (N, D), (N,) -> scalar. labels is accepted and never used."""
    sim = embeddings @ embeddings.T  # (N, N) inner products, not distances
    total = 0
    for i in range(len(embeddings)):
        for j in range(len(embeddings)):
            if i != j:  # every pair is a "positive", whatever the labels
                negative = torch.minimum(sim[i], sim[j])  # (N,) smallest entries: no label involved
                total = total + F.relu(margin - sim[i, j] + negative)
    return total.mean()


def seed_metric_loss_vectorised(embeddings, labels, margin=1.0):
    """The same number without the loops: (N, D), (N,) -> scalar."""
    sim = embeddings @ embeddings.T
    n = len(sim)
    terms = F.relu(margin - sim[:, :, None] + torch.minimum(sim[:, None, :], sim[None, :, :]))  # (N, N, N)
    off_diagonal = ~torch.eye(n, dtype=torch.bool, device=sim.device)
    return terms[off_diagonal].sum(dim=0).mean()


x, y, x_test, y_test = digits()
e = torch.randn(24, 8, generator=g)
labels = y[:24]
loss = seed_metric_loss(e, labels)
shuffled, all_one = labels[torch.randperm(24, generator=g)], torch.zeros(24, dtype=torch.long)
print(f"seed loss: {loss.item():.6f}; vectorised: {seed_metric_loss_vectorised(e, labels).item():.6f}; "
      f"labels shuffled: {seed_metric_loss(e, shuffled).item():.6f}; one class for all: "
      f"{seed_metric_loss(e, all_one).item():.6f}")
torch.testing.assert_close(loss, seed_metric_loss_vectorised(e, labels))
assert torch.equal(loss, seed_metric_loss(e, shuffled)) and torch.equal(loss, seed_metric_loss(e, all_one))
scaled_up = seed_metric_loss(3 * e, labels)
print(f"the same embeddings 3 times longer: {scaled_up.item():.4f} (the directions did not change)")
assert not torch.isclose(scaled_up, loss)

# %% [markdown]
# The loss is bit-for-bit the same with the true labels, shuffled labels or one class for
# everything: it cannot learn classes. It also changes when every embedding is made longer
# and no direction or neighbour changes, because inner products are not distances.
#
# **The repaired recipe keeps the answer's two instincts and fixes their execution:** the
# negatives must come from the labels (another class), and the $O(n^2)$ Python loop must become
# a handful of tensor operations. The headline experiment measures both: the label-free
# "nearest other item" negative trained with the identical recipe as the right loss, and the
# loop timed against the vectorised loss at a batch of 256.
#
# ## Exercise 11.pairwise_distances
#
# Write `pairwise_distances(x)`: for `x` of shape `(N, D)` return the `(N, N)` Euclidean
# distances $d_{ij} = \lVert x_i - x_j \rVert$, in `x`'s dtype and on its device. It must be
# computed **from the differences** $x_i - x_j$ (exact for rows of norm $10^4$ one unit apart,
# where the expansion fails), the diagonal and the distance of identical rows must be exactly
# 0, and the gradient of a zero distance must be **0** (not NaN). It must work for one row,
# for more than 512 rows and for float64 (held to float64 precision).

# %%
def pairwise_distances(x: torch.Tensor) -> torch.Tensor:
    """x: (N, D) -> (N, N) Euclidean distances from the differences; gradient 0 where d = 0."""
    ### BEGIN SOLUTION
    squared = (x[:, None, :] - x[None, :, :]).pow(2).sum(dim=-1)  # (N, N)
    zero = squared == 0
    return torch.where(zero, 0.0, squared.masked_fill(zero, 1.0).sqrt())  # no sqrt'(0) = inf in the graph
    ### END SOLUTION


check("11.pairwise_distances", pairwise_distances)

# %% [markdown]
# ## Exercise 11.batch_hard_triplet
#
# Write `batch_hard_triplet(embeddings, labels, margin)`: `embeddings` `(N, D)` (not
# normalised inside), `labels` `(N,)` integers of any value (10 or more included, any integer
# dtype). For each anchor $i$: its hardest positive (the **farthest** other item of its class)
# and its hardest negative (the **nearest** item of another class), then
# $\max(0, d_{\text{pos}} - d_{\text{neg}} + m)$, averaged over the anchors that have both. If no
# anchor has both, return a zero that still carries a gradient (`embeddings.sum() * 0`).
# Distances as in the previous exercise (gradient 0 at distance 0; you may call your
# `pairwise_distances`). The anchor is left out by its **index**: an identical item of another
# class is a negative at distance 0. Ties change no value; any of the tied items may take the
# gradient.

# %%
def batch_hard_triplet(embeddings: torch.Tensor, labels: torch.Tensor, margin: float = 0.2) -> torch.Tensor:
    """embeddings: (N, D), labels: (N,) -> scalar batch-hard triplet loss over the valid anchors."""
    ### BEGIN SOLUTION
    n = embeddings.shape[0]
    dist = pairwise_distances(embeddings)  # (N, N)
    same = labels[:, None] == labels[None, :]
    positives = same & ~torch.eye(n, dtype=torch.bool, device=embeddings.device)
    hardest_pos = dist.masked_fill(~positives, -1.0).amax(dim=1)  # -1: no positive
    hardest_neg = dist.masked_fill(same, float("inf")).amin(dim=1)  # inf: no negative
    valid = (hardest_pos >= 0) & torch.isfinite(hardest_neg)
    if not valid.any():
        return embeddings.sum() * 0.0
    return F.relu(hardest_pos - hardest_neg + margin)[valid].mean()
    ### END SOLUTION


check("11.batch_hard_triplet", batch_hard_triplet)

# %%
pairwise_distances = use_reference_if_unsolved("11.pairwise_distances", pairwise_distances)
batch_hard_triplet = use_reference_if_unsolved("11.batch_hard_triplet", batch_hard_triplet)

# %% [markdown]
# ## Headline experiment
#
# **Part 1: the loop against the vectorised loss.** The interview answer's structure, a Python
# double loop over the pairs, written correctly this time: the batch-hard triplet loss anchor
# by anchor, one distance at a time, on 256 embeddings. The same embeddings go in one call to
# the course's vectorised `batch_hard_triplet` (`ssl_course/contrastive/triplet.py`: its
# distances come from `torch.cdist` told to use the differences, the exact computation of
# your `pairwise_distances` in one kernel without the `(N, N, D)` intermediate) and to *yours*.
# All must give the same number (asserted), and all are timed with the course's `Timer` in
# the same run (the vectorised ones as the best of 5 calls). **Bar:** the course's vectorised
# loss is at least 100 times faster than the loop. These are timings on whatever machine runs
# this notebook; the ratio is what the bar checks.

# %%
def batch_hard_loop(embeddings, labels, margin=0.2):
    """Batch-hard triplet loss with O(N^2) Python steps: (N, D), (N,) -> scalar."""
    terms = []
    for i in range(len(embeddings)):
        hardest_pos, hardest_neg = None, None
        for j in range(len(embeddings)):
            if j == i:
                continue
            d = (embeddings[i] - embeddings[j]).norm()
            if labels[j] == labels[i]:
                hardest_pos = d if hardest_pos is None or d > hardest_pos else hardest_pos
            else:
                hardest_neg = d if hardest_neg is None or d < hardest_neg else hardest_neg
        if hardest_pos is not None and hardest_neg is not None:
            terms.append(F.relu(hardest_pos - hardest_neg + margin))
    return torch.stack(terms).mean()


N_TIMED = 256
g = torch.Generator().manual_seed(1)
e256 = F.normalize(torch.randn(N_TIMED, 32, generator=g), dim=1)
y256 = y[torch.randperm(len(y), generator=g)[:N_TIMED]]

def best_of(fn, repeats=5):
    """(value of fn(), the shortest of `repeats` timed calls in seconds)."""
    seconds = []
    for _ in range(repeats):
        with Timer() as t:
            value = fn()
        seconds.append(t.seconds)
    return value, min(seconds)


with torch.no_grad():
    with Timer() as t_loop:
        loop_value = batch_hard_loop(e256, y256)
    course_value, course_seconds = best_of(lambda: reference_triplet.batch_hard_triplet(e256, y256, 0.2))
    your_value, your_seconds = best_of(lambda: batch_hard_triplet(e256, y256, 0.2))
print(f"loss: loop {loop_value.item():.6f}, course's {course_value.item():.6f}, yours {your_value.item():.6f}")
torch.testing.assert_close(course_value, loop_value, rtol=1e-5, atol=1e-6)
torch.testing.assert_close(your_value, loop_value, rtol=1e-5, atol=1e-6)
speedup = t_loop.seconds / course_seconds
print(f"timing at N = {N_TIMED} ({N_TIMED * (N_TIMED - 1)} distances, one Python step each in the loop): "
      f"loop {t_loop.seconds:.2f} s; course's {1e3 * course_seconds:.2f} ms ({speedup:.0f}x); "
      f"yours {1e3 * your_seconds:.2f} ms ({t_loop.seconds / your_seconds:.0f}x)")
bar("11.vectorised_speedup_n256", speedup, ">=", 100, unit="x", timing=True)

# %% [markdown]
# **Part 2: Recall@1 on `digits`, learned embeddings against pixels.** An embedding network
# (the course's small CNN with 64 features, then a linear layer to 32 dimensions, normalised
# to unit length as in FaceNet) is trained on the 1,257 training digits with *your*
# `batch_hard_triplet` (margin 0.2, batches of 256, Adam, 20 epochs), and the 540 test digits
# are retrieved among themselves by Recall@1. The same recipe, the same seeds and the same
# batches train:
#
# - **the common wrong answer:** batch-hard with negatives chosen **without labels** (each
#   anchor's nearest *other* item, whatever its class; the positive still comes from the labels);
# - **the contrastive loss with a margin** (`margin_contrastive`, margin 1.0 on the unit
#   sphere, every pair of the batch).
#
# Three seeds each, mean ± std. **Bar:** the learned embedding's Recall@1 beats the raw
# pixels' by at least two standard errors of the pixels' Recall@1 on the 540 test queries
# ($2\sqrt{p(1-p)/540}$), a gain beyond what the test set's own sampling error could produce.
# This bar is declared out of reach (below): across every recipe we tried, the gain sat at
# about two standard errors, sometimes above and sometimes below.

# %%
SEEDS = (0, 1, 2)
EPOCHS, BATCH = scaled(20, 2), 256


def label_free_batch_hard(embeddings, labels, margin=0.2):
    """The wrong answer: batch-hard whose 'negative' is the nearest OTHER item, whatever its class."""
    n = embeddings.shape[0]
    same = labels[:, None] == labels[None, :]
    others = ~torch.eye(n, dtype=torch.bool, device=embeddings.device)
    dist = pairwise_distances(embeddings)
    hardest_pos = dist.masked_fill(~(same & others), -1.0).amax(dim=1)
    nearest_other = dist.masked_fill(~others, float("inf")).amin(dim=1)  # labels not consulted
    valid = hardest_pos >= 0
    return F.relu(hardest_pos - nearest_other + margin)[valid].mean()


class Embedder(nn.Module):
    """8x8 digits (B, 1, 8, 8) -> (B, 32) unit-length embeddings."""

    def __init__(self, dim=32):
        super().__init__()
        self.encoder, self.out = ConvEncoder(1, (16, 32, 64)), nn.Linear(64, dim)

    def forward(self, images):
        return F.normalize(self.out(self.encoder(images)), dim=1)


def train_embedder(loss_fn, seed, epochs=EPOCHS):
    """Train a fresh Embedder with loss_fn(embeddings, labels) on the training digits; return it in eval mode."""
    seed_everything(seed)
    net = Embedder().to(device())
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    order = torch.Generator().manual_seed(seed)  # the same batches for every loss
    xs, ys = x.to(device()), y.to(device())
    for _ in range(epochs):
        perm = torch.randperm(len(xs), generator=order).to(device())
        for start in range(0, len(xs) - BATCH + 1, BATCH):
            idx = perm[start:start + BATCH]
            loss = loss_fn(net(xs[idx]), ys[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return net.eval()


@torch.no_grad()
def test_embeddings(net):
    return net(x_test.to(device())).cpu()


LOSSES = {
    "batch-hard triplet (yours)": lambda e, lab: batch_hard_triplet(e, lab, 0.2),
    "wrong: negatives without labels": lambda e, lab: label_free_batch_hard(e, lab, 0.2),
    "contrastive loss, margin 1": lambda e, lab: margin_contrastive(e, lab, 1.0),
}
KS = (1, 2, 4, 8)
pixels = x_test.flatten(1)
recall = {"raw pixels (64-d)": torch.tensor([[recall_at_k(pixels, y_test, k) for k in KS]] * len(SEEDS))}
nets, embedded = {}, {}
with Timer() as t_train:
    for name, loss_fn in progress_bar(LOSSES.items(), total=len(LOSSES), desc="losses x 3 seeds"):
        nets[name] = [train_embedder(loss_fn, seed) for seed in SEEDS]
        embedded[name] = [test_embeddings(net) for net in nets[name]]
        recall[name] = torch.tensor([[recall_at_k(emb, y_test, k) for k in KS] for emb in embedded[name]])
print(f"trained {len(LOSSES) * len(SEEDS)} embedders in {t_train.seconds:.1f} s")
print(f"Recall@k on the {len(y_test)} test digits, mean ± std over seeds {SEEDS}:")
print(f"  {'':34s}" + "".join(f"{'R@' + str(k):>16s}" for k in KS))
for name, r in recall.items():
    print(f"  {name:34s}" + "".join(f"{100 * m:9.2f} ± {100 * s:4.2f}" for m, s in zip(r.mean(0), r.std(0))))

# %%
r1 = {name: r[:, 0] for name, r in recall.items()}
pixel_r1 = r1["raw pixels (64-d)"][0].item()
learned, wrong = r1["batch-hard triplet (yours)"], r1["wrong: negatives without labels"]
standard_error = math.sqrt(pixel_r1 * (1 - pixel_r1) / len(y_test))
gain = learned.mean().item() - pixel_r1
print(f"pixels' Recall@1 {pixel_r1:.2%}, its standard error on {len(y_test)} queries {standard_error:.2%}; "
      f"learned {learned.mean():.2%} ± {learned.std():.2%}: gain {100 * gain:.2f} points")
print(f"errors: pixels {1 - pixel_r1:.2%}, learned {1 - learned.mean():.2%}; "
      f"the wrong answer {wrong.mean():.2%} ± {wrong.std():.2%}")
bar("11.recall1_gain_over_pixels", gain, ">=", 2 * standard_error,
    shortfall="on digits the learned embedding's gain over raw pixels is about two standard errors of the "
              "540-query test set: 1.1 to 1.7 points over the recipes tried (20 or 30 epochs, lr 1e-3 or 3e-3, "
              "margin 0.2 or 0.5, batch 128 or 256; crop augmentation lowered it), so it lands on either side")
assert 0.96 < pixel_r1 < 0.98  # "about 97%", below
if not quick_mode():
    assert learned.min() > pixel_r1 and 0.01 < gain < 0.025  # every seed beats the pixels, by "a point or two"
    assert wrong.max() < pixel_r1 - 0.05  # the wrong answer: more than 5 points below the pixels on every seed
    learned_r8, pixel_r8 = recall["batch-hard triplet (yours)"][:, -1], recall["raw pixels (64-d)"][0, -1]
    assert learned_r8.mean() <= pixel_r8  # at k = 8 the pixels are level or ahead ("reading honestly")

# %% [markdown]
# **Why the label-free negative hurts so much.** Recall@1 asks each item's nearest neighbour to
# share its class. The wrong answer's "negative" *is* each anchor's nearest neighbour, and once
# the network has learned anything that neighbour is mostly of the anchor's own class: the
# loss pushes away exactly the neighbours Recall@1 counts. We measure how often the "negative"
# it picks is a same-class item, on a batch of 256 training digits, in the embeddings of the
# right loss's seed-0 network (what the wrong loss would see if it started from a good
# embedding) and in the wrong answer's own seed-0 network.

# %%
@torch.no_grad()
def same_class_negative_share(net, images, labels):
    """Share of anchors whose nearest other item (the wrong answer's 'negative') has their class."""
    dist = pairwise_distances(net(images.to(device())).cpu())
    dist.fill_diagonal_(float("inf"))
    return (labels[dist.argmin(dim=1)] == labels).double().mean().item()


batch = torch.randperm(len(x), generator=torch.Generator().manual_seed(5))[:256]
share = {name: same_class_negative_share(nets[name][0], x[batch], y[batch])
         for name in ("batch-hard triplet (yours)", "wrong: negatives without labels")}
for name, s in share.items():
    print(f"network trained with {name:34s}: the nearest other item has the anchor's class for {s:.0%} of anchors")
if not quick_mode():
    assert share["batch-hard triplet (yours)"] > 0.9 and share["wrong: negatives without labels"] > 0.5

# %% [markdown]
# In the right embedding the nearest other item is of the anchor's class for nearly every
# anchor, so the label-free "negative" is a false negative almost every time; even in the
# wrong answer's own, damaged embedding it still is for most anchors. The loss is then at war
# with itself: its positive term pulls the class together while its "negative" term pushes
# each item's nearest classmate away.
#
# The two embeddings, projected to 2-D with PCA, coloured by class:

# %%
def pca_2d(feats):
    """(N, D) -> (N, 2): projections on the two leading principal components."""
    centred = feats - feats.mean(dim=0)
    return centred @ torch.linalg.svd(centred, full_matrices=False)[2][:2].T


fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
for ax, feats, title in [(axes[0], pixels, "raw pixels"),
                         (axes[1], embedded["batch-hard triplet (yours)"][0], "batch-hard triplet"),
                         (axes[2], embedded["wrong: negatives without labels"][0], "negatives without labels")]:
    p = pca_2d(feats)
    sc = ax.scatter(p[:, 0], p[:, 1], c=y_test, cmap="tab10", s=5)
    ax.set(title=f"{title}: R@1 {recall_at_k(feats, y_test, 1):.1%}", xticks=[], yticks=[])
fig.colorbar(sc, ax=axes[2], label="class")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Reading the results honestly
#
# - **The pixels are a strong baseline here, and the bar is not reliably met.** `digits` are
#   small, centred and clean, so raw pixel distance already retrieves a same-class digit for
#   about 97% of the queries. Every seed of the learned embedding beat the pixels, by a point or
#   two on average (asserted), but that gain is about two standard errors of a 540-query test
#   set: the bar is reported NOT MET (or met) with a declared shortfall, because small changes
#   of the recipe moved it to either side. What this notebook establishes beyond doubt is the
#   other comparison: the label-free negatives cost more than 5 points below the pixels on
#   every seed. Metric learning earns its keep where the input distance is poor: faces under
#   changes of pose and light, products photographed differently.
# - **The gain is at k = 1 only.** At Recall@8 (the last column of the table) the pixels are
#   level with the learned embedding or ahead of it (asserted): almost every digit has a
#   classmate among its 8 nearest pixels, and a few queries the embedding gets wrong stay
#   wrong further down its ranking; this notebook does not measure why. Papers report R@1
#   first; the whole row is the fairer picture.
# - **Seen classes only.** The test digits belong to the ten classes the network was trained
#   on, so this Recall@1 is close to a classification accuracy. The benchmarks of the field
#   (CUB-200, Cars-196, Stanford Online Products) retrieve **classes never seen in training**,
#   which is what an embedding (rather than a classifier) is for; this notebook does not
#   measure that setting. Musgrave et al. (2020) found that, under one careful protocol, many
#   newer losses did not beat the contrastive and triplet losses measured here.
# - **The contrastive loss with a margin** is printed beside the triplet loss for reference;
#   with three seeds and one setting of its margin, this notebook makes no claim about which of
#   the two is better.
# - **The timing** is one run on a shared machine; only the ratio is checked, and the loop's
#   cost grows as $N^2$ while the vectorised loss's stays a few tensor operations (their own
#   cost grows as $N^2 D$, but inside compiled kernels).

# %% [markdown]
# ## Interview drill

# %%
quiz("11.q1")

# %%
quiz("11.q2")

# %%
quiz("11.q3")

# %%
quiz("11.q4")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>Why does FaceNet normalise the embeddings to unit length, and what does the
# margin then mean?</summary>
#
# On the unit sphere distances lie in $[0, 2]$, so a margin has a fixed meaning (0.2 is a tenth
# of the largest possible distance), and the network cannot satisfy the triplet constraint by
# scaling every embedding up (an unnormalised embedding multiplied by $c$ multiplies both
# distances by $c$, so the gap $d_{an} - d_{ap}$ grows with $c$ and the margin is met without
# learning anything new). Here every embedder ends with `F.normalize`.
# </details>
#
# <details><summary>Batch-hard mining is said to collapse sometimes. What happens, and what do
# people do about it?</summary>
#
# With the hardest positive and negative, early in training every embedding can be pulled to
# one point: then $d_{ap} = d_{an} = 0$ and the loss sits at exactly $m$ with a gradient that does
# not separate anything. FaceNet used *semi-hard* negatives (farther than the positive but
# within the margin) for this reason; Hermans et al. found batch-hard with a soft margin
# ($\log(1 + e^{d_{ap} - d_{an}})$) and P×K batches (P classes, K images each) trains well. This
# notebook's runs did not collapse (their Recall@1 is printed above), but nothing here shows
# that they could not.
# </details>
#
# <details><summary>How is the triplet loss related to InfoNCE / NT-Xent?</summary>
#
# Both compare a positive with negatives for one anchor. The triplet loss uses one negative and
# a hinge on distances; the N-pair loss (Sohn 2016) replaced it by a softmax over many
# negatives, $\log(1 + \sum_n e^{s_{an} - s_{ap}})$, which is InfoNCE (chapter 01) with
# similarities; SimCLR's NT-Xent (chapter 05) adds cosine similarity and a temperature, and
# takes the positives from augmentation instead of labels. The temperature plays the role of
# the hardness of mining: a low temperature weights the hardest negatives most (chapter 03).
# </details>
#
# ## Summary
#
# - Metric learning trains an embedding in which a plain Euclidean distance means "same kind":
#   the contrastive loss with a margin scores pairs ($d^2$ for a similar pair,
#   $\max(0, m - d)^2$ for a dissimilar one); the triplet loss asks the positive to be closer
#   than the negative by a margin; batch-hard mining takes each anchor's farthest positive and
#   nearest negative in the batch, chosen with the labels.
# - Distances need care: the expansion $\lVert a\rVert^2 + \lVert b\rVert^2 - 2a^\top b$ loses every
#   digit far from the origin (whole units of error where distances are about 1, measured), and
#   the square root's gradient at a zero distance is NaN unless it is defined (here: 0).
# - The seed's loss never reads its labels (the same value for any labels), picks its
#   "negatives" without them, uses inner products instead of distances, and loops in Python.
# - A Python loop over pairs is more than 100 times slower than the vectorised loss at a batch
#   of 256 (the same value, asserted); negatives chosen without labels are mostly the anchor's
#   classmates, and training with them costs far more Recall@1 than raw pixels lose.
# - On `digits` a learned 32-d embedding beat raw pixels at Recall@1 on every seed, by a point
#   or two: about two standard errors of the 540-query test set, so the bar of a gain beyond
#   two standard errors is declared out of reach on this easy dataset.
#
# ## References
#
# - R. Hadsell, S. Chopra, Y. LeCun. *Dimensionality Reduction by Learning an Invariant
#   Mapping*, CVPR 2006 (the contrastive loss with a margin).
# - F. Schroff, D. Kalenichenko, J. Philbin. *FaceNet: A Unified Embedding for Face Recognition
#   and Clustering*, CVPR 2015 (the triplet loss, semi-hard mining).
# - A. Hermans, L. Beyer, B. Leibe. *In Defense of the Triplet Loss for Person
#   Re-Identification*, 2017 (batch-hard mining).
# - K. Sohn. *Improved Deep Metric Learning with Multi-class N-pair Loss Objective*, NeurIPS 2016.
# - H. O. Song, Y. Xiang, S. Jegelka, S. Savarese. *Deep Metric Learning via Lifted Structured
#   Feature Embedding*, CVPR 2016 (Recall@k on unseen classes).
# - K. Musgrave, S. Belongie, S.-N. Lim. *A Metric Learning Reality Check*, ECCV 2020.
# - pytorch-metric-learning (K. Musgrave), the trusted peer of the batch-hard triplet loss
#   (`tests/test_losses_peers.py`).
