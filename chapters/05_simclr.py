# %% [markdown]
# # 05 · SimCLR: NT-Xent, the projection head and the linear probe
#
# > **问题：** 对比性损失在自监督训练中究竟是怎样起作用的？以 SimCLR 为例，说明模型如何在没有任何标签的情况下学到有用的表示，又如何检验这个表示的好坏。
# >
# > **Question:** How does a contrastive loss actually drive self-supervised training? Taking
# > SimCLR as the example, explain how a model learns a useful representation without any
# > label, and how you test whether that representation is any good.
#
# **Model answer.** SimCLR (Chen et al., 2020) augments every image of a batch twice, passes
# the $2N$ views through an encoder $f$ and a small projection head $g$, and applies the
# **NT-Xent** loss: each view must pick its partner (the other view of the same image) out of
# the other $2N-1$ views, with cosine similarity divided by a temperature $\tau$ inside a
# softmax. The positive is pulled closer and the $2N-2$ negatives are pushed away, so the
# encoder becomes invariant to the augmentations while keeping images apart. No label is
# used: the "class" of a view is the image it came from. The representation is the encoder's
# output **before** the projection head, and it is judged by freezing it and training a
# **linear probe** (or a kNN classifier) on a labelled set. Large batches (many negatives)
# and strong augmentations matter; the temperature decides how hard the negatives are.

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from ssl_course import Timer, bar, check, device, quiz, scaled, seed_everything, use_reference_if_unsolved
from ssl_course.augment.batch import batch_augment
from ssl_course.augment.signals import signal_augment
from ssl_course.contrastive import nt_xent as reference
from ssl_course.contrastive.simclr import train_simclr
from ssl_course.data.digits import digits
from ssl_course.data.mnist1d import mnist1d
from ssl_course.data.split import few_labels
from ssl_course.evaluate.probes import features, linear_probe
from ssl_course.models.encoders import Conv1dEncoder, ConvEncoder
from ssl_course.models.heads import ProjectionHead

seed_everything(0)
print("device:", device())

# %% [markdown]
# ## Theory
#
# **The pipeline.** For a batch of $N$ inputs $x_1,\dots,x_N$, draw two random augmentations
# of each: views $\tilde x_k$ and $\tilde x_{k+N}$ of input $k$. Then
#
# $$h = f(\tilde x) \in \mathbb R^{d} \quad\text{(encoder: the representation we keep)},\qquad
#   z = g(h) = W_2\,\mathrm{ReLU}(\mathrm{BN}(W_1 h)) \quad\text{(projection head: only for the loss)}.$$
#
# **NT-Xent** (normalised temperature-scaled cross-entropy). With cosine similarities
# $s_{ij} = z_i^\top z_j / (\lVert z_i\rVert\,\lVert z_j\rVert)$ and $p(i)$ the partner of view
# $i$ ($i+N$ for $i \le N$, $i-N$ otherwise),
#
# $$\ell_i = -\log \frac{\exp(s_{i,p(i)}/\tau)}{\sum_{k \ne i} \exp(s_{ik}/\tau)},\qquad
#   \mathcal L = \frac{1}{2N}\sum_{i=1}^{2N} \ell_i .$$
#
# Every view is an anchor, so both directions of every pair count. The sum runs over the
# $2N-1$ **other** views: one positive and $2N-2$ negatives. The anchor itself is left out,
# because $s_{ii} = 1$ always: it would be the strongest "candidate" and carry no information.
# Its gradient says what training does:
#
# $$\frac{\partial \ell_i}{\partial s_{ik}} = \frac{1}{\tau}\Big(P_{ik} - \mathbb 1[k = p(i)]\Big),
#   \qquad P_{ik} = \frac{e^{s_{ik}/\tau}}{\sum_{a\ne i} e^{s_{ia}/\tau}} ,$$
#
# the positive is pulled with weight $1 - P_{i,p(i)}$, and each negative is pushed with weight
# $P_{ik}$: the negatives closest to the anchor get most of the push. At initialisation all
# similarities are about equal and $\mathcal L \approx \log(2N-1)$, a useful sanity check.
#
# **Why features are taken before the head.** NT-Xent asks $z$ to be *invariant* to the
# augmentations, so the last layers learn to throw away what the augmentations change
# (position, scale, colour...), including information a downstream task may need. The head
# absorbs that loss of information; $h$, one nonlinear layer earlier, keeps more. SimCLR's
# linear evaluation is more than 10 points better on $h$ than on $z$; the head is
# discarded after pre-training.
#
# **Temperature.** The logits lie in $[-1/\tau, 1/\tau]$. A small $\tau$ sharpens the softmax,
# so the loss concentrates on the hardest negatives (and on false negatives: same-class
# images, chapter 03); a large $\tau$ weighs all negatives alike and the loss can be lowered
# only weakly. SimCLR uses $\tau = 0.1$ on ImageNet and reports $0.5$ best on CIFAR-10; we use
# $0.5$.
#
# **Batch size.** The negatives come from the batch: $2N-2$ per anchor. More negatives give
# a better approximation of the full softmax and raise the cap on the information the loss
# can certify ($\log(2N-1)$, chapter 01). SimCLR trains with $N$ up to 8192 (with the LARS
# optimiser); the gain from a large batch is largest with short training. MoCo (chapter 06)
# keeps a queue of negatives instead, so the batch can stay small.
#
# **Evaluation.** Freeze $f$, compute $h$ for a labelled training set, and fit a **linear
# probe** (logistic regression); report its test accuracy. A **kNN classifier** on cosine
# similarity needs no training at all and is a quick check during pre-training.

# %% [markdown]
# ## The common wrong answer
#
# A typical interview answer computes the Gram matrix $ZZ^\top$ of the batch's embeddings,
# applies an independent **sigmoid** to every entry and a binary cross-entropy with 1 for
# "positives" (the diagonal: every embedding with itself) and 0 elsewhere. Even the kindest
# reading, which also marks the other view of the same image as a positive, has two faults:
# there is no softmax, so a positive never competes with the negatives, and the self-pairs
# $z_i^\top z_i = \lVert z_i\rVert^2$ are free positives that only reward vector length.
# Worse, $2N$ vectors in $D < 2N - 1$ dimensions cannot all have negative dot products with
# each other, so the $(2N)^2 - 4N$ "negative" entries cannot all be pushed below zero. The
# cheapest compromise is to shrink every embedding towards the origin, where every logit is 0
# and the loss is $\log 2 \approx 0.693$: a degenerate optimum that ignores the data. Let us
# train it with exactly the recipe that SimCLR uses on `digits` below.

# %%
x_dig, y_dig, x_dig_test, y_dig_test = digits()
DIGIT_DRAWS = range(5)  # five random choices of the 5 labelled images per class


def digit_views(xb, generator):
    """Random resized crops (50-100% of the area) plus a little pixel noise, for 8x8 digits."""
    v = batch_augment(xb, generator, color=False, gray=False, flip=False, scale=(0.5, 1.0))
    return v + 0.1 * torch.randn(v.shape, generator=generator).to(v)


def train_digits(loss_fn):
    """SimCLR's recipe on digits, with any loss_fn(z1, z2, temperature)."""
    seed_everything(0)
    encoder, head = ConvEncoder(1, (16, 32, 64)), ProjectionHead(64, 64, 64)
    history = train_simclr(encoder, x_dig, digit_views, head=head, loss_fn=loss_fn, epochs=scaled(40, 4),
                     batch_size=256, lr=4e-3, temperature=0.5, seed=0)
    return encoder, history


def five_label_accuracy(train_feats, test_feats):
    """Linear-probe test accuracy with 5 labelled digits per class, one value per draw."""
    accs = []
    for draw in DIGIT_DRAWS:
        idx = few_labels(y_dig, 5, seed=draw)
        accs.append(linear_probe(train_feats[idx], y_dig[idx], test_feats, y_dig_test))
    return torch.tensor(accs)


def sigmoid_gram_loss(z1, z2, temperature=0.5):
    """The common wrong answer: independent sigmoids over Z Z^T; self-pairs (and partners) are 1."""
    z = torch.cat([z1, z2])
    n = z1.shape[0]
    logits = z @ z.T / temperature
    eye = torch.eye(2 * n, device=z.device)  # on the device the loss is computed on
    target = eye + eye.roll(n, dims=1)
    return F.binary_cross_entropy_with_logits(logits, target)


wrong_encoder, wrong_history = train_digits(sigmoid_gram_loss)
with torch.no_grad():
    # features() returns CPU tensors, the trained head stays on device(): move h to the head.
    h_wrong = features(wrong_encoder, x_dig).to(device())
    z_wrong = wrong_history["head"](h_wrong).cpu()  # (N, 64), no augmentation
    logits_wrong = z_wrong @ z_wrong.T / 0.5
off_diagonal = ~torch.eye(len(z_wrong), dtype=torch.bool)
raw_acc = five_label_accuracy(x_dig.flatten(1), x_dig_test.flatten(1))
wrong_acc = five_label_accuracy(features(wrong_encoder, x_dig), features(wrong_encoder, x_dig_test))
print(f"final loss {wrong_history['epoch_loss'][-1]:.4f}   (log 2 = {math.log(2):.4f}: every logit 0)")
print(f"logits z_i.z_j / tau on the training images: mean |off-diagonal| {logits_wrong[off_diagonal].abs().mean():.3f}, "
      f"mean diagonal {logits_wrong.diagonal().mean():.3f}")
print(f"5 labels/class, linear probe: raw pixels {raw_acc.mean():.1%}, "
      f"encoder trained with the sigmoid-Gram loss {wrong_acc.mean():.1%}")

# %% [markdown]
# The loss falls to $\log 2$ and stays there: the head has learned to output vectors so
# short that every logit is close to 0, a near-constant answer that says nothing about the
# data. Its encoder's features are *worse than raw pixels* for a 5-label probe. (With the
# diagonal as the only positive, the usual reading of that answer, the other view of the same
# image is even pushed away.) NT-Xent, below, learns
# from the same data, network and budget.

# %% [markdown]
# ## Exercise 05.nt_xent
#
# Write `nt_xent(z1, z2, temperature)` for `z1`, `z2` of shape `(N, D)`: row $k$ of `z1` and
# row $k$ of `z2` are two views of input $k$. Implement $\mathcal L$ above over all $2N$
# views, with cosine similarity; a view is never its own candidate. It must work for a batch
# of one image, for $\tau = 10^{-3}$ (logits of 1000) and for float64, and keep its gradient.

# %%
def nt_xent(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.5) -> torch.Tensor:
    """z1, z2: (N, D) two views of N inputs -> scalar NT-Xent loss, mean over the 2N views."""
    ### BEGIN SOLUTION
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)  # (2N, D)
    logits = z @ z.T / temperature  # (2N, 2N)
    self_mask = torch.eye(2 * n, dtype=torch.bool, device=z.device)
    logits = logits.masked_fill(self_mask, float("-inf"))  # a view is not its own candidate
    partner = (torch.arange(2 * n, device=z.device) + n) % (2 * n)  # i <-> i + N
    return F.cross_entropy(logits, partner)  # log-sum-exp inside: safe for tiny temperatures
    ### END SOLUTION


check("05.nt_xent", nt_xent)

# %% [markdown]
# ## Exercise 05.knn_predict
#
# A kNN classifier on frozen features: for each test point, take the `k` training points
# with the highest **cosine** similarity and return the most common label among them.
# Ties are broken deterministically: among equally similar training points the lower index
# is nearer, and among classes with equally many votes the smallest label wins.
# `train_feats`: `(N, D)`, `y_train`: `(N,)` labels in `0..C-1`, `test_feats`: `(M, D)`;
# return `(M,)` labels with `y_train`'s dtype. (Evaluating on a GPU-sized test set? Work in
# chunks of rows; here one matrix product is fine.)

# %%
def knn_predict(train_feats: torch.Tensor, y_train: torch.Tensor, test_feats: torch.Tensor,
                k: int) -> torch.Tensor:
    """(N, D), (N,), (M, D) -> (M,) majority label of the k most cosine-similar training points."""
    ### BEGIN SOLUTION
    train = F.normalize(train_feats, dim=1)
    test = F.normalize(test_feats.to(train.dtype), dim=1)
    sim = test @ train.T  # (M, N)
    order = sim.sort(dim=1, descending=True, stable=True).indices  # ties: lower index first
    neighbour_labels = y_train[order[:, :k]]  # (M, k)
    votes = F.one_hot(neighbour_labels, int(y_train.max()) + 1).sum(dim=1)  # (M, C)
    return votes.argmax(dim=1).to(y_train.dtype)  # argmax picks the first maximum: smallest label
    ### END SOLUTION


check("05.knn_predict", knn_predict)

# %%
nt_xent = use_reference_if_unsolved("05.nt_xent", nt_xent)
knn_predict = use_reference_if_unsolved("05.knn_predict", knn_predict)

# %% [markdown]
# ## Headline experiment
#
# **Part 1: MNIST-1D.** 4,000 unlabelled training signals of length 40 (Greydanus, 2020).
# Each view is a random circular shift, dilation, amplitude scale, shear and correlated
# noise: the nuisances the dataset's own generator puts into every example, so two views
# differ only in what the label does not depend on. The encoder is a 3-stage 1-D CNN with a
# global max pool (64 features), the head maps them to 128 dimensions, and training uses
# *your* `nt_xent`. Then the encoder is frozen and evaluated with a linear probe and *your*
# `knn_predict` (k = 20) on the 1,000 test signals. **Bar:** linear probe $\ge 85\%$. For
# scale: the MNIST-1D repository's own self-supervised notebook reports **82.1%**, and a
# linear probe on the raw signal about **32.8%**.

# %%
x1d, y1d, x1d_test, y1d_test = mnist1d()
seed_everything(0)
encoder = Conv1dEncoder(40, channels=(16, 32, 64), kernel_size=5, pool="max")
head = ProjectionHead(encoder.out_dim, 128, 128)
history = train_simclr(encoder, x1d, signal_augment, head=head, loss_fn=nt_xent, epochs=scaled(20, 2),
                 batch_size=128, lr=4e-3, temperature=0.5, seed=0)
print(f"{history['steps']} steps in {history['seconds']:.1f} s; "
      f"loss {history['loss'][0]:.3f} -> {history['epoch_loss'][-1]:.3f} (log(2N-1) = {math.log(255):.3f})")

# %%
with Timer() as t:
    h_train, h_test = features(encoder, x1d), features(encoder, x1d_test)
    probe_h = linear_probe(h_train, y1d, h_test, y1d_test)
    knn_acc = (knn_predict(h_train, y1d, h_test, 20) == y1d_test).float().mean().item()
    probe_raw = linear_probe(x1d, y1d, x1d_test, y1d_test)
    with torch.no_grad():  # h is on the CPU, the head on device()
        probe_z = linear_probe(head(h_train.to(device())), y1d, head(h_test.to(device())), y1d_test)
print(f"evaluated in {t.seconds:.1f} s")
print(f"linear probe, raw signal:                {probe_raw:.1%}")
print(f"linear probe, SimCLR features h:         {probe_h:.1%}")
print(f"20-NN (cosine), SimCLR features h:       {knn_acc:.1%}")
print(f"linear probe, head output z (not used):  {probe_z:.1%}")
bar("05.mnist1d_probe", probe_h, ">=", 0.85)

# %% [markdown]
# The features before the head probe better than the head's output, as SimCLR found. The
# gap is small here; on ImageNet, where the augmentations (colour distortion above all)
# make $z$ discard much more, SimCLR measured more than 10 points.
#
# Below, the loss curve starts just under $\log(2N-1)$, the value when every view is equally
# similar to every other. In a 2-D PCA of the test set, coloured by class, the raw signals
# are one tangle, while in the SimCLR features several classes already separate in just two
# of the 64 dimensions (the probe uses all of them).

# %%
def pca_2d(feats):
    """(N, D) -> (N, 2): projections on the two leading principal components."""
    centred = feats - feats.mean(dim=0)
    _, _, v = torch.linalg.svd(centred, full_matrices=False)
    return centred @ v[:2].T


fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
axes[0].plot(history["loss"], lw=0.8)
axes[0].axhline(math.log(255), color="tab:red", ls=":", label="log(2N-1): no learning")
axes[0].set(xlabel="step", ylabel="NT-Xent", title="MNIST-1D: training loss")
axes[0].legend()
for ax, feats, name in [(axes[1], x1d_test, "raw signal"), (axes[2], h_test, "SimCLR features h")]:
    p = pca_2d(feats)
    sc = ax.scatter(p[:, 0], p[:, 1], c=y1d_test, cmap="tab10", s=5)
    ax.set(title=f"PCA of the test set: {name}", xticks=[], yticks=[])
fig.colorbar(sc, ax=axes[2], label="class")
plt.tight_layout()
plt.show()

# %% [markdown]
# **Part 2: digits with 5 labels per class.** The 8x8 `digits` (1,257 training images, no
# labels used), the views from the common-wrong-answer section, a 3-stage CNN with 64
# features, 40 epochs. Then only **5 labelled images per class** train the linear probe,
# averaged over 5 random draws of those 50 labels. **Bar:** SimCLR features beat raw pixels
# by $\ge 4$ points.

# %%
dig_encoder, dig_history = train_digits(nt_xent)
ssl_acc = five_label_accuracy(features(dig_encoder, x_dig), features(dig_encoder, x_dig_test))
print(f"trained in {dig_history['seconds']:.1f} s")
print(f"{'features':32s}" + "".join(f"draw {d}  " for d in DIGIT_DRAWS) + " mean")
for name, accs in [("raw pixels", raw_acc), ("sigmoid-Gram loss (wrong)", wrong_acc), ("SimCLR (NT-Xent)", ssl_acc)]:
    print(f"{name:32s}" + "".join(f"{a:6.1%}  " for a in accs.tolist()) + f"{accs.mean():6.1%}")
gain = (ssl_acc - raw_acc).mean().item()
print(f"gain over raw pixels: {100 * gain:.1f} points on average, {100 * (ssl_acc - raw_acc).min():.1f} on the worst draw")
bar("05.digits_5label_gain", gain, ">=", 0.04)

# %%
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(dig_history["epoch_loss"], label="NT-Xent (SimCLR)")
ax.plot(wrong_history["epoch_loss"], label="sigmoid-Gram (wrong)")
ax.axhline(math.log(2), color="gray", ls=":", label="log 2")
ax.set(xlabel="epoch", ylabel="loss", title="digits: training loss per epoch")
ax.legend()
plt.show()

# %% [markdown]
# The wrong loss ends far *lower* than NT-Xent, with far worse features: loss values of
# different objectives cannot be compared, and a low loss is no evidence of a good
# representation. Only the downstream evaluation (probe, kNN) says that.

# %% [markdown]
# **Part 3: the loss equals a trusted peer's.** `lightly` (a self-supervised learning
# library) implements the same loss as `NTXentLoss`. We compare it with your `nt_xent` on the
# trained MNIST-1D embeddings, one fresh pair of views per batch of 128 over the whole
# training set. **Bar:** the largest difference is $\le 10^{-5}$.

# %%
try:
    from lightly.loss import NTXentLoss
except ImportError as exc:  # lightly is a test dependency: without it, say so and skip
    NTXentLoss = None
    print(f"lightly is not installed ({exc}); skipping the comparison with a trusted peer. "
          "Install it with `pip install lightly` to run it.")

if NTXentLoss is not None:
    peer = NTXentLoss(temperature=0.5)
    g = torch.Generator().manual_seed(1)
    worst, values = 0.0, []
    with torch.no_grad():
        for i in range(0, len(x1d) - 127, 128):
            xb = x1d[i:i + 128].to(device())  # where the trained encoder and head are
            z1, z2 = head(encoder(signal_augment(xb, g))), head(encoder(signal_augment(xb, g)))
            ours, theirs = nt_xent(z1, z2, 0.5).item(), peer(z1, z2).item()
            worst = max(worst, abs(ours - theirs))
            values.append(ours)
    print(f"{len(values)} batches, loss {min(values):.4f}..{max(values):.4f}; "
          f"largest difference from lightly: {worst:.2e}")
    bar("05.nt_xent_vs_lightly", worst, "<=", 1e-5)

# %% [markdown]
# ## Optional: SimCLR on several processes (DDP)
#
# More negatives need a bigger batch, and a bigger batch soon needs more than one device.
# The same training loop runs under `torchrun` with DistributedDataParallel (gloo on CPUs,
# NCCL on GPUs; `ssl_course/distributed/simclr.py`). Each of the $W$ processes (ranks) encodes its own slice of
# $B = N/W$ inputs of the global batch, but NT-Xent needs **all** $2N$ views as negatives:
# every rank all-gathers the other ranks' $z$ and scores its own $2B$ anchors against all
# $2N$ views (`nt_xent_global` in `ssl_course/distributed/gather.py`). The global loss is the mean of the ranks' parts.
#
# The subtle point is the gradient. Rank $s$'s anchors use rank $r$'s views as negatives and
# partners, so the gradient that reaches rank $r$'s $z$ must include what every *other* rank's
# loss sends back to it. `torch.distributed.all_gather` copies tensors outside autograd: on
# the receiving rank the copies are constants, and that part of the gradient is silently
# dropped - training still runs, the loss still falls, but the gradient is wrong. An
# all-gather **with** gradients has as backward the adjoint: a sum over ranks of the incoming
# gradients. Each rank then holds $W\times$ its share of the gradient, and DDP's mean over
# ranks brings it to exactly the single-process gradient. BatchNorm gets the same care: its
# statistics are computed over the global batch (SimCLR's "global BN"), so 1 process and $W$
# processes compute the same numbers (the test suite checks loss and gradients to $10^{-10}$
# in float64).
#
# This notebook never starts processes; from a terminal:
#
# ```bash
# ssl-course train simclr --nproc 2 --epochs 20 --batch-size 128          # MNIST-1D, 2 CPU processes
# torchrun --standalone --nproc_per_node 4 -m ssl_course.distributed_main --epochs 20   # the same, by hand
# ```
#
# Below, one process plays $W = 2$ ranks to show both claims: the ranks' parts average to
# NT-Xent, and only the gradient-keeping gather gives NT-Xent's gradient.

# %%
def rank_part(z1, z2, rank, world, temperature=0.5, keep_grad=True):
    """Rank `rank`'s part of NT-Xent: its 2B anchors against all 2N views.

    z1, z2: (N, D), the global batch as the all-gather delivers it; rows rank*B:(rank+1)*B
    are this rank's own. keep_grad=False plays a plain all_gather: other ranks' rows are
    constants. Returns a scalar, the mean over this rank's 2B anchors.
    """
    n = z1.shape[0]
    b = n // world
    own = torch.arange(rank * b, (rank + 1) * b)  # (B,) this rank's rows
    if not keep_grad:
        mask = torch.zeros(n, 1, dtype=torch.bool)
        mask[own] = True
        z1, z2 = (torch.where(mask, z, z.detach()) for z in (z1, z2))
    views = F.normalize(torch.cat([z1, z2]), dim=1)  # (2N, D)
    anchors = views[torch.cat([own, n + own])]  # (2B, D)
    sim = anchors @ views.T / temperature  # (2B, 2N)
    sim[torch.arange(2 * b), torch.cat([own, n + own])] = float("-inf")  # not itself
    return F.cross_entropy(sim, torch.cat([n + own, own]))  # partner: the other view


WORLD = 2
g = torch.Generator().manual_seed(0)
z1 = torch.randn(8, 16, generator=g, dtype=torch.float64, requires_grad=True)
z2 = torch.randn(8, 16, generator=g, dtype=torch.float64, requires_grad=True)
full = reference.nt_xent(z1, z2, 0.5)
grad_full = torch.autograd.grad(full, z1)[0]
for keep_grad in (True, False):
    parts = [rank_part(z1, z2, r, WORLD, keep_grad=keep_grad) for r in range(WORLD)]
    global_loss = torch.stack(parts).mean()
    grad = torch.autograd.grad(global_loss, z1)[0]
    err = float((grad - grad_full).norm() / grad_full.norm())
    print(f"{'all-gather with gradients' if keep_grad else 'plain all_gather         '}: "
          f"loss {global_loss.item():.6f} (NT-Xent {full.item():.6f}), gradient relative error {err:.1e}")

# %% [markdown]
# ## Interview drill

# %%
quiz("05.q1")

# %%
quiz("05.q2")

# %%
quiz("05.q3")

# %%
quiz("05.q4")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>The learner's labels are fine but SimCLR features probe worse than raw
# pixels. What do you check first?</summary>
#
# The augmentations. If the views differ in something the label depends on (for example a
# flip for digits such as 2 and 5, or crops so small the digit disappears), the loss forces
# the encoder to ignore label information. If they differ too little, the task is solved
# from low-level shortcuts (colour histograms, chapter 04). Then: features taken after the
# head, the probe fitted on unstandardised features, a too-short schedule.
# </details>
#
# <details><summary>Your GPU fits a batch of 64. How do you get SimCLR's many negatives?</summary>
#
# Gather embeddings across devices (SimCLR's global batch; negatives from every rank, as in
# `torchrun` with an all-gather), keep a queue of past embeddings from a momentum encoder
# (MoCo, chapter 06), or switch to a method that needs no negatives (BYOL, SimSiam, Barlow
# Twins, VICReg, chapter 12). Gradient accumulation alone does not help: the softmax only
# sees the negatives inside one forward pass.
# </details>
#
# <details><summary>Why is BatchNorm in the encoder a possible leak in contrastive learning,
# and why does SimCLR get away with it?</summary>
#
# BatchNorm mixes information across a batch. With data-parallel training, each device
# normalises with its own statistics, and a positive pair computed on one device shares them:
# the network can use that to spot its partner without learning better features. SimCLR
# therefore aggregates the statistics over all devices (global BN); MoCo shuffles the
# samples across devices instead. Here the trainer encodes the two view batches in separate
# forward passes, so each half has its own statistics: a mild form of the same leak, which
# can tell the network which half holds the positive but not which image it is.
# </details>
#
# ## Summary
#
# - SimCLR: two augmented views per input, an encoder, a projection head, and NT-Xent over
#   the $2N$ views: each view picks its partner among the other $2N-1$, itself excluded.
# - The temperature decides how much the hardest negatives dominate; the batch size sets the
#   number of negatives ($2N-2$) and the $\log(2N-1)$ cap.
# - Keep the features **before** the head; evaluate them frozen with a linear probe or kNN.
# - Here: a linear probe on MNIST-1D well above the dataset's own SSL baseline, and on digits
#   with 5 labels per class a clear gain over raw pixels, from a few seconds of CPU training.
# - A sigmoid BCE over the Gram matrix with self-pairs is not NT-Xent: it collapses to the
#   origin at a loss of $\log 2$ and learns features worse than raw pixels.
#
# ## References
#
# - T. Chen, S. Kornblith, M. Norouzi, G. Hinton. *A Simple Framework for Contrastive Learning
#   of Visual Representations* (SimCLR), ICML 2020.
# - S. Greydanus. *Scaling down Deep Learning* (MNIST-1D), 2020; the dataset's repository
#   includes the self-supervised notebook quoted above.
# - K. Sohn. *Improved Deep Metric Learning with Multi-class N-pair Loss Objective*, NeurIPS
#   2016 (the N-pair loss NT-Xent builds on).
# - Z. Wu, Y. Xiong, S. Yu, D. Lin. *Unsupervised Feature Learning via Non-Parametric
#   Instance Discrimination*, CVPR 2018 (instance discrimination, the weighted kNN monitor).
# - K. He, H. Fan, Y. Wu, S. Xie, R. Girshick. *Momentum Contrast for Unsupervised Visual
#   Representation Learning* (MoCo), CVPR 2020.
# - I. Susmelj et al. *Lightly*, the self-supervised learning library used as the trusted
#   peer (`lightly.loss.NTXentLoss`).
