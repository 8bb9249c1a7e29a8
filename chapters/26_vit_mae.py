# %% [markdown]
# # 26 · Vision transformers and MAE
#
# > **问题：** 自监督学习中的视觉模型是什么？它如何应用于图像分类？
# >
# > **Question:** What is a visual model in self-supervised learning, and how is it used for image
# > classification?
#
# **Model answer.** A self-supervised visual model learns image features from the images alone;
# the labels come only afterwards, for a probe or a fine-tuning. Today's standard one is a
# **Vision Transformer (ViT)** pretrained as a **masked autoencoder (MAE**, He et al. 2022): cut
# each image into $p\times p$ patches, flatten each into a token, hide a random 75% of them,
# run the encoder on the visible quarter only, and let a light decoder, given the encoder's
# output and a shared *mask token* at each hidden position, predict the hidden patches' pixels.
# The loss is the mean squared error **on the masked patches only**. Three details make it
# work: the patches keep a fixed order (so a token's position means something), the masking
# is a per-image random permutation whose inverse (`ids_restore`) puts the decoder's tokens
# back in image order, and the high masking ratio makes the task impossible to solve by
# copying or interpolating neighbours. After pretraining, the decoder is thrown away and the
# encoder is fine-tuned or probed for classification. Below, a tiny MAE trained for a few CPU
# seconds on 16x16 coloured shapes predicts the hidden patches better than the best guess that
# ignores the visible ones, on every one of 3 seeds, though not with the half of its error
# that the syllabus asks for.

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from ssl_course import bar, check, device, quick_mode, quiz, scaled, seed_everything, use_reference_if_unsolved
from ssl_course.data.shapes import shapes
from ssl_course.plot import image_grid
from ssl_course.vision.mae import mean_patch_baseline, train_mae
from ssl_course.vision.patches import unpatchify

seed_everything(0)
torch.set_num_threads(1)  # a tiny model: one thread is as fast, and runs repeat exactly
print("device:", device())
SIZE, PATCH = 16, 4
x_train = shapes(1024, SIZE, seed=0).images  # (1024, 3, 16, 16) in [0, 1]
x_test = shapes(500, SIZE, seed=1).images  # an independent draw

# %% [markdown]
# ## Theory
#
# **Patches as tokens.** An image $x\in\mathbb R^{C\times H\times W}$ with $H, W$ multiples of
# $p$ becomes $L = (H/p)(W/p)$ tokens of $p^2C$ numbers. The order must be fixed and known:
# this course (and the MAE code) runs the patch grid row-major, patch $l = i\,(W/p) + j$, and
# flattens each patch as $(p, p, C)$, channel last. `unpatchify` is the exact inverse.
#
# **Random masking by sorting noise.** For each image draw $u\in[0,1]^L$ uniformly and let
# $\pi = \mathrm{argsort}(u)$ (`ids_shuffle`). The first $K = \lfloor L(1-r)\rfloor$ patches of
# $\pi$ are kept, for a masking ratio $r$: a uniformly random subset of size $K$, drawn for a
# whole batch with one `argsort`, no Python loop. The inverse permutation
# $\pi^{-1} = \mathrm{argsort}(\pi)$ (`ids_restore`) sends the decoder's sequence, the $K$
# encoded tokens followed by $L-K$ mask tokens (shuffled order), back to image order: token
# $\pi^{-1}_l$ of that sequence belongs at position $l$. The binary mask $m_l = 1$ marks the hidden
# patches, in image order.
#
# **The loss.** With $\hat x_l$ the decoder's prediction and $x_l$ the true patch,
# $$\mathcal L = \frac{\sum_{n,l} m_{nl}\,\tfrac{1}{D}\lVert \hat x_{nl} - x_{nl}\rVert^2}{\sum_{n,l} m_{nl}} .$$
# The visible patches are not in the loss: the encoder was given them, so reconstructing them
# is copying. The paper chose this for its results: it reports that a loss on all pixels
# lowered its accuracy slightly (this notebook does not measure that). The paper's best variant
# also standardises each target patch by its own mean and variance (`norm_pix`), which improved
# its representations; we keep raw pixels here, so the loss is comparable with a pixel baseline.
#
# **The yardstick.** The best prediction of a hidden patch that ignores the visible ones is
# the mean training patch at that position (`mean_patch_baseline`). An MAE that learnt nothing
# from the visible quarter scores a ratio of 1 against it; the syllabus bar is $\le 0.5$.
#
# ## The common wrong answer
#
# **1. A supervised classifier called a "visual model".** The seed answers with torchvision's
# ResNet-50 loaded with `pretrained=True` and trained with cross-entropy on `labels` (chapter 8
# shows that the download and the old `pretrained=` API fail offline). Its loop cannot even run
# without labels, which is the point: it is supervised learning. The same loop, on our shapes,
# with a ResNet-18 from scratch:

# %%
from torchvision.models import resnet18  # noqa: E402

batch = x_train[:8]
classifier = resnet18(weights=None, num_classes=4)
try:
    loss = F.cross_entropy(classifier(batch), labels)  # what the seed does, paraphrased: labels are required  # noqa: F821
except NameError as err:
    print("NameError:", err, "-> the 'visual model' of the seed needs labels")
labels = shapes(1024, SIZE, seed=0).factors.shape[:8]  # the shape class: a human annotation
loss = F.cross_entropy(classifier(batch), labels)
print(f"with labels: cross-entropy {loss.item():.3f} -- supervised learning, not self-supervised")
assert labels.dtype == torch.int64

# %% [markdown]
# A self-supervised visual model builds its target from the image: MAE's input is a quarter of
# the patches, its target the other three quarters. No label enters pretraining; labels come
# back only to evaluate or fine-tune the encoder.
#
# **2. Patches in the wrong order.** Cutting an image with a plain `reshape` gives "patches"
# that are strips of rows, not squares, and a model whose position embedding assumes squares
# is told the wrong place for every pixel. The exercise below writes `patchify`; here is what
# `unpatchify` makes of the reshape's tokens:

# %%
img = x_test[:1]
strips = img.permute(0, 2, 3, 1).reshape(1, (SIZE // PATCH) ** 2, -1)  # a "patchify" by reshape
scrambled = unpatchify(strips, PATCH, SIZE, SIZE)
print("reshape tokens read back as patches equal the image:", torch.equal(scrambled, img))
assert not torch.equal(scrambled, img)

# %% [markdown]
# ## Exercise 26.patchify
#
# Write `patchify(images, patch_size)`: `images` of shape `(N, C, H, W)`, with `H` and `W`
# multiples of `p = patch_size` (not necessarily square), to `(N, L, p*p*C)` with
# `L = (H/p)(W/p)`. Patch `l = i * (W/p) + j` covers rows `i*p .. i*p+p-1` and columns
# `j*p .. j*p+p-1`; inside it, pixel `(a, b)` of channel `c` goes to index `(a*p + b)*C + c`
# (the MAE paper's `nchpwq -> nhwpqc`). Same dtype and device as the input.

# %%
def patchify(images: torch.Tensor, patch_size: int) -> torch.Tensor:
    """images (N, C, H, W) -> patches (N, (H/p)(W/p), p*p*C), row-major grid, channel last."""
    ### BEGIN SOLUTION
    n, c, h, w = images.shape
    p = patch_size
    x = images.reshape(n, c, h // p, p, w // p, p).permute(0, 2, 4, 3, 5, 1)  # (N, H/p, W/p, p, p, C)
    return x.reshape(n, (h // p) * (w // p), p * p * c)
    ### END SOLUTION


check("26.patchify", patchify)

# %%
patchify = use_reference_if_unsolved("26.patchify", patchify)
roundtrip = unpatchify(patchify(x_test, PATCH), PATCH, SIZE, SIZE)
print("unpatchify(patchify(x)) == x on the test shapes:", torch.equal(roundtrip, x_test))
assert torch.equal(roundtrip, x_test)

# %% [markdown]
# ## Exercise 26.random_masking
#
# Write `random_masking(x, mask_ratio, generator=None)` for tokens `x` of shape `(N, L, D)`.
# Keep `K = int(L * (1 - mask_ratio))` tokens per image. Draw **one** noise tensor
# `torch.rand((N, L), generator=generator, device="cpu")` (float32, whatever `x`'s dtype; torch's
# global generator when `generator` is None), move it to `x`'s device, and let
# `ids_shuffle = torch.argsort(noise, dim=1, stable=True)`: the first `K` are kept, smallest
# noise first. Return a tuple:
#
# - `visible` `(N, K, D)`: `visible[n, k] = x[n, ids_shuffle[n, k]]`, in that (shuffled) order;
# - `mask` `(N, L)` in `x`'s dtype: 0 for kept, 1 for masked tokens, **in image order**;
# - `ids_restore` `(N, L)` int64: the inverse permutation of `ids_shuffle` (a stable argsort).

# %%
def random_masking(x: torch.Tensor, mask_ratio: float, generator: torch.Generator | None = None):
    """x (N, L, D) -> (visible (N, K, D), mask (N, L), ids_restore (N, L) int64)."""
    ### BEGIN SOLUTION
    n, length, d = x.shape
    keep = int(length * (1 - mask_ratio))
    noise = torch.rand((n, length), generator=generator, device="cpu").to(x.device)
    ids_shuffle = torch.argsort(noise, dim=1, stable=True)
    ids_restore = torch.argsort(ids_shuffle, dim=1, stable=True)
    visible = torch.gather(x, 1, ids_shuffle[:, :keep].unsqueeze(-1).expand(n, keep, d))
    mask = torch.ones(n, length, dtype=x.dtype, device=x.device)
    mask[:, :keep] = 0
    return visible, torch.gather(mask, 1, ids_restore), ids_restore
    ### END SOLUTION


check("26.random_masking", random_masking)

# %%
random_masking = use_reference_if_unsolved("26.random_masking", random_masking)
tokens = patchify(x_test, PATCH)  # (500, 16, 48)
visible, mask, ids_restore = random_masking(tokens, 0.75, torch.Generator().manual_seed(0))
refill = torch.cat([visible, torch.zeros(len(tokens), 16 - visible.shape[1], tokens.shape[2])], dim=1)
home = torch.gather(refill, 1, ids_restore.unsqueeze(-1).expand_as(tokens))  # the decoder's unshuffle
print(f"kept {visible.shape[1]} of 16 patches per image; masked share {mask.mean().item():.2f}; "
      "gathering with ids_restore puts every kept patch home:", torch.equal(home[mask == 0], tokens[mask == 0]))
assert torch.equal(home[mask == 0], tokens[mask == 0]) and mask.mean().item() == 0.75

# %% [markdown]
# ## Exercise 26.masked_mse
#
# Write `masked_mse(pred, target, mask, norm_pix=False, eps=1e-6)`: `pred`, `target` of shape
# `(N, L, D)`, `mask` `(N, L)` with 1 (or `True`) where a patch was masked (at least one). Each
# patch's MSE is the mean over its `D` entries; return the mean of those over the masked patches
# of the whole batch, `sum(mse * mask) / sum(mask)`, a scalar in the inputs' dtype. With
# `norm_pix`, standardise each **target** patch first: `(t - t.mean(-1)) / sqrt(t.var(-1) + eps)`
# (torch's default, unbiased `var`, as in the paper's code). Gradients reach `pred`.

# %%
def masked_mse(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, norm_pix: bool = False,
               eps: float = 1e-6) -> torch.Tensor:
    """pred, target (N, L, D), mask (N, L) -> scalar: the mean per-patch MSE over masked patches."""
    ### BEGIN SOLUTION
    if norm_pix:
        target = (target - target.mean(-1, keepdim=True)) / (target.var(-1, keepdim=True) + eps).sqrt()
    per_patch = (pred - target).pow(2).mean(dim=-1)  # (N, L)
    m = mask.to(per_patch.dtype)
    return (per_patch * m).sum() / m.sum()
    ### END SOLUTION


check("26.masked_mse", masked_mse)

# %%
masked_mse = use_reference_if_unsolved("26.masked_mse", masked_mse)

# %% [markdown]
# ## The headline experiment
#
# A `TinyMAE` (encoder: one pre-norm Transformer block of width 48 on the visible patches;
# decoder: two blocks of width 48 on all 16 positions) trained with 75% masking and no labels
# on a fresh draw of 1,024 shapes every epoch (the generator is procedural, so the data is
# unlimited; 16 epochs, batch 32), for each of 3 seeds. Each model is then given 500
# independent test shapes with one fixed random mask, and its masked-patch MSE is compared with
# the mean-patch baseline (the mean of 1,024 training shapes) on the same masked patches.
# Bar (syllabus): **ratio $\le 0.5$**, on the worst of the 3 seeds.
#
# **Why shapes, not digits.** On the 8x8 digits with 2x2 patches, the best *linear* prediction
# of the hidden pixels from the visible ones (the Gaussian conditional mean, fitted on the
# training digits) is measured below: already a ratio well above 0.5, with the whole digit
# covariance to lean on. On shapes, the visible quarter gives away the colour and where the
# shape's edges run, which a nonlinear decoder can use.

# %%
from ssl_course.data.digits import digits  # noqa: E402

d_train, _, d_test, _ = digits()
P_train, P_test = patchify(d_train, 2).double(), patchify(d_test, 2).double()  # (N, 16, 4)
mu = P_train.flatten(1).mean(0)
cov = torch.cov(P_train.flatten(1).T) + 1e-3 * torch.eye(64, dtype=torch.float64)
_, d_mask, _ = random_masking(P_test, 0.75, torch.Generator().manual_seed(0))
err = base_err = 0.0
for t, mk in zip(P_test.flatten(1), d_mask.bool().repeat_interleave(4, dim=1)):
    v = ~mk
    guess = mu[mk] + cov[mk][:, v] @ torch.linalg.solve(cov[v][:, v], t[v] - mu[v])
    err, base_err = err + (guess - t[mk]).pow(2).sum(), base_err + (mu[mk] - t[mk]).pow(2).sum()
print(f"digits, 2x2 patches, 75% masked: best linear prediction / mean patch = {err / base_err:.3f}")
assert err / base_err > 0.6  # the prose's 'well above 0.5'

# %%
def fresh_shapes(seed: int):
    """epoch -> a new draw of 1,024 training shapes (never the test draw, seed 1)."""
    return lambda epoch: shapes(1024, SIZE, seed=1000 + 100 * seed + epoch).images


CONFIG = dict(patch_size=PATCH, dim=48, depth=1, decoder_dim=48, decoder_depth=2, epochs=scaled(16, 2),
              batch_size=32, lr=6e-3)
SEEDS = range(scaled(3, 1))
test_patches = patchify(x_test, PATCH)
baseline = mean_patch_baseline(x_train, PATCH).expand_as(test_patches)
ratios, runs = [], []
for seed in SEEDS:
    model = train_mae(fresh_shapes(seed), mask_ratio=0.75, seed=seed, **CONFIG)
    with torch.no_grad():  # one fixed test mask for every seed and for the baseline
        pred, test_mask = model(x_test, 0.75, torch.Generator().manual_seed(123))
    mse_mae = masked_mse(pred, test_patches, test_mask).item()
    mse_base = masked_mse(baseline, test_patches, test_mask).item()
    ratios.append(mse_mae / mse_base)
    runs.append((model, pred, mse_mae))
    print(f"seed {seed}: masked-patch MSE: MAE {mse_mae:.4f}, mean patch {mse_base:.4f}, ratio {ratios[-1]:.3f}")
r = torch.tensor(ratios)
print(f"ratio over {len(r)} seeds: mean {r.mean():.3f} +- {r.std() if len(r) > 1 else 0.0:.3f} (std), "
      f"worst {r.max():.3f}")
assert r.max() < 1 or quick_mode()  # every seed beats the mean patch: the visible quarter is used
bar("26.masked_mse_ratio", r.max().item(), "<=", 0.5,
    shortfall=f"worst of 3 seeds {r.max():.3f} (mean {r.mean():.3f}): 16 epochs per seed is what the "
              "60-second CPU budget allows for 3 seeds; longer training is not run here")
model, pred, mse_mae = runs[0]  # seed 0, for the cells below

# %% [markdown]
# **The wrong order, measured.** The same trained model, decoding *without* `ids_restore`: the
# mask tokens and the encoded patches stay in shuffled order, so the decoder's position
# embedding tells it the wrong place for each.

# %%
model.unshuffle = False
with torch.no_grad():
    pred_wrong, _ = model(x_test, 0.75, torch.Generator().manual_seed(123))
model.unshuffle = True
mse_wrong = masked_mse(pred_wrong, test_patches, test_mask).item()
print(f"without ids_restore: masked-patch MSE {mse_wrong:.4f}, ratio {mse_wrong / mse_base:.3f}")
assert mse_wrong > mse_mae

# %% [markdown]
# **Reconstructions.** Twelve test shapes: the original, what the encoder saw (masked patches
# grey), the decoder's prediction with the visible patches pasted back, and the mean-patch
# baseline's guess.

# %%
def show(images: torch.Tensor) -> torch.Tensor:
    return images.clamp(0, 1)


n_show = 12
m = test_mask[:n_show].unsqueeze(-1)  # (12, 16, 1)
rows = {"original": x_test[:n_show],
        "visible (25%)": unpatchify(test_patches[:n_show] * (1 - m) + 0.5 * m, PATCH, SIZE, SIZE),
        "MAE": unpatchify(test_patches[:n_show] * (1 - m) + pred[:n_show] * m, PATCH, SIZE, SIZE),
        "mean patch": unpatchify(test_patches[:n_show] * (1 - m) + baseline[:n_show] * m, PATCH, SIZE, SIZE)}
fig, axes = plt.subplots(len(rows), 1, figsize=(9, 1.2 * len(rows)))
for ax, (name, images) in zip(axes, rows.items()):
    image_grid(show(images), nrow=n_show, ax=ax)
    ax.text(-2, SIZE / 2, name, ha="right", va="center", fontsize=9)
plt.show()

# %% [markdown]
# ## Reading the results honestly
#
# - **The bar is missed.** On every seed the MAE beats the mean patch (ratio below 1, asserted),
#   so it does use the visible quarter; but the worst of the 3 seeds, printed above, is not
#   within half the baseline's error. Three seeds of 16 epochs each are what the chapter's
#   60-second CPU budget holds; the seeds also differ a lot (the spread is printed), so one
#   lucky seed would say little. Whether longer training reaches the bar is not measured here.
# - **The "without ids_restore" run is not retrained**: it is the trained model decoding with
#   the order mixed up, which shows the order matters to this model, not what a model trained
#   that way would learn.
# - **Reconstruction is not representation.** The paper's claim is about features: a ViT
#   pretrained this way and fine-tuned on ImageNet beats one trained from scratch. Nothing
#   here measures features, fine-tuning, or the paper's ViT-sized models; 16 tokens and
#   1,024 images are far from 196 tokens and 1.28 million images.
# - **The predictions are blurry** (see the grid): an MSE loss rewards the conditional mean.

# %% [markdown]
# ## Interview drill

# %%
quiz("26.q1")

# %%
quiz("26.q2")

# %%
quiz("26.q3")

# %% [markdown]
# **Follow-up questions**
#
# <details><summary>Why does the MAE encoder see only the visible patches?</summary>
#
# Cost and a cleaner task: with 75% masking the encoder processes a quarter of the tokens
# (attention is quadratic in their number), and it never sees mask tokens, which would not
# exist at fine-tuning time. The mask tokens enter only the light decoder.
# </details>
#
# <details><summary>Why 75%, when BERT masks 15%?</summary>
#
# Images are redundant: a hidden patch can be interpolated from its neighbours when few are
# hidden, which teaches little. A high ratio forces the model to use the object's shape.
# Words carry more information each, so a lower ratio already makes a hard task (chapter 16).
# </details>

# %% [markdown]
# ## Summary
#
# - A self-supervised visual model learns from images alone; a supervised ResNet trained on
#   labels is not one.
# - ViT: an image is a sequence of patches in a fixed order; `patchify` and `unpatchify` are
#   exact inverses.
# - MAE: mask 75% of the patches per image by argsort of uniform noise; encode the visible
#   ones; the decoder unshuffles with `ids_restore` and predicts the pixels; the loss is on the
#   masked patches only.
#
# ## References
#
# - K. He, X. Chen, S. Xie, Y. Li, P. Dollár, R. Girshick. *Masked Autoencoders Are Scalable
#   Vision Learners*, CVPR 2022 (and its code, github.com/facebookresearch/mae).
# - A. Dosovitskiy et al. *An Image is Worth 16x16 Words: Transformers for Image Recognition at
#   Scale*, ICLR 2021.
