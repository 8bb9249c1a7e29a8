"""Known-wrong implementations for chapter 04."""
from __future__ import annotations

import torch

from ssl_course.augment.color import grayscale, hsv_to_rgb, rgb_to_hsv

from . import mutant


def _distort(x, b, c, s, h, gray, *, contrast_to=None, luma=True, clamp=True, batch_factor=False,
             hue_degrees=False, gray_first=False):
    def v(f):
        return (f[:1] if batch_factor else f).view(-1, 1, 1, 1)

    def gray_of(img):
        return grayscale(img) if luma else img.mean(dim=1, keepdim=True).expand_as(img)

    def cl(img):
        return img.clamp(0, 1) if clamp else img

    if gray_first:
        x = torch.where(gray.view(-1, 1, 1, 1), gray_of(x), x)
    x = cl(x * v(b))
    mean = gray_of(x)[:, :1].mean(dim=(1, 2, 3), keepdim=True) if contrast_to is None else contrast_to
    x = cl(v(c) * x + (1 - v(c)) * mean)
    x = cl(v(s) * x + (1 - v(s)) * gray_of(x))
    hsv = rgb_to_hsv(x.clamp(0, 1))
    shift = h * 360 if hue_degrees else h
    hsv = torch.stack([hsv[:, 0] + (shift[:1] if batch_factor else shift).view(-1, 1, 1), hsv[:, 1], hsv[:, 2]], dim=1)
    x = hsv_to_rgb(hsv)
    if not gray_first:
        x = torch.where(gray.view(-1, 1, 1, 1), gray_of(x), x)
    return x


# --------------------------------------------------------------------------- 04.color_distortion
_IMAGENET_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
_IMAGENET_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


@mutant("04.color_distortion", "common wrong answer: no colour distortion, only ImageNet normalisation")
def _imagenet_normalise(x, brightness, contrast, saturation, hue, gray):
    return (x - _IMAGENET_MEAN.to(x.dtype)) / _IMAGENET_STD.to(x.dtype)


@mutant("04.color_distortion", "contrast blended with a fixed 0.5 grey instead of the image's mean")
def _fixed_grey(x, b, c, s, h, gray):
    return _distort(x, b, c, s, h, gray, contrast_to=0.5)


@mutant("04.color_distortion", "grayscale as the plain channel mean instead of luma weights")
def _channel_mean(x, b, c, s, h, gray):
    return _distort(x, b, c, s, h, gray, luma=False)


@mutant("04.color_distortion", "no clamping to [0, 1] between the operations")
def _no_clamp(x, b, c, s, h, gray):
    return _distort(x, b, c, s, h, gray, clamp=False)


@mutant("04.color_distortion", "the first image's factors used for the whole batch")
def _batch_factor(x, b, c, s, h, gray):
    return _distort(x, b, c, s, h, gray, batch_factor=True)


@mutant("04.color_distortion", "hue shift read as degrees")
def _degrees(x, b, c, s, h, gray):
    return _distort(x, b, c, s, h, gray, hue_degrees=True)


@mutant("04.color_distortion", "grayscale applied before the jitter (the jitter re-colours it)")
def _gray_first(x, b, c, s, h, gray):
    return _distort(x, b, c, s, h, gray, gray_first=True)


# --------------------------------------------------------------------------- 04.policy
def _flags(**on):
    out = dict(crop=False, color=False, flip=False, gray=False)
    out.update(on)
    return out


@mutant("04.policy", "common wrong answer: more diversity is better, so every setting switches everything on")
def _everything(setting):
    if setting.replace("+", "") and all(p in ("none", "all", "crop", "color", "flip", "gray")
                                        for p in setting.split("+")):
        return _flags(crop=True, color=True, flip=True, gray=True)
    raise ValueError(setting)


@mutant("04.policy", "unknown names silently ignored (a typo trains without that augmentation)")
def _ignore_unknown(setting):
    names = {"crop": "crop", "color": "color", "flip": "flip", "gray": "gray"}
    if setting == "all":
        return _flags(crop=True, color=True, flip=True, gray=True)
    out = _flags()
    for part in setting.split("+"):
        if part in names:
            out[names[part]] = True
    return out


@mutant("04.policy", "a table of the five ablation names only: compositions such as 'color+crop' fail")
def _table(setting):
    table = {"none": _flags(), "crop": _flags(crop=True), "color": _flags(color=True),
             "crop+color": _flags(crop=True, color=True),
             "all": _flags(crop=True, color=True, flip=True, gray=True)}
    if setting not in table:
        raise ValueError(setting)
    return dict(table[setting])


@mutant("04.policy", "'color' also switches grayscale on")
def _colour_with_gray(setting):
    from ssl_course.augment import policy

    out = policy(setting)
    out["gray"] = out["gray"] or out["color"]
    return out


@mutant("04.policy", "'none' still flips (flip treated as always free)")
def _none_flips(setting):
    from ssl_course.augment import policy

    out = policy(setting)
    out["flip"] = True
    return out
