"""Known-wrong implementations of every exercise. Each check must reject every one of them.

MUTANTS[exercise_id] is a list of (name, function); the chapter's common wrong answer is
named "common wrong answer: ...". Add at least three per exercise.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

MUTANTS: dict[str, list] = {}


def mutant(exercise_id: str, name: str):
    def register(fn):
        MUTANTS.setdefault(exercise_id, []).append((name, fn))
        return fn
    return register


# --------------------------------------------------------------------------- 00.hello
@mutant("00.hello", "common wrong answer: normalises the columns (dim=0)")
def _cols(x, eps=1e-12):
    return x / x.norm(dim=0, keepdim=True).clamp_min(eps)


@mutant("00.hello", "no epsilon: an all-zero row becomes NaN")
def _no_eps(x, eps=1e-12):
    return x / x.norm(dim=1, keepdim=True)


@mutant("00.hello", "divides by the squared norm")
def _squared(x, eps=1e-12):
    return x / (x * x).sum(dim=1, keepdim=True).clamp_min(eps)


@mutant("00.hello", "normalises the whole matrix at once")
def _frobenius(x, eps=1e-12):
    return x / x.norm().clamp_min(eps)


@mutant("00.hello", "detaches the norm (values right, gradient wrong)")
def _detached(x, eps=1e-12):
    return x / x.norm(dim=1, keepdim=True).clamp_min(eps).detach()


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


# --------------------------------------------------------------------------- 03.positive_mask
@mutant("03.positive_mask", "common wrong answer: every sample its own class (labels that do not exist)")
def _eye_mask(labels):
    return torch.eye(len(labels), dtype=torch.bool)


@mutant("03.positive_mask", "keeps the diagonal: a sample is its own positive")
def _with_diagonal(labels):
    return labels[:, None] == labels[None, :]


@mutant("03.positive_mask", "compares labels with positions")
def _label_vs_index(labels):
    return (labels[:, None] == torch.arange(len(labels))[None, :]) & ~torch.eye(len(labels), dtype=torch.bool)


@mutant("03.positive_mask", "returns 0/1 floats instead of booleans")
def _float_mask(labels):
    return ((labels[:, None] == labels[None, :]) & ~torch.eye(len(labels), dtype=torch.bool)).float()


# --------------------------------------------------------------------------- 03.supcon
@mutant("03.supcon", "common wrong answer: cross-entropy on the raw embeddings as logits")
def _ce_on_embeddings(features, labels, temperature=0.1):
    return F.cross_entropy(features / temperature, labels % features.shape[1])


def _supcon_parts(features, labels, temperature, normalise=True, drop_self=True):
    z = F.normalize(features, dim=1) if normalise else features
    sim = z @ z.T / temperature
    eye = torch.eye(len(z), dtype=torch.bool)
    if drop_self:
        sim = sim.masked_fill(eye, float("-inf"))
    pos = (labels[:, None] == labels[None, :]) & ~eye
    return sim.log_softmax(dim=1), pos


@mutant("03.supcon", "no normalisation: dot products of raw embeddings")
def _supcon_raw(features, labels, temperature=0.1):
    logp, pos = _supcon_parts(features, labels, temperature, normalise=False)
    n_pos = pos.sum(1)
    keep = n_pos > 0
    return -(logp.masked_fill(~pos, 0).sum(1)[keep] / n_pos[keep]).mean()


@mutant("03.supcon", "the anchor stays in its own denominator")
def _supcon_self(features, labels, temperature=0.1):
    logp, pos = _supcon_parts(features, labels, temperature, drop_self=False)
    n_pos = pos.sum(1)
    keep = n_pos > 0
    return -(logp.masked_fill(~pos, 0).sum(1)[keep] / n_pos[keep]).mean()


@mutant("03.supcon", "averages over all anchors, those without positives included")
def _supcon_all_anchors(features, labels, temperature=0.1):
    logp, pos = _supcon_parts(features, labels, temperature)
    n_pos = pos.sum(1).clamp_min(1)
    return -(logp.masked_fill(~pos, 0).sum(1) / n_pos).mean()


@mutant("03.supcon", "log of the summed positive probabilities (L_in) instead of the mean log")
def _supcon_in(features, labels, temperature=0.1):
    logp, pos = _supcon_parts(features, labels, temperature)
    n_pos = pos.sum(1)
    keep = n_pos > 0
    lse = logp.masked_fill(~pos, float("-inf")).logsumexp(1)
    return -(lse[keep] - n_pos[keep].log()).mean()
