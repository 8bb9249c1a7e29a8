"""Chapter 10: k-means++ seeding, Hungarian-matched accuracy and confident pseudo-labels.

The cases cover: more than 512 points, repeated calls with one generator (and generator=None),
duplicate points and ties, labels of 10 or more and labels that skip values, degenerate rows
(identical points, uniform probabilities), float64, int32 ids, and the meta default device."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...cluster.kmeans import kmeans_pp_init
from ...cluster.matching import matched_accuracy
from ...cluster.pseudo_labels import confident_labels
from ..checks import Case, generator_test, reference_exercise
from ._common import randn


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _blobs(n: int, d: int, c: int, seed: int, spread: float = 0.3, dtype=torch.float32):
    """n points around c well-separated centres in D dimensions: (N, D) points, (N,) blob ids."""
    g = _gen(seed)
    centres = 5 * torch.randn(c, d, generator=g, dtype=torch.float64)
    ids = torch.randint(0, c, (n,), generator=g)
    x = centres[ids] + spread * torch.randn(n, d, generator=g, dtype=torch.float64)
    return x.to(dtype), ids


# ----------------------------------------------------------------------------- 10.kmeans_pp_init
_ORDER = ("The draws, in order: torch.randint(N, (1,), generator=generator) for the first centre, then one "
          "torch.multinomial(d2, 1, generator=generator) per further centre; nothing else may draw from it.")
_D2 = ("The weight of a point is its SQUARED distance to the NEAREST centre chosen so far (a running minimum "
       "over all chosen centres, not the last one), ((x - c) ** 2).sum(1).")
_ALL_ZERO = ("Every point already sits on a chosen centre, so every weight is 0 and torch.multinomial refuses: "
             "draw the next index with torch.randint(N, (1,), generator=generator) instead.")


def _pp_cases():
    x, _ = _blobs(30, 2, 3, seed=1)
    yield Case("30 points in 3 blobs, k=3", (x, 3), {"generator": _gen(0)}, hint=_D2)
    yield Case("the same points, k=1 (only the first, uniform draw)", (x, 1), {"generator": _gen(5)}, hint=_ORDER)
    yield Case("k = N = 6 distinct points: every point is chosen once", (randn(6, 3, seed=2), 6),
               {"generator": _gen(1)}, hint="A chosen point has weight 0 and is never drawn again.")
    x64, _ = _blobs(40, 4, 5, seed=3, dtype=torch.float64)
    yield Case("float64 points, k=5", (x64, 5), {"generator": _gen(2)},
               hint="Return rows of x itself, in x's dtype: float64 in, float64 out, nothing rounded.")
    dup = torch.tensor([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [1.0, 1.0]])
    yield Case("6 points but only 2 distinct ones, k=4 (after 2 centres every weight is 0)", (dup, 4),
               {"generator": _gen(3)}, hint=_ALL_ZERO)
    yield Case("5 identical points, k=3", (torch.ones(5, 2), 3), {"generator": _gen(4)}, hint=_ALL_ZERO)
    ties = torch.tensor([[0.0], [1.0], [-1.0], [2.0], [-2.0], [1.0], [-1.0]])
    yield Case("one-dimensional points with equal distances and duplicates, k=4", (ties, 4),
               {"generator": _gen(6)}, hint=_D2)
    big, _ = _blobs(700, 3, 8, seed=7)
    yield Case("700 points (more than a 512-row chunk), k=8", (big, 8), {"generator": _gen(8)},
               hint="Every one of the N points gets its weight, whatever its row: no chunk may be left out.")
    wide, _ = _blobs(50, 2, 4, seed=9, spread=3.0)
    yield Case("overlapping blobs, k=6", (wide, 6), {"generator": _gen(10)}, hint=_D2)


@st.composite
def _random_points(draw):
    n = draw(st.one_of(st.integers(1, 60), st.integers(513, 600)))
    d, seed, gseed = draw(st.integers(1, 6)), draw(st.integers(0, 9999)), draw(st.integers(0, 9999))
    k = draw(st.integers(1, min(n, 12)))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    x = randn(n, d, seed=seed, dtype=dtype)
    if draw(st.booleans()):  # rounded coordinates: duplicates and equal distances
        x = x.round()
    return Case(f"random ({n}, {d}) {str(dtype).replace('torch.', '')} points, k={k}, seed={seed}, "
                f"generator seed {gseed}", (x, k), {"generator": _gen(gseed)}, hint=_D2)


def _pp_generator_case(generator):
    x, _ = _blobs(60, 3, 4, seed=11)
    return Case("60 points, k=4", (x, 4), {"generator": generator})


reference_exercise(
    "10.kmeans_pp_init",
    "kmeans_pp_init(x, k, generator): k-means++ seeding, each next centre drawn with probability ∝ D(x)^2",
    kmeans_pp_init, _pp_cases, _random_points(),
    hint="Work the failing case by hand: after each chosen centre, the weights D(x)^2 of all N points, then "
         "the one draw from the generator.",
    extra_tests=[generator_test(kmeans_pp_init, _pp_generator_case)],
)


# ----------------------------------------------------------------------------- 10.matched_accuracy
_RENAMED = ("Cluster ids are arbitrary names: match each cluster to one label first (the Hungarian algorithm, "
            "scipy.optimize.linear_sum_assignment on the contingency matrix), then count.")
_ONE_TO_ONE = ("One-to-one: a label can be matched to one cluster only, so the extra clusters' points count as "
               "wrong; a majority vote per cluster (many-to-one) overcounts.")
_VALUES = ("Ids are any integers: build the contingency matrix over the distinct values (torch.unique with "
           "return_inverse), not over 0..9.")


def _matched_cases():
    y = torch.tensor([0, 0, 0, 1, 1, 1, 2, 2, 2, 2])
    yield Case("a perfect clustering with renamed ids (accuracy 1)", (torch.tensor([2, 2, 2, 0, 0, 0, 1, 1, 1, 1]), y),
               hint=_RENAMED)
    yield Case("a clustering with two mistakes", (torch.tensor([1, 1, 0, 0, 0, 0, 2, 2, 2, 1]), y), hint=_RENAMED)
    yield Case("5 clusters, 3 labels (extra clusters count as wrong)",
               (torch.tensor([0, 0, 3, 1, 1, 4, 2, 2, 2, 4]), y), hint=_ONE_TO_ONE)
    yield Case("2 clusters, 3 labels (one label goes unmatched)", (torch.tensor([5, 5, 5, 5, 5, 5, 9, 9, 9, 9]), y),
               hint=_ONE_TO_ONE)
    greedy_c = torch.tensor([0] * 5 + [0] * 4 + [1] * 4 + [1] * 1)
    greedy_y = torch.tensor([0] * 5 + [1] * 4 + [0] * 4 + [2] * 1)
    yield Case("the largest single match is not part of the best matching", (greedy_c, greedy_y),
               hint="Matching the largest count first (greedy) is not optimal: maximise the total.")
    yield Case("labels that skip values (3, 17, 40) and clusters 7, 8, 9",
               (torch.tensor([9, 9, 7, 7, 8, 8, 8]), torch.tensor([40, 40, 3, 3, 17, 17, 3])), hint=_VALUES)
    g = _gen(12)
    y15 = torch.randint(0, 15, (200,), generator=g)
    c15 = torch.where(torch.rand(200, generator=g) < 0.7, (y15 * 7 + 3) % 15, torch.randint(0, 15, (200,), generator=g))
    yield Case("15 labels and 15 clusters (ids 10 and above)", (c15, y15), hint=_VALUES)
    yield Case("int32 ids", (c15.int(), y15.int()), hint=_VALUES)
    yield Case("every point in one cluster", (torch.zeros(10, dtype=torch.int64), y), hint=_ONE_TO_ONE)
    yield Case("a single point", (torch.tensor([4]), torch.tensor([11])))
    y_big = torch.randint(0, 10, (900,), generator=g)
    c_big = torch.where(torch.rand(900, generator=g) < 0.8, (y_big + 4) % 10, torch.randint(0, 10, (900,), generator=g))
    yield Case("900 points (more than a 512-row chunk)", (c_big, y_big),
               hint="Count every point in the contingency matrix, and divide by all N.")


@st.composite
def _random_assignments(draw):
    n = draw(st.one_of(st.integers(1, 60), st.integers(513, 700)))
    k, c = draw(st.integers(1, 14)), draw(st.integers(1, 14))
    seed, noise = draw(st.integers(0, 9999)), draw(st.sampled_from([0.0, 0.2, 0.5, 1.0]))
    g = _gen(seed)
    labels = torch.randint(0, c, (n,), generator=g) * draw(st.sampled_from([1, 3]))  # x3: values that skip
    clusters = (labels * 5 + 2) % k
    clusters = torch.where(torch.rand(n, generator=g) < noise, torch.randint(0, k, (n,), generator=g), clusters)
    return Case(f"random: N={n}, {k} clusters, {c} labels, noise {noise}, seed={seed}", (clusters, labels),
                hint=_ONE_TO_ONE)


reference_exercise(
    "10.matched_accuracy",
    "matched_accuracy(clusters, labels): accuracy after the best one-to-one matching of clusters to labels",
    matched_accuracy, _matched_cases, _random_assignments(),
    hint="Write the failing case's contingency matrix (clusters x labels) by hand and find the matching "
         "with the largest total.",
)


# ----------------------------------------------------------------------------- 10.confident_labels
_TIE = "A tie for the largest probability goes to the lowest class index (torch.max / argmax do that)."
_EQUAL = "A largest probability exactly equal to the threshold counts as confident: >=, not >."


def _softmax_rows(n: int, c: int, seed: int, sharp: float = 3.0, dtype=torch.float32):
    return torch.softmax(sharp * randn(n, c, seed=seed, dtype=torch.float64), dim=1).to(dtype)


def _confident_cases():
    p = torch.tensor([[0.75, 0.125, 0.125], [0.25, 0.5, 0.25], [0.0, 0.0, 1.0], [0.5, 0.25, 0.25]])
    yield Case("4 rows, threshold 0.6", (p, 0.6), hint="The label is the most probable class; keep it when "
               "that probability reaches the threshold.")
    yield Case("4 rows, threshold 0.75 (row 0 exactly at the threshold)", (p, 0.75), hint=_EQUAL)
    yield Case("threshold 0: every pseudo-label kept", (p, 0.0), hint="The threshold is an argument: use it.")
    yield Case("threshold 1: only certain predictions kept", (p, 1.0), hint=_EQUAL)
    ties = torch.tensor([[0.4, 0.4, 0.2], [0.2, 0.4, 0.4], [0.1, 0.45, 0.45], [0.3, 0.3, 0.4]])
    yield Case("ties for the largest probability", (ties, 0.35), hint=_TIE)
    yield Case("uniform rows (a classifier with no idea): label 0", (torch.full((3, 5), 0.2), 0.1), hint=_TIE)
    yield Case("12 classes (labels 10 and 11 included)", (_softmax_rows(40, 12, seed=13), 0.5),
               hint="Labels run over all C columns, 10 and above included.")
    near = torch.tensor([[0.9 - 1e-9, 0.1 + 1e-9], [0.9, 0.1], [0.1, 0.9 + 1e-9]], dtype=torch.float64)
    yield Case("float64 probabilities a hair away from the threshold 0.9", (near, 0.9),
               hint="Compare in the probabilities' own dtype: float32 rounds 0.9 - 1e-9 up to 0.9.")
    yield Case("700 rows (more than a 512-row chunk)", (_softmax_rows(700, 10, seed=14), 0.8),
               hint="Every row gets its label and its mask, whatever its position.")


@st.composite
def _random_probs(draw):
    n = draw(st.one_of(st.integers(1, 40), st.integers(513, 600)))
    c, seed = draw(st.integers(1, 14)), draw(st.integers(0, 9999))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    logits = randn(n, c, seed=seed, dtype=torch.float64) * 2
    if draw(st.booleans()):  # integer logits: ties
        logits = logits.round()
    probs = torch.softmax(logits, dim=1).to(dtype)
    threshold = draw(st.sampled_from([0.0, 0.3, 0.5, 0.9, 1.0]))
    return Case(f"random ({n}, {c}) {str(dtype).replace('torch.', '')} probabilities, threshold {threshold}, "
                f"seed={seed}", (probs, threshold), hint=_TIE)


reference_exercise(
    "10.confident_labels",
    "confident_labels(probs, threshold): the argmax label of each row, and a mask of those at least threshold",
    confident_labels, _confident_cases, _random_probs(),
    hint="For the failing row: the largest probability, its (lowest) index, and whether it reaches the threshold.",
)
