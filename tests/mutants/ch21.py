"""Known-wrong implementations for chapter 21."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import mutant


def _logits(i, t, temperature):
    return F.normalize(i, dim=1) @ F.normalize(t, dim=1).T / temperature


def _ce(logits):
    return F.cross_entropy(logits, torch.arange(logits.shape[0], device=logits.device))


# --------------------------------------------------------------------------- 21.clip_loss
@mutant("21.clip_loss", "common wrong answer: one direction only, images classifying the batch's captions")
def _clip_one_way(image_emb, text_emb, temperature=0.1):
    return _ce(_logits(image_emb, text_emb, temperature))


@mutant("21.clip_loss", "the text direction reuses the image rows (logits not transposed)")
def _clip_not_transposed(image_emb, text_emb, temperature=0.1):
    logits = _logits(image_emb, text_emb, temperature)
    return 0.5 * (_ce(logits) + _ce(logits))


@mutant("21.clip_loss", "raw dot products: no normalisation")
def _clip_dot(image_emb, text_emb, temperature=0.1):
    logits = image_emb @ text_emb.T / temperature
    return 0.5 * (_ce(logits) + _ce(logits.T))


@mutant("21.clip_loss", "multiplies by the temperature instead of dividing")
def _clip_times_t(image_emb, text_emb, temperature=0.1):
    logits = F.normalize(image_emb, dim=1) @ F.normalize(text_emb, dim=1).T * temperature
    return 0.5 * (_ce(logits) + _ce(logits.T))


@mutant("21.clip_loss", "the sum of the two directions, not their mean")
def _clip_sum(image_emb, text_emb, temperature=0.1):
    logits = _logits(image_emb, text_emb, temperature)
    return _ce(logits) + _ce(logits.T)


@mutant("21.clip_loss", "one softmax over the whole N x N matrix")
def _clip_one_softmax(image_emb, text_emb, temperature=0.1):
    logits = _logits(image_emb, text_emb, temperature)
    return -torch.log_softmax(logits.flatten(), 0).view_as(logits).diagonal().mean()


@mutant("21.clip_loss", "exp then log: overflows at small temperatures")
def _clip_naive(image_emb, text_emb, temperature=0.1):
    e = _logits(image_emb, text_emb, temperature).exp()
    d = e.diagonal()
    return 0.5 * (-(d / e.sum(1)).log().mean() - (d / e.sum(0)).log().mean())


@mutant("21.clip_loss", "divides by the norm without a floor: NaN for an all-zero row")
def _clip_no_eps(image_emb, text_emb, temperature=0.1):
    i = image_emb / image_emb.norm(dim=1, keepdim=True)
    t = text_emb / text_emb.norm(dim=1, keepdim=True)
    logits = i @ t.T / temperature
    return 0.5 * (_ce(logits) + _ce(logits.T))


@mutant("21.clip_loss", "computes in float32 and casts back")
def _clip_float32(image_emb, text_emb, temperature=0.1):
    logits = _logits(image_emb.float(), text_emb.float(), temperature)
    return (0.5 * (_ce(logits) + _ce(logits.T))).to(image_emb.dtype)


@mutant("21.clip_loss", "targets built on the default device")
def _clip_device(image_emb, text_emb, temperature=0.1):
    logits = _logits(image_emb, text_emb, temperature)
    target = torch.arange(logits.shape[0])
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


@mutant("21.clip_loss", "targets restart every 512 rows")
def _clip_chunk(image_emb, text_emb, temperature=0.1):
    logits = _logits(image_emb, text_emb, temperature)
    target = torch.arange(logits.shape[0], device=logits.device) % 512
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


@mutant("21.clip_loss", "ignores the temperature argument (always 0.07)")
def _clip_fixed_t(image_emb, text_emb, temperature=0.1):
    logits = _logits(image_emb, text_emb, 0.07)
    return 0.5 * (_ce(logits) + _ce(logits.T))


@mutant("21.clip_loss", "an independent sigmoid per pair (SigLIP without its bias)")
def _clip_sigmoid(image_emb, text_emb, temperature=0.1):
    logits = _logits(image_emb, text_emb, temperature)
    eye = torch.eye(logits.shape[0], dtype=logits.dtype, device=logits.device)
    return F.binary_cross_entropy_with_logits(logits, eye)


# --------------------------------------------------------------------------- 21.zero_shot_predict
def _pick(best, labels):
    return best if labels is None else labels[best]


@mutant("21.zero_shot_predict", "common wrong answer: no class embeddings, a fixed head (argmax of the image "
                                "features themselves)")
def _zs_fixed_head(image_emb, class_emb, labels=None):
    return _pick(image_emb.argmax(dim=1), labels)


@mutant("21.zero_shot_predict", "raw dot products: the class rows are not normalised")
def _zs_dot(image_emb, class_emb, labels=None):
    return _pick((image_emb @ class_emb.T).argmax(dim=1), labels)


@mutant("21.zero_shot_predict", "the nearest class embedding in Euclidean distance, unnormalised")
def _zs_euclid(image_emb, class_emb, labels=None):
    return _pick(torch.cdist(image_emb, class_emb).argmin(dim=1), labels)


@mutant("21.zero_shot_predict", "ties go to the last class row")
def _zs_last_tie(image_emb, class_emb, labels=None):
    scores = F.normalize(image_emb, dim=1) @ F.normalize(class_emb, dim=1).T
    c = scores.shape[1]
    return _pick(c - 1 - scores.flip(1).argmax(dim=1), labels)


@mutant("21.zero_shot_predict", "returns the class row, ignoring labels")
def _zs_rows(image_emb, class_emb, labels=None):
    return (F.normalize(image_emb, dim=1) @ F.normalize(class_emb, dim=1).T).argmax(dim=1)


@mutant("21.zero_shot_predict", "always returns int64, whatever labels' dtype")
def _zs_int64(image_emb, class_emb, labels=None):
    best = (F.normalize(image_emb, dim=1) @ F.normalize(class_emb, dim=1).T).argmax(dim=1)
    return best if labels is None else labels.long()[best]


@mutant("21.zero_shot_predict", "divides by the norm without a floor: NaN for an all-zero class row")
def _zs_no_eps(image_emb, class_emb, labels=None):
    c = class_emb / class_emb.norm(dim=1, keepdim=True)
    return _pick((image_emb @ c.T).argmax(dim=1), labels)


@mutant("21.zero_shot_predict", "computes in float32")
def _zs_float32(image_emb, class_emb, labels=None):
    scores = F.normalize(image_emb.float(), dim=1) @ F.normalize(class_emb.float(), dim=1).T
    return _pick(scores.argmax(dim=1), labels)


@mutant("21.zero_shot_predict", "the default labels built on the default device")
def _zs_device(image_emb, class_emb, labels=None):
    if labels is None:
        labels = torch.arange(class_emb.shape[0])
    scores = F.normalize(image_emb, dim=1) @ F.normalize(class_emb, dim=1).T
    return labels[scores.argmax(dim=1)]


@mutant("21.zero_shot_predict", "predicts the first 1024 images and repeats them")
def _zs_chunk(image_emb, class_emb, labels=None):
    scores = F.normalize(image_emb[:1024], dim=1) @ F.normalize(class_emb, dim=1).T
    best = scores.argmax(dim=1)
    best = best.repeat(-(-image_emb.shape[0] // 1024))[:image_emb.shape[0]]
    return _pick(best, labels)


@mutant("21.zero_shot_predict", "a softmax over the images (dim 0) before the argmax over classes")
def _zs_softmax_images(image_emb, class_emb, labels=None):
    scores = F.normalize(image_emb, dim=1) @ F.normalize(class_emb, dim=1).T
    return _pick(torch.softmax(scores / 0.1, dim=0).argmax(dim=1), labels)
