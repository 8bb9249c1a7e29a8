"""Multi-crop (Caron et al. 2020, SwAV; used by DINO): a few large "global" crops and several
small "local" crops of every image, all drawn with the package's batched resized crop.
"""
from __future__ import annotations

import torch

from .._validate import check_generator, check_images, check_int, check_range
from .crop import crop_box, resized_crop


def multi_crop(x: torch.Tensor, generator: torch.Generator, *, n_global: int = 2, n_local: int = 4,
               global_size: int | None = None, local_size: int | None = None,
               global_scale=(0.5, 1.0), local_scale=(0.1, 0.5), flip: bool = True) -> list[torch.Tensor]:
    """Global crops first, then local crops, each view a fresh random resized crop of every image.

    x: (N, C, H, W) float images; generator: a torch.Generator (reproducible views).
    Returns a list of n_global tensors (N, C, global_size, global_size) followed by n_local
    tensors (N, C, local_size, local_size); global_size defaults to H, local_size to about H / 2.
    Crop areas are drawn from global_scale and local_scale (fractions of the image), with a
    random horizontal flip per view when flip is True. DINO's teacher sees the global crops only;
    the student sees every crop ("local-to-global" correspondence).
    """
    check_images(x)
    check_generator(generator)
    n_global, n_local = check_int("n_global", n_global), check_int("n_local", n_local, minimum=0)
    n, _, height, width = x.shape
    global_size = height if global_size is None else check_int("global_size", global_size)
    local_size = max(1, height // 2) if local_size is None else check_int("local_size", local_size)
    check_range("global_scale", global_scale, 0.0, 1.0)
    check_range("local_scale", local_scale, 0.0, 1.0)
    out = []
    for i in range(n_global + n_local):
        size, scale = (global_size, global_scale) if i < n_global else (local_size, local_scale)
        boxes = crop_box(n, height, width, scale=scale, generator=generator)
        mirror = torch.rand(n, generator=generator, device=boxes.device) < (0.5 if flip else 0.0)
        out.append(resized_crop(x, boxes, size, flip=mirror))
    return out
