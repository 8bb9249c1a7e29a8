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


# --------------------------------------------------------------------------- 04.nearest_class_mean
def _class_means(x, y, classes):
    """(C, D) means of the rows of x whose label is classes[c] (a class with no row: the origin)."""
    member = (y[:, None] == classes[None]).to(x.dtype)  # (N, C)
    return member.T @ x / member.sum(dim=0).clamp_min(1)[:, None]


def _nearest(test, means):
    """(M,) index of the nearest mean, first on a tie; squared differences, as the reference."""
    return ((test[:, None, :] - means[None]) ** 2).sum(dim=2).argmin(dim=1)


@mutant("04.nearest_class_mean", "common wrong answer: the label of the nearest training row (1-NN), not of the nearest mean")
def _one_nn(train_feats, y_train, test_feats):
    return y_train[_nearest(test_feats, train_feats)]


@mutant("04.nearest_class_mean", "a class for every integer up to the largest label (absent ones sit at the origin)")
def _every_integer(train_feats, y_train, test_feats):
    classes = torch.arange(int(y_train.max()) + 1, device=y_train.device, dtype=y_train.dtype)
    return classes[_nearest(test_feats, _class_means(train_feats, y_train, classes))]


@mutant("04.nearest_class_mean", "ten classes assumed, as for digits (one_hot(y_train, 10))")
def _ten_classes(train_feats, y_train, test_feats):
    member = torch.nn.functional.one_hot(y_train.long(), 10).to(train_feats.dtype)  # (N, 10)
    means = member.T @ train_feats / member.sum(dim=0).clamp_min(1)[:, None]
    present = member.sum(dim=0) > 0
    dist = ((test_feats[:, None, :] - means[None]) ** 2).sum(dim=2).masked_fill(~present, float("inf"))
    return dist.argmin(dim=1).to(y_train.dtype)


@mutant("04.nearest_class_mean", "classes in order of first appearance: a tie goes to the label seen first")
def _first_seen(train_feats, y_train, test_feats):
    seen = list(dict.fromkeys(y_train.tolist()))
    classes = torch.tensor(seen, dtype=y_train.dtype, device=y_train.device)
    return classes[_nearest(test_feats, _class_means(train_feats, y_train, classes))]


@mutant("04.nearest_class_mean", "computes in float32 whatever the input dtype")
def _float32(train_feats, y_train, test_feats):
    from ssl_course.evaluate.probes import nearest_class_mean

    return nearest_class_mean(train_feats.float(), y_train, test_feats.float())


@mutant("04.nearest_class_mean", "the class means' buffer created on the default device (torch.zeros without device=)")
def _zeros_default_device(train_feats, y_train, test_feats):
    classes, index = torch.unique(y_train, sorted=True, return_inverse=True)
    sums = torch.zeros(len(classes), train_feats.shape[1], dtype=train_feats.dtype).index_add_(0, index, train_feats)
    means = sums / torch.bincount(index).to(train_feats.dtype)[:, None]
    return classes[_nearest(test_feats, means)]


@mutant("04.nearest_class_mean", "argmin taken within chunks of 512 classes, the later chunks' offsets lost")
def _chunked_classes(train_feats, y_train, test_feats):
    classes = torch.unique(y_train, sorted=True)
    means = _class_means(train_feats, y_train, classes)
    best_dist = torch.full((len(test_feats),), float("inf"), dtype=train_feats.dtype)
    best = torch.zeros(len(test_feats), dtype=torch.long)
    for start in range(0, len(classes), 512):
        dist = ((test_feats[:, None, :] - means[None, start:start + 512]) ** 2).sum(dim=2)
        d, i = dist.min(dim=1)
        better = d < best_dist
        best_dist, best = torch.where(better, d, best_dist), torch.where(better, i, best)  # i: no + start
    return classes[best]


@mutant("04.nearest_class_mean", "the predictions returned as int64 whatever y_train's dtype")
def _int64(train_feats, y_train, test_feats):
    from ssl_course.evaluate.probes import nearest_class_mean

    return nearest_class_mean(train_feats, y_train, test_feats).long()


@mutant("04.nearest_class_mean", "cosine similarity to the means (as chapter 05's kNN) instead of Euclidean distance")
def _cosine(train_feats, y_train, test_feats):
    classes = torch.unique(y_train, sorted=True)
    normalise = torch.nn.functional.normalize
    means = normalise(_class_means(train_feats, y_train, classes), dim=1)  # (C, D)
    return classes[(normalise(test_feats, dim=1) @ means.T).argmax(dim=1)]


# --------------------------------------------------------------------------- 04.color_distortion: the holes of issue 11
@mutant("04.color_distortion", "brightness applied in place to the caller's images")
def _in_place(x, brightness, contrast, saturation, hue, gray):
    x.mul_(brightness.view(-1, 1, 1, 1)).clamp_(0, 1)
    return _distort(x, torch.ones_like(brightness), contrast, saturation, hue, gray)


@mutant("04.color_distortion", "hue from max - min without a guard (grey pixels give NaN)")
def _unguarded_hue(x, brightness, contrast, saturation, hue, gray):
    out = _distort(x, brightness, contrast, saturation, hue, gray)
    flat = (x.amax(dim=1) - x.amin(dim=1) == 0).all(dim=(1, 2))  # a flat grey image: 0 / 0
    return torch.where(flat.view(-1, 1, 1, 1), torch.full_like(out, float("nan")), out)


@mutant("04.color_distortion", "contrast mean over the first H x H pixels (assumes square images)")
def _square(x, brightness, contrast, saturation, hue, gray):
    h = x.shape[2]
    x1 = (x * brightness.view(-1, 1, 1, 1)).clamp(0, 1)
    mean = grayscale(x1)[:, :1].flatten(1)[:, :h * h].mean(dim=1).view(-1, 1, 1, 1)
    return _distort(x, brightness, contrast, saturation, hue, gray, contrast_to=mean)


@mutant("04.color_distortion", "the contrast mean of the first 512 images reused after them")
def _chunked(x, brightness, contrast, saturation, hue, gray):
    x1 = (x * brightness.view(-1, 1, 1, 1)).clamp(0, 1)
    mean = grayscale(x1)[:, :1].mean(dim=(1, 2, 3), keepdim=True)
    mean = torch.cat([mean[:512], mean[:max(len(x) - 512, 0)]])
    return _distort(x, brightness, contrast, saturation, hue, gray, contrast_to=mean)


@mutant("04.color_distortion", "computes in float32 and casts back")
def _float32(x, brightness, contrast, saturation, hue, gray):
    f = [t.float() if t.is_floating_point() else t for t in (brightness, contrast, saturation, hue)]
    return _distort(x.float(), *f, gray).to(x.dtype)


@mutant("04.color_distortion", "luma weights as a tensor on the default device")
def _luma_default_device(x, brightness, contrast, saturation, hue, gray):
    weights = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    out = _distort(x, brightness, contrast, saturation, hue, gray)
    return out + 0 * (out * weights.to(out.dtype)).sum(dim=1, keepdim=True)
