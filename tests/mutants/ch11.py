"""Known-wrong implementations for chapter 11."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import mutant


def _diff_sq(x):
    return (x[:, None, :] - x[None, :, :]).pow(2).sum(dim=-1)


def _safe_sqrt(sq):
    zero = sq == 0
    return torch.where(zero, 0.0, sq.masked_fill(zero, 1.0).sqrt())


# --------------------------------------------------------------------------- 11.pairwise_distances
@mutant("11.pairwise_distances", "common wrong answer: sqrt of the clamped expansion |a|^2 + |b|^2 - 2 a.b")
def _expansion(x):
    sq = x.pow(2).sum(1)
    return (sq[:, None] + sq[None, :] - 2 * x @ x.T).clamp_min(0).sqrt()


@mutant("11.pairwise_distances", "exact differences, but where() after the sqrt: NaN gradient at distance 0")
def _where_after_sqrt(x):
    sq = _diff_sq(x)
    return torch.where(sq > 0, sq.sqrt(), torch.zeros_like(sq))


@mutant("11.pairwise_distances", "an eps inside the sqrt: identical rows at distance sqrt(eps), not 0")
def _eps_in_sqrt(x):
    return (_diff_sq(x) + 1e-8).sqrt()


@mutant("11.pairwise_distances", "the expansion after centring the rows (a common offset only)")
def _centred_expansion(x):
    c = x - x.mean(dim=0)
    sq = c.pow(2).sum(1)
    return _safe_sqrt((sq[:, None] + sq[None, :] - 2 * c @ c.T).clamp_min(0))


@mutant("11.pairwise_distances", "torch.cdist with its defaults (the matmul expansion past 25 rows in float32)")
def _cdist(x):
    return torch.cdist(x, x)


@mutant("11.pairwise_distances", "squared distances (the sqrt forgotten)")
def _squared(x):
    return _diff_sq(x)


@mutant("11.pairwise_distances", "chunks of 512 rows, each compared with the first 512 rows only")
def _chunked(x):
    out = torch.zeros(len(x), len(x), dtype=x.dtype, device=x.device)
    for s in range(0, len(x), 512):
        part = x[s:s + 512]
        cols = x[:len(part)] if s else x
        out[s:s + 512, :len(cols)] = _safe_sqrt((part[:, None] - cols[None]).pow(2).sum(-1))
    return out


@mutant("11.pairwise_distances", "the diagonal zeroed with an eye made on the default device")
def _eye_default_device(x):
    return _safe_sqrt(_diff_sq(x)) * (1 - torch.eye(len(x), dtype=x.dtype))


@mutant("11.pairwise_distances", "computes in float32 and casts back")
def _float32(x):
    return _safe_sqrt(_diff_sq(x.float())).to(x.dtype)


# --------------------------------------------------------------------------- 11.batch_hard_triplet
def _hardest(x, labels, positives, negatives, margin, keep_invalid=False):
    """relu(hardest positive - hardest negative + margin) over the anchors that have both."""
    d = _safe_sqrt(_diff_sq(x))
    d_pos = d.masked_fill(~positives, -1.0).amax(dim=1)
    d_neg = d.masked_fill(~negatives, float("inf")).amin(dim=1)
    valid = (d_pos >= 0) & torch.isfinite(d_neg)
    if keep_invalid:
        return F.relu(torch.where(valid, d_pos - d_neg + margin, 0.0)).mean()
    if not valid.any():
        return x.sum() * 0.0
    return F.relu(d_pos - d_neg + margin)[valid].mean()


def _masks(labels):
    same = labels[:, None] == labels[None, :]
    eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    return same, eye


@mutant("11.batch_hard_triplet", "common wrong answer: negatives chosen without labels (the nearest other sample)")
def _label_free_negatives(embeddings, labels, margin=0.2):
    same, eye = _masks(labels)
    return _hardest(embeddings, labels, same & ~eye, ~eye, margin)


@mutant("11.batch_hard_triplet", "the anchor counts as its own positive (distance 0)")
def _self_positive(embeddings, labels, margin=0.2):
    same, eye = _masks(labels)
    return _hardest(embeddings, labels, same, ~same, margin)


@mutant("11.batch_hard_triplet", "anchors without a positive or a negative averaged in as zeros")
def _invalid_in_mean(embeddings, labels, margin=0.2):
    same, eye = _masks(labels)
    return _hardest(embeddings, labels, same & ~eye, ~same, margin, keep_invalid=True)


@mutant("11.batch_hard_triplet", "the easiest positive (nearest) instead of the hardest")
def _easiest_positive(embeddings, labels, margin=0.2):
    same, eye = _masks(labels)
    d = _safe_sqrt(_diff_sq(embeddings))
    d_pos = d.masked_fill(~(same & ~eye), float("inf")).amin(dim=1)
    d_neg = d.masked_fill(same, float("inf")).amin(dim=1)
    valid = torch.isfinite(d_pos) & torch.isfinite(d_neg)
    return F.relu(d_pos - d_neg + margin)[valid].mean() if valid.any() else embeddings.sum() * 0.0


@mutant("11.batch_hard_triplet", "ignores the margin argument (always 0.2)")
def _fixed_margin(embeddings, labels, margin=0.2):
    same, eye = _masks(labels)
    return _hardest(embeddings, labels, same & ~eye, ~same, 0.2)


@mutant("11.batch_hard_triplet", "no hinge: the mean of d_pos - d_neg + margin")
def _no_hinge(embeddings, labels, margin=0.2):
    same, eye = _masks(labels)
    d = _safe_sqrt(_diff_sq(embeddings))
    d_pos = d.masked_fill(~(same & ~eye), -1.0).amax(dim=1)
    d_neg = d.masked_fill(same, float("inf")).amin(dim=1)
    valid = (d_pos >= 0) & torch.isfinite(d_neg)
    return (d_pos - d_neg + margin)[valid].mean() if valid.any() else embeddings.sum() * 0.0


@mutant("11.batch_hard_triplet", "the anchor left out by distance > 0, not by index (a duplicate is skipped)")
def _self_by_distance(embeddings, labels, margin=0.2):
    same, _ = _masks(labels)
    d = _safe_sqrt(_diff_sq(embeddings))
    far = d > 0
    return _hardest(embeddings, labels, same & far, ~same & far, margin)


@mutant("11.batch_hard_triplet", "sqrt of the squared distances, diagonal masked after it: NaN gradient")
def _nan_gradient(embeddings, labels, margin=0.2):
    same, eye = _masks(labels)
    d = _diff_sq(embeddings).sqrt()
    d_pos = d.masked_fill(~(same & ~eye), -1.0).amax(dim=1)
    d_neg = d.masked_fill(same, float("inf")).amin(dim=1)
    valid = (d_pos >= 0) & torch.isfinite(d_neg)
    return F.relu(d_pos - d_neg + margin)[valid].mean() if valid.any() else embeddings.sum() * 0.0


@mutant("11.batch_hard_triplet", "a plain 0.0 when no anchor is valid (no gradient)")
def _no_graph_when_empty(embeddings, labels, margin=0.2):
    same, eye = _masks(labels)
    d = _safe_sqrt(_diff_sq(embeddings))
    d_pos = d.masked_fill(~(same & ~eye), -1.0).amax(dim=1)
    d_neg = d.masked_fill(same, float("inf")).amin(dim=1)
    valid = (d_pos >= 0) & torch.isfinite(d_neg)
    if not valid.any():
        return torch.tensor(0.0, dtype=embeddings.dtype, device=embeddings.device)
    return F.relu(d_pos - d_neg + margin)[valid].mean()


@mutant("11.batch_hard_triplet", "labels one-hot encoded into 10 classes")
def _one_hot_ten(embeddings, labels, margin=0.2):
    onehot = F.one_hot(labels.long().clamp(max=9), 10).to(embeddings.dtype)
    same = (onehot @ onehot.T) > 0
    eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    return _hardest(embeddings, labels, same & ~eye, ~same, margin)


@mutant("11.batch_hard_triplet", "anchors in chunks of 512, mined within their own chunk only")
def _chunked_mining(embeddings, labels, margin=0.2):
    terms = []
    for s in range(0, len(labels), 512):
        e, y = embeddings[s:s + 512], labels[s:s + 512]
        same, eye = _masks(y)
        d = _safe_sqrt(_diff_sq(e))
        d_pos = d.masked_fill(~(same & ~eye), -1.0).amax(dim=1)
        d_neg = d.masked_fill(same, float("inf")).amin(dim=1)
        valid = (d_pos >= 0) & torch.isfinite(d_neg)
        terms.append(F.relu(d_pos - d_neg + margin)[valid])
    terms = torch.cat(terms)
    return terms.mean() if len(terms) else embeddings.sum() * 0.0


@mutant("11.batch_hard_triplet", "the identity mask made on the default device")
def _eye_default(embeddings, labels, margin=0.2):
    same = labels[:, None] == labels[None, :]
    eye = torch.eye(len(labels), dtype=torch.bool)
    return _hardest(embeddings, labels, same & ~eye, ~same, margin)


@mutant("11.batch_hard_triplet", "computes in float32 and casts back")
def _bh_float32(embeddings, labels, margin=0.2):
    same, eye = _masks(labels)
    return _hardest(embeddings.float(), labels, same & ~eye, ~same, margin).to(embeddings.dtype)
