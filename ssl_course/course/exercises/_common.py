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


def pair_edge_cases(z1: torch.Tensor, z2: torch.Tensor, temperature: float, seed: int = 3):
    """The edge cases every two-view loss must survive: (N, D) views z1, z2 in, Cases out."""
    yield Case("temperature 0.001 (logits up to 1000: a naive exp overflows)", (z1, z2), {"temperature": 1e-3})
    d1, d2 = view_pair(6, 3, seed=seed, dtype=torch.float64)
    yield Case("float64 inputs", (d1, d2), {"temperature": 0.2})
    perm = torch.randperm(len(z1), generator=torch.Generator().manual_seed(0))
    yield Case("the same batch, rows permuted together", (z1[perm], z2[perm]), {"temperature": temperature})
    yield Case("unnormalised inputs of very different lengths", (z1 * 100, z2 * 0.01), {"temperature": 0.5})


@st.composite
def pair_cases(draw, max_n: int = 16, max_d: int = 8, temperatures=(0.05, 0.1, 0.5, 1.0, 2.0)):
    """Hypothesis: two views (N, D) with N in 1..max_n, D in 1..max_d, and a temperature."""
    n = draw(st.integers(1, max_n))
    d = draw(st.integers(1, max_d))
    seed = draw(st.integers(0, 10_000))
    t = draw(st.sampled_from(temperatures))
    z1, z2 = view_pair(n, d, seed)
    return Case(f"random views N={n}, D={d}, seed={seed}, temperature={t}", (z1, z2), {"temperature": t})
