"""Known-wrong implementations for chapter 10."""
from __future__ import annotations

import numpy as np
import torch

from . import mutant


# --------------------------------------------------------------------------- 10.kmeans_pp_init
def _pp(x, k, generator, weight=lambda d2: d2, nearest=True, rows=None):
    """k-means++ with one thing changed: the weight of a distance, the running minimum, the rows seen."""
    n = x.shape[0]
    idx = [int(torch.randint(n, (1,), generator=generator, device="cpu"))]
    d2 = ((x - x[idx[0]]) ** 2).sum(1)
    if rows is not None:
        d2[rows:] = 0
    for _ in range(1, k):
        w = weight(d2)
        i = int(torch.multinomial(w.cpu(), 1, generator=generator)) if bool((w > 0).any()) else \
            int(torch.randint(n, (1,), generator=generator, device="cpu"))
        idx.append(i)
        new = ((x - x[i]) ** 2).sum(1)
        d2 = torch.minimum(d2, new) if nearest else new
        if rows is not None:
            d2[rows:] = 0
    return x[torch.tensor(idx, device=x.device)]


@mutant("10.kmeans_pp_init", "common wrong answer: k centres drawn uniformly (no D(x)^2 weighting)")
def _pp_uniform(x, k, generator=None):
    idx = [int(torch.randint(x.shape[0], (1,), generator=generator, device="cpu")) for _ in range(k)]
    return x[torch.tensor(idx, device=x.device)]


@mutant("10.kmeans_pp_init", "weights D(x), not D(x)^2")
def _pp_not_squared(x, k, generator=None):
    return _pp(x, k, generator, weight=lambda d2: d2.sqrt())


@mutant("10.kmeans_pp_init", "distance to the last chosen centre, not the nearest one")
def _pp_last_centre(x, k, generator=None):
    return _pp(x, k, generator, nearest=False)


@mutant("10.kmeans_pp_init", "torch.multinomial on all-zero weights (crashes on duplicate points)")
def _pp_no_fallback(x, k, generator=None):
    n = x.shape[0]
    idx = [int(torch.randint(n, (1,), generator=generator, device="cpu"))]
    d2 = ((x - x[idx[0]]) ** 2).sum(1)
    for _ in range(1, k):
        idx.append(int(torch.multinomial(d2.cpu(), 1, generator=generator)))
        d2 = torch.minimum(d2, ((x - x[idx[-1]]) ** 2).sum(1))
    return x[torch.tensor(idx, device=x.device)]


@mutant("10.kmeans_pp_init", "a fresh generator seeded 0 (repeated calls repeat; generator ignored)")
def _pp_reseeded(x, k, generator=None):
    return _pp(x, k, torch.Generator().manual_seed(0))


@mutant("10.kmeans_pp_init", "the farthest point every time (deterministic, not drawn)")
def _pp_farthest(x, k, generator=None):
    n = x.shape[0]
    idx = [int(torch.randint(n, (1,), generator=generator, device="cpu"))]
    d2 = ((x - x[idx[0]]) ** 2).sum(1)
    for _ in range(1, k):
        idx.append(int(d2.argmax()))
        d2 = torch.minimum(d2, ((x - x[idx[-1]]) ** 2).sum(1))
    return x[torch.tensor(idx, device=x.device)]


@mutant("10.kmeans_pp_init", "weights of the first 512 rows only (a chunk's offset lost)")
def _pp_chunk(x, k, generator=None):
    return _pp(x, k, generator, rows=512)


@mutant("10.kmeans_pp_init", "computed in float32 and cast back")
def _pp_float32(x, k, generator=None):
    return _pp(x.float(), k, generator).to(x.dtype)


@mutant("10.kmeans_pp_init", "output tensor built on the default device")
def _pp_default_device(x, k, generator=None):
    chosen = _pp(x, k, generator)
    out = torch.empty(k, x.shape[1], dtype=x.dtype)
    for j in range(k):
        out[j] = chosen[j]
    return out


@mutant("10.kmeans_pp_init", "draws from the global generator, ignoring `generator`")
def _pp_global(x, k, generator=None):
    return _pp(x, k, None)


# --------------------------------------------------------------------------- 10.matched_accuracy
def _table(clusters, labels, size=None):
    _, ci = torch.unique(clusters, return_inverse=True)
    _, li = torch.unique(labels, return_inverse=True)
    k, c = (int(ci.max()) + 1, int(li.max()) + 1) if size is None else (size, size)
    t = torch.zeros(k, c, dtype=torch.int64, device=clusters.device)
    t.index_put_((ci, li), torch.ones_like(ci), accumulate=True)
    return t


@mutant("10.matched_accuracy", "common wrong answer: raw cluster ids compared with the labels, unmatched")
def _ma_unmatched(clusters, labels):
    return float((clusters.long() == labels.long()).double().mean())


@mutant("10.matched_accuracy", "majority label per cluster (many-to-one: cluster purity)")
def _ma_purity(clusters, labels):
    return float(_table(clusters, labels).max(dim=1).values.sum()) / len(clusters)


@mutant("10.matched_accuracy", "greedy one-to-one matching (largest count first)")
def _ma_greedy(clusters, labels):
    t = _table(clusters, labels).clone()
    total = 0
    for _ in range(min(t.shape)):
        i = int(t.argmax())
        r, c = divmod(i, t.shape[1])
        total += int(t[r, c])
        t[r, :] = -1
        t[:, c] = -1
    return total / len(clusters)


@mutant("10.matched_accuracy", "linear_sum_assignment minimises: the worst matching")
def _ma_minimise(clusters, labels):
    from scipy.optimize import linear_sum_assignment

    t = _table(clusters, labels).numpy()
    r, c = linear_sum_assignment(t)
    return float(t[r, c].sum()) / len(clusters)


@mutant("10.matched_accuracy", "a 10 x 10 contingency matrix indexed by the raw ids (labels >= 10 break it)")
def _ma_ten(clusters, labels):
    from scipy.optimize import linear_sum_assignment

    t = np.zeros((10, 10))
    np.add.at(t, (clusters.numpy() % 10, labels.numpy() % 10), 1)
    r, c = linear_sum_assignment(t, maximize=True)
    return float(t[r, c].sum()) / len(clusters)


@mutant("10.matched_accuracy", "contingency of the first 512 points only")
def _ma_chunk(clusters, labels):
    from scipy.optimize import linear_sum_assignment

    t = _table(clusters[:512], labels[:512]).numpy()
    r, c = linear_sum_assignment(t, maximize=True)
    return float(t[r, c].sum()) / len(clusters)


@mutant("10.matched_accuracy", "contingency matrix made on the default device")
def _ma_default_device(clusters, labels):
    from scipy.optimize import linear_sum_assignment

    _, ci = torch.unique(clusters, return_inverse=True)
    _, li = torch.unique(labels, return_inverse=True)
    t = torch.zeros(int(ci.max()) + 1, int(li.max()) + 1)
    t.index_put_((ci, li), torch.ones(len(ci)), accumulate=True)
    assert int(t.sum()) == len(clusters)  # on the meta device this .item() fails first
    t = t.cpu().numpy()
    r, c = linear_sum_assignment(t, maximize=True)
    return float(t[r, c].sum()) / len(clusters)


# --------------------------------------------------------------------------- 10.confident_labels
@mutant("10.confident_labels", "common wrong answer: no threshold, every prediction kept as a pseudo-label")
def _cl_keep_all(probs, threshold):
    return probs.argmax(dim=1), torch.ones(probs.shape[0], dtype=torch.bool, device=probs.device)


@mutant("10.confident_labels", "strict > threshold (a probability equal to it is dropped)")
def _cl_strict(probs, threshold):
    top, labels = probs.max(dim=1)
    return labels, top > threshold


@mutant("10.confident_labels", "ties go to the highest index")
def _cl_last_tie(probs, threshold):
    c = probs.shape[1]
    top = probs.max(dim=1).values
    return c - 1 - probs.flip(1).argmax(dim=1), top >= threshold


@mutant("10.confident_labels", "a fixed threshold of 0.9 (the argument ignored)")
def _cl_fixed(probs, threshold):
    top, labels = probs.max(dim=1)
    return labels, top >= 0.9


@mutant("10.confident_labels", "compared in float32")
def _cl_float32(probs, threshold):
    top, labels = probs.float().max(dim=1)
    return labels, top >= threshold


@mutant("10.confident_labels", "mask of the first 512 rows only")
def _cl_chunk(probs, threshold):
    top, labels = probs.max(dim=1)
    mask = top >= threshold
    mask[512:] = False
    return labels, mask


@mutant("10.confident_labels", "mask made on the default device")
def _cl_default_device(probs, threshold):
    top, labels = probs.max(dim=1)
    mask = torch.zeros(probs.shape[0], dtype=torch.bool)
    mask[top >= threshold] = True
    return labels, mask


@mutant("10.confident_labels", "labels returned as int32")
def _cl_int32(probs, threshold):
    top, labels = probs.max(dim=1)
    return labels.int(), top >= threshold
