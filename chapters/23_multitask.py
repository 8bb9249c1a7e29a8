# %% [markdown]
# # 23 · Multi-task learning
#
# > **问题：** 自监督学习中的多任务学习是什么？它如何应用于图像分类和分割？
# >
# > **Question:** What is multi-task learning in self-supervised learning, and how is it applied
# > to image classification and segmentation?
#
# **Model answer.** Multi-task learning trains **one network on several tasks at once**: a
# **shared trunk** (the encoder) feeds **one head per task**, every task brings its own targets
# and its own loss, and the trunk is trained on a weighted sum of the losses (hard parameter
# sharing, Caruana 1997). In self-supervised learning the second task is usually a **pretext
# task** whose labels come free from the data: next to a supervised loss on the few labelled
# images, a rotation-prediction loss on every image, labelled or not, shapes the shared
# features (S4L, Zhai et al. 2019); several pretext tasks can also be combined (Doersch &
# Zisserman 2017). For segmentation the head is dense (a decoder predicting a class per pixel)
# on the same encoder, next to other dense tasks such as depth (Kendall et al. 2018). Two
# problems come with it. **Weighting**: the losses have different scales, and a fixed sum lets
# one dominate; *uncertainty weighting* learns a log-variance $s_i$ per task and minimises
# $\sum_i c_i e^{-s_i} L_i + s_i/2$, which divides each loss by its own size. **Conflict**: the
# tasks' gradients on the shared weights can point apart; their cosine measures it (negative:
# a step for one task undoes the other, to first order). Every task needs **its own targets**
# (a label vector per task, of its own number of classes) and the input must fit the trunk.

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from ssl_course import bar, check, device, progress_bar, quick_mode, quiz, scaled, seed_everything, use_reference_if_unsolved
from ssl_course.data.digits import digits
from ssl_course.data.split import few_labels
from ssl_course.models.encoders import ConvEncoder
from ssl_course.pretext.rotation import rotate_batch
from ssl_course.transfer.multitask import MultiHead, UncertaintyWeighting

seed_everything(0)
torch.set_num_threads(1)  # a small CNN on 8x8 images: one thread is faster than two handing work to each other
print("device:", device())

# %% [markdown]
# ## Theory
#
# **Hard parameter sharing.** A trunk $h = f_\theta(x)$ and heads $g_{\phi_i}$, one per task
# $i = 1..T$, with losses $L_i(\theta, \phi_i)$ on each task's own data and targets. Training
# minimises a weighted sum
#
# $$\mathcal L(\theta, \phi) = \sum_{i=1}^{T} w_i\, L_i(\theta, \phi_i).$$
#
# Each head sees only its own loss; the trunk's gradient is $\sum_i w_i \nabla_\theta L_i$, so
# the tasks meet, and help or hurt each other, in $\theta$ alone. In the semi-supervised
# setting of this chapter (S4L), task 1 is digit classification on the $50$ labelled images and
# task 2 is rotation prediction (chapter 09) on all $1{,}257$ training images: its targets cost
# nothing, so the unlabelled images, which the supervised loss never sees, train the trunk too.
#
# **Uncertainty weighting** (Kendall, Gal & Cipolla 2018). Read each loss as a negative
# log-likelihood with a task noise $\sigma_i$. For regression with a Gaussian
# $p(y\mid f) = \mathcal N(f, \sigma^2)$: $-\log p = \frac{1}{2\sigma^2}\lVert y - f\rVert^2 + \log\sigma + \text{const}$.
# For classification with a softmax of logits scaled by $1/\sigma^2$ the paper's approximation
# gives $-\log p \approx \frac{1}{\sigma^2} L_{\text{CE}} + \log\sigma$. With $s = \log\sigma^2$
# (any real number, no positivity constraint):
#
# $$\mathcal L = \sum_i \Big[c_i\, e^{-s_i} L_i + \tfrac12 s_i\Big], \qquad c_i = \tfrac12 \text{ (regression)}, \quad c_i = 1 \text{ (classification)},$$
#
# trained by gradient descent on the network and the $s_i$ together. For a fixed $L_i$,
# $\partial\mathcal L/\partial s_i = -c_i e^{-s_i} L_i + \tfrac12 = 0$ gives the optimum
#
# $$s_i^\star = \log(2 c_i L_i), \qquad c_i e^{-s_i^\star} L_i = \tfrac12 :$$
#
# at the optimum every weighted loss term equals $\tfrac12$, so the learned weight
# $w_i = c_i e^{-s_i}$ is $1/(2L_i)$: **each task is divided by (twice) its own current loss**,
# whatever its units. The $\tfrac12 s_i$ term is what stops $s_i$ from growing for ever (a
# zero weight would otherwise be the cheapest answer). Many implementations write
# $e^{-s_i}L_i + s_i$ for every task; that is twice the regression form, with optimum
# $s_i^\star = \log L_i$ and weight $1/L_i$: the same balance, a different constant. Here both
# tasks are classifications, so $c_1 = c_2 = 1$.
#
# **Gradient conflict.** Take a small step along task $a$'s gradient, $\theta' = \theta - \eta\, g_a$
# with $g_a = \nabla_\theta L_a$. To first order task $b$'s loss changes by
#
# $$L_b(\theta') - L_b(\theta) \approx -\eta\, g_a^\top g_b = -\eta\,\lVert g_a\rVert\,\lVert g_b\rVert \cos(g_a, g_b),$$
#
# so the step helps task $b$ when $\cos > 0$ and hurts it when $\cos < 0$. The cosine, taken
# over **all** the shared parameters as one vector, measures how much two tasks agree; PCGrad
# (Yu et al. 2020) projects one gradient off the other when it is negative. A cosine near
# $+1$ means the second task adds almost nothing the first did not already ask for.

# %% [markdown]
# ## The common wrong answer
#
# The seed's answer writes a two-head model whose first layer is `nn.Linear(128, hidden)`,
# with **both** heads of 10 classes, and a loss `criterion(out1, labels[:, 0]) +
# criterion(out2, labels[:, 1])` over a loader that yields `images, labels`. Run on images it
# fails twice before it trains: an image batch is not a 128-d vector, and a dataset gives one
# label per image, not a column per task. Below we re-implement the model (paraphrased) and
# feed it `digits`, then run the obvious "fix" (flatten to 64 inputs and give both heads the
# one label vector we have) and measure what it learns.

# %%
x_train, y_train, x_test, y_test = digits()  # (1257, 1, 8, 8) in [0, 1], labels 0..9; 540 test images


class SeedTwoHeads(nn.Module):
    """The seed's multi-task model, paraphrased: one hidden layer, two 10-class heads."""

    def __init__(self, input_dim=128, hidden_dim=256, num_classes=10):
        super().__init__()
        self.fc1 = nn.Linear(input_dim, hidden_dim)
        self.head1, self.head2 = nn.Linear(hidden_dim, num_classes), nn.Linear(hidden_dim, num_classes)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        return self.head1(h), self.head2(h)


seed_model = SeedTwoHeads()
images, labels = x_train[:64], y_train[:64]
for what, run in (("images (64, 1, 8, 8) into nn.Linear(128, 256)", lambda: seed_model(images)),
                  ("flattened to (64, 64) into nn.Linear(128, 256)", lambda: seed_model(images.flatten(1))),
                  ("labels[:, 0] on the dataset's labels of shape (64,)", lambda: labels[:, 0])):
    try:
        run()
    except (RuntimeError, IndexError) as exc:
        print(f"{what}:\n    {type(exc).__name__}: {str(exc).splitlines()[0]}")

# %% [markdown]
# The one fix that makes it run is to give **both heads the same label vector**:
# `criterion(out1, labels) + criterion(out2, labels)`. That is one task, counted twice. We keep
# it for the headline experiment, trained with the same recipe as every other run, and measure
# two things: whether it beats a single head (it has no new information to learn from), and the
# cosine between its two losses' gradients on the trunk (the same task asks for nearly the same
# change). The real second task comes from the data: the rotation of each image.
#
# The input layer is fixed by using a trunk made for images: the small CNN of chapters 05 and 09
# (`ConvEncoder`, Conv3x3-BN-ReLU stages, global average pooling), whose output feeds every head.

# %% [markdown]
# ## Exercise 23.uncertainty_weighting
#
# Write `uncertainty_weighting(losses, log_vars, regression)`: `losses` of shape `(T,)` (one
# mean loss per task), `log_vars` of shape `(T,)` holding $s_i = \log\sigma_i^2$ (same dtype),
# `regression` a `(T,)` bool tensor, `True` for a regression (squared-error) task and `False`
# for a classification (cross-entropy) task. Return the 0-d total
# $\sum_i \big[c_i e^{-s_i} L_i + \tfrac12 s_i\big]$ with $c_i = \tfrac12$ for regression and $1$ for
# classification, in the losses' dtype and on their device, differentiable in both `losses` and
# `log_vars`.

# %%
def uncertainty_weighting(losses: torch.Tensor, log_vars: torch.Tensor, regression: torch.Tensor) -> torch.Tensor:
    """sum_i c_i exp(-s_i) L_i + s_i / 2 (c = 1/2 regression, 1 classification): (T,), (T,), (T,) bool -> ()."""
    ### BEGIN SOLUTION
    c = 1.0 - 0.5 * regression.to(device=losses.device, dtype=losses.dtype)
    return (c * torch.exp(-log_vars) * losses + 0.5 * log_vars).sum()
    ### END SOLUTION


check("23.uncertainty_weighting", uncertainty_weighting)

# %%
uncertainty_weighting = use_reference_if_unsolved("23.uncertainty_weighting", uncertainty_weighting)

# %% [markdown]
# **A known truth.** Hold three losses fixed, learn only the log-variances with Adam, and
# compare with the closed form $s^\star = \log(2 c L)$: a classification loss of 0.05, one of
# 2.0, and a regression loss of 2.0.

# %%
fixed_losses = torch.tensor([0.05, 2.0, 2.0])
flags = torch.tensor([False, False, True])
s = torch.zeros(3, requires_grad=True)
opt_s = torch.optim.Adam([s], lr=0.05)
for _ in range(1500):
    opt_s.zero_grad()
    uncertainty_weighting(fixed_losses, s, flags).backward()
    opt_s.step()
c = 1 - 0.5 * flags.float()
s_star = torch.log(2 * c * fixed_losses)
print("learned s:      ", s.detach().numpy().round(4))
print("log(2 c L):     ", s_star.numpy().round(4))
print("weights c e^-s: ", (c * torch.exp(-s.detach())).numpy().round(3), "  weighted terms:",
      (c * torch.exp(-s.detach()) * fixed_losses).numpy().round(4))
assert (s.detach() - s_star).abs().max() < 1e-3

# %% [markdown]
# The task with the small loss gets the large weight ($1/(2 \cdot 0.05) = 10$) and every weighted
# term sits at $\tfrac12$: uncertainty weighting is a learned, lagging normalisation of each loss
# by its own size. The two losses of 2.0 differ only in their kind: the regression one ends
# with half the classification one's $\sigma^2$ and the same weighted term.
#
# `UncertaintyWeighting` in `ssl_course/transfer/multitask.py` wraps this function with the
# $s_i$ as parameters (initialised to 0), trained in the same optimizer as the network.

# %% [markdown]
# ## Exercise 23.grad_cosine
#
# Write `grad_cosine(loss_a, loss_b, params, eps=1e-8)`: the cosine between the gradients of two
# 0-d losses with respect to `params` (an iterable of tensors that require a gradient, e.g. a
# trunk's `parameters()`: it may be a generator, usable once). Flatten every parameter's
# gradient and concatenate them, in order, into one vector $g_a$ (and $g_b$); a parameter that a
# loss does not reach contributes zeros. Return
# $g_a^\top g_b / (\max(\lVert g_a\rVert, \varepsilon)\,\max(\lVert g_b\rVert, \varepsilon))$ (the rule of
# `F.cosine_similarity`) as a detached 0-d tensor in the parameters' dtype and device. The two
# losses usually share one graph (one trunk forward), and the caller will backpropagate them
# after your call, so **leave the graph alive and every `.grad` as it was**.

# %%
def grad_cosine(loss_a: torch.Tensor, loss_b: torch.Tensor, params, eps: float = 1e-8) -> torch.Tensor:
    """cos(dL_a/dparams, dL_b/dparams), every parameter flattened into one vector: 0-d, 0-d, iterable -> 0-d."""
    ### BEGIN SOLUTION
    params = list(params)
    g_a = torch.autograd.grad(loss_a, params, retain_graph=True, allow_unused=True)
    g_b = torch.autograd.grad(loss_b, params, retain_graph=True, allow_unused=True)

    def flat(grads):
        return torch.cat([(g if g is not None else torch.zeros_like(p)).reshape(-1) for g, p in zip(grads, params)])

    return F.cosine_similarity(flat(g_a), flat(g_b), dim=0, eps=eps)
    ### END SOLUTION


check("23.grad_cosine", grad_cosine)

# %%
grad_cosine = use_reference_if_unsolved("23.grad_cosine", grad_cosine)

# %% [markdown]
# ## The headline experiment: rotation as an auxiliary task with 5 labels per class
#
# **Setting.** `digits`, 5 labelled training images per class (50 labels, a different draw per
# seed); the rotation task draws from all 1,257 training images, without their labels. One
# recipe for every run: the same CNN trunk (`ConvEncoder`) and linear heads, the same initial weights for a given
# seed, Adam with a cosine schedule, `STEPS` steps, every step the 50 labelled images (each
# shifted by up to one pixel at random); only the loss differs:
#
# - **supervised**: $L_\text{digit}$ on the labelled images;
# - **+ rotation, fixed weights**: $L_\text{digit} + L_\text{rot}$, where $L_\text{rot}$ is the
#   rotation loss on all four quarter turns (`rotate_batch`) of `UNLABELLED` random training
#   images per step, in the same trunk forward as the labelled ones;
# - **+ rotation, uncertainty weighting**: the same two losses through `UncertaintyWeighting`;
# - **the seed's fix**: two digit heads on the one label vector, $L_\text{digit} + L_\text{digit'}$.
#
# Every `EVERY` steps we record `grad_cosine` of the run's two losses on the trunk's parameters.
# The score is the test accuracy of the digit head on the 540 test images.
#
# **Bars** (from the syllabus, fixed before the runs): the rotation task improves few-label
# accuracy by $\ge 3$ points **on the worst of three seeds** (paired: same labels, same
# initial weights), with fixed weights; and the conflict is measured: the rotation task's
# gradients agree with the digit task's far less than a copy of the digit task's do (their mean
# cosine is below the seed's fix's on every seed).
#
# The log-variances get their own learning rate (`LR_S`): Adam moves a parameter by at most
# about its learning rate per step, so at the network's `LR` an $s_i$ could travel less than one
# unit in `STEPS` steps (a weight between $e^{-1}$ and $e$), far from the optimum $\log(2L_i)$ of
# a loss that falls by orders of magnitude.

# %%
SEEDS = (0, 1, 2)
CHANNELS = (16, 32, 64)
STEPS, UNLABELLED, EVERY, LR, LR_S = scaled(240, 20), 16, 20, 3e-3, 0.05
PER_CLASS = 5
MODES = ("supervised", "+ rotation, fixed weights", "+ rotation, uncertainty weighting", "seed's fix: same labels twice")


def shift(xb, generator):
    """Random translations by up to one pixel each way, zeros fill in: (B, C, H, W) -> (B, C, H, W)."""
    b, c, h, w = xb.shape
    padded = F.pad(xb, (1, 1, 1, 1))
    dy, dx = torch.randint(0, 3, (2, b, 1), generator=generator)
    rows, cols = dy + torch.arange(h), dx + torch.arange(w)  # (B, H), (B, W)
    return padded[torch.arange(b)[:, None, None, None], torch.arange(c)[None, :, None, None],
                  rows[:, None, :, None], cols[:, None, None, :]]


def train(mode, seed):
    """One run; returns (test accuracy, the cosines recorded, the weights' history of an uncertainty run)."""
    seed_everything(seed)
    trunk = ConvEncoder(1, CHANNELS)
    heads = {"digit": nn.Linear(trunk.out_dim, 10), "rotation": nn.Linear(trunk.out_dim, 4),
             "digit_again": nn.Linear(trunk.out_dim, 10)}  # every run builds all three: the same initial weights
    model = MultiHead(trunk, heads).to(device())
    weighting = UncertaintyWeighting([False, False]).to(device())
    groups = [{"params": list(model.parameters())}]
    if "uncertainty" in mode:
        groups.append({"params": list(weighting.parameters()), "lr": LR_S})
    opt = torch.optim.Adam(groups, lr=LR)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, STEPS)
    labelled = few_labels(y_train, PER_CLASS, seed=seed)
    x_lab, y_lab = x_train[labelled], y_train[labelled].to(device())
    gen = torch.Generator().manual_seed(seed)
    cosines, weights = [], []
    model.train()
    for step in range(STEPS):
        xb = shift(x_lab, gen)
        if "rotation" in mode:
            xu = shift(x_train[torch.randint(len(x_train), (UNLABELLED,), generator=gen)], gen)
            x_rot, k_rot = rotate_batch(xu)  # (4U, 1, 8, 8), (4U,): the targets come from the data
            h = model.trunk(torch.cat([xb, x_rot]).to(device()))  # one trunk forward for both tasks
            loss_a = F.cross_entropy(model.heads["digit"](h[:len(xb)]), y_lab)
            loss_b = F.cross_entropy(model.heads["rotation"](h[len(xb):]), k_rot.to(device()))
            loss = weighting(torch.stack([loss_a, loss_b])) if "uncertainty" in mode else loss_a + loss_b
        else:
            h = model.trunk(xb.to(device()))
            loss_a = F.cross_entropy(model.heads["digit"](h), y_lab)
            loss_b = F.cross_entropy(model.heads["digit_again"](h), y_lab) if "twice" in mode else None
            loss = loss_a if loss_b is None else loss_a + loss_b
        if loss_b is not None and step % EVERY == 0:
            cosines.append(grad_cosine(loss_a, loss_b, model.shared_parameters()).item())
        if "uncertainty" in mode:  # the weights, and the losses they would settle to 1 / (2 L) for
            weights.append([*weighting.weights().tolist(), loss_a.item(), loss_b.item()])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    model.eval()
    with torch.no_grad():
        acc = (model(x_test.to(device()), "digit").argmax(1).cpu() == y_test).float().mean().item()
    return acc, torch.tensor(cosines), torch.tensor(weights)  # (), (STEPS / EVERY,), (STEPS, 4) or (0,)


runs = {mode: [train(mode, seed) for seed in SEEDS] for mode in progress_bar(MODES, desc="4 losses x 3 seeds")}
acc = {mode: torch.tensor([r[0] for r in rs]) for mode, rs in runs.items()}
print(f"test accuracy, {PER_CLASS} labels per class, {STEPS} steps (mean ± std over seeds {SEEDS}):")
for mode in MODES:
    print(f"  {mode:36s} {acc[mode].mean():.1%} ± {acc[mode].std():.1%}   per seed: "
          + ", ".join(f"{a:.1%}" for a in acc[mode]))

# %%
gain_fixed = acc["+ rotation, fixed weights"] - acc["supervised"]  # (seeds,), paired
gain_uw = acc["+ rotation, uncertainty weighting"] - acc["supervised"]
gain_twice = acc["seed's fix: same labels twice"] - acc["supervised"]
for name, gain in (("rotation, fixed weights", gain_fixed), ("rotation, uncertainty weighting", gain_uw),
                   ("seed's fix (same labels twice)", gain_twice)):
    print(f"{name:32s} - supervised: {100 * gain.mean():+.1f} ± {100 * gain.std():.1f} points; per seed "
          + ", ".join(f"{100 * g:+.1f}" for g in gain))
bar("23.rotation_gain_worst_seed", 100 * gain_fixed.min().item(), ">=", 3.0, unit=" points",
    shortfall="the rotation task adds about a point on average here and less on the worst seed: scratch sweeps "
              "of its weight (0.3, 1, 3), uncertainty weighting (log-variance lr 3e-3 and 0.05), a deeper rotation "
              "head, separate or joint trunk forwards, 3 or 5 labels per class, with and without one-pixel shifts, "
              "240, 300 or 600 steps and 16 or 32 unlabelled images per step never gave 3 points on the worst seed")
uw_vs_fixed = acc["+ rotation, uncertainty weighting"] - acc["+ rotation, fixed weights"]
print(f"uncertainty weighting - fixed weights: {100 * uw_vs_fixed.mean():+.1f} ± {100 * uw_vs_fixed.std():.1f} points")
if not quick_mode():
    assert gain_fixed.mean() > 0 and gain_fixed.max() < 0.03  # a small gain on average, short of 3 points everywhere
    assert gain_twice.mean() < gain_twice.std()  # the copied task: no gain beyond its spread over seeds
    assert uw_vs_fixed.mean().abs() < 0.01  # the two weightings within a point of each other on average

mean_cos = {mode: torch.stack([r[1].mean() for r in runs[mode]]) for mode in MODES if mode != "supervised"}
for mode, m in mean_cos.items():
    share_neg = torch.cat([r[1] for r in runs[mode]]).lt(0).float().mean()
    print(f"cosine of the two losses' gradients on the trunk, {mode:36s} mean {m.mean():+.2f} ± {m.std():.2f}; "
          f"negative at {share_neg:.0%} of the steps measured")
twice_cos = mean_cos["seed's fix: same labels twice"]
rot_cos = torch.maximum(mean_cos["+ rotation, fixed weights"], mean_cos["+ rotation, uncertainty weighting"])
bar("23.rotation_conflict_below_same_task_every_seed", (twice_cos - rot_cos).min().item(), ">", 0.0)
if not quick_mode():
    for mode in ("+ rotation, fixed weights", "+ rotation, uncertainty weighting"):
        share_neg = torch.cat([r[1] for r in runs[mode]]).lt(0).float().mean()
        assert mean_cos[mode].abs().max() < 0.1 and 0.3 < share_neg < 0.7  # near-orthogonal, often negative
    assert all(r[1][:3].mean() < r[1][-3:].mean() for r in runs["seed's fix: same labels twice"])  # rises

# %% [markdown]
# **The cosines over training, and the weights uncertainty weighting learned** (seed 0).

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
steps_measured = torch.arange(0, STEPS, EVERY)
for mode in MODES[1:]:
    axes[0].plot(steps_measured, runs[mode][0][1], label=mode)
axes[0].axhline(0, color="gray", lw=0.8)
axes[0].set(xlabel="step", ylabel="cos(g_a, g_b) on the trunk", title="agreement of the two losses' gradients")
axes[0].legend(fontsize=7)
w_hist = runs["+ rotation, uncertainty weighting"][0][2]  # (STEPS, 4): weights, then losses
axes[1].plot(w_hist[:, 0], label="digit weight e^-s1")
axes[1].plot(w_hist[:, 1], label="rotation weight e^-s2")
axes[1].set(xlabel="step", ylabel="weight", yscale="log", title="uncertainty weighting")
axes[1].legend(fontsize=7)
plt.tight_layout()
plt.show()
final_w = torch.stack([r[2][-1, :2] for r in runs["+ rotation, uncertainty weighting"]])  # (seeds, 2)
last_l = torch.stack([r[2][-EVERY:, 2:].mean(0) for r in runs["+ rotation, uncertainty weighting"]])  # (seeds, 2)
optimum = 1 / (2 * last_l)  # the weights s would settle to if the losses stayed where they ended
print("final weights (digit, rotation) per seed:     " + "; ".join(f"({a:.2f}, {b:.2f})" for a, b in final_w.tolist()))
print("their optimum 1/(2L) at the last steps' losses: " + "; ".join(f"({a:.1f}, {b:.2f})" for a, b in optimum.tolist()))
if not quick_mode():
    assert (final_w[:, 0] > 2 * final_w[:, 1]).all()  # the memorised digit task gets the larger weight ...
    assert (final_w[:, 0] < optimum[:, 0]).all()  # ... and it still lags behind its optimum

# %% [markdown]
# **What the runs show.**
#
# - **The rotation task helps a little, not 3 points.** Its gain over the supervised run is
#   printed per seed above: positive on average, and short of the 3 points asked on every
#   seed; the syllabus bar is NOT MET (with the sweep behind that verdict in the bar's
#   reason).
# - **Uncertainty weighting moves its weights the way the formula says**: the digit loss on 50
#   labelled images falls towards 0, so its weight, heading for $1/(2L_\text{digit})$, grows
#   above the rotation weight; it is still climbing when training ends, well below the optimum
#   for the last losses (both printed above): the log-variances lag behind the losses. Its
#   accuracy is within a point of fixed weights' on average (printed).
# - **Conflict, measured.** The digit and rotation gradients on the trunk are nearly
#   orthogonal on average, and negative at about half the steps measured: each step for one task
#   costs the other a little, to first order. The seed's fix (the same labels twice) has a
#   mean cosine far higher: two heads on one label vector ask the trunk for nearly the same
#   change, and it does not beat a single head beyond its spread over seeds.
#
# ## Reading the results honestly
#
# - **The headline bar is missed.** On 8x8 `digits`, with 5 labels per class and one-pixel
#   shifts, the supervised CNN is already strong (printed above), and the rotation task is a
#   weak teacher here: chapter 09 measured why (blank border columns give quarter turns away,
#   and a half turn leaves some digits, 0 and 8 among them, nearly unchanged). S4L's gains were
#   measured on ImageNet with 1% and 10% of the labels and a ResNet-50; this CPU-sized setting
#   cannot show them, and we report the small number as it is.
# - **Uncertainty weighting trusts the training loss.** It reads a small loss as a precise task
#   and raises that task's weight. The digit loss is small because 50 images are memorised, not
#   because the task is solved: the test error says otherwise. A method that uses held-out
#   losses or gradient norms (GradNorm) could balance differently; we do not run one.
# - **A cosine is local.** It is measured every `EVERY` steps on one batch; it says what one
#   step does to the other task's training loss, not what the final accuracy will be. We do not
#   try PCGrad, which acts on it.
# - **The two copies of the digit head do not give cosine 1.** Their heads start from
#   different weights, so they back-propagate different directions at first; the cosine rises
#   as they learn the same thing (the plot).
# - **Not measured here:** segmentation (the question's second half: a dense head on the same
#   trunk), more labels per class, other auxiliary tasks, larger networks.
# - **The recipe was chosen** in scratch runs on these same seeds (steps, learning rates, shifts,
#   unlabelled images per step); the numbers belong to this recipe.

# %% [markdown]
# ## Interview drill

# %%
quiz("23.q1")

# %%
quiz("23.q2")

# %%
quiz("23.q3")

# %%
quiz("23.q4")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>Your auxiliary task's gradient often has a negative cosine with the main
# task's. What can you do?</summary>
#
# First check that it matters: compare the main task's accuracy with and without the auxiliary
# task over seeds (this chapter's table). If it hurts: lower its weight, or let it branch off
# earlier (a deeper head of its own, so that fewer parameters are shared), or change the update:
# PCGrad projects each task's gradient onto the normal plane of the other's when their cosine
# is negative; GradNorm tunes the weights so that the tasks' gradient norms train at similar
# rates.
# </details>
#
# <details><summary>How would you add segmentation to this network?</summary>
#
# Keep the trunk's spatial maps (no global pooling before the head), add a decoder that
# upsamples them to the input's resolution and outputs one logit per class per pixel, and train
# it with a per-pixel cross-entropy next to the other tasks; its targets are masks, one per
# image. Kendall et al. train semantic and instance segmentation and depth this way, weighted by
# uncertainty. Not run here.
# </details>
#
# <details><summary>Is multi-task learning a self-supervised method?</summary>
#
# No: it is a way to train one network on several objectives. It becomes self-supervised
# learning when some of the tasks make their targets from the data (a rotation, a masked patch,
# a colourisation), which is what lets unlabelled images contribute, as the rotation task does
# here.
# </details>
#
# <details><summary>Why learn log sigma^2 rather than sigma or the weight itself?</summary>
#
# $s = \log\sigma^2$ can be any real number, so no constraint or clamp is needed, and
# $e^{-s}$ never divides by zero; the regulariser $\tfrac12 s$ is linear in it. A free weight
# $w_i$ would be driven to 0 by the optimiser, since a smaller weight always lowers the sum.
# </details>
#
# ## Summary
#
# - Multi-task learning: one shared trunk, one head and one loss per task, each with its own
#   targets; a weighted sum trains the trunk, where the tasks meet.
# - Uncertainty weighting (Kendall et al.) minimises $\sum_i c_i e^{-s_i} L_i + \tfrac12 s_i$
#   ($c = \tfrac12$ regression, $1$ classification); its optimum $s_i = \log(2c_iL_i)$ makes every
#   weighted term $\tfrac12$, learned with Adam here to $10^{-3}$.
# - The cosine of two tasks' gradients on the shared parameters measures their conflict;
#   compute it with `torch.autograd.grad` (retain the graph, leave `.grad` alone).
# - The seed's model fails twice before training (a 128-d linear layer on 8x8 images, a
#   missing label column); its one-label fix is one task twice.
# - Rotation as an auxiliary task on `digits` with 5 labels per class: a small gain, short of
#   the 3 points asked (reported NOT MET).
#
# ## References
#
# - R. Caruana. *Multitask Learning*. Machine Learning 28, 1997.
# - A. Kendall, Y. Gal, R. Cipolla. *Multi-Task Learning Using Uncertainty to Weigh Losses for
#   Scene Geometry and Semantics*. CVPR 2018.
# - X. Zhai, A. Oliver, A. Kolesnikov, L. Beyer. *S4L: Self-Supervised Semi-Supervised
#   Learning*. ICCV 2019.
# - C. Doersch, A. Zisserman. *Multi-task Self-Supervised Visual Learning*. ICCV 2017.
# - T. Yu, S. Kumar, A. Gupta, S. Levine, K. Hausman, C. Finn. *Gradient Surgery for Multi-Task
#   Learning* (PCGrad). NeurIPS 2020.
# - Z. Chen, V. Badrinarayanan, C.-Y. Lee, A. Rabinovich. *GradNorm: Gradient Normalization for
#   Adaptive Loss Balancing in Deep Multitask Networks*. ICML 2018.
# - S. Gidaris, P. Singh, N. Komodakis. *Unsupervised Representation Learning by Predicting
#   Image Rotations* (RotNet). ICLR 2018.
