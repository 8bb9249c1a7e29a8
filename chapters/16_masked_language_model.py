# %% [markdown]
# # 16 · Masked language models
#
# > **问题：** 请解释自监督学习中的文本预训练是什么？它有什么作用？
# >
# > **Question:** What is text pre-training in self-supervised learning, and what is it for?
#
# **Model answer.** Text pre-training turns raw text into its own labels. BERT's masked
# language model (MLM) chooses 15% of the tokens, hides them (80% become `[MASK]`, 10% a random
# token, 10% stay), and trains a bidirectional Transformer to predict the original tokens from
# the rest of the sentence, with the loss only on the chosen positions. To fill a blank the
# network must model the context, and the contextual vectors it learns are what fine-tuning
# starts from. Two things make it work: something must be **hidden** (otherwise copying the
# input solves the task), and the model must **see the other tokens** (attention), or the best
# it can do is guess the most frequent word.

# %%
import matplotlib.pyplot as plt
import torch

from ssl_course import (
    bar,
    check,
    device,
    quick_mode,
    quiz,
    scaled,
    seed_everything,
    use_reference_if_unsolved,
)
from ssl_course.data.corpus import corpus
from ssl_course.models.transformer import TinyEncoder, TokenMLP
from ssl_course.text import IGNORE, Tokenizer

# Two CPU threads: a batch of 128 rows through a 64-d model splits well over two (31 ms a step
# with one thread, 17 ms with two, measured on an idle 2-core machine), while more threads
# mostly wait for each other on a model this small. On a GPU this setting does not matter.
torch.set_num_threads(min(2, torch.get_num_threads()))
seed_everything(0)
print("device:", device())

# %% [markdown]
# ## The data: Python's own documentation
#
# `corpus()` is the text of Python's `help()` topics, about 64,000 lower-case words, offline.
# We keep the first 90% for training and the last 10% for testing. The tokenizer is word-level:
# ids 0..4 are the special tokens `[PAD] [UNK] [CLS] [SEP] [MASK]`, then the 495 most frequent
# training words; any other word is `[UNK]`. Sequences are `[CLS]` plus 4 to 15 words, padded
# with `[PAD]` to 16, so most rows hold padding that must never be masked.

# %%
MAX_LEN = 16
words = corpus()
cut = int(0.9 * len(words))
tok = Tokenizer(words[:cut], min_count=5, max_size=500)
V = len(tok)


def make_sequences(ids: torch.Tensor, seed: int) -> torch.Tensor:
    """A stream of word ids (T,) -> (N, MAX_LEN) rows of [CLS] + 4..15 words + [PAD]s."""
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(MAX_LEN // 4, MAX_LEN, (len(ids) // 4,), generator=g)
    lengths = lengths[: int((lengths.cumsum(0) <= len(ids)).sum())]
    return tok.batch(ids, lengths, MAX_LEN)


train_seqs = make_sequences(tok.encode(words[:cut]), seed=0)
test_seqs = make_sequences(tok.encode(words[cut:]), seed=1)
print(f"vocabulary {V} tokens; {len(train_seqs)} training and {len(test_seqs)} test sequences of {MAX_LEN}")
print("one training row:", " ".join(tok.decode(train_seqs[0])))

# %% [markdown]
# ## Theory
#
# Write a sequence $x = (x_1, \dots, x_L)$ and draw a set $M$ of positions, each non-special
# position independently with probability $p = 0.15$. The corrupted input $\tilde x$ replaces
# $x_i$, $i \in M$, by `[MASK]` with probability 0.8, by a uniformly random word with
# probability 0.1, and leaves it with probability 0.1. The MLM loss is the cross-entropy of
# the original tokens at the chosen positions only:
#
# $$\mathcal L(\theta) = -\,\mathbb E_{x, M}\Big[\frac{1}{|M|}\sum_{i \in M} \log p_\theta(x_i \mid \tilde x)\Big].$$
#
# Positions outside $M$ carry the label $-100$, which `F.cross_entropy(..., ignore_index=-100)`
# skips (Hugging Face's convention). Why the 80/10/10 rule: `[MASK]` never appears when the
# model is used later, so the model must also predict well at positions holding real tokens;
# with 10% random and 10% unchanged, any token might be one it is asked about.
#
# **A known floor.** A model that ignores the context can do no better at a `[MASK]` position
# than the most frequent word: its accuracy is $\max_w \hat p(w)$, the **unigram baseline**.
# Anything above it has been read from the context. The headline bar asks for twice that.
#
# ## The common wrong answer, run
#
# The seed's answer "loads a pre-trained BERT" as `nn.Sequential(nn.Linear(768, 256), ...)`: an
# MLP on 768-d vectors, with no attention and nothing masked. It mixes two mistakes, so we run
# each with the right model's recipe (data, optimiser, learning-rate schedule, seed) but a
# sixth of its steps (`SHORT_STEPS`), which keeps the notebook within its CPU budget:
#
# 1. **An MLP on 768-d token vectors** (`TokenMLP`: a 768-d embedding per token, an MLP, no
#    token sees another), trained with the correct masking and loss. No number of steps can
#    lift it above the unigram baseline (see the theory); the short run already reaches it
#    (measured below).
# 2. **Nothing masked**: the right Transformer, trained with the loss on every token of an
#    uncorrupted input: enough steps to copy its input almost perfectly (measured below).
#
# All three are scored the same way: the held-out text is masked five times over with a fixed
# generator, and we count how often the top prediction at the `[MASK]` positions is the
# original word. Training computes the vocabulary projection only at the labelled positions
# (`model.head` on `features[chosen]`), so your `mlm_loss` receives `(1, K, V)` logits and
# `(1, K)` labels there; the full `(N, L, V)` form with `-100` is what its check tests.

# %%
from ssl_course.text import mask_tokens as reference_mask_tokens  # noqa: E402
from ssl_course.text import mlm_loss as reference_mlm_loss  # noqa: E402

STEPS, BATCH, LR = scaled(2000, 100), 128, 1e-2
SHORT_STEPS = STEPS // 6  # the wrong answers: each reaches its limit long before this (asserted below)
TEST_DRAWS = 5  # mask the test text 5 times (different positions): 5x the [MASK] positions to score
test_inputs, test_labels = reference_mask_tokens(test_seqs.repeat(TEST_DRAWS, 1), V,
                                                 generator=torch.Generator().manual_seed(99))
at_mask = (test_labels != IGNORE) & (test_inputs == tok.mask_id)
counts = torch.bincount(train_seqs[train_seqs >= tok.n_special], minlength=V)
most_frequent = int(counts.argmax())
unigram = (test_labels[at_mask] == most_frequent).double().mean().item()
print(f"{int(at_mask.sum())} [MASK] positions in the test text; the most frequent word is "
      f"{tok.vocab[most_frequent]!r}: unigram baseline accuracy {unigram:.3f}")


def train_mlm(model: torch.nn.Module, seed: int, masked: bool = True, steps: int = STEPS,
              mask_fn=None, loss_fn=None) -> torch.nn.Module:
    """AdamW, one-cycle schedule (10% warm-up to LR, then cosine decay), on batches of training rows.
    masked=False: the loss on every non-special token of the uncorrupted input (the wrong answer).
    The vocabulary projection (`head`) runs only at the labelled positions, (1, K, V) logits
    instead of (N, L, V): about 15% of the tokens, so the head costs ~7x less."""
    mask_fn, loss_fn = mask_fn or reference_mask_tokens, loss_fn or reference_mlm_loss
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    model = model.to(device())
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, LR, total_steps=steps, pct_start=0.1)
    for _ in range(steps):
        batch = train_seqs[torch.randint(len(train_seqs), (BATCH,), generator=g)]
        if masked:
            inputs, labels = mask_fn(batch, V, generator=g)
        else:
            inputs = batch
            labels = torch.where(batch >= tok.n_special, batch, torch.full_like(batch, IGNORE))
        inputs, labels = inputs.to(device()), labels.to(device())
        chosen = labels != IGNORE
        logits = model.head(model.features(inputs)[chosen])  # (K, V), K labelled positions
        loss = loss_fn(logits[None], labels[chosen][None])  # as (1, K, V) and (1, K)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    return model.eval()


@torch.no_grad()
def masked_accuracy(model: torch.nn.Module) -> float:
    """Top-1 accuracy at the test text's [MASK] positions."""
    pred = model(test_inputs.to(device())).argmax(-1).cpu()
    return (pred[at_mask] == test_labels[at_mask]).double().mean().item()


@torch.no_grad()
def copy_accuracy(model: torch.nn.Module) -> float:
    """Top-1 accuracy on the uncorrupted test text's word positions (the task 'nothing masked' trains)."""
    pred = model(test_seqs.to(device())).argmax(-1).cpu()
    keep = test_seqs >= tok.n_special
    return (pred[keep] == test_seqs[keep]).double().mean().item()


# %%
seed_everything(0)
mlp = train_mlm(TokenMLP(V, dim=768), seed=0, steps=SHORT_STEPS)
acc_mlp = masked_accuracy(mlp)
seed_everything(0)
unmasked = train_mlm(TinyEncoder(V, dim=64, depth=1, max_len=MAX_LEN), seed=0, masked=False, steps=SHORT_STEPS)
acc_unmasked, copy_unmasked = masked_accuracy(unmasked), copy_accuracy(unmasked)
print(f"MLP on 768-d vectors, masked:        [MASK] accuracy {acc_mlp:.3f}  (unigram {unigram:.3f})")
print(f"Transformer, nothing masked:         [MASK] accuracy {acc_unmasked:.3f}; "
      f"copying the uncorrupted text {copy_unmasked:.3f}")
if not quick_mode():  # 100 quick steps are too few for these claims
    assert acc_mlp <= unigram + 0.02, "a context-free model cannot beat the unigram baseline at [MASK]"
    assert acc_mlp >= unigram - 0.02, "the short run should already reach the context-free optimum"
    assert copy_unmasked > 0.9 and acc_unmasked < unigram

# %% [markdown]
# The MLP lands at the unigram baseline: at a `[MASK]` position its input is always the same
# vector, so its best answer is one fixed word. The unmasked Transformer "solves" its training
# task (it copies the input almost perfectly), and at a `[MASK]` it does worse than always
# guessing the most frequent word: it never saw `[MASK]` in training. Both mistakes are silent in the training loss; only a masked evaluation shows them.

# %% [markdown]
# ## Exercise 16.mask_tokens
#
# Write BERT's masking. `ids` is `(N, L)` int64; ids below `n_special` (`[PAD]`, `[UNK]`,
# `[CLS]`, `[SEP]`, `[MASK]`) are never chosen. Draw, in this order, all of shape `ids.shape` on
# `ids.device` and from `generator`:
#
# 1. `u = torch.rand(...)`: a non-special position is **chosen** when `u < mask_prob`;
# 2. `v = torch.rand(...)`: a chosen position becomes `mask_id` when `v < 0.8`, the random token
#    `r` when `0.8 <= v < 0.9`, and stays as it is otherwise;
# 3. `r = torch.randint(n_special, vocab_size, ...)`: the random tokens (never a special one).
#
# Return `(inputs, labels)`: `labels` holds the original id at every chosen position and `-100`
# elsewhere. Do not change `ids` in place. The check compares your draws with the reference's
# exactly, and also tests the 80/10/10 rule statistically over 25,600 tokens.

# %%
def mask_tokens(ids: torch.Tensor, vocab_size: int, mask_id: int = 4, n_special: int = 5,
                mask_prob: float = 0.15, generator: torch.Generator | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """ids (N, L) int64 -> (inputs (N, L) int64, labels (N, L) int64, -100 where not chosen)."""
    ### BEGIN SOLUTION
    u = torch.rand(ids.shape, generator=generator, device=ids.device)
    v = torch.rand(ids.shape, generator=generator, device=ids.device)
    r = torch.randint(n_special, vocab_size, ids.shape, generator=generator, device=ids.device)
    chosen = (u < mask_prob) & (ids >= n_special)
    labels = torch.where(chosen, ids, torch.full_like(ids, -100))
    inputs = torch.where(chosen & (v < 0.8), torch.full_like(ids, mask_id), ids)
    inputs = torch.where(chosen & (v >= 0.8) & (v < 0.9), r, inputs)
    return inputs, labels
    ### END SOLUTION


check("16.mask_tokens", mask_tokens)

# %%
mask_tokens = use_reference_if_unsolved("16.mask_tokens", mask_tokens)

# %% [markdown]
# ## Exercise 16.mlm_loss
#
# Write the loss: `logits` `(N, L, V)`, `labels` `(N, L)` (any integer dtype, `-100` where there
# is nothing to predict). Return the mean cross-entropy over the labelled positions only, a
# scalar in the logits' dtype; with no labelled position at all, return 0 (not NaN). Mind logits
# large enough to overflow `exp`.

# %%
def mlm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """logits (N, L, V), labels (N, L) -> scalar mean cross-entropy over labels != -100."""
    ### BEGIN SOLUTION
    flat, target = logits.reshape(-1, logits.shape[-1]), labels.reshape(-1).long()
    keep = target != -100
    if not bool(keep.any()):
        return logits.sum() * 0
    return torch.nn.functional.cross_entropy(flat[keep], target[keep])
    ### END SOLUTION


check("16.mlm_loss", mlm_loss)

# %%
mlm_loss = use_reference_if_unsolved("16.mlm_loss", mlm_loss)

# %% [markdown]
# ## The headline experiment
#
# The right recipe: the same one-layer Transformer (64-d, 4 heads), trained with your
# `mask_tokens` and `mlm_loss`, with the same optimiser and seed as the wrong answers above and six times their steps. The bar: masked-token accuracy on the held-out text at least **twice the unigram
# baseline**, i.e. at least as much again read from the context as the best context-free guess.

# %%
seed_everything(0)
bert = train_mlm(TinyEncoder(V, dim=64, depth=1, max_len=MAX_LEN), seed=0, mask_fn=mask_tokens, loss_fn=mlm_loss)
acc_bert = masked_accuracy(bert)
print(f"masked-token accuracy {acc_bert:.3f}; unigram baseline {unigram:.3f}; ratio {acc_bert / unigram:.2f}")
print(f"wrong answers: MLP {acc_mlp:.3f}, nothing masked {acc_unmasked:.3f}")
words_per_row = (train_seqs >= tok.n_special).sum(1).double().mean().item()
print(f"training saw {STEPS} x {BATCH} rows, about {STEPS * BATCH * words_per_row * 0.15:,.0f} chosen words")
bar("16.headline", acc_bert / unigram, ">=", 2.0)

# %% [markdown]
# What did it learn? The top guesses at a few `[MASK]` positions of the test text:

# %%
with torch.no_grad():
    top = bert(test_inputs[:40].to(device())).topk(3, dim=-1).indices.cpu()
shown = 0
for i in range(40):
    for j in range(MAX_LEN):
        if at_mask[i, j] and shown < 6:
            context = " ".join(tok.decode(test_inputs[i, max(0, j - 4): j + 4]))
            print(f"{context:60s} true {tok.vocab[test_labels[i, j]]!r:12s} guesses {tok.decode(top[i, j])}")
            shown += 1

# %%
n_mask = int(at_mask.sum())
summary = {"unigram baseline": unigram, "MLP, masked": acc_mlp, "Transformer, nothing masked": acc_unmasked,
           "Transformer, masked (headline)": acc_bert}
stderr = {name: (acc * (1 - acc) / n_mask) ** 0.5 for name, acc in summary.items()}
for name, acc in summary.items():
    print(f"{name:32s} {acc:.3f} ± {stderr[name]:.3f} (binomial s.e., {n_mask} positions)")

fig, ax = plt.subplots(figsize=(7, 2.6))
ax.barh(list(summary), list(summary.values()), xerr=list(stderr.values()), color=["grey", "C1", "C1", "C0"])
ax.axvline(2 * unigram, color="k", ls="--", lw=1, label="the bar: 2 × unigram")
ax.invert_yaxis()
ax.set(xlabel="top-1 accuracy at the test text's [MASK] positions")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Reading the results honestly
#
# - **One seed, no spread.** Each model is trained once (the budget of a CPU notebook), so the
#   chapter measures no spread over seeds. What the test set alone contributes is printed
#   above: the binomial standard error of each accuracy over the [MASK] positions (an
#   underestimate: the five maskings reuse the same ~6,000 test words). A claim beyond that
#   (e.g. that another seed lands as far above the bar) would need several seeds.
# - **Tiny and short.** BERT-base has 110M parameters and saw 3.3 billion words for about a
#   million steps; this model has a single layer and sees a few hundred thousand chosen words
#   (printed above). Which patterns it uses (local word pairs or anything like syntax) is
#   not measured here; the guesses printed above are examples, not evidence.
# - **Pre-training is not shown to help a downstream task.** The seed's "what is it for"
#   (better downstream performance with fewer labels) is not measured in this chapter; it is
#   the claim of the BERT paper's GLUE results, not of this notebook.
# - **Word-level, small vocabulary.** Real models use subwords (WordPiece, BPE) so no word is
#   `[UNK]`; here `[UNK]` is a special token and never predicted, which makes the task easier.

# %% [markdown]
# ## Interview drill

# %%
quiz("16.q1")

# %%
quiz("16.q2")

# %%
quiz("16.q3")

# %%
quiz("16.q4")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>Why is the loss computed on the masked positions only, and not on all tokens?</summary>
#
# At an unchosen position the input is the answer: the loss there is minimised by copying, which
# teaches nothing (this chapter's "nothing masked" run copies almost perfectly and is below the
# unigram baseline on `[MASK]`). Only 15% of the tokens give a signal per pass, which is why
# ELECTRA later replaced MLM with a task on every token.
# </details>
#
# <details><summary>BERT against GPT: what does each see, and what is each good for?</summary>
#
# BERT's encoder attends in both directions and predicts hidden tokens: good contextual
# vectors for classification and tagging, but no natural way to generate text. GPT attends
# only to the left and predicts the next token at every position: every token gives a signal,
# and it generates. Both are self-supervised: the labels are the text itself.
# </details>
#
# <details><summary>Why 15%?</summary>
#
# A trade-off: more masking gives more signal per pass but less context per prediction (and a
# bigger gap to the unmasked text seen later). Devlin et al. chose 15%; Wettig et al. (2023)
# found 40% better for larger models. This chapter does not measure the trade-off.
# </details>
#
# ## Summary
#
# - Masked language modelling hides 15% of the non-special tokens (80% `[MASK]`, 10% random,
#   10% unchanged) and predicts the originals with cross-entropy on those positions only
#   (labels -100 elsewhere).
# - Padding and other special tokens are never chosen; random replacements are never special.
# - Without masking the task is copying; without context (an MLP per token) the best answer is
#   the most frequent word. The notebook measures both wrong answers against the unigram
#   baseline.
# - A one-layer Transformer, trained with the same recipe as the wrong answers, reads context
#   from held-out Python documentation; the bar asks its [MASK] accuracy to be twice the
#   unigram baseline (the bar's line above says whether it was met).
#
# ## References
#
# - Devlin, Chang, Lee, Toutanova 2019, *BERT: Pre-training of Deep Bidirectional Transformers
#   for Language Understanding* (the 80/10/10 rule: section 3.1 and appendix C.2).
# - Vaswani et al. 2017, *Attention Is All You Need* (the encoder).
# - Clark et al. 2020, *ELECTRA* (a signal at every token).
# - Wettig et al. 2023, *Should You Mask 15% in Masked Language Modeling?*
# - Hugging Face `DataCollatorForLanguageModeling` (labels -100, the same rule).
