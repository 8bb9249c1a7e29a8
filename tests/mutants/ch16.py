"""Known-wrong implementations for chapter 16."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ssl_course.text.mlm import IGNORE, mask_tokens

from . import mutant


def _apply(ids, u, v, r, vocab_size, mask_id=4, n_special=5, mask_prob=0.15, eligible=None, labels_from=None):
    """Build (inputs, labels) from given draws, so each mutant changes one thing."""
    chosen = (u < mask_prob) & (ids >= n_special if eligible is None else eligible)
    inputs = torch.where(chosen & (v < 0.8), torch.full_like(ids, mask_id), ids)
    inputs = torch.where(chosen & (v >= 0.8) & (v < 0.9), r, inputs)
    src = ids if labels_from is None else labels_from(inputs)
    return inputs, torch.where(chosen, src, torch.full_like(ids, IGNORE))


def _draws(ids, vocab_size, n_special, generator, low=None):
    u = torch.rand(ids.shape, generator=generator, device=ids.device)
    v = torch.rand(ids.shape, generator=generator, device=ids.device)
    r = torch.randint(n_special if low is None else low, vocab_size, ids.shape, generator=generator, device=ids.device)
    return u, v, r


# --------------------------------------------------------------------------- 16.mask_tokens
@mutant("16.mask_tokens", "common wrong answer: nothing is masked, every token is its own label (16.mask_tokens)")
def _mask_nothing(ids, vocab_size, mask_id=4, n_special=5, mask_prob=0.15, generator=None):
    return ids.clone(), ids.clone()


@mutant("16.mask_tokens", "padding and [CLS] can be chosen (16.mask_tokens)")
def _mask_padding(ids, vocab_size, mask_id=4, n_special=5, mask_prob=0.15, generator=None):
    u, v, r = _draws(ids, vocab_size, n_special, generator)
    return _apply(ids, u, v, r, vocab_size, mask_id, n_special, mask_prob, eligible=torch.ones_like(ids, dtype=torch.bool))


@mutant("16.mask_tokens", "every chosen token becomes [MASK] (no 80/10/10) (16.mask_tokens)")
def _mask_all_mask(ids, vocab_size, mask_id=4, n_special=5, mask_prob=0.15, generator=None):
    u, v, r = _draws(ids, vocab_size, n_special, generator)
    return _apply(ids, u, torch.zeros_like(v), r, vocab_size, mask_id, n_special, mask_prob)


@mutant("16.mask_tokens", "10% [MASK], 80% random (the rule's numbers swapped) (16.mask_tokens)")
def _mask_swapped(ids, vocab_size, mask_id=4, n_special=5, mask_prob=0.15, generator=None):
    u, v, r = _draws(ids, vocab_size, n_special, generator)
    return _apply(ids, u, (v + 0.8) % 1.0, r, vocab_size, mask_id, n_special, mask_prob)


@mutant("16.mask_tokens", "random tokens drawn from the whole vocabulary, specials included (16.mask_tokens)")
def _mask_random_specials(ids, vocab_size, mask_id=4, n_special=5, mask_prob=0.15, generator=None):
    u, v, r = _draws(ids, vocab_size, n_special, generator, low=0)
    return _apply(ids, u, v, r, vocab_size, mask_id, n_special, mask_prob)


@mutant("16.mask_tokens", "labels are the corrupted inputs, not the original ids (16.mask_tokens)")
def _mask_labels_corrupted(ids, vocab_size, mask_id=4, n_special=5, mask_prob=0.15, generator=None):
    u, v, r = _draws(ids, vocab_size, n_special, generator)
    return _apply(ids, u, v, r, vocab_size, mask_id, n_special, mask_prob, labels_from=lambda inp: inp)


@mutant("16.mask_tokens", "the right distribution, drawn with torch.bernoulli in another order (16.mask_tokens)")
def _mask_bernoulli(ids, vocab_size, mask_id=4, n_special=5, mask_prob=0.15, generator=None):
    chosen = torch.bernoulli(torch.full(ids.shape, mask_prob, device=ids.device), generator=generator).bool()
    chosen &= ids >= n_special
    to_mask = torch.bernoulli(torch.full(ids.shape, 0.8, device=ids.device), generator=generator).bool() & chosen
    to_rand = torch.bernoulli(torch.full(ids.shape, 0.5, device=ids.device), generator=generator).bool() & chosen & ~to_mask
    r = torch.randint(n_special, vocab_size, ids.shape, generator=generator, device=ids.device)
    inputs = torch.where(to_mask, torch.full_like(ids, mask_id), ids)
    return torch.where(to_rand, r, inputs), torch.where(chosen, ids, torch.full_like(ids, IGNORE))


@mutant("16.mask_tokens", "re-seeds a fresh generator from generator.initial_seed() (16.mask_tokens)")
def _mask_reseeded(ids, vocab_size, mask_id=4, n_special=5, mask_prob=0.15, generator=None):
    g = None if generator is None else torch.Generator().manual_seed(generator.initial_seed())
    return mask_tokens(ids, vocab_size, mask_id, n_special, mask_prob, generator=g)


@mutant("16.mask_tokens", "generator=None gets a fixed seed instead of torch's global generator (16.mask_tokens)")
def _mask_none_fixed(ids, vocab_size, mask_id=4, n_special=5, mask_prob=0.15, generator=None):
    g = torch.Generator().manual_seed(0) if generator is None else generator
    return mask_tokens(ids, vocab_size, mask_id, n_special, mask_prob, generator=g)


@mutant("16.mask_tokens", "draws per chunk of 512 rows (16.mask_tokens)")
def _mask_chunked(ids, vocab_size, mask_id=4, n_special=5, mask_prob=0.15, generator=None):
    parts = [mask_tokens(ids[i:i + 512], vocab_size, mask_id, n_special, mask_prob, generator=generator)
             for i in range(0, len(ids), 512)] or [mask_tokens(ids, vocab_size, mask_id, n_special, mask_prob,
                                                              generator=generator)]
    return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])


@mutant("16.mask_tokens", "ignores mask_prob (always 0.15) (16.mask_tokens)")
def _mask_fixed_prob(ids, vocab_size, mask_id=4, n_special=5, mask_prob=0.15, generator=None):
    return mask_tokens(ids, vocab_size, mask_id, n_special, 0.15, generator=generator)


@mutant("16.mask_tokens", "ignores mask_id and n_special (always 4 and 5) (16.mask_tokens)")
def _mask_fixed_ids(ids, vocab_size, mask_id=4, n_special=5, mask_prob=0.15, generator=None):
    return mask_tokens(ids, vocab_size, 4, 5, mask_prob, generator=generator)


@mutant("16.mask_tokens", "draws on the default device, not ids.device (16.mask_tokens)")
def _mask_device(ids, vocab_size, mask_id=4, n_special=5, mask_prob=0.15, generator=None):
    u = torch.rand(ids.shape, generator=generator)
    v = torch.rand(ids.shape, generator=generator)
    r = torch.randint(n_special, vocab_size, ids.shape, generator=generator)
    return _apply(ids, u.to(ids.device), v.to(ids.device), r.to(ids.device), vocab_size, mask_id, n_special, mask_prob)


# --------------------------------------------------------------------------- 16.mlm_loss
@mutant("16.mlm_loss", "common wrong answer: averages over every position, unlabelled ones counting 0 (16.mlm_loss)")
def _loss_all_positions(logits, labels):
    per = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1).long(), reduction="none")
    return per.sum() / per.numel()


@mutant("16.mlm_loss", "-100 clamped to class 0: unlabelled positions predict token 0 (16.mlm_loss)")
def _loss_clamped(logits, labels):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1).long().clamp(min=0))


@mutant("16.mlm_loss", "ignore_index=0 ([PAD]) instead of -100 (16.mlm_loss)")
def _loss_ignore_zero(logits, labels):
    y = labels.reshape(-1).long()
    keep = y != IGNORE
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1])[keep], y[keep], ignore_index=0)


@mutant("16.mlm_loss", "F.cross_entropy's default: NaN when nothing is labelled (16.mlm_loss)")
def _loss_nan(logits, labels):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1).long(), ignore_index=IGNORE)


@mutant("16.mlm_loss", "log(softmax) computed with a naive exp (16.mlm_loss)")
def _loss_naive(logits, labels):
    flat, y = logits.reshape(-1, logits.shape[-1]), labels.reshape(-1).long()
    keep = y != IGNORE
    if not bool(keep.any()):
        return logits.sum() * 0
    p = flat[keep].exp() / flat[keep].exp().sum(-1, keepdim=True)
    return -p.gather(1, y[keep, None]).log().mean()


@mutant("16.mlm_loss", "computes in float32 and casts back (16.mlm_loss)")
def _loss_float32(logits, labels):
    flat, y = logits.reshape(-1, logits.shape[-1]).float(), labels.reshape(-1).long()
    keep = y != IGNORE
    if not bool(keep.any()):
        return logits.sum() * 0
    return F.cross_entropy(flat[keep], y[keep]).to(logits.dtype)


@mutant("16.mlm_loss", "averages per sequence, then over sequences (16.mlm_loss)")
def _loss_per_sequence(logits, labels):
    per = F.cross_entropy(logits.transpose(1, 2), labels.long(), reduction="none", ignore_index=IGNORE)
    n = (labels != IGNORE).sum(1)
    keep = n > 0
    if not bool(keep.any()):
        return logits.sum() * 0
    return (per.sum(1)[keep] / n[keep]).mean()


@mutant("16.mlm_loss", "only the first 512 sequences (16.mlm_loss)")
def _loss_chunk(logits, labels):
    from ssl_course.text.mlm import mlm_loss
    return mlm_loss(logits[:512], labels[:512])
