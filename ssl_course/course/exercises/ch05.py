"""Chapter 05: SimCLR's NT-Xent loss and the cosine kNN classifier used to evaluate it."""
from __future__ import annotations

import math

import torch
from hypothesis import strategies as st

from ...contrastive.nt_xent import nt_xent
from ...evaluate.probes import knn_predict
from ..checks import Case, Exercise, against_reference, custom, default_device_test, property_test, register
from ._common import pair_cases, pair_edge_cases, randn, view_pair


# ----------------------------------------------------------------------------- 05.nt_xent
def _nt_xent_cases():
    z1, z2 = view_pair(8, 4, seed=11)
    yield Case("8 images, D=4, temperature 0.5", (z1, z2), {"temperature": 0.5})
    yield Case("8 images, temperature 0.1", (z1, z2), {"temperature": 0.1})
    one1, one2 = view_pair(1, 4, seed=12)
    yield Case("a batch of one image (2 views, each the other's only candidate: loss 0)",
               (one1, one2), {"temperature": 0.5})
    two1, two2 = view_pair(2, 3, seed=13)
    yield Case("a batch of two images", (two1, two2), {"temperature": 0.5})
    yield from pair_edge_cases(z1, z2, temperature=0.5, seed=14)
    yield Case("the two views swapped (NT-Xent is symmetric)", (z2, z1), {"temperature": 0.5})
    same = randn(5, 4, seed=15)
    yield Case("identical views (the positive is as close as the anchor itself)", (same, same.clone()),
               {"temperature": 0.5})


def _self_pair_excluded(fn) -> str | None:
    """With views much closer to each other than to anything else, the loss must approach 0;
    an anchor scored against itself keeps it at about log 2."""
    base = torch.eye(4, 8, dtype=torch.float64) * 10
    z1 = base + 1e-3 * randn(4, 8, seed=21, dtype=torch.float64)
    z2 = base + 1e-3 * randn(4, 8, seed=22, dtype=torch.float64)
    value = float(fn(z1, z2, temperature=0.05))
    if value < 1e-6:
        return None
    if abs(value - math.log(2)) < 0.05:
        return (f"orthogonal images with nearly identical views should give a loss near 0, got {value:.4g}, "
                "about log 2: each view still competes with itself (mask the diagonal out of the softmax)")
    return f"orthogonal images with nearly identical views should give a loss near 0, got {value:.4g}"


register(Exercise(
    id="05.nt_xent",
    title="nt_xent(z1, z2, temperature): every one of the 2N views picks its partner among the other 2N - 1",
    reference=nt_xent,
    tests=[custom("perfectly separated views", _self_pair_excluded),
           against_reference(nt_xent, _nt_xent_cases, grad=True),
           property_test(nt_xent, pair_cases(), grad=True),
           default_device_test(nt_xent, _nt_xent_cases)],
    hint="Write down, for view i of the 2N, its one positive and its 2N - 2 negatives, then compare "
         "with your (2N, 2N) matrix on the failing case.",
))


# ----------------------------------------------------------------------------- 05.knn_predict
_TIES = ("Equally similar training points: the lower index is nearer. torch.topk and an unstable "
         "sort order ties arbitrarily; a stable descending sort keeps index order.")
_LABELS = "Labels are any non-negative integers, 10 or more included: size the vote count from the labels."


def _knn_cases():
    train = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9], [-1.0, 0.2]])
    labels = torch.tensor([0, 0, 1, 1, 2])
    test = torch.tensor([[1.0, 0.05], [0.05, 1.0], [-1.0, 0.0]])
    yield Case("three clusters, k=1", (train, labels, test, 1),
               hint="For each test point: the k training points of highest cosine similarity, then a vote.")
    yield Case("three clusters, k=3 (majority vote)", (train, labels, test, 3),
               hint="The most common label among the k neighbours wins.")
    yield Case("cosine, not Euclidean: lengths do not matter",
               (train * torch.tensor([[100.0], [0.01], [3.0], [0.02], [50.0]]), labels, test * 7.0, 1),
               hint="Cosine similarity: normalise both feature sets first.")
    yield Case("k = N: every training point votes (classes 0 and 1 tie: 0 wins)",
               (train, labels, test, 5), hint="A tie in the vote goes to the smallest label.")
    yield Case("a tie in the vote goes to the smallest label",
               (torch.tensor([[1.0, 0.0], [0.99, 0.14]]), torch.tensor([7, 3]), torch.tensor([[1.0, 0.07]]), 2),
               hint="A tie in the vote goes to the smallest label, whatever the neighbours' order.")
    dup = torch.tensor([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    yield Case("equally similar training points: the lower index is the nearer neighbour",
               (dup, torch.tensor([4, 2, 0]), torch.tensor([[0.1, 1.0]]), 1), hint=_TIES)
    yield Case("labels that skip values (classes 2 and 9 only)",
               (train[:4], torch.tensor([9, 9, 2, 2]), test[:2], 1), hint=_LABELS)
    x, y = _clusters(40, 6, 4, seed=3)
    xt, _ = _clusters(12, 6, 4, seed=4)
    yield Case("40 points in 4 clusters, D=6, k=5", (x, y, xt, 5))
    yield Case("float64 features", (x.double(), y, xt.double(), 3))
    yield Case("a single test point", (x, y, xt[:1], 7))
    x15, y15 = _clusters(60, 5, 15, seed=5)
    xt15, _ = _clusters(20, 5, 15, seed=6)
    yield Case("15 classes (labels 0..14)", (x15, y15, xt15, 3), hint=_LABELS)
    yield Case("int32 labels: the predictions are int32 too", (x, y.int(), xt, 5),
               hint="Return labels with y_train's dtype.")
    one = torch.tensor([[2.0], [-1.0], [0.5], [-3.0], [1.0], [-0.2], [4.0]])
    yield Case("one-dimensional features: every similarity is +1 or -1 (ties everywhere)",
               (one, torch.tensor([3, 1, 2, 1, 0, 2, 3]), torch.tensor([[1.0], [-2.0]]), 3), hint=_TIES)
    many = torch.tensor([[1.0, 0.0]]).repeat(40, 1)
    many_labels = torch.arange(40) % 5 + 10
    yield Case("40 identical training points, k=7: the 7 lowest indices vote",
               (many, many_labels, torch.tensor([[2.0, 0.0]]), 7), hint=_TIES)
    zero = xt[:3].clone()
    zero[1] = 0.0
    yield Case("an all-zero test feature (cosine 0 to every training point)", (x, y, zero, 5),
               hint="F.normalize keeps a zero row at zero (no NaN); then every training point ties.")
    big_t, _ = _clusters(1100, 6, 4, seed=7)
    yield Case("1100 test points (more than a 1024-row chunk)", (x, y, big_t, 5),
               hint="If you work in chunks of test rows, each chunk's predictions go to its own rows.")


def _clusters(n: int, d: int, c: int, seed: int, spread: float = 0.6):
    """n points around c random directions in D dimensions; labels are the cluster ids."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(c, d, generator=torch.Generator().manual_seed(1000 + c * 31 + d))
    y = torch.randint(0, c, (n,), generator=g)
    x = centres[y] + spread * torch.randn(n, d, generator=g)
    return x, y


@st.composite
def _random_knn(draw):
    n, m = draw(st.integers(2, 30)), draw(st.one_of(st.integers(1, 8), st.integers(1025, 1100)))
    d, c = draw(st.integers(1, 6)), draw(st.integers(1, 14))
    seed, k = draw(st.integers(0, 9999)), draw(st.integers(1, 9))
    x, y = _clusters(n, d, c, seed)
    xt, _ = _clusters(m, d, c, seed + 1)
    k = min(k, n)
    return Case(f"N={n}, M={m}, D={d}, {c} classes, k={k}, seed={seed}", (x, y, xt, k))


register(Exercise(
    id="05.knn_predict",
    title="knn_predict(train_feats, y_train, test_feats, k): majority vote of the k most cosine-similar",
    reference=knn_predict,
    tests=[against_reference(knn_predict, _knn_cases),
           property_test(knn_predict, _random_knn(), max_examples=40),
           default_device_test(knn_predict, _knn_cases)],
    hint="Work the failing case by hand: the similarities, the k neighbours in order, the votes.",
))
