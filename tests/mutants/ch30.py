"""Known-wrong implementations for chapter 30."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ssl_course.evaluate.probes import nearest_class_mean

from . import mutant


# --------------------------------------------------------------------------- 30.linear_cka
def _cka(x, y, *, centre=True, normalise=True, dtype=None, rows=None, centre_rows=False):
    dt = dtype or torch.promote_types(x.dtype, y.dtype)
    x, y = x.to(dt), y.to(dt)
    if rows is not None:
        x, y = x[:rows], y[:rows]
    if centre:
        x, y = x - x.mean(0), y - y.mean(0)
    if centre_rows:
        x, y = x - x.mean(1, keepdim=True), y - y.mean(1, keepdim=True)
    cross = torch.linalg.matrix_norm(y.T @ x) ** 2
    if not normalise:
        return cross / (x.shape[0] - 1) ** 2  # HSIC only
    return cross / (torch.linalg.matrix_norm(x.T @ x) * torch.linalg.matrix_norm(y.T @ y))


@mutant("30.linear_cka", "common wrong answer: no centring (the kernel alignment of the raw features)")
def _no_centring(x, y):
    return _cka(x, y, centre=False)


@mutant("30.linear_cka", "not normalised: HSIC ||Yc^T Xc||^2 / (N-1)^2 alone")
def _hsic_only(x, y):
    return _cka(x, y, normalise=False)


@mutant("30.linear_cka", "squared correlation of the flattened features")
def _flat_correlation(x, y):
    a, b = x.flatten() - x.mean(), y.flatten() - y.mean()
    return (a @ b / (a.norm() * b.norm())) ** 2


@mutant("30.linear_cka", "computed in float32 whatever the inputs")
def _float32(x, y):
    return _cka(x, y, dtype=torch.float32).to(torch.promote_types(x.dtype, y.dtype))


@mutant("30.linear_cka", "only the first 512 rows (a chunk that was never continued)")
def _first_chunk(x, y):
    return _cka(x, y, rows=512)


@mutant("30.linear_cka", "each row centred (over its features) instead of each column")
def _row_centring(x, y):
    return _cka(x, y, centre=False, centre_rows=True)


@mutant("30.linear_cka", "normalised by ||Xc||_F^2 ||Yc||_F^2 instead of ||Xc^T Xc||_F ||Yc^T Yc||_F")
def _wrong_normaliser(x, y):
    xc, yc = x - x.mean(0), y - y.mean(0)
    return torch.linalg.matrix_norm(yc.T @ xc) ** 2 / (xc.pow(2).sum() * yc.pow(2).sum())


# --------------------------------------------------------------------------- 30.few_shot_prototypes
def _protos(train, y, test, shots, generator, *, draw="per class", order="ascending", metric="euclidean",
            dtype=None, tie="smallest"):
    dt = dtype or torch.promote_types(train.dtype, test.dtype)
    train, test = train.to(dt), test.to(dt)
    classes = torch.unique(y, sorted=True)
    if order == "appearance":
        first = [int((y == c).nonzero()[0]) for c in classes]
        classes = classes[torch.tensor(first).argsort()]
    protos = []
    for c in classes:
        idx = (y == c).nonzero().flatten()
        if draw == "first":
            pick = idx[:shots]
        elif draw == "last":
            pick = idx[-shots:]
        elif draw == "global rng":
            pick = idx[torch.randperm(len(idx))[:shots]]
        elif draw == "reseeded":
            g = torch.Generator().manual_seed(0)
            pick = idx[torch.randperm(len(idx), generator=g)[:shots]]
        else:
            pick = idx[torch.randperm(len(idx), generator=generator)[:shots]]
        protos.append(train[pick].mean(0))
    protos = torch.stack(protos)
    if metric == "cosine":
        score = -(F.normalize(test, dim=1) @ F.normalize(protos, dim=1).T)
    else:
        score = ((test[:, None] - protos[None]) ** 2).sum(2)
    if tie == "largest":
        best = score.shape[1] - 1 - score.flip(1).argmin(1)
    else:
        best = score.argmin(1)
    return classes[best].to(y.dtype)


@mutant("30.few_shot_prototypes",
        "common wrong answer: every labelled training row used (nearest class mean, not 5 shots)")
def _all_labels(train, y, test, shots=5, generator=None):
    return nearest_class_mean(train, y, test)


@mutant("30.few_shot_prototypes", "the first `shots` rows of each class (no random draw)")
def _first_rows(train, y, test, shots=5, generator=None):
    return _protos(train, y, test, shots, generator, draw="first")


@mutant("30.few_shot_prototypes", "draws from torch's global generator, ignoring `generator`")
def _global_rng(train, y, test, shots=5, generator=None):
    return _protos(train, y, test, shots, generator, draw="global rng")


@mutant("30.few_shot_prototypes", "a fresh generator seeded with 0 on every call (the same draw every time)")
def _reseeded(train, y, test, shots=5, generator=None):
    return _protos(train, y, test, shots, generator, draw="reseeded")


@mutant("30.few_shot_prototypes", "one draw over the whole pool (shots * C rows, whatever their classes)")
def _pooled_draw(train, y, test, shots=5, generator=None):
    classes = torch.unique(y, sorted=True)
    pick = torch.randperm(len(y), generator=generator)[:shots * len(classes)]
    sub_y = y[pick]
    if len(torch.unique(sub_y)) < len(classes):  # a class left out: fall back on all its rows
        return nearest_class_mean(train, y, test)
    return nearest_class_mean(train[pick], sub_y, test)


@mutant("30.few_shot_prototypes", "classes visited in order of first appearance, not ascending labels")
def _appearance_order(train, y, test, shots=5, generator=None):
    return _protos(train, y, test, shots, generator, order="appearance")


@mutant("30.few_shot_prototypes", "cosine similarity to the prototypes instead of Euclidean distance")
def _cosine(train, y, test, shots=5, generator=None):
    return _protos(train, y, test, shots, generator, metric="cosine")


@mutant("30.few_shot_prototypes", "computed in float32 whatever the inputs")
def _fs_float32(train, y, test, shots=5, generator=None):
    return _protos(train, y, test, shots, generator, dtype=torch.float32)


@mutant("30.few_shot_prototypes", "a tie goes to the largest label")
def _tie_largest(train, y, test, shots=5, generator=None):
    return _protos(train, y, test, shots, generator, tie="largest")


@mutant("30.few_shot_prototypes", "shots ignored: always 5")
def _always_five(train, y, test, shots=5, generator=None):
    return _protos(train, y, test, 5, generator)


@mutant("30.linear_cka", "column means through a weight vector made on the default device")
def _default_device_mean(x, y):
    dt = torch.promote_types(x.dtype, y.dtype)
    w = torch.full((x.shape[0],), 1.0 / x.shape[0], dtype=dt)  # no device=: lands on the default device
    xc, yc = x.to(dt) - (w @ x.to(dt)), y.to(dt) - (w @ y.to(dt))
    return torch.linalg.matrix_norm(yc.T @ xc) ** 2 / (torch.linalg.matrix_norm(xc.T @ xc)
                                                       * torch.linalg.matrix_norm(yc.T @ yc))


@mutant("30.few_shot_prototypes", "class rows found with torch.arange made on the default device")
def _default_device_rows(train, y, test, shots=5, generator=None):
    dt = torch.promote_types(train.dtype, test.dtype)
    classes = torch.unique(y, sorted=True)
    every = torch.arange(len(y))  # no device=: lands on the default device
    protos = []
    for c in classes:
        idx = every[(y == c)]
        protos.append(train.to(dt)[idx[torch.randperm(len(idx), generator=generator)[:shots]]].mean(0))
    score = ((test.to(dt)[:, None] - torch.stack(protos)[None]) ** 2).sum(2)
    return classes[score.argmin(1)].to(y.dtype)
