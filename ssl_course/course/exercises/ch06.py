"""Chapter 06: negatives drawn from the data. The noise distribution (unigram^0.75), the
skip-gram negative-sampling loss, and MoCo's queue update with wrap-around."""
from __future__ import annotations

import math

import torch
from hypothesis import strategies as st

from ...contrastive.negatives import enqueue, noise_distribution, sgns_loss
from ..checks import Case, custom, reference_exercise
from ._common import randn

# ----------------------------------------------------------------------------- 06.noise_distribution
_ZERO_HINT = ("A word with count 0 never occurs, so it is never a negative: its probability is 0 for every "
              "power, 0 included (0 ** 0 is 1 in Python and torch).")
_DTYPE_HINT = "Floating counts keep their dtype (float64 stays float64); integer counts give float32."


def _zipf(v: int, seed: int, dtype=torch.int64) -> torch.Tensor:
    """(V,) word counts with a Zipf-like tail and a few zeros: the shape of real word counts."""
    g = torch.Generator().manual_seed(seed)
    ranks = torch.randperm(v, generator=g).double() + 1
    counts = (5000 / ranks).floor()
    counts[torch.rand(v, generator=g) < 0.1] = 0
    counts[int(torch.randint(v, (1,), generator=g))] = 7  # at least one positive count
    return counts.to(dtype)


def _noise_cases():
    counts = torch.tensor([50, 20, 0, 5, 1])
    yield Case("counts [50, 20, 0, 5, 1], power 0.75 (word2vec)", (counts,),
               hint="Raise every count to the power, then divide by the sum of the powered counts.")
    yield Case("power 1: the unigram distribution", (counts,), {"power": 1.0},
               hint="Use the power you are given, not a fixed 0.75.")
    yield Case("power 0.5", (counts,), {"power": 0.5}, hint="Use the power you are given, not a fixed 0.75.")
    yield Case("power 0: uniform over the words that occur, zero counts stay at 0", (counts,), {"power": 0.0},
               hint=_ZERO_HINT)
    yield Case("float64 counts: float64 probabilities", (counts.double() + 0.5,), hint=_DTYPE_HINT)
    yield Case("int32 counts: float32 probabilities", (counts.int(),), hint=_DTYPE_HINT)
    yield Case("float32 fractional counts (weighted occurrences)", (torch.tensor([0.25, 3.5, 0.0, 12.0]),),
               {"power": 0.75})
    yield Case("a single word", (torch.tensor([3]),), hint="One word that occurs gets probability 1.")
    yield Case("one word occurs, the others never", (torch.tensor([0, 0, 9, 0]),), {"power": 0.0},
               hint=_ZERO_HINT)
    yield Case("a vocabulary of 1000 words (more than a 512-word chunk), power 0.75", (_zipf(1000, seed=1),),
               hint="Normalise by the sum over the WHOLE vocabulary, not per chunk.")
    yield Case("1000 float64 counts, power 0", (_zipf(1000, seed=2, dtype=torch.float64),), {"power": 0.0},
               hint=_ZERO_HINT)


@st.composite
def _random_counts(draw):
    v = draw(st.one_of(st.integers(1, 40), st.integers(513, 800)))
    seed = draw(st.integers(0, 9999))
    power = draw(st.sampled_from([0.0, 0.5, 0.75, 1.0, 1.5]))
    dtype = draw(st.sampled_from([torch.int64, torch.float32, torch.float64]))
    return Case(f"V={v} counts ({str(dtype).replace('torch.', '')}), seed={seed}, power={power}",
                (_zipf(v, seed, dtype),), {"power": power})


def _raises_on_bad_counts(fn) -> str | None:
    """Negative counts and all-zero counts are mistakes of the caller: a ValueError, not NaNs."""
    for label, counts in (("counts with a negative entry [3, -1, 2]", torch.tensor([3, -1, 2])),
                          ("all-zero counts [0, 0, 0]", torch.tensor([0, 0, 0]))):
        try:
            out = fn(counts)
        except ValueError:
            continue
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            return f"{label}: raised {type(exc).__name__}, expected a ValueError that names the problem"
        return (f"{label}: returned {out!r} instead of raising a ValueError (a count is a number of "
                "occurrences: it cannot be negative, and all zeros leave nothing to sample)")
    return None


reference_exercise(
    "06.noise_distribution",
    "noise_distribution(counts, power=0.75): word2vec's P_n(w) = c_w^power / sum_v c_v^power",
    noise_distribution, _noise_cases, _random_counts(),
    hint="Work the failing case by hand: the powered counts, their sum, and which words must stay at 0.",
    extra_tests=[custom("invalid counts raise a ValueError", _raises_on_bad_counts)],
)


# ----------------------------------------------------------------------------- 06.sgns
_STABLE_HINT = ("Dot products of hundreds: sigmoid() rounds to exactly 0 or 1 and log() gives -inf. "
                "Use F.logsigmoid, which computes log sigmoid(x) without forming sigmoid(x).")


def _sgns_batch(b: int, k: int, d: int, seed: int, dtype=torch.float32, scale: float = 1.0):
    return (randn(b, d, seed=seed, dtype=dtype, scale=scale), randn(b, d, seed=seed + 1, dtype=dtype, scale=scale),
            randn(b, k, d, seed=seed + 2, dtype=dtype, scale=scale))


def _sgns_cases():
    yield Case("B=4 pairs, K=3 negatives, D=5", _sgns_batch(4, 3, 5, seed=1),
               hint="Per pair: -log sigmoid(u.v) - sum over the K negatives of log sigmoid(-u.n_k); then the mean.")
    yield Case("one pair, one negative", _sgns_batch(1, 1, 4, seed=2))
    yield Case("K=20 negatives: summed per pair, not averaged", _sgns_batch(6, 20, 3, seed=3),
               hint="The K negative terms are added to the pair's loss (word2vec's objective), not averaged.")
    yield Case("float64 inputs", _sgns_batch(5, 4, 3, seed=4, dtype=torch.float64),
               hint="Compute in the inputs' dtype: float64 in, float64 arithmetic and result out.")
    yield Case("dot products of several hundred (float32)", _sgns_batch(4, 3, 8, seed=5, scale=8.0),
               hint=_STABLE_HINT)
    yield Case("dot products of several hundred (float64)", _sgns_batch(4, 3, 8, seed=6, dtype=torch.float64,
                                                                        scale=12.0), hint=_STABLE_HINT)
    c, x, n = _sgns_batch(5, 2, 3, seed=7)
    c[2] = 0.0
    yield Case("an all-zero center vector (its pair costs (1 + K) log 2)", (c, x, n))
    c, x, _ = _sgns_batch(3, 1, 4, seed=8)
    yield Case("each negative equal to the pair's own context", (c, x, x[:, None].repeat(1, 4, 1)),
               hint="The negatives are the rows you are given, whatever they are: do not draw your own.")
    c, x, n = _sgns_batch(7, 3, 2, seed=9)
    perm = torch.randperm(7, generator=torch.Generator().manual_seed(0))
    yield Case("the same pairs in another order", (c[perm], x[perm], n[perm]),
               hint="The loss is a mean over pairs: reordering them together must not change it.")
    yield Case("600 pairs (more than a 512-row chunk)", _sgns_batch(600, 5, 4, seed=10),
               hint="The mean is over all B pairs: if you work in chunks, weight each by its size.")


@st.composite
def _random_sgns(draw):
    b = draw(st.one_of(st.integers(1, 16), st.integers(513, 600)))
    k, d = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    seed, scale = draw(st.integers(0, 9999)), draw(st.sampled_from([0.3, 1.0, 3.0]))
    return Case(f"B={b}, K={k}, D={d}, scale {scale}, seed={seed}", _sgns_batch(b, k, d, seed, scale=scale))


def _zero_vectors(fn) -> str | None:
    """Every dot product 0: each term is log 2, so the loss is exactly (1 + K) log 2."""
    k = 5
    value = float(fn(torch.zeros(3, 4, dtype=torch.float64), torch.ones(3, 4, dtype=torch.float64),
                     torch.ones(3, k, 4, dtype=torch.float64)))
    want = (1 + k) * math.log(2)
    if abs(value - want) < 1e-6:  # loose: float64 precision is the fixed cases' job
        return None
    hint = " (the K negative terms are summed, not averaged)" if abs(value - 2 * math.log(2)) < 1e-6 else ""
    return f"with every dot product 0 and K=5 the loss is (1 + K) log 2 = {want:.6f}, got {value:.6f}{hint}"


reference_exercise(
    "06.sgns",
    "sgns(center, context, negatives): -log σ(u·v) - Σ_k log σ(-u·n_k), mean over the batch",
    sgns_loss, _sgns_cases, _random_sgns(), grad=True,
    hint="Write the two dot products with their shapes: (B,) for the pairs, (B, K) for the negatives.",
    extra_tests=[custom("all dot products zero", _zero_vectors)],
)


# ----------------------------------------------------------------------------- 06.queue
_WRAP_HINT = ("Key i goes to row (ptr + i) % K: a batch that crosses the end of the queue continues at row 0, "
              "and the new pointer is (ptr + B) % K.")
_BIG_HINT = ("A batch larger than the queue: writing the keys one at a time, the last K keys are the ones "
             "left, and key i still sits at row (ptr + i) % K.")


def _queue_case(name, k, d, ptr, b, seed, dtype=torch.float32, keys_dtype=None, hint=""):
    queue, keys = randn(k, d, seed=seed, dtype=dtype), randn(b, d, seed=seed + 1, dtype=keys_dtype or dtype)
    return Case(name, (queue, ptr, keys), hint=hint)


def _queue_cases():
    yield _queue_case("K=8, ptr 0, a batch of 2", 8, 3, 0, 2, seed=1,
                      hint="The keys go to rows ptr .. ptr + B - 1; the other rows are unchanged.")
    yield _queue_case("K=8, ptr 4, a batch of 4 that ends exactly at the end (new ptr 0)", 8, 3, 4, 4, seed=2,
                      hint=_WRAP_HINT)
    yield _queue_case("K=8, ptr 6, a batch of 4 that crosses the end", 8, 3, 6, 4, seed=3, hint=_WRAP_HINT)
    yield _queue_case("K=6, ptr 5, a batch of 1", 6, 2, 5, 1, seed=4, hint=_WRAP_HINT)
    yield _queue_case("a batch as large as the queue (K=B=5, ptr 3)", 5, 2, 3, 5, seed=5, hint=_WRAP_HINT)
    yield _queue_case("a batch larger than the queue (K=5, B=7, ptr 3)", 5, 2, 3, 7, seed=6, hint=_BIG_HINT)
    yield _queue_case("a batch of 2K + 1 keys (K=4, B=9, ptr 1)", 4, 3, 1, 9, seed=7, hint=_BIG_HINT)
    yield _queue_case("a float64 queue", 7, 4, 2, 3, seed=8, dtype=torch.float64,
                      hint="The new queue has the queue's dtype and device.")
    yield _queue_case("float64 keys into a float32 queue (stored as float32)", 7, 4, 5, 3, seed=9,
                      keys_dtype=torch.float64, hint="Keys are cast to the queue's dtype.")
    yield _queue_case("one-dimensional keys (D=1)", 6, 1, 4, 4, seed=10, hint=_WRAP_HINT)
    yield _queue_case("K=1000, ptr 700, a batch of 600 (past a 512-row chunk, crossing the end)",
                      1000, 3, 700, 600, seed=11, hint=_WRAP_HINT)
    yield _queue_case("K=4096, ptr 0, a batch of 600", 4096, 2, 0, 600, seed=12,
                      hint="Every key has its own row, however large the batch.")


@st.composite
def _random_queue(draw):
    k = draw(st.one_of(st.integers(1, 40), st.integers(513, 700)))
    b = draw(st.integers(1, 2 * k + 1))
    ptr, d, seed = draw(st.integers(0, k - 1)), draw(st.integers(1, 5)), draw(st.integers(0, 9999))
    return _queue_case(f"K={k}, D={d}, ptr {ptr}, B={b}, seed={seed}", k, d, ptr, b, seed)


def _many_steps(fn) -> str | None:
    """Twenty enqueues of 3 keys into a queue of 8: the queue must hold the 8 newest keys."""
    k, b, d = 8, 3, 2
    queue, ptr = torch.zeros(k, d, dtype=torch.float64), 0
    keys = torch.arange(1, 20 * b + 1, dtype=torch.float64)[:, None].repeat(1, d)  # key i is the number i
    for step in range(20):
        queue, ptr = fn(queue, ptr, keys[step * b:(step + 1) * b])
        ptr = int(ptr)
    newest = set(range(20 * b - k + 1, 20 * b + 1))
    held = {int(v) for v in queue[:, 0].tolist()}
    if held != newest:
        return (f"after 20 batches of 3 keys numbered 1..60 a queue of 8 must hold the 8 newest, "
                f"{sorted(newest)}; it holds {sorted(held)}")
    return None


reference_exercise(
    "06.queue",
    "enqueue(queue, ptr, keys): MoCo's ring buffer, newest keys in, oldest out, wrapping round",
    enqueue, _queue_cases, _random_queue(),
    hint="Draw the K rows as a circle: which row does key i of the batch go to, and where does ptr end?",
    extra_tests=[custom("twenty enqueues in a row", _many_steps)],
)
