"""Small encoders that train in seconds on a CPU.

Every encoder maps a batch to (N, out_dim) features and exposes `.out_dim`, so a head, a
probe or a trainer can be stacked on any of them without knowing what is inside.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .._validate import check_dims, check_int


class MLPEncoder(nn.Module):
    """A multilayer perceptron: x (N, ...) is flattened to (N, in_dim) -> (N, out_dim).

    Hidden layers are Linear - BatchNorm - ReLU; the output is the last hidden layer, so
    out_dim = hidden_dims[-1].
    """

    def __init__(self, in_dim: int, hidden_dims: Sequence[int] = (256, 256)):
        super().__init__()
        check_int("in_dim", in_dim)
        hidden_dims = check_dims("hidden_dims", hidden_dims)
        layers, d = [], in_dim
        for h in hidden_dims:
            layers += [nn.Linear(d, h, bias=False), nn.BatchNorm1d(h), nn.ReLU(inplace=True)]
            d = h
        self.in_dim, self.out_dim = in_dim, d
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(1)
        if x.shape[1] != self.in_dim:
            raise ValueError(f"x must flatten to (N, {self.in_dim}), got {tuple(x.shape)}")
        return self.net(x)


class Conv1dEncoder(nn.Module):
    """A small 1-D CNN for signals such as MNIST-1D.

    x: (N, L) or (N, 1, L) -> (N, out_dim). Each stage is Conv1d (circular padding, because
    a circularly shifted signal is still the same signal) - BatchNorm - ReLU, with stride 2
    after the first stage. pool="flatten" keeps where along the signal a pattern sits
    (out_dim = channels[-1] * final length); pool="avg" / "max" discard it
    (out_dim = channels[-1]).
    """

    def __init__(self, length: int = 40, channels: Sequence[int] = (32, 64, 64),
                 kernel_size: int = 5, pool: str = "flatten"):
        super().__init__()
        check_int("length", length)
        channels = check_dims("channels", channels)
        check_int("kernel_size", kernel_size)
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd (symmetric padding), got {kernel_size}")
        if pool not in ("flatten", "avg", "max"):
            raise ValueError(f"pool must be 'flatten', 'avg' or 'max', got {pool!r}")
        layers, c_in, n = [], 1, length
        for i, c in enumerate(channels):
            stride = 1 if i == 0 else 2
            if n < max(1, kernel_size // 2):  # circular padding wraps at most once around the signal
                raise ValueError(f"length={length} is too short for kernel_size={kernel_size} and "
                                 f"{len(channels)} stages (stage {i} would see {n} samples)")
            layers += [nn.Conv1d(c_in, c, kernel_size, stride=stride, padding=kernel_size // 2,
                                 padding_mode="circular", bias=False),
                       nn.BatchNorm1d(c), nn.ReLU(inplace=True)]
            c_in, n = c, (n + 2 * (kernel_size // 2) - kernel_size) // stride + 1
        self.length, self.pool = length, pool
        self.out_dim = c_in * n if pool == "flatten" else c_in
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 2:
            x = x[:, None]  # (N, L) -> (N, 1, L)
        if x.ndim != 3 or x.shape[1] != 1 or x.shape[2] != self.length:
            raise ValueError(f"x must have shape (N, {self.length}) or (N, 1, {self.length}), "
                             f"got {tuple(x.shape)}")
        h = self.net(x)  # (N, C, L')
        if self.pool == "avg":
            return h.mean(dim=2)
        if self.pool == "max":
            return h.amax(dim=2)
        return h.flatten(1)


class ConvEncoder(nn.Module):
    """A tiny 2-D CNN for small images (8x8 digits, 16x16 or 32x32 shapes).

    x: (N, in_channels, H, W) -> (N, out_dim), out_dim = channels[-1]. Each stage is
    Conv3x3 - BatchNorm - ReLU; stages after the first halve H and W with stride 2; a global
    average pool ends it, so any image size works.
    """

    def __init__(self, in_channels: int = 1, channels: Sequence[int] = (32, 64, 128)):
        super().__init__()
        check_int("in_channels", in_channels)
        channels = check_dims("channels", channels)
        layers, c_in = [], in_channels
        for i, c in enumerate(channels):
            layers += [nn.Conv2d(c_in, c, 3, stride=1 if i == 0 else 2, padding=1, bias=False),
                       nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
            c_in = c
        self.in_channels, self.out_dim = in_channels, c_in
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"x must have shape (N, {self.in_channels}, H, W), got {tuple(x.shape)}")
        return self.net(x).mean(dim=(2, 3))
