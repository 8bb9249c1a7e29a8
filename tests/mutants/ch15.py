"""Known-wrong implementations for chapter 15."""
from __future__ import annotations

import torch
from torch import nn

from ssl_course.transfer.features import features_at, pool

from . import mutant


# --------------------------------------------------------------------------- 15.adapt_resnet
def _stem(model, in_channels, *, kernel=3, stride=1, padding=1, maxpool=False, fc=False, bias=False,
          same_device=True):
    old = model.conv1
    kw = dict(device=old.weight.device, dtype=old.weight.dtype) if same_device else {}
    model.conv1 = nn.Conv2d(in_channels, old.out_channels, kernel, stride, padding, bias=bias, **kw)
    if not maxpool:
        model.maxpool = nn.Identity()
    if not fc:
        model.fc = nn.Identity()
    return model


@mutant("15.adapt_resnet", "common wrong answer: the 3x3 stem, but ImageNet's max-pool kept (8x8 -> 4x4 before layer1)")
def _keeps_maxpool(model, in_channels=3):
    return _stem(model, in_channels, maxpool=True)


@mutant("15.adapt_resnet", "stride 2 kept in the new 3x3 stem")
def _stride_two(model, in_channels=3):
    return _stem(model, in_channels, stride=2)


@mutant("15.adapt_resnet", "no padding: an 8x8 image becomes 6x6")
def _no_padding(model, in_channels=3):
    return _stem(model, in_channels, padding=0)


@mutant("15.adapt_resnet", "in_channels ignored: always 3 input channels")
def _ignores_in_channels(model, in_channels=3):
    return _stem(model, 3)


@mutant("15.adapt_resnet", "fc kept: returns 1000 logits, not the 512 features")
def _keeps_fc(model, in_channels=3):
    return _stem(model, in_channels, fc=True)


@mutant("15.adapt_resnet", "new conv1 made with default device and dtype (float32 on the CPU)")
def _default_device(model, in_channels=3):
    return _stem(model, in_channels, same_device=False)


@mutant("15.adapt_resnet", "a deep copy adapted and returned, the given model left as it was")
def _copies(model, in_channels=3):
    import copy
    return _stem(copy.deepcopy(model), in_channels)


@mutant("15.adapt_resnet", "re-initialises the whole model")
def _reinit(model, in_channels=3):
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.normal_(m.weight, std=0.01)
    return _stem(model, in_channels)


# --------------------------------------------------------------------------- 15.feature_extractor
def _hooked(model, x, layers, batch_size=256, *, eval_mode=True, restore=True, remove=True, reduce="mean",
            wrong_offsets=False, cast=False, grad=False):
    """features_at with forward hooks, and one switch per mistake."""
    layers = list(layers)
    store = {}
    handles = [model.get_submodule(n).register_forward_hook(lambda m, i, o, n=n: store.setdefault(n, []).append(o))
               for n in layers]
    modes = {m: m.training for m in model.modules()}
    if eval_mode:
        model.eval()
    starts = range(0, x.shape[0], batch_size)
    with torch.set_grad_enabled(grad):
        for k, i in enumerate(starts):
            rows = x[i:i + batch_size].shape[0]
            j = i - 1 if wrong_offsets and k > 0 else i  # chunks after the first start one row early
            model(x[j:j + rows])
    if remove:
        for h in handles:
            h.remove()
    if restore:
        for m, t in modes.items():
            m.training = t

    def red(o):
        if o.ndim != 4:
            return o.flatten(1)
        return o.mean(dim=(-2, -1)) if reduce == "mean" else (o.amax(dim=(-2, -1)) if reduce == "max" else o.flatten(1))

    out = [torch.cat([red(o) for o in store[n]]) for n in layers]
    return [o.float() for o in out] if cast else out


@mutant("15.feature_extractor", "common wrong answer: features read in train mode (BatchNorm uses the batch's statistics)")
def _train_mode(model, x, layers, batch_size=256):
    return _hooked(model, x, layers, batch_size, eval_mode=False)


@mutant("15.feature_extractor", "flattens (N, C*H*W) instead of averaging over positions")
def _flatten(model, x, layers, batch_size=256):
    return _hooked(model, x, layers, batch_size, reduce="flatten")


@mutant("15.feature_extractor", "max-pooled instead of averaged")
def _max(model, x, layers, batch_size=256):
    return _hooked(model, x, layers, batch_size, reduce="max")


@mutant("15.feature_extractor", "chunks after the first start one row early")
def _offsets(model, x, layers, batch_size=256):
    return _hooked(model, x, layers, batch_size, wrong_offsets=True)


@mutant("15.feature_extractor", "the model left in eval mode")
def _no_restore(model, x, layers, batch_size=256):
    return _hooked(model, x, layers, batch_size, restore=False)


@mutant("15.feature_extractor", "hooks never removed")
def _leaks_hooks(model, x, layers, batch_size=256):
    return _hooked(model, x, layers, batch_size, remove=False)


@mutant("15.feature_extractor", "float64 features cast to float32")
def _cast(model, x, layers, batch_size=256):
    return _hooked(model, x, layers, batch_size, cast=True)


@mutant("15.feature_extractor", "gradients kept (no torch.no_grad)")
def _with_grad(model, x, layers, batch_size=256):
    return _hooked(model, x, layers, batch_size, grad=True)


@mutant("15.feature_extractor", "layers returned in sorted order, not the given one")
def _sorted(model, x, layers, batch_size=256):
    order = sorted(layers)
    got = dict(zip(order, features_at(model, x, order, batch_size)))
    return [got[n] for n in sorted(layers)]


@mutant("15.feature_extractor", "batch_size ignored: the whole batch at once in train mode")
def _one_batch_train(model, x, layers, batch_size=256):
    return _hooked(model, x, layers, x.shape[0], eval_mode=False)


_ = pool  # the reference's pooling, imported for readers comparing the mutants with it
