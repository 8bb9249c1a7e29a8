"""Known-wrong implementations for chapter 03."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import mutant


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


def _mean_over_anchors(logp, pos):
    """The textbook L_out average, used by the mutants that change something upstream."""
    n_pos = pos.sum(1)
    keep = n_pos > 0
    return -(logp.masked_fill(~pos, 0).sum(1)[keep] / n_pos[keep]).mean()


@mutant("03.supcon", "no normalisation: dot products of raw embeddings")
def _supcon_raw(features, labels, temperature=0.1):
    return _mean_over_anchors(*_supcon_parts(features, labels, temperature, normalise=False))


@mutant("03.supcon", "the anchor stays in its own denominator")
def _supcon_self(features, labels, temperature=0.1):
    return _mean_over_anchors(*_supcon_parts(features, labels, temperature, drop_self=False))


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


# --------------------------------------------------------------------------- the holes of issue 11
@mutant("03.positive_mask", "one-hot over 10 classes (labels of 10 or more break it)")
def _one_hot_10(labels):
    oh = F.one_hot(labels.long().clamp(0, 9), 10).float()
    return (oh @ oh.T).bool() & ~torch.eye(len(labels), dtype=torch.bool, device=labels.device)


@mutant("03.positive_mask", "the diagonal removed from the first 512 rows only")
def _chunked_diagonal(labels):
    n = len(labels)
    eye = torch.zeros(n, n, dtype=torch.bool, device=labels.device)
    k = min(n, 512)
    eye[:k, :k] = torch.eye(k, dtype=torch.bool, device=labels.device)
    return (labels[:, None] == labels[None, :]) & ~eye


@mutant("03.positive_mask", "the identity built on the default device")
def _eye_default_device(labels):
    return (labels[:, None] == labels[None, :]) & ~torch.eye(len(labels), dtype=torch.bool)


@mutant("03.supcon", "one-hot over 10 classes (labels of 10 or more break it)")
def _supcon_one_hot(features, labels, temperature=0.1):
    oh = F.one_hot(labels.long().clamp(0, 9), 10).float()
    return _supcon_from_positives(features, (oh @ oh.T).bool(), temperature)


@mutant("03.supcon", "normalises without an epsilon (a zero row becomes NaN)")
def _supcon_no_eps(features, labels, temperature=0.1):
    z = features / features.norm(dim=1, keepdim=True)
    return _supcon_from_positives(z, labels[:, None] == labels[None, :], temperature)


@mutant("03.supcon", "the identity built on the default device")
def _supcon_default_device(features, labels, temperature=0.1):
    n = len(labels)
    z = F.normalize(features, dim=1)
    eye = torch.eye(n, dtype=torch.bool)
    log_prob = (z @ z.T / temperature).masked_fill(eye, float("-inf")).log_softmax(dim=1)
    pos = (labels[:, None] == labels[None, :]) & ~eye
    has = pos.sum(1) > 0
    return -(log_prob.masked_fill(~pos, 0).sum(1)[has] / pos.sum(1)[has]).mean()


@mutant("03.supcon", "computes in float32 and casts back")
def _supcon_float32(features, labels, temperature=0.1):
    return _supcon_from_positives(features.float(), labels[:, None] == labels[None, :], temperature).to(features.dtype)


def _supcon_from_positives(features, same, temperature):
    """SupCon given a same-label (N, N) mask (the diagonal is removed here)."""
    n = features.shape[0]
    z = F.normalize(features, dim=1)
    eye = torch.eye(n, dtype=torch.bool, device=z.device)
    log_prob = (z @ z.T / temperature).masked_fill(eye, float("-inf")).log_softmax(dim=1)
    pos = same & ~eye
    has = pos.sum(1) > 0
    return -(log_prob.masked_fill(~pos, 0).sum(1)[has] / pos.sum(1)[has]).mean()


@mutant("03.supcon", "one mean over all positive pairs of the batch, not per anchor")
def _supcon_pair_mean(features, labels, temperature=0.1):
    n = len(labels)
    z = F.normalize(features, dim=1)
    eye = torch.eye(n, dtype=torch.bool, device=z.device)
    log_prob = (z @ z.T / temperature).masked_fill(eye, float("-inf")).log_softmax(dim=1)
    pos = (labels[:, None] == labels[None, :]) & ~eye
    return -log_prob[pos].mean()
