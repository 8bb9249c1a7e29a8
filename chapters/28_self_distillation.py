# %% [markdown]
# # 28 · Self-distillation (DINO)
#
# > **问题：** 自监督学习中的图像模型是什么？DINO 这样的自蒸馏方法没有标签、没有负样本，教师网络从哪里来，又为什么不会坍塌？
# >
# > **Question:** What is a self-supervised image model? A self-distillation method such as
# > DINO has no labels and no negatives: where does its teacher come from, and why does it not
# > collapse?
#
# > **Where it comes from (seed interview 000, question 28):** "what is the image model in
# > self-supervised learning, and how is it used for classification?" The seed answers with a
# > ResNet-50 pretrained *with ImageNet labels*, then trained further on labelled images:
# > supervised learning again. This chapter runs that answer next to DINO.
#
# **Model answer.** DINO (Caron et al. 2021) trains a **student** network to match the output
# distribution of a **teacher** network on different crops of the same image. There is no
# pretrained or supervised teacher: the teacher starts as a copy of the (random) student and
# is afterwards an **exponential moving average (EMA)** of the student's weights; it receives
# no gradient. Both end in a softmax over $K$ "prototype" dimensions. Matching alone has two
# trivial solutions, and DINO blocks each with one device: **centring** (subtract a running
# mean of the teacher's logits) stops one dimension from dominating, which would give every
# image the same one-hot output (entropy $\to 0$); **sharpening** (a low teacher temperature,
# 0.04 against the student's 0.1) stops the uniform output (entropy $\to \log K$). Centring
# alone collapses to uniform, sharpening alone to one-hot; together they balance. The student
# sees several small **local crops** and the two **global crops**; the teacher sees only the
# global ones, so the student learns to predict the whole from a part. Below, on `digits`,
# we train DINO and the two ablations with one recipe and measure both collapse modes as
# entropies.

# %%
import copy
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from ssl_course import bar, check, device, quick_mode, quiz, scaled, seed_everything, use_reference_if_unsolved
from ssl_course.augment.multicrop import multi_crop
from ssl_course.data.digits import digits
from ssl_course.data.split import few_labels
from ssl_course.evaluate.probes import features, knn, linear_probe
from ssl_course.models.encoders import MLPEncoder
from ssl_course.noncontrastive import dino as dino_reference

seed_everything(0)
torch.set_num_threads(1)  # MLPs on 8x8 digits: one thread is faster than two handing work to each other
print("device:", device())

# %% [markdown]
# ## Theory
#
# A student $g_{\theta_s}$ and a teacher $g_{\theta_t}$ of the same architecture (a backbone,
# then a head ending in $K$ logits). For an image $x$, multi-crop makes views: global crops
# $x^g_1, x^g_2$ and local crops $x^l_1,\dots$. With the centre $c \in \mathbb{R}^K$ and
# temperatures $\tau_t < \tau_s$,
#
# $$P_t(x) = \operatorname{softmax}\!\Big(\frac{g_{\theta_t}(x) - c}{\tau_t}\Big),\qquad
#   P_s(x) = \operatorname{softmax}\!\Big(\frac{g_{\theta_s}(x)}{\tau_s}\Big),$$
#
# $$\mathcal{L} = \frac{1}{|\text{pairs}|}\sum_{t \in \text{global}}\ \sum_{s \in \text{all views},\, s \ne t}
#   H\big(P_t(x_t), P_s(x_s)\big),\qquad H(a, b) = -\sum_k a_k \log b_k,$$
#
# averaged over the batch as well; the gradient flows into the student only. After each
# optimiser step on $\theta_s$:
#
# $$\theta_t \leftarrow m\,\theta_t + (1 - m)\,\theta_s,\qquad
#   c \leftarrow \mu\, c + (1 - \mu)\,\frac{1}{|\text{teacher outputs}|}\sum g_{\theta_t}(x^g),$$
#
# with $m$ rising from a base value to 1 on a cosine schedule (the paper: 0.996 to 1) and
# $\mu = 0.9$. Why two devices: write the teacher's output as a distribution over $K$
# dimensions. If one logit is larger than the others for every image, a low $\tau_t$ turns
# it into the same one-hot target for all images, which the student can match exactly by
# always outputting that dimension: **collapse to one dimension**, entropy 0. Subtracting the
# running mean $c$ removes exactly such a shared bias. But centring alone pushes towards the
# opposite trivial solution, a teacher whose centred logits are all equal: the **uniform**
# output, entropy $\log K$, which any student matches by outputting a constant. A low $\tau_t$
# amplifies whatever differences the centred logits have and keeps the target away from
# uniform. We measure both entropies on the test images: the mean entropy of $P_t(x)$ per
# image, and the entropy of the average $\bar P_t$ over images (low when every image picks the
# same dimension).
#
# ## The common wrong answer
#
# The seed describes the "self-supervised image model" as a ResNet **pretrained with labels**
# (`pretrained=True` loads ImageNet-supervised weights) and then trained on labelled images.
# That is supervised learning twice; the teacher in DINO is not a pretrained network and no
# label is read. We run the seed's answer in this setting: the same MLP backbone trained with a
# cross-entropy on every training label, scored with the same kNN probe as DINO below, and we
# count the labels each method reads.

# %%
x, y, x_test, y_test = digits()
K, BATCH, LR, STEPS = 64, 128, 3e-3, scaled(150, 15)
COLLAPSE_STEPS = scaled(80, 15)  # the ablations: their collapse is complete long before this
SEEDS, DRAWS = (0, 1, 2), (0, 1, 2, 3, 4)


def backbone():
    return MLPEncoder(64, (128, 128))


def knn_accuracy(encoder):
    """20-NN (cosine) test accuracy of a frozen encoder's features, every training label."""
    return knn(features(encoder, x), y, features(encoder, x_test), y_test, k=20)


def five_label_probe(train_feats, test_feats):
    """Linear probe on 5 labelled training images per class, test accuracy averaged over DRAWS."""
    accs = []
    for draw in DRAWS:
        idx = few_labels(y, 5, seed=draw)  # 50 labels: the same 50 for every encoder in one draw
        accs.append(linear_probe(train_feats[idx], y[idx], test_feats, y_test))
    return sum(accs) / len(accs)


def probes(encoder):
    """(20-NN accuracy with every label, 5-label linear-probe accuracy) of a frozen encoder."""
    f, f_test = features(encoder, x), features(encoder, x_test)
    return knn(f, y, f_test, y_test, k=20), five_label_probe(f, f_test)


def supervised(seed, steps=STEPS):
    """The seed's answer in miniature: the backbone trained on every label (cross-entropy)."""
    seed_everything(seed)
    net = nn.Sequential(backbone(), nn.Linear(128, 10)).to(device())
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        i = torch.randint(len(x), (BATCH,), generator=g)
        loss = F.cross_entropy(net(x[i].to(device())), y[i].to(device()))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return net[0].eval()


sup_acc = knn_accuracy(supervised(0))
print(f"supervised backbone (the seed's answer): kNN {100 * sup_acc:.1f}%, labels read: {len(y)}")

# %% [markdown]
# A high number, and the wrong answer to the question: it reads all of the labels. DINO, below,
# reads none (its training function takes no `y`), and its teacher begins as a copy of the
# random student.
#
# ## Exercise 28.ema_update
#
# Write `ema_update(teacher, student, momentum)` for one parameter tensor: return the new
# teacher weights `momentum * teacher + (1 - momentum) * student`. Requirements: any shape;
# the result in the teacher's dtype and device; **no gradient graph** (the teacher is an
# average, not trained by backprop: compute under `torch.no_grad()` or from
# `student.detach()`); do not modify either input (return a new tensor; the training loop
# below does the in-place copy). `momentum` 1 leaves the teacher unchanged, 0 copies the
# student.

# %%
def ema_update(teacher: torch.Tensor, student: torch.Tensor, momentum: float) -> torch.Tensor:
    """teacher, student: the same shape -> the new teacher, same shape, no gradient."""
    ### BEGIN SOLUTION
    with torch.no_grad():
        return momentum * teacher + (1 - momentum) * student.detach()
    ### END SOLUTION


check("28.ema_update", ema_update)

# %%
ema_update = use_reference_if_unsolved("28.ema_update", ema_update)

# %% [markdown]
# ## Exercise 28.dino_loss
#
# Write `dino_loss(student_out, teacher_out, center, student_temp=0.1, teacher_temp=0.04)`.
# `student_out` is $(S, N, K)$: $S$ views of $N$ images; `teacher_out` is $(T, N, K)$ with
# $T \le S$, the teacher's outputs for the global crops, which are also the student's first
# $T$ views (view $v$ of both is the same crop). `center` is $(K,)$. The teacher's
# probabilities are `softmax((teacher_out - center) / teacher_temp)`, **detached**; the
# student's log-probabilities `log_softmax(student_out / student_temp)`. Return the
# cross-entropy averaged over every pair (teacher view $t$, student view $s$) with
# $s \ne t$ (a crop is never compared with itself: $TS - T$ pairs) and over the $N$ images:
# a scalar.

# %%
def dino_loss(student_out: torch.Tensor, teacher_out: torch.Tensor, center: torch.Tensor,
              student_temp: float = 0.1, teacher_temp: float = 0.04) -> torch.Tensor:
    """student_out (S, N, K), teacher_out (T, N, K), center (K,) -> scalar."""
    ### BEGIN SOLUTION
    teacher = F.softmax((teacher_out.detach() - center) / teacher_temp, dim=-1)  # (T, N, K)
    log_student = F.log_softmax(student_out / student_temp, dim=-1)  # (S, N, K)
    cross = -torch.einsum("tnk,snk->ts", teacher, log_student)  # (T, S), summed over the images
    t_views = teacher.shape[0]
    keep = ~torch.eye(t_views, student_out.shape[0], dtype=torch.bool, device=cross.device)
    return cross[keep].sum() / (keep.sum() * student_out.shape[1])
    ### END SOLUTION


check("28.dino_loss", dino_loss)

# %%
dino_loss = use_reference_if_unsolved("28.dino_loss", dino_loss)

# %% [markdown]
# ## Exercise 28.center
#
# Write `update_center(teacher_out, center, momentum=0.9)`: the new centre
# `momentum * center + (1 - momentum) * mean`, where `mean` is the $(K,)$ average of the
# teacher's **logits** (before any softmax) over every view and every image. `teacher_out` is
# $(T, N, K)$ or $(N, K)$. Return a new tensor; do not change `center` in place.
#
# A known wrong answer computes the centre from the **student's** outputs. The function below
# only ever sees the teacher's outputs, so its check cannot catch that mistake, and this
# notebook does not run it: we make no claim about its effect here. The reason for the
# teacher: the centre is subtracted from the teacher's logits, so it must estimate the bias of
# those logits (the shared bias that sharpening would turn into one target for every image).

# %%
def update_center(teacher_out: torch.Tensor, center: torch.Tensor, momentum: float = 0.9) -> torch.Tensor:
    """teacher_out (T, N, K) or (N, K), center (K,) -> the new centre (K,)."""
    ### BEGIN SOLUTION
    mean = teacher_out.detach().reshape(-1, teacher_out.shape[-1]).mean(dim=0)
    return momentum * center + (1 - momentum) * mean
    ### END SOLUTION


check("28.center", update_center)

# %%
update_center = use_reference_if_unsolved("28.center", update_center)

# %% [markdown]
# ## The headline experiment
#
# **Recipe** (one for all runs): `digits` (1,257 training images, labels unused), the MLP
# backbone $64 \to 128 \to 128$, a DINO-style head ($128 \to 128 \to 32$, GELU, then
# $\ell_2$-normalised, then a linear layer without bias to $K = 64$ logits), multi-crop with
# 2 global crops (60-100% of the area) and 4 local crops (25-50%), all resampled to 8x8 because
# an MLP needs a fixed input size (so the student's six crops go through it as one batch, and
# the teacher's two global crops as another, as DINO batches crops of one size), Adam at
# $3\cdot10^{-3}$, batches of 128, teacher momentum from 0.9 to 1 on DINO's cosine schedule (a
# faster teacher than the paper's 0.996, for a short run), centre momentum 0.9, temperatures
# 0.1 (student) and 0.04 (teacher). Three seeds each for: **DINO** (`STEPS` steps); **no centring** (the
# centre stays 0); **no sharpening** (teacher temperature 0.1, equal to the student's). The two
# ablations run `COLLAPSE_STEPS` steps, fewer: their collapse is complete long before (the bars
# below have wide margins). All written with your three functions.
#
# **Two probes of the teacher's backbone.** (1) 20-NN (cosine) with every training label, the
# DINO paper's probe. On 8x8 digits it saturates: raw pixels and an untrained MLP already reach
# over 90%, so it cannot tell what training added. (2) A linear probe trained on **5 labelled
# images per class** (50 labels), averaged over 5 draws of those labels, as in chapter 05. With
# few labels, what counts is whether images of one class already lie together in the features,
# which is what DINO's objective asks for (crops of one image get the same sharp assignment).
#
# **Bars.** Collapse, decided before measuring (theory above): without centring, the teacher's
# per-image entropy $\le 0.1 \log K$ *and* the entropy of its average $\le 0.1 \log K$ (one
# dimension for every image), on the worst seed; without sharpening, the per-image entropy
# $\ge 0.95 \log K$ (uniform) on the worst seed. DINO itself must stay clear of both: its
# average distribution's entropy $\ge 0.5 \log K$ while its per-image entropy is $\le 0.5 \log K$.
# Features: the claim is that DINO's training adds something to the encoder it starts from, so
# on the 5-label probe the worst DINO seed must beat the best of three untrained backbones of the
# same architecture (BatchNorm statistics computed on the training images, so that the
# baseline is not crippled by default running statistics). Raw pixels are a reference line for
# this probe, not a bar: they are not the encoder DINO trains. The first draft's bar stays as it
# was decided: on 20-NN with every label, the worst DINO seed must beat the best untrained
# backbone *and* raw pixels; it is declared short (see the numbers). The 5-label bar was added
# after that one proved uninformative on this data, with the same threshold (beat the untrained
# encoder on the worst seed).

# %%
class DinoHead(nn.Module):
    """h (N, 128) -> logits (N, K): MLP, l2-normalised bottleneck, linear layer without bias."""

    def __init__(self, in_dim=128, bottleneck=32, k=K):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(in_dim, 128), nn.GELU(), nn.Linear(128, bottleneck))
        self.last = nn.Linear(bottleneck, k, bias=False)

    def forward(self, h):
        return self.last(F.normalize(self.mlp(h), dim=-1))


def train_dino(seed, centring=True, teacher_temp=0.04, student_temp=0.1, base_momentum=0.9, steps=STEPS):
    """One run of the recipe: returns (teacher, centre). Reads no labels."""
    seed_everything(seed)
    student = nn.Sequential(backbone(), DinoHead()).to(device())
    teacher = copy.deepcopy(student).requires_grad_(False)  # a copy of the random student
    opt = torch.optim.Adam(student.parameters(), lr=LR)  # the student's parameters only
    center = torch.zeros(K, device=device())
    g = torch.Generator().manual_seed(seed)
    for step in range(steps):
        xb = x[torch.randint(len(x), (BATCH,), generator=g)]
        views = [v.to(device()) for v in multi_crop(xb, g, n_global=2, n_local=4, local_size=8, flip=False,
                                                    global_scale=(0.6, 1.0), local_scale=(0.25, 0.5))]
        s_out = student(torch.cat(views)).view(len(views), BATCH, K)  # (6, B, K): one pass, as DINO does
        with torch.no_grad():
            t_out = teacher(torch.cat(views[:2])).view(2, BATCH, K)  # (2, B, K): global crops only
        loss = dino_loss(s_out, t_out, center, student_temp, teacher_temp)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        m = dino_reference.teacher_momentum(step, steps, base_momentum)
        with torch.no_grad():
            for t, s in zip(teacher.parameters(), student.parameters()):
                t.copy_(ema_update(t, s, m))
        if centring:
            center = update_center(t_out, center, 0.9)
    return teacher.eval(), center


@torch.no_grad()
def entropies(teacher, center, teacher_temp):
    """(mean per-image entropy of P_t, entropy of the average P_t) on the test images, in nats."""
    p = F.softmax((teacher(x_test.to(device())) - center) / teacher_temp, dim=-1)
    per_image = -(p * p.clamp_min(1e-30).log()).sum(-1).mean()
    avg = p.mean(0)
    return per_image.item(), -(avg * avg.clamp_min(1e-30).log()).sum().item()


def run(name, **kw):
    rows = []
    for seed in SEEDS:
        teacher, center = train_dino(seed, **kw)
        ent, ent_avg = entropies(teacher, center, kw.get("teacher_temp", 0.04))
        rows.append((*probes(teacher[0]), ent, ent_avg))
    # (seeds, 4): 20-NN, 5-label probe, entropy per image, entropy of the average
    return name, torch.tensor(rows, dtype=torch.float64)


results = dict([run("DINO"), run("no centring", centring=False, steps=COLLAPSE_STEPS),
                run("no sharpening", teacher_temp=0.1, steps=COLLAPSE_STEPS)])


def untrained_probes(seed):
    """An untrained backbone, its BatchNorm statistics computed on the training images."""
    seed_everything(seed)
    enc = backbone().to(device())
    for mod in enc.modules():
        if isinstance(mod, nn.BatchNorm1d):
            mod.momentum = None  # a plain average over the forward passes
    with torch.no_grad():
        enc.train()(x.to(device()))
    return probes(enc.eval())


untrained = torch.tensor([untrained_probes(s) for s in SEEDS], dtype=torch.float64)  # (seeds, 2)
pixels = (knn(x.flatten(1), y, x_test.flatten(1), y_test, k=20), five_label_probe(x.flatten(1), x_test.flatten(1)))
log_k = math.log(K)
print(f"log K = {log_k:.3f}; mean ± std over seeds {SEEDS}; DINO {STEPS} steps, ablations {COLLAPSE_STEPS}")
print(f"{'':16s}{'20-NN (%)':>14s}{'5-label (%)':>16s}{'entropy per image':>22s}{'entropy of the average':>26s}")
for name, r in results.items():
    mean, std = r.mean(0), r.std(0)
    print(f"{name:16s}{100 * mean[0]:7.1f} ± {100 * std[0]:4.1f}{100 * mean[1]:9.1f} ± {100 * std[1]:4.1f}"
          f"{mean[2]:15.3f} ± {std[2]:.3f}{mean[3]:19.3f} ± {std[3]:.3f}")
mean, std = untrained.mean(0), untrained.std(0)
print(f"{'untrained':16s}{100 * mean[0]:7.1f} ± {100 * std[0]:4.1f}{100 * mean[1]:9.1f} ± {100 * std[1]:4.1f}")
print(f"{'raw pixels':16s}{100 * pixels[0]:7.1f}{100 * pixels[1]:16.1f}")
print(f"{'supervised':16s}{100 * sup_acc:7.1f}   (reads all {len(y)} labels)")
for name, r in [*results.items(), ("untrained", untrained)]:
    line = (f"  per seed, {name}: 20-NN " + ", ".join(f"{100 * v:.1f}" for v in r[:, 0])
            + "; 5-label " + ", ".join(f"{100 * v:.1f}" for v in r[:, 1]))
    if r.shape[1] > 2:
        line += ("; entropy " + ", ".join(f"{v:.3g}" for v in r[:, 2]) + "; of the average "
                 + ", ".join(f"{v:.3g}" for v in r[:, 3]))
    print(line)

# %%
dino_r, no_c, no_s = results["DINO"], results["no centring"], results["no sharpening"]
bar("28.no_centring_entropy", no_c[:, 2].max() / log_k, "<=", 0.1, unit=" log K")
bar("28.no_centring_entropy_of_average", no_c[:, 3].max() / log_k, "<=", 0.1, unit=" log K")
bar("28.no_sharpening_entropy", no_s[:, 2].min() / log_k, ">=", 0.95, unit=" log K")
if not quick_mode():
    assert dino_r[:, 3].min() >= 0.5 * log_k and dino_r[:, 2].max() <= 0.5 * log_k
bar("28.dino_5label_margin_worst_seed", dino_r[:, 1].min() - untrained[:, 1].max(), ">=", 0.0)
bar("28.dino_knn_margin", dino_r[:, 0].min() - max(untrained[:, 0].max().item(), pixels[0]), ">=", 0.0,
    shortfall="with every label, 20-NN on 8x8 digits saturates: an untrained MLP with calibrated BatchNorm "
              "and raw pixels are already strong features, and DINO's MLP at this budget did not beat "
              "them (see the table); the 5-label probe above is the informative one")


fig, ax = plt.subplots(figsize=(6, 3))
for i, r in enumerate(results.values()):
    for j, (col, label) in enumerate(((2, "per image"), (3, "of the average"))):
        ax.scatter([3 * i + j] * len(r), r[:, col], color=f"C{j}", label=label if i == 0 else None)
ax.axhline(log_k, color="gray", linestyle="--", label="log K (uniform)")
ax.set_xticks([3 * i + 0.5 for i in range(len(results))], list(results))
ax.set(ylabel="teacher entropy (nats)", title="The two collapse modes, each seed a dot")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Reading the results honestly
#
# **The collapse modes are the clear result.** Without centring the teacher's output is one
# dimension for every image (both entropies near 0); without sharpening it is near uniform
# (entropy near $\log K$); with both, the per-image distributions are peaked while the average
# over images spreads over many dimensions. The numbers are in the table above.
#
# **What DINO adds to the features shows only with few labels.** With every label, 20-NN on
# `digits` saturates: raw pixels and an untrained MLP with BatchNorm statistics taken from the
# data are already above 90%, and DINO's MLP at this budget does not beat them (that bar is
# declared short, with the numbers printed). With 5 labels per class the same teachers are
# ahead of the untrained backbone on every seed (the 5-label bar, worst DINO seed against the
# best untrained one), by more than the spread over seeds. Two limits: DINO's 5-label accuracy is
# about that of raw pixels (the reference line in the table), so on 8x8 digits this MLP learns
# roughly what the pixels already hold, not more; and the supervised backbone, which reads
# every label, is far ahead on 20-NN.
#
# **The collapsed runs keep a usable backbone.** In the table, the runs without centring or
# without sharpening also probe above the untrained backbone with 5 labels and about as well
# with 20-NN: in `COLLAPSE_STEPS` steps the collapse happens in the head's output, and the backbone,
# which the probes read, has not degraded to the same degree. The collapse shows in the
# entropies, not in these probes. They are below DINO on 5 labels in the table, but they ran
# fewer steps (`COLLAPSE_STEPS` against `STEPS`), so the table does not measure whether
# collapse costs feature quality, and we claim nothing about it.
#
# **What this setting cannot show.** DINO's attention maps that segment objects, its kNN
# results on ImageNet with ViTs, the effect of the 0.996 momentum over hundreds of epochs, and
# the gain from small local crops processed at low resolution (our local crops are resampled
# to the global size because the MLP needs a fixed input).
#
# ## Interview drill

# %%
quiz("28.q1")

# %%
quiz("28.q2")

# %%
quiz("28.q3")

# %% [markdown]
# ## Summary
#
# - DINO distils a network into itself: the teacher is an EMA of the student, never trained by
#   gradient, and no labels are read.
# - Centring (subtract the running mean of the teacher's logits) stops one dimension from
#   dominating; sharpening (teacher temperature below the student's) stops the uniform output.
#   Each alone collapses, to the opposite trivial solution of the other.
# - Multi-crop: the teacher sees global crops, the student every crop; a crop is never matched
#   with itself.
# - Probe with few labels: on 8x8 digits, 20-NN with every label cannot tell DINO's features
#   from an untrained network's; a linear probe on 5 labels per class can.
#
# ## References
#
# - Caron et al. 2021, *Emerging Properties in Self-Supervised Vision Transformers* (DINO).
# - Caron et al. 2020, *Unsupervised Learning of Visual Features by Contrasting Cluster
#   Assignments* (SwAV; multi-crop).
# - Grill et al. 2020, *Bootstrap Your Own Latent* (BYOL; the EMA target).
# - lightly's `DINOLoss` (the peer for the loss and the centre in the tests).
