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
# blur on large images). The parameters must fit the data: ImageNet's smallest crop, 8% of the
# area, is a 20-pixel patch of a 16x16 image, and on the shapes below about 18% of the crops
# from ImageNet's range lose most of the object. ImageNet's mean and standard deviation are
# not anyone else's either. For speed, augment whole batches as tensors (on the GPU when there
# is one) rather than one PIL image at a time.

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
import torchvision.transforms.v2.functional as TF

from ssl_course import Timer, bar, check, device, quiz, scaled, seed_everything, use_reference_if_unsolved
from ssl_course.augment.batch import batch_augment
from ssl_course.augment.color import rgb_to_hsv
from ssl_course.augment.crop import crop_box
from ssl_course.augment.pil import TwoViews, simclr_transform, two_views
from ssl_course.contrastive.nt_xent import nt_xent
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
# **Random resized crop** (from Inception, Szegedy et al., 2015). Draw an area fraction and a
# log-uniform aspect ratio,
#
# $$s \sim \mathcal U(s_{\min}, s_{\max}), \qquad
#   \log r \sim \mathcal U(\log r_{\min}, \log r_{\max}), \qquad
#   w = \sqrt{s\,HW\,r}, \quad h = \sqrt{s\,HW / r},$$
#
# so that $wh = sHW$ and $w/h = r$; place the box uniformly inside the image and resize it
# back to the output size. The log-uniform ratio makes $r = 2$ and $r = 1/2$ equally likely.
# torchvision's `RandomResizedCrop` rounds $w$ and $h$ to whole pixels and redraws a box that
# does not fit, up to ten times, before falling back to a centre crop; this course's
# `crop_box` keeps fractional boxes and clips one that does not fit to the image's width or
# height, so every draw stays independent and vectorised. Two crops of one image may overlap
# a lot or not at all: Chen et al. describe the resulting tasks as predicting a local view
# from a global one, and one view from an adjacent one. Exercise 02.crop_overlap measures how
# often each happens.
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
# the hue in HSV. These are torchvision's `ColorJitter` formulas; SimCLR's code multiplies the
# brightness too in its second version (its first added a random offset instead). Both
# torchvision and SimCLR's code apply the four steps **in a random order**, drawn afresh for
# every image; the batched version below always uses the order written here (the headline
# section measures what that changes). **Random grayscale** with probability $0.2$ replaces
# $x$ by $Y(x)$.
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
lit = x.amax(dim=1) > 0  # (2048, 16, 16): the shape's pixels; the background is exactly black
print(x.shape, x.dtype, f"range [{x.min():.2f}, {x.max():.2f}]")
print(f"the shape covers {lit.float().mean():.1%} of the pixels on average; "
      f"{1 - lit.float().mean():.1%} are black")

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
# then with two independent views (`two_views(x, augment, generator)` calls the augmentation
# twice, the generator moving on between the calls):

# %%
torch.manual_seed(0)
encoder, head = MLPEncoder(3 * 16 * 16, (512, 256)).eval(), ProjectionHead(256, 256, 128).eval()
batch = x[:256]
v1, v2 = two_views(batch, batch_augment, torch.Generator().manual_seed(0))


def partner_found(a, b):
    """Share of the 2N views whose most similar other view is their partner; mean positive cosine."""
    with torch.no_grad():
        z = F.normalize(head(encoder(torch.cat([a, b]))), dim=1)  # (2N, 128)
    n = len(a)
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
    sim = (z @ z.T).fill_diagonal_(-2)  # never pick yourself
    return (sim.argmax(dim=1) == partner).float().mean().item(), sim[torch.arange(2 * n), partner].mean().item()


found = {}
for name, (a, b) in {"one view, used twice": (v1, v1), "two independent views": (v1, v2)}.items():
    found[name], cos = partner_found(a, b)
    print(f"{name:22s} random encoder finds the partner of {found[name]:6.1%} of the views "
          f"(mean positive cosine {cos:.3f})")
chance = 1 / (2 * len(batch) - 1)
print(f"chance: 1 in {2 * len(batch) - 1} = {chance:.1%}; "
      f"two views: {found['two independent views'] / chance:.0f} times chance")
assert found["one view, used twice"] == 1.0
assert abs(found["two independent views"] - 0.031) < 0.003  # the number quoted below

# %% [markdown]
# With one view, an untrained network already "finds" every positive (100%, cosine exactly
# 1): there is no invariance to learn, only the negatives to push apart. With two independent
# views the same random network finds the partner of 3.1% of the views: about 16 times
# chance (0.2%), yet 97% of the views are matched to another image. That gap is the
# training signal. (Chapter 04 trains
# with one view used twice, its "none" setting, and measures what the encoder learns.)

# %% [markdown]
# ## Exercise 02.crop_overlap: what do the two views share?
#
# The views of a pair are two crops of one image; what they have in common is the part of the
# image both show. Measure it by the **intersection over union** of the two boxes,
#
# $$\mathrm{IoU}(A, B) = \frac{\operatorname{area}(A \cap B)}{\operatorname{area}(A \cup B)},$$
#
# 1 when the boxes coincide and 0 when the crops share no pixel: then no part of the image
# appears in both views, and the encoder has to match them by something else (the colour of
# the whole image, or what the object looks like beyond each crop).
#
# Write `crop_overlap(boxes1, boxes2)`: `boxes1` and `boxes2` are `(N, 4)` float tensors of
# boxes `(x0, y0, x1, y1)` with $x_0 \le x_1$ and $y_0 \le y_1$, and pair $i$ is
# `(boxes1[i], boxes2[i])` (the two views of image $i$). Return the $N$ IoUs, shape `(N,)`,
# in the boxes' dtype and on their device. Boxes that share no area (apart, or touching along
# an edge or at a corner) have IoU 0, and so, by definition, do two empty boxes (their union
# has no area). All $N$ pairs at once, no loop over pairs.

# %%
def crop_overlap(boxes1: torch.Tensor, boxes2: torch.Tensor) -> torch.Tensor:
    """boxes1, boxes2: (N, 4) matched boxes (x0, y0, x1, y1) -> (N,) intersection over union."""
    ### BEGIN SOLUTION
    lo = torch.maximum(boxes1[:, :2], boxes2[:, :2])  # (N, 2) the intersection's top-left corner
    hi = torch.minimum(boxes1[:, 2:], boxes2[:, 2:])  # (N, 2) its bottom-right corner
    inter = (hi - lo).clamp(min=0).prod(dim=1)  # each side clamped: apart in x and in y is still apart
    area1 = (boxes1[:, 2:] - boxes1[:, :2]).prod(dim=1)
    area2 = (boxes2[:, 2:] - boxes2[:, :2]).prod(dim=1)
    union = area1 + area2 - inter
    return inter / torch.where(union > 0, union, 1)  # two empty boxes: 0 / 1, never 0 / 0
    ### END SOLUTION


check("02.crop_overlap", crop_overlap)

# %%
crop_overlap = use_reference_if_unsolved("02.crop_overlap", crop_overlap)

# %% [markdown]
# How much do the two views of a pair share? Two `crop_box` boxes per image (the package's
# random-resized-crop boxes, drawn as in the Theory section), for all 2,048 images and three
# ranges of the area fraction: ImageNet's default $(0.08, 1)$, and two narrower ones.

# %%
SCALES = [(0.08, 1.0), (0.25, 1.0), (0.5, 1.0)]
overlap = {}
print("scale range    mean IoU   pairs sharing no pixel   pairs with IoU < 0.1   smallest IoU")
for scale in SCALES:
    g = torch.Generator().manual_seed(2)
    boxes1, boxes2 = (crop_box(len(x), 16, 16, scale=scale, generator=g) for _ in range(2))
    overlap[scale] = crop_overlap(boxes1, boxes2)  # (2048,)
    iou = overlap[scale]
    print(f"{str(scale):12s}   {iou.mean():8.3f}   {(iou == 0).float().mean():22.1%}   "
          f"{(iou < 0.1).float().mean():20.1%}   {iou.min():12.3f}")

fig, ax = plt.subplots(figsize=(5, 2.2))
for scale in SCALES:
    ax.hist(overlap[scale].numpy(), bins=40, range=(0, 1), histtype="step", label=f"scale {scale}")
ax.set_xlabel("IoU of the two views' crop boxes")
ax.set_ylabel("pairs")
ax.legend(fontsize=7)
plt.show()
disjoint = (overlap[(0.08, 1.0)] == 0).float().mean().item()
below_tenth = (overlap[(0.08, 1.0)] < 0.1).float().mean().item()
other_draws = torch.tensor([(crop_overlap(*(crop_box(len(x), 16, 16, scale=(0.08, 1.0), generator=g)
                                             for g in [torch.Generator().manual_seed(seed)] * 2)) == 0)
                            .float().mean().item() for seed in range(10, 20)])
print(f"pairs sharing no pixel at (0.08, 1), ten other seeds: {other_draws.mean():.1%} ± {other_draws.std():.1%}")
assert abs(other_draws.mean() - 0.011) < 0.001 and abs(other_draws.std() - 0.002) < 0.001  # quoted below
assert abs(disjoint - 0.011) < 0.001 and abs(below_tenth - 0.051) < 0.001  # the numbers quoted below
assert abs(overlap[(0.5, 1.0)].min() - 0.34) < 0.005

# %% [markdown]
# With ImageNet's range, 1.1% of the pairs share no pixel at all (1.1% ± 0.2% over ten other
# draws of 2,048 pairs) and 5.1% share less than a tenth of their union: the "adjacent view"
# task. With a smallest area of 50% no pair is
# apart (the smallest IoU is 0.34): two boxes that each cover at least half of the image
# cannot be disjoint, short of two exact halves. The scale range decides how much the two
# views share; the next section asks how much of the object each view keeps.

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
# **The scale.** torchvision's default crop keeps 8% to 100% of the area. Here 8% is 20 of the
# 256 pixels, a patch about 4.5 pixels on a side, and the shape covers only a quarter of the
# frame (measured above). How much of the shape (its pixel mass) does a crop keep, for the
# three scale ranges?

# %%
mask = x.amax(dim=1)  # (N, 16, 16): the shape's pixels (the background is black)
centres = torch.arange(16) + 0.5
lost_most = {}
print("scale range    shape kept (mean)   crops keeping < 50% of the shape")
for scale in SCALES:
    boxes = crop_box(len(x), 16, 16, scale=scale, generator=torch.Generator().manual_seed(1))
    in_x = (centres >= boxes[:, :1]) & (centres <= boxes[:, 2:3])  # (N, 16) columns inside
    in_y = (centres >= boxes[:, 1:2]) & (centres <= boxes[:, 3:4])  # (N, 16) rows inside
    kept = (mask * (in_y[:, :, None] & in_x[:, None, :])).sum(dim=(1, 2)) / mask.sum(dim=(1, 2))
    lost_most[scale] = (kept < 0.5).float().mean().item()
    print(f"{str(scale):12s}   {kept.mean():16.1%}   {lost_most[scale]:12.1%}")


def share_losing_most(seed, scale=(0.08, 1.0)):
    """The share of 2,048 crops (one per image) that keep less than half of the shape."""
    boxes = crop_box(len(x), 16, 16, scale=scale, generator=torch.Generator().manual_seed(seed))
    in_x = (centres >= boxes[:, :1]) & (centres <= boxes[:, 2:3])
    in_y = (centres >= boxes[:, 1:2]) & (centres <= boxes[:, 3:4])
    kept = (mask * (in_y[:, :, None] & in_x[:, None, :])).sum(dim=(1, 2)) / mask.sum(dim=(1, 2))
    return (kept < 0.5).float().mean().item()


assert share_losing_most(1) == lost_most[(0.08, 1.0)]
other_draws = torch.tensor([share_losing_most(seed) for seed in range(10, 20)])
print(f"crops keeping < 50% of the shape at (0.08, 1), ten other seeds: {other_draws.mean():.1%} ± {other_draws.std():.1%}")
assert abs(other_draws.mean() - 0.176) < 0.001 and abs(other_draws.std() - 0.008) < 0.001  # quoted below
assert abs(lost_most[(0.08, 1.0)] - 0.188) < 0.005 and lost_most[(0.5, 1.0)] == 0  # quoted below

# %% [markdown]
# With ImageNet's scale, 18.8% of the crops in this draw (17.6% ± 0.8% over ten other draws)
# keep less than half of the shape: such a view shows less than half of what the encoder is meant to learn. With
# $(0.5, 1)$ none of the 2,048 crops does. That is why `batch_augment` and `simclr_transform`
# default to `scale=(0.5, 1.0)` here. SimCLR's own code keeps $(0.08, 1)$ for CIFAR-10's 32x32
# images too: the right range depends on how much of the image the object covers, so measure
# it on your data.
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
print("a black pixel becomes", (-imagenet_mean / imagenet_std).flatten().numpy().round(2),
      "under ImageNet's statistics")

# %% [markdown]
# ImageNet's statistics leave the channels centred between $-1.7$ and $-1.5$ instead of 0,
# and a black pixel (three quarters of the pixels here) becomes an input of about $-2$ in
# every channel: the first layer sees a large constant offset. (The standard deviations land
# between 0.77 and 1.0 only because our raw ones, 0.17 to 0.22, happen to be close to
# ImageNet's.) Compute the statistics on *your* training set (chapter 07 does it properly,
# streaming), or, as SimCLR's code and this course do with images already in $[0, 1]$ and
# batch-normalised encoders, skip the normalisation.

# %% [markdown]
# ## Exercise 02.resized_crop: one call for the whole batch
#
# A per-image pipeline crops and resizes each image with its own box, one Python call at a
# time. In a batch every image still needs its own box, but one call can resample all of them:
# `F.grid_sample(x, grid)` reads output pixel $(i, j)$ of image $k$ from the point
# `grid[k, i, j]` of `x[k]`, interpolating between pixels. What you have to work out is where
# each output pixel looks.
#
# Write `resized_crop(x, boxes, size, flip=None)`: `x` is `(N, C, H, W)`; `boxes` is `(N, 4)`,
# image $k$'s box $(x_0, y_0, x_1, y_1)$ in **pixel-edge coordinates** (pixel $(r, c)$ covers
# $[c, c+1] \times [r, r+1]$, so its centre is $(c + \frac12, r + \frac12)$ and the image spans
# $[0, W] \times [0, H]$); `size` is `(out_h, out_w)`; `flip` is an `(N,)` bool tensor or `None`
# (no flips). Return `(N, C, out_h, out_w)`, in `x`'s dtype and on its device, where
#
# - output pixel $(i, j)$ of image $k$ is `x[k]` at the point a fraction $(j + \frac12)/\text{out\_w}$
#   of the way from $x_0$ to $x_1$ and $(i + \frac12)/\text{out\_h}$ of the way from $y_0$ to
#   $y_1$: where its centre lands when the output is stretched over the box;
# - a point between pixel centres takes the bilinear interpolation of the four centres around
#   it, and a point beyond the outermost pixel centres (less than half a pixel from the edge)
#   takes the edge pixels' values;
# - where `flip[k]`, the view is mirrored left-right: output column $j$ is what column
#   $\text{out\_w} - 1 - j$ would be without the flip.
#
# No loop over images; compute in `x`'s dtype. `F.grid_sample`'s documentation says which
# points $-1$ and $+1$ stand for under each `align_corners`, and what `padding_mode` does.

# %%
def resized_crop(x: torch.Tensor, boxes: torch.Tensor, size, flip: torch.Tensor | None = None) -> torch.Tensor:
    """x: (N, C, H, W); boxes: (N, 4) (x0, y0, x1, y1) in pixel edges; size: (out_h, out_w);
    flip: (N,) bool or None -> (N, C, out_h, out_w), each image's box resized (mirrored where flip)."""
    ### BEGIN SOLUTION
    n, _, height, width = x.shape
    out_h, out_w = size
    boxes = boxes.to(x.device, x.dtype)
    fx = (torch.arange(out_w, dtype=x.dtype, device=x.device) + 0.5) / out_w  # (out_w,) across the box
    fy = (torch.arange(out_h, dtype=x.dtype, device=x.device) + 0.5) / out_h  # (out_h,) down the box
    if flip is not None:
        fx = torch.where(flip.to(x.device)[:, None], 1 - fx, fx)  # (N, out_w): read the box right to left
    px = boxes[:, 0:1] + (boxes[:, 2:3] - boxes[:, 0:1]) * fx  # (N, out_w) in pixel edges
    py = boxes[:, 1:2] + (boxes[:, 3:4] - boxes[:, 1:2]) * fy  # (N, out_h)
    # align_corners=False: -1 and +1 are the image's outer edges, so edge coordinate p is 2 p / W - 1
    gx = (2 * px / width - 1)[:, None, :].expand(n, out_h, out_w)
    gy = (2 * py / height - 1)[:, :, None].expand(n, out_h, out_w)
    grid = torch.stack([gx, gy], dim=-1)  # (N, out_h, out_w, 2): grid_sample reads (x, y)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    ### END SOLUTION


check("02.resized_crop", resized_crop)

# %%
resized_crop = use_reference_if_unsolved("02.resized_crop", resized_crop)

# %% [markdown]
# Two checks that this is the crop we think it is. First, on boxes with whole-pixel corners,
# no smaller than the output, it is torchvision's per-image `resized_crop` (bilinear, without
# antialiasing). Second, `batch_augment`'s crop and flip are exactly `crop_box`'s boxes and
# the flips it draws, through `resized_crop`:

# %%
g = torch.Generator().manual_seed(3)
n = 64
top, left = torch.randint(0, 9, (n,), generator=g), torch.randint(0, 9, (n,), generator=g)
h = 8 + (torch.rand(n, generator=g) * (9 - top)).long()  # 8 .. 16 - top rows
w = 8 + (torch.rand(n, generator=g) * (9 - left)).long()
boxes = torch.stack([left, top, left + w, top + h], dim=1).float()
ours = resized_crop(x[:n], boxes, (8, 8))
theirs = torch.stack([TF.resized_crop(x[k], int(top[k]), int(left[k]), int(h[k]), int(w[k]), [8, 8],
                                      antialias=False) for k in range(n)])
print(f"largest difference from torchvision's resized_crop, {n} whole-pixel boxes: "
      f"{(ours - theirs).abs().max():.1e}")
assert torch.allclose(ours, theirs, atol=1e-5)

crops = batch_augment(x[:256], torch.Generator().manual_seed(4), color=False, gray=False)
g = torch.Generator().manual_seed(4)
boxes = crop_box(256, 16, 16, generator=g)  # batch_augment draws the boxes first,
flip = torch.rand(256, 7, generator=g)[:, 0] < 0.5  # then 7 numbers per image, the first for the flip
print(f"largest difference from batch_augment's crops: {(crops - resized_crop(x[:256], boxes, (16, 16), flip)).abs().max():.1e}")
assert torch.allclose(crops, resized_crop(x[:256], boxes, (16, 16), flip), atol=1e-6)

# %% [markdown]
# ## Headline experiment: the views, and batching the augmentation
#
# First, what the two pipelines produce. Top row: the originals; then two independent
# views from the batched `batch_augment` (crop and flip through `resized_crop`, colour by
# `color_distortion`), then two from the per-image torchvision pipeline
# `TwoViews(simclr_transform(16))`. Both draw the crop's area and aspect ratio, the flip, the
# jitter factors and the grayscale from the same distributions with the same probabilities,
# but they are not the same function: torchvision rounds each box to whole pixels and redraws
# one that does not fit (`crop_box` clips it); the PIL path resamples 8-bit images with
# antialiasing (the batched path bilinear on floats, without); and torchvision's `ColorJitter`
# applies its four adjustments in a random order per image, `batch_augment` always as
# brightness, contrast, saturation, hue. And the random draws differ.

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
# The colour of a view moves far from the original (hue shifts of up to 0.2 of the colour
# wheel, 72 degrees either way, and one view in five turned grey), while at this crop scale
# every crop measured above keeps at least half of the shape: the encoder can match the two
# views of an image only by what they share.
#
# How much does the fixed order of the colour jitter matter? The same 512 images with the same
# random factors (SimCLR's ranges at strength 1), adjusted by torchvision's four functions
# once in the fixed order and once in a random order per image, as `ColorJitter` does. We
# compare each view with its other-order twin, and the distributions of two statistics of the
# shape's pixels (mean saturation and mean brightness, the V of HSV) over the 512 views:

# %%
def jitter_in_order(img, factors, order):
    """torchvision's colour adjustments on one (3, H, W) image; factors (b, c, s, h); order: indices."""
    b, c, s, hue = factors
    steps = (lambda v: TF.adjust_brightness(v, b), lambda v: TF.adjust_contrast(v, c),
             lambda v: TF.adjust_saturation(v, s), lambda v: TF.adjust_hue(v, hue))
    for i in order:
        img = steps[i](img)
    return img


def shape_colour(views, shape_pixels):
    """Mean saturation and mean brightness (HSV's S and V) over each view's shape pixels -> two (N,)."""
    hsv = rgb_to_hsv(views)  # (N, 3, H, W)
    weight = shape_pixels.float()
    return [(hsv[:, k] * weight).sum(dim=(1, 2)) / weight.sum(dim=(1, 2)) for k in (1, 2)]


n_order = 512
g = torch.Generator().manual_seed(5)
factors = torch.cat([1 + 0.8 * (2 * torch.rand(n_order, 3, generator=g) - 1),  # b, c, s in [0.2, 1.8]
                     0.2 * (2 * torch.rand(n_order, 1, generator=g) - 1)], dim=1)  # hue in [-0.2, 0.2]
fixed = torch.stack([jitter_in_order(x[k], factors[k].tolist(), range(4)) for k in range(n_order)])
shuffled = torch.stack([jitter_in_order(x[k], factors[k].tolist(), torch.randperm(4, generator=g).tolist())
                        for k in range(n_order)])

order_change = (fixed - shuffled).abs().mean(dim=(1, 2, 3))  # (512,) per view
jitter_change = (fixed - x[:n_order]).abs().mean(dim=(1, 2, 3))
largest = (fixed - shuffled).abs().amax(dim=(1, 2, 3))
print(f"mean |pixel change| per view: from the jitter itself {jitter_change.mean():.4f}, "
      f"from the order alone {order_change.mean():.4f} ({order_change.mean() / jitter_change.mean():.0%})")
print(f"views the order leaves unchanged (< 1e-6): {(largest < 1e-6).float().mean():.0%}; "
      f"views where some pixel moves by > 0.1: {(largest > 0.1).float().mean():.0%}")
order_stats = {}
for name, views in [("fixed order", fixed), ("random order", shuffled)]:
    order_stats[name] = shape_colour(views, lit[:n_order])
    sat, val = order_stats[name]
    print(f"{name:13s} shape saturation {sat.mean():.3f} ± {sat.std():.3f}   brightness {val.mean():.3f} ± {val.std():.3f}")
diffs = [a - b for a, b in zip(order_stats["random order"], order_stats["fixed order"])]  # paired, per view
shift = [d.mean().item() for d in diffs]
print("random minus fixed order, mean over the views ± standard error: "
      + ", ".join(f"{name} {d.mean():+.4f} ± {d.std() / len(d) ** 0.5:.4f}" for name, d in zip(["saturation", "brightness"], diffs)))
assert abs(order_change.mean() / jitter_change.mean() - 0.13) < 0.02  # the numbers quoted below
assert abs((largest < 1e-6).float().mean() - 0.17) < 0.02 and abs((largest > 0.1).float().mean() - 0.23) < 0.02
assert max(abs(d) for d in shift) < 0.01 and all(2 < abs(d.mean()) / (d.std() / len(d) ** 0.5) < 4 for d in diffs)
assert all(abs(a.std() - b.std()) < 0.01 for a, b in zip(order_stats["random order"], order_stats["fixed order"]))

# %% [markdown]
# The order matters for single views: on average it changes a view by 13% of what the jitter
# itself changes (mean absolute pixel change); it leaves 17% of the views exactly as they
# were (brightness, contrast and saturation are blends, which commute unless a value is
# clipped) and moves some pixel by more than 0.1 in 23% of them. Over the batch, the two
# orders give the same distribution of the shape's saturation and brightness to within 0.01
# in mean and in standard deviation. The random order does shift the means, by about three
# standard errors (saturation down by 0.005, brightness up by 0.006, printed above), which
# is small next to either statistic's spread over the views (0.25): for these statistics the
# fixed order is a slightly different augmentation family, not a narrower one. (Chapter 04's
# ablation uses the batched version only.)
#
# Now the speed. The per-image path is what a `Dataset` with a torchvision transform pays
# for every image: tensor to PIL, the four operations, PIL back to a tensor, and stacking the
# batch. The batched path does the same work on 256 images at once: one `grid_sample` for
# every crop and flip, a few elementwise passes for the colours. Both produce one
# `(3, 16, 16)` float view per image; both run on one thread here. We time the best of a few
# repeats (other processes on a shared machine can only make a run slower). **Bar:** batched
# >= 10x the images per second of per-image PIL.

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
print(f"per-image PIL:      {pil_rate:9,.0f} images/s   ({1e6 / pil_rate:6.0f} µs per image)")
print(f"batched (256/call): {batched_rate:9,.0f} images/s   ({1e6 / batched_rate:6.1f} µs per image, {speedup:.0f}x)")

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
# What does that cost buy? One SimCLR training step on 256 pairs (this chapter's MLP encoder
# and projection head, NT-Xent, Adam), timed the same way, against the two views it needs:

# %%
seed_everything(0)
step_encoder, step_head = MLPEncoder(3 * 16 * 16, (512, 256)), ProjectionHead(256, 256, 128)
optimizer = torch.optim.Adam([*step_encoder.parameters(), *step_head.parameters()], lr=1e-3)


def training_step():
    loss = nt_xent(step_head(step_encoder(v1)), step_head(step_encoder(v2)), 0.2)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


training_step()  # warm-up
step_seconds = float("inf")
for _ in range(scaled(5, 2)):
    with Timer() as t:
        training_step()
    step_seconds = min(step_seconds, t.seconds)
views_pil, views_batched = 2 * 256 / pil_rate, 2 * 256 / batched_rate
print(f"one training step: {1e3 * step_seconds:.1f} ms; its two views: {1e3 * views_pil:.0f} ms per-image "
      f"({views_pil / step_seconds:.0f} steps' worth), {1e3 * views_batched:.1f} ms batched "
      f"({views_batched / step_seconds:.2f} of a step)")
assert views_pil > 3 * step_seconds  # "several steps", quoted below
views = batch_augment(x[:256].to(device()), torch.Generator(device()).manual_seed(0))
print("the batched augmentation on", views.device, tuple(views.shape))

# %% [markdown]
# On small images, per-image augmentation is bound by per-call overhead, not arithmetic: the
# batched path does the same arithmetic in a small fraction of the time (the speed-up above),
# and the two per-image views of one batch cost several training steps of this small MLP, so
# they, not the model, would set the pace. Batched, the views cost a fraction of a step. The
# batched code creates every tensor on its input's device, so it runs wherever the batch is
# (the last line above: this machine's `device()`). We measured small images only: with large
# photos other costs (reading and decoding the files) enter, and the balance must be
# measured again. Either way, augmentation is part of the training step's budget.

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

# %%
quiz("02.q5")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>Should the two views of a pair use the same augmentation distribution?</summary>
#
# Not necessarily. BYOL (Grill et al., 2020) draws its two views from different families
# (blur with probability 1 for one and 0.1 for the other; solarisation only on the
# second, with probability 0.2). SwAV's multi-crop (Caron et al., 2020) pairs two large crops with several small,
# low-resolution ones: more views for little extra compute, and a global-to-local
# prediction task.
# </details>
#
# <details><summary>What would you change for medical scans, satellite images or digits?</summary>
#
# Keep only the transformations that leave the downstream label unchanged. Digits: no
# horizontal flip (a flipped 2 is not a 2) and little rotation (6 vs 9). Satellite tiles:
# any rotation and flip is fine (no "up"). Medical grayscale scans: colour jitter is
# meaningless, intensity windows and small elastic deformations are not. Chapter 04 measures
# a case where one invariance costs more than no augmentation at all (crops alone, for an MLP
# on `shapes`).
# </details>
#
# <details><summary>Where should augmentation run: in DataLoader workers or on the GPU?</summary>
#
# Per-image transforms in `num_workers` processes overlap with training only if enough spare
# CPU cores keep up: to match one thread of the batched path, per-image PIL would need at
# least as many worker cores as the speed-up measured above, if it scaled perfectly. Batched
# tensor augmentation on the training device costs a predictable slice of each step (a
# fraction of a step above) and needs no workers.
# </details>
#
# ## Summary
#
# - In contrastive learning the augmentation defines the task: two **independent** random
#   views per image. With one view used twice, a random encoder already finds 100% of the
#   partners; with two views it finds 3.1% (chance 0.2%), and training closes that gap.
# - SimCLR's family: random resized crop (area fraction uniform, aspect ratio log-uniform),
#   flip, strong colour jitter in a random order per image, random grayscale; crop and colour
#   together matter most. A fixed jitter order changes single views (by 13% of the jitter's
#   own change) and moves the mean saturation and brightness of the shapes by less than 0.01
#   (their spread over the views: 0.25).
# - The crop scale decides what a pair shares and what a view keeps: with ImageNet's
#   $(0.08, 1)$ on our shapes, 1.1% of the pairs share no pixel and about 18% of the crops
#   lose most of the shape; with $(0.5, 1)$ every pair overlaps (IoU >= 0.34) and no crop loses
#   most of it. Sizes, crop scales and normalisation statistics belong to your data.
# - Batching: one `grid_sample` call crops and resizes a whole batch, each image with its own
#   box (`resized_crop`, equal to torchvision's per-image `resized_crop` on whole-pixel
#   boxes). Batched augmentation is more than 10x faster than per-image PIL on small images
#   (the bar), where the per-image views of one batch cost several training steps of a small
#   MLP.
#
# ## References
#
# - T. Chen, S. Kornblith, M. Norouzi, G. Hinton. *A Simple Framework for Contrastive Learning
#   of Visual Representations* (SimCLR), ICML 2020.
# - SimCLR's official code, `github.com/google-research/simclr` (`data_util.py`: the colour
#   jitter in a random order, the crop's area range, no mean/std normalisation).
# - C. Szegedy et al. *Going Deeper with Convolutions*, CVPR 2015 (the random resized crop).
# - torchvision's `RandomResizedCrop.get_params` (ten redraws, then a centre crop) and
#   `ColorJitter.get_params` (a random order of the four adjustments for every call).
# - J.-B. Grill et al. *Bootstrap Your Own Latent: A New Approach to Self-Supervised Learning*
#   (BYOL), NeurIPS 2020.
# - M. Caron, I. Misra, J. Mairal, P. Goyal, P. Bojanowski, A. Joulin. *Unsupervised Learning
#   of Visual Features by Contrasting Cluster Assignments* (SwAV, multi-crop), NeurIPS 2020.
