"""Chapter 01: InfoNCE and the mutual-information bound it gives."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...contrastive.info_nce import info_nce, info_nce_mi_bound
from ..checks import Case, reference_exercise
from ._common import OVERFLOW_HINT, pair_cases, pair_edge_cases, randn, view_pair


def _info_nce_cases():
    z1, z2 = view_pair(8, 4, seed=1)
    yield Case("8 pairs, D=4, temperature 0.1", (z1, z2), {"temperature": 0.1},
               hint="Query i is scored against EVERY key, and its positive is key i; the loss is "
                    "the mean over queries of minus the log-probability of the positive.")
    yield Case("8 pairs, temperature 1.0", (z1, z2), {"temperature": 1.0},
               hint="The similarities are DIVIDED by the temperature.")
    one1, one2 = view_pair(1, 4, seed=2)
    yield Case("a batch of one (the positive has no rival: loss 0)", (one1, one2), {"temperature": 0.1},
               hint="With one pair, the softmax has a single entry, so its log-probability is 0.")
    yield from pair_edge_cases(z1, z2, temperature=0.1, seed=3)


reference_exercise(
    "01.info_nce",
    "info_nce(query, key, temperature): cross-entropy of each positive against the batch",
    info_nce, _info_nce_cases, pair_cases(),
    hint="Write the loss for one query by hand (the formula above), then check your (N, N) "
         "matrix: rows are queries, columns keys, positives on the diagonal.",
    grad=True,
)


def _score_cases():
    yield Case("4x4 scores", (randn(4, 4, seed=5),),
               hint="log N minus the loss, in nats (natural log), with the loss averaged over rows.")
    yield Case("a strong diagonal (bound near log N)", (randn(16, 16, seed=6) + 20 * torch.eye(16),),
               hint="A perfect critic drives the loss to 0, so the bound approaches log N, not 0.")
    yield Case("a batch of one", (randn(1, 1, seed=7),), hint="log 1 = 0 and the loss of one score is 0.")
    yield Case("large scores (a naive exp overflows)", (randn(8, 8, seed=8, scale=500.0),), hint=OVERFLOW_HINT)
    yield Case("float64 scores", (randn(5, 5, seed=9, dtype=torch.float64),),
               hint="Keep float64: no float32 round trip.")
    yield Case("600x600 scores (more than a 512-row chunk)", (randn(600, 600, seed=10) + 3 * torch.eye(600),),
               hint="Row i's positive is column i for every row, however many.")


@st.composite
def _random_scores(draw):
    n = draw(st.one_of(st.integers(1, 20), st.integers(513, 640)))
    seed = draw(st.integers(0, 9999))
    scale = draw(st.sampled_from([0.1, 1.0, 10.0]))
    return Case(f"random ({n}, {n}) scores, seed={seed}, scale={scale}", (randn(n, n, seed=seed, scale=scale),))


reference_exercise(
    "01.mi_lower_bound",
    "info_nce_mi_bound(scores): log N minus the InfoNCE loss, in nats",
    info_nce_mi_bound, _score_cases, _random_scores(),
    hint="The bound's two terms: log N (which N?) and the InfoNCE loss of these scores.",
    grad=True,
)
