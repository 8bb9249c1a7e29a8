"""Known-wrong implementations for chapter 06."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import mutant


def _as_float(counts):
    return counts if counts.is_floating_point() else counts.float()


def _check(counts):
    if (counts < 0).any() or not (counts > 0).any():
        raise ValueError("bad counts")


# --------------------------------------------------------------------------- 06.noise_distribution
@mutant("06.noise_distribution", "common wrong answer: the raw unigram distribution (power ignored)")
def _unigram(counts, power=0.75):
    _check(counts)
    c = _as_float(counts)
    return c / c.sum()


@mutant("06.noise_distribution", "uniform over the whole vocabulary (counts ignored, unseen words included)")
def _uniform(counts, power=0.75):
    _check(counts)
    c = _as_float(counts)
    return torch.ones_like(c) / len(c)


@mutant("06.noise_distribution", "c ** power with power 0 gives unseen words a share (0 ** 0 = 1)")
def _zero_to_the_zero(counts, power=0.75):
    _check(counts)
    w = _as_float(counts) ** power
    return w / w.sum()


@mutant("06.noise_distribution", "computes in float32 and casts back")
def _float32(counts, power=0.75):
    _check(counts)
    c = counts.float()
    w = torch.where(c > 0, c ** power, torch.zeros_like(c))
    return (w / w.sum()).to(_as_float(counts).dtype)


@mutant("06.noise_distribution", "integer counts give float64 (not float32)")
def _int_to_double(counts, power=0.75):
    _check(counts)
    c = counts if counts.is_floating_point() else counts.double()
    w = torch.where(c > 0, c ** power, torch.zeros_like(c))
    return w / w.sum()


@mutant("06.noise_distribution", "the zeros for unseen words built on the default device")
def _default_device(counts, power=0.75):
    _check(counts)
    c = _as_float(counts)
    w = torch.where(c > 0, c ** power, torch.zeros(len(c), dtype=c.dtype))
    return w / w.sum()


@mutant("06.noise_distribution", "each 512-word chunk normalised on its own")
def _chunked(counts, power=0.75):
    _check(counts)
    c = _as_float(counts)
    w = torch.where(c > 0, c ** power, torch.zeros_like(c))
    parts = [p / p.sum().clamp(min=1e-30) for p in w.split(512)]
    return torch.cat(parts) / len(parts)


@mutant("06.noise_distribution", "negative counts clamped to 0 instead of raising")
def _clamps(counts, power=0.75):
    c = _as_float(counts).clamp(min=0)
    w = torch.where(c > 0, c ** power, torch.zeros_like(c))
    return w / w.sum()


# --------------------------------------------------------------------------- 06.sgns
@mutant("06.sgns", "common wrong answer: negatives drawn from Gaussian noise, not the negatives given")
def _gaussian_negatives(center, context, negatives):
    noise = torch.randn(negatives.shape, generator=torch.Generator().manual_seed(0), dtype=negatives.dtype)
    pos = (center * context).sum(1)
    neg = torch.einsum("bd,bkd->bk", center, noise.to(negatives.device))
    return -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(1)).mean()


@mutant("06.sgns", "log(sigmoid(x)): -inf once the dot products are large")
def _naive_log(center, context, negatives):
    pos = (center * context).sum(1)
    neg = torch.einsum("bd,bkd->bk", center, negatives)
    return -(torch.log(torch.sigmoid(pos)) + torch.log(torch.sigmoid(-neg)).sum(1)).mean()


@mutant("06.sgns", "the K negative terms averaged instead of summed")
def _mean_over_k(center, context, negatives):
    pos = (center * context).sum(1)
    neg = torch.einsum("bd,bkd->bk", center, negatives)
    return -(F.logsigmoid(pos) + F.logsigmoid(-neg).mean(1)).mean()


@mutant("06.sgns", "summed over the batch instead of averaged")
def _sum_over_batch(center, context, negatives):
    pos = (center * context).sum(1)
    neg = torch.einsum("bd,bkd->bk", center, negatives)
    return -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(1)).sum()


@mutant("06.sgns", "negatives pulled like positives: log sigmoid(+u.n)")
def _wrong_sign(center, context, negatives):
    pos = (center * context).sum(1)
    neg = torch.einsum("bd,bkd->bk", center, negatives)
    return -(F.logsigmoid(pos) + F.logsigmoid(neg).sum(1)).mean()


@mutant("06.sgns", "computes in float32 and casts back")
def _sgns_float32(center, context, negatives):
    c, x, n = center.float(), context.float(), negatives.float()
    pos = (c * x).sum(1)
    neg = torch.einsum("bd,bkd->bk", c, n)
    return (-(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(1)).mean()).to(center.dtype)


@mutant("06.sgns", "the mean of 512-pair chunk means (the last chunk over-weighted)")
def _sgns_chunked(center, context, negatives):
    parts = []
    for s in range(0, len(center), 512):
        c, x, n = center[s:s + 512], context[s:s + 512], negatives[s:s + 512]
        neg = torch.einsum("bd,bkd->bk", c, n)
        parts.append(-(F.logsigmoid((c * x).sum(1)) + F.logsigmoid(-neg).sum(1)).mean())
    return torch.stack(parts).mean()


@mutant("06.sgns", "negatives scored against the context vector instead of the center")
def _against_context(center, context, negatives):
    pos = (center * context).sum(1)
    neg = torch.einsum("bd,bkd->bk", context, negatives)
    return -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(1)).mean()


# --------------------------------------------------------------------------- 06.queue
@mutant("06.queue", "common wrong answer: queue[ptr:ptr + B] = keys with no wrap (MoCo's code assumes K % B == 0)")
def _no_wrap(queue, ptr, keys):
    q = queue.clone()
    n = min(len(keys), len(q) - ptr)
    q[ptr:ptr + n] = keys[:n].to(q.dtype)
    return q, (ptr + len(keys)) % len(q)


@mutant("06.queue", "writes into the caller's queue in place")
def _in_place(queue, ptr, keys):
    k = len(queue)
    kept = keys[-k:]
    rows = ((ptr + len(keys) - len(kept)) + torch.arange(len(kept), device=queue.device)) % k
    queue[rows] = kept.to(queue.dtype)
    return queue, (ptr + len(keys)) % k


@mutant("06.queue", "the pointer is not taken modulo K")
def _ptr_no_mod(queue, ptr, keys):
    k = len(queue)
    kept = keys[-k:]
    rows = ((ptr + len(keys) - len(kept)) + torch.arange(len(kept), device=queue.device)) % k
    q = queue.clone()
    q[rows] = kept.to(q.dtype)
    return q, ptr + len(keys)


@mutant("06.queue", "a shift register: drop the first B rows, append the keys (ignores ptr)")
def _shift(queue, ptr, keys):
    k = len(queue)
    q = torch.cat([queue, keys.to(queue.dtype)])[-k:]
    return q, (ptr + len(keys)) % k


@mutant("06.queue", "row indices built on the default device")
def _queue_default_device(queue, ptr, keys):
    k = len(queue)
    kept = keys[-k:]
    rows = ((ptr + len(keys) - len(kept)) + torch.arange(len(kept))) % k
    q = queue.clone()
    q[rows] = kept.to(q.dtype)
    return q, (ptr + len(keys)) % k


@mutant("06.queue", "a batch larger than the queue keeps its first K keys, not its last")
def _first_k(queue, ptr, keys):
    k = len(queue)
    kept = keys[:k]
    rows = (ptr + torch.arange(len(kept), device=queue.device)) % k
    q = queue.clone()
    q[rows] = kept.to(q.dtype)
    return q, (ptr + len(keys)) % k


@mutant("06.queue", "keys written in 512-row chunks, every chunk starting at ptr")
def _queue_chunked(queue, ptr, keys):
    k = len(queue)
    q = queue.clone()
    for s in range(0, len(keys), 512):
        part = keys[s:s + 512][-k:]
        q[(ptr + torch.arange(len(part), device=q.device)) % k] = part.to(q.dtype)
    return q, (ptr + len(keys)) % k


@mutant("06.queue", "the new queue built as float32 zeros and filled (a float64 queue becomes float32)")
def _float32_buffer(queue, ptr, keys):
    k = len(queue)
    q = torch.zeros(queue.shape, device=queue.device)
    q.copy_(queue)
    kept = keys[-k:]
    q[((ptr + len(keys) - len(kept)) + torch.arange(len(kept), device=q.device)) % k] = kept.float()
    return q, (ptr + len(keys)) % k
