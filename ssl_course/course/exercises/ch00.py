"""Chapter 00: the first check."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ..checks import Case, reference_exercise
from ._common import randn


def normalize_rows(x: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """x: (N, D) -> (N, D), every row scaled to unit L2 length; an all-zero row stays zero."""
    return x / x.norm(dim=1, keepdim=True).clamp_min(eps)


def _cases():
    yield Case("a 3x4 matrix", (randn(3, 4, seed=1),))
    yield Case("a batch of one", (randn(1, 5, seed=2),))
    yield Case("a row of zeros", (torch.tensor([[0.0, 0.0], [3.0, 4.0]]),))
    yield Case("float64 input", (randn(4, 3, seed=3, dtype=torch.float64),))


@st.composite
def _random_matrices(draw):
    n, d, seed = draw(st.integers(1, 12)), draw(st.integers(1, 12)), draw(st.integers(0, 9999))
    scale = draw(st.sampled_from([1e-3, 1.0, 1e3]))
    return Case(f"random ({n}, {d}) matrix, seed={seed}, scale={scale}", (randn(n, d, seed=seed, scale=scale),))


reference_exercise(
    "00.hello",
    "normalize_rows: scale every row to unit length",
    normalize_rows, _cases, _random_matrices(),
    hint="Divide each row by its own L2 norm: x.norm(dim=1, keepdim=True). Clamp the norm away from 0.",
    grad=True,
)
