"""Case makers shared by the chapters' exercises: seeded random tensors and Hypothesis strategies."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ..checks import Case


def randn(*shape: int, seed: int = 0, dtype=torch.float32, scale: float = 1.0) -> torch.Tensor:
    """A seeded standard-normal tensor (the same numbers on every machine and every call)."""
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g, dtype=torch.float64) * scale).to(dtype)


def view_pair(n: int, d: int, seed: int = 0, noise: float = 0.5, dtype=torch.float32):
    """Two correlated views (N, D): a shared signal plus independent noise."""
    base = randn(n, d, seed=seed, dtype=torch.float64)
    z1 = base + noise * randn(n, d, seed=seed + 1, dtype=torch.float64)
    z2 = base + noise * randn(n, d, seed=seed + 2, dtype=torch.float64)
    return z1.to(dtype), z2.to(dtype)


OVERFLOW_HINT = ("Logits of 1/temperature overflow exp(): use a log-sum-exp (F.cross_entropy, "
                 "torch.logsumexp or log_softmax), never exp() followed by log().")
COSINE_HINT = "Cosine similarity ignores lengths: normalise every row before the dot products."
ZERO_ROW_HINT = ("An all-zero embedding (a dead ReLU) has norm 0: divide by max(norm, eps) "
                 "(F.normalize does), or it becomes NaN.")


def pair_edge_cases(z1: torch.Tensor, z2: torch.Tensor, temperature: float, seed: int = 3):
    """The edge cases every two-view loss must survive: (N, D) views z1, z2 in, Cases out."""
    yield Case("temperature 0.001 (logits up to 1000: a naive exp overflows)", (z1, z2), {"temperature": 1e-3},
               hint=OVERFLOW_HINT)
    d1, d2 = view_pair(6, 3, seed=seed, dtype=torch.float64)
    yield Case("float64 inputs", (d1, d2), {"temperature": 0.2},
               hint="Compute in the inputs' dtype: float64 in, float64 arithmetic and result out.")
    perm = torch.randperm(len(z1), generator=torch.Generator().manual_seed(0))
    yield Case("the same batch, rows permuted together", (z1[perm], z2[perm]), {"temperature": temperature},
               hint="The loss is a mean over anchors: reordering the pairs together must not change it.")
    yield Case("unnormalised inputs of very different lengths", (z1 * 100, z2 * 0.01), {"temperature": 0.5},
               hint=COSINE_HINT)
    zero1, zero2 = z1.clone(), z2.clone()
    zero1[1] = 0.0
    yield Case("row 1 of the first view all zeros (a dead ReLU)", (zero1, zero2), {"temperature": temperature},
               hint=ZERO_ROW_HINT, check_grad=False)
    b1, b2 = view_pair(600, 5, seed=seed + 7)
    yield Case("600 pairs (more than a 512-row chunk)", (b1, b2), {"temperature": temperature},
               hint="Every anchor's positive sits at its own index, however large the batch: "
                    "build indices for all rows, not per chunk.")


@st.composite
def pair_cases(draw, max_n: int = 16, max_d: int = 8, temperatures=(0.05, 0.1, 0.5, 1.0, 2.0)):
    """Hypothesis: two views (N, D) with N in 1..max_n (or, now and then, 513..700), D in
    1..max_d, and a temperature."""
    n = draw(st.one_of(st.integers(1, max_n), st.integers(513, 700)))
    d = draw(st.integers(1, max_d))
    seed = draw(st.integers(0, 10_000))
    t = draw(st.sampled_from(temperatures))
    z1, z2 = view_pair(n, d, seed)
    return Case(f"random views N={n}, D={d}, seed={seed}, temperature={t}", (z1, z2), {"temperature": t})


def blobs(n: int, d: int, labels, seed: int, dtype=torch.float32, spread: float = 1.0, min_per_label: int = 0):
    """Labelled points around one random centre per label (seeded): x (max(n, m), d), y (max(n, m),)
    int64, where m = min_per_label * len(labels): the first m points cycle through the labels, so
    every label occurs at least min_per_label times; the rest draw their label at random."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.as_tensor(labels)
    centres = 2 * torch.randn(len(labels), d, generator=g, dtype=torch.float64)
    m = min_per_label * len(labels)
    pick = torch.cat([torch.arange(len(labels)).repeat(min_per_label),
                      torch.randint(len(labels), (max(0, n - m),), generator=g)])
    x = centres[pick] + spread * torch.randn(len(pick), d, generator=g, dtype=torch.float64)
    return x.to(dtype), labels[pick]
