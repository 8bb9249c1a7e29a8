"""Chapter 07: streaming per-feature statistics (Chan et al.'s merge) and ZCA whitening."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...data.preprocess import running_stats, zca
from ..checks import Case, Exercise, against_reference, custom, default_device_test, property_test, register
from ._common import randn

# ----------------------------------------------------------------------------- 07.running_stats
_MERGE = ("Merge two groups: n = n_a + n_b, delta = mean_b - mean_a, mean = mean_a + delta * n_b / n, "
          "M2 = M2_a + M2_b + delta^2 * n_a * n_b / n, with the batch's M2 taken about the batch's own mean.")


def _state(prefix: torch.Tensor):
    """The exact (count, mean, m2) of the rows of prefix: (P, D)."""
    mean = prefix.mean(dim=0)
    return prefix.shape[0], mean, ((prefix - mean) ** 2).sum(dim=0)


def _empty(d: int, dtype=torch.float32):
    return 0, torch.zeros(d, dtype=dtype), torch.zeros(d, dtype=dtype)


def _stats_cases():
    x = randn(9, 4, seed=1) * 2 + 1
    yield Case("the first batch (count 0, zero state), 5 rows x 4 features", (*_empty(4), x[:5]),
               hint="With count 0 the result is the batch's own count, mean and M2 = sum of squared deviations.")
    yield Case("a second batch of 4 rows merged into 5 rows seen", (*_state(x[:5]), x[5:]), hint=_MERGE)
    yield Case("a batch of one row (its own M2 is 0)", (*_state(x[:8]), x[8:]),
               hint="One row: the batch mean is the row and its M2 is 0 (a variance with divisor B - 1 is NaN).")
    far = randn(6, 3, seed=2) + torch.tensor([0.0, 50.0, -20.0])
    yield Case("a batch whose mean is far from the running mean (the between-groups term matters)",
               (*_state(randn(10, 3, seed=3)), far),
               hint="M2 of the union is more than M2_a + M2_b: add delta^2 * n_a * n_b / n.")
    yield Case("unequal counts: 100 rows seen, a batch of 3 (means weighted by counts)",
               (*_state(randn(100, 2, seed=4)), randn(3, 2, seed=5) + 4),
               hint="The new mean weights each part by its count, not 1/2 each.")
    const = torch.full((7, 2), 3.0)
    yield Case("a constant feature (M2 stays 0)", (*_state(const[:4]), const[4:]))
    d64 = randn(12, 3, seed=6, dtype=torch.float64) * 5 + 100
    yield Case("float64 (held to float64 precision)", (*_state(d64[:7]), d64[7:]),
               hint="Keep float64: no float32 round trip.")
    big = randn(700, 5, seed=7) + torch.arange(5.0)
    yield Case("a batch of 600 rows (more than a 512-row chunk)", (*_state(big[:100]), big[100:]),
               hint="Every row of the batch counts, however large the batch is.")
    yield Case("one feature (D = 1)", (*_state(randn(4, 1, seed=8)), randn(3, 1, seed=9)))


@st.composite
def _random_stats(draw):
    prev = draw(st.one_of(st.just(0), st.integers(1, 200)))
    b = draw(st.one_of(st.integers(1, 200), st.integers(513, 640)))
    d, seed = draw(st.integers(1, 6)), draw(st.integers(0, 9999))
    offset = draw(st.sampled_from([0.0, 3.0, -40.0]))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    x = randn(prev + b, d, seed=seed, dtype=dtype) * 2 + offset
    state = _empty(d, dtype) if prev == 0 else _state(x[:prev])
    return Case(f"{prev} rows seen, a batch of {b}, D={d}, offset {offset}, {dtype}, seed={seed}",
                (*state, x[prev:]))


def _stream(fn, x: torch.Tensor, sizes):
    """Feed x: (N, D) through fn in batches of the given sizes; return (count, mean, m2)."""
    state = _empty(x.shape[1], x.dtype)
    for part in x.split(list(sizes)):
        state = fn(*state, part)
    return state


def _offset_stream(fn) -> str | None:
    """1e8 + unit noise in float64, streamed in batches of 1, 7, 300 and 692 rows: the variance
    must match torch.var_mean over the whole set to 1e-6 relative."""
    x = 1e8 + randn(1000, 3, seed=11, dtype=torch.float64)
    count, mean, m2 = _stream(fn, x, (1, 7, 300, 692))
    var, want_mean = torch.var_mean(x, dim=0)
    if int(count) != 1000:
        return f"count after 1000 rows is {count}"
    err = ((m2 / 999 - var) / var).abs().max().item()
    if not err <= 1e-6:  # NaN included
        return (f"streamed 1e8 + noise (float64): M2 / (n - 1) is off torch.var_mean by {err:.3g} relative "
                "(sum of squares minus n * mean^2 cancels catastrophically far from 0: merge deviations instead)")
    if ((mean - want_mean).abs() > 1e-6).any():
        return "streamed 1e8 + noise (float64): the mean is off torch.var_mean's"
    return None


register(Exercise(
    id="07.running_stats",
    title="running_stats(count, mean, m2, batch): merge a batch into the running per-feature statistics",
    reference=running_stats,
    tests=[against_reference(running_stats, _stats_cases),
           custom("1e8 + noise streamed in batches of 1, 7, 300, 692 rows", _offset_stream),
           property_test(running_stats, _random_stats()),
           default_device_test(running_stats, _stats_cases)],
    hint="Treat the running state and the batch as two groups and apply the merge formula of the "
         "theory section; check the failing case by hand for one feature.",
))


# ----------------------------------------------------------------------------- 07.zca
def _correlated(n: int, d: int, seed: int, dtype=torch.float32, offset: float = 0.0):
    """(N, D) rows with correlated features of different scales: standard normals times a fixed,
    well-conditioned mixing matrix (each feature mixed with its neighbour)."""
    mix = (torch.eye(d, dtype=torch.float64) + 0.7 * torch.diag(torch.ones(d - 1, dtype=torch.float64), 1))
    mix = mix * (1 + 0.5 * torch.arange(d, dtype=torch.float64))  # column scales 1, 1.5, 2, ...
    return (randn(n, d, seed=seed, dtype=torch.float64) @ mix + offset).to(dtype)


def _zca_cases():
    yield Case("200 rows, 3 correlated features, eps 1e-5", (_correlated(200, 3, 1),), {"eps": 1e-5},
               hint="W = U diag(1/sqrt(lambda + eps)) U^T from the covariance of the centred data.")
    yield Case("data with a large mean (centre first)", (_correlated(150, 4, 2, offset=5.0),), {"eps": 1e-5},
               hint="The covariance is of x - mean; return that mean too.")
    yield Case("eps = 0.5 (eps is added to every eigenvalue)", (_correlated(200, 3, 3),), {"eps": 0.5},
               hint="eps goes inside the square root: 1/sqrt(lambda + eps), for every eigenvalue.")
    yield Case("the covariance divides by N, not N - 1", (_correlated(12, 3, 4, dtype=torch.float64),),
               {"eps": 1e-5}, hint="C = (x - mean)^T (x - mean) / N, the divisor N (not torch.cov's N - 1).")
    const = _correlated(80, 4, 5, dtype=torch.float64)
    const[:, 2] = 7.0
    yield Case("a constant feature (eigenvalue 0: eps keeps W finite)", (const,), {"eps": 1e-3},
               hint="A constant feature has variance 0: 1/sqrt(0 + eps) is finite; 1/(sqrt(0) + eps) or no eps is not.")
    yield Case("float64 (held to float64 precision)", (_correlated(100, 5, 6, dtype=torch.float64),), {"eps": 1e-5},
               hint="Keep float64: no float32 round trip.")
    yield Case("600 rows (more than a 512-row chunk)", (_correlated(600, 4, 7),), {"eps": 1e-5},
               hint="Every row enters the mean and the covariance.")
    yield Case("one feature (D = 1)", (_correlated(50, 1, 8),), {"eps": 1e-5})
    yield Case("a single row (covariance 0: W = I / sqrt(eps))", (_correlated(1, 3, 9, dtype=torch.float64),),
               {"eps": 0.01}, hint="One row: the centred data is 0, the covariance is 0, every eigenvalue 0.")


@st.composite
def _random_zca(draw):
    n = draw(st.one_of(st.integers(2, 200), st.integers(513, 640)))
    d, seed = draw(st.integers(1, 6)), draw(st.integers(0, 9999))
    eps = draw(st.sampled_from([1e-5, 1e-2, 0.3]))
    return Case(f"N={n}, D={d}, eps={eps}, seed={seed} (float64)",
                (_correlated(n, d, seed, dtype=torch.float64, offset=1.0),), {"eps": eps})


def _whitens(fn) -> str | None:
    """W is symmetric, and the whitened data's covariance (divisor N) is the identity up to eps."""
    x = _correlated(400, 4, 21, dtype=torch.float64, offset=2.0)
    out = fn(x, eps=1e-9)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        return f"return a pair (W, mean), got {type(out).__name__}"
    w, mean = out
    if not torch.allclose(w, w.T, atol=1e-9):
        return "W is not symmetric: rotate back with U after scaling (ZCA), not just diag(.) U^T (PCA whitening)"
    z = (x - mean) @ w
    cov = z.T @ z / len(x)  # (4, 4)
    gap = cov - torch.eye(4, dtype=x.dtype)
    if gap.abs().max() <= 1e-6:
        return None
    if (gap.diagonal() - (-1 / len(x))).abs().max() < 1e-6:
        return "(x - mean) @ W has variance (N - 1) / N per feature: the covariance must divide by N, not N - 1"
    if gap.abs().max() <= 1e-5:
        return (f"(x - mean) @ W has covariance I only to {gap.abs().max().item():.2g}, far from float64 "
                "precision: was it computed in float32?")
    off = (gap - torch.diag(gap.diagonal())).abs().max().item()
    if off > 1e-3:
        return (f"(x - mean) @ W still has correlated features (largest off-diagonal covariance {off:.3g}): "
                "whitening needs the covariance of the centred data, all of it, not only its diagonal")
    return (f"(x - mean) @ W, eps = 1e-9, should have covariance I; its diagonal is "
            f"{[round(v, 8) for v in cov.diagonal().tolist()]} (is eps honoured? is x centred with its mean?)")


register(Exercise(
    id="07.zca",
    title="zca(x, eps): the ZCA whitening matrix W = (C + eps I)^(-1/2) and the mean",
    reference=zca,
    tests=[custom("W symmetric, whitened covariance the identity (400 rows, eps 1e-9)", _whitens),
           against_reference(zca, _zca_cases),
           property_test(zca, _random_zca()),
           default_device_test(zca, _zca_cases)],
    hint="Centre, form C with divisor N, eigendecompose it, and rebuild W = U diag(1/sqrt(lambda + eps)) U^T.",
))
