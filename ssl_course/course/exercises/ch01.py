"""Chapter 01: InfoNCE and the mutual-information bound it gives."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...contrastive.info_nce import info_nce, info_nce_mi_bound
from ..checks import Case, reference_exercise
from ._common import pair_cases, pair_edge_cases, randn, view_pair


def _info_nce_cases():
    z1, z2 = view_pair(8, 4, seed=1)
    yield Case("8 pairs, D=4, temperature 0.1", (z1, z2), {"temperature": 0.1})
    yield Case("8 pairs, temperature 1.0", (z1, z2), {"temperature": 1.0})
    one1, one2 = view_pair(1, 4, seed=2)
    yield Case("a batch of one (the positive has no rival: loss 0)", (one1, one2), {"temperature": 0.1})
    yield from pair_edge_cases(z1, z2, temperature=0.1, seed=3)


reference_exercise(
    "01.info_nce",
    "info_nce(query, key, temperature): cross-entropy of each positive against the batch",
    info_nce, _info_nce_cases, pair_cases(),
    hint="Normalise both, take the (N, N) cosine similarities / temperature, and apply "
         "F.cross_entropy with targets arange(N): row i's positive is column i.",
    grad=True,
)


def _score_cases():
    yield Case("4x4 scores", (randn(4, 4, seed=5),))
    yield Case("a strong diagonal (bound near log N)", (randn(16, 16, seed=6) + 20 * torch.eye(16),))
    yield Case("a batch of one", (randn(1, 1, seed=7),))
    yield Case("large scores (a naive exp overflows)", (randn(8, 8, seed=8, scale=500.0),))
    yield Case("float64 scores", (randn(5, 5, seed=9, dtype=torch.float64),))


@st.composite
def _random_scores(draw):
    n, seed = draw(st.integers(1, 20)), draw(st.integers(0, 9999))
    scale = draw(st.sampled_from([0.1, 1.0, 10.0]))
    return Case(f"random ({n}, {n}) scores, seed={seed}, scale={scale}", (randn(n, n, seed=seed, scale=scale),))


reference_exercise(
    "01.mi_lower_bound",
    "info_nce_mi_bound(scores): log N minus the InfoNCE loss, in nats",
    info_nce_mi_bound, _score_cases, _random_scores(),
    hint="The bound is math.log(N) - F.cross_entropy(scores, torch.arange(N)); natural log, so nats.",
    grad=True,
)
