"""Random resized crops for a whole batch: boxes drawn like torchvision's RandomResizedCrop,
applied with one `grid_sample` call.
"""
from __future__ import annotations

import math

import torch

from .._validate import check_int, check_range


# --------------------------------------------------------------------------------------
# batched pipeline (tensors)
# --------------------------------------------------------------------------------------
def crop_box(n: int, height: int, width: int, *, scale=(0.5, 1.0), ratio=(3 / 4, 4 / 3),
             generator: torch.Generator | None = None) -> torch.Tensor:
    """Random-resized-crop boxes for n images of height x width pixels.

    Returns (n, 4) float boxes (x0, y0, x1, y1) in pixel-edge coordinates:
    0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height.
    Area fraction ~ U(scale); aspect ratio w/h ~ log-uniform on `ratio` (so 2:1 and 1:2 are
    equally likely); the box is then clipped to fit the image and placed uniformly.
    torchvision instead retries up to ten times and falls back to a centre crop; clipping
    keeps every sample independent and vectorised, at the price of slightly smaller boxes
    when a wide aspect ratio meets a large area.
    """
    n = check_int("n", n)
    height, width = check_int("height", height), check_int("width", width)
    lo, hi = check_range("scale", scale, 0.0, 1.0)
    rlo, rhi = check_range("ratio", ratio, 0.0, None)
    dev = generator.device if generator is not None else torch.device("cpu")
    u = torch.rand(n, 4, generator=generator, device=dev)  # area, ratio, x, y
    area = (lo + (hi - lo) * u[:, 0]) * (height * width)  # in pixels^2
    aspect = torch.exp(math.log(rlo) + math.log(rhi / rlo) * u[:, 1])
    w = torch.sqrt(area * aspect).clamp(max=width)  # w * h = area, w / h = aspect
    h = torch.sqrt(area / aspect).clamp(max=height)
    x0 = (width - w) * u[:, 2]
    y0 = (height - h) * u[:, 3]
    return torch.stack([x0, y0, x0 + w, y0 + h], dim=1)


def _crop_grid(boxes: torch.Tensor, height: int, width: int, out_h: int, out_w: int,
               flip: torch.Tensor) -> torch.Tensor:
    """The sampling grid that resizes each box to out_h x out_w, for F.grid_sample.

    boxes: (N, 4) pixel boxes (x0, y0, x1, y1); flip: (N,) bool. Returns (N, out_h, out_w, 2),
    the (x, y) input position of every output pixel in grid_sample's [-1, 1] coordinates.
    With align_corners=False, pixel edge p of the input sits at 2 p / size - 1, and output
    pixel centre j at fraction (j + 0.5) / out_w of the box. A crop is axis-aligned, so x
    depends on the column only and y on the row only: two small outer products, where
    F.affine_grid would do a (3 x 3) matmul per pixel. A flip reverses the columns.
    """
    x0, y0, x1, y1 = boxes.unbind(dim=1)
    fx = (torch.arange(out_w, dtype=boxes.dtype, device=boxes.device) + 0.5) / out_w  # (out_w,)
    fy = (torch.arange(out_h, dtype=boxes.dtype, device=boxes.device) + 0.5) / out_h
    fx = torch.where(flip[:, None], 1 - fx, fx)  # (N, out_w)
    gx = (x0[:, None] + (x1 - x0)[:, None] * fx) * (2 / width) - 1  # (N, out_w)
    gy = (y0[:, None] + (y1 - y0)[:, None] * fy) * (2 / height) - 1  # (N, out_h)
    n = boxes.shape[0]
    return torch.stack([gx[:, None, :].expand(n, out_h, out_w),
                        gy[:, :, None].expand(n, out_h, out_w)], dim=-1)
