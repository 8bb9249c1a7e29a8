# %% [markdown]
# # 18 · Denoising autoencoders
#
# > **问题：** 自监督学习中的去噪自动编码器（DAE）是什么？它如何应用于图像去噪？
# >
# > **Question:** What is a denoising autoencoder (DAE) in self-supervised learning, and how is
# > it used to remove noise from images?
#
# > **Related seed questions (001, question 5; 004):** what is an autoencoder, how is it used for
# > pretraining, and how do you take its encoder and decoder apart after training?
#
# **Model answer.** An autoencoder maps an input $x$ through an encoder $f$ to a code
# $h = f(x)$ and back through a decoder $g$, trained to make $g(f(x))$ close to $x$. A
# *denoising* autoencoder (Vincent et al., 2008) feeds the network a corrupted copy
# $\tilde x \sim q(\tilde x \mid x)$ (Gaussian noise, masked pixels, salt and pepper) and asks
# for the **clean** $x$: $\min \mathbb E\,\lVert g(f(\tilde x)) - x\rVert^2$. The label is
# free (the clean image itself), which makes it self-supervised; the network cannot copy its
# input, so it must learn what digits look like to undo the damage. Used as a denoiser it is
# judged by PSNR, $10\log_{10}(\text{range}^2/\text{MSE})$, per image on a stated data range;
# used for pretraining, its encoder's code is probed with a few labels. Masked autoencoders
# (BERT, MAE) are its descendants: masking is one more corruption. On `digits` below, the DAE
# raises the PSNR of noisy test digits by more than 5 dB, and its code classifies *noisy*
# digits far better than a plain autoencoder's; on clean digits the two codes tie.

# %%
import matplotlib.pyplot as plt
import torch

from ssl_course import bar, check, device, quick_mode, quiz, scaled, seed_everything, use_reference_if_unsolved
from ssl_course.data.digits import digits
from ssl_course.data.split import few_labels
from ssl_course.evaluate.probes import features, linear_probe
from ssl_course.generative.autoencoder import ConvAutoencoder, denoise, train_autoencoder
from ssl_course.plot import image_grid

seed_everything(0)
torch.set_num_threads(min(2, torch.get_num_threads()))
print("device:", device())
x, y, x_test, y_test = digits()  # (1257, 1, 8, 8) and (540, 1, 8, 8), pixels in [0, 1]

# %% [markdown]
# ## Theory
#
# **Corruptions.** Pixels lie in $[0, 1]$ here (the data range is 1). Three corruptions
# $q(\tilde x\mid x)$, each with one level:
#
# | kind | rule per pixel | level | expected squared error (before clamping) |
# |---|---|---|---|
# | Gaussian | $\tilde x = \mathrm{clamp}(x + \sigma\varepsilon,\,0,\,1)$, $\varepsilon\sim\mathcal N(0,1)$ | $\sigma$ (a std, not a variance) | $\sigma^2$ |
# | masking | $\tilde x = 0$ with probability $p$, else $x$ | $p$ (the fraction dropped) | $p\,\mathbb E[x^2]$ |
# | salt and pepper | $0$ with probability $p/2$, $1$ with probability $p/2$, else $x$ | $p$ | $\tfrac p2\,\mathbb E[x^2] + \tfrac p2\,\mathbb E[(1-x)^2]$ |
#
# The clamp keeps the corrupted image a possible image; it also makes the Gaussian error
# *smaller* than $\sigma^2$ (a pixel at 0 cannot go below 0).
#
# **The objective.** With $\tilde x\sim q(\cdot\mid x)$ drawn afresh every time,
# $$\mathcal L(f, g) = \mathbb E_{x}\,\mathbb E_{\tilde x\sim q(\cdot\mid x)}\,\lVert g(f(\tilde x)) - x\rVert^2 .$$
# Its minimiser over all functions is $r(\tilde x) = \mathbb E[x\mid\tilde x]$, the posterior
# mean of the clean image: a plain autoencoder ($q$ = identity) can reach zero loss by
# copying; a DAE cannot, so it must model where clean digits lie.
#
# **PSNR.** For a clean image $x_i$ and an estimate $\hat x_i$ with $P$ entries,
# $\mathrm{MSE}_i = \frac1P\sum_p (\hat x_{ip} - x_{ip})^2$ and
# $$\mathrm{PSNR}_i = 10\log_{10}\frac{R^2}{\mathrm{MSE}_i}\ \text{dB},\qquad \mathrm{PSNR} = \frac1N\sum_i \mathrm{PSNR}_i ,$$
# with $R$ the data range (1 for $[0,1]$, 255 for 8-bit pixels: always state it). The mean of
# the per-image PSNRs is not the PSNR of the pooled MSE (the log is concave, so the pooled
# value is lower, and an image with a tiny error counts a lot); `torchmetrics`' default pools,
# `skimage.metrics.peak_signal_noise_ratio` works on one image. A known truth to check
# against: unclamped Gaussian noise of std $\sigma$ has $\mathrm{MSE}\approx\sigma^2$, so
# $\mathrm{PSNR}\approx 20\log_{10}(R/\sigma)$: 6.02 dB at $\sigma = 0.5$.

# %% [markdown]
# ## The common wrong answer
#
# **1. Functions that do not exist.** The seed's training loop draws its noise with
# `torch.cuda.random.normal(0, 0.1, images.size())` (a NumPy-style call dressed as torch) and
# adds it without a clamp. Run it:

# %%
images = x[:4]
try:
    noise = torch.cuda.random.normal(0, 0.1, images.size())  # what the seed wrote (paraphrased)
except AttributeError as err:
    print("AttributeError:", err)
# What exists: torch.randn with an explicit generator (same numbers on every run), on the CPU.
g = torch.Generator().manual_seed(0)
noisy_unclamped = images + 0.5 * torch.randn(images.shape, generator=g)
outside = ((noisy_unclamped < 0) | (noisy_unclamped > 1)).float().mean().item()
print(f"std 0.5 without a clamp: {outside:.0%} of the pixels leave [0, 1]")
assert outside > 0.3

# %% [markdown]
# The call fails on every machine, GPU or not: `torch.cuda.random` has no `normal`. Fixing
# the name is not enough: without the clamp, a large share of the "images" the network sees
# are not images at all (negative intensities), and the PSNR you report then depends on
# pixels no camera produces. The exercise below writes the corruption properly.
#
# **2. A decoder built from the last layer only.** Seed 004 trains a Keras autoencoder, then
# builds its "decoder" as `autoencoder.layers[-1](encoded_input)`: only the final layer,
# applied to the code. (It also overwrites `encoded` with the decoder's transposed
# convolutions, so its "encoder" ends inside the decoder.) The same two mistakes in PyTorch,
# on our `ConvAutoencoder`:

# %%
ae_demo = ConvAutoencoder(code_dim=32)
code = ae_demo.encoder(images)  # (4, 32)
try:
    ae_demo.decoder[-2](code)  # the last layer with weights: a 16-channel -> 1-channel convolution
except RuntimeError as err:
    print("decoder = last layer only:", str(err).splitlines()[0][:110])
print("the whole decoder:", tuple(ae_demo.decoder(code).shape),
      "| equals the autoencoder's output:", torch.equal(ae_demo.decoder(code), ae_demo(images)))
wrong_encoder = torch.nn.Sequential(ae_demo.encoder, *list(ae_demo.decoder)[:-2])  # seed 004's "encoder"
print("seed 004's 'encoder' output:", tuple(wrong_encoder(images).shape[1:]),
      f"= {wrong_encoder(images)[0].numel()} numbers per 64-pixel image; the code has {code.shape[1]}")
assert torch.equal(ae_demo.decoder(code), ae_demo(images))

# %% [markdown]
# The last layer alone does not even accept the code (in the seed's Keras model, too, the last
# layer was built for the previous layer's 32 channels, not for a $4\times4\times64$ code). Keep the encoder and the decoder as two modules from the start (`ae.encoder`,
# `ae.decoder`), and take features at the bottleneck, not after the decoder has expanded them
# back to sixteen times the image's size.

# %% [markdown]
# ## Exercise 18.add_noise
#
# Write `add_noise(x, kind, level, generator)` for images `x` of shape `(N, ...)` with pixels
# in $[0, 1]$, following the table above. Make **one** random draw of `x`'s shape, on the CPU
# in `x`'s dtype, from `generator` (torch's global generator when it is `None`), then move it
# to `x`'s device: `torch.randn` for `"gaussian"`, `torch.rand` for `"masking"` and
# `"salt_pepper"`. With $u$ that uniform draw: masking sets a pixel to 0 where $u < p$;
# salt and pepper sets it to 0 where $u < p/2$ and to 1 where $p/2 \le u < p$. The Gaussian
# result is clamped to $[0, 1]$. Return `x`'s dtype; never change `x` in place.

# %%
def add_noise(x: torch.Tensor, kind: str, level: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """x: (N, ...) in [0, 1] -> (N, ...) corrupted, in [0, 1], x's dtype and device."""
    ### BEGIN SOLUTION
    if kind == "gaussian":
        noise = torch.randn(x.shape, generator=generator, dtype=x.dtype, device="cpu").to(x.device)
        return (x + level * noise).clamp(0.0, 1.0)
    u = torch.rand(x.shape, generator=generator, dtype=x.dtype, device="cpu").to(x.device)
    if kind == "masking":
        return x.masked_fill(u < level, 0.0)
    if kind == "salt_pepper":
        return x.masked_fill(u < level / 2, 0.0).masked_fill((u >= level / 2) & (u < level), 1.0)
    raise ValueError(f"unknown kind {kind!r}")
    ### END SOLUTION


check("18.add_noise", add_noise)

# %%
add_noise = use_reference_if_unsolved("18.add_noise", add_noise)

# %% [markdown]
# ## Exercise 18.psnr
#
# Write `psnr(x, y, data_range=1.0)` for two batches of the same shape `(N, ...)` (an image
# is everything after the first dimension: `(N, C, H, W)` or `(N, D)`): each image's
# $10\log_{10}(R^2/\mathrm{MSE}_i)$, then the mean over the $N$ images, as a scalar in the
# inputs' dtype. An image reproduced exactly has PSNR $+\infty$ (no epsilon), and so does the
# mean.

# %%
def psnr(x: torch.Tensor, y: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    """x, y: (N, ...) -> scalar: mean over images of 10 log10(data_range^2 / MSE_i), in dB."""
    ### BEGIN SOLUTION
    mse = (x - y).pow(2).flatten(1).mean(dim=1)  # (N,): one MSE per image
    return (10 * torch.log10(data_range ** 2 / mse)).mean()
    ### END SOLUTION


check("18.psnr", psnr)

# %%
psnr = use_reference_if_unsolved("18.psnr", psnr)

# %% [markdown]
# **Per image, then the mean, is not the PSNR of the pooled MSE.** A batch of 100 restored
# images, 99 with MSE 0.01 and one with MSE $10^{-6}$:

# %%
mse_i = torch.tensor([0.01] * 99 + [1e-6], dtype=torch.float64)
per_image_mean = (10 * torch.log10(1 / mse_i)).mean().item()
pooled = (10 * torch.log10(1 / mse_i.mean())).item()
print(f"mean of per-image PSNRs {per_image_mean:.2f} dB, PSNR of the pooled MSE {pooled:.2f} dB")
assert per_image_mean > pooled + 0.3

# %% [markdown]
# **The noise kinds measured.** The known truths of the table, on the test digits: the
# unclamped Gaussian's PSNR against $20\log_{10}(1/\sigma)$, masking's MSE against
# $p\,\mathbb E[x^2]$, and what the clamp buys.

# %%
g = torch.Generator().manual_seed(1)
for sigma in (0.1, 0.3, 0.5):
    unclamped = x_test + sigma * torch.randn(x_test.shape, generator=g)
    clamped = add_noise(x_test, "gaussian", sigma, generator=g)
    truth = 20 * torch.log10(torch.tensor(1 / sigma)).item()
    got = psnr(unclamped, x_test).item()
    print(f"gaussian sigma={sigma}: unclamped {got:5.2f} dB (theory {truth:5.2f}), clamped "
          f"{psnr(clamped, x_test).item():5.2f} dB")
    assert abs(got - truth) < 0.2 and psnr(clamped, x_test) > got
mean_sq = x_test.pow(2).mean().item()
for kind in ("masking", "salt_pepper"):
    for p in (0.1, 0.3, 0.5):
        noisy = add_noise(x_test, kind, p, generator=g)
        mse = (noisy - x_test).pow(2).mean().item()
        theory = p * mean_sq if kind == "masking" else p / 2 * (mean_sq + (1 - x_test).pow(2).mean().item())
        print(f"{kind:11s} p={p}: MSE {mse:.4f} (theory {theory:.4f}), PSNR {psnr(noisy, x_test).item():5.2f} dB")
        assert abs(mse - theory) < 0.1 * theory
untouched = (add_noise(x_test, "masking", 0.1, generator=torch.Generator().manual_seed(2)) == x_test).flatten(1).all(1)
print(f"masking p=0.1 leaves {int(untouched.sum())} of {len(x_test)} test digits unchanged: their PSNR is +inf")
assert untouched.any()

# %% [markdown]
# The `inf` rows are not a bug: at $p = 0.1$ a few digits lose no lit pixel (a dropped pixel
# that was already 0 changes nothing), their MSE is 0, their PSNR $+\infty$, and so is the
# mean over images. A per-image mean PSNR is only usable when no image is reproduced exactly;
# report the MSE (as above) or the median per-image PSNR when that can happen. The denoisers
# below never reproduce a noisy digit exactly, so their means are finite.

# %% [markdown]
# ## The headline experiment
#
# A plain autoencoder and a DAE with the **identical recipe**: the same `ConvAutoencoder`
# (a 32-number code for a 64-pixel image), the same seed (initialisation, batch order), the
# same epochs; the only difference is the DAE's input, `add_noise(clean, "gaussian", 0.5)`
# drawn afresh for every batch. Both are then given the same noisy test digits (one fixed
# draw at $\sigma = 0.5$). Three seeds.
#
# - **Denoising.** PSNR of the network's output against the clean test digits, minus the
#   PSNR of the noisy input. Bar: **at least 5 dB on every seed**.
# - **Features.** A linear probe on the frozen code (`ae.encoder`), trained on the clean
#   training digits (all labels, and 10 per class) and tested on clean and on noisy test digits.

# %%
EPOCHS, SIGMA, SEEDS = scaled(20, 2), 0.5, (0, 1, 2)
noisy_test = add_noise(x_test, "gaussian", SIGMA, generator=torch.Generator().manual_seed(123))
psnr_noisy = psnr(noisy_test, x_test).item()
few = few_labels(y, 10, seed=0)


def evaluate(model) -> dict:
    """PSNRs on the test digits and linear probes on the model's code."""
    f_train, f_test, f_noisy = (features(model.encoder, t) for t in (x, x_test, noisy_test))
    return {"psnr on noisy": psnr(denoise(model, noisy_test), x_test).item(),
            "psnr on clean": psnr(denoise(model, x_test), x_test).item(),
            "probe clean": linear_probe(f_train, y, f_test, y_test),
            "probe clean, 10/class": linear_probe(f_train[few], y[few], f_test, y_test),
            "probe noisy": linear_probe(f_train, y, f_noisy, y_test)}


models = {name: [train_autoencoder(x, noise=noise, epochs=EPOCHS, seed=s) for s in SEEDS]
          for name, noise in (("AE", None), ("DAE", ("gaussian", SIGMA)))}
runs = {name: [evaluate(m) for m in ms] for name, ms in models.items()}
results = {name: {k: torch.tensor([r[k] for r in rs], dtype=torch.float64) for k in rs[0]}
           for name, rs in runs.items()}
print(f"noisy test digits (sigma {SIGMA}, clamped): PSNR {psnr_noisy:.2f} dB")
for key in results["AE"]:
    print(f"{key:22s}" + "".join(f"   {name} {v[key].mean():.3f} ± {v[key].std():.3f}" for name, v in results.items()))

# %%
gain = results["DAE"]["psnr on noisy"] - psnr_noisy  # (3,) one gain per seed
print("DAE gain per seed (dB):", [round(v, 2) for v in gain.tolist()],
      "| the AE's on the same input:", [round(v - psnr_noisy, 2) for v in results["AE"]["psnr on noisy"].tolist()])
bar("18.psnr_gain", gain.min().item(), ">=", 5.0, unit=" dB")

# The first 12 test digits: clean, with the test noise, and what each model (seed 0) makes of them.
shown = noisy_test[:12]
rows = {"clean": x_test[:12], f"noisy (σ {SIGMA})": shown,
        "AE(noisy)": denoise(models["AE"][0], shown), "DAE(noisy)": denoise(models["DAE"][0], shown)}
fig, axes = plt.subplots(len(rows), 1, figsize=(8, 1.1 * len(rows)))
for ax, (name, images) in zip(axes, rows.items()):
    image_grid(images.cpu(), nrow=12, ax=ax)
    ax.text(-2, images.shape[-1] / 2, name, ha="right", va="center", fontsize=9)
plt.show()

# %% [markdown]
# **Features: where the difference is beyond the spread.** A difference counts only if the
# mean difference exceeds twice the sum of the two standard deviations over seeds.

# %%
def beyond_spread(key: str) -> tuple[float, float]:
    """(DAE mean - AE mean, 2 * (std AE + std DAE)) for one measurement."""
    a, d = results["AE"][key], results["DAE"][key]
    return (d.mean() - a.mean()).item(), 2 * (a.std() + d.std()).item()


for key in ("probe clean", "probe clean, 10/class", "probe noisy", "psnr on clean"):
    diff, spread = beyond_spread(key)
    print(f"{key:22s} DAE - AE = {diff:+.3f}   spread {spread:.3f}   "
          f"{'beyond the spread' if abs(diff) > spread else 'within the spread'}")
noisy_diff, noisy_spread = beyond_spread("probe noisy")
bar("18.noisy_probe_gain_over_spread", noisy_diff - noisy_spread, ">", 0.0)

# %% [markdown]
# ## Reading the results honestly
#
# **1. Denoising is not better features everywhere.** On *clean* test digits the two codes'
# probes are within the seeds' spread (printed above), and with 10 labels per class the
# difference is not in the DAE's favour; the DAE's advantage shows where the test input is
# corrupted the way its training input was. What this run supports is "the DAE's code is
# robust to the noise it was trained on", not "denoising pretraining gives better features".

# %%
clean_diff, clean_spread = beyond_spread("probe clean")
few_diff, _ = beyond_spread("probe clean, 10/class")
if not quick_mode():
    assert abs(clean_diff) <= clean_spread, "clean probes: expected no difference beyond the spread"
    assert few_diff <= 0

# %% [markdown]
# **2. The DAE is the worse autoencoder of clean images.** Given a clean digit, the plain AE
# reconstructs it with a higher PSNR than the DAE (printed above, `psnr on clean`): the DAE
# has learnt to pull every input towards typical digits, which costs detail on inputs that
# needed no help. The plain AE, given the noisy digits, improves them a little too (its gain
# is printed beside the DAE's): a 32-number bottleneck already discards some noise.

# %%
if not quick_mode():
    assert results["AE"]["psnr on clean"].min() > results["DAE"]["psnr on clean"].max()
    assert (results["AE"]["psnr on noisy"] - psnr_noisy).max() < gain.min()

# %% [markdown]
# **3. What this small setting cannot show.** Eight-by-eight digits and a 32-number code are a
# small setting, not the one where DAE features were made to shine: Vincent et
# al. (2008, 2010) stacked DAEs on 28x28 MNIST variants with rotations and background images,
# where their gains were larger. A 5 dB gain here is measured on the very noise the DAE was
# trained on ($\sigma = 0.5$ Gaussian); another kind or level of corruption was not tested.
# And the PSNR is an average of squared errors: it rewards blurry, mean-like outputs, which is
# what $\mathbb E[x\mid\tilde x]$ is.

# %% [markdown]
# ## Interview drill

# %%
quiz("18.q1")

# %%
quiz("18.q2")

# %%
quiz("18.q3")

# %%
quiz("18.q4")

# %% [markdown]
# **Follow-up questions**
#
# <details><summary>Why can a plain autoencoder with a wide code learn nothing useful, and how
# does the DAE avoid it?</summary>
#
# With a code at least as wide as the input, $g\circ f$ = identity is a perfect solution: zero
# loss, no knowledge of the data. A bottleneck, a sparsity penalty or a corrupted input
# removes it. The DAE's input differs from its target, so copying scores the noise's MSE
# (here the noisy digits' PSNR, printed above) and the network must do better than copying.
# </details>
#
# <details><summary>Masking as a corruption: what does it connect to?</summary>
#
# Masking noise with a high fraction turns the DAE into a masked autoencoder: BERT masks 15%
# of the tokens (chapter 16), MAE masks 75% of image patches and reconstructs only the masked
# ones. The idea is the same: predict the hidden part of the input from the rest.
# </details>
#
# <details><summary>You report "PSNR 30 dB". What do you have to add for the number to mean
# anything?</summary>
#
# The data range (1 or 255: the same images differ by $20\log_{10}255 \approx 48$ dB), whether
# it is a per-image mean or a pooled MSE, and the PSNR of the noisy input: a denoiser is judged
# by its gain over the input, as the headline above is.
# </details>

# %% [markdown]
# ## Summary
#
# - A DAE is trained to map a corrupted input $\tilde x$ to the clean $x$; the clean image is
#   the free label. Its optimum is $\mathbb E[x\mid\tilde x]$.
# - Corruptions: Gaussian (std $\sigma$, clamped to the data range), masking (fraction $p$
#   dropped), salt and pepper; one seeded draw from an explicit generator.
# - PSNR $=10\log_{10}(R^2/\mathrm{MSE})$ per image, then the mean; state $R$.
# - On `digits`: a DAE gains more than 5 dB on noisy digits (every seed); its code classifies
#   noisy digits far better than the same AE trained on clean input, and ties on clean digits.
# - The seeds' bugs: `torch.cuda.random.normal` does not exist; a decoder is the whole decoder,
#   not its last layer; features are taken at the bottleneck.
#
# ## References
#
# - P. Vincent, H. Larochelle, Y. Bengio, P.-A. Manzagol. *Extracting and Composing Robust
#   Features with Denoising Autoencoders*, ICML 2008.
# - P. Vincent et al. *Stacked Denoising Autoencoders: Learning Useful Representations in a
#   Deep Network with a Local Denoising Criterion*, JMLR 2010.
# - K. He et al. *Masked Autoencoders Are Scalable Vision Learners*, CVPR 2022.
# - Z. Wang, A. C. Bovik. *Mean Squared Error: Love It or Leave It?*, IEEE Signal Processing
#   Magazine 2009 (what PSNR does and does not measure).
# - TorchMetrics `PeakSignalNoiseRatio` and scikit-image `peak_signal_noise_ratio`: the peers
#   `tests/test_autoencoder.py` checks `psnr` against.
