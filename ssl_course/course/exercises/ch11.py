"""Chapter 11: metric learning. Exact pairwise distances (a safe gradient at 0, no cancellation
far from the origin) and the batch-hard triplet loss (labels pick the positives AND the negatives)."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...contrastive.triplet import batch_hard_triplet, pairwise_distances
from ..checks import Case, reference_exercise
from ._common import randn

_ZERO_GRAD = ("A distance of exactly 0 (the diagonal, duplicate rows) must have gradient 0: sqrt'(0) is "
              "infinite, and where()/masking after the sqrt still multiplies it by 0, which gives NaN. "
              "Take the root of a harmless value where the squared distance is 0.")
_FAR = ("Rows far from the origin, close to each other: |a|^2 + |b|^2 - 2 a.b subtracts numbers of 1e8 "
        "and keeps no correct digit in float32. Use the differences a - b.")
_CHUNK = "More than 512 rows: every row against every row, however you split the work."


def _with_duplicates(n: int, d: int, seed: int, dtype=torch.float32) -> torch.Tensor:
    x = randn(n, d, seed=seed, dtype=dtype)
    x[n // 2] = x[0]  # one duplicated row: a distance of 0 off the diagonal
    return x


# ----------------------------------------------------------------------------- 11.pairwise_distances
def _distance_cases():
    yield Case("a 3x4 matrix", (randn(3, 4, seed=1),), hint="d[i, j] = |x_i - x_j|, an (N, N) matrix.")
    yield Case("a single row: a (1, 1) matrix holding 0", (randn(1, 5, seed=2),), hint=_ZERO_GRAD)
    yield Case("float64 input", (randn(6, 3, seed=3, dtype=torch.float64),),
               hint="float64 in, float64 arithmetic and result out.")
    yield Case("rows 0 and 4 identical (a distance of 0 off the diagonal)", (_with_duplicates(9, 3, seed=4),),
               hint=_ZERO_GRAD)
    yield Case("float64, rows 0 and 5 identical", (_with_duplicates(10, 4, seed=5, dtype=torch.float64),),
               hint="The distance of identical rows is exactly 0 (no eps inside the sqrt) and so is the diagonal.")
    zero = randn(7, 3, seed=6)
    zero[2] = 0.0
    yield Case("row 2 all zeros (a dead ReLU)", (zero,), hint=_ZERO_GRAD)
    far = 1e4 + randn(30, 4, seed=7, dtype=torch.float64)
    yield Case("30 rows of norm 2e4, about one unit apart", (far.float(),), hint=_FAR)
    two = randn(30, 4, seed=8, dtype=torch.float64)
    two[::2] += 1e4
    two[1::2] -= 1e4
    yield Case("two tight clusters at +1e4 and -1e4 (centring does not help)", (two.float(),), hint=_FAR)
    yield Case("one-dimensional integer points (many equal distances)",
               (torch.tensor([[0.0], [2.0], [1.0], [2.0], [-1.0], [0.0]]),), hint="d[i, j] = |x_i - x_j| in 1-D.")
    yield Case("600 rows (more than a 512-row chunk)", (_with_duplicates(600, 3, seed=9),), hint=_CHUNK)


@st.composite
def _random_points(draw):
    small = st.integers(1, 24)
    n = draw(st.one_of(small, small, small, st.integers(513, 600)))  # past 512 rows now and then
    d, seed = draw(st.integers(1, 6)), draw(st.integers(0, 9999))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    x = _with_duplicates(n, d, seed, dtype) if draw(st.booleans()) else randn(n, d, seed=seed, dtype=dtype)
    return Case(f"random ({n}, {d}) {str(dtype).replace('torch.', '')} points, seed={seed}", (x,))


reference_exercise(
    "11.pairwise_distances",
    "pairwise_distances(x): the (N, N) Euclidean distances, exact far from the origin, gradient 0 at distance 0",
    pairwise_distances, _distance_cases, _random_points(),
    hint="Write d[i, j] for one pair by hand, then broadcast it over all pairs; look at what happens to "
         "the value and the gradient when two rows coincide.",
    grad=True,
)


# ----------------------------------------------------------------------------- 11.batch_hard_triplet
_LABELS = ("Negatives are the samples of ANOTHER class: build the masks from the labels (labels == labels.T), "
           "never from 'any other index'.")
_VALID = ("An anchor without a positive (alone in its class) or without a negative (one class only) has no "
          "triplet: leave it out of the mean. No valid anchor: a zero that still carries a gradient.")


def _clusters(n: int, d: int, classes: int, seed: int, dtype=torch.float32, first: int = 0):
    """n points near `classes` random centres; labels first .. first + classes - 1."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, classes, (n,), generator=g)
    centres = torch.randn(classes, d, generator=g, dtype=torch.float64)
    x = centres[y] + 0.7 * torch.randn(n, d, generator=g, dtype=torch.float64)
    return x.to(dtype), y + first


def _triplet_cases():
    pairs = randn(8, 4, seed=11)
    pair_labels = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    yield Case("8 points, 4 classes of 2, margin 0.2", (pairs, pair_labels), {"margin": 0.2},
               hint="For each anchor: its farthest same-class point and its nearest other-class point.")
    yield Case("margin 0 (only violated triplets count)", (pairs, pair_labels), {"margin": 0.0},
               hint="relu(d_pos - d_neg + margin): the margin is an argument.")
    yield Case("margin 5 (every triplet is active)", (pairs, pair_labels), {"margin": 5.0},
               hint="relu(d_pos - d_neg + margin): the margin is an argument.")
    x, y = _clusters(40, 5, 4, seed=12)
    yield Case("40 points in 4 clusters", (x, y), {"margin": 0.2}, hint=_LABELS)
    yield Case("some anchors alone in their class (no positive)",
               (randn(7, 3, seed=13), torch.tensor([0, 0, 1, 2, 2, 3, 4])), {"margin": 0.2}, hint=_VALID)
    yield Case("one class only (no negative: loss 0, gradient 0)", (randn(5, 3, seed=14), torch.full((5,), 3)),
               {"margin": 0.2}, hint=_VALID)
    yield Case("every label different (no positive: loss 0, gradient 0)", (randn(4, 3, seed=15), torch.arange(4)),
               {"margin": 0.2}, hint=_VALID)
    x15, y15 = _clusters(60, 4, 6, seed=16, first=10)
    yield Case("labels 10 to 15", (x15, y15), {"margin": 0.2},
               hint="Labels are any integers, 10 or more included: compare them, do not one-hot them into 10 classes.")
    yield Case("int32 labels", (x, y.int()), {"margin": 0.2}, hint="Labels of any integer dtype.")
    dup = randn(10, 2, seed=17)
    dup[5] = dup[0]  # anchor 0's duplicate, of another class: a negative at distance 0
    dup_labels = torch.tensor([0, 0, 1, 1, 2, 1, 2, 0, 1, 2])
    yield Case("a negative identical to its anchor (distance 0)", (dup, dup_labels), {"margin": 0.2},
               hint="Leave the anchor itself out by its index, not by a distance > 0; " + _ZERO_GRAD)
    yield Case("one-dimensional integer points: tied distances",
               (torch.tensor([[0.0], [1.0], [2.0], [1.0], [3.0], [0.0], [2.0]]), torch.tensor([0, 0, 1, 1, 0, 1, 2])),
               {"margin": 0.5}, hint="Ties change no value: any of the tied points is the hardest.",
               check_grad=False)  # the gradient goes to one of the tied points: which one is not specified
    zero = x.clone()
    zero[3] = 0.0
    yield Case("row 3 all zeros (a dead ReLU)", (zero, y), {"margin": 0.2}, hint=_ZERO_GRAD)
    x64, y64 = _clusters(30, 3, 3, seed=18, dtype=torch.float64)
    yield Case("float64 embeddings", (x64, y64), {"margin": 0.2}, hint="float64 in, float64 arithmetic and result out.")
    big, big_y = _clusters(600, 4, 12, seed=19)
    yield Case("600 points, 12 classes (more than a 512-row chunk)", (big, big_y), {"margin": 0.2}, hint=_CHUNK)


@st.composite
def _random_batches(draw):
    small = st.integers(1, 40)
    n = draw(st.one_of(small, small, small, st.integers(513, 560)))  # past 512 rows now and then
    d, classes = draw(st.integers(1, 5)), draw(st.integers(1, 14))
    seed, margin = draw(st.integers(0, 9999)), draw(st.sampled_from([0.0, 0.2, 1.0]))
    x, y = _clusters(n, d, classes, seed, dtype=draw(st.sampled_from([torch.float32, torch.float64])))
    return Case(f"N={n}, D={d}, {classes} classes, margin={margin}, seed={seed}", (x, y), {"margin": margin})


reference_exercise(
    "11.batch_hard_triplet",
    "batch_hard_triplet(embeddings, labels, margin): each anchor's hardest positive against its hardest negative",
    batch_hard_triplet, _triplet_cases, _random_batches(),
    hint="For the failing case, list one anchor's positives and negatives from the labels, their distances, "
         "and the two you pick; then which anchors enter the mean.",
    grad=True,
)
