"""Sampling the next token from a language model's logits (chapters 25 and 27).

Chapter 27's filters, `top_k_filter` and `top_p_filter`, take logits (..., V) and return logits of
the same shape with the tokens outside the kept set at float('-inf'); the kept logits are
unchanged, so softmax of the result renormalises over the kept set.

Chapter 25's `sample_next` draws one token per row from softmax(logits / temperature) (0: greedy),
and `generate` extends a prompt with a model that maps ids (N, L) to logits (N, L, V) or to
(logits, state); its `top_k` and `top_p` filters (chapter 27) apply after the temperature and
before the draw."""
from __future__ import annotations

import torch

from .._validate import check_int, check_nonnegative


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k largest logits of each row. logits (..., V) -> (..., V), the rest float('-inf').

    Ties at the k-th value are all kept (so a row may keep more than k tokens); k >= V keeps all."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if k >= logits.shape[-1]:
        return logits.clone()
    kth = logits.topk(k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Nucleus filtering (Holtzman et al., 2020). logits (..., V) -> (..., V), in the logits' dtype.

    Token i of a row is kept when the probability mass of the tokens STRICTLY more likely than it is
    below p: the kept set is the smallest set of most-likely tokens whose probability reaches p
    (the most likely token is always kept), and tokens tied with the least likely kept one are kept
    too. Dropped tokens become float('-inf'). 0 < p <= 1. The input is not changed."""
    if not 0.0 < p <= 1.0:
        raise ValueError(f"p must be in (0, 1], got {p}")
    probs = logits.softmax(dim=-1)
    sorted_probs, _ = probs.sort(dim=-1, descending=True)
    before = sorted_probs.cumsum(dim=-1) - sorted_probs  # mass of the tokens ranked above each one
    kept = before < p
    kept[..., 0] = True
    # the least likely kept probability; every token at least that likely is kept (ties included)
    threshold = sorted_probs.masked_fill(~kept, float("inf")).amin(dim=-1, keepdim=True)
    return logits.masked_fill(probs < threshold, float("-inf"))


def sample_next(logits: torch.Tensor, temperature: float = 1.0, generator: torch.Generator | None = None
                ) -> torch.Tensor:
    """logits (N, V) -> (N,) int64 token ids on logits.device, one draw per row from
    softmax(logits / temperature) with `generator` (torch.multinomial). temperature == 0: the
    argmax (greedy, the lowest id among ties), no draw. Lower temperature sharpens, higher flattens."""
    check_nonnegative("temperature", temperature)
    if temperature == 0:
        return logits.argmax(-1)
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)


@torch.no_grad()
def generate(model: torch.nn.Module, prompt: torch.Tensor, n_new: int, temperature: float = 1.0,
             generator: torch.Generator | None = None, max_context: int | None = None,
             top_k: int | None = None, top_p: float | None = None) -> torch.Tensor:
    """prompt (N, T0) or (T0,) int64 -> (N, T0 + n_new) (or (T0 + n_new,)): the prompt followed by
    n_new tokens, each drawn by `sample_next` from the model's logits at the last position given
    everything so far (only the last `max_context` tokens when set, for models with a fixed
    context), after `top_k_filter` then `top_p_filter` when those are set (temperature > 0).
    The model is re-run on the whole context at every step: simple, and right for any model; a
    stateful model (an LSTM) could carry its state instead."""
    n_new = check_int("n_new", n_new, minimum=0)
    was_training = model.training
    model.eval()
    ids = prompt[None] if prompt.dim() == 1 else prompt
    for _ in range(n_new):
        context = ids if max_context is None else ids[:, -max_context:]
        out = model(context)
        logits = (out[0] if isinstance(out, tuple) else out)[:, -1]
        if (top_k is not None or top_p is not None) and temperature > 0:
            logits = logits / temperature
            if top_k is not None:
                logits = top_k_filter(logits, top_k)
            if top_p is not None:
                logits = top_p_filter(logits, top_p)
            nxt = sample_next(logits, 1.0, generator)
        else:
            nxt = sample_next(logits, temperature, generator)
        ids = torch.cat([ids, nxt[:, None].to(ids.device)], dim=1)
    model.train(was_training)
    return ids[0] if prompt.dim() == 1 else ids
