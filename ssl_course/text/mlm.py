"""BERT's masked-language-model objective: which tokens to hide (`mask_tokens`) and the loss on
them (`mlm_loss`). Labels are -100 (`IGNORE`) where nothing is predicted, as in Hugging Face."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .._validate import check_int, check_probability, check_tensor

IGNORE = -100


def mask_tokens(ids: torch.Tensor, vocab_size: int, mask_id: int = 4, n_special: int = 5,
                mask_prob: float = 0.15, generator: torch.Generator | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT masking. ids (N, L) int64 -> (inputs (N, L) int64, labels (N, L) int64).

    Ids below n_special ([PAD], [CLS], ...) are never chosen. The draws, in this order, all from
    `generator` and all of shape ids.shape on ids.device:
      1. u = torch.rand: a non-special position is chosen when u < mask_prob;
      2. v = torch.rand: a chosen position becomes mask_id when v < 0.8, a random token when
         0.8 <= v < 0.9, and stays unchanged otherwise;
      3. r = torch.randint(n_special, vocab_size): the random tokens (never a special token).
    labels = ids at chosen positions, IGNORE (-100) elsewhere. The input is not changed.
    """
    check_tensor("ids", ids)
    if ids.ndim != 2 or ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
        raise ValueError(f"ids must be an (N, L) integer tensor, got {ids.dtype} of shape {tuple(ids.shape)}")
    n_special = check_int("n_special", n_special, minimum=0)
    vocab_size = check_int("vocab_size", vocab_size, minimum=n_special + 1)
    mask_id = check_int("mask_id", mask_id, minimum=0)
    check_probability("mask_prob", mask_prob)
    u = torch.rand(ids.shape, generator=generator, device=ids.device)
    v = torch.rand(ids.shape, generator=generator, device=ids.device)
    r = torch.randint(n_special, vocab_size, ids.shape, generator=generator, device=ids.device)
    chosen = (u < mask_prob) & (ids >= n_special)
    labels = torch.where(chosen, ids, torch.full_like(ids, IGNORE))
    inputs = torch.where(chosen & (v < 0.8), torch.full_like(ids, mask_id), ids)
    inputs = torch.where(chosen & (v >= 0.8) & (v < 0.9), r, inputs)
    return inputs, labels


def mlm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over the positions whose label is not IGNORE.

    logits (N, L, V) float, labels (N, L) int -> scalar in logits' dtype. With no labelled
    position the loss is 0 (connected to the graph), not NaN.
    """
    check_tensor("logits", logits)
    check_tensor("labels", labels)
    if logits.ndim != 3 or not logits.is_floating_point():
        raise ValueError(f"logits must be (N, L, V) floats, got {logits.dtype} of shape {tuple(logits.shape)}")
    if tuple(labels.shape) != tuple(logits.shape[:2]) or labels.is_floating_point():
        raise ValueError(f"labels must be (N, L) = {tuple(logits.shape[:2])} integers, got {labels.dtype} "
                         f"of shape {tuple(labels.shape)}")
    flat, target = logits.reshape(-1, logits.shape[-1]), labels.reshape(-1).long()
    keep = target != IGNORE
    if not bool(keep.any()):
        return logits.sum() * 0
    return F.cross_entropy(flat[keep], target[keep])
