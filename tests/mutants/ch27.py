"""Known-wrong implementations for chapter 27."""
from __future__ import annotations

import math

import torch

from . import mutant


def _future(scores, diagonal=1, device=None):
    n_q, n_k = scores.shape[-2:]
    return torch.ones(n_q, n_k, dtype=torch.bool, device=scores.device if device is None else device).triu(diagonal)


# --------------------------------------------------------------------------- 27.causal_mask
@mutant("27.causal_mask", "common wrong answer: no causal mask (every position sees the future)")
def _mask_none(scores):
    return scores.clone()


@mutant("27.causal_mask", "hides the diagonal too (a token cannot see itself; row 0 becomes NaN after softmax)")
def _mask_diagonal(scores):
    return scores.masked_fill(_future(scores, 0), float("-inf"))


@mutant("27.causal_mask", "transposed: hides the past instead of the future")
def _mask_past(scores):
    return scores.masked_fill(_future(scores).transpose(0, 1), float("-inf"))


@mutant("27.causal_mask", "fills with -1e9 instead of -inf")
def _mask_finite(scores):
    return scores.masked_fill(_future(scores), -1e9)


@mutant("27.causal_mask", "masks in place (changes the caller's scores)")
def _mask_inplace(scores):
    return scores.masked_fill_(_future(scores), float("-inf"))


@mutant("27.causal_mask", "builds the mask on the default device")
def _mask_default_device(scores):
    n = scores.shape[-1]
    return scores.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1).to(scores.device), float("-inf"))


# --------------------------------------------------------------------------- 27.attention
def _softmax_v(scores, v):
    return scores.softmax(dim=-1) @ v


@mutant("27.attention", "common wrong answer: no causal mask, whatever `causal` says")
def _att_no_mask(q, k, v, causal=True):
    return _softmax_v(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), v)


@mutant("27.attention", "common wrong answer: one output per sequence (the last position only)")
def _att_one_output(q, k, v, causal=True):
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        s = s.masked_fill(_future(s), float("-inf"))
    return _softmax_v(s, v)[..., -1, :]


@mutant("27.attention", "scales by d instead of sqrt(d)")
def _att_scale_d(q, k, v, causal=True):
    s = q @ k.transpose(-2, -1) / q.shape[-1]
    if causal:
        s = s.masked_fill(_future(s), float("-inf"))
    return _softmax_v(s, v)


@mutant("27.attention", "scales by sqrt(d_v) (v's width) instead of sqrt(d)")
def _att_scale_dv(q, k, v, causal=True):
    s = q @ k.transpose(-2, -1) / math.sqrt(v.shape[-1])
    if causal:
        s = s.masked_fill(_future(s), float("-inf"))
    return _softmax_v(s, v)


@mutant("27.attention", "softmax over the queries (dim=-2) instead of the keys")
def _att_softmax_queries(q, k, v, causal=True):
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        s = s.masked_fill(_future(s), float("-inf"))
    return torch.nan_to_num(s.softmax(dim=-2)) @ v


@mutant("27.attention", "always masks (ignores causal=False)")
def _att_always_masks(q, k, v, causal=True):
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    return _softmax_v(s.masked_fill(_future(s), float("-inf")), v)


@mutant("27.attention", "masks AFTER the softmax (zeros the future weights, rows no longer sum to 1)")
def _att_mask_after(q, k, v, causal=True):
    w = (q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])).softmax(dim=-1)
    if causal:
        w = w.masked_fill(_future(w), 0.0)
    return w @ v


@mutant("27.attention", "a naive exp / sum softmax (overflows on large scores)")
def _att_naive_exp(q, k, v, causal=True):
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    e = s.exp()
    if causal:
        e = e.masked_fill(_future(e), 0.0)
    return (e / e.sum(dim=-1, keepdim=True)) @ v


@mutant("27.attention", "computes in float32")
def _att_float32(q, k, v, causal=True):
    s = q.float() @ k.float().transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        s = s.masked_fill(_future(s), float("-inf"))
    return _softmax_v(s, v.float()).to(v.dtype)


@mutant("27.attention", "mask made on the default device")
def _att_default_device(q, k, v, causal=True):
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        n = s.shape[-1]
        s = s.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
    return _softmax_v(s, v)


# --------------------------------------------------------------------------- 27.top_p
def _sorted(logits):
    probs = logits.softmax(dim=-1)
    sp, idx = probs.sort(dim=-1, descending=True)
    return probs, sp, idx


def _scatter_keep(logits, idx, keep_sorted):
    keep = torch.zeros_like(keep_sorted).scatter(-1, idx, keep_sorted)
    return logits.masked_fill(~keep, float("-inf"))


@mutant("27.top_p", "common wrong answer: keeps tokens whose INCLUSIVE cumulative probability is <= p "
                    "(drops the token that crosses p, and the top token when p is small)")
def _top_p_inclusive(logits, p):
    _, sp, idx = _sorted(logits)
    return _scatter_keep(logits, idx, sp.cumsum(-1) <= p)


@mutant("27.top_p", "HuggingFace's prefix without the tie rule (drops tokens tied at the boundary)")
def _top_p_no_ties(logits, p):
    _, sp, idx = _sorted(logits)
    keep = (sp.cumsum(-1) - sp) < p
    keep[..., 0] = True
    return _scatter_keep(logits, idx, keep)


@mutant("27.top_p", "cumulative sum in vocabulary order (no sort)")
def _top_p_unsorted(logits, p):
    probs = logits.softmax(-1)
    return logits.masked_fill((probs.cumsum(-1) - probs) >= p, float("-inf"))


@mutant("27.top_p", "sorts ascending (keeps the least likely tokens)")
def _top_p_ascending(logits, p):
    probs = logits.softmax(dim=-1)
    sp, idx = probs.sort(dim=-1)
    keep = (sp.cumsum(-1) - sp) < p
    keep[..., 0] = True
    return _scatter_keep(logits, idx, keep)


@mutant("27.top_p", "sets dropped logits to 0 instead of -inf")
def _top_p_zero(logits, p):
    out = _top_p_ref(logits, p)
    return out.masked_fill(torch.isinf(out) & torch.isfinite(logits), 0.0)


@mutant("27.top_p", "keeps each token whose own probability is >= 1 - p (a threshold, not a nucleus)")
def _top_p_threshold(logits, p):
    probs = logits.softmax(-1)
    keep = (probs >= 1 - p) | (probs == probs.amax(-1, keepdim=True))
    return logits.masked_fill(~keep, float("-inf"))


@mutant("27.top_p", "softmax over the first dimension (the batch) instead of the vocabulary")
def _top_p_dim0(logits, p):
    probs = logits.softmax(dim=0)
    sp, idx = probs.sort(dim=-1, descending=True)
    keep = (sp.cumsum(-1) - sp) < p
    keep[..., 0] = True
    return _scatter_keep(logits, idx, keep)


@mutant("27.top_p", "filters in place (changes the caller's logits)")
def _top_p_inplace(logits, p):
    out = _top_p_ref(logits, p)
    return logits.copy_(out)


def _top_p_ref(logits, p):
    from ssl_course.text.sampling import top_p_filter
    return top_p_filter(logits, p)
