"""Known-wrong implementations for chapter 05."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import mutant


# --------------------------------------------------------------------------- 05.nt_xent
@mutant("05.nt_xent", "common wrong answer: sigmoid BCE over the Gram matrix, self-pairs included")
def _sigmoid_gram(z1, z2, temperature=0.5):
    z = torch.cat([z1, z2])
    n = z1.shape[0]
    sim = z @ z.T / temperature
    target = torch.eye(2 * n, dtype=z.dtype) + torch.eye(2 * n, dtype=z.dtype).roll(n, dims=1)
    return F.binary_cross_entropy_with_logits(sim, target)


@mutant("05.nt_xent", "self-similarity left in the softmax (each view is its own rival)")
def _self_not_masked(z1, z2, temperature=0.5):
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    return F.cross_entropy(z @ z.T / temperature, torch.arange(2 * n).roll(n))


@mutant("05.nt_xent", "one direction only: z1 anchors against z2 (InfoNCE, N - 1 negatives)")
def _one_direction(z1, z2, temperature=0.5):
    a, b = F.normalize(z1, dim=1), F.normalize(z2, dim=1)
    return F.cross_entropy(a @ b.T / temperature, torch.arange(z1.shape[0]))


@mutant("05.nt_xent", "symmetrised InfoNCE: cross-view negatives only, same-view ones left out")
def _cross_view_only(z1, z2, temperature=0.5):
    a, b = F.normalize(z1, dim=1), F.normalize(z2, dim=1)
    s = a @ b.T / temperature
    t = torch.arange(z1.shape[0])
    return (F.cross_entropy(s, t) + F.cross_entropy(s.T, t)) / 2


@mutant("05.nt_xent", "dot products of unnormalised embeddings")
def _no_normalise(z1, z2, temperature=0.5):
    n = z1.shape[0]
    z = torch.cat([z1, z2])
    sim = (z @ z.T / temperature).masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    return F.cross_entropy(sim, torch.arange(2 * n).roll(n))


@mutant("05.nt_xent", "naive softmax: exp overflows for small temperatures")
def _naive(z1, z2, temperature=0.5):
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    e = torch.exp(z @ z.T / temperature) * (1 - torch.eye(2 * n, dtype=z.dtype))
    partner = torch.arange(2 * n).roll(n)
    return -(e[torch.arange(2 * n), partner] / e.sum(dim=1)).log().mean()


@mutant("05.nt_xent", "multiplies by the temperature instead of dividing")
def _times_temperature(z1, z2, temperature=0.5):
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = (z @ z.T * temperature).masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    return F.cross_entropy(sim, torch.arange(2 * n).roll(n))


# --------------------------------------------------------------------------- 05.knn_predict
def _votes(top_idx, y_train, weight=None):
    c = int(y_train.max()) + 1
    w = torch.ones(top_idx.shape, dtype=torch.float64) if weight is None else weight
    return torch.zeros(top_idx.shape[0], c, dtype=w.dtype).scatter_add_(1, y_train[top_idx], w)


@mutant("05.knn_predict", "common wrong answer: raw dot products, no normalisation (long vectors win every vote)")
def _dot(train_feats, y_train, test_feats, k):
    sim = test_feats.double() @ train_feats.double().T
    idx = sim.sort(dim=1, descending=True, stable=True).indices[:, :k]
    return _votes(idx, y_train).argmax(dim=1)


@mutant("05.knn_predict", "Euclidean distance instead of cosine similarity")
def _euclidean(train_feats, y_train, test_feats, k):
    dist = torch.cdist(test_feats.double(), train_feats.double())
    idx = dist.sort(dim=1, stable=True).indices[:, :k]
    return _votes(idx, y_train).argmax(dim=1)


@mutant("05.knn_predict", "the k least similar points (sorted the wrong way)")
def _least_similar(train_feats, y_train, test_feats, k):
    sim = F.normalize(test_feats, dim=1) @ F.normalize(train_feats, dim=1).T
    idx = sim.sort(dim=1, stable=True).indices[:, :k]
    return _votes(idx, y_train).argmax(dim=1)


@mutant("05.knn_predict", "vote ties go to the largest label")
def _largest_on_tie(train_feats, y_train, test_feats, k):
    sim = F.normalize(test_feats, dim=1) @ F.normalize(train_feats, dim=1).T
    idx = sim.sort(dim=1, descending=True, stable=True).indices[:, :k]
    votes = _votes(idx, y_train)
    return votes.shape[1] - 1 - votes.flip(1).argmax(dim=1)


@mutant("05.knn_predict", "returns the nearest neighbour's index, not its label")
def _index_not_label(train_feats, y_train, test_feats, k):
    sim = F.normalize(test_feats, dim=1) @ F.normalize(train_feats, dim=1).T
    return sim.argmax(dim=1)


@mutant("05.knn_predict", "ignores k: always the single nearest neighbour")
def _always_1nn(train_feats, y_train, test_feats, k):
    sim = F.normalize(test_feats, dim=1) @ F.normalize(train_feats, dim=1).T
    return y_train[sim.sort(dim=1, descending=True, stable=True).indices[:, 0]]
