# %% [markdown]
# # 30 · Evaluating representations
#
# > **问题：** 自监督学习得到的图像模型（图像表示）是什么？它怎样用于图像分类？又该怎样评估这个表示的好坏？
# >
# > **Question:** What is the "image model" that self-supervised learning produces, how is it
# > used for image classification, and how do you tell whether the representation it learned
# > is any good?
#
# **Model answer.** Self-supervised pre-training produces an **encoder** $f$: a network that
# maps an image to a feature vector $h = f(x)$, trained without labels. It is used for
# classification by freezing it (or fine-tuning it) and fitting a small classifier on $h$
# with the labels you have. "How good is it" is a question about the **features**, so it is
# answered with a fixed protocol that holds everything but the encoder fixed: the **same
# data, the same encoder architecture and the same training budget** for every method, then
# (1) a **linear probe** (logistic regression on frozen features, all labels: is the
# information there, linearly?), (2) a **kNN classifier** (no training at all: is the
# geometry right, are same-class images near each other?), (3) **few-shot accuracy** (a
# nearest-prototype classifier from 5 labelled images per class: what SSL is for, few labels),
# each with a **confidence interval over seeds**, next to the reference lines a result
# means nothing without: **raw pixels**, an **untrained** encoder and a **supervised** encoder.
# (4) **CKA** (centred kernel alignment) between representations says whether two methods
# learned the *same* features, which no accuracy tells. None of these is "the" score: a probe
# measures linear separability for one label set, kNN the metric, few-shot the
# label-efficiency, CKA similarity, not quality. "Train a ResNet-50 on the labels" answers a
# different question (how to get a classifier) and measures nothing about the representation.

# %%
import matplotlib.pyplot as plt
import torch

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
from ssl_course.evaluate.benchmark import benchmark, format_rows, pretrain
from ssl_course.evaluate.probes import features, linear_probe
from ssl_course.models.encoders import MLPEncoder

seed_everything(0)
torch.set_num_threads(1)  # small MLPs on 64 pixels: one thread is faster than two handing work to each other
print("device:", device())

# %% [markdown]
# ## Theory
#
# **Frozen-feature protocols.** Let $f$ be an encoder, $\{(x_i, y_i)\}_{i=1}^N$ the labelled
# training set and $h_i = f(x_i)\in\mathbb R^D$ its frozen features.
#
# - **Linear probe.** Fit $W, b$ by multinomial logistic regression on standardised $h_i$,
#   $\min_{W,b} \sum_i -\log \operatorname{softmax}(W h_i + b)_{y_i} + \tfrac{1}{2C}\lVert W\rVert^2$,
#   and report test accuracy. It asks whether the classes are **linearly separable** in $h$;
#   a bigger probe (an MLP) would find non-linear information too and blur the comparison.
# - **kNN.** Predict the majority label of the $k$ training points most cosine-similar to
#   $f(x)$. Nothing is fitted, so it measures the **geometry**: a representation can be
#   linearly separable and still have the wrong neighbours (a probe rescales every
#   direction; kNN does not).
# - **Few-shot prototypes** (Snell et al. 2017). Draw $K$ labelled examples per class
#   ($K = 5$ here), take each class's **prototype** $\mu_c = \frac1K\sum_{i\in S_c} h_i$ and
#   predict $\hat y(x) = \arg\min_c \lVert f(x) - \mu_c\rVert^2$. It measures what an SSL
#   representation is for: **how few labels** it needs. The draw of $S_c$ is random, so it
#   is repeated (episodes) and its seed is part of the result.
#
# **Intervals over seeds.** Each number comes from $S$ seeds (the pre-training seed and the
# few-shot draws); we report the mean $\bar a$ and the Student-t interval
# $\bar a \pm t_{0.975,\,S-1}\, s/\sqrt S$, $s$ the sample standard deviation. With $S = 3$,
# $t_{0.975,2} = 4.30$: the interval is wide, which is honest with three runs. A difference
# is claimed only where the intervals do not overlap.
#
# **Linear CKA** (Kornblith et al. 2019). Two representations of the same $N$ inputs,
# $X\in\mathbb R^{N\times D_1}$ and $Y\in\mathbb R^{N\times D_2}$, are compared through their
# linear kernels $K = XX^\top$, $L = YY^\top$ and the Hilbert-Schmidt independence criterion
# with the centring matrix $H = I - \frac1N \mathbf 1\mathbf 1^\top$:
#
# $$\mathrm{HSIC}(K, L) = \frac{\operatorname{tr}(KHLH)}{(N-1)^2},\qquad
#   \mathrm{CKA}(X, Y) = \frac{\mathrm{HSIC}(K, L)}{\sqrt{\mathrm{HSIC}(K, K)\,\mathrm{HSIC}(L, L)}}
#   = \frac{\lVert Y_c^\top X_c\rVert_F^2}{\lVert X_c^\top X_c\rVert_F\,\lVert Y_c^\top Y_c\rVert_F},$$
#
# where $X_c = HX$ has its columns centred. The right-hand form needs only $D\times D$
# products, so $N$ can be large. CKA lies in $[0, 1]$; it is **invariant to orthogonal maps
# and isotropic scaling** ($\mathrm{CKA}(X, sXQ) = 1$ for orthogonal $Q$), as it must be to
# compare networks whose units are arbitrary, but **not** to arbitrary invertible linear
# maps (which would make every pair of wide representations identical).
#
# ## The common wrong answer
#
# The seed's answer to "what is the image model of self-supervised learning and how is it
# used for classification" loads a **ResNet-50 pre-trained on ImageNet with labels**, and
# trains it with cross-entropy on the labelled images. It is a supervised recipe (nothing
# self-supervised in it), it uses the biggest network at hand, and it ends with one
# training loss: there is no held-out number, no baseline, and nothing about the
# representation. We run it in miniature on the setting SSL is meant for, **5 labelled
# digits per class** (50 images) and 1,257 unlabelled ones: the biggest encoder in this
# chapter (an MLP $64\to512\to512\to512$, about twenty times the parameters of the
# chapter's encoder: printed), trained end-to-end with cross-entropy on the 50 labels for
# as many steps as every method below, then judged (a) as the seed would, by its training
# accuracy, and (b) on the 540 test digits by a linear probe fitted on the same 50 labelled
# images. The alternative uses the chapter's small encoder ($64\to128\to128$) pre-trained
# with SimCLR on the 1,257 unlabelled digits (the leaderboard's runs below), and the same
# probe on the same 50 labels. Three seeds;
# seed $s$ draws the labelled images and trains both networks.

# %%
x, y, x_test, y_test = digits()
SEEDS = (0, 1, 2)
EPOCHS = scaled(15, 2)  # every method: EPOCHS passes over the 1,257 digits in batches of 128
STEPS = EPOCHS * (len(x) // 128)
SSL_METHODS = ("SimCLR", "SimSiam", "BYOL", "Barlow Twins", "VICReg", "rotation", "VAE", "denoising AE")


def views(xb, generator):
    """A random view of every image: resized crops of 50-100% of the area. (B, 1, 8, 8) -> same."""
    return batch_augment(xb, generator, color=False, gray=False, flip=False, scale=(0.5, 1.0))


trained = {m: [pretrain(m, x, views, epochs=EPOCHS, seed=s) for s in SEEDS]
           for m in progress_bar(SSL_METHODS, desc="pre-training")}
trained["supervised (all labels)"] = [pretrain("supervised", x, views, epochs=EPOCHS, seed=s, labels=y)
                                      for s in SEEDS]

big_train, big_test, small_test, raw_test = [], [], [], []
for s in SEEDS:
    idx = few_labels(y, 5, seed=s)  # 50 labelled training digits
    big = pretrain("supervised", x[idx], views, epochs=STEPS, seed=s, hidden=(512, 512, 512),
                   batch_size=len(idx), labels=y[idx])  # one step per epoch: STEPS steps, as every method
    f, f_test = features(big, x[idx]), features(big, x_test)
    big_train.append(linear_probe(f, y[idx], f, y[idx]))
    big_test.append(linear_probe(f, y[idx], f_test, y_test))
    simclr = trained["SimCLR"][s]
    small_test.append(linear_probe(features(simclr, x[idx]), y[idx], features(simclr, x_test), y_test))
    raw_test.append(linear_probe(x[idx].flatten(1), y[idx], x_test.flatten(1), y_test))
big_train, big_test, small_test, raw_test = map(torch.tensor, (big_train, big_test, small_test, raw_test))
n_big = sum(p.numel() for p in big.parameters())
n_small = sum(p.numel() for p in simclr.parameters())
print(f"{STEPS} steps each; 50 labels; mean ± std over seeds {SEEDS}")
print(f"parameters: big MLP {n_big:,}, the chapter's MLP {n_small:,} (ratio {n_big / n_small:.0f})")
print(f"big supervised MLP, training accuracy: "
      f"{100 * big_train.mean():.1f} ± {100 * big_train.std():.1f}%")
for name, acc in (("big supervised MLP, test", big_test), ("SimCLR MLP + probe, test", small_test),
                  ("raw pixels + probe, test", raw_test)):
    print(f"{name:<40s}{100 * acc.mean():5.1f} ± {100 * acc.std():.1f}%   per seed {(100 * acc).numpy().round(1)}")
gap = small_test - big_test
print(f"SimCLR + probe minus big supervised, per seed: {(100 * gap).numpy().round(1)} points")

# %% [markdown]
# The seed's only number, the training accuracy, is 100%: it says nothing. On held-out
# digits the big network trained on the 50 labels is **below** the small SimCLR encoder with
# a linear probe on the same 50 labels, on every seed (the per-seed differences are printed
# above), and not far from a probe on raw pixels. The bigger network, fitted to 50 images,
# memorises them; the small encoder has seen all 1,257 images (without labels). The
# comparison is only possible because both are measured the same way, on held-out data,
# next to a baseline: that is the protocol the rest of this chapter builds.

# %%
if not quick_mode():
    assert big_train.min() == 1.0  # the seed's number: perfect, and meaningless
bar("30.ssl_probe_beats_big_supervised_on_50_labels_worst_seed", 100 * gap.min().item(), ">", 0.0, " points")

# %% [markdown]
# ## Exercise 30.linear_cka
#
# Write `linear_cka(x, y)`: `x` of shape `(N, D1)` and `y` of shape `(N, D2)` describe the same
# `N` inputs (row $i$ of each is input $i$; the widths may differ; $N \ge 2$). Centre every
# column of both, then return
# $\lVert Y_c^\top X_c\rVert_F^2 / (\lVert X_c^\top X_c\rVert_F \lVert Y_c^\top Y_c\rVert_F)$ as a
# 0-dim tensor, computed in the inputs' promoted dtype (float64 stays float64), on `x`'s
# device. The check compares you with the reference on: representations of different widths;
# a rotated and scaled copy (CKA 1); features far from the origin; float64; 600 rows (more
# than any chunk); a dead unit and an all-zero row; more features than inputs; $N = 2$; and
# random cases; it also checks symmetry.

# %%
def linear_cka(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Linear CKA between x: (N, D1) and y: (N, D2) -> a 0-dim tensor in [0, 1]."""
    ### BEGIN SOLUTION
    dtype = torch.promote_types(x.dtype, y.dtype)
    xc, yc = x.to(dtype), y.to(x.device, dtype)
    xc, yc = xc - xc.mean(dim=0), yc - yc.mean(dim=0)
    cross = torch.linalg.matrix_norm(yc.T @ xc) ** 2
    return cross / (torch.linalg.matrix_norm(xc.T @ xc) * torch.linalg.matrix_norm(yc.T @ yc))
    ### END SOLUTION


check("30.linear_cka", linear_cka)

# %%
linear_cka = use_reference_if_unsolved("30.linear_cka", linear_cka)

# %% [markdown]
# ## Exercise 30.few_shot_prototypes
#
# Write `few_shot_prototypes(train_feats, y_train, test_feats, shots=5, generator=None)`:
# `train_feats` `(N, D)` with labels `y_train` `(N,)` is the pool of labelled examples,
# `test_feats` is `(M, D)`. The classes are the distinct labels of `y_train`, **in ascending
# order**. For each class in turn, take its rows (ascending indices, `(y_train == c).nonzero()`),
# shuffle them with **one** `torch.randperm(len(rows), generator=generator)` and keep the first
# `shots`; the prototype is their mean. Each test row gets the label of the nearest prototype
# (Euclidean distance), **a tie going to the smallest label**. Compute in the features'
# promoted dtype; return `(M,)` labels with `y_train`'s dtype on `train_feats`' device. The
# package's benchmark draws the labelled examples exactly this way
# (`ssl_course.data.split.few_labels` does too), so your function drives the leaderboard's
# 5-shot column below.

# %%
def few_shot_prototypes(train_feats: torch.Tensor, y_train: torch.Tensor, test_feats: torch.Tensor,
                        shots: int = 5, generator: torch.Generator | None = None) -> torch.Tensor:
    """Nearest prototype from `shots` random labelled rows per class: (N, D), (N,), (M, D) -> (M,) labels."""
    ### BEGIN SOLUTION
    dtype = torch.promote_types(train_feats.dtype, test_feats.dtype)
    train, test = train_feats.to(dtype), test_feats.to(train_feats.device, dtype)
    labels = y_train.to(train.device)
    classes = torch.unique(labels, sorted=True)
    protos = []
    for c in classes:
        rows = (labels == c).nonzero().flatten()
        order = torch.randperm(len(rows), generator=generator,
                               device=generator.device if generator is not None else "cpu")
        protos.append(train[rows[order.to(rows.device)[:shots]]].mean(dim=0))
    dist = ((test[:, None, :] - torch.stack(protos)[None]) ** 2).sum(dim=2)  # (M, C)
    return classes[dist.argmin(dim=1)].to(y_train.dtype)  # argmin: the first minimum, the smallest label
    ### END SOLUTION


check("30.few_shot_prototypes", few_shot_prototypes)

# %%
few_shot_prototypes = use_reference_if_unsolved("30.few_shot_prototypes", few_shot_prototypes)

# %% [markdown]
# ## The headline experiment: one leaderboard, one encoder, one budget
#
# **The setting.** `digits`: 1,257 training and 540 test images of 8x8 pixels, 10 classes.
# **One encoder** for every method: `MLPEncoder(64, (128, 128))`, the same initial weights
# for a given seed. **One budget**: the same number of optimiser steps for every method
# (printed below; Adam, learning rate $2\cdot10^{-3}$ with a cosine decay, batches of 128),
# all through the package's own loop (`contrastive.simclr.fit`) with each method's own loss
# from earlier chapters: SimCLR (05), SimSiam, BYOL, Barlow Twins and VICReg (12), rotation
# prediction (09), a VAE (13) and a denoising autoencoder (18). The two-view methods share
# one augmentation (crops of 50-100% of the area). Reference lines: **raw pixels**, the
# **untrained** encoder (seeded like the others), and the encoder trained **supervised** on
# all 1,257 labels with the same budget (an upper line, not a competitor). Three seeds per
# method; 5-shot accuracy is the mean of 10 draws per seed; intervals are 95% Student-t
# over the 3 seeds.
#
# **Bars**, decided before measuring. (1) The syllabus: the leaderboard holds **at least six
# methods** of the course. (2) Pre-training must help where it is meant to: **SimCLR** (named
# in advance, not the best of eight picked afterwards) beats the untrained encoder on 5-shot
# accuracy **beyond both intervals** (its lower end above the untrained one's upper end).
# (3) The supervised encoder, which saw every label, beats **every** SSL method on 5-shot
# beyond the intervals: a benchmark that mixed up labels or features would miss it.

# %%
def untrained(seed):
    """The chapter's encoder at its seeded initial weights, never trained."""
    torch.manual_seed(seed)  # pretrain() builds its encoder from this seed the same way
    return MLPEncoder(64, (128, 128)).eval()


encoders = {"raw pixels": lambda a: a.flatten(1), "untrained": [untrained(s) for s in SEEDS], **trained}
rows = benchmark(encoders, (x, y, x_test, y_test), SEEDS, shots=5, episodes=10, few_shot=few_shot_prototypes)
by_name = {r["name"]: r for r in rows}
print(f"digits, MLP 64-128-128, {STEPS} steps per method; accuracy (%), mean ± 95% t-interval over seeds {SEEDS}")
print(format_rows(rows))

n_methods = sum(m in SSL_METHODS for m in by_name)
bar("30.methods_on_leaderboard", n_methods, ">=", 6)


def low(name, p="5-shot"):
    return by_name[name][p] - by_name[name][p + " ci"]


def high(name, p="5-shot"):
    return by_name[name][p] + by_name[name][p + " ci"]


print(f"5-shot, SimCLR lower end {100 * low('SimCLR'):.1f}% vs untrained upper end {100 * high('untrained'):.1f}%")
bar("30.simclr_beats_untrained_5shot_beyond_ci", 100 * (low("SimCLR") - high("untrained")), ">", 0.0, " points")
best_ssl = max(SSL_METHODS, key=high)
print(f"5-shot, supervised lower end {100 * low('supervised (all labels)'):.1f}% vs the highest SSL upper end "
      f"({best_ssl}) {100 * high(best_ssl):.1f}%")
bar("30.supervised_beats_every_ssl_5shot_beyond_ci",
    100 * (low("supervised (all labels)") - high(best_ssl)), ">", 0.0, " points")

fig, ax = plt.subplots(figsize=(12, 3.8))
names = [r["name"] for r in rows]
for k, p in enumerate(("linear probe", "kNN", "5-shot")):
    ax.bar([i + 0.27 * k for i in range(len(names))], [100 * by_name[n][p] for n in names], 0.27,
           yerr=[100 * by_name[n][p + " ci"] for n in names], capsize=2, label=p)
ax.axhline(100 * by_name["raw pixels"]["5-shot"], color="gray", ls=":", lw=1, label="raw pixels, 5-shot")
ax.set(xticks=[i + 0.27 for i in range(len(names))], ylabel="test accuracy (%)", ylim=(50, 100),
       title=f"digits: one encoder, {STEPS} steps per method, 95% t-intervals over 3 seeds")
ax.set_xticklabels(names, rotation=20, ha="right", fontsize=8)
ax.legend(fontsize=8, loc="lower left")
plt.tight_layout()
plt.show()

# %% [markdown]
# **Which methods beat the untrained encoder beyond the intervals, protocol by protocol**
# (a method is counted only where its lower end is above the untrained encoder's upper end):

# %%
for p in ("linear probe", "kNN", "5-shot"):
    above = [m for m in SSL_METHODS if low(m, p) > high("untrained", p)]
    below_raw = [m for m in SSL_METHODS if by_name[m][p] < by_name["raw pixels"][p]]
    print(f"{p:>12s}: beyond the untrained encoder: {', '.join(above) or 'none'}; "
          f"mean below raw pixels: {', '.join(below_raw) or 'none'}")

# %% [markdown]
# **CKA map.** Which methods learned the same features? Linear CKA (your `linear_cka`)
# between every pair of representations of the 540 test digits (seed 0), with raw pixels and
# the untrained encoder for reference. First the two properties that make CKA usable, on a
# real representation (SimCLR's, float64): a rotated and rescaled copy scores 1, and the
# $D\times D$ formula equals the HSIC formula with the $N\times N$ centring matrix.

# %%
feats = {n: (x_test.flatten(1) if n == "raw pixels" else features(encoders[n][0], x_test)).double()
         for n in names}
h = feats["SimCLR"]
q, _ = torch.linalg.qr(torch.randn(h.shape[1], h.shape[1], generator=torch.Generator().manual_seed(0),
                                   dtype=torch.float64))
bar("30.cka_rotated_scaled_copy_is_1", abs(linear_cka(h, 3.0 * h @ q).item() - 1.0), "<=", 1e-9)


def cka_hsic(a, b):
    """The textbook form: tr(K H L H) / sqrt(tr(K H K H) tr(L H L H)), K = a a^T, L = b b^T: (N, N) matrices."""
    n = a.shape[0]
    centring = torch.eye(n, dtype=a.dtype) - 1.0 / n
    k, el = centring @ (a @ a.T) @ centring, centring @ (b @ b.T) @ centring  # HKH and HLH
    return (k * el).sum() / torch.sqrt((k * k).sum() * (el * el).sum())


gap_hsic = abs(linear_cka(h, feats["VAE"]).item() - cka_hsic(h, feats["VAE"]).item())
bar("30.cka_equals_hsic_form", gap_hsic, "<=", 1e-9)

cka = torch.tensor([[linear_cka(feats[a], feats[b]).item() for b in names] for a in names])
seed_pairs = {m: linear_cka(features(encoders[m][0], x_test), features(encoders[m][1], x_test)).item()
              for m in names[2:]}
fig, ax = plt.subplots(figsize=(7.5, 6.5))
im = ax.imshow(cka.numpy(), vmin=0, vmax=1, cmap="viridis")
ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
ax.set_yticks(range(len(names)), names, fontsize=8)
for i in range(len(names)):
    for j in range(len(names)):
        ax.text(j, i, f"{cka[i, j]:.2f}", ha="center", va="center", fontsize=6,
                color="white" if cka[i, j] < 0.6 else "black")
fig.colorbar(im, ax=ax, shrink=0.8, label="linear CKA")
ax.set_title("linear CKA between representations of the 540 test digits (seed 0)")
plt.tight_layout()
plt.show()
print("CKA between seed 0 and seed 1 of the same method:",
      ", ".join(f"{m} {v:.2f}" for m, v in seed_pairs.items()))
off = cka.clone().fill_diagonal_(float("nan"))
i, j = divmod(int(torch.nan_to_num(off[2:, 2:], nan=-1).argmax()), len(names) - 2)
print(f"most similar pair of different methods: {names[2 + i]} and {names[2 + j]}, {cka[2 + i, 2 + j]:.2f}")
print("CKA with raw pixels: " + ", ".join(f"{n} {cka[0, k]:.2f}" for k, n in enumerate(names) if k > 0))
ssl_idx = [names.index(m) for m in SSL_METHODS]
mean_to_others = {m: off[names.index(m), ssl_idx].nanmean().item() for m in SSL_METHODS}
print("mean CKA with the other SSL methods: " + ", ".join(f"{m} {v:.2f}" for m, v in mean_to_others.items()))

# %% [markdown]
# The statements of "Reading the results honestly" below, checked on these numbers:

# %%
two_view = {"SimCLR", "SimSiam", "BYOL", "Barlow Twins", "VICReg"}
if not quick_mode():
    assert {names[2 + i], names[2 + j]} <= two_view  # the closest pair of methods: two two-view methods
    others = [n for n in names[2:] if n not in ("VAE", "denoising AE")]
    assert min(cka[0, names.index(m)] for m in ("VAE", "denoising AE")) > max(cka[0, names.index(m)] for m in others)
    assert min(mean_to_others, key=mean_to_others.get) == "rotation"  # the outlier among SSL methods
    assert min(seed_pairs.values()) < cka[2 + i, 2 + j]  # seeds of one method can differ more than methods
    for p in ("linear probe", "kNN", "5-shot"):  # rotation: the weakest SSL method on every protocol
        assert min(SSL_METHODS, key=lambda m: by_name[m][p]) == "rotation"
    assert all(by_name[m]["kNN"] < by_name["raw pixels"]["kNN"] for m in SSL_METHODS)
    assert not any(low(m, p) > high("untrained", p) for m in SSL_METHODS for p in ("linear probe", "kNN"))


def overlapping_pairs(p):
    """How many of the pairs of SSL methods have overlapping intervals on protocol p."""
    pairs = [(a, b) for k, a in enumerate(SSL_METHODS) for b in SSL_METHODS[k + 1:]]
    return sum(low(a, p) <= high(b, p) and low(b, p) <= high(a, p) for a, b in pairs), len(pairs)


for p in ("linear probe", "5-shot"):
    print(f"{p}: %d of %d pairs of SSL methods have overlapping intervals" % overlapping_pairs(p))
rank_raw = sorted(by_name, key=lambda n: -by_name[n]["linear probe"]).index("raw pixels") + 1
print(f"linear probe: raw pixels rank {rank_raw} of {len(by_name)}")
if not quick_mode():
    for p in ("linear probe", "5-shot"):
        n_overlap, n_pairs = overlapping_pairs(p)
        assert n_overlap > n_pairs / 2

# %% [markdown]
# ## Reading the results honestly
#
# **1. On digits, raw pixels are a hard baseline.** A linear probe on the 64 raw pixels
# ranks among the methods, not below them (its rank is printed above), and most pairs of
# methods' linear-probe intervals overlap: with all 1,257 labels, the probe cannot tell
# these methods apart here; no SSL method beats the untrained encoder beyond the intervals
# on the probe, nor on kNN, where the SSL methods' means fall **below** raw pixels (the
# lists above). The differences show up where labels are few (5-shot). A leaderboard on
# one easy dataset with all labels would have ranked methods by noise.
#
# **2. Five-shot is where pre-training shows, and not for every method.** SimCLR beats the
# untrained encoder beyond both intervals (the bar); the list above says which other
# methods do, per protocol. Rotation prediction is the weakest method on every protocol
# (asserted above); why (what the quarter-turn task leaves out on 8x8 digits) is not
# measured here. That is a statement about this data and this budget, not about rotation
# prediction on ImageNet.
#
# **3. The intervals are wide, and that is the point.** With 3 seeds, the 95% t-interval
# is $\pm 4.3\,s/\sqrt3 \approx \pm 2.5\,s$. Most pairs of SSL methods overlap at 5 shots
# too (counted above); the
# leaderboard supports "pre-training helps at 5 shots" and "the supervised encoder is far
# above every SSL method", not a ranking among the SSL methods. Paper leaderboards with one
# seed per entry rank noise as often as methods.
#
# **4. CKA says "same features", not "good features".** The closest pair of different
# methods is two two-view methods, the reconstruction methods (VAE, denoising AE) stay
# closer to the pixels than any other method, and rotation is the outlier among the SSL
# methods, with the lowest mean CKA to the others (numbers printed under the map). But CKA between **two seeds of one method**
# (printed too) is often **lower** than CKA between two different methods: a single map
# cannot separate "method" from "seed". And a high CKA with raw pixels says a
# representation is close to pixels, which can be good or bad.
#
# **5. What this setting cannot show.** One budget of a few hundred steps favours methods
# that learn fast; the paper methods' advantages appear after hundreds of epochs, with
# ResNets, on ImageNet-scale data and transfer to other datasets (Kornblith et al. 2019's
# "Do better ImageNet models transfer better?" shows rankings change with the target task).
# DINO (chapter 28) is not on the board: its teacher-student loop with multi-crop is written
# out in chapter 28's notebook, not a trainer that `pretrain` calls; masked autoencoding (26)
# needs a transformer on image patches, not this MLP. Fine-tuning (as opposed to frozen features),
# detection and segmentation transfer, and robustness are other axes of evaluation, not
# measured here.

# %% [markdown]
# ## Interview drill

# %%
quiz("30.q1")

# %%
quiz("30.q2")

# %%
quiz("30.q3")

# %%
quiz("30.q4")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>Your new SSL method beats SimCLR by 0.8 points of linear-probe accuracy on
# one seed. What do you need before you claim it?</summary>
#
# The same encoder, data, augmentations and budget for both (steps or GPU-hours, stated);
# several seeds of both, with an interval, and a difference larger than the spread; the
# probe's own hyper-parameters tuned the same way for both (or fixed in advance); and more
# than one protocol (kNN, few-shot, transfer to another dataset), because a probe on one
# label set is one view. Here, on digits, intervals over 3 seeds are a few points wide: 0.8
# points would be noise.
# </details>
#
# <details><summary>Why a linear probe and not an MLP probe, and why standardise the features?</summary>
#
# A linear probe asks whether the classes are linearly separable, the property SSL papers
# claim; an MLP probe can extract non-linear information from almost any representation
# (even raw pixels) and compresses the differences between methods. Standardising puts every
# feature on one scale so the L2 penalty treats them alike; without it a representation with
# a few large features is judged by the regulariser, not by its content.
# </details>
#
# <details><summary>Two networks have CKA 0.95 between their last layers. Are they equally good?</summary>
#
# Not necessarily: CKA measures similarity of the representational geometry, averaged over
# all directions; a small difference in a few directions (the ones that separate two
# classes) can change accuracy a lot while CKA barely moves. Read CKA against the
# seed-to-seed CKA of one method, and pair it with accuracy.
# </details>
#
# <details><summary>Why does kNN disagree with the linear probe on some methods?</summary>
#
# The probe fits a weight per feature direction, so it can undo bad scaling; kNN uses the
# raw cosine geometry. A representation whose class information lives in low-variance
# directions probes well and has poor neighbours. Reporting both separates "the information
# is there" from "the metric is right", which matters for retrieval and clustering.
# </details>

# %% [markdown]
# ## Summary
#
# - The "image model" of SSL is an encoder; it is evaluated frozen, with the data, encoder
#   and budget held fixed across methods, by a linear probe (linear information), kNN
#   (geometry) and few-shot prototypes (label efficiency), each with an interval over seeds,
#   next to raw pixels, an untrained encoder and a supervised encoder.
# - Linear CKA, $\lVert Y_c^\top X_c\rVert_F^2 / (\lVert X_c^\top X_c\rVert_F\lVert Y_c^\top Y_c\rVert_F)$
#   after centring, equals the HSIC form, is 1 for rotated and rescaled copies, and says
#   which methods learned the same features; it is read against the seed-to-seed CKA.
# - Here, with one budget, SimCLR beats the untrained encoder at 5 shots beyond the
#   intervals; the supervised encoder beats every SSL method; the intervals do not support
#   a ranking among the SSL methods. A bigger supervised network on the 50 labels did worse
#   on held-out digits than a small SSL encoder with a probe, while scoring 100% on its
#   training images.
#
# ## References
#
# - S. Kornblith, M. Norouzi, H. Lee, G. Hinton. *Similarity of Neural Network
#   Representations Revisited* (CKA). ICML 2019.
# - A. Gretton, O. Bousquet, A. Smola, B. Schölkopf. *Measuring Statistical Dependence with
#   Hilbert-Schmidt Norms* (HSIC). ALT 2005.
# - J. Snell, K. Swersky, R. Zemel. *Prototypical Networks for Few-shot Learning*. NeurIPS 2017.
# - Z. Wu, Y. Xiong, S. Yu, D. Lin. *Unsupervised Feature Learning via Non-Parametric Instance
#   Discrimination* (kNN evaluation). CVPR 2018.
# - A. Kolesnikov, X. Zhai, L. Beyer. *Revisiting Self-Supervised Visual Representation
#   Learning*. CVPR 2019.
# - S. Kornblith, J. Shlens, Q. V. Le. *Do Better ImageNet Models Transfer Better?* CVPR 2019.
# - T. Chen, S. Kornblith, M. Norouzi, G. Hinton. *A Simple Framework for Contrastive Learning
#   of Visual Representations* (SimCLR; linear evaluation protocol). ICML 2020.
