"""Chapter 06's reference code against independent formulations: NumPy for the noise
distribution, torch's BCE-with-logits for SGNS, a one-key-at-a-time loop and MoCo's own slice
assignment for the queue, networkx for the graph, loops for the walks and the pairs."""
from __future__ import annotations

import collections

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ssl_course.contrastive.negatives import MoCoQueue, enqueue, noise_distribution, sample_negatives, sgns_loss
from ssl_course.data.corpus import corpus, vocabulary
from ssl_course.data.graphs import adjacency_lists, planted_partition, random_walks, skipgram_pairs


# ----------------------------------------------------------------------------- noise distribution
@pytest.mark.parametrize("power", [0.0, 0.5, 0.75, 1.0, 2.0])
def test_noise_distribution_matches_numpy(power):
    counts = np.array([0, 1, 5, 0, 120, 3000, 7], dtype=np.float64)
    powered = np.where(counts > 0, counts ** power, 0.0)
    want = powered / powered.sum()
    got = noise_distribution(torch.from_numpy(counts), power=power)
    assert got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=0)


def test_noise_distribution_dtypes_and_errors():
    assert noise_distribution(torch.tensor([1, 2, 3])).dtype == torch.float32
    assert noise_distribution(torch.tensor([1, 2, 3], dtype=torch.int32)).dtype == torch.float32
    assert noise_distribution(torch.tensor([1.0, 2.0])).dtype == torch.float32
    assert noise_distribution(torch.tensor([1e300, 1e300], dtype=torch.float64), power=1.0).tolist() == [0.5, 0.5]
    for bad in (torch.tensor([1, -1]), torch.tensor([0, 0]), torch.tensor([float("nan"), 1.0])):
        with pytest.raises(ValueError):
            noise_distribution(bad)
    for power in (-0.5, float("inf"), "0.75"):
        with pytest.raises(ValueError):
            noise_distribution(torch.tensor([1, 2]), power=power)
    with pytest.raises(ValueError):
        noise_distribution(torch.ones(2, 2))


def test_sample_negatives_follows_the_distribution_and_the_generator():
    probs = noise_distribution(torch.tensor([100, 10, 0, 1, 50]))
    draws = sample_negatives(probs, (200, 1000), generator=torch.Generator().manual_seed(0))
    assert draws.shape == (200, 1000) and draws.dtype == torch.long
    freq = torch.bincount(draws.flatten(), minlength=5).double() / draws.numel()
    assert freq[2] == 0
    assert torch.allclose(freq, probs.double(), atol=3e-3)
    g = torch.Generator().manual_seed(1)
    a, b = sample_negatives(probs, (4, 3), g), sample_negatives(probs, (4, 3), g)
    assert not torch.equal(a, b)
    assert torch.equal(a, sample_negatives(probs, (4, 3), torch.Generator().manual_seed(1)))


# ----------------------------------------------------------------------------- SGNS loss
def _bce_form(center, context, negatives):
    """SGNS as binary cross-entropy with logits: the observed pair labelled 1, each negative 0,
    summed per pair, averaged over pairs."""
    pos = torch.einsum("bd,bd->b", center, context)[:, None]
    neg = torch.bmm(negatives, center[:, :, None])[:, :, 0]
    logits = torch.cat([pos, neg], dim=1)
    target = torch.zeros_like(logits)
    target[:, 0] = 1
    return F.binary_cross_entropy_with_logits(logits, target, reduction="none").sum(dim=1).mean()


@pytest.mark.parametrize("b,k,d,scale", [(1, 1, 1, 1.0), (7, 5, 4, 1.0), (600, 3, 8, 2.0), (5, 20, 3, 30.0)])
def test_sgns_matches_bce_with_logits(b, k, d, scale):
    g = torch.Generator().manual_seed(b + k + d)
    center, context = (scale * torch.randn(b, d, generator=g, dtype=torch.float64) for _ in range(2))
    negatives = scale * torch.randn(b, k, d, generator=g, dtype=torch.float64)
    got, want = sgns_loss(center, context, negatives), _bce_form(center, context, negatives)
    assert torch.isfinite(got)
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)


def test_sgns_gradient_and_stability():
    g = torch.Generator().manual_seed(0)
    args = (torch.randn(4, 3, generator=g, dtype=torch.float64, requires_grad=True),
            torch.randn(4, 3, generator=g, dtype=torch.float64, requires_grad=True),
            torch.randn(4, 2, 3, generator=g, dtype=torch.float64, requires_grad=True))
    assert torch.autograd.gradcheck(sgns_loss, args)
    big = torch.full((2, 4), 20.0)
    value = sgns_loss(big, -big, big[:, None].repeat(1, 3, 1))  # dot products of +-1600
    assert torch.isfinite(value) and torch.log(torch.sigmoid(torch.tensor(-1600.0))).isinf()
    with pytest.raises(ValueError):
        sgns_loss(torch.ones(2, 3), torch.ones(2, 3), torch.ones(2, 4, 2))


# ----------------------------------------------------------------------------- the queue
def _one_at_a_time(queue, ptr, keys):
    q = queue.clone()
    for key in keys:
        q[ptr] = key
        ptr = (ptr + 1) % len(q)
    return q, ptr


def test_enqueue_matches_a_loop_including_wrap_and_big_batches():
    g = torch.Generator().manual_seed(0)
    for _ in range(300):
        k = int(torch.randint(1, 20, (1,), generator=g))
        b = int(torch.randint(1, 3 * k + 2, (1,), generator=g))
        ptr = int(torch.randint(0, k, (1,), generator=g))
        queue, keys = torch.randn(k, 3, generator=g), torch.randn(b, 3, generator=g)
        before = queue.clone()
        got_q, got_p = enqueue(queue, ptr, keys)
        want_q, want_p = _one_at_a_time(queue, ptr, keys)
        assert torch.equal(queue, before)  # the input is not modified
        assert torch.equal(got_q, want_q) and got_p == want_p and isinstance(got_p, int)


def test_enqueue_matches_mocos_slice_assignment_when_k_is_a_multiple_of_b():
    """MoCo's official _dequeue_and_enqueue: queue[:, ptr:ptr + B] = keys.T; ptr = (ptr + B) % K."""
    k, b = 12, 4
    g = torch.Generator().manual_seed(0)
    queue, ptr = torch.randn(k, 2, generator=g), 0
    official = queue.T.clone()  # MoCo stores the queue as (D, K)
    official_ptr = 0
    for _ in range(7):
        keys = torch.randn(b, 2, generator=g)
        queue, ptr = enqueue(queue, ptr, keys)
        official[:, official_ptr:official_ptr + b] = keys.T
        official_ptr = (official_ptr + b) % k
        assert torch.equal(queue, official.T) and ptr == official_ptr


def test_enqueue_errors_and_moco_queue():
    with pytest.raises(ValueError):
        enqueue(torch.zeros(4, 2), 4, torch.zeros(1, 2))
    with pytest.raises(ValueError):
        enqueue(torch.zeros(4, 2), 0, torch.zeros(1, 3))
    queue = MoCoQueue(5, 3, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(queue.negatives().norm(dim=1), torch.ones(5))
    keys = torch.arange(21.0).reshape(7, 3).requires_grad_()
    queue.push(keys[:3])
    queue.push(keys[3:])
    assert queue.ptr == 2 and not queue.negatives().requires_grad
    assert torch.equal(queue.negatives(), torch.cat([keys[5:7], keys[2:5]]).detach())


# ----------------------------------------------------------------------------- graphs and walks
def test_planted_partition_is_networkx():
    import networkx as nx

    edges, labels = planted_partition(4, 10, 0.5, 0.05, seed=3)
    graph = nx.planted_partition_graph(4, 10, 0.5, 0.05, seed=3)
    assert {tuple(e) for e in edges.tolist()} == {(min(u, v), max(u, v)) for u, v in graph.edges()}
    assert labels.tolist() == [node // 10 for node in range(40)]
    assert [graph.nodes[n]["block"] for n in range(40)] == labels.tolist()


def test_random_walks_follow_edges_and_the_generator():
    edges, labels = planted_partition(3, 8, 0.5, 0.1, seed=1)
    n = len(labels)
    walks = random_walks(edges, n + 1, 3, 12, generator=torch.Generator().manual_seed(0))  # node n: isolated
    assert walks.shape == ((n + 1) * 3, 12)
    assert walks[:, 0].tolist() == list(range(n + 1)) * 3
    edge_set = {tuple(e) for e in edges.tolist()} | {tuple(e[::-1]) for e in edges.tolist()}
    for walk in walks.tolist():
        for a, b in zip(walk, walk[1:]):
            assert (a, b) in edge_set or (a == b == n)
    again = random_walks(edges, n + 1, 3, 12, generator=torch.Generator().manual_seed(0))
    assert torch.equal(walks, again)


def test_random_walk_steps_are_uniform_over_neighbours():
    edges = torch.tensor([[0, 1], [0, 2], [0, 3]])  # a star: from 0, each leaf with probability 1/3
    walks = random_walks(edges, 4, 3000, 2, generator=torch.Generator().manual_seed(0))
    steps = walks[walks[:, 0] == 0, 1]
    freq = torch.bincount(steps, minlength=4).double() / len(steps)
    assert freq[0] == 0 and torch.allclose(freq[1:], torch.full((3,), 1 / 3, dtype=torch.float64), atol=0.03)
    indptr, neighbours = adjacency_lists(edges, 4)
    assert indptr.tolist() == [0, 3, 4, 5, 6] and neighbours.tolist() == [1, 2, 3, 0, 0, 0]


def test_skipgram_pairs_match_a_loop():
    walks = torch.randint(0, 9, (4, 6), generator=torch.Generator().manual_seed(0))
    center, context = skipgram_pairs(walks, 2)
    want = collections.Counter()
    for walk in walks.tolist():
        for i, a in enumerate(walk):
            for j, b in enumerate(walk):
                if i != j and abs(i - j) <= 2:
                    want[(a, b)] += 1
    assert collections.Counter(zip(center.tolist(), context.tolist())) == want
    assert len(skipgram_pairs(walks, 10)[0]) == 2 * 4 * sum(6 - d for d in range(1, 6))


def test_corpus_and_vocabulary():
    words = corpus()
    assert len(words) > 50_000 and all(w.isalpha() and w.islower() for w in words[:1000])
    vocab, counts, ids = vocabulary(words, min_count=5)
    freq = collections.Counter(words)
    assert vocab[0] == "the" and counts.tolist() == [freq[w] for w in vocab]
    assert min(counts.tolist()) >= 5 and len(ids) == sum(counts.tolist())
    assert [vocab[i] for i in ids[:20].tolist()] == [w for w in words if freq[w] >= 5][:20]
