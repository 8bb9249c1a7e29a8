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
    yield Case("a 3x4 matrix", (randn(3, 4, seed=1),),
               hint="Each ROW must come out with length 1: which dimension does the norm run over?")
    yield Case("a batch of one", (randn(1, 5, seed=2),))
    yield Case("a row of zeros", (torch.tensor([[0.0, 0.0], [3.0, 4.0]]),),
               hint="A zero row has length 0: divide by max(length, eps), never by the length itself.")
    yield Case("float64 input", (randn(4, 3, seed=3, dtype=torch.float64),),
               hint="Keep the input's dtype and compute in it (no float32 round trip).")
    yield Case("eps=0.5: rows of length 0.3 and 5 (the shorter one is divided by eps)",
               (torch.tensor([[0.3, 0.0], [3.0, 4.0]]),), {"eps": 0.5},
               hint="Use the eps you are given, and take the maximum: max(length, eps), not length + eps.")
    yield Case("600 rows (more than a 512-row chunk)", (randn(600, 7, seed=4),),
               hint="Every row, however many: one vectorised expression over the whole matrix.")
    yield Case("a column vector (N, 1): each row becomes +1 or -1", (randn(5, 1, seed=5),))


@st.composite
def _random_matrices(draw):
    n = draw(st.one_of(st.integers(1, 12), st.integers(500, 1100)))
    d, seed = draw(st.integers(1, 12)), draw(st.integers(0, 9999))
    scale = draw(st.sampled_from([1e-3, 1.0, 1e3]))
    eps = draw(st.sampled_from([1e-12, 1e-2, 10.0]))
    return Case(f"random ({n}, {d}) matrix, seed={seed}, scale={scale}, eps={eps}",
                (randn(n, d, seed=seed, scale=scale),), {"eps": eps})


reference_exercise(
    "00.hello",
    "normalize_rows: scale every row to unit length",
    normalize_rows, _cases, _random_matrices(),
    hint="Compare your output with the formula above on the failing case: which rows are wrong?",
    grad=True,
)
