"""Colour operations on image batches (N, 3, H, W) in [0, 1]: HSV conversions, grayscale,
colour jitter with its random factors passed in, and SimCLR's colour distortion.
"""
from __future__ import annotations

import torch

from .._validate import check_images, check_tensor

# ITU-R 601-2 luma weights, as PIL's convert("L") uses them. (torchvision's tensor functions
# use 0.2989 for red: the results differ by at most 1.1e-4.)
_LUMA = (0.299, 0.587, 0.114)




# --------------------------------------------------------------------------------------
# colour spaces (vectorised; shared with data sets that draw coloured images)
# --------------------------------------------------------------------------------------
def rgb_to_hsv(x: torch.Tensor) -> torch.Tensor:
    """RGB to HSV, all channels in [0, 1]. x: (..., 3, H, W) -> (..., 3, H, W).

    Hue is 0 wherever the pixel is grey (max == min), as in PIL and torchvision. Written
    with few elementwise passes (no per-sector masks multiplied in) because on small
    images the colour conversion is the costliest part of `batch_augment`.
    """
    r, g, b = x.unbind(dim=-3)
    maxc, minc = x.amax(dim=-3), x.amin(dim=-3)
    delta = maxc - minc
    s = delta / maxc.clamp_min(1e-12)  # black: delta = 0, so s = 0
    inv = 1 / delta.clamp_min(1e-12)  # grey: the differences below are 0, so hue = 0
    is_r = maxc == r
    is_g = (maxc == g) & ~is_r  # ties go to red, then green, as in PIL
    h = torch.where(is_r, (g - b) * inv, torch.where(is_g, (b - r) * inv + 2, (r - g) * inv + 4))
    h = (h / 6 + 1).frac()  # sector units -> turns; red's (-1/6, 0) wraps to (5/6, 1)
    return torch.stack([h, s, maxc], dim=-3)


def hsv_to_rgb(x: torch.Tensor) -> torch.Tensor:
    """HSV to RGB, all channels in [0, 1]; hue wraps around. x: (..., 3, H, W) -> same shape.

    The closed form f(n) = v - v s max(0, min(k, 4 - k, 1)), k = (n + 6 h) mod 6, with
    n = 5, 3, 1 for R, G, B: no branches, so it vectorises over any batch.
    """
    h, s, v = (c.unsqueeze(-3) for c in x.unbind(dim=-3))  # each (..., 1, H, W)
    n = torch.tensor([5.0, 3.0, 1.0], dtype=x.dtype, device=x.device).view(3, 1, 1)
    k = (n + 6 * h).remainder(6)  # (..., 3, H, W)
    ramp = torch.minimum(k, 4 - k).clamp_(0, 1)
    return v - (v * s) * ramp


def grayscale(x: torch.Tensor) -> torch.Tensor:
    """Luma of RGB images, kept as 3 equal channels. x: (N, 3, H, W) -> (N, 3, H, W)."""
    r, g, b = x.unbind(dim=1)
    luma = _LUMA[0] * r + _LUMA[1] * g + _LUMA[2] * b  # (N, H, W)
    return luma.unsqueeze(1).expand_as(x)


def _blend(a: torch.Tensor, b: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """factor * a + (1 - factor) * b, clamped to [0, 1] (torchvision's _blend, batched).

    a, b: (N, C, H, W) or broadcastable; factor: (N,), one per image. One fused lerp.
    """
    return torch.lerp(b, a, factor.view(-1, 1, 1, 1)).clamp_(0, 1)


def color_jitter(x: torch.Tensor, brightness: torch.Tensor, contrast: torch.Tensor,
                 saturation: torch.Tensor, hue: torch.Tensor) -> torch.Tensor:
    """torchvision's four colour adjustments with a different factor for every image.

    x: (N, 3, H, W) in [0, 1]; brightness, contrast, saturation: (N,) factors (1 = unchanged);
    hue: (N,) shifts in turns of the colour wheel (0 = unchanged). Returns (N, 3, H, W).
    Same formulas as torchvision (blend with black, with the mean grey level, with the
    grayscale image; rotate hue in HSV), but in a fixed order where torchvision shuffles the
    four per image: the shuffle matters little and would cost 24 branches.
    """
    brightness, contrast, saturation, hue = (f.to(x.device, x.dtype) for f in (brightness, contrast, saturation, hue))
    x = (x * brightness.view(-1, 1, 1, 1)).clamp_(0, 1)  # blend with black
    mean = grayscale(x)[:, :1].mean(dim=(1, 2, 3), keepdim=True)  # (N, 1, 1, 1)
    x = _blend(x, mean, contrast)
    x = _blend(x, grayscale(x), saturation)
    h, s, v = rgb_to_hsv(x).unbind(dim=1)
    h = h + hue.view(-1, 1, 1)  # hsv_to_rgb wraps it around the wheel
    return hsv_to_rgb(torch.stack([h, s, v], dim=1))


def color_distortion(x: torch.Tensor, brightness: torch.Tensor, contrast: torch.Tensor,
                     saturation: torch.Tensor, hue: torch.Tensor, gray: torch.Tensor) -> torch.Tensor:
    """SimCLR's colour distortion with its random factors passed in: jitter, then grayscale.

    x: (N, 3, H, W) in [0, 1]; brightness, contrast, saturation: (N,) factors (1 = unchanged);
    hue: (N,) shifts in turns (0 = unchanged); gray: (N,) bool, True where the image is
    turned to grayscale after the jitter ("colour dropping"). Returns (N, 3, H, W) in [0, 1].
    Deterministic: `batch_augment` draws the factors and calls this.
    """
    check_images(x)
    if x.shape[1] != 3:
        raise ValueError(f"x must have 3 channels (RGB), got {x.shape[1]}")
    n = x.shape[0]
    for name, f in (("brightness", brightness), ("contrast", contrast), ("saturation", saturation),
                    ("hue", hue), ("gray", gray)):
        check_tensor(name, f)
        if f.shape != (n,):
            raise ValueError(f"{name} must have shape ({n},), one value per image, got {tuple(f.shape)}")
    if gray.dtype != torch.bool:
        raise TypeError(f"gray must be a bool tensor, got dtype {gray.dtype}")
    x = color_jitter(x, brightness, contrast, saturation, hue)
    return torch.where(gray.to(x.device).view(-1, 1, 1, 1), grayscale(x), x)
