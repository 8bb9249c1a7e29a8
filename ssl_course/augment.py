"""SimCLR augmentations two ways: per image with PIL (the usual way) and per batch with tensors.

`simclr_transform` is the torchvision pipeline a Dataset applies to one image at a time;
`TwoViews` wraps any transform so each image comes out as the positive pair SimCLR needs.
`batch_augment` applies the same family of operations (random resized crop, horizontal flip,
colour jitter, random grayscale) to a whole batch (N, C, H, W) at once: one `grid_sample`
call for every crop and flip, a few elementwise ops for the colours. On small images the
per-image path is bounded by Python and PIL overhead, not arithmetic, so batching wins by
orders of magnitude and runs unchanged on a GPU.

`two_views` (the batched positive pair), `color_distortion` (colour jitter and grayscale with
the random factors passed in) and `policy` (named switches for ablations) are the reference
solutions of chapters 02 and 04.
"""
from __future__ import annotations

import math
import numbers

import torch
import torch.nn.functional as F

from ._validate import check_generator, check_int, check_probability, check_tensor

# ITU-R 601-2 luma weights, as PIL's convert("L") uses them. (torchvision's tensor functions
# use 0.2989 for red: the results differ by at most 1.1e-4.)
_LUMA = (0.299, 0.587, 0.114)


# --------------------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------------------
def _check_range(name: str, value, low: float, high: float | None) -> tuple[float, float]:
    """value must be a pair (a, b) with low < a <= b (<= high when high is given)."""
    if not isinstance(value, (tuple, list)) or len(value) != 2 or not all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value):
        raise TypeError(f"{name} must be a pair of numbers (min, max), got {value!r}")
    a, b = float(value[0]), float(value[1])
    if not (low < a <= b and (high is None or b <= high)):
        bound = f"{low} < min <= max" + (f" <= {high}" if high is not None else "")
        raise ValueError(f"{name} must satisfy {bound}, got {value!r}")
    return a, b


def _check_images(x) -> None:
    check_tensor("x", x)
    if x.ndim != 4:
        raise ValueError(f"x must be a batch of images (N, C, H, W), got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"x must be a floating tensor with values in [0, 1], got dtype {x.dtype}")


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


# --------------------------------------------------------------------------------------
# per-image pipeline (torchvision + PIL)
# --------------------------------------------------------------------------------------
class _ToPIL:
    """A (3, H, W) float tensor in [0, 1] to a PIL image; a PIL image passes through.

    A module-level class rather than a lambda so the pipeline pickles into DataLoader workers.
    """

    def __call__(self, img):
        from torchvision.transforms import functional as TF

        return TF.to_pil_image(img) if isinstance(img, torch.Tensor) else img

    def __repr__(self) -> str:
        return "ToPIL()"


def simclr_transform(size: int, *, scale=(0.5, 1.0), ratio=(3 / 4, 4 / 3),
                     strength: float = 1.0, p_jitter: float = 0.8, p_gray: float = 0.2,
                     flip: bool = True):
    """SimCLR's augmentation for one image, sized for small images (the per-image baseline).

    Input: a PIL image or a (3, H, W) float tensor in [0, 1]. Output: (3, size, size) float.
    Random resized crop -> horizontal flip -> colour jitter (brightness, contrast and
    saturation 0.8 * strength, hue 0.2 * strength, applied with p_jitter) -> grayscale with
    p_gray. Why these defaults: the ImageNet recipe crops down to 8% of the area, which on a
    16x16 image is a 4x4 patch that often misses the object, so the smallest crop here is
    50% (on `shapes`, a 25% minimum cost about 15 shape-probe points when chapter 04's
    ablation was designed); the colour strength is SimCLR's ImageNet s = 1, because weaker
    jitter leaves colour usable as a shortcut. Like SimCLR's CIFAR-10 recipe there is no Gaussian blur (a tiny image is
    blurry already) and no ImageNet mean/std normalisation (not this data's statistics).
    """
    from torchvision import transforms as T

    size = check_int("size", size)
    scale = _check_range("scale", scale, 0.0, 1.0)
    ratio = _check_range("ratio", ratio, 0.0, None)
    _check_strength(strength)
    check_probability("p_jitter", p_jitter)
    check_probability("p_gray", p_gray)
    s = strength
    ops = [_ToPIL(), T.RandomResizedCrop(size, scale=scale, ratio=ratio, antialias=True)]
    if flip:
        ops.append(T.RandomHorizontalFlip())
    ops += [T.RandomApply([T.ColorJitter(0.8 * s, 0.8 * s, 0.8 * s, 0.2 * s)], p=p_jitter),
            T.RandomGrayscale(p=p_gray), T.ToTensor()]
    return T.Compose(ops)


class TwoViews:
    """Wrap a per-image transform so that one input gives two independent random views.

    `TwoViews(t)(img)` returns `(t(img), t(img))`: the positive pair. Put it in a Dataset
    and the DataLoader collates batches of pairs, `((N, C, H, W), (N, C, H, W))`.
    """

    def __init__(self, transform):
        if not callable(transform):
            raise TypeError(f"transform must be callable, got {type(transform).__name__}")
        self.transform = transform

    def __call__(self, x):
        # Two separate calls: each draws its own random crop, flip and colours.
        return self.transform(x), self.transform(x)

    def __repr__(self) -> str:
        return f"TwoViews({self.transform!r})"


def two_views(x: torch.Tensor, augment, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """The batched positive pair: two independent random views of every image in x.

    x: (N, C, H, W); augment(x, generator) -> (N, C, H', W'), one random view per image
    (e.g. `batch_augment`). Returns (view1, view2), augment called twice on the same batch
    and the same generator, the first call for view1: the generator moves on between the
    calls, so the two views get different crops and colours, and one seed gives one pair.
    """
    _check_images(x)
    check_generator(generator)
    if not callable(augment):
        raise TypeError(f"augment must be callable (x, generator) -> view, got {type(augment).__name__}")
    return augment(x, generator), augment(x, generator)


def _check_strength(strength) -> None:
    if isinstance(strength, bool) or not isinstance(strength, numbers.Real):
        raise TypeError(f"strength must be a number in [0, 1.25], got {type(strength).__name__}")
    # 0.8 * strength <= 1 keeps brightness/contrast/saturation factors >= 0;
    # 0.2 * strength <= 0.5 is the widest hue shift (half the colour wheel).
    if not 0 <= strength <= 1.25:
        raise ValueError(f"strength must be in [0, 1.25], got {strength}")


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
    lo, hi = _check_range("scale", scale, 0.0, 1.0)
    rlo, rhi = _check_range("ratio", ratio, 0.0, None)
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
    _check_images(x)
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


def batch_augment(x: torch.Tensor, generator: torch.Generator, *, crop: bool = True,
                  color: bool = True, flip: bool = True, gray: bool = True,
                  size: int | None = None, scale=(0.5, 1.0), ratio=(3 / 4, 4 / 3),
                  strength: float = 1.0, p_jitter: float = 0.8,
                  p_gray: float = 0.2, p_flip: float = 0.5) -> torch.Tensor:
    """SimCLR's augmentation family applied to a whole batch at once, one draw per image.

    x: (N, C, H, W) float in [0, 1], on any device; generator: a torch.Generator (CPU or the
    data's device) that makes the result reproducible. Returns (N, C, size, size), size = H
    by default. Operations, each switchable for ablations:
      crop  - random resized crop, boxes from `crop_box(scale, ratio)`; bilinear resampling
      flip  - horizontal flip with p_flip (folded into the crop's sampling grid: free)
      color - colour jitter with p_jitter, factors as in `simclr_transform(strength)`,
              applied by `color_distortion` (together with gray)
      gray  - grayscale with p_gray
    The random numbers are drawn in the same order whatever the switches, so two settings
    called with equally seeded generators share their crops: ablations differ only in the
    operations switched. Colour operations need C == 3.
    """
    _check_images(x)
    check_generator(generator)
    n, c, height, width = x.shape
    if size is None:
        size_h, size_w = height, width
    else:
        size_h = size_w = check_int("size", size)
    if (color or gray) and c != 3:
        raise ValueError(f"x must have 3 channels for color or gray augmentation, got {c} "
                         f"(pass color=False, gray=False for {c}-channel images)")
    _check_strength(strength)
    for name, p in (("p_jitter", p_jitter), ("p_gray", p_gray), ("p_flip", p_flip)):
        check_probability(name, p)
    if n == 0:
        return x.new_zeros(0, c, size_h, size_w)

    # All random numbers first, always in this order (see the docstring).
    dev = generator.device
    if crop:
        boxes = crop_box(n, height, width, scale=scale, ratio=ratio, generator=generator)
    else:
        _check_range("scale", scale, 0.0, 1.0)
        _ = torch.rand(n, 4, generator=generator, device=dev)  # keep the stream aligned
        boxes = torch.tensor([[0.0, 0.0, width, height]], device=dev).expand(n, 4)
    u = torch.rand(n, 7, generator=generator, device=dev).to(x.device)
    boxes = boxes.to(x.device, x.dtype)

    do_flip = (u[:, 0] < p_flip) if flip else torch.zeros(n, dtype=torch.bool, device=x.device)
    if crop or flip or (size_h, size_w) != (height, width):
        grid = _crop_grid(boxes, height, width, size_h, size_w, do_flip)
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)

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
POLICY_OPS = {"crop": "crop", "flip": "flip", "colour": "color", "gray": "gray"}  # name -> flag


def policy(setting: str) -> dict:
    """The `batch_augment` switches for a named augmentation policy.

    setting: "none" (every operation off), "all" (every operation on), or operation names
    joined by "+", in any order, from: "crop" (random resized crop), "flip" (horizontal
    flip), "colour" (colour jitter), "gray" (random grayscale). E.g. "crop+colour".
    Returns a new dict {"crop": bool, "color": bool, "flip": bool, "gray": bool}: exactly
    the named operations on. An unknown name raises ValueError (a typo must not silently
    train without augmentation).
    """
    if not isinstance(setting, str):
        raise TypeError(f"setting must be a string such as 'crop+colour', got {type(setting).__name__}")
    flags = dict(crop=False, color=False, flip=False, gray=False)
    if setting == "all":
        return {k: True for k in flags}
    if setting == "none":
        return flags
    for name in setting.split("+"):
        if name not in POLICY_OPS:
            raise ValueError(f"unknown augmentation {name!r} in {setting!r}: use 'none', 'all' or "
                             f"names joined by '+' from {', '.join(POLICY_OPS)}")
        flags[POLICY_OPS[name]] = True
    return flags
