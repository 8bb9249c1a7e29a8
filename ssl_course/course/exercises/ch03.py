"""Chapter 03: positives from labels, and the supervised contrastive loss."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...contrastive.pairs import label_positive_mask
from ...contrastive.supcon import supcon
from ..checks import Case, reference_exercise
from ._common import randn


def _mask_cases():
    yield Case("labels [0, 1, 0, 2, 1]", (torch.tensor([0, 1, 0, 2, 1]),))
    yield Case("a batch of one", (torch.tensor([3]),))
    yield Case("all the same class", (torch.tensor([7, 7, 7, 7]),))
    yield Case("all different", (torch.arange(5),))
    yield Case("labels that are not 0..C-1", (torch.tensor([10, -3, 10, 42, -3]),))


@st.composite
def _random_labels(draw):
    n, c, seed = draw(st.integers(1, 24)), draw(st.integers(1, 6)), draw(st.integers(0, 9999))
    labels = torch.randint(0, c, (n,), generator=torch.Generator().manual_seed(seed))
    return Case(f"{n} random labels of {c} classes, seed={seed}", (labels,))


reference_exercise(
    "03.positive_mask",
    "label_positive_mask(labels): same label, never yourself",
    label_positive_mask, _mask_cases, _random_labels(),
    hint="Broadcast labels[:, None] == labels[None, :] to (N, N), then remove the diagonal "
         "with ~torch.eye(N, dtype=torch.bool).",
)


def _supcon_cases():
    labels = torch.tensor([0, 1, 0, 1, 2, 2, 0, 1])
    yield Case("8 samples, 3 classes", (randn(8, 5, seed=1), labels), {"temperature": 0.1})
    yield Case("an anchor without a positive (class 3 once)", (randn(5, 4, seed=2), torch.tensor([0, 0, 1, 1, 3])),
               {"temperature": 0.5})
    yield Case("all one class", (randn(4, 3, seed=3), torch.zeros(4, dtype=torch.long)), {"temperature": 0.2})
    yield Case("temperature 0.001 (a naive exp overflows)", (randn(8, 5, seed=1), labels), {"temperature": 1e-3})
    yield Case("float64 features", (randn(6, 4, seed=4, dtype=torch.float64), torch.tensor([1, 1, 2, 2, 3, 3])),
               {"temperature": 0.3})
    yield Case("unnormalised features of very different lengths",
               (randn(6, 4, seed=5) * torch.tensor([[100.0], [0.01], [1], [5], [1], [1]]), torch.tensor([0, 0, 1, 1, 2, 2])),
               {"temperature": 0.5})


@st.composite
def _random_supcon(draw):
    n, c, d, seed = draw(st.integers(2, 16)), draw(st.integers(1, 4)), draw(st.integers(1, 6)), draw(st.integers(0, 9999))
    labels = torch.randint(0, c, (n,), generator=torch.Generator().manual_seed(seed))
    labels[1] = labels[0]  # at least one positive pair
    t = draw(st.sampled_from([0.05, 0.1, 0.5, 1.0]))
    return Case(f"N={n}, D={d}, {c} classes, seed={seed}, temperature={t}", (randn(n, d, seed=seed), labels),
                {"temperature": t})


reference_exercise(
    "03.supcon",
    "supcon(features, labels, temperature): every same-label sample is a positive",
    supcon, _supcon_cases, _random_supcon(),
    hint="Normalise, take sim / temperature, set the diagonal to -inf, log_softmax over each row, "
         "average the log-probabilities of each anchor's positives, then average over anchors that have any.",
    grad=True,
)
