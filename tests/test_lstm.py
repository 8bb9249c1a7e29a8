"""Chapter 25's reference code against independent formulations and torch's own ops."""
from __future__ import annotations

import collections
import math

import pytest
import torch
import torch.nn.functional as F

from ssl_course.text.lstm import (
    IGNORE,
    CharLSTM,
    bigram_log_probs,
    bigram_perplexity,
    bigram_window_perplexity,
    evaluate_nll,
    heldout_perplexity,
    nll_sum,
    perplexity,
    random_windows,
    shift_targets,
    split_stream,
    train_lm,
    windows,
)
from ssl_course.text.sampling import generate, sample_next


def test_shift_targets_matches_a_loop():
    ids = torch.randint(0, 9, (5, 7), generator=torch.Generator().manual_seed(0))
    want = [[ids[i, t + 1].item() if t + 1 < 7 and ids[i, t + 1] != 3 else IGNORE for t in range(7)] for i in range(5)]
    assert torch.equal(shift_targets(ids, pad_id=3), torch.tensor(want))
    assert shift_targets(ids.int()).dtype == torch.int32


def test_windows_score_every_token_once():
    ids = torch.arange(100)
    w = windows(ids, 11)
    assert w.shape == (9, 11)
    t = shift_targets(w)
    scored = t[t != IGNORE]
    assert torch.equal(scored, torch.arange(1, 91))  # each once, in order; the tail is dropped


def test_random_windows_are_contiguous_and_seeded():
    ids = torch.arange(1000) * 3
    a = random_windows(ids, 50, 8, generator=torch.Generator().manual_seed(1))
    b = random_windows(ids, 50, 8, generator=torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and torch.equal(a[:, 1:] - a[:, :-1], torch.full((50, 7), 3))


def test_split_is_contiguous():
    tr, va, te = split_stream(torch.arange(1000))
    assert torch.equal(torch.cat([tr, va, te]), torch.arange(1000)) and (len(tr), len(va)) == (800, 100)


def test_perplexity_is_exp_of_torch_cross_entropy_mean():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(6, 9, 13, generator=g, dtype=torch.float64) * 3
    targets = torch.randint(0, 13, (6, 9), generator=g)
    targets[torch.rand(6, 9, generator=g) < 0.4] = IGNORE
    want = F.cross_entropy(logits.reshape(-1, 13), targets.reshape(-1), ignore_index=IGNORE).exp()
    assert torch.allclose(perplexity(logits, targets), want, rtol=1e-12)
    # an independent formulation: a Python loop over log_softmax entries
    ls = logits.log_softmax(-1)
    nll = [-ls[i, t, targets[i, t]].item() for i in range(6) for t in range(9) if targets[i, t] != IGNORE]
    assert math.isclose(perplexity(logits, targets).item(), math.exp(sum(nll) / len(nll)), rel_tol=1e-12)


def test_perplexity_is_not_a_mean_of_per_row_perplexities():
    logits = torch.tensor([[[0.0, 0.0], [0.0, 0.0]], [[5.0, 0.0], [5.0, 0.0]]])
    targets = torch.tensor([[1, IGNORE], [0, 0]])
    per_row = (F.cross_entropy(logits[0, :1], targets[0, :1]).exp() + F.cross_entropy(logits[1], targets[1]).exp()) / 2
    assert not torch.isclose(perplexity(logits, targets), per_row)
    with pytest.raises(ValueError):
        perplexity(logits, torch.full((2, 2), IGNORE))


def test_bigram_matches_counting_in_python():
    g = torch.Generator().manual_seed(2)
    ids = torch.randint(0, 12, (500,), generator=g)
    ids[ids == 7] = 3  # token 7 never occurs: its row is uniform
    counts = collections.Counter(zip(ids[:-1].tolist(), ids[1:].tolist()))
    alpha, V = 0.3, 14  # V above the largest id: tokens 12 and 13 never occur either
    lp = bigram_log_probs(ids, V, alpha)
    assert lp.shape == (V, V) and lp.dtype == torch.float64
    for a in range(V):
        row = sum(counts[a, b] for b in range(V))
        for b in range(V):
            assert math.isclose(lp[a, b].item(), math.log((counts[a, b] + alpha) / (row + alpha * V)), rel_tol=1e-12)
    assert torch.allclose(lp.logsumexp(1), torch.zeros(V, dtype=torch.float64), atol=1e-12)


def test_bigram_perplexities_agree_on_the_same_targets():
    g = torch.Generator().manual_seed(3)
    ids = torch.randint(0, 10, (2001,), generator=g)
    lp = bigram_log_probs(ids[:1000], 10)
    # windows of 21 overlapping by one cover exactly the pairs of the first 2001 tokens
    assert math.isclose(bigram_window_perplexity(lp, ids, seq_len=20), bigram_perplexity(lp, ids), rel_tol=1e-9)


def test_lstm_is_causal_and_stateful():
    torch.manual_seed(0)
    m = CharLSTM(11, dim=8, hidden=16).eval()
    ids = torch.randint(0, 11, (3, 20))
    full, _ = m(ids)
    changed = ids.clone()
    changed[:, 12:] = (changed[:, 12:] + 1) % 11
    assert torch.allclose(m(changed)[0][:, :12], full[:, :12])  # the future does not leak
    a, state = m(ids[:, :9])
    b, _ = m(ids[:, 9:], state)
    assert torch.allclose(torch.cat([a, b], 1), full, atol=1e-6)


def test_evaluate_sums_over_batches():
    torch.manual_seed(0)
    m = CharLSTM(11, dim=8, hidden=16).eval()
    ids = torch.randint(0, 11, (1000,))
    one = evaluate_nll(m, ids, seq_len=16, batch_size=1000)
    many = evaluate_nll(m, ids, seq_len=16, batch_size=7)  # a ragged last batch
    assert one[1] == many[1] == 992 and math.isclose(one[0], many[0], rel_tol=1e-6)
    wins = windows(ids, 17)
    s, n = nll_sum(m(wins)[0], shift_targets(wins))
    assert n == 992 and math.isclose(s.item(), one[0], rel_tol=1e-5)
    assert math.isclose(heldout_perplexity(m, ids, 16, 7), math.exp(one[0] / 992), rel_tol=1e-6)


@pytest.fixture
def one_thread():
    """Tiny LSTMs on many threads mostly wait for each other (minutes on a busy 2-core machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_train_lm_is_seeded_and_learns_a_cycle(one_thread):
    ids = torch.arange(600) % 6  # a deterministic cycle: perplexity can fall to 1
    runs = []
    for _ in range(2):
        torch.manual_seed(123)
        m = CharLSTM(6, dim=8, hidden=32)
        runs.append(train_lm(m, ids, 150, seq_len=12, batch_size=16, lr=1e-2, seed=4).losses)
    assert runs[0] == runs[1]
    assert heldout_perplexity(m, ids, seq_len=12) < 1.2


def test_sample_next_frequencies_follow_softmax_over_temperature():
    logits = torch.tensor([[2.0, 1.0, 0.0, -1.0]]).repeat(20000, 1)
    for t in (0.5, 1.0, 2.0):
        draws = sample_next(logits, t, generator=torch.Generator().manual_seed(0))
        freq = torch.bincount(draws, minlength=4).double() / len(draws)
        p = torch.softmax(logits[0].double() / t, 0)
        assert torch.allclose(freq, p, atol=5 * (p * (1 - p) / len(draws)).sqrt().max().item())
    assert torch.equal(sample_next(logits[:3], 0.0), torch.zeros(3, dtype=torch.long))


def test_generate_is_seeded_and_greedy_at_zero_temperature():
    torch.manual_seed(0)
    m = CharLSTM(9, dim=8, hidden=16).eval()
    prompt = torch.tensor([1, 2, 3])
    a = generate(m, prompt, 12, 1.0, generator=torch.Generator().manual_seed(5))
    b = generate(m, prompt, 12, 1.0, generator=torch.Generator().manual_seed(5))
    assert a.shape == (15,) and torch.equal(a, b) and torch.equal(a[:3], prompt)
    greedy = generate(m, prompt, 5, 0.0)
    ids = prompt[None]
    for _ in range(5):  # greedy by hand, with the LSTM's state carried instead of re-running
        ids = torch.cat([ids, m(ids)[0][:, -1].argmax(-1, keepdim=True)], 1)
    assert torch.equal(greedy, ids[0])
