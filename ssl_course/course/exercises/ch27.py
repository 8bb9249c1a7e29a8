"""Chapter 27: GPT from scratch. The cases cover more than 512 positions or rows, float64, batched
heads, a single position, scores large enough to overflow a naive exp, causal=False, ties at the
top-p boundary, p tiny and p = 1, logits already at -inf, a 3-d batch and the meta device."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...models.transformer import attention, causal_mask
from ...text.sampling import top_p_filter
from ..checks import Case, reference_exercise
from ._common import randn

_INF = ("Hidden entries must be float('-inf') (softmax gives them exactly 0), not a large negative number "
        "or 0; and use masked_fill, not masked_fill_ (the input must not change).")
_DIAG = "Position i may see itself: hide j > i (strictly above the diagonal), keep j <= i."


# --------------------------------------------------------------------------- 27.causal_mask
def _mask_cases():
    yield Case("scores (5, 5)", (randn(5, 5, seed=1),), hint=_DIAG)
    yield Case("a single position (1, 1): nothing to hide", (randn(1, 1, seed=2),), hint=_DIAG)
    yield Case("batched heads (2, 3, 7, 7)", (randn(2, 3, 7, 7, seed=3),),
               hint="Mask the last two dimensions (query, key); broadcast over the leading ones.")
    yield Case("all-zero scores (4, 4)", (torch.zeros(4, 4),), hint=_INF)
    yield Case("float64 scores", (randn(6, 6, seed=4, dtype=torch.float64),),
               hint="Keep the input's dtype: masked_fill keeps it, building a float32 mask and adding it does not.")
    yield Case("600 positions (more than a 512-row chunk)", (randn(600, 600, seed=5),), hint=_DIAG)
    yield Case("large negative scores (-1e4): -inf is not just 'very negative'", (randn(3, 3, seed=6) - 1e4,), hint=_INF)


@st.composite
def _random_scores(draw):
    n = draw(st.one_of(st.integers(1, 20), st.integers(513, 520)))
    lead = draw(st.lists(st.integers(1, 3), max_size=2 if n < 100 else 0))
    seed = draw(st.integers(0, 9999))
    return Case(f"random scores {(*lead, n, n)}, seed={seed}", (randn(*lead, n, n, seed=seed),))


reference_exercise(
    "27.causal_mask",
    "causal_mask(scores): (..., L, L) -> the same scores with every key j > query i set to -inf",
    causal_mask, _mask_cases, _random_scores(),
    hint="Build an (L, L) boolean 'future' mask on scores.device (torch.triu with diagonal=1) and "
         "masked_fill it with float('-inf').",
)


# --------------------------------------------------------------------------- 27.attention
_SCALE = "Divide the scores by sqrt(d), d = q.shape[-1] (the key dimension), not by d and not by d_v."
_CAUSAL = "With causal=True, query i must not see keys j > i: mask before the softmax, over the key axis (dim=-1)."


def _qkv(shape, dv=None, seed=0, dtype=torch.float32, scale=1.0):
    q, k = randn(*shape, seed=seed, dtype=dtype, scale=scale), randn(*shape, seed=seed + 1, dtype=dtype)
    v = randn(*shape[:-1], dv or shape[-1], seed=seed + 2, dtype=dtype)
    return q, k, v


def _att_cases():
    yield Case("q, k, v of shape (6, 4)", _qkv((6, 4), seed=1), hint=_CAUSAL)
    yield Case("d = 16, d_v = 3 (the scale uses d)", _qkv((2, 5, 16), dv=3, seed=2), hint=_SCALE)
    yield Case("causal=False: every query sees every key", _qkv((2, 5, 4), seed=3), {"causal": False},
               hint="causal=False is plain softmax(q k^T / sqrt(d)) v, no mask.")
    yield Case("batched heads (2, 3, 7, 8)", _qkv((2, 3, 7, 8), seed=4),
               hint="One output per position: the result has v's shape (..., L, d_v).")
    yield Case("a single position: the output is v", _qkv((1, 1, 4), seed=5), hint=_CAUSAL)
    yield Case("scores up to ~1000 (q scaled by 300)", _qkv((2, 6, 4), seed=6, scale=300.0),
               hint="A naive exp() overflows: use softmax (it subtracts the row maximum).")
    yield Case("float64 inputs", _qkv((2, 5, 3), seed=7, dtype=torch.float64),
               hint="Compute in the inputs' dtype: no float32 constants or masks added to float64 scores.")
    yield Case("600 positions (more than a 512-row chunk)", _qkv((600, 8), seed=8), hint=_CAUSAL)


@st.composite
def _random_att(draw):
    n = draw(st.one_of(st.integers(1, 24), st.integers(513, 520)))
    d, dv, seed = draw(st.integers(1, 8)), draw(st.integers(1, 8)), draw(st.integers(0, 9999))
    causal = draw(st.booleans())
    return Case(f"random L={n}, d={d}, d_v={dv}, causal={causal}, seed={seed}",
                _qkv((2, n, d), dv=dv, seed=seed), {"causal": causal})


reference_exercise(
    "27.attention",
    "attention(q, k, v, causal=True): softmax(q k^T / sqrt(d), causal mask) v, one output per position",
    attention, _att_cases, _random_att(),
    hint="Scores (..., L, L) = q @ k.transpose(-2, -1) / sqrt(d); mask the future with causal_mask when causal; "
         "softmax over the keys; multiply by v.",
    grad=True,
)


# --------------------------------------------------------------------------- 27.top_p
_CROSS = ("Keep the token that makes the cumulative probability reach p: a token is kept when the mass ranked "
          "ABOVE it is < p (exclusive cumsum), so the most likely token is always kept.")
_TIES = "Tokens tied with the least likely kept token are kept too (the rule uses 'strictly more likely')."


def _logits(*shape, seed, dtype=torch.float32, scale=2.0):
    return randn(*shape, seed=seed, dtype=dtype, scale=scale)


def _top_p_cases():
    # probabilities 0.5, 0.25, 0.15, 0.1 in a shuffled vocabulary order: p = 0.8 keeps 0.5, 0.25, 0.15
    probs = torch.tensor([[0.15, 0.5, 0.1, 0.25]], dtype=torch.float64)
    yield Case("probabilities (0.15, 0.5, 0.1, 0.25), p = 0.8: three tokens kept", (probs.log().float(), 0.8),
               hint=_CROSS)
    yield Case("the same row, p = 0.6: 0.5 and the token that crosses p (0.25) kept", (probs.log().float(), 0.6),
               hint=_CROSS)
    yield Case("p = 0.01 below the top probability: only the top token", (_logits(3, 10, seed=1), 0.01), hint=_CROSS)
    yield Case("p = 1: every token is kept", (_logits(3, 10, seed=2), 1.0),
               hint="With p = 1 nothing is dropped: compare the mass ABOVE each token with p.")
    yield Case("ties at the boundary: probabilities (0.4, 0.2, 0.2, 0.2), p = 0.5",
               (torch.tensor([[0.2, 0.4, 0.2, 0.2]]).log(), 0.5), hint=_TIES)
    yield Case("a batch of 4 rows, p = 0.9", (_logits(4, 12, seed=3), 0.9),
               hint="Softmax, sort and cumsum along the last dimension (the vocabulary), row by row.")
    yield Case("a (2, 3, 20) batch, p = 0.8", (_logits(2, 3, 20, seed=4), 0.8),
               hint="Work along dim=-1 whatever the number of leading dimensions.")
    yield Case("logits already -inf (after a top-k filter)",
               (torch.tensor([[2.0, float("-inf"), 1.0, float("-inf"), 0.5]]), 0.95),
               hint="A -inf logit has probability 0: it stays -inf.")
    yield Case("float64 logits, p = 0.85", (_logits(5, 9, seed=5, dtype=torch.float64), 0.85),
               hint="Compute in the logits' dtype and return it.")
    yield Case("600 rows of 30 tokens (more than a 512-row chunk)", (_logits(600, 30, seed=6), 0.7), hint=_CROSS)
    yield Case("a vocabulary of 2000 tokens, p = 0.5", (_logits(2, 2000, seed=7, scale=3.0), 0.5), hint=_CROSS)


@st.composite
def _random_top_p(draw):
    n, v = draw(st.one_of(st.integers(1, 8), st.integers(513, 520))), draw(st.integers(1, 40))
    seed = draw(st.integers(0, 9999))
    p = draw(st.sampled_from([0.05, 0.3, 0.5, 0.7, 0.9, 0.95, 1.0]))
    return Case(f"random ({n}, {v}) logits, p={p}, seed={seed}", (_logits(n, v, seed=seed), p))


reference_exercise(
    "27.top_p",
    "top_p(logits, p): keep the smallest most-likely set reaching probability p (ties kept), the rest -inf",
    top_p_filter, _top_p_cases, _random_top_p(),
    hint="Softmax, sort descending, cumsum; a token is kept when the probability ranked above it is < p.",
)
