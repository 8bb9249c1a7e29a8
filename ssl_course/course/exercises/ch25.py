"""Chapter 25: next-token targets (25.shift_targets), perplexity from summed NLL (25.perplexity) and an
add-alpha bigram model (25.bigram).

The cases cover: more than 512 rows, a 100,000-token stream, rows with very different numbers of targets
(a mean of per-row perplexities differs), padding at either end and a pad id other than 0, windows of one
token, int32 ids, vocabularies of 10 or more and tokens that never occur, float64 logits and results,
logits large enough to overflow exp, every keyword (pad_id, vocab_size, alpha), and the meta default
device."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...text.lstm import IGNORE, bigram_log_probs, perplexity, shift_targets
from ..checks import Case, reference_exercise
from ._common import OVERFLOW_HINT, randn


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _ids(n: int, length: int, vocab: int, seed: int, low: int = 0) -> torch.Tensor:
    return torch.randint(low, vocab, (n, length), generator=_gen(seed))


# ----------------------------------------------------------------------------- 25.shift_targets
_SHIFT = ("Position t predicts the NEXT token: targets[:, t] = ids[:, t + 1] at every position t < L - 1 "
          "(all of them, not only the last), and the last position has no target (-100).")
_PAD = "Only positions whose TARGET (the next token) is pad_id become -100; a pad in the input does not matter."


def _shift_cases():
    yield Case("3 windows of 6 tokens", (_ids(3, 6, 30, seed=1),), hint=_SHIFT)
    yield Case("int32 ids (the targets keep the ids' dtype)", (_ids(4, 5, 12, seed=2).int(),),
               hint="Build the targets from ids (torch.full_like(ids, -100)): same dtype and device.")
    right = _ids(4, 8, 20, seed=3, low=5)
    right[:, 5:] = 0
    yield Case("right-padded rows, pad_id=0", (right,), {"pad_id": 0}, hint=_PAD)
    left = _ids(3, 7, 20, seed=4, low=5)
    left[:, :3] = 0
    yield Case("left-padded rows, pad_id=0 (a pad followed by a word still has a target)", (left,), {"pad_id": 0},
               hint=_PAD)
    seven = _ids(5, 9, 11, seed=5)
    seven[:, -3:] = 7
    yield Case("pad_id=7 (not 0)", (seven,), {"pad_id": 7}, hint="Use the pad_id you are given.")
    yield Case("pad_id=None: token 0 is an ordinary token", (_ids(3, 6, 3, seed=6),), hint=_SHIFT)
    yield Case("windows of one token (nothing to predict)", (_ids(4, 1, 9, seed=7),), hint=_SHIFT)
    yield Case("700 windows of 33 tokens, vocabulary 40 (more than a 512-row chunk)", (_ids(700, 33, 40, seed=8),),
               hint=_SHIFT)


@st.composite
def _random_windows(draw):
    n = draw(st.one_of(st.integers(1, 12), st.integers(513, 560)))
    length, vocab, seed = draw(st.integers(1, 20)), draw(st.integers(2, 50)), draw(st.integers(0, 9999))
    pad = draw(st.one_of(st.none(), st.integers(0, vocab - 1)))
    kwargs = {} if pad is None else {"pad_id": pad}
    return Case(f"random ({n}, {length}) ids, vocabulary {vocab}, pad_id={pad}, seed={seed}",
                (_ids(n, length, vocab, seed),), kwargs, hint=_SHIFT)


reference_exercise(
    "25.shift_targets",
    "shift_targets(ids, pad_id=None): the next token as the target at every position, -100 where there is none",
    shift_targets, _shift_cases, _random_windows(),
    hint="Start from a tensor of -100 shaped like ids and copy ids shifted one step to the left into it.",
)


# ----------------------------------------------------------------------------- 25.perplexity
_POOLED = ("Perplexity is exp(total NLL / total number of targets): every target counts once, whichever row it "
           "is in. A mean of per-row perplexities (or of per-row mean NLLs) weighs short rows too much.")


def _targets(n: int, length: int, vocab: int, seed: int, p_keep: float = 0.7) -> torch.Tensor:
    g = _gen(seed + 1000)
    y = torch.randint(0, vocab, (n, length), generator=g)
    return torch.where(torch.rand(n, length, generator=g) < p_keep, y, torch.full_like(y, IGNORE))


def _ragged() -> tuple[torch.Tensor, torch.Tensor]:
    """Row 0: one target, predicted badly; row 1: twelve targets, predicted well."""
    logits = randn(2, 12, 6, seed=11) * 0.1
    targets = torch.full((2, 12), IGNORE)
    targets[0, 0] = 3
    logits[0, 0, 3] = -4.0
    targets[1] = torch.arange(12) % 6
    logits[1, torch.arange(12), torch.arange(12) % 6] = 3.0
    return logits, targets


def _ppl_cases():
    yield Case("(2, 5, 7) logits, 30% of positions without a target", (randn(2, 5, 7, seed=1), _targets(2, 5, 7, 1)),
               hint=_POOLED)
    yield Case("rows with 1 and 12 targets (one bad guess, twelve good ones)", _ragged(), hint=_POOLED)
    yield Case("float64 logits", (randn(3, 4, 9, seed=2, dtype=torch.float64), _targets(3, 4, 9, 2)),
               hint="Compute in the logits' dtype: float64 in, float64 out.")
    yield Case("targets of 10 and more (vocabulary 40)", (randn(4, 6, 40, seed=3), _targets(4, 6, 40, 3)),
               hint="Targets index the vocabulary dimension: all V logits.")
    yield Case("target 0 is a real token here", (randn(2, 3, 5, seed=4), torch.tensor([[0, IGNORE, 0], [IGNORE, 4, 0]])),
               hint="Only -100 means 'no target'; 0 is a token like any other.")
    yield Case("int32 targets", (randn(3, 5, 9, seed=5), _targets(3, 5, 9, 5).int()), hint=_POOLED)
    yield Case("logits near 1000 (a naive exp overflows)", (randn(2, 4, 6, seed=6, scale=3.0) + 1000.0,
                                                          _targets(2, 4, 6, 6)), hint=OVERFLOW_HINT)
    yield Case("every position has a target", (randn(2, 3, 4, seed=7), torch.randint(0, 4, (2, 3), generator=_gen(7))),
               hint="exp of the mean negative log-likelihood (in nats, natural log).")
    yield Case("600 windows of 8 (more than a 512-row chunk)", (randn(600, 8, 12, seed=8), _targets(600, 8, 12, 8)),
               hint="Every target of every window counts, however many windows.")


@st.composite
def _random_logits(draw):
    n = draw(st.one_of(st.integers(1, 12), st.integers(513, 540)))
    length, vocab = draw(st.integers(1, 10)), draw(st.integers(1, 30))
    seed, p = draw(st.integers(0, 9999)), draw(st.sampled_from([0.3, 0.7, 1.0]))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    targets = _targets(n, length, vocab, seed, p)
    targets.view(-1)[0] = 0  # at least one target
    return Case(f"random ({n}, {length}, {vocab}) {str(dtype).replace('torch.', '')} logits, {p:.0%} with targets, "
                f"seed={seed}", (randn(n, length, vocab, seed=seed, dtype=dtype), targets), hint=_POOLED)


reference_exercise(
    "25.perplexity",
    "perplexity(logits, targets): exp(summed NLL / number of targets), -100 meaning no target",
    perplexity, _ppl_cases, _random_logits(), grad=True,
    hint="Sum the cross-entropy over the positions with a target, divide by their count, exponentiate.",
)


# ----------------------------------------------------------------------------- 25.bigram
_COUNT = ("count(a, b) counts the T - 1 consecutive pairs (ids[t], ids[t + 1]), row = the current token, "
          "column = the next; no pair wraps from the last token to the first.")
_SMOOTH = "log (count(a, b) + alpha) - log (count(a, .) + alpha * V): every row sums to 1, no entry is -inf."


def _stream(n: int, vocab: int, seed: int) -> torch.Tensor:
    return torch.randint(0, vocab, (n,), generator=_gen(seed))


def _bigram_cases():
    yield Case("200 tokens, vocabulary 8", (_stream(200, 8, 1), 8), hint=_COUNT)
    yield Case("vocabulary 12, tokens 9..11 never occur (uniform rows)", (_stream(150, 9, 2), 12),
               hint="Use vocab_size, not ids.max() + 1; a row with no count is alpha / (alpha * V): uniform.")
    yield Case("alpha=0.1", (_stream(120, 6, 3), 6), {"alpha": 0.1}, hint=_SMOOTH)
    yield Case("alpha=5", (_stream(120, 6, 4), 6), {"alpha": 5.0}, hint=_SMOOTH)
    yield Case("int32 ids", (_stream(90, 5, 5).int(), 5), hint=_COUNT)
    yield Case("a stream of two tokens", (torch.tensor([3, 1]), 4), hint=_COUNT)
    yield Case("an unseen pair: 0 never follows 1", (torch.tensor([0, 1, 1, 2, 0, 2, 2, 1]), 3), hint=_SMOOTH)
    yield Case("a stream whose last token is followed by nothing (2 ... 0)", (torch.tensor([2, 1, 1, 1, 0]), 3),
               hint=_COUNT)
    yield Case("100,000 tokens, vocabulary 40", (_stream(100_000, 40, 6), 40),
               hint="Count all T - 1 pairs at once (torch.bincount on a * V + b), not in chunks.")


@st.composite
def _random_streams(draw):
    n, vocab = draw(st.integers(2, 400)), draw(st.integers(1, 20))
    seed, alpha = draw(st.integers(0, 9999)), draw(st.sampled_from([0.01, 0.5, 1.0, 3.0]))
    extra = draw(st.integers(0, 3))
    return Case(f"random stream of {n} tokens in 0..{vocab - 1}, vocab_size {vocab + extra}, alpha {alpha}, "
                f"seed={seed}", (_stream(n, vocab, seed), vocab + extra), {"alpha": alpha}, hint=_COUNT)


reference_exercise(
    "25.bigram",
    "bigram_log_probs(ids, vocab_size, alpha=1.0): (V, V) float64 log P(next | current), add-alpha smoothed",
    bigram_log_probs, _bigram_cases, _random_streams(),
    hint="Count the pairs into a (V, V) table (torch.bincount of a * V + b), add alpha, normalise each row.",
)
