"""Chapter 11's reference code against independent formulations: pairwise distances (float64
differences, torch.cdist without the matmul shortcut), the margin losses (loops, torch's
triplet_margin_loss) and Recall@k (scikit-learn's NearestNeighbors, a brute-force loop)."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from ssl_course.contrastive.triplet import batch_hard_triplet, margin_contrastive, pairwise_distances, triplet
from ssl_course.evaluate.retrieval import recall_at_k


def randn(*shape, seed=0, dtype=torch.float64):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


# --- pairwise distances -----------------------------------------------------------------------
def broadcast_distances(x, y):
    """The exercise's formulation: the norm of every difference, by broadcasting."""
    return torch.linalg.vector_norm(x[:, None, :] - y[None, :, :], dim=-1)


@pytest.mark.parametrize("n,m,d", [(1, 1, 1), (5, 7, 3), (600, 40, 4)])
def test_pairwise_distances_equal_the_norms_of_the_differences(n, m, d):
    x, y = randn(n, d, seed=n), randn(m, d, seed=m + 1)
    torch.testing.assert_close(pairwise_distances(x, y), broadcast_distances(x, y), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(pairwise_distances(x), broadcast_distances(x, x), rtol=1e-12, atol=1e-12)
    assert torch.equal(pairwise_distances(x).diagonal(), torch.zeros(n, dtype=x.dtype))


def test_pairwise_distances_match_the_exercise_solution_and_the_meta_device():
    x = randn(700, 3, seed=2)
    x[600] = x[3]
    sq = (x[:, None] - x[None]).pow(2).sum(-1)
    zero = sq == 0
    solution = torch.where(zero, 0.0, sq.masked_fill(zero, 1.0).sqrt())
    a, b = x.clone().requires_grad_(), x.clone().requires_grad_()
    w = randn(700, 700, seed=3)
    torch.testing.assert_close(pairwise_distances(x), solution, rtol=1e-12, atol=1e-12)
    sq_b = (b[:, None] - b[None]).pow(2).sum(-1)
    sol_b = torch.where(zero, 0.0, sq_b.masked_fill(zero, 1.0).sqrt())
    (ga,), (gb,) = torch.autograd.grad((pairwise_distances(a) * w).sum(), a), torch.autograd.grad((sol_b * w).sum(), b)
    torch.testing.assert_close(ga, gb, rtol=1e-10, atol=1e-10)
    with torch.device("meta"):
        assert pairwise_distances(torch.randn(3, 2)).device.type == "meta"


def test_pairwise_distances_stay_exact_far_from_the_origin():
    """Rows of norm 1e4 about one unit apart: the expansion loses every digit in float32."""
    x = (1e4 + randn(30, 4, seed=3)).float()
    exact = pairwise_distances(x.double(), x.double()).float()  # float32 inputs, float64 arithmetic
    torch.testing.assert_close(pairwise_distances(x), exact, rtol=1e-5, atol=1e-5)
    expansion = (x.pow(2).sum(1)[:, None] + x.pow(2).sum(1)[None] - 2 * x @ x.T).clamp_min(0).sqrt()
    assert (expansion - exact).abs().max() > 1.0  # the formulation the docstring rules out


def test_pairwise_distances_gradient_is_zero_at_zero_distance_and_right_elsewhere():
    x = randn(6, 3, seed=4)
    x[4] = x[1]  # a duplicate row: distance 0 off the diagonal
    x.requires_grad_()
    w = randn(6, 6, seed=5)
    (grad,) = torch.autograd.grad((pairwise_distances(x) * w).sum(), x)
    assert torch.isfinite(grad).all()
    # By hand: d d_ij / d x_i = (x_i - x_j) / d_ij, and 0 where d_ij = 0.
    want = torch.zeros_like(x)
    with torch.no_grad():
        for i in range(6):
            for j in range(6):
                diff = x[i] - x[j]
                if diff.norm() > 0:
                    want[i] += (w[i, j] + w[j, i]) * diff / diff.norm()
    torch.testing.assert_close(grad, want, rtol=1e-10, atol=1e-12)
    assert torch.autograd.gradcheck(pairwise_distances, (randn(4, 3, seed=6).requires_grad_(),))


# --- margin losses ----------------------------------------------------------------------------
def loop_margin_contrastive(e, y, margin):
    terms = []
    for i in range(len(e)):
        for j in range(i + 1, len(e)):
            d = torch.linalg.norm(e[i] - e[j])
            terms.append(d ** 2 if y[i] == y[j] else F.relu(margin - d) ** 2)
    return torch.stack(terms).mean()


@pytest.mark.parametrize("margin", [0.0, 0.5, 3.0])
def test_margin_contrastive_equals_a_loop(margin):
    y = torch.tensor([0, 0, 1, 1, 1, 12, 12, 3])
    e = randn(8, 4, seed=7)
    torch.testing.assert_close(margin_contrastive(e, y, margin), loop_margin_contrastive(e, y, margin))


def test_margin_contrastive_of_one_row_is_a_zero_with_a_gradient():
    e = randn(1, 3, seed=8).requires_grad_()
    loss = margin_contrastive(e, torch.tensor([0]))
    (grad,) = torch.autograd.grad(loss, e)
    assert loss.item() == 0 and torch.equal(grad, torch.zeros_like(e))


@pytest.mark.parametrize("margin", [0.05, 0.2, 2.0])  # torch refuses margin 0
def test_triplet_equals_torch_triplet_margin_loss_with_eps_0(margin):
    a, p, n = randn(9, 5, seed=9), randn(9, 5, seed=10), randn(9, 5, seed=11)
    leaves = [t.clone().requires_grad_() for t in (a, p, n)]
    ours = triplet(*leaves, margin=margin)
    peer_leaves = [t.clone().requires_grad_() for t in (a, p, n)]
    peer = F.triplet_margin_loss(*peer_leaves, margin=margin, eps=0.0)
    torch.testing.assert_close(ours, peer)
    for g1, g2 in zip(torch.autograd.grad(ours, leaves), torch.autograd.grad(peer, peer_leaves)):
        torch.testing.assert_close(g1, g2)


def brute_hardest(e, y):
    """Hermans et al.'s mining, anchor by anchor, in plain Python floats (math.dist):
    [(hardest positive distance, hardest negative distance)] for every anchor that has both."""
    rows, labels = e.tolist(), y.tolist()
    pairs = []
    for i, a in enumerate(rows):
        pos = [math.dist(a, b) for j, b in enumerate(rows) if j != i and labels[j] == labels[i]]
        neg = [math.dist(a, b) for j, b in enumerate(rows) if labels[j] != labels[i]]
        if pos and neg:
            pairs.append((max(pos), min(neg)))
    return pairs


def brute_batch_hard(pairs, margin):
    terms = [max(0.0, p - n + margin) for p, n in pairs]
    return sum(terms) / len(terms) if terms else 0.0


@pytest.mark.parametrize("case", ["ties", "labels >= 10", "duplicates", "singletons", "600 rows"])
def test_batch_hard_triplet_equals_brute_force(case):
    if case == "ties":  # integer points on a line: many equal distances
        e, y = torch.tensor([[0.0], [1.0], [2.0], [1.0], [3.0], [0.0]], dtype=torch.float64), torch.tensor([0, 0, 1, 1, 0, 1])
    elif case == "labels >= 10":
        e, y = randn(30, 3, seed=12), torch.arange(30) % 7 + 10
    elif case == "duplicates":  # a negative at distance 0 from its anchor
        e = randn(10, 2, seed=13)
        e[5] = e[0]
        y = torch.tensor([0, 0, 1, 1, 2, 1, 2, 0, 1, 2])
    elif case == "singletons":  # anchors without a positive are left out
        e, y = randn(7, 3, seed=14), torch.tensor([0, 0, 1, 2, 2, 3, 4])
    else:
        e, y = randn(600, 4, seed=15), torch.randint(0, 12, (600,), generator=torch.Generator().manual_seed(0))
    pairs = brute_hardest(e, y)
    for margin in (0.0, 0.2, 5.0):
        assert abs(batch_hard_triplet(e, y, margin).item() - brute_batch_hard(pairs, margin)) < 1e-10


def test_batch_hard_triplet_gradient_is_finite_for_a_negative_at_distance_zero():
    e = torch.tensor([[1.0, 2.0], [1.0, 2.0], [0.0, 0.0]], requires_grad=True)
    (grad,) = torch.autograd.grad(batch_hard_triplet(e, torch.tensor([0, 1, 0])), e)
    assert torch.isfinite(grad).all()


# --- Recall@k ---------------------------------------------------------------------------------
def brute_recall(e, y, k):
    """Query by query: sort the others by (distance, index), look at the first k."""
    hits, rows = 0, e.tolist()
    for q in range(len(e)):
        others = sorted((math.dist(rows[q], rows[j]), j) for j in range(len(e)) if j != q)
        hits += any(y[j] == y[q] for _, j in others[:k])
    return hits / len(e)


@pytest.mark.parametrize("k", [1, 3, 10])
def test_recall_at_k_equals_sklearn_nearest_neighbors(k):
    neighbors = pytest.importorskip("sklearn.neighbors")
    e, y = randn(300, 5, seed=16), torch.randint(0, 14, (300,), generator=torch.Generator().manual_seed(1))
    nn_ = neighbors.NearestNeighbors(n_neighbors=k).fit(e.numpy())
    idx = torch.from_numpy(nn_.kneighbors(return_distance=False))  # X=None: each point is not its own neighbour
    want = (y[idx] == y[:, None]).any(dim=1).double().mean().item()
    assert recall_at_k(e, y, k, chunk=64) == pytest.approx(want, abs=1e-12)


def test_recall_at_k_ties_duplicates_and_chunks_equal_brute_force():
    e = torch.tensor([[0.0], [1.0], [1.0], [2.0], [0.0], [3.0], [1.0]])  # ties and duplicates
    y = torch.tensor([0, 1, 2, 1, 3, 0, 11])
    for k in range(1, 7):
        for chunk in (1, 2, 256):
            assert recall_at_k(e, y, k, chunk=chunk) == pytest.approx(brute_recall(e, y, k))
    big, yb = randn(700, 2, seed=17).round(), torch.arange(700) % 13  # ties everywhere, > 512 rows
    assert recall_at_k(big, yb, 2) == pytest.approx(brute_recall(big, yb, 2))


def test_recall_at_k_rejects_bad_arguments():
    e, y = randn(4, 2), torch.tensor([0, 1, 0, 1])
    with pytest.raises(ValueError, match="k must be at most"):
        recall_at_k(e, y, 4)
    with pytest.raises(TypeError, match="k must be an int"):
        recall_at_k(e, y, 1.0)
    with pytest.raises(ValueError, match="labels"):
        recall_at_k(e, y[:3])
