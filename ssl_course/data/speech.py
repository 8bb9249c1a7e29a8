"""Synthetic speech for chapter 17: phoneme-like units from a source-filter model, several speakers.

Each unit (a "phoneme") has three formant frequencies; a speaker has a pitch f0 and a formant
scale (a longer or shorter vocal tract). A unit's waveform is the sum of the speaker's harmonics
k * f0, each weighted by how close it lies to the (scaled) formants, with phases redrawn every
5 ms (overlap-added windows), so only the spectral envelope, not a waveform, is shared in a unit.
Units last 2 to 6 frames of 10 ms and are equally loud: no rhythm or loudness cue tells them apart.
Everything is drawn from explicit generators, so a seed fixes the corpus.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

SAMPLE_RATE = 8000


@dataclass
class Speech:
    """waves: (N, T) float32 samples; frame_labels: (N, T // hop) int64 phoneme of each hop-long
    frame; speakers: (N,) int64 speaker id; hop: samples per labelled frame."""
    waves: torch.Tensor
    frame_labels: torch.Tensor
    speakers: torch.Tensor
    hop: int


def phoneme_formants(n_phonemes: int = 10, seed: int = 1234) -> torch.Tensor:
    """(n_phonemes, 3) formant frequencies in Hz: F1 in 250-850, F2 in 850-2300, F3 in 2300-3300."""
    g = torch.Generator().manual_seed(seed)
    low = torch.tensor([250.0, 850.0, 2300.0], dtype=torch.float64)
    high = torch.tensor([850.0, 2300.0, 3300.0], dtype=torch.float64)
    return low + (high - low) * torch.rand(n_phonemes, 3, generator=g, dtype=torch.float64)


def _unit_waveform(formants: torch.Tensor, f0: float, length: int, phase: torch.Tensor) -> torch.Tensor:
    """formants: (3,) Hz, phase: (S, H) -> (S, length): S segments, harmonics of f0 shaped by the formants."""
    n_harm = phase.shape[-1]
    freqs = f0 * torch.arange(1, n_harm + 1, dtype=torch.float64)                          # (H,)
    gain = torch.exp(-0.5 * ((freqs[:, None] - formants[None, :]) / 120.0) ** 2).sum(1)   # (H,)
    gain = gain * (freqs < SAMPLE_RATE / 2 - 200)
    t = torch.arange(length, dtype=torch.float64) / SAMPLE_RATE
    wave = (gain[:, None] * torch.sin(2 * math.pi * freqs[:, None] * t + phase[..., None])).sum(-2)
    return wave


def make_speech(n_utterances: int, n_frames: int = 48, hop: int = 80, min_frames: int = 2, max_frames: int = 6,
                n_phonemes: int = 10, n_speakers: int = 8, noise: float = 0.05, seed: int = 0) -> Speech:
    """n_utterances of n_frames * hop samples (48 frames of 10 ms at 8 kHz), every utterance by
    one of n_speakers; phonemes follow one another with durations drawn uniformly from
    min_frames..max_frames frames (the last one cut at the end); frame labels every hop samples."""
    if not 1 <= min_frames <= max_frames:
        raise ValueError(f"need 1 <= min_frames <= max_frames, got {min_frames}, {max_frames}")
    g = torch.Generator().manual_seed(seed)
    formants = phoneme_formants(n_phonemes)
    speaker_gen = torch.Generator().manual_seed(4321)  # speakers are the same in every split
    f0s = 90.0 + 130.0 * torch.rand(n_speakers, generator=speaker_gen, dtype=torch.float64)
    scales = 0.85 + 0.3 * torch.rand(n_speakers, generator=speaker_gen, dtype=torch.float64)
    waves, labels = [], []
    speakers = torch.randint(0, n_speakers, (n_utterances,), generator=g)
    window = torch.hann_window(80, periodic=True, dtype=torch.float64)
    for s in speakers.tolist():
        n_harm = int(SAMPLE_RATE / 2 // f0s[s])
        pieces, frame_labels = [], []
        while len(frame_labels) < n_frames:
            # Unit and duration vary, and every unit is equally loud: neither a rhythm nor a
            # loudness tells units apart, only their spectra do.
            u = int(torch.randint(0, n_phonemes, (), generator=g))
            length = hop * int(torch.randint(min_frames, max_frames + 1, (), generator=g))
            # Phases are redrawn every 40 samples (overlap-added Hann windows of 80): a unit's
            # waveform is not one periodic fingerprint that identifies it, only its spectrum is shared.
            n_seg = length // 40 + 1
            phase = 2 * math.pi * torch.rand(n_seg, n_harm, generator=g, dtype=torch.float64)
            segs = window * _unit_waveform(formants[u] * scales[s], float(f0s[s]), 80, phase)   # (S, 80)
            unit = torch.zeros(n_seg + 1, 40, dtype=torch.float64)
            unit[:-1] += segs[:, :40]   # overlap-add with hop 40
            unit[1:] += segs[:, 40:]
            pieces.append(unit.flatten()[40:40 + length])
            frame_labels += [u] * (length // hop)
        wave = torch.cat(pieces)[: n_frames * hop]
        wave = wave / wave.abs().max() + noise * torch.randn(wave.shape, generator=g, dtype=torch.float64)
        waves.append(wave.float())
        labels.append(torch.tensor(frame_labels[:n_frames]))
    return Speech(torch.stack(waves), torch.stack(labels), speakers, hop)
