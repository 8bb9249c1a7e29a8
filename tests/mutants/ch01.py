"""Known-wrong implementations for chapter 01."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from . import mutant


# --------------------------------------------------------------------------- 01.info_nce
@mutant("01.info_nce", "common wrong answer: independent sigmoids over the Gram matrix, self-pairs included")
def _sigmoid_gram(query, key, temperature=0.1):
    z = torch.cat([query, key])
    sim = z @ z.T / temperature
    n = query.shape[0]
    target = torch.eye(2 * n, dtype=z.dtype).roll(n, dims=1) + torch.eye(2 * n, dtype=z.dtype)
    return F.binary_cross_entropy_with_logits(sim, target)


@mutant("01.info_nce", "dot products of unnormalised embeddings")
def _no_normalise(query, key, temperature=0.1):
    return F.cross_entropy(query @ key.T / temperature, torch.arange(query.shape[0]))


@mutant("01.info_nce", "naive softmax: exp overflows for small temperatures")
def _naive(query, key, temperature=0.1):
    q, k = F.normalize(query, dim=1), F.normalize(key, dim=1)
    e = torch.exp(q @ k.T / temperature)
    return -(e.diagonal() / e.sum(dim=1)).log().mean()


@mutant("01.info_nce", "positive left out of the denominator")
def _no_positive_in_denominator(query, key, temperature=0.1):
    q, k = F.normalize(query, dim=1), F.normalize(key, dim=1)
    s = q @ k.T / temperature
    eye = torch.eye(len(s), dtype=torch.bool)
    return (-s.diagonal() + s.masked_fill(eye, float("-inf")).logsumexp(dim=1)).mean()


@mutant("01.info_nce", "multiplies by the temperature instead of dividing")
def _times_temperature(query, key, temperature=0.1):
    q, k = F.normalize(query, dim=1), F.normalize(key, dim=1)
    return F.cross_entropy(q @ k.T * temperature, torch.arange(query.shape[0]))


@mutant("01.info_nce", "sums over the batch instead of averaging")
def _sum(query, key, temperature=0.1):
    q, k = F.normalize(query, dim=1), F.normalize(key, dim=1)
    return F.cross_entropy(q @ k.T / temperature, torch.arange(query.shape[0]), reduction="sum")


# --------------------------------------------------------------------------- 01.mi_lower_bound
@mutant("01.mi_lower_bound", "common wrong answer: minus the loss, without log N")
def _minus_loss(scores):
    return -F.cross_entropy(scores, torch.arange(scores.shape[0]))


@mutant("01.mi_lower_bound", "in bits instead of nats")
def _bits(scores):
    n = scores.shape[0]
    return (math.log(n) - F.cross_entropy(scores, torch.arange(n))) / math.log(2)


@mutant("01.mi_lower_bound", "log(N - 1): the negatives only")
def _log_n_minus_1(scores):
    n = scores.shape[0]
    return math.log(max(n - 1, 1)) - F.cross_entropy(scores, torch.arange(n))


@mutant("01.mi_lower_bound", "mean diagonal minus log-mean-exp of all scores (a different bound)")
def _nwj_like(scores):
    n = scores.shape[0]
    return scores.diagonal().mean() - (scores.logsumexp(dim=(0, 1)) - math.log(n * n))


# --------------------------------------------------------------------------- the holes of issue 11
@mutant("01.info_nce", "targets for each 512-row chunk restart at 0")
def _chunked(query, key, temperature=0.1):
    q, k = F.normalize(query, dim=1), F.normalize(key, dim=1)
    losses = [F.cross_entropy(q[s:s + 512] @ k.T / temperature, torch.arange(len(q[s:s + 512])), reduction="sum")
              for s in range(0, len(q), 512)]
    return torch.stack(losses).sum() / len(q)


@mutant("01.info_nce", "normalises without an epsilon (a zero row becomes NaN)")
def _no_eps(query, key, temperature=0.1):
    q = query / query.norm(dim=1, keepdim=True)
    k = key / key.norm(dim=1, keepdim=True)
    return F.cross_entropy(q @ k.T / temperature, torch.arange(len(q), device=q.device))


@mutant("01.info_nce", "targets built on the default device")
def _default_device(query, key, temperature=0.1):
    q, k = F.normalize(query, dim=1), F.normalize(key, dim=1)
    return F.cross_entropy(q @ k.T / temperature, torch.arange(len(q)))


@mutant("01.info_nce", "computes in float32 and casts back")
def _float32(query, key, temperature=0.1):
    q, k = F.normalize(query.float(), dim=1), F.normalize(key.float(), dim=1)
    return F.cross_entropy(q @ k.T / temperature, torch.arange(len(q))).to(query.dtype)


@mutant("01.mi_lower_bound", "targets for each 512-row chunk restart at 0")
def _mi_chunked(scores):
    n = scores.shape[0]
    parts = [F.cross_entropy(scores[s:s + 512], torch.arange(len(scores[s:s + 512])), reduction="sum")
             for s in range(0, n, 512)]
    return math.log(n) - torch.stack(parts).sum() / n


@mutant("01.mi_lower_bound", "targets built on the default device")
def _mi_default_device(scores):
    n = scores.shape[0]
    return math.log(n) - F.cross_entropy(scores, torch.arange(n))


@mutant("01.mi_lower_bound", "computes in float32 and casts back")
def _mi_float32(scores):
    n = scores.shape[0]
    return (math.log(n) - F.cross_entropy(scores.float(), torch.arange(n))).to(scores.dtype)


@mutant("01.info_nce", "symmetrised: the mean of query->key and key->query")
def _symmetric(query, key, temperature=0.1):
    q, k = F.normalize(query, dim=1), F.normalize(key, dim=1)
    t = torch.arange(len(q), device=q.device)
    return (F.cross_entropy(q @ k.T / temperature, t) + F.cross_entropy(k @ q.T / temperature, t)) / 2
