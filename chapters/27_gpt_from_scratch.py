# %% [markdown]
# # 27 · GPT from scratch
#
# > **问题：** 请解释自监督学习中的语言模型是什么？它如何应用于自然语言处理？
# >
# > **Question:** What is a language model in self-supervised learning, and how is it used in NLP?
#
# **Model answer.** A (causal) language model predicts each token from the tokens before it, so
# raw text supplies its own labels: the target at position t is the token at t + 1. GPT does
# this with a stack of Transformer blocks whose self-attention is **causal**: position i attends
# only to positions j <= i. The mask is what makes the task honest; without it the model reads the
# answer. Because of the mask, one forward pass over a window of L tokens gives L predictions
# (one per position), not one per sequence, and that parallelism is why Transformers train
# faster than an LSTM on a GPU. At generation time the model is run one token at a time and the
# next token is sampled, usually after top-k or top-p (nucleus) filtering of the logits.

# %%
import time

import matplotlib.pyplot as plt
import torch

from ssl_course import bar, check, device, quiz, scaled, seed_everything, use_reference_if_unsolved
from ssl_course.models.transformer import TinyGPT
from ssl_course.text.gpt import prefix_nll
from ssl_course.text.lstm import CharLSTM, evaluate_nll, lm_data, random_windows, train_lm
from ssl_course.text.sampling import generate

torch.set_num_threads(1)
seed_everything(0)
print("device:", device())

# %% [markdown]
# ## Theory
#
# For a window of tokens $x_0, \dots, x_L$ a causal model factorises
# $p(x_1, \dots, x_L \mid x_0) = \prod_t p(x_{t+1} \mid x_{\le t})$ and is trained with the mean of
# $-\log p(x_{t+1} \mid x_{\le t})$ over **every** position t. One attention head computes
#
# $$\mathrm{Attn}(Q, K, V) = \mathrm{softmax}\!\left(\frac{QK^\top}{\sqrt d} + M\right)V,\qquad
# M_{ij} = \begin{cases}0 & j \le i\\ -\infty & j > i\end{cases}$$
#
# The $-\infty$ entries become exact zeros after the softmax, so output i is a weighted average
# of the values of positions 0..i only. torch's fused `F.scaled_dot_product_attention(q, k, v,
# is_causal=True)` computes the same thing; this chapter writes it out and checks they agree.
#
# **Sampling.** Top-k keeps the k largest logits. Top-p (nucleus) keeps the smallest set of
# most-likely tokens whose probability reaches p: a token is kept when the probability of the
# tokens ranked above it is still below p, so the most likely token is always kept and the token
# that crosses p is kept too.
#
# ## The data
#
# Chapter 25's character stream (Python's help topics, lower-case letters and spaces, chapter 16's
# `Tokenizer` over characters), split contiguously 80/10/10: the same data and tokenizer for both
# models.

# %%
data = lm_data()
V = data.vocab_size
print(f"vocabulary {V} ids; train {len(data.train):,}, validation {len(data.val):,} characters")

# %% [markdown]
# ## The common wrong answer
#
# The interview answer behind this chapter builds an LSTM language model and reads out
# `outputs[-1]` only: **one prediction per sequence**. Chapter 25 trains it and measures what
# that costs. Its Transformer twin is attention **without the causal mask**: every position sees
# the token it must predict. The training loss then collapses, yet the model is useless for
# writing text, where the future does not exist yet. Below, a TinyGPT with the mask removed is
# trained with the same recipe as the real one, then scored two ways: with the usual shifted
# cross-entropy (one pass, the future visible) and with `prefix_nll`, which predicts token t + 1
# from tokens 0..t alone, the way the model is used when it writes.

# %%
SEQ = 64
GPT_CFG = dict(dim=32, depth=1, heads=4, max_len=SEQ + 1)
GPT_STEPS, GPT_BATCH, GPT_LR = scaled(480, 48), 16, 3e-2
LSTM_STEPS, LSTM_BATCH, LSTM_LR = scaled(80, 8), 32, 2e-2

probe = random_windows(data.val, 48, SEQ + 1, generator=torch.Generator().manual_seed(0))

torch.manual_seed(0)
leaky = TinyGPT(V, **GPT_CFG)
leaky.blocks[0].attn.causal = False
leaky_run = train_lm(leaky, data.train, GPT_STEPS, seq_len=SEQ, batch_size=GPT_BATCH, lr=GPT_LR, seed=0)
leaky_total, leaky_n = evaluate_nll(leaky, data.val[:20_000], seq_len=SEQ)
leaky_seen, leaky_honest = leaky_total / leaky_n, prefix_nll(leaky, probe.to(device()))
print(f"no causal mask: final training loss {sum(leaky_run.losses[-20:]) / 20:.3f} nats/char; "
      f"validation, future visible {leaky_seen:.3f}; validation, prefix only {leaky_honest:.3f}")

# %% [markdown]
# ## Exercise 27.causal_mask
#
# Write `causal_mask(scores)`: scores (..., L, L), row i a query and column j a key, to a new
# tensor of the same shape, dtype and device in which every entry with j > i is `float('-inf')`
# and the rest are unchanged. The diagonal stays: a token sees itself. Do not change the input.

# %%
def causal_mask(scores: torch.Tensor) -> torch.Tensor:
    """scores (..., L, L) -> (..., L, L), -inf above the diagonal."""
    ### BEGIN SOLUTION
    future = torch.ones(scores.shape[-2:], dtype=torch.bool, device=scores.device).triu(1)
    return scores.masked_fill(future, float("-inf"))
    ### END SOLUTION


check("27.causal_mask", causal_mask)

# %%
causal_mask = use_reference_if_unsolved("27.causal_mask", causal_mask)

# %% [markdown]
# ## Exercise 27.attention
#
# Write `attention(q, k, v, causal=True)`: q, k (..., L, d) and v (..., L, d_v) to (..., L, d_v),
# softmax(q kᵀ / √d) v with the causal mask applied before the softmax when `causal` is true.
# One output **per position**. Compute in the inputs' dtype; scores can be large.

# %%
def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, causal: bool = True) -> torch.Tensor:
    """q, k (..., L, d), v (..., L, d_v) -> (..., L, d_v)."""
    ### BEGIN SOLUTION
    scores = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5
    if causal:
        scores = causal_mask(scores)
    return scores.softmax(dim=-1) @ v
    ### END SOLUTION


check("27.attention", attention)

# %%
attention = use_reference_if_unsolved("27.attention", attention)

# %% [markdown]
# Your attention against torch's fused kernel, in float32 and float64, on GPT-shaped inputs
# (batch 4, 4 heads, 65 positions, head width 8):

# %%
g = torch.Generator().manual_seed(0)
diffs = {}
for dtype in (torch.float32, torch.float64):
    q, k, v = (torch.randn(4, 4, SEQ + 1, 8, generator=g, dtype=torch.float64).to(dtype) for _ in range(3))
    ours = attention(q, k, v, causal=True)
    fused = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    diffs[dtype] = (ours - fused).abs().max().item()
    print(f"{dtype}: max |attention - scaled_dot_product_attention| = {diffs[dtype]:.2e}")
bar("27.attention_float32", diffs[torch.float32], "<=", 1e-5)
bar("27.attention_float64", diffs[torch.float64], "<=", 1e-12)

# %% [markdown]
# ## Exercise 27.top_p
#
# Write `top_p(logits, p)`: logits (..., V) to (..., V) in the logits' dtype. Token i of a row is
# kept (its logit unchanged) when the total probability of the tokens **strictly more likely**
# than it is below p; every other token becomes `float('-inf')`. So the most likely token is
# always kept, the token whose probability makes the running total reach p is kept, and tokens
# tied with the least likely kept one are kept too. 0 < p <= 1.

# %%
def top_p(logits: torch.Tensor, p: float) -> torch.Tensor:
    """logits (..., V) -> (..., V), tokens outside the nucleus at -inf."""
    ### BEGIN SOLUTION
    probs = logits.softmax(dim=-1)
    sorted_probs, _ = probs.sort(dim=-1, descending=True)
    kept = (sorted_probs.cumsum(dim=-1) - sorted_probs) < p
    kept[..., 0] = True
    threshold = sorted_probs.masked_fill(~kept, float("inf")).amin(dim=-1, keepdim=True)
    return logits.masked_fill(probs < threshold, float("-inf"))
    ### END SOLUTION


check("27.top_p", top_p)

# %%
top_p = use_reference_if_unsolved("27.top_p", top_p)

# %% [markdown]
# ## The headline experiment: TinyGPT against chapter 25's LSTM, same data, same time
#
# Both models see the same character stream, the same tokenizer and the same training loop
# (chapter 25's `train_lm`: Adam, cosine decay, clipped gradients, random windows of 65
# characters), and are scored on the same validation windows by `evaluate_nll`. The LSTM is
# chapter 25's `CharLSTM` (32-d embedding, 256 hidden units); TinyGPT is one block of width 32
# with 4 heads. Each model's step count and learning rate were chosen beforehand so that both
# use about the same CPU time on one thread (measured below, in this run); the learning rates
# were each the better of two tried. Three seeds each. The bar (syllabus): TinyGPT's validation
# loss below the LSTM's, on the worst seed.

# %%
def run(kind: str, seed: int):
    torch.manual_seed(seed)
    if kind == "gpt":
        model = TinyGPT(V, **GPT_CFG)
        steps, batch, lr = GPT_STEPS, GPT_BATCH, GPT_LR
    else:
        model = CharLSTM(V)
        steps, batch, lr = LSTM_STEPS, LSTM_BATCH, LSTM_LR
    start = time.process_time()
    train_lm(model, data.train, steps, seq_len=SEQ, batch_size=batch, lr=lr, seed=seed)
    cpu = time.process_time() - start
    total, n = evaluate_nll(model, data.val, seq_len=SEQ)
    return model, total / n, cpu


results = {"gpt": [], "lstm": []}
for seed in range(3):
    for kind in results:
        model, loss, cpu = run(kind, seed)
        results[kind].append((loss, cpu))
        print(f"seed {seed} {kind:4s}: validation {loss:.3f} nats/char, training CPU time {cpu:.1f} s")
        if kind == "gpt":
            gpt = model  # the last seed's TinyGPT, sampled from below

# %%
def summary(kind):
    losses = torch.tensor([r[0] for r in results[kind]], dtype=torch.float64)
    cpus = torch.tensor([r[1] for r in results[kind]], dtype=torch.float64)
    return losses, cpus


g_loss, g_cpu = summary("gpt")
l_loss, l_cpu = summary("lstm")
print(f"TinyGPT : validation {g_loss.mean():.3f} ± {g_loss.std():.3f} nats/char, CPU {g_cpu.mean():.1f} s per run")
print(f"CharLSTM: validation {l_loss.mean():.3f} ± {l_loss.std():.3f} nats/char, CPU {l_cpu.mean():.1f} s per run")
print(f"CPU time ratio GPT / LSTM: {g_cpu.sum() / l_cpu.sum():.2f}")
fig, ax = plt.subplots(figsize=(5, 3))
for i, (name, losses, cpus) in enumerate((("TinyGPT", g_loss, g_cpu), ("CharLSTM", l_loss, l_cpu))):
    ax.scatter(cpus, losses, color=f"C{i}", label=name)
ax.set(xlabel="training CPU time (s)", ylabel="validation loss (nats/char)",
       title="Same data, same loop, about the same CPU time: each seed a dot")
ax.legend()
plt.show()
bar("27.gpt_beats_lstm_worst_seed", float((l_loss - g_loss).min()), ">", 0.0,
    shortfall="at ~8-10 CPU-seconds per run on one thread the LSTM learns faster: in every configuration "
              "tried (1-3 blocks, widths 32-96, learning rates 3e-3 to 5e-2, batches 16 and 32) "
              "TinyGPT stayed behind the LSTM's seed-0 loss by >= 0.2 nats/char")

# %% [markdown]
# The causal TinyGPT (seed 2) scored from prefixes, next to the model trained without the mask;
# then a sample with top-k and top-p (the generator is seeded), and how much of the vocabulary
# top-p = 0.9 keeps on validation positions:

# %%
causal_honest = prefix_nll(gpt, probe.to(device()))
print(f"validation, prefix only: causal TinyGPT {causal_honest:.3f}, no mask {leaky_honest:.3f} nats/char "
      f"(the no-mask model's future-visible score was {leaky_seen:.3f})")
assert leaky_honest > causal_honest > leaky_seen
prompt = data.tok.encode(list("the ")).unsqueeze(0).to(device())
sample = generate(gpt, prompt, scaled(120, 20), temperature=1.0, top_k=20, top_p=0.9, max_context=SEQ + 1,
                  generator=torch.Generator(device=device()).manual_seed(0))
print(repr("".join(data.tok.decode(sample[0].cpu()))))
with torch.no_grad():
    logits = gpt(probe[:, :-1].to(device()))
kept = torch.isfinite(top_p(logits, 0.9)).sum(-1).float()
print(f"top-p 0.9 keeps {kept.mean():.1f} of {V} tokens on average (min {kept.min():.0f}, max {kept.max():.0f})")

# %% [markdown]
# ## Reading the results honestly
#
# - The bar is **not met** here, and the notebook says so: at this budget (about eight CPU-seconds
#   per run, one thread, characters) the LSTM's mean validation loss is lower and TinyGPT does not
#   beat it on the worst seed. The LSTM's spread over seeds is wide at this learning rate, so a
#   single lucky seed can go either way: the bar is on the worst seed for that reason. The Transformer's advantage
#   is parallelism over positions, which a single CPU thread barely uses, and its inductive bias is
#   weaker (it must learn from data to look at the previous character, which a recurrence gets for
#   free). The published comparisons that favour Transformers use GPUs, many more tokens and
#   hours of training; this notebook cannot show that regime.
# - The time budget is fixed as step counts chosen beforehand, not measured on the fly, so the
#   numbers repeat for a seed; the printed CPU-time ratio shows how close the two budgets came in
#   this run, and it varies from machine to machine.
# - The no-mask model's low "future visible" loss is not a better model: scored from prefixes, as
#   it would be used to write, it is worse than the causal model. Only the causal model's two
#   scores agree (tested in `tests/test_gpt.py`).

# %% [markdown]
# ## Interview drill

# %%
quiz("27.q1")

# %%
quiz("27.q2")

# %%
quiz("27.q3")

# %% [markdown]
# ## Summary
#
# - Causal self-attention is softmax(QKᵀ/√d + M)V with M = -inf above the diagonal; written out it
#   equals torch's `scaled_dot_product_attention(is_causal=True)` to float precision.
# - Without the mask the training loss collapses while the model learns nothing usable for
#   generation; with it, one window gives a prediction at every position.
# - Top-p keeps the smallest most-likely set reaching p, the top token always, the crossing token
#   included.
# - On one CPU thread and an eight-second budget, chapter 25's LSTM had the lower mean validation
#   loss on this corpus; the syllabus bar (TinyGPT ahead on the worst seed) is not met.
#
# ## References
#
# - Radford et al., *Improving Language Understanding by Generative Pre-Training* (GPT), 2018.
# - Vaswani et al., *Attention Is All You Need*, 2017.
# - Holtzman et al., *The Curious Case of Neural Text Degeneration* (nucleus sampling), 2020.
# - torch's `scaled_dot_product_attention`; Karpathy's nanoGPT.
