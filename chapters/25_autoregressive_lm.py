# %% [markdown]
# # 25 · Autoregressive language models
#
# > **问题：** 请解释自监督学习中的语言模型是什么？它如何应用于自然语言处理？
# >
# > **Question:** What is a language model in self-supervised learning, and how is it used in NLP?
#
# **Model answer.** An autoregressive language model factorises the probability of a text by the
# chain rule, $p(x_1, \dots, x_T) = \prod_t p(x_{t+1} \mid x_{\le t})$, and learns each factor by
# predicting the next token: the labels are the text itself, shifted by one position, so any
# amount of raw text is training data. It is trained with the cross-entropy at **every** position
# (a window of $L$ tokens gives $L-1$ predictions), scored on held-out text by its perplexity,
# $\exp$ of the mean negative log-likelihood per token, and used by sampling: draw the next token
# from $\mathrm{softmax}(z / \tau)$, append it, repeat. The number that says whether it learned
# anything is its perplexity next to a simple baseline, such as a smoothed bigram model.

# %%
import math

import matplotlib.pyplot as plt
import torch

from ssl_course import bar, check, device, quick_mode, quiz, scaled, seed_everything, use_reference_if_unsolved
from ssl_course.text.lstm import (
    CharLSTM,
    heldout_perplexity,
    last_step_loss,
    lm_data,
    train_lm,
    windows,
)
from ssl_course.text.sampling import generate

# One thread: a 128-unit LSTM steps through time one position after another, and small matrix
# products do not split well over cores; on a GPU this setting does not matter.
torch.set_num_threads(1)
seed_everything(0)
print("device:", device())

# %% [markdown]
# ## The data: Python's documentation, one character at a time
#
# `corpus()` is the text of Python's `help()` topics (lower-case words). We join the words with
# spaces and read it **character by character** with chapter 16's `Tokenizer`, built on the
# characters of the training part: ids 0..4 are its special tokens (never seen here), then the
# space and the 26 letters. The stream is split contiguously: the first 80% for training, the
# next 10% for validation (choosing the bigram's smoothing) and the last 10% for the test.
# Chapter 27 uses exactly this data (`lm_data()`).

# %%
data = lm_data()
V = data.vocab_size
print(f"vocabulary {V} tokens: {data.tok.vocab}")
print(f"train {len(data.train):,} / validation {len(data.val):,} / test {len(data.test):,} characters")
print("the test text begins:", repr("".join(data.tok.decode(data.test[:90]))))

# %% [markdown]
# ## Theory
#
# **The objective.** For a window $x_1, \dots, x_L$, the model outputs logits $z_t \in \mathbb R^V$
# at every position $t$ from $x_{\le t}$ alone (an LSTM reads left to right, so it cannot see the
# future). The loss is the mean negative log-likelihood of the next token at each of the $L - 1$
# positions that have one:
#
# $$\mathcal L = -\frac{1}{L-1}\sum_{t=1}^{L-1} \log \mathrm{softmax}(z_t)_{x_{t+1}}.$$
#
# The targets are the inputs shifted left by one; the last position has no target (here its
# target is $-100$, which `F.cross_entropy(..., ignore_index=-100)` skips).
#
# **Perplexity.** On held-out text of $N$ predicted tokens,
# $\mathrm{PPL} = \exp\big(\frac{1}{N}\sum_{i=1}^{N} -\log p(x_i \mid \text{context}_i)\big)$: the
# sum runs over tokens, wherever they sit. Evaluating in batches, one adds up the summed NLL and
# the token counts of all batches and divides once; the mean of per-batch perplexities is a
# different number (it weighs a small last batch as much as a full one, and averages exp's
# instead of exponentiating an average). A model guessing uniformly over $V$ tokens has $\mathrm{PPL} = V$; a
# perfect one has 1.
#
# **The baseline.** A bigram model predicts $x_{t+1}$ from $x_t$ alone, with add-$\alpha$
# (Lidstone) smoothing so that no pair unseen in training gets probability 0 (and the
# perplexity $\infty$):
#
# $$p(b \mid a) = \frac{\mathrm{count}(a, b) + \alpha}{\mathrm{count}(a, \cdot) + \alpha V}.$$
#
# Whatever an LSTM gains beyond it, it has read from more than one character of context.
#
# **Temperature.** Sampling draws from $\mathrm{softmax}(z/\tau)$: $\tau \to 0$ is the argmax
# (greedy), $\tau = 1$ the model's own distribution, $\tau > 1$ flatter than it.
#
# ## The common wrong answer, run
#
# The seed's answer reads out only `outputs[-1]`, the LSTM's last time step, and computes a loss
# against `targets` that are never defined. Defined the only way that makes it run, it predicts
# one token per window (the last) instead of $L - 1$. We train that with the identical recipe as
# the right model below (same `CharLSTM`, data, steps, batch, optimiser and seed) and score it the
# same way on the validation text.

# %%
STEPS, BATCH, SEQ, LR, HIDDEN = scaled(200, 20), 64, 64, 5e-3, 128
SEEDS = (0, 1, 2)


def new_model(seed: int) -> CharLSTM:
    torch.manual_seed(seed)
    return CharLSTM(V, dim=32, hidden=HIDDEN)


wrong = new_model(0)
wrong_run = train_lm(wrong, data.train, STEPS, seq_len=SEQ, batch_size=BATCH, lr=LR, seed=0, loss_fn=last_step_loss)
ppl_wrong_val = heldout_perplexity(wrong, data.val, seq_len=SEQ)
print(f"last time step only: {STEPS} steps x {BATCH} windows = {STEPS * BATCH:,} predictions trained on; "
      f"validation perplexity {ppl_wrong_val:.2f}")

# %% [markdown]
# Its loss looks like a language-model loss and it trains without error, but each window gives it
# one prediction to learn from instead of 64. Its perplexity is compared with the right
# model's and the bigram's in the headline experiment below.

# %% [markdown]
# ## Exercise 25.shift_targets
#
# Write the targets for a batch of windows `ids` `(N, L)` (any integer dtype). Return `targets`,
# same shape, dtype and device: `targets[:, t] = ids[:, t + 1]` for every `t < L - 1`, `-100` at
# the last position, and `-100` wherever the next token is `pad_id` (when `pad_id` is not None;
# padding is never a target, but a pad in the input may still have a real target). The model's
# input is `ids` itself. Do not change `ids` in place.

# %%
def shift_targets(ids: torch.Tensor, pad_id: int | None = None) -> torch.Tensor:
    """ids (N, L) int -> targets (N, L), same dtype and device, -100 where there is no target."""
    ### BEGIN SOLUTION
    targets = torch.full_like(ids, -100)
    targets[:, :-1] = ids[:, 1:]
    if pad_id is not None:
        targets = targets.masked_fill(targets == pad_id, -100)
    return targets
    ### END SOLUTION


check("25.shift_targets", shift_targets)

# %%
shift_targets = use_reference_if_unsolved("25.shift_targets", shift_targets)

# %% [markdown]
# ## Exercise 25.perplexity
#
# Write the perplexity of `logits` `(N, L, V)` against `targets` `(N, L)` (any integer dtype,
# `-100` where there is no target): $\exp$ of the **summed** negative log-likelihood (natural
# log) over every position with a target, divided by the number of such positions. A scalar in
# the logits' dtype. Rows hold different numbers of targets: each target counts once, so this is
# not the mean of per-row perplexities. Mind logits large enough to overflow `exp`. At least one
# target is present.

# %%
def perplexity(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """logits (N, L, V), targets (N, L) -> scalar exp(sum NLL / number of targets)."""
    ### BEGIN SOLUTION
    flat, y = logits.reshape(-1, logits.shape[-1]), targets.reshape(-1).long()
    keep = y != -100
    total = torch.nn.functional.cross_entropy(flat[keep], y[keep], reduction="sum")
    return torch.exp(total / keep.sum())
    ### END SOLUTION


check("25.perplexity", perplexity)

# %%
perplexity = use_reference_if_unsolved("25.perplexity", perplexity)

# %% [markdown]
# ## Exercise 25.bigram
#
# Fit the bigram baseline on a stream `ids` `(T,)` (any integer dtype, values in
# `0..vocab_size-1`). Return `(V, V)` **float64** log-probabilities on `ids.device`, row `a`
# holding $\log p(b \mid a) = \log(\mathrm{count}(a,b) + \alpha) - \log(\mathrm{count}(a,\cdot) + \alpha V)$,
# where `count(a, b)` counts the `T - 1` consecutive pairs `(ids[t], ids[t+1])` (no pair wraps
# around from the end to the start) and `V = vocab_size` (tokens that never occur get uniform
# rows). `alpha > 0`.

# %%
def bigram_log_probs(ids: torch.Tensor, vocab_size: int, alpha: float = 1.0) -> torch.Tensor:
    """ids (T,) int -> (V, V) float64: log P(next = b | current = a), add-alpha smoothed."""
    ### BEGIN SOLUTION
    v = vocab_size
    pairs = ids[:-1].long() * v + ids[1:].long()
    counts = torch.bincount(pairs, minlength=v * v).reshape(v, v).double()
    return (counts + alpha).log() - (counts.sum(1, keepdim=True) + alpha * v).log()
    ### END SOLUTION


check("25.bigram", bigram_log_probs)

# %%
bigram_log_probs = use_reference_if_unsolved("25.bigram", bigram_log_probs)

# %% [markdown]
# ## The bigram baseline
#
# We choose $\alpha$ on the validation text, then score the test text on exactly the targets
# the LSTM will be scored on: the test stream cut into windows of 65 characters that overlap by
# one, so that every character after the first is predicted once. The bigram's logits at a
# position are just the row of its current character (log-probabilities are already normalised,
# so `perplexity`'s softmax leaves them unchanged).

# %%
val_windows, test_windows = windows(data.val, SEQ + 1), windows(data.test, SEQ + 1)
val_targets, test_targets = shift_targets(val_windows), shift_targets(test_windows)
alphas = (0.01, 0.1, 1.0, 10.0)
val_ppl = {a: perplexity(bigram_log_probs(data.train, V, a)[val_windows], val_targets).item() for a in alphas}
alpha = min(val_ppl, key=val_ppl.get)
bigram = bigram_log_probs(data.train, V, alpha)
ppl_bigram = perplexity(bigram[test_windows], test_targets).item()
print("bigram validation perplexity by alpha:", {a: round(p, 3) for a, p in val_ppl.items()})
print(f"chosen alpha {alpha}; bigram test perplexity {ppl_bigram:.3f} "
      f"({int((test_targets != -100).sum()):,} test characters; uniform guessing would give {V})")

# %% [markdown]
# ## The headline experiment
#
# A one-layer `CharLSTM` (32-d embedding, 128 units), trained with your `shift_targets` on random
# 65-character windows of the training text: Adam, cosine decay, three seeds. The bar, from the
# syllabus: test perplexity at least **30% below** the bigram's, on the worst of the three
# seeds. Every test window starts from an empty LSTM state, so the first characters of a window
# have little context; the bigram is scored on the same targets.

# %%
lstms, ppl_lstm, curves = {}, {}, {}
for seed in SEEDS:
    lstms[seed] = new_model(seed)
    curves[seed] = train_lm(lstms[seed], data.train, STEPS, seq_len=SEQ, batch_size=BATCH, lr=LR, seed=seed,
                            targets_fn=shift_targets).losses
    with torch.no_grad():
        logits = lstms[seed](test_windows.to(device()))[0].cpu()
    ppl_lstm[seed] = perplexity(logits, test_targets).item()
    # the reference, summing the NLL over batches of 100 windows, must agree
    assert abs(heldout_perplexity(lstms[seed], data.test, SEQ, batch_size=100) - ppl_lstm[seed]) < 1e-3 * ppl_lstm[seed]
    print(f"seed {seed}: LSTM test perplexity {ppl_lstm[seed]:.3f}")

with torch.no_grad():
    logits_wrong = wrong(test_windows.to(device()))[0].cpu()
ppl_wrong = perplexity(logits_wrong, test_targets).item()
values = torch.tensor(list(ppl_lstm.values()), dtype=torch.float64)
reduction = 1 - values / ppl_bigram
print(f"LSTM test perplexity {values.mean():.3f} ± {values.std():.3f} (3 seeds); bigram {ppl_bigram:.3f}; "
      f"last-step-only LSTM (seed 0) {ppl_wrong:.3f}")
print(f"reduction below the bigram: {reduction.mean():.1%} ± {reduction.std():.1%}, worst seed {reduction.min():.1%}")
bar("25.headline", reduction.min().item(), ">=", 0.30)


fig, ax = plt.subplots(figsize=(6, 3))
for seed, losses in curves.items():
    ax.plot(losses, label=f"LSTM, seed {seed} (training batches)")
ax.plot(wrong_run.losses, color="gray", label="last time step only, seed 0 (its one target per window)")
ax.axhline(math.log(ppl_bigram), color="black", linestyle="--", label="bigram, test (log perplexity)")
ax.set(xlabel="step", ylabel="nats per predicted character", title="Training loss")
ax.legend(fontsize=7)
plt.show()
if not quick_mode():  # 20 quick steps are too few for these claims
    assert max(ppl_lstm.values()) < ppl_wrong < ppl_bigram, "the wrong answer sits between the LSTM and the bigram"

# %% [markdown]
# **Perplexity from summed NLL, and the mean of per-batch perplexities.** The same seed-0 model,
# the test windows in batches of 100 (the last batch is smaller): pooling the summed NLL gives
# the number above; averaging the batches' perplexities gives another. How far apart they are
# depends on how unequal the batches are: here they are nearly equal in size, and the printed
# gap is small. The check of 25.perplexity holds a case (one row with 1 target, one with 12)
# where the mean of per-row perplexities is far off.

# %%
with torch.no_grad():
    logits0 = lstms[0](test_windows.to(device()))[0].cpu()
batch_ppl = [perplexity(logits0[i:i + 100], test_targets[i:i + 100]).item() for i in range(0, len(test_windows), 100)]
mean_of_batches = sum(batch_ppl) / len(batch_ppl)
print(f"{len(batch_ppl)} batches, the last of {len(test_windows) % 100 or 100} windows; per-batch perplexities "
      f"{[round(p, 2) for p in batch_ppl]}")
print(f"pooled (summed NLL): {ppl_lstm[0]:.4f}; mean of per-batch perplexities: {mean_of_batches:.4f}")

# %% [markdown]
# ## Samples at several temperatures
#
# The seed-0 LSTM continues the prompt `"the "` with 160 characters, four samples per
# temperature (one generator, seeded). To put a number on what the eye sees, we count which
# share of the generated words (runs of letters between spaces, the last one dropped as it may
# be cut) are words of the training text, and how many different words appear.

# %%
train_words = set("".join(data.tok.decode(data.train)).split())
prompt = data.tok.encode(list("the ")).repeat(4, 1)
g = torch.Generator().manual_seed(0)
for tau in (0.0, 0.5, 1.0, 1.5):
    out = generate(lstms[0], prompt.to(device()), scaled(160, 40), temperature=tau, generator=g)
    texts = ["".join(data.tok.decode(row)) for row in out.cpu()]
    words = [w for t in texts for w in t.split()[:-1]]
    real = sum(w in train_words for w in words) / max(1, len(words))
    specials = int((out[:, prompt.shape[1]:] < data.tok.n_special).sum())
    print(f"--- temperature {tau}: {real:.0%} of {len(words)} words are training words; {len(set(words))} distinct; "
          f"{specials} special tokens drawn")
    for t in texts[:2]:
        print("   ", repr(t))

# %% [markdown]
# At temperature 0 every sample is the same greedy string (no draw is made), and the printed count
# of distinct words shows whether it loops; as the temperature rises the samples differ from one
# another and fewer of the "words" are words (the printed shares say how many, for this model and
# seed). At high temperature even the special tokens, which never occur in the text, can be drawn:
# their logits are low but not $-\infty$ (the count is printed).

# %% [markdown]
# ## Reading the results honestly
#
# - **A character-level bigram is a weak baseline.** It sees one character of context; the
#   bar says the LSTM reads more than that, not that it models English well. A smoothed
#   n-gram model with a longer context (Kneser-Ney 5-grams) is the stronger classical baseline,
#   and it is not fitted here.
# - **The wrong answer is not useless, just wasteful.** Trained on one prediction per window it
#   still ends below the bigram (printed and asserted above), though far above the right LSTM.
#   It saw 64 times fewer targets for the same compute; how far it would get with 64 times more
#   steps is not measured here.
# - **The wrong answer is one seed.** Its gap to the right LSTM is larger than the LSTM's spread
#   over seeds, but its own spread is not measured.
# - **Small and short.** A few hundred steps (printed above) of a 128-unit LSTM on 300k characters, three seeds. The
#   spread printed above is over seeds only (initialisation and batch order); the test text is
#   one contiguous piece of one kind of text (Python's documentation), so how the numbers
#   transfer to other prose is not measured.
# - **The sample statistics are descriptive.** One model, 4 samples of 160 characters per
#   temperature: the share of real words is a rough measure of "plausible text", not of quality,
#   and its sampling error is not estimated.
# - **Every test window starts from a zero state.** Carrying the state from window to window
#   would lower the LSTM's perplexity (more context) and is how a stateful LSTM is usually
#   evaluated; the bigram's number would not change. We do not measure by how much.

# %% [markdown]
# ## Interview drill

# %%
quiz("25.q1")

# %%
quiz("25.q2")

# %%
quiz("25.q3")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>Why can an LSTM language model be trained on every position at once?</summary>
#
# The LSTM reads left to right, so its output at position t depends on tokens up to t only
# (`tests/test_lstm.py` checks that changing future tokens leaves earlier logits unchanged).
# Every position is then a valid next-token prediction, and one forward pass over a window gives
# L - 1 of them (teacher forcing: the true previous tokens are fed in, not the model's own).
# </details>
#
# <details><summary>Perplexity of a character model against a word model: can you compare them?</summary>
#
# Not directly: perplexity is per token, and a word is several characters. Convert to the same
# unit first, e.g. bits per character: a word model's NLL per word divided by the number of
# characters per word (with the space). The vocabulary and tokenizer must be part of the report.
# </details>
#
# <details><summary>What does temperature do to the distribution, and what does it not do?</summary>
#
# softmax(z / τ) keeps the order of the tokens and changes only how peaked the distribution is:
# τ → 0 gives the argmax, τ = 1 the model's own probabilities, large τ the uniform distribution.
# It cannot make a token the model ranks low more likely than one it ranks high; top-k and top-p
# (chapter 27) cut the tail instead.
# </details>
#
# ## Summary
#
# - An autoregressive LM learns p(next token | previous tokens) with the text as its own labels:
#   targets are the inputs shifted left by one, the loss is the cross-entropy at every position
#   with a target (-100 at the last one and at padding).
# - Perplexity is exp(summed NLL / number of predicted tokens), pooled over the whole held-out
#   text; a mean of per-batch perplexities is a different number (how different depends on
#   how unequal the batches are).
# - A smoothed bigram model is the baseline that says whether the model reads more than one
#   token of context; the bar asks the LSTM's test perplexity to be 30% below it on every seed
#   (the bar's line above says whether it was met).
# - Sampling draws from softmax(logits / τ); τ = 0 is greedy.
#
# ## References
#
# - Bengio, Ducharme, Vincent, Jauvin 2003, *A Neural Probabilistic Language Model*.
# - Karpathy 2015, *The Unreasonable Effectiveness of Recurrent Neural Networks* (char-rnn).
# - Jurafsky & Martin, *Speech and Language Processing*, ch. 3 (n-grams, smoothing, perplexity).
# - Hochreiter & Schmidhuber 1997, *Long Short-Term Memory*.
# - Holtzman et al. 2020, *The Curious Case of Neural Text Degeneration* (temperature, top-p).
