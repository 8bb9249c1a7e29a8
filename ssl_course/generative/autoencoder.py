"""Denoising autoencoders (chapter 18): corrupt an image, train a network to restore it.

- `add_noise(x, kind, level, generator)`  Gaussian, masking or salt-and-pepper noise, kept in [0, 1]
- `ConvAutoencoder(code_dim)`             a small convolutional encoder/decoder for 8x8 digits
- `train_autoencoder(...)`                a plain AE (noise None) or a DAE, the same recipe for both
- `denoise(model, x)`                     the reconstruction of a batch, without gradients
"""
from __future__ import annotations

import torch
from torch import nn

NOISE_KINDS = ("gaussian", "masking", "salt_pepper")


def add_noise(x: torch.Tensor, kind: str, level: float,
              generator: torch.Generator | None = None) -> torch.Tensor:
    """Corrupt images whose pixels lie in [0, 1]; the result lies in [0, 1] too.

    x: (N, ...) float in [0, 1] -> (N, ...) with x's dtype and device. ONE draw of x's shape, on
    the CPU in x's dtype from `generator` (the global generator when None), moved to x's device:
    - "gaussian":    x + level * randn, then clamped to [0, 1] (level is the std, not the variance);
    - "masking":     u = rand; a pixel with u < level is set to 0 (level = fraction dropped);
    - "salt_pepper": u = rand; u < level / 2 -> 0 (pepper), level / 2 <= u < level -> 1 (salt).
    level = 0 returns an unchanged copy. x is never modified in place.
    """
    if kind not in NOISE_KINDS:
        raise ValueError(f"kind must be one of {NOISE_KINDS}, got {kind!r}")
    if not level >= 0:
        raise ValueError(f"level must be >= 0, got {level!r}")
    if kind == "gaussian":
        noise = torch.randn(x.shape, generator=generator, dtype=x.dtype, device="cpu").to(x.device)
        return (x + level * noise).clamp(0.0, 1.0)
    u = torch.rand(x.shape, generator=generator, dtype=x.dtype, device="cpu").to(x.device)
    if kind == "masking":
        return x.masked_fill(u < level, 0.0)
    out = x.masked_fill(u < level / 2, 0.0)
    return out.masked_fill((u >= level / 2) & (u < level), 1.0)


class ConvAutoencoder(nn.Module):
    """(N, 1, 8, 8) in [0, 1] -> code (N, code_dim) -> (N, 1, 8, 8) in (0, 1).

    encoder: two 3x3 convolutions (the second with stride 2: 8x8 -> 4x4), then a linear layer to
    the code; decoder: the mirror image (linear, a stride-2 transposed convolution back to 8x8,
    a 3x3 convolution to one channel, a sigmoid because pixels lie in [0, 1]).
    """

    def __init__(self, code_dim: int = 32, width: int = 16):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),  # (N, 2w, 4, 4)
            nn.Flatten(), nn.Linear(2 * width * 16, code_dim))
        self.decoder = nn.Sequential(
            nn.Linear(code_dim, 2 * width * 16), nn.ReLU(), nn.Unflatten(1, (2 * width, 4, 4)),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1), nn.ReLU(),  # (N, w, 8, 8)
            nn.Conv2d(width, 1, 3, padding=1), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, 1, 8, 8) -> reconstruction (N, 1, 8, 8)."""
        return self.decoder(self.encoder(x))


def train_autoencoder(x: torch.Tensor, *, noise: tuple[str, float] | None, epochs: int = 30,
                      batch_size: int = 64, lr: float = 2e-3, code_dim: int = 32,
                      seed: int = 0) -> ConvAutoencoder:
    """Train a ConvAutoencoder to map add_noise(x) back to x with the MSE loss.

    x: (N, 1, 8, 8) clean images in [0, 1]. noise=None trains a plain autoencoder (input = target);
    noise=("gaussian", 0.5) a denoising one, a fresh corruption of every batch. The seed fixes the
    initialisation, the batch order and the noise, so an AE and a DAE with the same seed differ
    only in the corruption.
    """
    torch.manual_seed(seed)
    model = ConvAutoencoder(code_dim).to(x.device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(seed + 1)
    g_noise = torch.Generator().manual_seed(seed + 2)
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=g).to(x.device)
        for i in range(0, len(x), batch_size):
            clean = x[order[i:i + batch_size]]
            seen = clean if noise is None else add_noise(clean, *noise, generator=g_noise)
            loss = nn.functional.mse_loss(model(seen), clean)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()


@torch.no_grad()
def denoise(model: nn.Module, x: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
    """model's reconstruction of x: (N, 1, 8, 8) -> (N, 1, 8, 8), in eval mode, no gradients."""
    return torch.cat([model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])
