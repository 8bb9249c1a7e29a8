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
    w = torch.ones(top_idx.shape, dtype=torch.float64, device=top_idx.device) if weight is None else weight
    return torch.zeros(top_idx.shape[0], c, dtype=w.dtype, device=w.device).scatter_add_(1, y_train[top_idx].long(), w)


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


# --------------------------------------------------------------------------- the holes of issue 11
def _cosine(train_feats, test_feats):
    return F.normalize(test_feats.double(), dim=1) @ F.normalize(train_feats.double(), dim=1).T


@mutant("05.knn_predict", "torch.topk for the neighbours (ties in an unspecified order)")
def _topk(train_feats, y_train, test_feats, k):
    idx = _cosine(train_feats, test_feats).topk(k, dim=1).indices
    return _votes(idx, y_train).argmax(dim=1).to(y_train.dtype)


@mutant("05.knn_predict", "an unstable sort (ties in an unspecified order)")
def _unstable(train_feats, y_train, test_feats, k):
    idx = _cosine(train_feats, test_feats).argsort(dim=1, descending=True)[:, :k]
    return _votes(idx, y_train).argmax(dim=1).to(y_train.dtype)


@mutant("05.knn_predict", "one_hot(labels, 10): classes 10 and above are lost")
def _ten_classes(train_feats, y_train, test_feats, k):
    idx = _cosine(train_feats, test_feats).sort(dim=1, descending=True, stable=True).indices[:, :k]
    votes = F.one_hot(y_train[idx].clamp(max=9).long(), 10).sum(dim=1)
    return votes.argmax(dim=1).to(y_train.dtype)


@mutant("05.knn_predict", "always returns int64 labels")
def _int64(train_feats, y_train, test_feats, k):
    idx = _cosine(train_feats, test_feats).sort(dim=1, descending=True, stable=True).indices[:, :k]
    return _votes(idx, y_train).argmax(dim=1)


@mutant("05.knn_predict", "chunks of 1024 test rows, every chunk written to the first rows")
def _chunked(train_feats, y_train, test_feats, k):
    out = torch.zeros(len(test_feats), dtype=y_train.dtype)
    for s in range(0, len(test_feats), 1024):
        part = test_feats[s:s + 1024]
        idx = _cosine(train_feats, part).sort(dim=1, descending=True, stable=True).indices[:, :k]
        out[:len(part)] = _votes(idx, y_train).argmax(dim=1).to(y_train.dtype)
    return out


@mutant("05.knn_predict", "vote counts built on the default device")
def _votes_default_device(train_feats, y_train, test_feats, k):
    idx = _cosine(train_feats, test_feats).sort(dim=1, descending=True, stable=True).indices[:, :k]
    c = int(y_train.max()) + 1
    votes = torch.zeros(idx.shape[0], c).scatter_add_(1, y_train[idx], torch.ones(idx.shape))
    return votes.argmax(dim=1).to(y_train.dtype)


@mutant("05.nt_xent", "partners for each 512-row chunk of anchors restart at 0")
def _nt_chunked(z1, z2, temperature=0.5):
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = (z @ z.T / temperature).masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device), float("-inf"))
    partner = (torch.arange(2 * n, device=z.device) + n) % (2 * n)
    parts = [F.cross_entropy(sim[s:s + 512], partner[:len(sim[s:s + 512])], reduction="sum")
             for s in range(0, 2 * n, 512)]
    return torch.stack(parts).sum() / (2 * n)


@mutant("05.nt_xent", "normalises without an epsilon (a zero row becomes NaN)")
def _nt_no_eps(z1, z2, temperature=0.5):
    n = z1.shape[0]
    z = torch.cat([z1, z2])
    z = z / z.norm(dim=1, keepdim=True)
    sim = (z @ z.T / temperature).masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device), float("-inf"))
    return F.cross_entropy(sim, (torch.arange(2 * n, device=z.device) + n) % (2 * n))


@mutant("05.nt_xent", "mask and partners built on the default device")
def _nt_default_device(z1, z2, temperature=0.5):
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = (z @ z.T / temperature).masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    return F.cross_entropy(sim, (torch.arange(2 * n) + n) % (2 * n))


@mutant("05.nt_xent", "computes in float32 and casts back")
def _nt_float32(z1, z2, temperature=0.5):
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]).float(), dim=1)
    sim = (z @ z.T / temperature).masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    return F.cross_entropy(sim, (torch.arange(2 * n) + n) % (2 * n)).to(z1.dtype)
