"""The usual way: a torchvision pipeline applied to one PIL image at a time, and `TwoViews`,
which turns any transform into the positive pair SimCLR needs.
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
    scale = check_range("scale", scale, 0.0, 1.0)
    ratio = check_range("ratio", ratio, 0.0, None)
    check_strength(strength)
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
    check_images(x)
    check_generator(generator)
    if not callable(augment):
        raise TypeError(f"augment must be callable (x, generator) -> view, got {type(augment).__name__}")
    return augment(x, generator), augment(x, generator)
