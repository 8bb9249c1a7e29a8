"""Chapter 29: sentence embeddings. Mean pooling that respects padding, and unsupervised SimCSE's
loss (InfoNCE between two dropout passes of the same batch, one direction)."""
from __future__ import annotations

import math

import torch
from hypothesis import strategies as st

from ...contrastive.simcse import mean_pool, simcse_loss
from ..checks import Case, custom, reference_exercise
from ._common import pair_cases, pair_edge_cases, randn, view_pair

# ----------------------------------------------------------------------------- 29.mean_pool
_PADS = ("Padded positions must not count: sum the real tokens only and divide by how many there "
         "are, per row (not by L).")
_WHERE = ("Padding may hold anything, inf included, and inf * 0 is NaN: select the real tokens "
          "(torch.where or masked_fill) rather than multiplying by the mask.")
_EMPTY = "A row with no real token has count 0: clamp the count to at least 1 so the row is zeros, not NaN."


def _mask_from_lengths(lengths: list[int], length: int, left: bool = False) -> torch.Tensor:
    """(N, L) bool: row i has lengths[i] real tokens, at the end (left padding) or the start."""
    pos = torch.arange(length)
    lens = torch.tensor(lengths)[:, None]
    return pos >= length - lens if left else pos < lens


def _hidden_with_pads(n: int, length: int, d: int, mask: torch.Tensor, seed: int, pad_value: float = 50.0,
                      dtype=torch.float32) -> torch.Tensor:
    """(N, L, D) token vectors whose padded positions hold pad_value (far from the real ones)."""
    h = randn(n, length, d, seed=seed, dtype=dtype)
    return h.masked_fill(~mask.bool()[..., None], pad_value)


def _mean_pool_cases():
    mask = _mask_from_lengths([3, 5, 1, 4], 5)
    h = _hidden_with_pads(4, 5, 3, mask, seed=1)
    yield Case("4 sentences of 3, 5, 1, 4 tokens, right padding (pads hold 50)", (h, mask), hint=_PADS)
    left = _mask_from_lengths([3, 5, 1, 4], 5, left=True)
    yield Case("left padding: the real tokens are at the end of each row",
               (_hidden_with_pads(4, 5, 3, left, seed=2), left),
               hint="Do not assume the real tokens come first: use the mask position by position.")
    holes = torch.tensor([[True, False, True, False, True, True], [False, True, True, False, False, True]])
    yield Case("a mask with holes in the middle of the rows", (_hidden_with_pads(2, 6, 4, holes, seed=3), holes),
               hint="Use the mask position by position, not a length per row.")
    full = torch.ones(3, 4, dtype=torch.bool)
    yield Case("no padding at all: the plain mean over L", (randn(3, 4, 5, seed=4), full))
    yield Case("an int64 0/1 mask (a tokenizer's attention_mask)", (h, mask.long()),
               hint="A 0/1 mask of any dtype: nonzero marks a real token.")
    yield Case("a float 0./1. mask", (h, mask.float()), hint="A 0/1 mask of any dtype: nonzero marks a real token.")
    inf_pads = h.masked_fill(~mask[..., None], float("inf"))
    yield Case("padded positions hold inf", (inf_pads, mask), hint=_WHERE)
    empty = _mask_from_lengths([2, 0, 3], 4)
    yield Case("a row that is all padding: zeros, not NaN", (_hidden_with_pads(3, 4, 2, empty, seed=5), empty),
               hint=_EMPTY)
    m64 = _mask_from_lengths([7, 2, 9, 4, 1], 9)
    yield Case("float64 token vectors (held to float64 precision)",
               (_hidden_with_pads(5, 9, 3, m64, seed=6, dtype=torch.float64) * 1e3 + 1e6, m64),
               hint="Compute in hidden's dtype: no float32 step for float64 input.")
    yield Case("one token, one dimension", (randn(2, 1, 1, seed=7), torch.tensor([[True], [True]])))
    big_mask = torch.rand(600, 7, generator=torch.Generator().manual_seed(8)) < 0.6
    big_mask[:, 0] = True
    yield Case("600 sentences (more than a 512-row chunk)", (_hidden_with_pads(600, 7, 3, big_mask, seed=9), big_mask),
               hint="Every row gets its own count, however many rows there are.")


@st.composite
def _random_padded(draw):
    n = draw(st.one_of(st.integers(1, 20), st.integers(513, 600)))
    length, d, seed = draw(st.integers(1, 12)), draw(st.integers(1, 6)), draw(st.integers(0, 9999))
    keep = draw(st.sampled_from((0.2, 0.5, 0.9, 1.0)))
    dtype = draw(st.sampled_from((torch.float32, torch.float64)))
    mask_dtype = draw(st.sampled_from((torch.bool, torch.int64, torch.int32, torch.float32)))
    mask = torch.rand(n, length, generator=torch.Generator().manual_seed(seed)) < keep
    hidden = _hidden_with_pads(n, length, d, mask, seed=seed + 1, pad_value=-7.0, dtype=dtype)
    return Case(f"N={n}, L={length}, D={d}, {keep:.0%} real tokens, {dtype}, mask {mask_dtype}, seed={seed}",
                (hidden, mask.to(mask_dtype)), hint=_PADS)


reference_exercise(
    "29.mean_pool",
    "mean_pool(hidden, mask): the mean of each row's token vectors over its real tokens only",
    mean_pool, _mean_pool_cases, _random_padded(),
    hint="For each row: add up the vectors where the mask is nonzero, divide by how many there are.",
    grad=True,
)


# ----------------------------------------------------------------------------- 29.simcse
def _simcse_cases():
    z1, z2 = view_pair(8, 4, seed=31)
    yield Case("8 sentences, D=4, temperature 0.05", (z1, z2), {"temperature": 0.05})
    yield Case("8 sentences, temperature 0.5 (the temperature is an argument)", (z1, z2), {"temperature": 0.5},
               hint="Divide the cosines by the temperature you are given.")
    yield Case("8 sentences, the default temperature (0.05, as in the paper)", (z1, z2),
               hint="The default temperature is 0.05.")
    yield Case("the views swapped: one direction only, so the loss changes", (z2, z1), {"temperature": 0.1},
               hint="Row i of z1 is the anchor; its candidates are the N rows of z2 (not z1's rows, not both "
                    "directions averaged).")
    one1, one2 = view_pair(1, 3, seed=32)
    yield Case("a batch of one sentence (its only candidate is its positive: loss 0)", (one1, one2),
               {"temperature": 0.05})
    yield from pair_edge_cases(z1, z2, temperature=0.05, seed=33)
    c1, c2 = view_pair(12, 5, seed=34)
    yield Case("12 sentences, temperature 2", (c1, c2), {"temperature": 2.0})


def _two_passes_differ(fn) -> str | None:
    """With z1 == z2 (dropout off) and orthogonal rows, the loss is about 0; a loss that ignores
    z2 cannot tell that apart from views that are far from each other."""
    base = torch.eye(4, 6, dtype=torch.float64)
    far = torch.eye(4, 6, dtype=torch.float64).roll(1, dims=0)  # row i of z2 is sentence i + 1's direction
    same, apart = float(fn(base, base.clone(), temperature=0.05)), float(fn(base, far, temperature=0.05))
    want = math.log(1 + 3 * math.exp(-20))
    if abs(same - want) > 1e-6:
        return f"identical views of 4 orthogonal sentences should give {want:.3g}, got {same:.4g}"
    if apart < 10:
        return (f"each sentence's second view pointing at another sentence should cost about 20, got {apart:.4g}: "
                "is z2 used at all (z1 against itself is the dropout-off mistake)?")
    return None


reference_exercise(
    "29.simcse",
    "simcse_loss(z1, z2, temperature): row i of z1 picks row i of z2 among all N rows of z2",
    simcse_loss, _simcse_cases, pair_cases(temperatures=(0.05, 0.1, 0.5, 1.0)),
    hint="Build the (N, N) matrix of cosines between the rows of z1 and the rows of z2, divide by the "
         "temperature, and read row i as a classification with the answer i.",
    grad=True, extra_tests=[custom("dropout off vs views pointing elsewhere", _two_passes_differ)],
)
