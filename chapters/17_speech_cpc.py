# %% [markdown]
# # 17 · Speech and CPC
#
# > **问题：** 自监督学习中的语音预训练是什么？它有什么作用？
# >
# > **Question:** What is self-supervised pretraining for speech, and what is it for?
#
# **Model answer.** Speech pretraining learns an encoder from unlabelled audio by making the
# audio its own target. Contrastive Predictive Coding (CPC, Oord et al. 2018) is the classic
# recipe and the ancestor of wav2vec: a strided convolutional encoder turns raw samples into
# one vector $z_t$ per 10 ms, an autoregressive network (a GRU) summarises the past into
# $c_t$, and for each future step $k = 1..K$ a linear map $W_k$ must pick the true future
# $z_{t+k}$ out of a set of negatives (InfoNCE). No transcript is used. The encoder (or
# $c_t$) is then frozen and judged by a linear probe on a labelled task such as phoneme
# classification; in the paper the probe on CPC features reaches 64.6 % phone accuracy on
# LibriSpeech where a randomly initialised encoder gets 27.6 %. Training a network on
# labels, as the interview answer below does, is supervised learning, not pretraining.

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from ssl_course import bar, check, quick_mode, quiz, scaled, seed_everything, use_reference_if_unsolved
from ssl_course.audio.cpc import CPC
from ssl_course.audio.spectrogram import log_spectrogram
from ssl_course.data.speech import make_speech
from ssl_course.evaluate.probes import linear_probe

seed_everything(0)
torch.set_num_threads(1)  # small convolutions and a GRU: one thread is faster than two fighting

# %% [markdown]
# ## Theory
#
# **Data.** `data.speech.make_speech` builds synthetic speech at 8 kHz: 10 phoneme-like units,
# each with three formants $F_1, F_2, F_3$, and 8 speakers, each with a pitch $f_0$ and a
# formant scale $s$ (a longer or shorter vocal tract). A unit lasts 2 to 6 frames of 10 ms
# (drawn uniformly), all units are equally loud, and an utterance is 48 frames. A unit's waveform
# is the speaker's harmonics $h f_0$, each weighted by $\sum_j \exp(-(h f_0 - s F_j)^2 / 2\sigma^2)$,
# with random phases redrawn every 5 ms (overlap-added Hann windows). Phoneme identity therefore
# lives in the spectral envelope (energy per frequency band), not in the samples' signs.
#
# **Framing and spectrograms.** Framing cuts $x \in \mathbb{R}^T$ into frames
# $x_i = x[i\,h : i\,h + L]$, $i = 0..\lfloor (T-L)/h \rfloor$. The log spectrogram is
# $S_{i,f} = \log(\epsilon + |\sum_n w_n x_i[n] e^{-2\pi i f n / L}|^2)$ with a Hann window $w$
# (`audio.spectrogram.log_spectrogram`, `torch.stft`; tests check it against framing + `rfft`).
#
# **CPC.** With $z_t = g_{enc}(x)_t$ and $c_t = g_{ar}(z_{\le t})$, the score of a candidate
# $z$ for step $k$ is $f_k(z, c_t) = z^\top W_k c_t$, and InfoNCE for one $(b, t, k)$ is
#
# $$\mathcal{L}_{b,t,k} = -\log \frac{\exp(z_{b,t+k}^\top W_k c_{b,t})}{\sum_{(b', t') \in \mathcal{C}_k} \exp(z_{b',t'}^\top W_k c_{b,t})},$$
#
# where in this course the candidates $\mathcal{C}_k$ are **every** target of the batch for
# that step: all $z_{b', t'}$ with $t' \ge k$ (other utterances, hence other speakers, and the
# same utterance at other times). The loss averages each step's $B (T-k)$ terms, then the $K$
# steps. Minimising it maximises a lower bound on $I(x_{t+k}; c_t)$ of $\log |\mathcal{C}_k|$
# minus the loss: the encoder is rewarded for what the past predicts about the future.
#
# **The encoder** (`audio.cpc.CPC`) is strided convolutions on raw samples, as in the paper, but
# each $z_t$ sees exactly its own 80 samples (kernel = stride: 20, then 4). With overlapping
# windows, as in the paper, $z_t$ and $z_{t+1}$ would share samples, and an encoder could pick
# the true future by matching those shared samples, with no phoneme content at all.

# %% [markdown]
# ## The common wrong answer: a "pretrained WaveNet" that is one convolution trained on labels
#
# The interview answer calls `nn.Sequential(nn.Conv1d(...), nn.Tanh())` a pretrained WaveNet,
# then trains it with `MSELoss` against labels. We run what it wrote (paraphrased): one
# convolution of kernel and stride 80 (one output per 10 ms frame), Tanh, MSE against one-hot
# phoneme labels. Nothing is pretrained and the labels are used, so this is supervised
# learning of a linear-in-samples model. Its frame accuracy on held-out speech:

# %%
N_TRAIN, N_TEST, HOP = scaled(128, 48), 48, 80
train, test = make_speech(N_TRAIN, seed=0), make_speech(N_TEST, seed=1)
print("train waves", tuple(train.waves.shape), "frame labels", tuple(train.frame_labels.shape))

# Two training utterances by different speakers: the log spectrogram (each column one 32 ms
# window, hop 10 ms) with the phoneme boundaries as white lines and each phoneme's id above it.
pair = [0, int((train.speakers != train.speakers[0]).nonzero()[0])]
fig, axes = plt.subplots(1, 2, figsize=(10, 3), sharey=True)
for ax, i in zip(axes, pair):
    spec = log_spectrogram(train.waves[i:i + 1], hop=HOP)[0]             # (frames, 129)
    t0, sr = 128 / 8000, 8000                                             # a window's centre, sample rate
    ax.imshow(spec.T, origin="lower", aspect="auto", cmap="magma",
              extent=(t0, t0 + HOP * len(spec) / sr, 0, sr / 2))
    labels = train.frame_labels[i]
    changes = (labels[1:] != labels[:-1]).nonzero().flatten() + 1
    for c in changes.tolist():
        ax.axvline(c * HOP / sr, color="white", lw=0.8)
    for start, end in zip([0, *changes.tolist()], [*changes.tolist(), len(labels)]):
        ax.text((start + end) / 2 * HOP / sr, sr / 2 * 1.02, str(int(labels[start])), ha="center", fontsize=7)
    ax.set_title(f"utterance {i}, speaker {int(train.speakers[i])}", pad=14)
    ax.set_xlabel("time (s)")
axes[0].set_ylabel("frequency (Hz)")
fig.tight_layout()
plt.show()


def frame_accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """logits: (B, T, C), labels: (B, T) -> fraction of frames right."""
    return float((logits.argmax(-1) == labels).float().mean())


def train_seed_wavenet(seed: int, steps: int) -> float:
    """The seed's model, trained on labels with MSE; returns held-out frame accuracy."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Conv1d(1, 10, kernel_size=HOP, stride=HOP), nn.Tanh())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        idx = torch.randint(0, N_TRAIN, (16,), generator=g)
        out = model(train.waves[idx, None]).transpose(1, 2)                    # (16, T, 10)
        loss = F.mse_loss(out, F.one_hot(train.frame_labels[idx], 10).float())
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return frame_accuracy(model(test.waves[:, None]).transpose(1, 2), test.frame_labels)


STEPS = scaled(80, 6)
wavenet_acc = [train_seed_wavenet(s, STEPS) for s in range(3)]
print("seed's 'WaveNet' (supervised, MSE): held-out frame accuracy",
      [f"{a:.3f}" for a in wavenet_acc], "chance 0.100")

# %% [markdown]
# ## Exercise 17.frame_signal
#
# Write `frame_signal(x, frame_length, hop)`: `x` is `(..., T)`; return
# `(..., n_frames, frame_length)` where frame `i` is `x[..., i*hop : i*hop + frame_length]` and
# `n_frames = 1 + (T - frame_length) // hop` (a partial frame at the end is dropped, never
# padded). When `T < frame_length` return an empty `(..., 0, frame_length)` tensor. Keep the
# input's dtype and device. Only the last dimension is time.

# %%
def frame_signal(x: torch.Tensor, frame_length: int, hop: int) -> torch.Tensor:
    """x: (..., T) -> (..., n_frames, frame_length)."""
    ### BEGIN SOLUTION
    if x.shape[-1] < frame_length:
        return x.new_zeros(*x.shape[:-1], 0, frame_length)
    return x.unfold(-1, frame_length, hop)
    ### END SOLUTION


check("17.frame_signal", frame_signal)

# %%
frame_signal = use_reference_if_unsolved("17.frame_signal", frame_signal)

# %% [markdown]
# ## Exercise 17.cpc_loss
#
# Write `cpc_loss(z, predictions)`: `z` is `(B, T, D)`, `predictions` is `(K, B, T, D)` with
# `predictions[k-1, b, t]` $= W_k c_{b,t}$, the guess for `z[b, t+k]`. For each step
# `k = 1..K` with `k < T`: flatten the guesses `predictions[k-1, :, :T-k]` and the targets
# `z[:, k:]` to `(B*(T-k), D)` (utterance-major); row `i`'s positive is target row `i`, its
# negatives all the other target rows; score by dot product; take the cross-entropy. Average
# each step over its rows, then over the steps that exist. Return a scalar in `z`'s dtype.

# %%
def cpc_loss(z: torch.Tensor, predictions: torch.Tensor) -> torch.Tensor:
    """z: (B, T, D), predictions: (K, B, T, D) -> scalar."""
    ### BEGIN SOLUTION
    n_steps, _, length, dim = predictions.shape
    per_step = []
    for k in range(1, min(n_steps, length - 1) + 1):
        guess = predictions[k - 1, :, : length - k].reshape(-1, dim)
        future = z[:, k:].reshape(-1, dim)
        per_step.append(F.cross_entropy(guess @ future.T, torch.arange(len(guess), device=z.device)))
    return torch.stack(per_step).mean()
    ### END SOLUTION


check("17.cpc_loss", cpc_loss)

# %%
cpc_loss = use_reference_if_unsolved("17.cpc_loss", cpc_loss)

# %% [markdown]
# ## The headline experiment
#
# Three inputs, one linear probe on frozen per-frame features (the same 3000 training and
# 1500 test frames, test utterances unseen): the log spectrogram itself (the reference point:
# hand-made features), `CPC` untrained (a random encoder, features $c_t$), and `CPC` trained
# with `cpc_loss` on the unlabelled training waves (features $c_t$). We also print CPC's own task
# accuracy: how often, for $k = 1$, the true future scores highest among the $B(T-1)$ candidates
# of a held-out batch. The bar, from the paper's gap (64.6 % vs 27.6 %): the CPC probe beats the
# random encoder of the same seed by at least 20 points on **every** one of 3 seeds.

# %%
def frame_features(feats: torch.Tensor, labels: torch.Tensor, n: int, seed: int):
    """feats: (B, T, D), labels: (B, T) -> (n, D), (n,) a seeded subset of frames."""
    flat, y = feats.flatten(0, 1), labels.flatten()
    idx = torch.randperm(len(flat), generator=torch.Generator().manual_seed(seed))[:n]
    return flat[idx], y[idx]


def probe(train_feats: torch.Tensor, test_feats: torch.Tensor) -> float:
    """Linear-probe phoneme accuracy of per-frame features (B, T, D)."""
    a, ya = frame_features(train_feats, train.frame_labels, 3000, seed=0)
    b, yb = frame_features(test_feats, test.frame_labels, 1500, seed=1)
    return linear_probe(a, ya, b, yb)


@torch.no_grad()
def context_features(model: CPC, waves: torch.Tensor) -> torch.Tensor:
    return model(waves)[1]


@torch.no_grad()
def task_accuracy(model: CPC, waves: torch.Tensor) -> float:
    """waves: (B, T_samples) -> fraction of k = 1 predictions whose true future scores highest
    among all B * (T - 1) targets (the candidates of cpc_loss)."""
    z, _, predictions = model(waves)
    guess = predictions[0, :, :-1].flatten(0, 1)                    # (B*(T-1), D)
    future = z[:, 1:].flatten(0, 1)                                  # (B*(T-1), D)
    return float(((guess @ future.T).argmax(1) == torch.arange(len(guess))).float().mean())


def train_cpc(seed: int, steps: int, batch: int = 16) -> tuple[CPC, float]:
    """CPC trained on unlabelled training waves (batches of `batch` utterances); returns the
    model and its k = 1 task accuracy on 16 test utterances."""
    torch.manual_seed(seed)
    model = CPC(dim=64, context_dim=64, n_steps=4)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        z, _, predictions = model(train.waves[torch.randint(0, N_TRAIN, (batch,), generator=g)])
        loss = cpc_loss(z, predictions)
        opt.zero_grad()
        loss.backward()
        opt.step()
    n_cand, acc = batch * (z.shape[1] - 1), task_accuracy(model, test.waves[:16])
    print(f"seed {seed}: final CPC loss {loss.item():.3f} (log {n_cand} = {math.log(n_cand):.3f}); "
          f"k=1 task accuracy on 16 test utterances {acc:.3f} (chance {1 / n_cand:.4f})")
    return model, acc


pad = (256 - HOP) // 2  # centre each 256-sample window on its 80-sample frame
spec_acc = probe(log_spectrogram(F.pad(train.waves, (pad, pad))), log_spectrogram(F.pad(test.waves, (pad, pad))))
CPC_STEPS = scaled(200, 6)
random_acc, cpc_acc, task_acc = [], [], []
for seed in range(3):
    torch.manual_seed(seed)
    random_model = CPC(dim=64, context_dim=64, n_steps=4)
    random_acc.append(probe(context_features(random_model, train.waves), context_features(random_model, test.waves)))
    model, acc = train_cpc(seed, CPC_STEPS)
    task_acc.append(acc)
    cpc_acc.append(probe(context_features(model, train.waves), context_features(model, test.waves)))

as_t = torch.tensor
print(f"log spectrogram probe: {spec_acc:.3f}")
print(f"random encoder probe:  {as_t(random_acc).mean():.3f} ± {as_t(random_acc).std():.3f}")
print(f"CPC probe:             {as_t(cpc_acc).mean():.3f} ± {as_t(cpc_acc).std():.3f}")
print(f"seed's WaveNet (labels): {as_t(wavenet_acc).mean():.3f} ± {as_t(wavenet_acc).std():.3f}")
gaps = 100 * (as_t(cpc_acc) - as_t(random_acc))
print("CPC - random per seed (points):", [f"{g:.1f}" for g in gaps.tolist()])
if not quick_mode():  # CPC's own task: over 10 times the 1/752 chance on every seed
    assert min(task_acc) > 10 / 752, task_acc
bar("17.headline", float(gaps.min()), ">=", 20, unit=" points (worst seed)")

# %% [markdown]
# ## Reading the results
#
# The numbers are printed above. CPC's own task accuracy is over 10 times chance on every seed
# (asserted), and the probe on its features beats the random encoder of the same seed by the bar
# on every seed: the
# encoder, never shown a label, learned per-frame features from which a linear map reads the
# phoneme. The log spectrogram is the reference point, not a rival: it is a hand-made front end
# that already computes energy per frequency band, which is where this corpus keeps the phoneme.
# The seed's supervised "WaveNet" is printed for what it is: one convolution trained on labels.
# This corpus is small (8 speakers, 10 units, a few seconds of CPU training), so the numbers say
# that the recipe works here, not how large the gain is on real speech.

# %% [markdown]
# ## Interview drill

# %%
quiz("17.q1")

# %%
quiz("17.q2")

# %%
quiz("17.q3")

# %% [markdown]
# <details><summary>Why does CPC predict in latent space instead of predicting the next samples?</summary>
#
# Predicting samples with a regression loss spends capacity on every detail of the waveform
# (phase, noise) and an MSE on a learned target collapses: a constant encoder predicts itself
# perfectly. InfoNCE only asks to tell the true future from negatives, so the constant
# encoder scores log of the number of candidates, the worst value (a test of `tests/test_cpc.py`).
# </details>
#
# <details><summary>What does wav2vec 2.0 change?</summary>
#
# It masks spans of the latent sequence, runs a Transformer over it, and takes the
# contrastive target from a quantised version of the unmasked latents, with negatives from
# other masked positions of the same utterance (Baevski et al. 2020).
# </details>
#
# ## Summary
#
# - Speech pretraining turns unlabelled audio into its own targets; CPC predicts future
#   latents and scores the predictions with InfoNCE against negatives.
# - What the encoder sees decides what is learned: if neighbouring encodings shared samples, the
#   true future could be picked by matching them; here each $z_t$ sees only its own frame.
# - A linear probe on frozen features, compared with a random encoder and a spectrogram, is
#   the test; training on labels is supervised learning, not pretraining.
#
# ## References
#
# - A. van den Oord, Y. Li, O. Vinyals. Representation Learning with Contrastive Predictive
#   Coding. 2018.
# - S. Schneider, A. Baevski, R. Collobert, M. Auli. wav2vec: Unsupervised Pre-training for
#   Speech Recognition. 2019.
# - A. Baevski, H. Zhou, A. Mohamed, M. Auli. wav2vec 2.0. 2020.
