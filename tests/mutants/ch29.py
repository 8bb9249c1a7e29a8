"""Known-wrong implementations for chapter 29."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import mutant


# --------------------------------------------------------------------------- 29.mean_pool
@mutant("29.mean_pool", "common wrong answer: hidden.mean(dim=1), the pads averaged in")
def _plain_mean(hidden, mask):
    return hidden.mean(dim=1)


@mutant("29.mean_pool", "pads zeroed but the sum divided by L, not by the number of real tokens")
def _divide_by_length(hidden, mask):
    return torch.where((mask != 0)[..., None], hidden, 0.0).sum(dim=1) / hidden.shape[1]


@mutant("29.mean_pool", "no clamp on the count: an all-padding row becomes NaN")
def _nan_on_empty(hidden, mask):
    keep = (mask != 0)[..., None]
    return torch.where(keep, hidden, 0.0).sum(dim=1) / keep.sum(dim=1).to(hidden.dtype)


@mutant("29.mean_pool", "multiplies by the mask: NaN or inf at a pad leaks in (NaN * 0 = NaN)")
def _multiply_mask(hidden, mask):
    m = mask.to(hidden.dtype)[..., None]
    return (hidden * m).sum(dim=1) / m.sum(dim=1).clamp_min(1)


@mutant("29.mean_pool", "assumes right padding: the first sum(mask) positions of each row")
def _right_padding_only(hidden, mask):
    lengths = (mask != 0).sum(dim=1)
    rows = [hidden[i, :n].sum(dim=0) / max(int(n), 1) for i, n in enumerate(lengths)]
    return torch.stack(rows)


@mutant("29.mean_pool", "float32 arithmetic whatever the input's dtype")
def _float32(hidden, mask):
    keep = (mask != 0)[..., None]
    out = torch.where(keep, hidden.float(), 0.0).sum(dim=1) / keep.sum(dim=1).clamp_min(1)
    return out.to(hidden.dtype)


@mutant("29.mean_pool", "the count made on the default device (torch.tensor of the lengths)")
def _count_on_default_device(hidden, mask):
    keep = (mask != 0)[..., None]
    count = torch.tensor(keep.sum(dim=1).clamp_min(1).tolist(), dtype=hidden.dtype)
    return torch.where(keep, hidden, 0.0).sum(dim=1) / count


# --------------------------------------------------------------------------- 29.simcse
def _cos(z1, z2):
    return F.normalize(z1, dim=1) @ F.normalize(z2, dim=1).T


def _arange(z):
    return torch.arange(z.shape[0], device=z.device)


@mutant("29.simcse", "common wrong answer: dropout off, each sentence against its own first pass (z2 unused)")
def _same_pass(z1, z2, temperature=0.05):
    return F.cross_entropy(_cos(z1, z1) / temperature, _arange(z1))


@mutant("29.simcse", "both directions averaged (CLIP-style) instead of z1 anchoring against z2")
def _symmetric(z1, z2, temperature=0.05):
    s = _cos(z1, z2) / temperature
    return (F.cross_entropy(s, _arange(z1)) + F.cross_entropy(s.T, _arange(z1))) / 2


@mutant("29.simcse", "NT-Xent over the 2N views (same-pass rows as extra negatives)")
def _nt_xent(z1, z2, temperature=0.05):
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    s = (z @ z.T / temperature).masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device), float("-inf"))
    return F.cross_entropy(s, torch.arange(2 * n, device=z.device).roll(n))


@mutant("29.simcse", "temperature ignored (always 0.05)")
def _fixed_temperature(z1, z2, temperature=0.05):
    return F.cross_entropy(_cos(z1, z2) / 0.05, _arange(z1))


@mutant("29.simcse", "the second pass detached: no gradient reaches z2")
def _detached(z1, z2, temperature=0.05):
    return F.cross_entropy(_cos(z1, z2.detach()) / temperature, _arange(z1))


@mutant("29.simcse", "dot products of unnormalised vectors")
def _dot(z1, z2, temperature=0.05):
    return F.cross_entropy(z1 @ z2.T / temperature, _arange(z1))


@mutant("29.simcse", "the positive left out of the denominator (negatives only)")
def _decoupled(z1, z2, temperature=0.05):
    s = _cos(z1, z2) / temperature
    eye = torch.eye(z1.shape[0], dtype=torch.bool, device=z1.device)
    return (torch.logsumexp(s.masked_fill(eye, float("-inf")), dim=1) - s.diagonal()).mean()


@mutant("29.simcse", "naive softmax: exp() overflows at small temperatures")
def _naive(z1, z2, temperature=0.05):
    e = torch.exp(_cos(z1, z2) / temperature)
    return -(e.diagonal() / e.sum(dim=1)).log().mean()
