"""Known-wrong implementations for chapter 02."""
from __future__ import annotations

import torch
import torch.nn.functional as F
import torchvision.transforms.v2.functional as TF

from . import mutant


# --------------------------------------------------------------------------- 02.resized_crop
def _crop(x, boxes, size, flip=None, *, positions="centres", align_corners=False, xy=True, norm_swap=False,
          padding="border", mode="bilinear", grid_dtype=None, device_free=False, mirror_input=False):
    """A batched resized crop through F.grid_sample, with one thing (named by a keyword) wrong."""
    n, _, height, width = x.shape
    out_h, out_w = size
    flip = torch.zeros(n, dtype=torch.bool, device=x.device) if flip is None else flip
    if mirror_input:  # mirror the image, then cut the same box out of it
        x = torch.where(flip.view(-1, 1, 1, 1), x.flip(-1), x)
        flip = torch.zeros_like(flip)
    dtype = grid_dtype or x.dtype
    dev = {} if device_free else {"device": x.device}
    b = boxes.to(x.device, dtype)
    if positions == "centres":
        fx = (torch.arange(out_w, dtype=dtype, **dev) + 0.5) / out_w
        fy = (torch.arange(out_h, dtype=dtype, **dev) + 0.5) / out_h
    else:  # edge to edge
        fx = torch.linspace(0, 1, out_w, dtype=dtype, device=x.device)
        fy = torch.linspace(0, 1, out_h, dtype=dtype, device=x.device)
    fx = torch.where(flip[:, None], 1 - fx, fx)  # (N, out_w)
    px = b[:, 0:1] + (b[:, 2:3] - b[:, 0:1]) * fx  # (N, out_w) pixel-edge coordinates
    py = b[:, 1:2] + (b[:, 3:4] - b[:, 1:2]) * fy  # (N, out_h)
    nx, ny = (height, width) if norm_swap else (width, height)
    gx, gy = px * 2 / nx - 1, py * 2 / ny - 1  # align_corners=True reads these with the other convention
    gx = gx[:, None, :].expand(n, out_h, out_w)
    gy = gy[:, :, None].expand(n, out_h, out_w)
    grid = torch.stack([gx, gy] if xy else [gy, gx], dim=-1).to(x.dtype)
    return F.grid_sample(x, grid, mode=mode, padding_mode=padding, align_corners=align_corners)


@mutant("02.resized_crop", "common wrong answer: sample points spread from box edge to box edge (linspace), "
                           "not at the output pixels' centres")
def _edge_to_edge(x, boxes, size, flip=None):
    return _crop(x, boxes, size, flip, positions="edges")


@mutant("02.resized_crop", "grid_sample with align_corners=True: -1 and +1 read as the outer pixel centres")
def _align_corners(x, boxes, size, flip=None):
    return _crop(x, boxes, size, flip, align_corners=True)


@mutant("02.resized_crop", "(row, column) in the grid's last dimension, where grid_sample reads (x, y)")
def _yx(x, boxes, size, flip=None):
    return _crop(x, boxes, size, flip, xy=False)


@mutant("02.resized_crop", "x normalised by the height and y by the width (right for square images only)")
def _norm_swapped(x, boxes, size, flip=None):
    return _crop(x, boxes, size, flip, norm_swap=True)


@mutant("02.resized_crop", "size read as (width, height)")
def _size_swapped(x, boxes, size, flip=None):
    return _crop(x, boxes, (size[1], size[0]), flip)


@mutant("02.resized_crop", "flip ignored")
def _no_flip(x, boxes, size, flip=None):
    return _crop(x, boxes, size, None)


@mutant("02.resized_crop", "the input image mirrored before cropping, instead of the view")
def _mirrored_input(x, boxes, size, flip=None):
    return _crop(x, boxes, size, flip, mirror_input=True)


@mutant("02.resized_crop", "zero padding: points beyond the outer pixel centres blend with black")
def _zero_padding(x, boxes, size, flip=None):
    return _crop(x, boxes, size, flip, padding="zeros")


@mutant("02.resized_crop", "nearest pixel instead of bilinear interpolation")
def _nearest(x, boxes, size, flip=None):
    return _crop(x, boxes, size, flip, mode="nearest")


@mutant("02.resized_crop", "float64 images sampled at float32 positions")
def _float32_grid(x, boxes, size, flip=None):
    return _crop(x, boxes, size, flip, grid_dtype=torch.float32)


@mutant("02.resized_crop", "torch.arange on the default device (fails with the images on a GPU)")
def _default_device(x, boxes, size, flip=None):
    return _crop(x, boxes, size, flip, device_free=True)


@mutant("02.resized_crop", "chunks of 512 images, every chunk cut with the first chunk's boxes")
def _chunked(x, boxes, size, flip=None):
    flip = torch.zeros(len(x), dtype=torch.bool, device=x.device) if flip is None else flip
    return torch.cat([_crop(x[i:i + 512], boxes[:len(x[i:i + 512])], size, flip[i:i + 512])
                      for i in range(0, len(x), 512)])


@mutant("02.resized_crop", "per image: the box rounded to whole pixels, then torchvision's resized_crop")
def _rounded_torchvision(x, boxes, size, flip=None):
    views = []
    for i, (x0, y0, x1, y1) in enumerate(boxes.round().long().tolist()):
        v = TF.resized_crop(x[i], y0, x0, max(y1 - y0, 1), max(x1 - x0, 1), list(size), antialias=False)
        views.append(v.flip(-1) if flip is not None and flip[i] else v)
    return torch.stack(views)


# --------------------------------------------------------------------------- 02.crop_overlap
def _iou(b1, b2, *, clamp="sides", union="inclusion-exclusion", over="union", guard=True, dtype=None,
         guard_device=True):
    if dtype is not None:
        b1, b2 = b1.to(dtype), b2.to(dtype)
    lo = torch.maximum(b1[:, :2], b2[:, :2])
    hi = torch.minimum(b1[:, 2:], b2[:, 2:])
    sides = hi - lo
    if clamp == "sides":
        inter = sides.clamp(min=0).prod(dim=1)
    elif clamp == "area":
        inter = sides.prod(dim=1).clamp(min=0)
    else:
        inter = sides.prod(dim=1)
    a1 = (b1[:, 2:] - b1[:, :2]).prod(dim=1)
    a2 = (b2[:, 2:] - b2[:, :2]).prod(dim=1)
    den = {"union": a1 + a2 - inter, "first": a1}[over]
    if union == "sum":
        den = a1 + a2
    if not guard:
        return inter / den
    zeros = torch.zeros(len(b1), dtype=inter.dtype, device=inter.device if guard_device else None)
    return torch.where(den > 0, inter / den, zeros)


@mutant("02.crop_overlap", "common wrong answer: the intersection's width and height not clamped at 0 "
                           "(boxes apart in x and y 'overlap')")
def _no_clamp(boxes1, boxes2):
    return _iou(boxes1, boxes2, clamp=None)


@mutant("02.crop_overlap", "the intersection's area clamped at 0 instead of its width and height")
def _area_clamp(boxes1, boxes2):
    return _iou(boxes1, boxes2, clamp="area")


@mutant("02.crop_overlap", "union = area1 + area2: the shared area counted twice")
def _union_sum(boxes1, boxes2):
    return _iou(boxes1, boxes2, union="sum")


@mutant("02.crop_overlap", "intersection over the first box's area (the share of view 1 in view 2), not the union")
def _over_first(boxes1, boxes2):
    return _iou(boxes1, boxes2, over="first")


@mutant("02.crop_overlap", "two empty boxes give NaN: 0 / 0 not guarded")
def _unguarded(boxes1, boxes2):
    return _iou(boxes1, boxes2, guard=False)


@mutant("02.crop_overlap", "every box against every box (N, N), like torchvision.ops.box_iou")
def _all_pairs(boxes1, boxes2):
    from torchvision.ops import box_iou

    return box_iou(boxes1, boxes2)


@mutant("02.crop_overlap", "float64 boxes computed in float32 and cast back")
def _float32(boxes1, boxes2):
    return _iou(boxes1, boxes2, dtype=torch.float32).to(boxes1.dtype)


@mutant("02.crop_overlap", "the zero for empty pairs made on the default device (fails with boxes on a GPU)")
def _guard_on_default_device(boxes1, boxes2):
    return _iou(boxes1, boxes2, guard_device=False)


@mutant("02.crop_overlap", "chunks of 512 pairs, boxes2 restarting from its first row in every chunk")
def _chunked_overlap(boxes1, boxes2):
    return torch.cat([_iou(boxes1[i:i + 512], boxes2[:len(boxes1[i:i + 512])]) for i in range(0, len(boxes1), 512)])


@mutant("02.crop_overlap", "boxes read as (x, y, width, height)")
def _xywh(boxes1, boxes2):
    def corners(b):
        return torch.cat([b[:, :2], b[:, :2] + b[:, 2:]], dim=1)

    return _iou(corners(boxes1), corners(boxes2))


@mutant("02.crop_overlap", "corners rounded to whole pixels (a pixel count)")
def _rounded(boxes1, boxes2):
    return _iou(boxes1.round(), boxes2.round())
