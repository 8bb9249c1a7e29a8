"""Chapter 10's reference code against trusted peers and independent formulations:
k-means against scikit-learn's KMeans (inertia within 1%), k-means++ seeding against its
defining distribution, the matched accuracy against a brute-force maximum over all matchings,
NMI and ARI against their formulas, and confident pseudo-labels against a per-row loop."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from sklearn.cluster import KMeans

from ssl_course.cluster.kmeans import kmeans, kmeans_pp_init
from ssl_course.cluster.matching import ari, contingency, matched_accuracy, nmi
from ssl_course.cluster.pseudo_labels import confident_labels, self_train
from ssl_course.data.digits import digits


def _blobs(n, d, c, seed, spread=1.0):
    g = torch.Generator().manual_seed(seed)
    centres = 4 * torch.randn(c, d, generator=g, dtype=torch.float64)
    ids = torch.randint(0, c, (n,), generator=g)
    return centres[ids] + spread * torch.randn(n, d, generator=g, dtype=torch.float64), ids


# ----------------------------------------------------------------------------- k-means
@pytest.mark.parametrize("seed", [0, 1])
def test_kmeans_inertia_within_one_percent_of_sklearn_on_digits(seed):
    x = digits()[0].flatten(1).double()
    _, _, ours = kmeans(x, 10, generator=torch.Generator().manual_seed(seed))
    theirs = KMeans(10, n_init=10, random_state=seed).fit(x.numpy()).inertia_
    assert abs(ours / theirs - 1) <= 0.01


@pytest.mark.parametrize("n,d,k,seed", [(300, 2, 4, 0), (700, 5, 8, 1), (200, 3, 12, 2)])
def test_kmeans_inertia_within_one_percent_of_sklearn_on_blobs(n, d, k, seed):
    x, _ = _blobs(n, d, k, seed)
    labels, centres, ours = kmeans(x, k, generator=torch.Generator().manual_seed(seed))
    theirs = KMeans(k, n_init=10, random_state=seed).fit(x.numpy()).inertia_
    assert abs(ours / theirs - 1) <= 0.01
    # the returned labels, centres and inertia agree with each other
    assert torch.equal(labels, torch.cdist(x, centres).argmin(1))
    assert math.isclose(float(((x - centres[labels]) ** 2).sum()), ours, rel_tol=1e-9)


def test_kmeans_is_deterministic_given_the_generator():
    x, _ = _blobs(150, 3, 5, seed=3)
    a = kmeans(x, 5, generator=torch.Generator().manual_seed(7))
    b = kmeans(x, 5, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) and a[2] == b[2]


def test_kmeans_pp_draws_follow_d_squared():
    """The joint law of the first two centres: P(i, j) = 1/N * D(x_j, x_i)^2 / sum_l D(x_l, x_i)^2."""
    pts = torch.tensor([[0.0], [1.0], [3.0], [7.0]], dtype=torch.float64)
    n, draws = len(pts), 3000
    g = torch.Generator().manual_seed(0)
    counts = np.zeros((n, n))
    for _ in range(draws):
        c = kmeans_pp_init(pts, 2, g)
        i = int((pts[:, 0] == c[0, 0]).nonzero()[0])
        j = int((pts[:, 0] == c[1, 0]).nonzero()[0])
        counts[i, j] += 1
    d2 = (pts - pts.T).pow(2).numpy()
    expected = d2 / d2.sum(1, keepdims=True) / n
    assert np.abs(counts / draws - expected).max() < 0.025  # about 4.5 standard errors
    assert np.all(np.diag(counts) == 0)  # a chosen point is never drawn again


def test_kmeans_pp_duplicates_and_identical_points_do_not_crash():
    x = torch.tensor([[0.0, 0.0], [1.0, 1.0]]).repeat(3, 1)
    c = kmeans_pp_init(x, 5, torch.Generator().manual_seed(0))
    assert c.shape == (5, 2) and {tuple(r) for r in c.tolist()} == {(0.0, 0.0), (1.0, 1.0)}
    assert kmeans_pp_init(torch.ones(4, 3), 4, torch.Generator().manual_seed(1)).eq(1).all()


def test_kmeans_pp_arguments():
    x = torch.randn(5, 2)
    with pytest.raises(ValueError, match="k"):
        kmeans_pp_init(x, 6)
    with pytest.raises(TypeError, match="generator"):
        kmeans_pp_init(x, 2, generator=0)
    with pytest.raises(TypeError, match="x"):
        kmeans_pp_init(torch.ones(5, 2, dtype=torch.int64), 2)


# ----------------------------------------------------------------------------- matching
def _brute_force(clusters, labels):
    """max over all one-to-one matchings, by enumeration: pad the table square and try every permutation."""
    t = contingency(clusters, labels).numpy()
    size = max(t.shape)
    square = np.zeros((size, size))
    square[: t.shape[0], : t.shape[1]] = t
    best = max(square[np.arange(size), list(p)].sum() for p in itertools.permutations(range(size)))
    return best / len(clusters)


@pytest.mark.parametrize("seed", range(12))
def test_matched_accuracy_equals_brute_force(seed):
    g = torch.Generator().manual_seed(seed)
    k, c = 1 + seed % 5, 1 + (seed * 3) % 6
    n = int(torch.randint(1, 60, (1,), generator=g))
    labels = torch.randint(0, c, (n,), generator=g) * 7 + 3  # values that skip, past 10
    clusters = torch.randint(0, k, (n,), generator=g) + 11
    assert matched_accuracy(clusters, labels) == pytest.approx(_brute_force(clusters, labels), abs=1e-12)


def test_matched_accuracy_of_a_renamed_perfect_clustering_is_one():
    y = torch.randint(0, 15, (900,), generator=torch.Generator().manual_seed(0))
    perm = torch.randperm(15, generator=torch.Generator().manual_seed(1)) + 20
    assert matched_accuracy(perm[y], y) == 1.0
    assert nmi(perm[y], y) == pytest.approx(1.0) and ari(perm[y], y) == pytest.approx(1.0)


def _entropy(p):
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


@pytest.mark.parametrize("seed", range(5))
def test_nmi_and_ari_match_their_formulas(seed):
    """Independent formulas from the contingency matrix: NMI = I / mean(H), ARI from pair counts."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 6, (300,), generator=g)
    clusters = torch.where(torch.rand(300, generator=g) < 0.6, labels, torch.randint(0, 8, (300,), generator=g))
    t = contingency(clusters, labels).numpy().astype(float)
    n = t.sum()
    pk, pc, pkc = t.sum(1) / n, t.sum(0) / n, t / n
    mi = float(sum(pkc[i, j] * np.log(pkc[i, j] / (pk[i] * pc[j]))
                   for i in range(t.shape[0]) for j in range(t.shape[1]) if pkc[i, j] > 0))
    assert nmi(clusters, labels) == pytest.approx(mi / ((_entropy(pk) + _entropy(pc)) / 2), rel=1e-9)
    pairs = lambda v: (v * (v - 1) / 2).sum()
    index, a, b = pairs(t), pairs(t.sum(1)), pairs(t.sum(0))
    expected = a * b / pairs(np.array([n]))
    assert ari(clusters, labels) == pytest.approx((index - expected) / ((a + b) / 2 - expected), rel=1e-9)


def test_matching_arguments():
    with pytest.raises(ValueError, match="same shape"):
        matched_accuracy(torch.zeros(3, dtype=torch.int64), torch.zeros(4, dtype=torch.int64))
    with pytest.raises(TypeError, match="labels"):
        matched_accuracy(torch.zeros(3, dtype=torch.int64), torch.zeros(3))


# ----------------------------------------------------------------------------- pseudo-labels
def test_confident_labels_equal_a_per_row_loop():
    g = torch.Generator().manual_seed(0)
    probs = torch.softmax(torch.randint(-2, 3, (600, 12), generator=g).double(), dim=1)  # ties
    for threshold in (0.0, 0.2, 0.35, 1.0):
        labels, mask = confident_labels(probs, threshold)
        for i, row in enumerate(probs.tolist()):
            top = max(row)
            assert labels[i] == row.index(top)  # the first (lowest) index of the maximum
            assert bool(mask[i]) == (top >= threshold)
    assert labels.dtype == torch.int64 and mask.dtype == torch.bool


def test_self_train_threshold_extremes():
    x, y = _blobs(200, 4, 3, seed=5, spread=2.0)
    idx = torch.arange(0, 200, 20)
    rest = torch.ones(200, dtype=torch.bool)
    rest[idx] = False
    none = self_train(x[idx], y[idx], x[rest], threshold=1.01, rounds=2, y_unlab=y[rest])
    base = self_train(x[idx], y[idx], x[rest], rounds=0)
    assert none["kept"] == [0.0, 0.0]
    assert np.array_equal(none["model"].predict(x.numpy()), base["model"].predict(x.numpy()))
    every = self_train(x[idx], y[idx], x[rest], threshold=0.0, rounds=2, y_unlab=y[rest])
    assert every["kept"] == [1.0, 1.0] and all(0 <= a <= 1 for a in every["pseudo_accuracy"])
