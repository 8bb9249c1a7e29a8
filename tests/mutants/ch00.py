"""Known-wrong implementations for chapter 00."""
from __future__ import annotations

import torch

from . import mutant


# --------------------------------------------------------------------------- 00.hello
@mutant("00.hello", "common wrong answer: normalises the columns (dim=0)")
def _cols(x, eps=1e-12):
    return x / x.norm(dim=0, keepdim=True).clamp_min(eps)


@mutant("00.hello", "no epsilon: an all-zero row becomes NaN")
def _no_eps(x, eps=1e-12):
    return x / x.norm(dim=1, keepdim=True)


@mutant("00.hello", "divides by the squared norm")
def _squared(x, eps=1e-12):
    return x / (x * x).sum(dim=1, keepdim=True).clamp_min(eps)


@mutant("00.hello", "normalises the whole matrix at once")
def _frobenius(x, eps=1e-12):
    return x / x.norm().clamp_min(eps)


@mutant("00.hello", "detaches the norm (values right, gradient wrong)")
def _detached(x, eps=1e-12):
    return x / x.norm(dim=1, keepdim=True).clamp_min(eps).detach()


@mutant("00.hello", "ignores eps (always 1e-12)")
def _ignores_eps(x, eps=1e-12):
    return x / x.norm(dim=1, keepdim=True).clamp_min(1e-12)


@mutant("00.hello", "adds eps to the norm instead of taking the maximum")
def _plus_eps(x, eps=1e-12):
    return x / (x.norm(dim=1, keepdim=True) + eps)


@mutant("00.hello", "works in chunks of 512 rows, with the first chunk's norms for every chunk")
def _chunks(x, eps=1e-12):
    norms = x[:512].norm(dim=1, keepdim=True).clamp_min(eps)
    parts = [x[s:s + 512] / norms[:len(x[s:s + 512])] for s in range(0, len(x), 512)]
    return torch.cat(parts)


@mutant("00.hello", "computes in float32 and casts back")
def _float32(x, eps=1e-12):
    y = x.float()
    return (y / y.norm(dim=1, keepdim=True).clamp_min(eps)).to(x.dtype)


@mutant("00.hello", "builds eps as a tensor on the default device")
def _eps_tensor(x, eps=1e-12):
    return x / torch.maximum(x.norm(dim=1, keepdim=True), torch.tensor(eps))
