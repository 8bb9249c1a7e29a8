"""Chapter 17: framing a signal, and CPC's InfoNCE over future steps."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...audio.cpc import cpc_loss
from ...audio.spectrogram import frame_signal
from ..checks import Case, reference_exercise
from ._common import OVERFLOW_HINT, randn

_COUNT = ("n_frames = 1 + (T - frame_length) // hop: a partial frame at the end is dropped, "
          "never padded.")
_BATCH = "Frame along the last dimension only: every leading dimension is a separate signal."


# ----------------------------------------------------------------------------- 17.frame_signal
def _frame_cases():
    x = torch.arange(20, dtype=torch.float32)
    yield Case("20 samples, frame_length 5, hop 2 (overlapping frames)", (x, 5, 2),
               hint="Frame i starts at sample i * hop.")
    yield Case("hop = frame_length (no overlap)", (x, 5, 5), hint="Frame i starts at sample i * hop.")
    yield Case("hop > frame_length (samples skipped between frames)", (x, 3, 7),
               hint="Frame i starts at sample i * hop; the samples between frames are not used.")
    yield Case("a partial frame at the end (T = 20, frame_length 6, hop 4)", (x, 6, 4), hint=_COUNT)
    yield Case("a signal shorter than one frame: shape (..., 0, frame_length)", (x[:4], 6, 2),
               hint="No frame fits: return an empty (..., 0, frame_length) tensor, not an error.")
    yield Case("frame_length 1, hop 1: every sample is a frame", (x[:5], 1, 1), hint=_COUNT)
    yield Case("a batch of 3 signals (3, 50)", (randn(3, 50, seed=1), 8, 3), hint=_BATCH)
    yield Case("a (2, 3, 40) batch", (randn(2, 3, 40, seed=2), 10, 4), hint=_BATCH)
    yield Case("float64 samples", (randn(2, 33, seed=3, dtype=torch.float64), 7, 2),
               hint="Keep the input's dtype: frames are copies (or views) of the samples.")
    yield Case("int64 samples: the frames are int64 too", (torch.arange(30), 4, 3),
               hint="Keep the input's dtype.")
    yield Case("600 signals (more than a 512-row chunk)", (randn(600, 30, seed=4), 10, 5),
               hint="Every signal is framed on its own, however many there are.")
    yield Case("one signal of 6000 samples (more than 512 frames)", (randn(6000, seed=5), 20, 10), hint=_COUNT)


@st.composite
def _random_frames(draw):
    t = draw(st.one_of(st.integers(1, 60), st.integers(5200, 5400)))
    length, hop = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    batch = draw(st.sampled_from([(), (2,), (3, 2), (520,)]))
    seed = draw(st.integers(0, 9999))
    if batch == (520,):
        t = min(t, 40)
    return Case(f"signal {(*batch, t)}, frame_length {length}, hop {hop}, seed {seed}",
                (randn(*batch, t, seed=seed), length, hop))


reference_exercise(
    "17.frame_signal",
    "frame_signal(x, frame_length, hop): (..., T) -> (..., n_frames, frame_length), frame i at sample i*hop",
    frame_signal, _frame_cases, _random_frames(),
    hint="Work out, for the failing case, where each frame starts and how many whole frames fit.",
)


# ----------------------------------------------------------------------------- 17.cpc_loss
_CANDIDATES = ("For step k the candidates are all B * (T - k) encodings z[:, k:], flattened: the other "
               "utterances at every time and this utterance at other times.")
_STEPS = "Average each step's terms first, then average the K steps (step k has B * (T - k) terms)."


def _cpc_case(b, t, k, d, seed, dtype=torch.float32, scale=1.0):
    return randn(b, t, d, seed=seed, dtype=dtype, scale=scale), randn(k, b, t, d, seed=seed + 1, dtype=dtype)


def _cpc_cases():
    yield Case("B=2, T=5, K=2, D=3", _cpc_case(2, 5, 2, 3, seed=1),
               hint="Prediction [k-1, b, t] is a guess for z[b, t + k].")
    yield Case("one step (K=1)", _cpc_case(3, 4, 1, 2, seed=3), hint=_CANDIDATES)
    yield Case("a batch of one utterance: its own other times are the negatives", _cpc_case(1, 6, 3, 4, seed=5),
               hint=_CANDIDATES)
    yield Case("K=4 steps on 8 frames (steps have different numbers of terms)", _cpc_case(3, 8, 4, 3, seed=7),
               hint=_STEPS)
    yield Case("K=5 > T=3: steps k >= T are left out", _cpc_case(2, 3, 5, 2, seed=9),
               hint="Only steps with k < T have a term; average over those steps alone.")
    yield Case("scores in the hundreds (a naive exp overflows)", _cpc_case(2, 4, 2, 3, seed=11, scale=300.0),
               hint=OVERFLOW_HINT)
    yield Case("float64 encodings", _cpc_case(2, 5, 2, 3, seed=13, dtype=torch.float64),
               hint="Compute in the inputs' dtype.")
    z, _ = _cpc_case(3, 4, 2, 2, seed=15)
    yield Case("predictions all zero: every step costs log(number of candidates)", (z, torch.zeros(2, 3, 4, 2)),
               hint=_CANDIDATES)
    yield Case("600 utterances of 2 frames (more than a 512-row chunk)", _cpc_case(600, 2, 1, 2, seed=17),
               hint="Row i of the flattened predictions has its positive at row i of the flattened targets.")


@st.composite
def _random_cpc(draw):
    b, t = draw(st.integers(1, 5)), draw(st.integers(2, 7))
    k, d, seed = draw(st.integers(1, 4)), draw(st.integers(1, 5)), draw(st.integers(0, 9999))
    return Case(f"B={b}, T={t}, K={k}, D={d}, seed={seed}", _cpc_case(b, t, k, d, seed))


reference_exercise(
    "17.cpc_loss",
    "cpc_loss(z, predictions): InfoNCE of each prediction W_k c_t against z_{t+k} and every other "
    "target of the batch, averaged per step, then over steps",
    cpc_loss, _cpc_cases, _random_cpc(), grad=True,
    hint="For one step k, write the (B*(T-k), B*(T-k)) score matrix and find each row's positive.",
)
