"""An autoregressive character language model (chapter 25), and the data pipeline chapter 27
shares: the corpus as a stream of characters through chapter 16's `Tokenizer`, a contiguous
train/validation/test split, next-token targets, perplexity from summed negative log-likelihood,
a smoothed bigram baseline, `CharLSTM` and a training loop `train_lm` that works for any model
mapping ids (N, L) to logits (N, L, V).

Conventions: a window of L token ids predicts, at every position t < L - 1, the token at t + 1;
the last position has no target (-100, `IGNORE`, which `F.cross_entropy` skips)."""
from __future__ import annotations

import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .._validate import check_int, check_positive
from ..core import device
from .tokenizer import Tokenizer

IGNORE = -100  # the target of a position with nothing to predict (F.cross_entropy's ignore_index)


# ----------------------------------------------------------------------------- data
@dataclass
class LMData:
    """The character-level corpus, split contiguously: `train`, `val`, `test` are (T,) int64 id
    streams; `tok` the chapter-16 tokenizer over characters (ids 0..4 special, then ' ' and a-z)."""

    tok: Tokenizer
    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor

    @property
    def vocab_size(self) -> int:
        return len(self.tok)


def char_stream(words: list[str]) -> list[str]:
    """Words -> the text they spell, words joined by single spaces, as a list of characters."""
    return list(" ".join(words))


def split_stream(ids: torch.Tensor, fractions: tuple[float, float] = (0.8, 0.1)) -> tuple[torch.Tensor, ...]:
    """ids (T,) -> (train, val, test): contiguous pieces, the first fractions[0] of the stream, the
    next fractions[1], and the rest. Contiguous, not shuffled: a shuffled split would put the
    neighbours of every test window in training."""
    a = int(fractions[0] * len(ids))
    b = a + int(fractions[1] * len(ids))
    return ids[:a], ids[a:b], ids[b:]


def lm_data(fractions: tuple[float, float] = (0.8, 0.1)) -> LMData:
    """The `corpus` as characters, tokenised with a `Tokenizer` built on the training part only
    (min_count=1: every character seen in training), split 80/10/10 (about 300k/38k/38k characters)."""
    from ..data.corpus import corpus

    chars = char_stream(corpus())
    cut = int(fractions[0] * len(chars))
    tok = Tokenizer(chars[:cut], min_count=1)
    train, val, test = split_stream(tok.encode(chars), fractions)
    return LMData(tok, train, val, test)


def windows(ids: torch.Tensor, length: int) -> torch.Tensor:
    """Cut a stream ids (T,) into (N, length) windows that overlap by one token (stride length - 1),
    so that with `shift_targets` every token after the first is a target exactly once. A tail
    shorter than `length` is dropped. N = (T - 1) // (length - 1)."""
    length = check_int("length", length, minimum=2)
    n = (len(ids) - 1) // (length - 1)
    return ids[: n * (length - 1) + 1].unfold(0, length, length - 1)[:n]


def random_windows(ids: torch.Tensor, n: int, length: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """n windows of `length` consecutive ids from the stream ids (T,), at uniform random starts
    drawn from `generator` (on the CPU). Returns (n, length) on ids.device."""
    starts = torch.randint(0, len(ids) - length + 1, (n,), generator=generator)
    return ids[starts.to(ids.device)[:, None] + torch.arange(length, device=ids.device)]


# ----------------------------------------------------------------------------- targets and scores
def shift_targets(ids: torch.Tensor, pad_id: int | None = None) -> torch.Tensor:
    """ids (N, L) -> targets (N, L), same dtype and device: targets[:, t] = ids[:, t + 1] for
    t < L - 1; targets[:, L - 1] = -100 (nothing follows it in the window); and -100 wherever the
    next token is `pad_id` (padding is never a target). The model's input is ids itself."""
    targets = torch.full_like(ids, IGNORE)
    targets[:, :-1] = ids[:, 1:]
    if pad_id is not None:
        targets = targets.masked_fill(targets == pad_id, IGNORE)
    return targets


def nll_sum(logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, int]:
    """logits (..., V), targets (...) with -100 where nothing is predicted ->
    (the summed negative log-likelihood in nats, a scalar in the logits' dtype; the number of targets)."""
    flat, y = logits.reshape(-1, logits.shape[-1]), targets.reshape(-1).long()
    keep = y != IGNORE
    return F.cross_entropy(flat[keep], y[keep], reduction="sum"), int(keep.sum())


def perplexity(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """logits (N, L, V), targets (N, L) (-100: no target) -> scalar exp(sum of NLL / number of
    targets), in the logits' dtype. Every target counts once, whichever row it is in: NOT the mean
    of per-row (or per-batch) perplexities. At least one target must be present."""
    total, count = nll_sum(logits, targets)
    if count == 0:
        raise ValueError("perplexity: no targets (every entry of targets is -100)")
    return torch.exp(total / count)


def bigram_log_probs(ids: torch.Tensor, vocab_size: int, alpha: float = 1.0) -> torch.Tensor:
    """A bigram model with add-alpha (Lidstone) smoothing, fitted on a stream ids (T,) (int).

    Returns (V, V) float64 on ids.device: row a holds log P(next = b | current = a) =
    log (count(a, b) + alpha) / (count(a, .) + alpha * V), where count(a, b) counts the T - 1
    consecutive pairs (ids[t], ids[t + 1]) (no pair wraps around) and count(a, .) sums row a.
    A token never followed by anything gets the uniform distribution. alpha > 0."""
    check_positive("alpha", alpha)
    v = check_int("vocab_size", vocab_size)
    pairs = ids[:-1].long() * v + ids[1:].long()
    counts = torch.bincount(pairs, minlength=v * v).reshape(v, v).double()
    return (counts + alpha).log() - (counts.sum(1, keepdim=True) + alpha * v).log()


def bigram_perplexity(log_probs: torch.Tensor, ids: torch.Tensor) -> float:
    """Perplexity of a bigram table (V, V) on a stream ids (T,): exp of the mean NLL of its T - 1 pairs."""
    return float(torch.exp(-log_probs[ids[:-1], ids[1:]].mean()))


# ----------------------------------------------------------------------------- the model
class CharLSTM(nn.Module):
    """Embedding (V -> dim), an LSTM (`layers` layers of `hidden` units, batch-first), a linear
    read-out (hidden -> V). forward(ids (N, L), state=None) -> (logits (N, L, V), state), where
    state = (h, c), each (layers, N, hidden): pass it back to continue the same text."""

    def __init__(self, vocab_size: int, dim: int = 32, hidden: int = 256, layers: int = 1):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim)
        self.lstm = nn.LSTM(dim, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, ids: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None):
        out, state = self.lstm(self.embed(ids), state)
        return self.head(out), state


def _logits(model: nn.Module, ids: torch.Tensor) -> torch.Tensor:
    """model(ids) for models returning logits or (logits, state)."""
    out = model(ids)
    return out[0] if isinstance(out, tuple) else out


def lm_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """logits (N, L, V), targets (N, L) -> mean cross-entropy over every position with a target."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1).long(), ignore_index=IGNORE)


def last_step_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The common wrong answer: only the last position that has a target contributes
    (the read-out of outputs[-1] only), one prediction per window instead of L - 1."""
    return F.cross_entropy(logits[:, -2], targets[:, -2].long())


@dataclass
class TrainResult:
    """What `train_lm` measured: the training loss per step and the seconds the loop took."""

    losses: list[float]
    seconds: float


def train_lm(model: nn.Module, train_ids: torch.Tensor, steps: int, *, seq_len: int = 64, batch_size: int = 32,
             lr: float = 3e-3, seed: int = 0, targets_fn=shift_targets, loss_fn=lm_loss,
             clip: float = 1.0, progress=None) -> TrainResult:
    """Train `model` (ids (N, L) -> logits (N, L, V), or (logits, state)) in place on random
    windows of seq_len + 1 tokens of `train_ids` (T,): Adam at `lr` with cosine decay to 0 over
    `steps`, gradients clipped to norm `clip`. The windows come from a generator seeded with `seed`
    (and torch's global seed is set to `seed` before the first step), so a seed gives the same run.
    `targets_fn(ids) -> targets` and `loss_fn(logits, targets)` are swappable (the chapter runs the
    wrong answer with the same loop). Model and batches live on `device()`."""
    steps = check_int("steps", steps)
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    model.to(device()).train()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    losses = []
    start = time.perf_counter()
    for _ in (progress(range(steps)) if progress else range(steps)):
        ids = random_windows(train_ids, batch_size, seq_len + 1, generator=g).to(device())
        loss = loss_fn(_logits(model, ids), targets_fn(ids))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        sched.step()
        losses.append(loss.item())
    model.eval()
    return TrainResult(losses, time.perf_counter() - start)


@torch.no_grad()
def evaluate_nll(model: nn.Module, ids: torch.Tensor, seq_len: int = 64, batch_size: int = 256) -> tuple[float, int]:
    """Summed NLL (nats, float64) and number of targets of `model` on the stream ids (T,), cut by
    `windows` into (N, seq_len + 1) windows that each start from an empty state: every token after
    the first is predicted once. Batches are summed, never averaged: exp(total / count) is the
    perplexity, whatever the batch sizes."""
    model.eval()
    wins = windows(ids, seq_len + 1)
    total, count = 0.0, 0
    for i in range(0, len(wins), batch_size):
        chunk = wins[i: i + batch_size].to(device())
        s, n = nll_sum(_logits(model, chunk).double(), shift_targets(chunk))
        total, count = total + s.item(), count + n
    return total, count


def heldout_perplexity(model: nn.Module, ids: torch.Tensor, seq_len: int = 64, batch_size: int = 256) -> float:
    """exp(summed NLL / number of targets) of `model` on the stream ids (T,) (see `evaluate_nll`)."""
    total, count = evaluate_nll(model, ids, seq_len, batch_size)
    return float(torch.exp(torch.tensor(total / count, dtype=torch.float64)))


def bigram_window_perplexity(log_probs: torch.Tensor, ids: torch.Tensor, seq_len: int = 64) -> float:
    """The bigram table (V, V) scored on exactly the targets `evaluate_nll` scores (the same windows)."""
    wins = windows(ids, seq_len + 1)
    total, count = nll_sum(log_probs[wins], shift_targets(wins))
    return float(torch.exp(total / count))
