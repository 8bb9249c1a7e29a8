"""Known-wrong implementations for chapter 25."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ssl_course.text.lstm import IGNORE, bigram_log_probs, shift_targets

from . import mutant


# --------------------------------------------------------------------------- 25.shift_targets
@mutant("25.shift_targets", "common wrong answer: only the last position has a target (outputs[-1]) (25.shift_targets)")
def _shift_last_only(ids, pad_id=None):
    t = torch.full_like(ids, IGNORE)
    if ids.shape[1] > 1:
        t[:, -2] = ids[:, -1]
    return t if pad_id is None else t.masked_fill(t == pad_id, IGNORE)


@mutant("25.shift_targets", "no shift: each position's target is its own input (copying) (25.shift_targets)")
def _shift_none(ids, pad_id=None):
    return ids.clone() if pad_id is None else ids.masked_fill(ids == pad_id, IGNORE)


@mutant("25.shift_targets", "torch.roll: the last position's target wraps to the first token (25.shift_targets)")
def _shift_roll(ids, pad_id=None):
    t = torch.roll(ids, -1, dims=1)
    return t if pad_id is None else t.masked_fill(t == pad_id, IGNORE)


@mutant("25.shift_targets", "shifted the wrong way: the previous token as the target (25.shift_targets)")
def _shift_backwards(ids, pad_id=None):
    t = torch.full_like(ids, IGNORE)
    t[:, 1:] = ids[:, :-1]
    return t if pad_id is None else t.masked_fill(t == pad_id, IGNORE)


@mutant("25.shift_targets", "masks where the INPUT is padding, not the target (25.shift_targets)")
def _shift_mask_input(ids, pad_id=None):
    t = shift_targets(ids)
    return t if pad_id is None else t.masked_fill(ids == pad_id, IGNORE)


@mutant("25.shift_targets", "pad_id ignored: always 0 masked (25.shift_targets)")
def _shift_pad_zero(ids, pad_id=None):
    return shift_targets(ids, 0)


@mutant("25.shift_targets", "targets always int64 (25.shift_targets)")
def _shift_int64(ids, pad_id=None):
    return shift_targets(ids, pad_id).long()


@mutant("25.shift_targets", "the -100 tensor made on the default device (25.shift_targets)")
def _shift_device(ids, pad_id=None):
    t = torch.full(ids.shape, IGNORE, dtype=ids.dtype)
    t[:, :-1] = ids[:, 1:].cpu()
    t = t.to(ids.device)
    return t if pad_id is None else t.masked_fill(t == pad_id, IGNORE)


# --------------------------------------------------------------------------- 25.perplexity
def _per_row_nll(logits, targets):
    per = F.cross_entropy(logits.transpose(1, 2), targets.long(), reduction="none", ignore_index=IGNORE)
    n = (targets != IGNORE).sum(1)
    keep = n > 0
    return per.sum(1)[keep], n[keep]


@mutant("25.perplexity", "common wrong answer: the mean of per-row (per-batch) perplexities (25.perplexity)")
def _ppl_mean_of_ppl(logits, targets):
    s, n = _per_row_nll(logits, targets)
    return (s / n).exp().mean()


@mutant("25.perplexity", "exp of the mean of per-row mean NLLs (25.perplexity)")
def _ppl_mean_of_means(logits, targets):
    s, n = _per_row_nll(logits, targets)
    return (s / n).mean().exp()


@mutant("25.perplexity", "positions without a target counted in the denominator (25.perplexity)")
def _ppl_all_positions(logits, targets):
    per = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1).long(), reduction="none",
                          ignore_index=IGNORE)
    return (per.sum() / per.numel()).exp()


@mutant("25.perplexity", "the mean NLL, not its exponential (25.perplexity)")
def _ppl_no_exp(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1).long(), ignore_index=IGNORE)


@mutant("25.perplexity", "the NLL in bits exponentiated with e (25.perplexity)")
def _ppl_bits(logits, targets):
    nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1).long(), ignore_index=IGNORE)
    return (nll / 0.6931471805599453).exp()


@mutant("25.perplexity", "softmax with a naive exp, then log (25.perplexity)")
def _ppl_naive(logits, targets):
    flat, y = logits.reshape(-1, logits.shape[-1]), targets.reshape(-1).long()
    keep = y != IGNORE
    p = flat[keep].exp() / flat[keep].exp().sum(-1, keepdim=True)
    return (-p.gather(1, y[keep, None]).log().mean()).exp()


@mutant("25.perplexity", "computed in float32 and cast back (25.perplexity)")
def _ppl_float32(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), targets.reshape(-1).long(),
                           ignore_index=IGNORE).exp().to(logits.dtype)


@mutant("25.perplexity", "loss on the last time step only (targets[:, -1]... the last column) (25.perplexity)")
def _ppl_last_step(logits, targets):
    y = targets[:, -1].long()
    keep = y != IGNORE
    if not bool(keep.any()):
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1).long(),
                               ignore_index=IGNORE).exp()
    return F.cross_entropy(logits[:, -1][keep], y[keep]).exp()


@mutant("25.perplexity", "only the first 512 windows (25.perplexity)")
def _ppl_chunk(logits, targets):
    from ssl_course.text.lstm import perplexity
    return perplexity(logits[:512], targets[:512])


# --------------------------------------------------------------------------- 25.bigram
def _counts(ids, v, wrap=False):
    a, b = ids.long(), torch.roll(ids.long(), -1) if wrap else ids[1:].long()
    a = a if wrap else a[:-1]
    return torch.bincount(a * v + b, minlength=v * v).reshape(v, v).double()


@mutant("25.bigram", "common wrong answer: no smoothing (log 0 = -inf for unseen pairs) (25.bigram)")
def _bigram_unsmoothed(ids, vocab_size, alpha=1.0):
    c = _counts(ids, vocab_size)
    return c.log() - c.sum(1, keepdim=True).clamp(min=1).log()


@mutant("25.bigram", "transposed: row = the next token, column = the current (25.bigram)")
def _bigram_transposed(ids, vocab_size, alpha=1.0):
    return bigram_log_probs(ids.flip(0), vocab_size, alpha)


@mutant("25.bigram", "normalised over the whole table (a joint, not a conditional) (25.bigram)")
def _bigram_joint(ids, vocab_size, alpha=1.0):
    c = _counts(ids, vocab_size) + alpha
    return c.log() - c.sum().log()


@mutant("25.bigram", "alpha added to the numerator only (rows do not sum to 1) (25.bigram)")
def _bigram_numerator(ids, vocab_size, alpha=1.0):
    c = _counts(ids, vocab_size)
    return (c + alpha).log() - (c.sum(1, keepdim=True) + alpha).log()


@mutant("25.bigram", "the last token paired with the first (torch.roll) (25.bigram)")
def _bigram_wrap(ids, vocab_size, alpha=1.0):
    c = _counts(ids, vocab_size, wrap=True)
    return (c + alpha).log() - (c.sum(1, keepdim=True) + alpha * vocab_size).log()


@mutant("25.bigram", "alpha ignored (always 1) (25.bigram)")
def _bigram_alpha_one(ids, vocab_size, alpha=1.0):
    return bigram_log_probs(ids, vocab_size, 1.0)


@mutant("25.bigram", "vocabulary size taken from ids.max() + 1 (25.bigram)")
def _bigram_max(ids, vocab_size, alpha=1.0):
    return bigram_log_probs(ids, int(ids.max()) + 1, alpha)


@mutant("25.bigram", "computed in float32 and cast to float64 (25.bigram)")
def _bigram_float32(ids, vocab_size, alpha=1.0):
    c = _counts(ids, vocab_size).float()
    return ((c + alpha).log() - (c.sum(1, keepdim=True) + alpha * vocab_size).log()).double()


@mutant("25.bigram", "counts only the first 512 pairs (25.bigram)")
def _bigram_chunk(ids, vocab_size, alpha=1.0):
    return bigram_log_probs(ids[:513], vocab_size, alpha)
