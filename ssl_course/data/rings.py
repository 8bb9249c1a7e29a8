"""A ring of Gaussians in 2-D (Metz et al. 2017's mode-collapse test): `ring_centres`, `sample_ring`."""
from __future__ import annotations

import math

import torch


def ring_centres(modes: int = 8, radius: float = 2.0, dtype=torch.float32) -> torch.Tensor:
    """The mode centres, evenly spaced on a circle: (modes, 2)."""
    angle = torch.arange(modes, dtype=torch.float64) * (2 * math.pi / modes)
    return (radius * torch.stack([angle.cos(), angle.sin()], dim=1)).to(dtype)


def sample_ring(n: int, modes: int = 8, radius: float = 2.0, std: float = 0.02,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """n points (n, 2): a uniformly chosen mode centre plus isotropic Gaussian noise of `std`."""
    which = torch.randint(0, modes, (n,), generator=generator)
    noise = torch.randn(n, 2, generator=generator)
    return ring_centres(modes, radius)[which] + std * noise
