"""Known-wrong implementations for chapter 26."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ssl_course.vision.mae import masked_mse

from . import mutant


# --------------------------------------------------------------------------- 26.patchify
@mutant("26.patchify", "common wrong answer (patch order mismatch): a plain reshape, rows of pixels, not squares")
def _patch_reshape(images, patch_size):
    n, c, h, w = images.shape
    return images.permute(0, 2, 3, 1).reshape(n, (h // patch_size) * (w // patch_size), -1)


@mutant("26.patchify", "torch's unfold order: channel first inside a patch (C, p, p)")
def _patch_unfold(images, patch_size):
    return F.unfold(images, kernel_size=patch_size, stride=patch_size).transpose(1, 2)


@mutant("26.patchify", "patch grid column-major (top to bottom, then left to right)")
def _patch_column_major(images, patch_size):
    n, c, h, w = images.shape
    p = patch_size
    x = images.reshape(n, c, h // p, p, w // p, p).permute(0, 4, 2, 3, 5, 1)
    return x.reshape(n, (h // p) * (w // p), p * p * c)


@mutant("26.patchify", "pixels column-major inside a patch (q, p, C)")
def _patch_inner_transposed(images, patch_size):
    n, c, h, w = images.shape
    p = patch_size
    x = images.reshape(n, c, h // p, p, w // p, p).permute(0, 2, 4, 5, 3, 1)
    return x.reshape(n, (h // p) * (w // p), p * p * c)


@mutant("26.patchify", "assumes square images (the MAE code's h = w = H / p)")
def _patch_square(images, patch_size):
    n, c, h, _ = images.shape
    p, g = patch_size, h // patch_size
    x = images[..., :h].reshape(n, c, g, p, g, p) if images.shape[-1] >= h else images.reshape(n, c, g, p, -1, p)
    x = x.permute(0, 2, 4, 3, 5, 1)
    return x.reshape(n, -1, p * p * c)


@mutant("26.patchify", "computes in float32 and casts back")
def _patch_float32(images, patch_size):
    n, c, h, w = images.shape
    p = patch_size
    x = images.float().reshape(n, c, h // p, p, w // p, p).permute(0, 2, 4, 3, 5, 1)
    return (x.reshape(n, (h // p) * (w // p), p * p * c) + 0.0).to(images.dtype)


# --------------------------------------------------------------------------- 26.random_masking
def _masking(x, mask_ratio, generator, *, descending=False, keep_fn=int, restore=True, mask_image_order=True,
             sort_visible=False, noise_dtype=None, shared=False, ones_device=True):
    n, length, d = x.shape
    keep = keep_fn(length * (1 - mask_ratio))
    shape = (1, length) if shared else (n, length)
    noise = torch.rand(shape, generator=generator, device="cpu", dtype=noise_dtype or torch.float32)
    noise = noise.to(x.device).expand(n, length)
    ids_shuffle = torch.argsort(noise, dim=1, stable=True, descending=descending)
    ids_restore = torch.argsort(ids_shuffle, dim=1, stable=True)
    ids_keep = ids_shuffle[:, :keep]
    if sort_visible:
        ids_keep = ids_keep.sort(dim=1).values
    visible = torch.gather(x, 1, ids_keep.unsqueeze(-1).expand(n, keep, d))
    mask = torch.ones(n, length, dtype=x.dtype, device=x.device if ones_device else None)
    mask[:, :keep] = 0
    if mask_image_order:
        mask = torch.gather(mask, 1, ids_restore)
    return visible, mask, ids_restore if restore else ids_shuffle


@mutant("26.random_masking", "common wrong answer: no ids_restore (the shuffle ids returned in its place)")
def _mask_no_restore(x, mask_ratio, generator=None):
    return _masking(x, mask_ratio, generator, restore=False)


@mutant("26.random_masking", "the mask left in shuffled order (never gathered with ids_restore)")
def _mask_shuffled_order(x, mask_ratio, generator=None):
    return _masking(x, mask_ratio, generator, mask_image_order=False)


@mutant("26.random_masking", "visible tokens sorted back to image order while ids_restore undoes the shuffle")
def _mask_sorted_visible(x, mask_ratio, generator=None):
    return _masking(x, mask_ratio, generator, sort_visible=True)


@mutant("26.random_masking", "keeps the patches with the LARGEST noise")
def _mask_descending(x, mask_ratio, generator=None):
    return _masking(x, mask_ratio, generator, descending=True)


@mutant("26.random_masking", "mask_ratio read as the fraction kept")
def _mask_ratio_kept(x, mask_ratio, generator=None):
    return _masking(x, 1 - mask_ratio, generator)


@mutant("26.random_masking", "K rounded to the nearest integer instead of int()")
def _mask_round(x, mask_ratio, generator=None):
    return _masking(x, mask_ratio, generator, keep_fn=round)


@mutant("26.random_masking", "noise drawn in x's dtype (float64 tokens get other draws)")
def _mask_noise_dtype(x, mask_ratio, generator=None):
    return _masking(x, mask_ratio, generator, noise_dtype=x.dtype)


@mutant("26.random_masking", "one noise row shared by every image")
def _mask_shared(x, mask_ratio, generator=None):
    return _masking(x, mask_ratio, generator, shared=True)


@mutant("26.random_masking", "ignores generator=None: draws from a fixed seed")
def _mask_fixed_seed(x, mask_ratio, generator=None):
    return _masking(x, mask_ratio, generator or torch.Generator().manual_seed(0))


@mutant("26.random_masking", "re-seeds a copy of the generator: every call masks the same patches")
def _mask_copied_generator(x, mask_ratio, generator=None):
    g = torch.Generator()
    g.set_state((generator or torch.default_generator).get_state())
    return _masking(x, mask_ratio, g)


@mutant("26.random_masking", "the mask made on the default device")
def _mask_default_device(x, mask_ratio, generator=None):
    return _masking(x, mask_ratio, generator, ones_device=False)


@mutant("26.random_masking", "a boolean mask instead of x's dtype")
def _mask_bool(x, mask_ratio, generator=None):
    visible, mask, ids_restore = _masking(x, mask_ratio, generator)
    return visible, mask.bool(), ids_restore


# --------------------------------------------------------------------------- 26.masked_mse
def _target(target, norm_pix, eps, correction=1, eps_on_std=False):
    if not norm_pix:
        return target
    mean, var = target.mean(-1, keepdim=True), target.var(-1, keepdim=True, correction=correction)
    return (target - mean) / (var.sqrt() + eps if eps_on_std else (var + eps).sqrt())


@mutant("26.masked_mse", "common wrong answer: the loss on every patch, visible ones included")
def _mse_all(pred, target, mask, norm_pix=False, eps=1e-6):
    return (pred - _target(target, norm_pix, eps)).pow(2).mean()


@mutant("26.masked_mse", "the loss on the visible patches (mask read upside down)")
def _mse_visible(pred, target, mask, norm_pix=False, eps=1e-6):
    return masked_mse(pred, target, 1 - mask.to(pred.dtype), norm_pix, eps)


@mutant("26.masked_mse", "a mean per image first, then the mean over images")
def _mse_per_image(pred, target, mask, norm_pix=False, eps=1e-6):
    m = mask.to(pred.dtype)
    per_patch = (pred - _target(target, norm_pix, eps)).pow(2).mean(-1)
    return ((per_patch * m).sum(1) / m.sum(1)).mean()


@mutant("26.masked_mse", "each patch's squared errors summed over its D entries, not averaged")
def _mse_sum_patch(pred, target, mask, norm_pix=False, eps=1e-6):
    m = mask.to(pred.dtype)
    return ((pred - _target(target, norm_pix, eps)).pow(2).sum(-1) * m).sum() / m.sum()


@mutant("26.masked_mse", "norm_pix with the biased variance (correction=0)")
def _mse_biased(pred, target, mask, norm_pix=False, eps=1e-6):
    return masked_mse(pred, _target(target, norm_pix, eps, correction=0), mask)


@mutant("26.masked_mse", "norm_pix with eps added to the standard deviation")
def _mse_eps_std(pred, target, mask, norm_pix=False, eps=1e-6):
    return masked_mse(pred, _target(target, norm_pix, eps, eps_on_std=True), mask)


@mutant("26.masked_mse", "norm_pix ignored")
def _mse_no_norm(pred, target, mask, norm_pix=False, eps=1e-6):
    return masked_mse(pred, target, mask)


@mutant("26.masked_mse", "eps ignored (always 1e-6)")
def _mse_fixed_eps(pred, target, mask, norm_pix=False, eps=1e-6):
    return masked_mse(pred, target, mask, norm_pix)


@mutant("26.masked_mse", "pred standardised too")
def _mse_norm_pred(pred, target, mask, norm_pix=False, eps=1e-6):
    return masked_mse(_target(pred, norm_pix, eps), target, mask, norm_pix, eps)


@mutant("26.masked_mse", "computes in float32 and casts back")
def _mse_float32(pred, target, mask, norm_pix=False, eps=1e-6):
    return masked_mse(pred.float(), target.float(), mask.float(), norm_pix, eps).to(pred.dtype)


@mutant("26.masked_mse", "the target detached into a new tensor on the default device")
def _mse_default_device(pred, target, mask, norm_pix=False, eps=1e-6):
    target = torch.as_tensor(target.tolist(), dtype=target.dtype) + torch.zeros(target.shape, dtype=target.dtype)
    return masked_mse(pred, target, mask, norm_pix, eps)


@mutant("26.masked_mse", "the mean over the first 512 images only")
def _mse_first_chunk(pred, target, mask, norm_pix=False, eps=1e-6):
    return masked_mse(pred[:512], target[:512], mask[:512], norm_pix, eps)


@mutant("26.masked_mse", "pred detached (no gradient reaches the model)")
def _mse_detached(pred, target, mask, norm_pix=False, eps=1e-6):
    return masked_mse(pred.detach(), target, mask, norm_pix, eps)
