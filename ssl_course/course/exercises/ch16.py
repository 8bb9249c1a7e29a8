"""Chapter 16: BERT's masking (16.mask_tokens) and the loss on masked positions only (16.mlm_loss).

The cases cover: more than 512 rows, repeated calls with one generator (and generator=None), the
80/10/10 rule tested statistically over many draws (binomial tolerance) besides exact agreement with
the reference's draws, padding and other special tokens never chosen, vocabularies of 10 or more,
every keyword (vocab_size, mask_id, n_special, mask_prob), rows with nothing to mask, int32 labels,
float64 logits, large logits (overflow), and the meta default device."""
from __future__ import annotations

import math

import torch
from hypothesis import strategies as st

from ...text.mlm import IGNORE, mask_tokens, mlm_loss
from ..checks import Case, custom, generator_test, reference_exercise
from ._common import OVERFLOW_HINT, randn


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _ids(n: int, length: int, vocab: int, seed: int, n_special: int = 5, pad_from: int | None = None) -> torch.Tensor:
    """(n, length) word ids in [n_special, vocab), [CLS]=2 first, [PAD]=0 from column pad_from on."""
    ids = torch.randint(n_special, vocab, (n, length), generator=_gen(seed))
    ids[:, 0] = 2
    if pad_from is not None:
        ids[:, pad_from:] = 0
    return ids


# ----------------------------------------------------------------------------- 16.mask_tokens
_ORDER = ("The draws, in order, all of shape ids.shape: u = torch.rand (chosen where u < mask_prob), "
          "v = torch.rand (v < 0.8: [MASK]; 0.8 <= v < 0.9: random token; else unchanged), "
          "r = torch.randint(n_special, vocab_size) (the random tokens); all three are drawn for every position.")
_SPECIAL = "Ids below n_special ([PAD], [UNK], [CLS], [SEP], [MASK]) are never chosen: their label stays -100."
_LABELS = "labels hold the ORIGINAL id at chosen positions (all of them, whatever they became) and -100 elsewhere."


def _mask_cases():
    yield Case("4 rows of 12 tokens, vocabulary 50", (_ids(4, 12, 50, seed=1), 50), {"generator": _gen(0)},
               hint=_ORDER)
    yield Case("padded rows ([PAD]=0 from column 6 on)", (_ids(6, 10, 30, seed=2, pad_from=6), 30),
               {"generator": _gen(1)}, hint=_SPECIAL)
    yield Case("mask_prob=0.5", (_ids(5, 8, 40, seed=3), 40), {"mask_prob": 0.5, "generator": _gen(2)}, hint=_ORDER)
    yield Case("mask_prob=1.0 (every non-special token chosen)", (_ids(3, 9, 20, seed=4, pad_from=7), 20),
               {"mask_prob": 1.0, "generator": _gen(3)}, hint=_LABELS)
    yield Case("mask_prob=0 (nothing chosen: inputs unchanged, labels all -100)", (_ids(3, 9, 20, seed=5), 20),
               {"mask_prob": 0.0, "generator": _gen(4)}, hint=_LABELS)
    ids = _ids(4, 10, 60, seed=6, n_special=8)
    yield Case("n_special=8, mask_id=7 (ids 5..7 are special too)", (ids, 60),
               {"mask_id": 7, "n_special": 8, "mask_prob": 0.6, "generator": _gen(5)}, hint=_SPECIAL)
    yield Case("a vocabulary of 11 (random tokens in 5..10)", (_ids(20, 10, 11, seed=7), 11),
               {"mask_prob": 0.9, "generator": _gen(6)},
               hint="Random replacements come from torch.randint(n_special, vocab_size): never a special token.")
    yield Case("a row that is all [PAD]", (torch.zeros(2, 7, dtype=torch.long), 30), {"generator": _gen(7)},
               hint=_SPECIAL)
    yield Case("700 rows of 20 (more than a 512-row chunk)", (_ids(700, 20, 100, seed=8, pad_from=15), 100),
               {"generator": _gen(8)}, hint="Every row gets its own draws from the one generator, however many rows.")
    yield Case("a single sequence of 1000 tokens, mask_prob=0.3", (_ids(1, 1000, 500, seed=9), 500),
               {"mask_prob": 0.3, "generator": _gen(9)}, hint=_ORDER)


@st.composite
def _random_batches(draw):
    n = draw(st.one_of(st.integers(1, 20), st.integers(513, 600)))
    length, vocab = draw(st.integers(1, 24)), draw(st.integers(6, 300))
    seed, gseed = draw(st.integers(0, 9999)), draw(st.integers(0, 9999))
    p = draw(st.sampled_from([0.15, 0.3, 0.8]))
    pad_from = draw(st.one_of(st.none(), st.integers(1, length)))
    return Case(f"random ({n}, {length}) ids, vocabulary {vocab}, mask_prob {p}, pad from {pad_from}, seed={seed}",
                (_ids(n, length, vocab, seed, pad_from=pad_from), vocab),
                {"mask_prob": p, "generator": _gen(gseed)}, hint=_ORDER)


def _mask_generator_case(generator):
    return Case("(50, 16) padded ids, vocabulary 80", (_ids(50, 16, 80, seed=11, pad_from=12), 80),
                {"generator": generator})


def _binomial_ok(count: int, n: int, p: float, z: float = 5.0) -> bool:
    return abs(count - n * p) <= z * math.sqrt(n * p * (1 - p)) + 1


def _statistics(fn) -> str | None:
    """The 80/10/10 rule over many draws: rates within 5 binomial standard deviations."""
    vocab, ids = 1000, _ids(400, 64, 1000, seed=12, pad_from=48)
    out = fn(ids, vocab, generator=_gen(13))
    if not (isinstance(out, tuple) and len(out) == 2):
        return "must return a pair (inputs, labels)"
    inputs, labels = out
    eligible = ids >= 5
    chosen = labels != IGNORE
    if isinstance(inputs, torch.Tensor) and inputs.shape == ids.shape and torch.equal(inputs, ids):
        return "inputs == ids: nothing was hidden (about 12% of the word tokens, 80% of the chosen, must become mask_id)"
    if bool((chosen & ~eligible).any()):
        return f"{int((chosen & ~eligible).sum())} special tokens ([CLS] or [PAD]) were chosen: never choose ids < n_special"
    if not torch.equal(labels[chosen], ids[chosen]):
        return "labels at chosen positions must be the original ids"
    if bool((inputs[~chosen] != ids[~chosen]).any()):
        return "a position that was not chosen (label -100) was changed: only chosen positions may change"
    n, k = int(eligible.sum()), int(chosen.sum())
    if not _binomial_ok(k, n, 0.15):
        return f"{k} of {n} eligible tokens chosen ({k / n:.3f}); expected about 0.15 (mask_prob)"
    masked = int((inputs[chosen] == 4).sum())
    same = int((inputs[chosen] == ids[chosen]).sum())
    other = k - masked - same
    # a random token equals the original with probability 1/(vocab - n_special)
    p_same = 0.1 + 0.1 / (vocab - 5)
    for what, c, p in [("[MASK]", masked, 0.8), ("a different token", other, 0.1 - 0.1 / (vocab - 5)),
                       ("unchanged", same, p_same)]:
        if not _binomial_ok(c, k, p):
            return (f"of {k} chosen tokens, {c} ({c / k:.3f}) became {what}; the 80/10/10 rule expects "
                    f"{p:.3f}")
    return None


reference_exercise(
    "16.mask_tokens",
    "mask_tokens(ids, vocab_size, ...): choose 15% of the non-special tokens; 80% -> [MASK], 10% -> random, 10% kept",
    mask_tokens, _mask_cases, _random_batches(),
    hint="Draw the three tensors (u, v, r) first, then build the chosen mask, the labels and the inputs from them.",
    extra_tests=[custom("the 80/10/10 rule over 25,600 tokens (binomial tolerance, 5 sigma)", _statistics),
                 generator_test(mask_tokens, _mask_generator_case)],
)


# ----------------------------------------------------------------------------- 16.mlm_loss
_ONLY_MASKED = ("Average over the labelled positions only (label != -100): the unlabelled ones are neither "
                "counted in the sum nor in the denominator.")


def _labels(n: int, length: int, vocab: int, seed: int, p: float = 0.3) -> torch.Tensor:
    g = _gen(seed)
    y = torch.randint(0, vocab, (n, length), generator=g)
    return torch.where(torch.rand(n, length, generator=g) < p, y, torch.full_like(y, IGNORE))


def _loss_cases():
    yield Case("(2, 5, 7) logits, 30% of positions labelled", (randn(2, 5, 7, seed=1), _labels(2, 5, 7, seed=1)),
               hint=_ONLY_MASKED)
    yield Case("float64 logits", (randn(3, 4, 6, seed=2, dtype=torch.float64), _labels(3, 4, 6, seed=2, p=0.5)),
               hint="Compute in the logits' dtype: float64 in, float64 out.")
    yield Case("labels of 10 and more (vocabulary 40)", (randn(4, 6, 40, seed=3), _labels(4, 6, 40, seed=3)),
               hint="Labels index the vocabulary dimension: all V logits, not the first 10.")
    yield Case("label 0 ([PAD]'s id) is a real label here", (randn(2, 3, 5, seed=4),
                                                             torch.tensor([[0, IGNORE, 0], [IGNORE, 4, 0]])),
               hint="Only -100 means 'no label'; 0 is a token like any other.")
    yield Case("int32 labels", (randn(3, 5, 9, seed=5), _labels(3, 5, 9, seed=5).int()), hint=_ONLY_MASKED)
    yield Case("logits up to 1000 (a naive exp overflows)", (randn(2, 4, 6, seed=6, scale=400.0),
                                                               _labels(2, 4, 6, seed=6, p=0.6)), hint=OVERFLOW_HINT)
    yield Case("every position labelled", (randn(2, 3, 4, seed=7), torch.randint(0, 4, (2, 3), generator=_gen(7))))
    yield Case("no position labelled (the loss is 0, not NaN)",
               (randn(2, 3, 4, seed=8), torch.full((2, 3), IGNORE)),
               hint="With no labelled position, return 0 in the logits' dtype (e.g. logits.sum() * 0).")
    yield Case("one position labelled", (randn(3, 3, 5, seed=9),
                                         torch.tensor([[IGNORE] * 3, [IGNORE, 2, IGNORE], [IGNORE] * 3])),
               hint=_ONLY_MASKED)
    yield Case("600 sequences of 8 (more than a 512-row chunk)", (randn(600, 8, 12, seed=10),
                                                                   _labels(600, 8, 12, seed=10, p=0.15)),
               hint="Every labelled position of every sequence counts, however many sequences.")


@st.composite
def _random_logits(draw):
    n = draw(st.one_of(st.integers(1, 12), st.integers(513, 560)))
    length, vocab = draw(st.integers(1, 10)), draw(st.integers(1, 30))
    seed, p = draw(st.integers(0, 9999)), draw(st.sampled_from([0.0, 0.15, 0.5, 1.0]))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    return Case(f"random ({n}, {length}, {vocab}) {str(dtype).replace('torch.', '')} logits, {p:.0%} labelled, "
                f"seed={seed}", (randn(n, length, vocab, seed=seed, dtype=dtype), _labels(n, length, vocab, seed, p)),
                hint=_ONLY_MASKED)


reference_exercise(
    "16.mlm_loss",
    "mlm_loss(logits, labels): mean cross-entropy over the positions whose label is not -100",
    mlm_loss, _loss_cases, _random_logits(), grad=True,
    hint="Flatten to (N*L, V) and (N*L,), keep the rows whose label is not -100, then the usual cross-entropy.",
)
