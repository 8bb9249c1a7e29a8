# %% [markdown]
# # 03 · Positive and negative pairs
#
# > **问题：** 什么是对比性样本选择？正样本和负样本是如何构造的？
# >
# > **Question:** How are positive and negative pairs chosen in contrastive learning?
#
# **Model answer.** Without labels, a *positive* pair is two augmented views of the same
# input and every other input in the batch is a *negative* (SimCLR: each of the $2N$ views has
# one positive and $2N-2$ negatives). Some of those negatives are of the anchor's own class:
# they are **false negatives**, and their share is about $1/C$ for $C$ balanced classes,
# whatever the batch size; a larger batch holds more of them, not a smaller share. With labels,
# **supervised contrastive learning** (SupCon) makes every same-class sample a positive, which
# removes false negatives altogether. Hard negatives (close to the anchor but of another
# class) carry most of the gradient, which is why the temperature and the batch matter.

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from ssl_course import bar, check, device, quiz, scaled, seed_everything, use_reference_if_unsolved
from ssl_course.contrastive.pairs import false_negatives_expected
from ssl_course.contrastive.supcon import supcon
from ssl_course.data.digits import digits

seed_everything(0)
print("device:", device())

# %% [markdown]
# ## Theory
#
# **Self-supervised pairs.** A batch of $N$ images gives $2N$ views $z_1,\dots,z_{2N}$; view
# $i$ and view $i+N$ come from the same image. For anchor $i$ with partner $p(i)$,
#
# $$\ell_i = -\log \frac{\exp(s_{i,p(i)}/\tau)}{\sum_{a \ne i} \exp(s_{ia}/\tau)},$$
#
# with cosine similarities $s$. Every $a \notin \{i, p(i)\}$ is treated as a negative.
#
# **False negatives.** If the batch is drawn uniformly from a dataset with $n_c$ examples of
# class $c$ out of $n$, a negative of an anchor of class $c$ is of the same class with
# probability $(n_c-1)/(n-1)$. Averaged over classes the share is
# $\sum_c \frac{n_c}{n}\frac{n_c-1}{n-1} \approx 1/C$, and the expected number per anchor is
# $(B-1)$ times that: it grows with the batch $B$.
#
# **Supervised contrastive loss** (Khosla et al., 2020). With labels, let $P(i)$ be all the
# other samples with anchor $i$'s label:
#
# $$\mathcal{L}_{\text{SupCon}} = \frac{1}{|\{i : P(i) \ne \emptyset\}|}\sum_{i : P(i) \ne \emptyset}
#    \frac{-1}{|P(i)|}\sum_{p \in P(i)} \log \frac{\exp(s_{ip}/\tau)}{\sum_{a \ne i}\exp(s_{ia}/\tau)} .$$
#
# When each image's only same-label sample is its own second view, SupCon **is** NT-Xent.

# %% [markdown]
# ## The common wrong answer
#
# Interview answers often build the positive mask from `labels` inside a "self-supervised"
# method, where no labels exist, or they feed raw embeddings straight into
# `F.cross_entropy(embeddings, labels)` as if the embedding coordinates were class logits.
# The second one runs without an error and means nothing: it asks coordinate $k$ of the
# embedding to be large for class $k$. That is a (bad) linear classifier on top of the
# encoder, not a contrastive loss: no pair is compared with any other.

# %%
emb = torch.randn(8, 16)
labels = torch.tensor([0, 1, 0, 1, 2, 2, 0, 1])
print("cross-entropy on raw embeddings:", F.cross_entropy(emb, labels).item())
rotated = emb @ torch.linalg.qr(torch.randn(16, 16))[0]  # same geometry, rotated axes
print("same embeddings, rotated:       ", F.cross_entropy(rotated, labels).item())
print("SupCon before and after the rotation:",
      supcon(emb, labels).item(), supcon(rotated, labels).item())

# %% [markdown]
# A rotation keeps every distance and angle between embeddings, so a loss about *pairs* must
# not change: SupCon doesn't, the raw cross-entropy does.

# %% [markdown]
# ## Exercise 03.positive_mask
#
# Write `label_positive_mask(labels)`: for integer labels of shape `(N,)` return the `(N, N)`
# boolean mask with `True` where two **different** samples share a label.

# %%
def label_positive_mask(labels: torch.Tensor) -> torch.Tensor:
    """labels: (N,) int -> (N, N) bool; [i, j] is True iff i != j and labels[i] == labels[j]."""
    ### BEGIN SOLUTION
    same = labels[:, None] == labels[None, :]
    return same & ~torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    ### END SOLUTION


check("03.positive_mask", label_positive_mask)

# %% [markdown]
# ## Exercise 03.supcon
#
# Write `supcon(features, labels, temperature)` following the equation above: normalise,
# remove each anchor from its own denominator, average the log-probabilities of its
# positives, and average over the anchors that have at least one positive.

# %%
def supcon(features: torch.Tensor, labels: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """features: (N, D), labels: (N,) -> scalar SupCon loss."""
    ### BEGIN SOLUTION
    z = F.normalize(features, dim=1)
    n = len(z)
    self_mask = torch.eye(n, dtype=torch.bool, device=z.device)
    logits = (z @ z.T / temperature).masked_fill(self_mask, float("-inf"))
    log_prob = logits.log_softmax(dim=1)
    positives = (labels[:, None] == labels[None, :]) & ~self_mask
    n_pos = positives.sum(dim=1)
    keep = n_pos > 0
    mean_log_prob = log_prob.masked_fill(~positives, 0.0).sum(dim=1)[keep] / n_pos[keep]
    return -mean_log_prob.mean()
    ### END SOLUTION


check("03.supcon", supcon)

# %%
label_positive_mask = use_reference_if_unsolved("03.positive_mask", label_positive_mask)
supcon = use_reference_if_unsolved("03.supcon", supcon)

# %% [markdown]
# ## Headline experiment, part 1: how many negatives are false?
#
# The `digits` training set has 10 classes of about 125 images each. We draw random batches
# of several sizes, count for every anchor how many of its negatives share its class, and
# compare with the formula (`pairs.false_negatives_expected`). **Bar:** the measured share
# is within 0.01 of the expected one at every batch size.

# %%
x, y, x_test, y_test = digits()
counts = torch.bincount(y)
g = torch.Generator().manual_seed(0)
rows = []
for batch in [16, 64, 256, 1024]:
    share, per_anchor, any_fn = [], [], []
    for _ in range(scaled(300, 50)):
        b = y[torch.randperm(len(y), generator=g)[:batch]]
        fn = label_positive_mask(b).sum(dim=1).double()  # false negatives of each anchor
        share.append((fn / (batch - 1)).mean())
        per_anchor.append(fn.mean())
        any_fn.append((fn > 0).double().mean())
    expected = false_negatives_expected(batch, counts)
    rows.append((batch, torch.stack(share).mean().item(), expected["share"],
                 torch.stack(per_anchor).mean().item(), expected["per_anchor"],
                 torch.stack(any_fn).mean().item(), expected["at_least_one"]))
print(f"{'batch':>6} {'share':>14} {'per anchor':>16} {'P(any)':>14}")
for b, s, es, p, ep, a, ea in rows:
    print(f"{b:>6} {s:6.3f} ({es:5.3f}) {p:7.2f} ({ep:6.2f}) {a:6.3f} ({ea:5.3f})")
print("(measured, expected in brackets)")

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
bs = [r[0] for r in rows]
axes[0].plot(bs, [r[3] for r in rows], "o", label="measured")
axes[0].plot(bs, [r[4] for r in rows], "-", label="expected")
axes[0].set(xscale="log", yscale="log", xlabel="batch size", ylabel="false negatives per anchor")
axes[0].legend()
axes[1].plot(bs, [r[1] for r in rows], "o-", label="share of negatives")
axes[1].plot(bs, [r[5] for r in rows], "s-", label="P(at least one)")
axes[1].set(xscale="log", xlabel="batch size", ylim=(0, 1.05))
axes[1].legend()
plt.tight_layout()
plt.show()
bar("03.false_negative_share_error", max(abs(r[1] - r[2]) for r in rows), "<=", 0.01)

# %% [markdown]
# The share stays near $1/C = 0.1$ at every batch size while the count per anchor grows
# linearly: with a batch of 256 each anchor pushes away about 25 images of its own class.
# SimCLR still works because those 25 are a small part of 510 negatives.

# %% [markdown]
# ## Headline experiment, part 2: SupCon vs SimCLR
#
# Same encoder, same augmentations, same budget; SimCLR sees no labels, SupCon uses them to
# turn every same-class sample into a positive. We compare linear probes on the frozen
# features. **Bar:** SupCon's probe is at least as good as SimCLR's.

# %%
from ssl_course.augment.batch import batch_augment
from ssl_course.contrastive.simclr import train_simclr
from ssl_course.evaluate.probes import features, knn, linear_probe
from ssl_course.models.encoders import ConvEncoder
from ssl_course.models.heads import ProjectionHead


def digit_views(xb, generator):
    """Random crops and a little pixel noise for 8x8 grey digits."""
    v = batch_augment(xb, generator, color=False, gray=False, flip=False, scale=(0.5, 1.0))
    return v + 0.1 * torch.randn(v.shape, generator=generator).to(v)


def class_similarity_gap(feats, labels):
    """Mean cosine similarity within a class minus between classes (test set)."""
    z = F.normalize(feats, dim=1)
    sim = z @ z.T
    same = label_positive_mask(labels)
    other = labels[:, None] != labels[None, :]
    return (sim[same].mean() - sim[other].mean()).item()


results = {}
for name, lab in [("SimCLR", None), ("SupCon", y)]:
    seed_everything(0)
    encoder = ConvEncoder(1, (16, 32, 64))
    history = train_simclr(encoder, x, digit_views, head=ProjectionHead(64, 64, 64), labels=lab,
                     epochs=scaled(40, 2), batch_size=256, lr=4e-3, temperature=0.5, seed=0)
    f_train, f_test = features(encoder, x), features(encoder, x_test)
    results[name] = dict(probe=linear_probe(f_train, y, f_test, y_test),
                         knn=knn(f_train, y, f_test, y_test, k=20),
                         gap=class_similarity_gap(f_test, y_test))
    print(f"{name}: linear probe {results[name]['probe']:.3f}, 20-NN {results[name]['knn']:.3f}, "
          f"within - between class cosine {results[name]['gap']:.3f}  ({history['seconds']:.1f} s)")
bar("03.supcon_minus_simclr_probe", results["SupCon"]["probe"] - results["SimCLR"]["probe"], ">=", 0.0)

# %% [markdown]
# On `digits` both linear probes sit near the ceiling (a linear classifier can undo a lot of
# geometry), so the gap there is small. The geometry itself shows the difference more
# clearly: with labels, same-class images end up closer together (a larger within-class
# minus between-class cosine) and a nearest-neighbour vote, which reads the geometry
# directly, gains more. That is the false-negative story from part 1 in numbers: SimCLR
# spends part of its effort pushing same-class images apart.

# %% [markdown]
# ## Interview drill

# %%
quiz("03.q1")

# %%
quiz("03.q2")

# %%
quiz("03.q3")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>How can you reduce false negatives without labels?</summary>
#
# Debiased contrastive learning (Chuang et al., 2020) corrects the denominator for the expected
# share of same-class negatives; clustering-based methods (chapter 10) or nearest-neighbour
# positives (NNCLR) treat likely same-class samples as positives.
# </details>
#
# <details><summary>What is a hard negative, and why can mining them hurt?</summary>
#
# A negative close to the anchor in embedding space. It carries most of the gradient at low
# temperature, but the hardest "negatives" are disproportionately false negatives: mining
# them pushes apart images of the same class (Robinson et al., 2021).
# </details>
#
# ## Summary
#
# - Positives are two views of one input; negatives are everything else in the batch.
# - False negatives take about $1/C$ of the negatives at any batch size; their count grows
#   with the batch.
# - SupCon uses labels to make all same-class samples positives; with instance labels it is
#   NT-Xent.
# - Cross-entropy on raw embeddings is not a contrastive loss.
#
# ## References
#
# - T. Chen, S. Kornblith, M. Norouzi, G. Hinton. *A Simple Framework for Contrastive Learning
#   of Visual Representations* (SimCLR), ICML 2020.
# - P. Khosla et al. *Supervised Contrastive Learning*, NeurIPS 2020.
# - C.-Y. Chuang et al. *Debiased Contrastive Learning*, NeurIPS 2020.
# - J. Robinson, C.-Y. Chuang, S. Sra, S. Jegelka. *Contrastive Learning with Hard Negative
#   Samples*, ICLR 2021.
