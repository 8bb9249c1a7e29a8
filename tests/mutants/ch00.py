"""Known-wrong implementations for chapter 00."""
from __future__ import annotations

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
