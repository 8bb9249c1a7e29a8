"""Framing and log spectrograms (chapter 17); checked against framing + rfft and a loop in tests/test_cpc.py."""
from __future__ import annotations

import torch


def frame_signal(x: torch.Tensor, frame_length: int, hop: int) -> torch.Tensor:
    """x: (..., T) -> (..., n_frames, frame_length), frame i = x[..., i*hop : i*hop + frame_length].

    n_frames = 1 + (T - frame_length) // hop when T >= frame_length, else 0 (no padding: a
    partial frame at the end is dropped). Same dtype and device as x.
    """
    if frame_length < 1 or hop < 1:
        raise ValueError(f"frame_length and hop must be >= 1, got {frame_length}, {hop}")
    if x.shape[-1] < frame_length:
        return x.new_zeros(*x.shape[:-1], 0, frame_length)
    return x.unfold(-1, frame_length, hop)


def log_spectrogram(x: torch.Tensor, n_fft: int = 256, hop: int = 80, eps: float = 1e-6) -> torch.Tensor:
    """x: (B, T) -> (B, n_frames, n_fft // 2 + 1): log(eps + |STFT|^2) with a periodic Hann window,
    frames as frame_signal(x, n_fft, hop) (no centring, no padding)."""
    window = torch.hann_window(n_fft, dtype=x.dtype, device=x.device)
    spec = torch.stft(x, n_fft, hop_length=hop, window=window, center=False, return_complex=True)
    return torch.log(eps + spec.abs() ** 2).transpose(-1, -2)
