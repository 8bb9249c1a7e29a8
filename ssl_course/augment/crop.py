"""Random resized crops for a whole batch: boxes drawn like torchvision's RandomResizedCrop,
applied with one `grid_sample` call, and the overlap of two views' boxes.
"""
from __future__ import annotations

import math
import numbers

import torch
import torch.nn.functional as F

from .._validate import check_images, check_int, check_matrix, check_range, check_same_shape, check_tensor


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


def resized_crop(x: torch.Tensor, boxes: torch.Tensor, size, flip: torch.Tensor | None = None) -> torch.Tensor:
    """Crop a different box out of every image and resize it, for the whole batch in one call.

    x: (N, C, H, W) float images; boxes: (N, 4) float boxes (x0, y0, x1, y1) in pixel-edge
    coordinates (pixel (r, c) covers [c, c + 1] x [r, r + 1]); size: (out_h, out_w), or one
    int for a square output; flip: (N,) bool, True where the view is mirrored left-right
    (None: no flips). Returns (N, C, out_h, out_w) in x's dtype, on x's device.

    Output pixel (i, j) is the bilinear interpolation of x at the point a fraction
    ((j + 0.5) / out_w, (i + 0.5) / out_h) of the way across its box (column out_w - 1 - j
    where flipped); a point beyond the outermost pixel centres takes the edge pixels' values.
    For boxes with whole-pixel corners that are no smaller than the output, this is
    torchvision's resized_crop (bilinear, antialias=False) exactly.
    """
    check_images(x)
    check_matrix("boxes", boxes)
    n, _, height, width = x.shape
    if boxes.shape != (n, 4):
        raise ValueError(f"boxes must have shape ({n}, 4), one (x0, y0, x1, y1) per image, got {tuple(boxes.shape)}")
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        size = (size, size)
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise TypeError(f"size must be an int or a pair (out_h, out_w), got {size!r}")
    out_h, out_w = check_int("size[0]", size[0]), check_int("size[1]", size[1])
    if flip is None:
        flip = torch.zeros(n, dtype=torch.bool, device=x.device)
    check_tensor("flip", flip)
    if flip.shape != (n,) or flip.dtype != torch.bool:
        raise ValueError(f"flip must be a ({n},) bool tensor, got shape {tuple(flip.shape)}, dtype {flip.dtype}")
    grid = _crop_grid(boxes.to(x.device, x.dtype), height, width, out_h, out_w, flip.to(x.device))
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def crop_overlap(boxes1: torch.Tensor, boxes2: torch.Tensor) -> torch.Tensor:
    """Intersection over union of matched boxes: how much two views of one image share.

    boxes1, boxes2: (N, 4) float boxes (x0, y0, x1, y1) with x0 <= x1 and y0 <= y1; pair i
    is (boxes1[i], boxes2[i]). Returns (N,) in [0, 1], in the boxes' dtype: 1 for identical
    boxes, 0 for boxes that share no area (apart, or touching along an edge), and 0 where
    both boxes are empty (the union has no area). Not torchvision.ops.box_iou, which
    compares every box with every other ((N, N)).
    """
    check_same_shape("boxes1", boxes1, "boxes2", boxes2)
    if boxes1.shape[1] != 4:
        raise ValueError(f"boxes1 and boxes2 must have shape (N, 4), got {tuple(boxes1.shape)}")
    for name, b in (("boxes1", boxes1), ("boxes2", boxes2)):
        if (b[:, 2:] < b[:, :2]).any():
            raise ValueError(f"{name} must be corners (x0, y0, x1, y1) with x0 <= x1 and y0 <= y1")
    lo = torch.maximum(boxes1[:, :2], boxes2[:, :2])  # (N, 2) the intersection's top-left
    hi = torch.minimum(boxes1[:, 2:], boxes2[:, 2:])  # (N, 2) its bottom-right
    inter = (hi - lo).clamp(min=0).prod(dim=1)  # clamp each side: apart in x AND y is not overlap
    area1 = (boxes1[:, 2:] - boxes1[:, :2]).prod(dim=1)
    area2 = (boxes2[:, 2:] - boxes2[:, :2]).prod(dim=1)
    union = area1 + area2 - inter
    return inter / torch.where(union > 0, union, 1)  # two empty boxes: 0 / 1, not 0 / 0
