"""RotNet's pretext task (Gidaris et al. 2018): predict by how many quarter turns an image
was rotated. The labels come from the data: no person labels anything."""
from __future__ import annotations

import torch

from .._validate import check_tensor


def rotate_batch(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Every image at 0, 90, 180 and 270 degrees, with the rotation as its label.

    x: (N, C, H, W) square images (H == W), any dtype. Returns
      images: (4N, C, H, W), x's dtype and device; rows k*N .. (k+1)*N - 1 hold all N images
        turned k quarter turns counter-clockwise (torch.rot90(x, k, dims=(-2, -1)); exact, no
        interpolation), in x's order;
      labels: (4N,) int64 on x's device: k for the rows of block k (N zeros, N ones, ...).
    Non-square images would change shape at 90 degrees and could not share a batch: a
    ValueError.
    """
    check_tensor("x", x)
    if x.ndim != 4:
        raise ValueError(f"x must be a batch of images (N, C, H, W), got shape {tuple(x.shape)}")
    if x.shape[-2] != x.shape[-1]:
        raise ValueError(f"x must hold square images (H == W): a quarter turn of {x.shape[-2]}x{x.shape[-1]} "
                         f"images is {x.shape[-1]}x{x.shape[-2]}, so the rotations cannot share one batch")
    images = torch.cat([torch.rot90(x, k, dims=(-2, -1)) for k in range(4)])  # (4N, C, H, W)
    labels = torch.arange(4, device=x.device).repeat_interleave(x.shape[0])  # (4N,) 0...0 1...1 2...2 3...3
    return images, labels
