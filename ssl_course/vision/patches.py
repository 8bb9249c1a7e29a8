"""Images as sequences of patches, the way a Vision Transformer reads them (chapter 26).

A patch of side p is flattened in the MAE paper's order (`nchpwq -> nhwpqc`): the patches run
left to right, then top to bottom (row-major over the patch grid), and inside a patch the
pixels run row-major with the channel last, so one patch vector is (p, p, C) flattened.
`unpatchify` is its exact inverse; `tests/test_vision.py` checks both against torch's
`unfold`/`fold` and a Python loop.
"""
from __future__ import annotations

import torch

from .._validate import check_int, check_tensor


def _grid(height: int, width: int, patch_size: int) -> tuple[int, int]:
    if height % patch_size or width % patch_size:
        raise ValueError(f"the image ({height}x{width}) must be divisible by patch_size={patch_size}")
    return height // patch_size, width // patch_size


def patchify(images: torch.Tensor, patch_size: int) -> torch.Tensor:
    """images: (N, C, H, W) -> patches (N, L, p*p*C), L = (H/p)(W/p), in the MAE paper's order.

    Patch l = i * (W/p) + j covers rows i*p..i*p+p-1 and columns j*p..j*p+p-1; its vector holds
    pixel (a, b, c) of the patch at index (a * p + b) * C + c. H and W must be multiples of p.
    """
    check_tensor("images", images)
    if images.ndim != 4:
        raise ValueError(f"images must be (N, C, H, W), got shape {tuple(images.shape)}")
    p = check_int("patch_size", patch_size)
    n, c, height, width = images.shape
    h, w = _grid(height, width, p)
    x = images.reshape(n, c, h, p, w, p)
    x = x.permute(0, 2, 4, 3, 5, 1)  # (N, h, w, p, p, C): nchpwq -> nhwpqc
    return x.reshape(n, h * w, p * p * c)


def unpatchify(patches: torch.Tensor, patch_size: int, height: int, width: int) -> torch.Tensor:
    """patches: (N, L, p*p*C) -> images (N, C, H, W); the exact inverse of `patchify`.

    H and W are needed because a sequence of L patches fits several grids (16 = 4x4 = 2x8).
    """
    check_tensor("patches", patches)
    if patches.ndim != 3:
        raise ValueError(f"patches must be (N, L, p*p*C), got shape {tuple(patches.shape)}")
    p = check_int("patch_size", patch_size)
    h, w = _grid(check_int("height", height), check_int("width", width), p)
    n, length, dim = patches.shape
    if length != h * w or dim % (p * p):
        raise ValueError(f"patches of shape {tuple(patches.shape)} do not tile a {height}x{width} image "
                         f"with patch_size={p} ({h * w} patches of p*p*C entries expected)")
    c = dim // (p * p)
    x = patches.reshape(n, h, w, p, p, c).permute(0, 5, 1, 3, 2, 4)  # nhwpqc -> nchpwq
    return x.reshape(n, c, height, width)


def sincos_position_embedding(grid_h: int, grid_w: int, dim: int) -> torch.Tensor:
    """The MAE paper's fixed 2-D position embedding: (grid_h * grid_w, dim), patches row-major.

    The first dim/2 entries encode the column j, the last dim/2 the row i, each as
    [sin(pos * w_k), cos(pos * w_k)] for w_k = 10000^(-k / (dim/4)), k = 0..dim/4-1
    (dim must be a multiple of 4).
    """
    check_int("grid_h", grid_h)
    check_int("grid_w", grid_w)
    check_int("dim", dim)
    if dim % 4:
        raise ValueError(f"dim must be a multiple of 4, got {dim}")
    omega = 1.0 / 10000 ** (torch.arange(dim // 4, dtype=torch.float64) / (dim // 4))  # (dim/4,)
    rows, cols = torch.meshgrid(torch.arange(grid_h, dtype=torch.float64),
                                torch.arange(grid_w, dtype=torch.float64), indexing="ij")

    def encode(pos: torch.Tensor) -> torch.Tensor:  # (L,) -> (L, dim/2)
        angles = pos.reshape(-1, 1) * omega
        return torch.cat([angles.sin(), angles.cos()], dim=1)

    return torch.cat([encode(cols), encode(rows)], dim=1).float()

