# %% [markdown]
# # 04 · Why augmentation matters: shortcuts, measured
#
# > **问题：** 数据增强在自监督学习中有何重要性？请讨论其作用和效果。
# >
# > **Question:** Why is data augmentation important in self-supervised learning? Discuss its
# > role and its effect.
#
# **Model answer.** In supervised learning augmentation is a regulariser; in contrastive
# self-supervised learning it is the **definition of the task**. The encoder learns to match
# two views of one image against the views of the other images, so it learns whatever is
# cheapest among the things the augmentation leaves unchanged. If a trivial feature, such as
# an image's exact colour, already identifies it in the batch, the network can meet the loss
# with that **shortcut**, and nothing in the loss asks for more; colour distortion is there to
# remove it, which is why SimCLR found the composition of cropping and colour distortion to
# stand out. Augmentation is not "the more the better": each operation declares a nuisance,
# and an invariance can cost accuracy, by how much depending on the data and the encoder.
# Which operations help is an empirical question, answered with an ablation; and the story
# you tell about its result is a second hypothesis, to be tested in turn.

# %%
import functools

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

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
from ssl_course.augment.batch import batch_augment, policy
from ssl_course.augment.color import grayscale, hsv_to_rgb, rgb_to_hsv
from ssl_course.contrastive.simclr import train_simclr
from ssl_course.data.shapes import shapes
from ssl_course.evaluate.probes import features, linear_probe
from ssl_course.models.encoders import ConvEncoder, MLPEncoder

seed_everything(0)
print("device:", device())

# %% [markdown]
# ## Theory
#
# Let $\mathcal T$ be the augmentation family and $v = t(x)$, $v' = t'(x)$ two views. With
# enough negatives, InfoNCE is minimised by any encoder $f$ whose features identify **which
# image** a view came from, using only what $t$ and $t'$ leave intact. Formally, the loss
# bounds the mutual information $I(f(v); f(v'))$, and every bit of it must come from
# information shared by the two views. Two consequences:
#
# 1. **Shortcuts.** Suppose a cheap feature $c(x)$ (the mean colour, say) is unchanged by
#    $\mathcal T$ and nearly unique per image. Then $f = c$ already tells each positive apart
#    from the $2N-2$ negatives, the loss can be made low with $c$ alone, and nothing in it
#    asks for anything else, such as the object's shape. The cure is to put the shortcut into
#    $\mathcal T$: with colour distortion, $c(v) \ne c(v')$, and the encoder must look for
#    something that survives.
# 2. **Wrong invariances.** If $\mathcal T$ changes a factor $y$ the downstream task needs,
#    the optimal encoder is invariant to $y$ and throws it away. Tian et al. (2020) call the
#    sweet spot **InfoMin**: views that share as little as possible, except the task-relevant
#    information, $I(v; v') \approx I(x; y)$.
#
# So "more diversity" is not a goal. Each operation trades a shortcut removed against
# information lost, and the trade depends on the data, the encoder and the task.

# %% [markdown]
# ## The data and its shortcut
#
# `shapes` is built to contain the shortcut: each image's hue is its named colour plus a
# random offset, with random saturation and brightness, so the exact colour nearly
# identifies an image within a batch. The downstream task is the **shape** (4 classes,
# independent of the colour), and the factors are known, so we can probe for it.
#
# How strong is the shortcut? Take a hand-made colour feature with no learning at all, the
# brightness-weighted mean RGB of an image (three numbers), and a classifier with nothing to
# tune, so that whatever it finds is in the feature and not in the classifier: the **nearest
# class mean**. You write that classifier first.

# %%
n_train, n_test = scaled(2048, 512), scaled(1024, 512)
train, test = shapes(n_train, 16, seed=0), shapes(n_test, 16, seed=1)  # independent draws


def colour_feature(v):
    """(N, 3, H, W) -> (N, 3): mean RGB weighted by brightness, unit length."""
    w = v.amax(dim=1, keepdim=True)
    return F.normalize((v * w).sum(dim=(2, 3)) / w.sum(dim=(2, 3)).clamp_min(1e-6), dim=1)


# %% [markdown]
# ## Exercise 04.nearest_class_mean
#
# Write `nearest_class_mean(train_feats, y_train, test_feats)`, the classifier that
# predicts, for each test row, the label of the nearest class mean:
#
# - `train_feats`: `(N, D)` floats; `y_train`: `(N,)` non-negative integer labels;
#   `test_feats`: `(M, D)` floats;
# - the classes are the distinct labels that occur in `y_train` (a label that never occurs is
#   no class); each class's mean is the average of its training rows;
# - each test row gets the label of the class whose mean is nearest in **Euclidean**
#   distance; on a tie the **smallest label** wins;
# - compute in the features' dtype (float64 stays float64); return `(M,)` labels with
#   `y_train`'s dtype, on the inputs' device.

# %%
def nearest_class_mean(train_feats, y_train, test_feats):
    """train_feats: (N, D), y_train: (N,) int labels, test_feats: (M, D) -> (M,) labels, y_train's dtype."""
    ### BEGIN SOLUTION
    classes, index = torch.unique(y_train, sorted=True, return_inverse=True)  # (C,), (N,): label -> class
    sums = torch.zeros(len(classes), train_feats.shape[1], dtype=train_feats.dtype, device=train_feats.device)
    counts = torch.bincount(index, minlength=len(classes)).to(train_feats.dtype)  # (C,), each >= 1
    means = sums.index_add_(0, index, train_feats) / counts[:, None]  # (C, D)
    squared = ((test_feats[:, None, :] - means[None]) ** 2).sum(dim=2)  # (M, C), no cancellation
    return classes[squared.argmin(dim=1)]  # argmin returns the first minimum: the smallest label
    ### END SOLUTION


check("04.nearest_class_mean", nearest_class_mean)

# %%
nearest_class_mean = use_reference_if_unsolved("04.nearest_class_mean", nearest_class_mean)

# %% [markdown]
# **The shortcut on the contrastive task.** In each batch of 256 training images, make two
# views of every image; view 1 of image $i$ is the only member of class $i$, and view 2 is
# classified by its nearest class mean. The share of views assigned to their own image is
# how well colour alone solves the contrastive task (chance: 1 in 256). With crops only,
# then with colour distortion added:

# %%
def partner_found(flags, batch_size=256, seed=0):
    """Share of second views whose nearest first view, by colour feature, is their own image's."""
    g = torch.Generator().manual_seed(seed)
    found = []
    for i in range(0, len(train.images) - batch_size + 1, batch_size):
        xb = train.images[i:i + batch_size]
        view1, view2 = colour_feature(batch_augment(xb, g, **flags)), colour_feature(batch_augment(xb, g, **flags))
        image = torch.arange(len(xb))  # one class per image
        found.append((nearest_class_mean(view1, image, view2) == image).double().mean())
    return torch.stack(found).mean().item()


found = {name: partner_found(policy(name)) for name in ["crop", "crop+color"]}
found["crop+color, always jittered"] = partner_found({**policy("crop+color"), "p_jitter": 1.0})
for name, share in found.items():
    print(f"views made with {name:28s}: colour alone finds the partner of {share:6.1%} (chance {1 / 256:.1%})")

# %% [markdown]
# **The shortcut on the downstream task.** The same feature and classifier, fitted on the
# training images and scored on the test images, for the colour name and for the shape:

# %%
colour_train, colour_test = colour_feature(train.images), colour_feature(test.images)
by_colour = {factor: (nearest_class_mean(colour_train, getattr(train.factors, factor), colour_test)
                      == getattr(test.factors, factor)).double().mean().item() for factor in ("colour", "shape")}
print(f"colour feature -> colour name: {by_colour['colour']:.1%}, -> shape: {by_colour['shape']:.1%} (chance 25%)")
if not quick_mode():
    assert found["crop"] > 0.95 and found["crop+color"] < 0.1  # the shortcut, then (mostly) gone
    assert found["crop+color, always jittered"] < 0.5 * found["crop+color"]
    assert by_colour["colour"] > 0.95 and abs(by_colour["shape"] - 0.25) < 0.05

# %% [markdown]
# With crops only, three numbers of colour find the partner of (nearly) every view among 256:
# a network can meet the contrastive loss without ever looking at the shape, and that feature
# predicts the colour name perfectly and the shape at chance. This is a **shortcut** in the
# sense of Geirhos et al. (2020): a decision rule that solves the task as posed (here the
# contrastive task) without the ability it was meant to teach (seeing the shape), and so
# does not transfer to the task we care about. Colour distortion takes most of it away; most
# of what is left comes from the 20% of views that `batch_augment` leaves unjittered
# (`p_jitter = 0.8`, SimCLR's value): jittering every view cuts it by more than half.

# %% [markdown]
# ## Exercise 04.color_distortion
#
# Write SimCLR's colour distortion for a batch `x` of shape `(N, 3, H, W)` in $[0, 1]$, with
# its random factors **passed in**, one per image (the random draws live in `batch_augment`;
# with the factors given, the function is deterministic and testable):
#
# - `brightness`, `contrast`, `saturation`: `(N,)` factors, 1 = unchanged;
# - `hue`: `(N,)` shifts in turns of the colour wheel, 0 = unchanged;
# - `gray`: `(N,)` bool, True where the image is turned to grayscale at the end.
#
# In this order, clipping to $[0, 1]$ after each of the first three steps (torchvision's
# formulas, chapter 02's theory): $x \leftarrow b\,x$; blend with the image's mean luma,
# $x \leftarrow c\,x + (1-c)\,\overline{Y(x)}$ (one number per image); blend with the
# grayscale image, $x \leftarrow \sigma x + (1-\sigma) Y(x)$; add the hue shift in HSV;
# then grayscale where `gray`. You may use `grayscale(x)` (luma, as 3 equal channels),
# `rgb_to_hsv` and `hsv_to_rgb` (channels in $[0, 1]$, hue wraps around) from
# `ssl_course.augment`.

# %%
def color_distortion(x, brightness, contrast, saturation, hue, gray):
    """x: (N, 3, H, W) in [0, 1]; brightness, contrast, saturation, hue: (N,); gray: (N,) bool."""
    ### BEGIN SOLUTION
    def per_image(f):
        return f.view(-1, 1, 1, 1)

    x = (x * per_image(brightness)).clamp(0, 1)
    mean_luma = grayscale(x)[:, :1].mean(dim=(1, 2, 3), keepdim=True)  # (N, 1, 1, 1)
    x = (per_image(contrast) * x + (1 - per_image(contrast)) * mean_luma).clamp(0, 1)
    x = (per_image(saturation) * x + (1 - per_image(saturation)) * grayscale(x)).clamp(0, 1)
    h, s, v = rgb_to_hsv(x).unbind(dim=1)
    x = hsv_to_rgb(torch.stack([h + hue.view(-1, 1, 1), s, v], dim=1))
    return torch.where(per_image(gray), grayscale(x), x)
    ### END SOLUTION


check("04.color_distortion", color_distortion)

# %%
color_distortion = use_reference_if_unsolved("04.color_distortion", color_distortion)

# %% [markdown]
# Each factor on its own, on six training images (the factors are SimCLR's extremes for
# strength 1: 0.2 and 1.8 for the blends, a quarter turn for the hue):

# %%
imgs = train.images[:6]
one, zero, no = torch.ones(6), torch.zeros(6), torch.zeros(6, dtype=torch.bool)
rows = {
    "original": (one, one, one, zero, no),
    "brightness 0.2": (0.2 * one, one, one, zero, no),
    "brightness 1.8": (1.8 * one, one, one, zero, no),
    "contrast 0.2": (one, 0.2 * one, one, zero, no),
    "saturation 0.2": (one, one, 0.2 * one, zero, no),
    "hue +0.25": (one, one, one, 0.25 * one, no),
    "grayscale": (one, one, one, zero, ~no),
}
fig, axes = plt.subplots(len(imgs), len(rows), figsize=(len(rows) * 1.0, len(imgs) * 1.0))
for c, (label, factors) in enumerate(rows.items()):
    out = color_distortion(imgs, *factors)
    for r in range(len(imgs)):
        axes[r, c].imshow(out[r].permute(1, 2, 0).numpy(), interpolation="nearest")
        axes[r, c].set_xticks([])
        axes[r, c].set_yticks([])
    axes[0, c].set_title(label, fontsize=7)
plt.show()

# %% [markdown]
# ## The common wrong answer: "more diversity is better"
#
# The typical interview answer lists three benefits, more diversity, less overfitting, better
# generalisation, and stops there. Its code is chapter 02's ImageNet recipe (a random resized
# crop and ImageNet normalisation): **no colour distortion at all**, so on data like ours it
# leaves the shortcut wide open. And none of the three claims is measured. Taken at its word,
# "more diversity is better" predicts that every added operation helps: training with crops
# should beat an untrained encoder, and crop+colour should beat colour alone. Let us test
# that prediction.

# %% [markdown]
# ## Headline experiment: the ablation
#
# Three augmentation policies, crop, colour and crop+colour, everything else fixed: SimCLR
# (`train_simclr`, NT-Xent, temperature 0.2, Adam 1e-3, batch 256, 20 epochs) trains an MLP
# encoder 768 -> 512 -> 256 on 2,048 unlabelled training images; then a linear probe
# (`evaluate.linear_probe`) on the frozen 256-d features predicts the **shape** of 1,024
# independent test images (chance 25%). Each runs on seeds 0, 1 and 2. `batch_augment` draws
# its random numbers in the same order whatever the switches, so within one seed the
# settings share their initial weights and their crops and differ only in the operations
# switched on: differences are paired by seed. For reference: the same probe on the
# untrained encoder of each seed, and how often colour alone finds the partner view
# (`partner_found`, above) under each policy. (No augmentation at all, one view used twice,
# is chapter 02's wrong answer; flip and grayscale are left out to keep the time budget for
# the test that follows.)
# **Bar:** crop+colour beats crop alone by >= 10 points (mean over three seeds).

# %%
SETTINGS = ["crop", "color", "crop+color"]
SEEDS = [0, 1, 2]
epochs = scaled(20, 2)


def probe(encoder):
    return linear_probe(features(encoder, train.images), train.factors.shape,
                        features(encoder, test.images), test.factors.shape)


def pretrain(make_encoder, name, seed, epochs):
    """SimCLR on augmentation policy `name`; returns (shape probe accuracy, final epoch's loss)."""
    seed_everything(seed)  # the same initial weights for every setting of one seed
    encoder = make_encoder()
    history = train_simclr(encoder, train.images, functools.partial(batch_augment, **policy(name)), epochs=epochs,
                           batch_size=256, lr=1e-3, temperature=0.2, seed=seed, progress=False)
    return probe(encoder), history["epoch_loss"][-1]


def untrained(make_encoder, seed):
    seed_everything(seed)
    return probe(make_encoder())


def beyond_spread(a, b):
    """True when runs a: (S,) beat runs b: (S,) by more than their two standard deviations added."""
    return (a.mean() - b.mean()).item() > (a.std() + b.std()).item()


def mean_std(runs):
    return f"{100 * runs.mean():5.1f} ± {100 * runs.std():3.1f}"


def mlp():
    return MLPEncoder(3 * 16 * 16, (512, 256))


jobs = [(name, seed) for seed in SEEDS for name in SETTINGS]
with Timer() as total:
    runs = {job: pretrain(mlp, *job, epochs) for job in progress_bar(jobs, desc="MLP pretraining")}
mlp_probe = {name: torch.tensor([runs[(name, s)][0] for s in SEEDS]) for name in SETTINGS}  # (3,) each
mlp_loss = {name: torch.tensor([runs[(name, s)][1] for s in SEEDS]) for name in SETTINGS}
mlp_random = torch.tensor([untrained(mlp, s) for s in SEEDS])
print(f"{len(jobs)} MLP trainings and probes in {total.seconds:.1f} s, {epochs} epochs each\n")
print(f"{'MLP':12s} {'shape probe, %':>14s} {'final loss':>12s} {'colour finds partner':>21s}")
print(f"{'untrained':12s} {mean_std(mlp_random):>14s} {'-':>12s} {'-':>21s}")
for name in SETTINGS:
    print(f"{name:12s} {mean_std(mlp_probe[name]):>14s} {mlp_loss[name].mean():6.3f} ± {mlp_loss[name].std():.3f} "
          f"{partner_found(policy(name)):21.1%}")

# %%
gap = mlp_probe["crop+color"] - mlp_probe["crop"]  # (3,): paired by seed
print(f"crop+colour - crop = {100 * gap.mean():.1f} ± {100 * gap.std():.1f} points over seeds {SEEDS}")
bar("04.crop_colour_minus_crop", gap.mean(), ">=", 0.10)
if not quick_mode():  # 2 quick epochs are too few for these claims
    assert beyond_spread(mlp_probe["crop+color"], mlp_probe["crop"])
    assert beyond_spread(mlp_random, mlp_probe["crop"]) and (mlp_probe["crop"] < mlp_random).all()
    assert beyond_spread(mlp_probe["color"], mlp_probe["crop+color"]) and (mlp_probe["color"] > mlp_probe["crop+color"]).all()
    assert mlp_loss["crop"].max() < mlp_loss["crop+color"].min() - 1  # the shortcut meets the loss

# %% [markdown]
# ## Testing the explanation: a convolutional encoder
#
# Colour alone beating crop+colour, beyond the spread over seeds (the table above), needs an
# explanation. The obvious
# one: an MLP has no built-in tolerance to shifts (no weights shared across positions), so
# matching the shifted and rescaled silhouettes of two crops is a harder task for it than 20
# epochs can solve, while colour-only views are pixel-aligned. That explanation makes a
# prediction we can test: give the encoder translation equivariance, and crops should cost
# little, so crop+colour should close the gap to colour alone or pass it.
# `ConvEncoder(3, (16, 32, 64))`, the small CNN of chapters 03 and 05 (3x3 convolutions,
# whose weights are shared across positions, then a global average pool that discards where
# a pattern sits), trains with the identical recipe on colour and on crop+colour, three
# seeds each. **To fit the time budget it trains for 10 epochs, not 20, on these two
# settings only**: per epoch it costs several times the MLP on a CPU (compare the printed
# times).

# %%
CNN_SETTINGS = ["color", "crop+color"]
cnn_epochs = scaled(10, 2)


def cnn():
    return ConvEncoder(3, (16, 32, 64))


with Timer() as total:
    cnn_runs = {(name, s): pretrain(cnn, name, s, cnn_epochs)
                for name, s in progress_bar([(n, s) for s in SEEDS for n in CNN_SETTINGS], desc="CNN pretraining")}
cnn_probe = {name: torch.tensor([cnn_runs[(name, s)][0] for s in SEEDS]) for name in CNN_SETTINGS}
cnn_random = torch.tensor([untrained(cnn, s) for s in SEEDS])
print(f"{len(cnn_runs)} CNN trainings and probes in {total.seconds:.1f} s, {cnn_epochs} epochs each\n")
print(f"{'shape probe, %':16s} {f'MLP, {epochs} epochs':>15s} {f'CNN, {cnn_epochs} epochs':>15s}")
for name, mlp_runs, cnn_runs_ in [("untrained", mlp_random, cnn_random),
                                  *[(n, mlp_probe[n], cnn_probe[n]) for n in CNN_SETTINGS]]:
    print(f"{name:16s} {mean_std(mlp_runs):>15s} {mean_std(cnn_runs_):>15s}")
mlp_gap = mlp_probe["color"] - mlp_probe["crop+color"]  # (3,): paired by seed
cnn_gap = cnn_probe["color"] - cnn_probe["crop+color"]
print(f"colour - crop+colour, per seed: MLP {[round(100 * g, 1) for g in mlp_gap.tolist()]}, "
      f"CNN {[round(100 * g, 1) for g in cnn_gap.tolist()]} points")

# %%
fig, ax = plt.subplots(figsize=(7, 3))
xs = torch.arange(len(SETTINGS), dtype=torch.float64)
ax.bar(xs - 0.2, [mlp_probe[n].mean().item() for n in SETTINGS], 0.4,
       yerr=[mlp_probe[n].std().item() for n in SETTINGS], color="tab:blue", label=f"MLP, {epochs} epochs")
cnn_x = [SETTINGS.index(n) + 0.2 for n in CNN_SETTINGS]
ax.bar(cnn_x, [cnn_probe[n].mean().item() for n in CNN_SETTINGS], 0.4,
       yerr=[cnn_probe[n].std().item() for n in CNN_SETTINGS], color="tab:orange", label=f"CNN, {cnn_epochs} epochs")
ax.axhline(mlp_random.mean().item(), color="tab:blue", ls="--", lw=1, label="untrained MLP")
ax.axhline(cnn_random.mean().item(), color="tab:orange", ls="--", lw=1, label="untrained CNN")
ax.axhline(0.25, color="k", ls=":", lw=1, label="chance 25%")
ax.set_xticks(xs.tolist(), SETTINGS)
ax.set_ylabel("shape probe accuracy (test)")
ax.set_ylim(0, 0.9)
ax.set_title("SimCLR on shapes: which augmentations teach the shape? (mean ± std over seeds)")
ax.legend(fontsize=6, loc="upper left", ncol=2)
plt.show()
if not quick_mode():
    assert beyond_spread(cnn_probe["crop+color"], cnn_random)  # the CNN learns the shape in 10 epochs
    assert cnn_gap.mean() > cnn_gap.std()  # and still does better with colour alone than with crop+colour
    assert beyond_spread(mlp_gap, cnn_gap)  # by less than the MLP,
    assert cnn_probe["crop+color"].mean() <= mlp_probe["crop+color"].mean()  # not with a better crop+colour
    assert beyond_spread(mlp_probe["color"], cnn_probe["color"])  # but with a worse colour alone

# %% [markdown]
# ### Reading the table honestly
#
# - **Crop alone is the worst setting, below the untrained encoder, in every seed.** Its views
#   keep the colour shortcut (the colour feature finds nearly every partner), so the loss is met by
#   colour: crop-only training ends at a far lower loss than crop+colour, with a worse
#   representation. Adding colour distortion to the same crops removes the shortcut and
#   gains more than the bar's 10 points (printed above, beyond the spread over seeds):
#   SimCLR's finding that composing crop and colour matters, reproduced on our data.
# - **Colour alone is the best setting, above crop+colour in every seed**, for the MLP by
#   a margin beyond the spread over seeds (printed above). The obvious explanation, the MLP's missing translation equivariance,
#   **does not survive the CNN test.** With shared convolutions and a global average pool,
#   the CNN also scores higher with colour alone than with crop+colour: the paired gap is
#   positive on average by more than its spread over seeds (the per-seed gaps are printed),
#   so the prediction "crop+colour catches up once shifts are cheap" failed. The CNN's gap is
#   smaller (a few points), but it comes from a lower colour-only score, not from a higher
#   crop+colour score (the CNN trained for half the MLP's epochs and has 64 features to its
#   256, so levels across the two encoders are indicative only; the within-encoder ordering is
#   the finding). What else could make crops cost here? Untested: the probe reads whole,
#   uncropped images, while crops of a 16x16 image (50-100% of its area) cut off parts of the
#   silhouette (chapter 02 measured how much) and blur it when resized back, so two crops
#   share less of the shape than two pixel-aligned colour views do. That is the next
#   prediction to test (with larger crops, or larger images), not a conclusion.
# - **This does not contradict SimCLR.** Chen et al. (2020, section 3 and Figure 5) always
#   crop first (ImageNet images differ in size) and apply the studied transformations to one
#   branch only, so their ablation has no colour-without-crop setting to compare with. What
#   they report is that no single transformation suffices and that crop + colour stands out
#   among the pairs, for a ResNet-50 on 224x224 ImageNet images.
#
# So the prediction of "more diversity is better" fails twice in this table (crop alone is
# below the untrained encoder, crop+colour below colour alone), and the obvious explanation
# of the second failure did not survive a test. Augmentation helps when it removes a
# shortcut and can cost when it adds an invariance: measure it, and test the story you tell
# about it.

# %% [markdown]
# ## Interview drill

# %%
quiz("04.q1")

# %%
quiz("04.q2")

# %%
quiz("04.q3")

# %%
quiz("04.q4")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>How would you find a data set's shortcuts before training?</summary>
#
# Measure, as above, how well cheap hand-made features (mean colour, a colour histogram,
# image statistics, a border or watermark) solve the contrastive task on augmented pairs,
# with a classifier that has nothing to learn (the nearest class mean). If a trivial feature
# finds the partner view far above chance, the augmentation leaves a shortcut open; if the
# same feature predicts the downstream label at chance, the shortcut teaches nothing useful.
# After training, probe the representation for the
# nuisance factors too (here: colour): a representation that predicts colour perfectly but
# shape poorly has taken the shortcut.
# </details>
#
# <details><summary>Colour alone beat crop+colour here; SimCLR says crop + colour stands out. Who is right?</summary>
#
# Both, because they measured different things. SimCLR's ablation always crops first and
# never trains colour without crops; on `shapes`, colour without crops won for an MLP and for
# a CNN alike. The tempting explanation, that only an MLP struggles with shifted crops, did
# not survive the CNN test above. When an ablation surprises you, write the explanation down
# as a prediction (here: "a translation-equivariant encoder closes the gap") and run it;
# next candidates here would be the crop scale (how much of the silhouette a crop keeps) and
# the image size.
# </details>
#
# <details><summary>If augmentation defines the task, can a method learn without hand-made augmentations?</summary>
#
# Partly: masked modelling (chapter 26, MAE) predicts hidden patches instead of matching
# views and needs only cropping and flipping; data2vec and I-JEPA predict representations of masked
# regions. The invariances then come from the masking pattern and the architecture instead
# of a colour-jitter recipe, but the choice of what to hide plays the same role.
# </details>
#
# ## Summary
#
# - In contrastive learning, augmentation defines what the encoder must ignore; the loss can
#   be met by the cheapest feature the augmentation leaves intact.
# - A shortcut (here the exact colour: with crops only, a nearest class mean on three colour
#   numbers finds (nearly) every partner among 256, and predicts the shape at chance) lets the loss be
#   met without learning the object; colour distortion removes most of it, and crop+colour
#   beats crop alone by more than the bar's 10 points on `shapes`, over three seeds.
# - "More diversity is better" is a claim to measure: crop alone scored below an untrained
#   encoder, and colour alone beat crop+colour, for an MLP (beyond the spread over seeds) and for a
#   small CNN (by a few), so the MLP's missing translation equivariance does not explain it.
# - Good views share the task-relevant information and as little else as possible (InfoMin);
#   what that means depends on the data, the encoder and the downstream task.
#
# ## References
#
# - T. Chen, S. Kornblith, M. Norouzi, G. Hinton. *A Simple Framework for Contrastive Learning
#   of Visual Representations* (SimCLR), ICML 2020 (section 3: composing augmentations).
# - Y. Tian, C. Sun, B. Poole, D. Krishnan, C. Schmid, P. Isola. *What Makes for Good Views for
#   Contrastive Learning?* NeurIPS 2020 (InfoMin).
# - T. Xiao, X. Wang, A. A. Efros, T. Darrell. *What Should Not Be Contrastive in Contrastive
#   Learning*, ICLR 2021.
# - R. Geirhos et al. *Shortcut Learning in Deep Neural Networks*, Nature Machine Intelligence,
#   2020.
# - K. He, X. Chen, S. Xie, Y. Li, P. Dollár, R. Girshick. *Masked Autoencoders Are Scalable
#   Vision Learners*, CVPR 2022.
