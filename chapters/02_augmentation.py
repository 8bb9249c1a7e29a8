# %% [markdown]
# # 02 · Data augmentation: making the positive pair
#
# > **问题：** 在自监督学习中，如何进行有效的数据增强？
# >
# > **Question:** How do you do data augmentation effectively in self-supervised learning?
#
# **Model answer.** In contrastive self-supervised learning the augmentation *is* the task:
# every image is turned into **two independent random views**, and the encoder is trained to
# recognise that they come from the same image. Whatever the augmentation changes, the encoder
# learns to ignore; whatever survives it, the encoder may use. SimCLR's recipe for images is a
# random resized crop, a horizontal flip, a strong colour jitter and a random grayscale (plus
# blur on large images). The parameters must fit the data: a crop that keeps 8% of a 16x16
# image often misses the object, and ImageNet's mean and standard deviation are not anyone
# else's. For speed, augment whole batches as tensors (on the GPU when there is one) rather
# than one PIL image at a time.

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from ssl_course import Timer, bar, check, device, quiz, scaled, seed_everything, use_reference_if_unsolved
from ssl_course.augment.batch import batch_augment
from ssl_course.augment.pil import TwoViews, simclr_transform
from ssl_course.data.shapes import COLOUR_NAMES, SHAPE_NAMES, shapes
from ssl_course.models.encoders import MLPEncoder
from ssl_course.models.heads import ProjectionHead

seed_everything(0)
torch.set_num_threads(1)  # small images and models: one thread is faster, and timings are fair
print("device:", device())

# %% [markdown]
# ## Theory
#
# A contrastive method draws two transformations $t, t' \sim \mathcal T$ from an augmentation
# family for every image $x$ and trains an encoder $f$ so that the views $v = t(x)$ and
# $v' = t'(x)$ land close together and far from the views of other images (chapter 01's
# InfoNCE). The only thing that tells $f$ what "the same" means is $\mathcal T$: the learned
# representation is (approximately) **invariant** to what $\mathcal T$ varies, and free to
# encode what it keeps. So choosing $\mathcal T$ is choosing the inductive bias.
#
# SimCLR (Chen et al., 2020) composes, per image and with independent random parameters:
#
# **Random resized crop.** Draw an area fraction and a log-uniform aspect ratio,
#
# $$s \sim \mathcal U(s_{\min}, s_{\max}), \qquad
#   \log r \sim \mathcal U(\log r_{\min}, \log r_{\max}), \qquad
#   w = \sqrt{s\,HW\,r}, \quad h = \sqrt{s\,HW / r},$$
#
# so that $wh = sHW$ and $w/h = r$; place the box uniformly inside the image and resize it
# back to the output size. The log-uniform ratio makes $r = 2$ and $r = 1/2$ equally likely.
# Two crops of one image may overlap a lot (global vs local view) or hardly at all (adjacent
# views): predicting one from the other forces the encoder to model the object, not a patch.
#
# **Horizontal flip** with probability $\tfrac12$.
#
# **Colour jitter** with probability $0.8$, factors $b, c, \sigma \sim \mathcal U(1-0.8s, 1+0.8s)$
# and hue shift $\delta \sim \mathcal U(-0.2s, 0.2s)$ for strength $s$, each step clipped to
# $[0, 1]$:
#
# $$x \leftarrow b\,x, \qquad x \leftarrow c\,x + (1-c)\,\overline{Y(x)}, \qquad
#   x \leftarrow \sigma\,x + (1-\sigma)\,Y(x), \qquad H \leftarrow H + \delta \pmod 1,$$
#
# where $Y(x) = 0.299R + 0.587G + 0.114B$ is the luma, $\overline{Y}$ its image mean, and $H$
# the hue in HSV. **Random grayscale** with probability $0.2$ replaces $x$ by $Y(x)$.
#
# Chen et al. found that no single operation is enough, and that **crop + colour** is the
# composition that matters most on ImageNet (chapter 04 measures why on our data).

# %% [markdown]
# ## The data
#
# `shapes`: 16x16 images of one coloured shape (circle, square, triangle, cross) on black, at
# a random size, position and rotation, with every generating factor known.

# %%
data = shapes(2048, 16, seed=0)
x = data.images  # (2048, 3, 16, 16) in [0, 1]
print(x.shape, x.dtype, f"range [{x.min():.2f}, {x.max():.2f}]")

# %% [markdown]
# ## The common wrong answer, part 1: one view only
#
# A typical interview answer builds a `Compose([...])` pipeline and applies it **once** to
# every image: `images_aug = [transform(img) for img in images]`. That is augmentation for
# supervised training. A contrastive loss needs a *pair*, and with one view the only positive
# left is the view itself. Then the task is solved before any training: even a **random**
# encoder matches every view to itself, and the loss has nothing to teach about what "the
# same image" means. Ask a **random** encoder, for each of the $2N$ views in a batch, whether
# its partner is the most similar of the $2N-1$ other views, first with one view used twice,
# then with two independent views:

# %%
torch.manual_seed(0)
encoder, head = MLPEncoder(3 * 16 * 16, (512, 256)).eval(), ProjectionHead(256, 256, 128).eval()
g = torch.Generator().manual_seed(0)
batch = x[:256]
v1, v2 = batch_augment(batch, g), batch_augment(batch, g)


def partner_found(a, b):
    """Share of the 2N views whose most similar other view is their partner; mean positive cosine."""
    with torch.no_grad():
        z = F.normalize(head(encoder(torch.cat([a, b]))), dim=1)  # (2N, 128)
    n = len(a)
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
    sim = (z @ z.T).fill_diagonal_(-2)  # never pick yourself
    return (sim.argmax(dim=1) == partner).float().mean().item(), sim[torch.arange(2 * n), partner].mean().item()


for name, (a, b) in {"one view, used twice": (v1, v1), "two independent views": (v1, v2)}.items():
    acc, cos = partner_found(a, b)
    print(f"{name:22s} random encoder finds the partner of {acc:6.1%} of the views "
          f"(mean positive cosine {cos:.3f})")
print(f"chance: 1 in {2 * len(batch) - 1}")

# %% [markdown]
# With one view, an untrained network already "finds" every positive (cosine exactly 1):
# there is no invariance to learn, only the negatives to push apart. With two views a random
# network is barely above chance, and closing that gap is the training signal. (Chapter 04's
# "none" setting trains this way, and its shape probe ends up close to a random encoder's.)

# %% [markdown]
# ## Exercise 02.two_views
#
# Write `two_views(x, augment, generator)` for a batch `x` of shape `(N, C, H, W)` and a
# batched augmentation `augment(x, generator) -> (N, C, H', W')` (such as `batch_augment`):
# return `(view1, view2)`, **two independent random views** of every image. Every random
# number must come from `generator`, and `view1` is drawn first, so one seed gives one pair.

# %%
def two_views(x: torch.Tensor, augment, generator: torch.Generator):
    """x: (N, C, H, W); augment(x, generator) -> a view -> (view1, view2), each (N, C, H', W')."""
    ### BEGIN SOLUTION
    return augment(x, generator), augment(x, generator)
    ### END SOLUTION


check("02.two_views", two_views)

# %% [markdown]
# ## Exercise 02.crop_box
#
# Write `crop_box(n, height, width, *, scale, ratio, generator)`: `n` random-resized-crop
# boxes for an image of `height` x `width` pixels, as an `(n, 4)` float tensor of corners
# `(x0, y0, x1, y1)` with $0 \le x_0 < x_1 \le W$, $0 \le y_0 < y_1 \le H$.
#
# Draw all the randomness at once as `u = torch.rand(n, 4, generator=generator)`; column 0
# gives the area fraction, $s = s_{\min} + (s_{\max} - s_{\min})\,u_0$; column 1 the
# log-uniform aspect ratio, $r = w/h = \exp\big(\log r_{\min} + (\log r_{\max} - \log r_{\min})\,u_1\big)$,
# then $w = \sqrt{s\,HW\,r}$ and $h = \sqrt{s\,HW/r}$; columns 2 and 3 the position:
# $x_0 = (W - w)\,u_2$, $y_0 = (H - h)\,u_3$. A wide ratio with a large area can ask for a box
# wider than the image: clip $w$ to $W$ and $h$ to $H$ before placing it.
# (torchvision retries such draws up to ten times and then falls back to a centre crop;
# clipping keeps every draw independent and vectorised.)

# %%
def crop_box(n: int, height: int, width: int, *, scale=(0.5, 1.0), ratio=(3 / 4, 4 / 3),
             generator: torch.Generator | None = None) -> torch.Tensor:
    """-> (n, 4) boxes (x0, y0, x1, y1) in pixel-edge coordinates."""
    ### BEGIN SOLUTION
    u = torch.rand(n, 4, generator=generator)
    area = (scale[0] + (scale[1] - scale[0]) * u[:, 0]) * (height * width)
    aspect = torch.exp(math.log(ratio[0]) + math.log(ratio[1] / ratio[0]) * u[:, 1])  # w / h
    w = torch.sqrt(area * aspect).clamp(max=width)
    h = torch.sqrt(area / aspect).clamp(max=height)
    x0, y0 = (width - w) * u[:, 2], (height - h) * u[:, 3]
    return torch.stack([x0, y0, x0 + w, y0 + h], dim=1)
    ### END SOLUTION


check("02.crop_box", crop_box)

# %%
two_views = use_reference_if_unsolved("02.two_views", two_views)
crop_box = use_reference_if_unsolved("02.crop_box", crop_box)

# %% [markdown]
# ## The common wrong answer, part 2: ImageNet's recipe on any data
#
# The other half of the typical answer is a pipeline copied from ImageNet training:
# `RandomResizedCrop(224)` and `Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224,
# 0.225])`. On our 16x16 images every part of it is wrong.
#
# **The size.** `RandomResizedCrop(224)` upsamples a 16x16 crop to 224x224: 196 times more
# numbers per image for the encoder to chew on, and not one bit more information.
#
# **The scale.** ImageNet's default crop keeps 8% to 100% of the area. ImageNet photos are
# large, with objects that fill much of the frame; here 8% is a 4x4 patch of a 16x16 image,
# and the shape covers only part of the frame. Your `crop_box` tells how much of the shape
# (its pixel mass) a crop keeps, for three scale ranges:

# %%
mask = x.amax(dim=1)  # (N, 16, 16): the shape's pixels (the background is black)
centres = torch.arange(16) + 0.5
print("scale range    shape kept (mean)   crops keeping < 50% of the shape")
for scale in [(0.08, 1.0), (0.25, 1.0), (0.5, 1.0)]:
    boxes = crop_box(len(x), 16, 16, scale=scale, generator=torch.Generator().manual_seed(1))
    in_x = (centres >= boxes[:, :1]) & (centres <= boxes[:, 2:3])  # (N, 16) columns inside
    in_y = (centres >= boxes[:, 1:2]) & (centres <= boxes[:, 3:4])  # (N, 16) rows inside
    kept = (mask * (in_y[:, :, None] & in_x[:, None, :])).sum(dim=(1, 2)) / mask.sum(dim=(1, 2))
    print(f"{str(scale):12s}   {kept.mean():16.1%}   {(kept < 0.5).float().mean():12.1%}")

# %% [markdown]
# With ImageNet's scale, about one crop in six loses most of the shape: a positive pair
# where one view barely shows the object teaches the encoder to match background and colour.
# That is why `batch_augment` and `simclr_transform` default to `scale=(0.5, 1.0)` here
# (SimCLR's own CIFAR-10 runs, on 32x32 images of objects that fill the frame, still used
# 0.08: the right range depends on how much of the image the object covers).
#
# **The statistics.** Normalising with ImageNet's channel means and standard deviations is
# meant to give inputs of mean 0 and standard deviation 1. Our images are mostly black:

# %%
imagenet_mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
imagenet_std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
wrong = (x - imagenet_mean) / imagenet_std
own_mean, own_std = x.mean(dim=(0, 2, 3), keepdim=True), x.std(dim=(0, 2, 3), keepdim=True)
right = (x - own_mean) / own_std
for name, t in [("raw", x), ("ImageNet statistics", wrong), ("this data's statistics", right)]:
    m, s = t.mean(dim=(0, 2, 3)), t.std(dim=(0, 2, 3))
    print(f"{name:24s} channel means {m.numpy().round(2)}  stds {s.numpy().round(2)}")

# %% [markdown]
# ImageNet's statistics leave every channel centred near $-1.6$ instead of 0 (the standard
# deviations landing near 1 is a coincidence of this data): the first layer sees a large
# constant offset, and a black pixel, most of every image, becomes a large negative input.
# Compute the statistics on *your* training set (chapter 07 does it properly,
# streaming), or, as SimCLR's CIFAR-10 code and this course do with images already in
# $[0, 1]$ and batch-normalised encoders, skip the normalisation.

# %% [markdown]
# ## Headline experiment: the views, and batching the augmentation
#
# First, what the two pipelines produce. Top row: the originals; then two independent
# views from the batched `batch_augment` (through your `two_views`), then two from the
# per-image torchvision pipeline `TwoViews(simclr_transform(16))`. Same operations, same
# parameters; different random draws.

# %%
n_show = 12
idx = torch.arange(n_show)
b1, b2 = two_views(x[idx], batch_augment, torch.Generator().manual_seed(0))
torch.manual_seed(0)  # torchvision's transforms draw from the global generator
pair = TwoViews(simclr_transform(16))
p1, p2 = map(torch.stack, zip(*(pair(img) for img in x[idx])))

rows = {"original": x[idx], "batched view 1": b1, "batched view 2": b2,
        "PIL view 1": p1, "PIL view 2": p2}
fig, axes = plt.subplots(len(rows), n_show, figsize=(n_show * 0.8, len(rows) * 0.9))
for r, (label, imgs) in enumerate(rows.items()):
    for c in range(n_show):
        ax = axes[r, c]
        ax.imshow(imgs[c].permute(1, 2, 0).clamp(0, 1).numpy(), interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        if c == 0:
            ax.set_ylabel(label, fontsize=7, rotation=0, ha="right", va="center")
        if r == 0:
            f = data.factors
            ax.set_title(f"{SHAPE_NAMES[f.shape[c]]}\n{COLOUR_NAMES[f.colour[c]]}", fontsize=7)
fig.suptitle("two random views per image: crop, flip, colour jitter, grayscale", fontsize=9)
plt.show()

# %% [markdown]
# The colour of a view can move far from the original (a yellow cross may come out
# red, green or grey); the shape survives every view. That is the point: the encoder can only
# match the two views of an image by what they share.
#
# Now the speed. The per-image path is what a `Dataset` with a torchvision transform pays
# for every image: tensor to PIL, the four operations, PIL back to a tensor, and stacking the
# batch; `DataLoader` workers hide that cost only when spare CPU cores exist. The batched
# path runs the same operations on 256 images at once: one `grid_sample` for every crop and
# flip, a few elementwise passes for the colours. Both produce one `(3, 16, 16)` float view
# per image; both run on one thread here. We time the best of a few repeats (other processes
# on a shared machine can only make a run slower). **Bar:** batched >= 10x the images per
# second of per-image PIL.

# %%
def images_per_second(fn, n_images, repeats):
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        with Timer() as t:
            out = fn()
        best = min(best, t.seconds)
    assert out.shape == (n_images, 3, 16, 16)
    return n_images / best


n_pil, n_batched = scaled(512, 128), scaled(2048, 512)
pil_transform = simclr_transform(16)
torch.manual_seed(0)
pil_rate = images_per_second(lambda: torch.stack([pil_transform(img) for img in x[:n_pil]]),
                             n_pil, repeats=scaled(3, 1))
g = torch.Generator().manual_seed(0)
batched_rate = images_per_second(
    lambda: torch.cat([batch_augment(x[i:i + 256], g) for i in range(0, n_batched, 256)]),
    n_batched, repeats=scaled(5, 1))
speedup = batched_rate / pil_rate
print(f"per-image PIL:      {pil_rate:9,.0f} images/s")
print(f"batched (256/call): {batched_rate:9,.0f} images/s   ({speedup:.0f}x)")
print(f"two views of a 256-image batch: {2 * 256 / pil_rate * 1000:.0f} ms per-image, "
      f"{2 * 256 / batched_rate * 1000:.1f} ms batched")

fig, ax = plt.subplots(figsize=(5, 2))
ax.barh(["per-image PIL", "batched tensors"], [pil_rate, batched_rate], color=["tab:gray", "tab:blue"])
for i, rate in enumerate([pil_rate, batched_rate]):
    ax.text(rate, i, f" {rate:,.0f}", va="center", fontsize=8)
ax.set_xlim(0, batched_rate * 1.3)
ax.set_xlabel("images per second (one thread)")
ax.set_title(f"the same augmentation, {speedup:.0f}x faster batched")
plt.show()

# %%
bar("02.batched_speedup", speedup, ">=", 10, "x", timing=True)

# %% [markdown]
# On small images, per-image augmentation is bound by Python and PIL overhead (hundreds of
# microseconds per image, almost none of it arithmetic), so the two views of one batch can
# cost more than the SimCLR training step they feed (chapter 04 trains 160 steps of a small
# MLP in a few seconds; the per-image path alone would need about a minute for them). The
# batched version removes the overhead and runs unchanged on a GPU (`x.to(device())`, a
# generator on the same device). On large photos the balance shifts (decoding JPEGs
# dominates, and libraries such as NVIDIA DALI decode and augment on the GPU), but the lesson
# holds: augmentation is part of the training step's budget and deserves to be measured.

# %% [markdown]
# ## Interview drill

# %%
quiz("02.q1")

# %%
quiz("02.q2")

# %%
quiz("02.q3")

# %%
quiz("02.q4")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>Should the two views of a pair use the same augmentation distribution?</summary>
#
# Not necessarily. BYOL (Grill et al., 2020) draws its two views from different families
# (blur is almost always on for one and rarely for the other; solarisation only on the
# second). SwAV's multi-crop (Caron et al., 2020) pairs two large crops with several small,
# low-resolution ones: more views for little extra compute, and a global-to-local
# prediction task.
# </details>
#
# <details><summary>What would you change for medical scans, satellite images or digits?</summary>
#
# Keep only the transformations that leave the downstream label unchanged. Digits: no
# horizontal flip (a flipped 2 is not a 2) and little rotation (6 vs 9). Satellite tiles:
# any rotation and flip is fine (no "up"). Medical grayscale scans: colour jitter is
# meaningless, intensity windows and small elastic deformations are not. Chapter 04 shows
# that the wrong invariance can cost more than no augmentation at all.
# </details>
#
# <details><summary>Where should augmentation run: in DataLoader workers or on the GPU?</summary>
#
# Per-image transforms in `num_workers` processes overlap with training only if spare CPU
# cores can keep up, which on a laptop or a many-GPU node they often cannot. Batched tensor
# augmentation on the training device costs a small, predictable slice of each step and
# needs no workers; it is how many fast SimCLR implementations feed the GPU.
# </details>
#
# ## Summary
#
# - In contrastive learning the augmentation defines the task: two **independent** random
#   views per image; with one view there is nothing to learn.
# - SimCLR's family: random resized crop (area fraction uniform, aspect ratio log-uniform),
#   flip, strong colour jitter, random grayscale; crop and colour together matter most.
# - Sizes, crop scales and normalisation statistics belong to your data, not to ImageNet.
# - Batched tensor augmentation is more than 10x faster than per-image PIL on small images,
#   and runs on any device.
#
# ## References
#
# - T. Chen, S. Kornblith, M. Norouzi, G. Hinton. *A Simple Framework for Contrastive Learning
#   of Visual Representations* (SimCLR), ICML 2020.
# - C. Szegedy et al. *Going Deeper with Convolutions*, CVPR 2015 (the random resized crop).
# - J.-B. Grill et al. *Bootstrap Your Own Latent: A New Approach to Self-Supervised Learning*
#   (BYOL), NeurIPS 2020.
# - M. Caron, I. Misra, J. Mairal, P. Goyal, P. Bojanowski, A. Joulin. *Unsupervised Learning
#   of Visual Features by Contrasting Cluster Assignments* (SwAV, multi-crop), NeurIPS 2020.
# - K. He, H. Fan, Y. Wu, S. Xie, R. Girshick. *Momentum Contrast for Unsupervised Visual
#   Representation Learning* (MoCo), CVPR 2020.
