"""Chapter 03: positives from labels, and the supervised contrastive loss."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...contrastive.pairs import label_positive_mask
from ...contrastive.supcon import supcon
from ..checks import Case, reference_exercise
from ._common import COSINE_HINT, OVERFLOW_HINT, ZERO_ROW_HINT, randn

_ANY_LABELS = "Labels are any integers (10, 42, -3): compare them with each other, never assume 0..C-1."


def _mask_cases():
    yield Case("labels [0, 1, 0, 2, 1]", (torch.tensor([0, 1, 0, 2, 1]),),
               hint="positives[i, j] is True when samples i and j share a label and i != j.")
    yield Case("a batch of one", (torch.tensor([3]),), hint="A sample is never its own positive.")
    yield Case("all the same class", (torch.tensor([7, 7, 7, 7]),), hint="A sample is never its own positive.")
    yield Case("all different", (torch.arange(5),))
    yield Case("labels that are not 0..C-1", (torch.tensor([10, -3, 10, 42, -3]),), hint=_ANY_LABELS)
    yield Case("int32 labels 10..14", (torch.tensor([10, 14, 12, 10, 14], dtype=torch.int32),), hint=_ANY_LABELS)
    big = torch.randint(0, 20, (600,), generator=torch.Generator().manual_seed(1))
    yield Case("600 labels of 20 classes (more than a 512-row chunk)", (big,),
               hint="The diagonal to remove runs the whole (N, N) matrix, however large N is.")


@st.composite
def _random_labels(draw):
    n = draw(st.one_of(st.integers(1, 24), st.integers(513, 700)))
    c, seed = draw(st.integers(1, 30)), draw(st.integers(0, 9999))
    labels = torch.randint(0, c, (n,), generator=torch.Generator().manual_seed(seed))
    return Case(f"{n} random labels of {c} classes, seed={seed}", (labels,))


reference_exercise(
    "03.positive_mask",
    "label_positive_mask(labels): same label, never yourself",
    label_positive_mask, _mask_cases, _random_labels(),
    hint="Work out the expected (N, N) mask by hand for the failing case and compare it with yours.",
)


def _supcon_cases():
    labels = torch.tensor([0, 1, 0, 1, 2, 2, 0, 1])
    yield Case("8 samples, 3 classes", (randn(8, 5, seed=1), labels), {"temperature": 0.1},
               hint="For each anchor: the mean over its positives of log softmax (over all OTHER samples), "
                    "then the mean over anchors, negated.")
    yield Case("an anchor without a positive (class 3 once)", (randn(5, 4, seed=2), torch.tensor([0, 0, 1, 1, 3])),
               {"temperature": 0.5},
               hint="An anchor with no positive has nothing to average: leave it out of the mean over anchors "
                    "(0 / 0 must not become NaN).")
    yield Case("all one class", (randn(4, 3, seed=3), torch.zeros(4, dtype=torch.long)), {"temperature": 0.2})
    yield Case("temperature 0.001 (a naive exp overflows)", (randn(8, 5, seed=1), labels), {"temperature": 1e-3},
               hint=OVERFLOW_HINT + " Mask the anchor itself with -inf BEFORE the log-softmax.")
    yield Case("float64 features", (randn(6, 4, seed=4, dtype=torch.float64), torch.tensor([1, 1, 2, 2, 3, 3])),
               {"temperature": 0.3}, hint="Keep float64: no float32 round trip.")
    yield Case("unnormalised features of very different lengths",
               (randn(6, 4, seed=5) * torch.tensor([[100.0], [0.01], [1], [5], [1], [1]]), torch.tensor([0, 0, 1, 1, 2, 2])),
               {"temperature": 0.5}, hint=COSINE_HINT)
    yield Case("labels 10..13 (not 0..C-1)", (randn(8, 5, seed=6), torch.tensor([10, 13, 10, 11, 13, 12, 11, 12])),
               {"temperature": 0.2}, hint=_ANY_LABELS)
    zero = randn(6, 4, seed=7)
    zero[2] = 0.0
    yield Case("an all-zero feature row (a dead ReLU)", (zero, torch.tensor([0, 0, 1, 1, 2, 2])),
               {"temperature": 0.5}, hint=ZERO_ROW_HINT, check_grad=False)
    big = torch.randint(0, 12, (600,), generator=torch.Generator().manual_seed(8))
    yield Case("600 samples of 12 classes (more than a 512-row chunk)", (randn(600, 6, seed=8), big),
               {"temperature": 0.1}, hint="Every anchor's positives and denominator span the whole batch.")


@st.composite
def _random_supcon(draw):
    n = draw(st.one_of(st.integers(2, 16), st.integers(513, 600)))
    c, d, seed = draw(st.integers(1, 14)), draw(st.integers(1, 6)), draw(st.integers(0, 9999))
    labels = torch.randint(0, c, (n,), generator=torch.Generator().manual_seed(seed))
    labels[1] = labels[0]  # at least one positive pair
    t = draw(st.sampled_from([0.05, 0.1, 0.5, 1.0]))
    return Case(f"N={n}, D={d}, {c} classes, seed={seed}, temperature={t}", (randn(n, d, seed=seed), labels),
                {"temperature": t})


reference_exercise(
    "03.supcon",
    "supcon(features, labels, temperature): every same-label sample is a positive",
    supcon, _supcon_cases, _random_supcon(),
    hint="Compute the loss of the failing case's first anchor by hand, from the formula above.",
    grad=True,
)
