"""SimCLR's augmentations for a whole batch (N, C, H, W) at once, and named policies for
ablations (chapter 04).

One `grid_sample` call does every crop and flip, a few elementwise ops the colours. On small
images the per-image PIL path is bounded by Python overhead, not arithmetic, so batching wins
by orders of magnitude and runs unchanged on a GPU.
"""
from __future__ import annotations

import torch

from .._validate import (
    check_generator,
    check_images,
    check_int,
    check_probability,
    check_range,
    check_strength,
)
from .color import color_distortion, grayscale
from .crop import crop_box, resized_crop


def batch_augment(x: torch.Tensor, generator: torch.Generator, *, crop: bool = True,
                  color: bool = True, flip: bool = True, gray: bool = True,
                  size: int | None = None, scale=(0.5, 1.0), ratio=(3 / 4, 4 / 3),
                  strength: float = 1.0, p_jitter: float = 0.8,
                  p_gray: float = 0.2, p_flip: float = 0.5) -> torch.Tensor:
    """SimCLR's augmentation family applied to a whole batch at once, one draw per image.

    x: (N, C, H, W) float in [0, 1], on any device; generator: a torch.Generator (CPU or the
    data's device) that makes the result reproducible. Returns (N, C, size, size), size = H
    by default. Operations, each switchable for ablations:
      crop  - random resized crop, boxes from `crop_box(scale, ratio)`, applied by
              `resized_crop` (bilinear resampling, one grid_sample call)
      flip  - horizontal flip with p_flip (folded into the crop's sampling grid: free)
      color - colour jitter with p_jitter, factors as in `simclr_transform(strength)`,
              applied by `color_distortion` (together with gray)
      gray  - grayscale with p_gray
    The random numbers are drawn in the same order whatever the switches, so two settings
    called with equally seeded generators share their crops: ablations differ only in the
    operations switched. Colour operations need C == 3.
    """
    check_images(x)
    check_generator(generator)
    n, c, height, width = x.shape
    if size is None:
        size_h, size_w = height, width
    else:
        size_h = size_w = check_int("size", size)
    if (color or gray) and c != 3:
        raise ValueError(f"x must have 3 channels for color or gray augmentation, got {c} "
                         f"(pass color=False, gray=False for {c}-channel images)")
    check_strength(strength)
    for name, p in (("p_jitter", p_jitter), ("p_gray", p_gray), ("p_flip", p_flip)):
        check_probability(name, p)
    if n == 0:
        return x.new_zeros(0, c, size_h, size_w)

    # All random numbers first, always in this order (see the docstring).
    dev = generator.device
    if crop:
        boxes = crop_box(n, height, width, scale=scale, ratio=ratio, generator=generator)
    else:
        check_range("scale", scale, 0.0, 1.0)
        _ = torch.rand(n, 4, generator=generator, device=dev)  # keep the stream aligned
        boxes = torch.tensor([[0.0, 0.0, width, height]], device=dev).expand(n, 4)
    u = torch.rand(n, 7, generator=generator, device=dev).to(x.device)
    boxes = boxes.to(x.device, x.dtype)

    do_flip = (u[:, 0] < p_flip) if flip else torch.zeros(n, dtype=torch.bool, device=x.device)
    if crop or flip or (size_h, size_w) != (height, width):
        x = resized_crop(x, boxes, (size_h, size_w), do_flip)  # one grid_sample call

    if color:
        jitter = (u[:, 1] < p_jitter).to(x.dtype)  # 1 where this image is jittered
        spread = 0.8 * strength
        factors = 1 + spread * (2 * u[:, 2:5] - 1)  # (N, 3) brightness, contrast, saturation
        factors = 1 + jitter[:, None] * (factors - 1)  # identity where not jittered
        hue = jitter * 0.2 * strength * (2 * u[:, 5] - 1)
        to_gray = (u[:, 6] < p_gray) if gray else torch.zeros(n, dtype=torch.bool, device=x.device)
        return color_distortion(x, factors[:, 0], factors[:, 1], factors[:, 2], hue, to_gray)
    if gray:
        to_gray = (u[:, 6] < p_gray).view(-1, 1, 1, 1)
        x = torch.where(to_gray, grayscale(x), x)
    return x


# --------------------------------------------------------------------------------------
# augmentation policies by name (chapter 04's ablation)
# --------------------------------------------------------------------------------------
def policy(setting: str) -> dict:
    """The `batch_augment` switches for a named augmentation policy.

    setting: "none" (every operation off), "all" (every operation on), or operation names
    joined by "+", in any order, from: "crop" (random resized crop), "flip" (horizontal
    flip), "color" (colour jitter), "gray" (random grayscale), each the name of its switch.
    E.g. "crop+color".
    Returns a new dict {"crop": bool, "color": bool, "flip": bool, "gray": bool}: exactly
    the named operations on. An unknown name raises ValueError (a typo must not silently
    train without augmentation).
    """
    if not isinstance(setting, str):
        raise TypeError(f"setting must be a string such as 'crop+color', got {type(setting).__name__}")
    flags = dict(crop=False, color=False, flip=False, gray=False)
    if setting == "all":
        return {k: True for k in flags}
    if setting == "none":
        return flags
    for name in setting.split("+"):
        if name not in flags:
            spelling = " (spelled 'color', like the switch)" if name == "colour" else ""
            raise ValueError(f"unknown augmentation {name!r} in {setting!r}{spelling}: use 'none', 'all' "
                             f"or names joined by '+' from {', '.join(flags)}")
        flags[name] = True
    return flags
