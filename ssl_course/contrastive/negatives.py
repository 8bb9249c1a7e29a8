"""Negatives drawn from the data: word2vec's noise distribution (unigram counts to the power
3/4, Mikolov et al. 2013), the skip-gram negative-sampling (SGNS) loss, and MoCo's queue of
past keys (He et al. 2020), a fixed-size ring buffer.

Checked in tests/test_negatives.py: the noise distribution against a NumPy formula, the SGNS
loss against torch's binary cross-entropy with logits, the queue against a one-key-at-a-time
loop and against the official MoCo code's slice assignment where that code applies.
"""
from __future__ import annotations

import math
import numbers

import torch
import torch.nn.functional as F

from .._validate import check_generator, check_int, check_tensor


def noise_distribution(counts: torch.Tensor, power: float = 0.75) -> torch.Tensor:
    """word2vec's noise distribution P_n(w) = c_w^power / sum_v c_v^power.

    counts: (V,) non-negative occurrence counts (any real or integer dtype), not all zero.
    power: >= 0; 0.75 in word2vec, 1 is the unigram distribution, 0 uniform over the words seen.
    Returns (V,) probabilities summing to 1 on counts' device: floating counts keep their
    dtype, integer counts give float32. A count of 0 always gets probability 0 (power 0
    included: a word never seen is never a negative).
    """
    check_tensor("counts", counts)
    if counts.ndim != 1 or counts.numel() == 0:
        raise ValueError(f"counts must be a non-empty 1-D tensor (V,), got shape {tuple(counts.shape)}")
    if counts.is_complex() or counts.dtype == torch.bool:
        raise TypeError(f"counts must hold real numbers, got dtype {counts.dtype}")
    if isinstance(power, bool) or not isinstance(power, numbers.Real) or not math.isfinite(power) or power < 0:
        raise ValueError(f"power must be a finite number >= 0, got {power!r}")
    c = counts if counts.is_floating_point() else counts.to(torch.float32)
    if not torch.isfinite(c).all() or (c < 0).any():
        raise ValueError("counts must be finite and >= 0 (they are numbers of occurrences)")
    if not (c > 0).any():
        raise ValueError("counts are all zero: there is nothing to sample negatives from")
    # Divide by the largest count first: the powers stay <= 1, so the sum cannot overflow.
    weights = torch.where(c > 0, (c / c.max()) ** power, torch.zeros_like(c))
    return weights / weights.sum()


def sample_negatives(probs: torch.Tensor, shape: tuple[int, ...], generator: torch.Generator | None = None
                     ) -> torch.Tensor:
    """Draw indices i.i.d. from probs: (V,) with replacement (torch.multinomial).

    shape: the shape of the result, e.g. (B, K) for K negatives per pair.
    Returns int64 indices of that shape, on probs' device.
    """
    check_tensor("probs", probs)
    if generator is not None:
        check_generator(generator)
    n = math.prod(shape)
    if n == 0:
        return torch.zeros(shape, dtype=torch.long, device=probs.device)
    return torch.multinomial(probs, n, replacement=True, generator=generator).reshape(shape)


def sgns_loss(center: torch.Tensor, context: torch.Tensor, negatives: torch.Tensor) -> torch.Tensor:
    """Skip-gram negative-sampling loss, mean over the batch.

    center: (B, D) input vectors u; context: (B, D) output vectors v of the observed context;
    negatives: (B, K, D) output vectors n_k of K words drawn from the noise distribution.
    Returns a scalar: mean_b [ -log sigmoid(u.v) - sum_k log sigmoid(-u.n_k) ], with
    F.logsigmoid so that large dot products cannot give log(0).
    """
    for name, t in (("center", center), ("context", context), ("negatives", negatives)):
        check_tensor(name, t)
    if center.ndim != 2 or context.shape != center.shape:
        raise ValueError(f"center and context must both be (B, D), got {tuple(center.shape)} and "
                         f"{tuple(context.shape)}")
    if negatives.ndim != 3 or negatives.shape[0] != center.shape[0] or negatives.shape[2] != center.shape[1]:
        raise ValueError(f"negatives must be (B, K, D) = ({center.shape[0]}, K, {center.shape[1]}), "
                         f"got {tuple(negatives.shape)}")
    positive = (center * context).sum(dim=1)  # (B,)
    negative = torch.einsum("bd,bkd->bk", center, negatives)  # (B, K)
    return -(F.logsigmoid(positive) + F.logsigmoid(-negative).sum(dim=1)).mean()


def enqueue(queue: torch.Tensor, ptr: int, keys: torch.Tensor) -> tuple[torch.Tensor, int]:
    """MoCo's queue update (He et al. 2020, Algorithm 1): enqueue the newest keys, dequeue the oldest.

    queue: (K, D), a ring buffer; ptr: the row the next key goes to (0 <= ptr < K): the oldest
    key. keys: (B, D), the newest batch, oldest first. Returns (new_queue, new_ptr): a new
    (K, D) tensor (the input is not modified) equal to writing keys[0], keys[1], ... one at a
    time at rows ptr, ptr + 1, ... modulo K, and new_ptr = (ptr + B) mod K. A batch that
    crosses the end of the buffer wraps round to row 0; a batch larger than the queue (B > K)
    leaves its last K keys, as one-at-a-time writing would. keys are cast to queue's dtype.
    """
    check_tensor("queue", queue)
    check_tensor("keys", keys)
    if queue.ndim != 2 or keys.ndim != 2 or keys.shape[1] != queue.shape[1]:
        raise ValueError(f"queue must be (K, D) and keys (B, D) with the same D, got {tuple(queue.shape)} "
                         f"and {tuple(keys.shape)}")
    k, b = queue.shape[0], keys.shape[0]
    ptr = check_int("ptr", ptr, minimum=0)
    if ptr >= k:
        raise ValueError(f"ptr must be < the queue length {k}, got {ptr}")
    kept = keys[-k:]  # with B > K, the first B - K keys would be overwritten by later ones anyway
    start = (ptr + b - len(kept)) % k
    rows = (start + torch.arange(len(kept), device=queue.device)) % k  # wraps round at the end
    new_queue = queue.clone()
    new_queue[rows] = kept.to(queue.dtype)
    return new_queue, (ptr + b) % k


class MoCoQueue:
    """A queue of K past keys for MoCo: `negatives()` to read, `push(keys)` after each step.

    The buffer starts as random unit vectors (as in MoCo's code), so it is full from the first
    step; `enqueue` does the update, so batches of any size wrap round correctly.
    """

    def __init__(self, size: int, dim: int, generator: torch.Generator | None = None,
                 device: torch.device | str = "cpu"):
        size, dim = check_int("size", size), check_int("dim", dim)
        start = torch.randn(size, dim, generator=generator).to(device)
        self.keys = F.normalize(start, dim=1)  # (K, D)
        self.ptr = 0

    def negatives(self) -> torch.Tensor:
        """The K keys, (K, D), detached: no gradient flows into the queue."""
        return self.keys

    def push(self, keys: torch.Tensor) -> None:
        """Enqueue keys: (B, D), detached; the oldest B keys leave."""
        self.keys, self.ptr = enqueue(self.keys, self.ptr, keys.detach())
