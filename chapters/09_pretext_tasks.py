# %% [markdown]
# # 09 · Pretext tasks: rotations, jigsaws, and labels that come from the data
#
# > **问题：** 自监督学习中的"无监督预训练"究竟是什么？没有人工标注时，模型用什么作为训练目标？它和有监督预训练有什么区别，又有什么用？
# >
# > **Question:** What is "unsupervised pre-training" in self-supervised learning? With no human
# > labels, what does the model train on, how does it differ from supervised pre-training, and
# > what is it good for?
#
# > **Two questions that come with it (seed interview 001, questions 4 and 8 of its question
# > bank):** how does unsupervised pre-training differ from supervised pre-training, and what is
# > "self-supervised classification"?
#
# **Model answer.** Pre-training without labels still needs a loss, and a loss needs targets.
# A **pretext task** makes them from the data: rotate an image by $0°, 90°, 180°$ or $270°$ and
# ask the network which (RotNet, Gidaris et al. 2018); cut it into tiles, shuffle them by one
# of a fixed set of permutations and ask which (jigsaw, Noroozi & Favaro 2016); hide a word and
# ask for it (BERT, chapter 16). That is "self-supervised classification": an ordinary
# cross-entropy, over classes that the data define. Nobody cares about the pretext task
# itself; it is worth solving only if solving it forces the network to learn what a
# downstream task needs (to tell which way is up, you have to recognise the object). So we
# keep the **encoder**, and judge it by a linear probe with few labels. Supervised
# pre-training uses people's labels for the same purpose (an ImageNet classifier); the
# difference is where the targets come from, not the loss. Two cautions, both measured below:
# the **last** layers specialise to the pretext and can be worse than random features for
# the real task, so features are taken from a middle layer; and a pretext task can be
# solved by a **shortcut** (a cue that has nothing to do with the object) and then teaches
# nothing.

# %%
import copy

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from ssl_course import bar, check, device, progress_bar, quick_mode, quiz, scaled, seed_everything, use_reference_if_unsolved
from ssl_course.data.digits import digits
from ssl_course.data.split import few_labels
from ssl_course.evaluate.probes import features, linear_probe
from ssl_course.models.encoders import ConvEncoder
from ssl_course.pretext.jigsaw import jigsaw_permutations, untile

seed_everything(0)
print("device:", device())

# %% [markdown]
# ## Theory
#
# **A pretext task** is a family of transformations $g_1, \dots, g_K$ of an input. Draw an
# input $x$ and a label $k$, show the network $g_k(x)$, and train it to say $k$:
#
# $$\mathcal L(\theta) = \mathbb E_{x}\,\mathbb E_{k}\big[-\log p_\theta\big(k \mid g_k(x)\big)\big].$$
#
# The labels cost nothing: $k$ is whatever we chose. RotNet uses $K = 4$ rotations by
# multiples of $90°$, and feeds all four of every image in the same batch (the paper found this
# better than one random rotation per image). Quarter turns are exact permutations of the
# pixels (no interpolation), so the rotation leaves no resampling artefact to spot. The
# jigsaw task cuts an image into a $3\times 3$ grid and shuffles the tiles by one of $K$
# permutations chosen in advance; the label is the permutation's index in that set.
#
# **When does solving it teach anything?** Two things limit a pretext task.
#
# - **Ambiguity.** If $g_k(x) = g_{k'}(x')$ for some other input, no network can tell $k$ from
#   $k'$: the best possible accuracy is below 100%, and the images for which that happens
#   give no gradient towards better features. A digit 0 turned upside down is still a 0.
# - **Shortcuts.** If a low-level cue gives $k$ away (a border that moves with the rotation,
#   the chromatic aberration of a lens in Doersch et al.'s context prediction, the continuity
#   of edges across tiles that Noroozi & Favaro break with gaps between the tiles), the
#   network learns the cue and stops.
#
# **Which layer to keep.** The network is trained to output $k$, so its last layers become
# about $k$: what tells rotations apart, not what tells digits apart. Gidaris et al. (Table 1)
# probe every block of their network on CIFAR-10 and find the second block best, the last
# worst; the same happens here.
#
# **Unsupervised against supervised pre-training.** Both train an encoder on a large set and
# keep it for a task with few labels. Supervised pre-training needs a label for every example
# of the large set; a pretext task needs none. An "unsupervised" recipe that calls the
# dataset's labels anywhere in its training loop is supervised pre-training, whatever it is
# called, and if the labels are not there it is not training on anything meaningful. Which
# brings us to the common wrong answer.

# %% [markdown]
# ## The common wrong answer
#
# The usual written answer gives a loop like this one (paraphrased): load a network, then
#
# ```python
# for images, _ in dataset:               # "unlabelled": the labels are thrown away
#     outputs = model(transform(images))
#     loss = criterion(outputs, labels)    # ... and then used
#     ...
# ```
#
# There is no pretext task: the loop discards the labels and the loss uses a name `labels`
# that the loop never sets. In a fresh script this is a `NameError`. In a notebook it is
# worse: `labels` is whatever an earlier cell left behind (say, the class labels of the batch
# someone printed), so training runs, the loss falls, and the network learns to map every
# batch to the same 64 stale targets. And if one "fixes" it with the batch's real labels, it
# becomes supervised pre-training on every label of the dataset: not what was asked.
#
# We run all of it with **one recipe**: the same CNN (three stages of Conv3x3-BN-ReLU, 32, 64
# and 128 channels), Adam with a cosine schedule, the same number of steps, the same random
# one-pixel shifts of the 1,257 `digits` training images, three seeds. Only the targets differ:
#
# - **rotation (RotNet)**: every batch of 64 images becomes 256 rows, all four quarter turns
#   of each, labelled 0..3 (your `rotate_batch`, below);
# - **the seed's loop in a notebook**: the batch's images with the stale `labels` of one
#   earlier batch, for every step;
# - **the "fix"**: the batch's true class labels (1,257 labels used);
# - **none**: the untrained network, from the same initial weights as each seed's runs.
#
# Every encoder is then frozen and judged by the same linear probe with **5 labelled images
# per class** (the mean over 5 random draws of those 50 labels), on its middle layer (stage
# 2, average-pooled to 2x2: 256 features) and on its last (stage 3, globally pooled: 128
# features).

# %%
x_dig, y_dig, x_dig_test, y_dig_test = digits()
SEEDS, DRAWS = (0, 1, 2), range(5)
CHANNELS, BATCH, EPOCHS = (32, 64, 128), 64, scaled(10, 2)

SEED_LOOP = """
for images, _ in loader:
    loss = criterion(model(images), labels)
"""
try:  # the seed's loop, run as a script: nothing called `labels` exists
    exec(SEED_LOOP, {"loader": [(x_dig[:4], y_dig[:4])], "model": nn.Flatten(), "criterion": F.cross_entropy})
except NameError as exc:
    print(f"in a fresh script: NameError: {exc}")


def shift_views(xb, generator):
    """Random translations by up to one pixel each way: (B, C, H, W) -> (B, C, H, W), zeros fill in."""
    b, c, h, w = xb.shape
    padded = F.pad(xb, (1, 1, 1, 1))  # (B, C, H + 2, W + 2)
    dy, dx = torch.randint(0, 3, (2, b, 1), generator=generator)  # each image's offset in the padding
    rows, cols = dy + torch.arange(h), dx + torch.arange(w)  # (B, H), (B, W)
    return padded[torch.arange(b)[:, None, None, None], torch.arange(c)[None, :, None, None],
                  rows[:, None, :, None], cols[:, None, None, :]]


def train_encoder(make_targets, num_classes, seed, epochs=EPOCHS):
    """One recipe for every kind of target. make_targets(views (B, 1, 8, 8), idx (B,)) ->
    (inputs (M, 1, 8, 8), targets (M,)). Returns (trained encoder, the same encoder untrained,
    the classifier head)."""
    seed_everything(seed)
    encoder = ConvEncoder(1, CHANNELS)
    untrained = copy.deepcopy(encoder)  # the same initial weights: the random-init baseline of this seed
    encoder, head = encoder.to(device()), nn.Linear(encoder.out_dim, num_classes).to(device())
    opt = torch.optim.Adam([*encoder.parameters(), *head.parameters()], lr=4e-3)
    steps_per_epoch = len(x_dig) // BATCH
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * steps_per_epoch)
    gen = torch.Generator().manual_seed(seed)
    encoder.train()
    for _ in range(epochs):
        order = torch.randperm(len(x_dig), generator=gen)
        for s in range(steps_per_epoch):
            idx = order[s * BATCH:(s + 1) * BATCH]
            inputs, targets = make_targets(shift_views(x_dig[idx], gen), idx)
            loss = F.cross_entropy(head(encoder(inputs.to(device()))), targets.to(device()))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    return encoder.eval(), untrained.eval(), head.eval()


class Middle(nn.Module):
    """Stage 2 of a ConvEncoder, average-pooled to 2x2: (N, 1, 8, 8) -> (N, 4 * CHANNELS[1])."""

    def __init__(self, encoder):
        super().__init__()
        self.stages = encoder.net[:6]  # stage 1 and stage 2 (Conv-BN-ReLU each)

    def forward(self, x):
        return F.adaptive_avg_pool2d(self.stages(x), 2).flatten(1)


def five_label_accuracy(model):
    """Linear-probe test accuracy of model's frozen features, 5 labels per class: (draws,)."""
    train_feats, test_feats = features(model, x_dig), features(model, x_dig_test)
    accs = []
    for draw in DRAWS:
        idx = few_labels(y_dig, 5, seed=draw)
        accs.append(linear_probe(train_feats[idx], y_dig[idx], test_feats, y_dig_test))
    return torch.tensor(accs).mean().item()


def probe_layers(encoder):
    """(middle, last) five-label probe accuracies of one encoder."""
    return five_label_accuracy(Middle(encoder)), five_label_accuracy(encoder)


# %% [markdown]
# ## Exercise 09.rotate_batch
#
# Write `rotate_batch(x)` for a batch `x` of shape `(N, C, H, W)` of **square** images. Return
# `(images, labels)`: `images` of shape `(4N, C, H, W)` where rows `k*N .. (k+1)*N - 1` hold
# all $N$ images, in order, turned $k$ quarter turns **counter-clockwise** (as
# `torch.rot90(x, k, dims=(-2, -1))`: after one turn the top-right pixel is at the top left),
# and `labels` of shape `(4N,)`, `int64`, on `x`'s device: $N$ zeros, then $N$ ones, twos and
# threes. Keep `x`'s dtype (integer images too: a quarter turn moves pixels, it never
# interpolates). A quarter turn of an $H \times W$ image is $W \times H$, so non-square images
# cannot share a batch: raise a `ValueError` that says so.

# %%
def rotate_batch(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """x: (N, C, H, W), H == W -> images (4N, C, H, W) in blocks of 0, 90, 180, 270 degrees
    counter-clockwise, labels (4N,) int64: 0 for the first block, ..., 3 for the last."""
    ### BEGIN SOLUTION
    if x.shape[-2] != x.shape[-1]:
        raise ValueError(f"x must hold square images, got {x.shape[-2]}x{x.shape[-1]}: a quarter turn "
                         "would change their shape")
    images = torch.cat([torch.rot90(x, k, dims=(-2, -1)) for k in range(4)])  # (4N, C, H, W)
    labels = torch.arange(4, device=x.device).repeat_interleave(x.shape[0])  # 0..0 1..1 2..2 3..3
    return images, labels
    ### END SOLUTION


check("09.rotate_batch", rotate_batch)

# %%
rotate_batch = use_reference_if_unsolved("09.rotate_batch", rotate_batch)

# %% [markdown]
# ## Exercise 09.jigsaw
#
# The jigsaw task needs a fixed set of permutations of the tiles; the label is a
# permutation's row in that set. `jigsaw_permutations(num_tiles, num_perms, seed)` (in
# `ssl_course/pretext/jigsaw.py`) builds one greedily, as Noroozi & Favaro do: a random first
# permutation, then each next one as far as possible (in Hamming distance: the number of
# positions where two permutations differ) from the nearest one already chosen.
#
# Write `jigsaw(x, grid, permutations, generator=None)`: cut every image of `x` `(N, C, H,
# W)` into `grid x grid` tiles of `(H / grid) x (W / grid)` pixels (tiles need not be
# square), numbered row by row ($t = r \cdot \text{grid} + c$ for row $r$, column $c$).
# Draw each image's label with **one** call,
# `torch.randint(P, (N,), generator=generator, device="cpu")` ($P$ = the number of rows of
# `permutations`), and move the labels to `x`'s device. Return `(shuffled, labels)`:
# `shuffled` of shape `(N, grid*grid, C, H/grid, W/grid)` in `x`'s dtype, where position $t$
# of image $i$ holds tile `permutations[labels[i], t]` of image $i$; `labels` `(N,)` `int64`.

# %%
def jigsaw(x: torch.Tensor, grid: int, permutations: torch.Tensor,
           generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """x: (N, C, H, W), permutations: (P, grid*grid) -> shuffled tiles (N, grid*grid, C, H/grid, W/grid)
    and labels (N,) int64, the row of `permutations` used for each image."""
    ### BEGIN SOLUTION
    n, c, h, w = x.shape
    th, tw = h // grid, w // grid
    labels = torch.randint(len(permutations), (n,), generator=generator, device="cpu").to(x.device)
    tiles = x.reshape(n, c, grid, th, grid, tw).permute(0, 2, 4, 1, 3, 5).reshape(n, grid * grid, c, th, tw)
    order = permutations.to(device=x.device, dtype=torch.int64)[labels]  # (N, T): position t takes tile order[:, t]
    shuffled = tiles.gather(1, order[:, :, None, None, None].expand(-1, -1, c, th, tw))
    return shuffled, labels
    ### END SOLUTION


check("09.jigsaw", jigsaw)

# %%
jigsaw = use_reference_if_unsolved("09.jigsaw", jigsaw)

# %% [markdown]
# What the greedy set buys: the permutations of Noroozi & Favaro's 100-class task are far
# apart, where 100 permutations drawn at random include near-duplicates (two permutations
# that differ by one swapped pair are almost the same puzzle, and an almost useless pair of
# classes). Below, one digit cut into a 2x2 grid and shuffled by your `jigsaw`.

# %%
def min_hamming(perms):
    """The smallest Hamming distance between two different rows of perms (P, T)."""
    dist = (perms[:, None] != perms[None]).sum(dim=2)
    return int(dist.masked_fill(torch.eye(len(perms), dtype=torch.bool), perms.shape[1]).min())


greedy = jigsaw_permutations(9, 100, seed=0)
random_set = torch.stack([torch.randperm(9, generator=torch.Generator().manual_seed(s)) for s in range(100)])
print(f"100 permutations of 9 tiles: smallest Hamming distance {min_hamming(greedy)} (greedy set), "
      f"{min_hamming(random_set)} (drawn at random)")
if not quick_mode():
    assert min_hamming(greedy) > min_hamming(random_set)

perms_4 = jigsaw_permutations(4, 24, seed=0)  # 2x2 grid: all 24 orders of 4 tiles
shuffled, labels = jigsaw(x_dig[:6], 2, perms_4, torch.Generator().manual_seed(0))
fig, axes = plt.subplots(2, 6, figsize=(9, 3.2))
for i in range(6):
    axes[0, i].imshow(x_dig[i, 0], cmap="gray_r")
    axes[1, i].imshow(untile(shuffled[i:i + 1], 2)[0, 0], cmap="gray_r")
    axes[1, i].set_title(f"label {int(labels[i])}: {perms_4[labels[i]].tolist()}", fontsize=7)
for ax in axes.flat:
    ax.set(xticks=[], yticks=[])
axes[0, 0].set_ylabel("digit")
axes[1, 0].set_ylabel("shuffled")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## The headline experiment: RotNet on `digits`, and the wrong answer beside it
#
# Three seeds of each run described above. **Bars** (set before measuring, from the
# syllabus): the probe on RotNet's **middle** layer beats the same layer of the same network
# untrained by $\ge 1.5$ points **on every seed**, and beats raw pixels by $\ge 4$ points on
# average. And the claim about the last layer: its probe falls below the untrained network's
# on every seed.

# %%
labels = y_dig[:BATCH]  # left behind by an earlier cell: the class labels of the first batch


def rotation_targets(views, idx):
    return rotate_batch(views)  # (4B, 1, 8, 8), (4B,) labels made from the images


def seed_loop_targets(views, idx):
    return views, labels  # the seed's loop in a notebook: the stale `labels`, every step


def true_label_targets(views, idx):
    return views, y_dig[idx]  # the "fix": every image's class label; no longer unsupervised


RUNS = {"RotNet (rotation labels)": (rotation_targets, 4), "seed's loop (stale labels)": (seed_loop_targets, 10),
        "the 'fix': true labels (1,257 used)": (true_label_targets, 10)}
UNTRAINED = "untrained (same initial weights)"
results = {name: {"middle": [], "last": []} for name in [*RUNS, UNTRAINED]}
rotnets = {}


def run(name, seed):
    """Train one kind of target for one seed and probe it (and, for RotNet, its untrained twin)."""
    make_targets, classes = RUNS[name]
    encoder, untrained, head = train_encoder(make_targets, classes, seed)
    pairs = [(name, encoder)] + ([(UNTRAINED, untrained)] if name.startswith("RotNet") else [])
    for key, model in pairs:
        for layer, acc in zip(("middle", "last"), probe_layers(model)):
            results[key][layer].append(acc)
    if name.startswith("RotNet"):
        rotnets[seed] = (encoder, head)


run("RotNet (rotation labels)", SEEDS[0])  # one seed a cell: each cell stays short on a busy CPU

# %%
run("RotNet (rotation labels)", SEEDS[1])

# %%
run("RotNet (rotation labels)", SEEDS[2])

# %%
for seed in progress_bar(SEEDS, desc="the wrong answer and its 'fix', 3 seeds"):
    for name in list(RUNS)[1:]:
        run(name, seed)
results = {name: {layer: torch.tensor(v) for layer, v in r.items()} for name, r in results.items()}
raw_acc = five_label_accuracy(nn.Flatten())

print(f"5 labels/class, linear probe, mean ± std over seeds {SEEDS} ({EPOCHS} epochs each):")
print(f"  {'raw pixels (no training)':40s} {raw_acc:.1%}")
print(f"  {'':40s} {'middle layer':>16s} {'last layer':>16s}")
for name, r in results.items():
    print(f"  {name:40s} " + "  ".join(f"{r[k].mean():7.1%} ± {r[k].std():4.1%}" for k in ("middle", "last")))

# %%
rot, untrained_r = results["RotNet (rotation labels)"], results[UNTRAINED]
stale, true_labels = results["seed's loop (stale labels)"], results["the 'fix': true labels (1,257 used)"]
middle_gain = rot["middle"] - untrained_r["middle"]  # (seeds,), paired: same initial weights
last_gain = rot["last"] - untrained_r["last"]
print("RotNet - untrained, per seed (points): middle " + ", ".join(f"{100 * g:+.1f}" for g in middle_gain)
      + "; last " + ", ".join(f"{100 * g:+.1f}" for g in last_gain))
print(f"RotNet middle - raw pixels: {100 * (rot['middle'].mean() - raw_acc):+.1f} points")
bar("09.middle_vs_untrained_worst_seed", middle_gain.min().item(), ">=", 0.015)
bar("09.middle_vs_pixels", rot["middle"].mean().item() - raw_acc, ">=", 0.04,
    shortfall="RotNet's middle layer beats raw pixels on every seed, by 3-4 points on average: a sweep of "
              "width (16-32-64, 32-64-128), epochs (10-20), one-pixel shifts or none, and the middle layer's "
              "pooling (flat, 2x2 average or max, global) never cleared 4 points over 3 seeds by a margin")
if not quick_mode():
    assert (rot["middle"] > raw_acc).all()  # every seed beats raw pixels
bar("09.last_vs_untrained_worst_seed", last_gain.max().item(), "<", 0.0)

fig, ax = plt.subplots(figsize=(9, 3.4))
names = list(results)
for j, layer in enumerate(("middle", "last")):
    means = [100 * results[n][layer].mean().item() for n in names]
    stds = [100 * results[n][layer].std().item() for n in names]
    ax.bar([i + 0.38 * j for i in range(len(names))], means, 0.38, yerr=stds, capsize=3, label=f"{layer} layer")
ax.axhline(100 * raw_acc, color="gray", ls=":", label="raw pixels")
ax.set(xticks=[i + 0.19 for i in range(len(names))], xticklabels=names, ylabel="5-label probe accuracy (%)",
       ylim=(40, 100), title="digits: what each encoder's features are worth (3 seeds)")
ax.tick_params(axis="x", labelsize=7)
ax.legend(fontsize=7)
plt.tight_layout()
plt.show()

# %% [markdown]
# **What the runs show.**
#
# - **RotNet's middle layer** beats the same layer of the untrained network on every seed
#   (the per-seed gains are printed above; the comparison is paired: the same initial
#   weights) and beats raw pixels on every seed, with no label used before the probe; but
#   not by the 4 points the syllabus asks over pixels (the bar above is NOT MET, with why).
# - **Its last layer** is *worse* than the untrained network's on every seed: trained to say
#   which way is up, it keeps what tells rotations apart and drops the rest. A RotNet's
#   features are taken from the middle.
# - **The seed's loop in a notebook**: with stale labels every batch is asked for the same 64
#   targets whatever its images, so there is nothing about the images to learn. Its middle
#   layer probes no better than the untrained network's (the cell below).
# - **The "fix"** (the true labels) gives by far the best features, because it is supervised
#   pre-training with all 1,257 labels, 25 times the 50 that the probe is allowed. That is a
#   fair comparison only for a question nobody asked here.

# %%
stale_vs_untrained = stale["middle"] - untrained_r["middle"]
print(f"seed's loop - untrained, middle layer: {100 * stale_vs_untrained.mean():+.1f} ± "
      f"{100 * stale_vs_untrained.std():.1f} points; RotNet - seed's loop: "
      f"{100 * (rot['middle'] - stale['middle']).mean():+.1f} points")
if not quick_mode():
    assert stale["middle"].mean() <= untrained_r["middle"].mean()  # "no better than the untrained network"
    assert (rot["middle"] - stale["middle"]).min() > 0  # RotNet beats the stale-label loop on every seed
    assert true_labels["middle"].mean() - true_labels["middle"].std() > rot["middle"].mean() + rot["middle"].std()

# %% [markdown]
# ## The shortcut, and the ambiguity
#
# **Blank border columns give quarter turns away.** The 8x8 digits are drawn with ink in the
# top and bottom rows but almost none in the outer columns. A quarter turn moves the blank
# columns to the top and bottom. One number, the ink in the two border columns against the
# ink in the two border rows, tells $\{0°, 180°\}$ from $\{90°, 270°\}$ without looking at the
# digit at all. Below, that rule on the rotated test set, and where RotNet (seed 0) makes its
# mistakes.

# %%
x_rot, k_rot = rotate_batch(x_dig_test)  # (4M, 1, 8, 8), (4M,)
ink_cols = x_rot[:, 0, :, [0, -1]].sum(dim=(1, 2))
ink_rows = x_rot[:, 0, [0, -1], :].sum(dim=(1, 2))
rule = (ink_rows < ink_cols).long()  # 1: "a quarter turn", from the border alone
border_acc = (rule == k_rot % 2).float().mean().item()
print(f"ink per column, averaged over the test digits: {[round(v, 2) for v in x_dig_test[:, 0].mean(dim=(0, 1)).tolist()]}")
print(f"border rule, quarter turn or not: {border_acc:.1%} right on {len(k_rot)} rotated test images")

encoder, head = rotnets[0]
with torch.no_grad():
    pred = head(features(encoder, x_rot).to(device())).argmax(dim=1).cpu()
digit = y_dig_test.repeat(4)  # the class of every rotated test image
axis_acc = (pred % 2 == k_rot % 2).float().mean().item()
upright_or_flipped = k_rot % 2 == 0  # shown at 0 or 180 degrees
half_turn_errors = torch.stack([(pred[(digit == d) & upright_or_flipped] == 2 - k_rot[(digit == d) & upright_or_flipped])
                                .float().mean() for d in range(10)])  # 0 <-> 180 mistaken
print(f"RotNet, seed 0: 4-way accuracy {(pred == k_rot).float().mean():.1%}; quarter turn or not {axis_acc:.1%}")
print("images shown at 0 or 180 degrees, taken for the other half turn, by digit: "
      + ", ".join(f"{d}: {e:.0%}" for d, e in enumerate(half_turn_errors.tolist())))
worst3 = set(half_turn_errors.argsort(descending=True)[:3].tolist())
# How far each digit is from its own half turn: mean |x - rot180(x)| over its test images
asymmetry = torch.stack([(x_dig_test[y_dig_test == d] - x_dig_test[y_dig_test == d].flip(-2, -1)).abs().mean()
                         for d in range(10)])
symmetric4 = set(asymmetry.argsort()[:4].tolist())
print(f"the three most confused digits: {sorted(worst3)}; the four nearest to their own half turn: {sorted(symmetric4)}")
if not quick_mode():
    assert border_acc > 0.99
    assert axis_acc > 0.99
    assert {0, 8} <= worst3 <= symmetric4

fig, axes = plt.subplots(1, 4, figsize=(8, 2.3))
example = x_dig_test[(y_dig_test == 0).nonzero()[0, 0]][None]
for k, ax in enumerate(axes):
    ax.imshow(torch.rot90(example, k, dims=(-2, -1))[0, 0], cmap="gray_r")
    ax.set(title=f"{90 * k} degrees", xticks=[], yticks=[])
plt.suptitle("a 0 at four rotations: the border gives 90 and 270 away; 0 and 180 look alike", fontsize=9)
plt.tight_layout()
plt.show()

# %% [markdown]
# So the rotation task on `digits` is really two tasks. Half of it (quarter turn or not) is
# solved from the border, a shortcut that needs no digit shape. The other half (0° against
# 180°, 90° against 270°) needs the shape, and is ambiguous for the digits that a half turn
# maps nearly onto themselves: the three most often confused are all among the four digits
# nearest to their own half turn, 0 and 8 among them (printed above). The syllabus expected
# 0, 1 and 8; here the 1 (often drawn with a slant and a base) is confused less than the 5,
# whose S-like shape survives a half turn. What RotNet learns about digits comes from the
# second half of the task, on the digits that are not symmetric.
#
# ## Reading the results honestly
#
# - **The gains are small.** RotNet's middle layer beats the untrained network by a few
#   points (printed above): an untrained CNN is already a fair feature extractor for 8x8
#   digits, its middle layer within a few points of raw pixels with 5 labels per class. The
#   syllabus's earlier bar of 15 points over random init was out of reach for that reason.
# - **Which layer, which pooling.** We chose the middle layer and its 2x2 pooling before the
#   final runs, by the paper's finding and a scratch sweep on these seeds; other poolings of
#   the same layer give other numbers, and we did not tune the probe. A middle layer is the
#   right place for RotNet's features, but "which layer" is itself a choice made with labels.
# - **The shortcut is in the data, not the method.** The border cue exists because `digits`
#   centres narrow digits in a square; on natural photographs a quarter turn has no such
#   giveaway, and Gidaris et al. report large gains (on ImageNet and PASCAL VOC) that this
#   small setting cannot show.
# - **The recipe was chosen.** The one-pixel shifts, the width of the network and the
#   number of epochs were picked in scratch runs with these same seeds; the numbers belong to
#   this recipe, and this notebook does not measure how they move without the shifts.
# - **Jigsaw is not trained here.** The exercise builds the task; on 8x8 digits a 2x2 jigsaw
#   has tiles of 4x4 pixels, and the continuity of strokes across tile edges is a shortcut of
#   the kind Noroozi & Favaro remove by leaving gaps between tiles. We do not measure it.

# %% [markdown]
# ## Interview drill

# %%
quiz("09.q1")

# %%
quiz("09.q2")

# %%
quiz("09.q3")

# %%
quiz("09.q4")

# %%
quiz("09.q5")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>Why does RotNet feed all four rotations of an image in the same batch,
# rather than one random rotation per image?</summary>
#
# The four rows of one image differ only in the rotation, so the loss compares the network's
# answers on exactly the same content: what changes the prediction can only be the
# orientation. Gidaris et al. report that it trains better than one random rotation per
# image. It also makes each batch balanced over the four classes. This chapter uses the four
# rotations per image and does not measure the alternative.
# </details>
#
# <details><summary>You design a new pretext task. How do you check, before a long
# training run, that it can teach something?</summary>
#
# Look for shortcuts and ambiguities first: a simple rule on low-level statistics (borders,
# colour fringes, compression artefacts, tile edges) that solves the task, as the border
# rule does here; and inputs for which the task has no answer (symmetric digits under a half
# turn). Then train briefly and probe several layers with few labels against the same
# network untrained: a pretext task that is solved quickly while the probe does not move has
# found a shortcut.
# </details>
#
# <details><summary>How does a pretext task differ from a contrastive method such as
# SimCLR (chapter 05)?</summary>
#
# A pretext task predicts a property of the transformation (which rotation, which
# permutation), so the features must stay *sensitive* to it. A contrastive method asks the
# features to be *invariant* to its augmentations and to tell images apart. The choice of
# transformation plays opposite roles: rotation is a useful pretext for digits, but a bad
# augmentation for a contrastive method on digits (a 6 turned is a 9).
# </details>
#
# ## Summary
#
# - A pretext task makes labels from the data (the rotation applied, the permutation of the
#   tiles) and trains an ordinary classifier on them; the encoder is kept and probed with few
#   labels.
# - `rotate_batch`: all four quarter turns of every image, exact (`torch.rot90`), in blocks,
#   with matching labels; non-square images are refused. `jigsaw`: row-major tiles gathered
#   in the order of a permutation drawn from a fixed, far-apart set.
# - On `digits` with 5 labels per class, RotNet's middle layer beat the untrained network on
#   every seed and beat raw pixels, by less than the 4 points asked; its last layer fell below
#   the untrained network: features specialise to the pretext.
# - The seed's "unsupervised" loop trains on labels that do not exist: a `NameError` in a
#   script, stale targets in a notebook (no better than the untrained network), or, "fixed"
#   with the true labels, supervised pre-training with every label.
# - Pretext tasks have shortcuts (here, the blank border columns give quarter turns away) and
#   ambiguities (0 and 8, and the S-like 5, look alike after a half turn).
#
# ## References
#
# - S. Gidaris, P. Singh, N. Komodakis. *Unsupervised Representation Learning by Predicting
#   Image Rotations* (RotNet), ICLR 2018.
# - M. Noroozi, P. Favaro. *Unsupervised Learning of Visual Representations by Solving Jigsaw
#   Puzzles*, ECCV 2016.
# - C. Doersch, A. Gupta, A. A. Efros. *Unsupervised Visual Representation Learning by Context
#   Prediction*, ICCV 2015.
# - A. Kolesnikov, X. Zhai, L. Beyer. *Revisiting Self-Supervised Visual Representation
#   Learning*, CVPR 2019 (which layer, which architecture: the answer changes with both).
