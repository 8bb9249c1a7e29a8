"""Chapter 17's reference code against independent formulations: framing by a loop, the log
spectrogram by framing + rfft, CPC's InfoNCE by explicit per-term sums."""
import math

import torch

from ssl_course.audio.cpc import CPC, cpc_loss
from ssl_course.audio.spectrogram import frame_signal, log_spectrogram
from ssl_course.data.speech import make_speech


def _frames_by_loop(x, length, hop):
    n = 0 if x.shape[-1] < length else 1 + (x.shape[-1] - length) // hop
    out = torch.zeros(*x.shape[:-1], n, length, dtype=x.dtype)
    for i in range(n):
        out[..., i, :] = x[..., i * hop: i * hop + length]
    return out


def test_frame_signal_matches_a_loop():
    g = torch.Generator().manual_seed(0)
    for shape, length, hop in [((700,), 25, 10), ((3, 101), 10, 3), ((2, 2, 50), 50, 7), ((4, 9), 10, 2), ((5,), 1, 1)]:
        x = torch.randn(*shape, generator=g, dtype=torch.float64)
        got = frame_signal(x, length, hop)
        assert got.shape == _frames_by_loop(x, length, hop).shape
        torch.testing.assert_close(got, _frames_by_loop(x, length, hop))


def test_log_spectrogram_matches_framing_and_rfft():
    x = torch.randn(2, 1000, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    n = torch.arange(256, dtype=torch.float64)
    hann = 0.5 - 0.5 * torch.cos(2 * math.pi * n / 256)  # periodic Hann, written out
    frames = _frames_by_loop(x, 256, 80) * hann
    expected = torch.log(1e-6 + torch.fft.rfft(frames).abs() ** 2)
    torch.testing.assert_close(log_spectrogram(x, 256, 80), expected)


def _cpc_by_loop(z, preds):
    n_steps, batch, length, _ = preds.shape
    steps = []
    for k in range(1, n_steps + 1):
        if k >= length:
            break
        cands = [(b, t) for b in range(batch) for t in range(k, length)]
        terms = []
        for b in range(batch):
            for t in range(length - k):
                scores = torch.stack([preds[k - 1, b, t] @ z[b2, t2] for b2, t2 in cands])
                pos = preds[k - 1, b, t] @ z[b, t + k]
                terms.append(torch.logsumexp(scores, 0) - pos)
        steps.append(torch.stack(terms).mean())
    return torch.stack(steps).mean()


def test_cpc_loss_matches_explicit_sums():
    g = torch.Generator().manual_seed(2)
    for b, t, k, d in [(3, 5, 2, 4), (1, 4, 3, 2), (4, 3, 5, 3)]:
        z = torch.randn(b, t, d, generator=g, dtype=torch.float64)
        preds = torch.randn(k, b, t, d, generator=g, dtype=torch.float64)
        torch.testing.assert_close(cpc_loss(z, preds), _cpc_by_loop(z, preds))


def test_cpc_loss_is_log_n_for_uninformative_predictions():
    z = torch.randn(4, 6, 3, generator=torch.Generator().manual_seed(3))
    preds = torch.zeros(2, 4, 6, 3)
    expected = (math.log(4 * 5) + math.log(4 * 4)) / 2
    assert abs(float(cpc_loss(z, preds)) - expected) < 1e-5


def test_cpc_shapes_and_speech_is_seeded():
    speech = make_speech(3, n_frames=16, seed=5)
    assert speech.waves.shape == (3, 16 * 80) and speech.frame_labels.shape == (3, 16)
    torch.testing.assert_close(speech.waves, make_speech(3, n_frames=16, seed=5).waves)
    assert not torch.equal(speech.waves, make_speech(3, n_frames=16, seed=6).waves)
    changes = (speech.frame_labels[:, 1:] != speech.frame_labels[:, :-1]).sum(1)
    assert changes.sum() > 0 and (changes <= 8).all()  # units last 2..6 frames: <= 8 changes in 16
    z, c, preds = CPC(dim=8, context_dim=6, n_steps=3)(speech.waves)
    assert z.shape == (3, 16, 8) and c.shape == (3, 16, 6) and preds.shape == (3, 3, 16, 8)
