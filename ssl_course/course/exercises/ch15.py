"""Chapter 15: torchvision's ResNet-18 adapted to small images, and features read per stage."""
from __future__ import annotations

import torch
from hypothesis import strategies as st
from torch import nn

from ...models.resnet import _resnet18, adapt_resnet
from ...transfer.features import features_at
from ..checks import Case, Exercise, custom, reference_exercise, register
from ._common import randn


# ----------------------------------------------------------------------------- 15.adapt_resnet
def _fresh(width: int = 16, seed: int = 0, dtype=torch.float32) -> nn.Module:
    """An unadapted torchvision ResNet-18 (narrow, so the checks are quick), seeded."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return _resnet18(width).to(dtype)


def _describe_stem(model: nn.Module) -> str | None:
    """The first structural difference from the small-image stem, in words, or None."""
    conv = getattr(model, "conv1", None)
    if not isinstance(conv, nn.Conv2d):
        return f"model.conv1 must be an nn.Conv2d, got {type(conv).__name__}"
    for attr, want in (("kernel_size", (3, 3)), ("stride", (1, 1)), ("padding", (1, 1))):
        if getattr(conv, attr) != want:
            return (f"conv1.{attr} is {getattr(conv, attr)}, expected {want} (a 3x3, stride-1, padded stem keeps "
                    "an 8x8 image 8x8)")
    if conv.bias is not None:
        return "conv1 has a bias; torchvision's convolutions have none (bn1 follows and has its own shift)"
    if not isinstance(model.maxpool, nn.Identity):
        return f"model.maxpool is {type(model.maxpool).__name__}; replace it by nn.Identity() (no max-pool)"
    if not isinstance(model.fc, nn.Identity):
        return f"model.fc is {type(model.fc).__name__}; replace it by nn.Identity() so the model returns features"
    return None


def _same_function(fn, in_channels: int, x: torch.Tensor, dtype=torch.float32) -> str | None:
    """Adapt two identical models (fn's and the reference's), give both the same conv1 weights,
    and compare their outputs on x."""
    got_model, ref_model = _fresh(dtype=dtype), adapt_resnet(_fresh(dtype=dtype), in_channels)
    old_out = got_model.conv1.out_channels
    got_model = fn(got_model, in_channels)
    if not isinstance(got_model, nn.Module):
        return f"returned a {type(got_model).__name__}; return the adapted model"
    reason = _describe_stem(got_model)
    if reason:
        return reason
    conv = got_model.conv1
    if conv.in_channels != in_channels:
        return f"conv1 takes {conv.in_channels} channels, expected in_channels={in_channels}"
    if conv.out_channels != old_out:
        return f"conv1 gives {conv.out_channels} channels, expected the old conv1's {old_out} (bn1 follows)"
    if conv.weight.dtype != dtype:
        return f"conv1's weight is {conv.weight.dtype} in a {dtype} model: create it with the old conv1's dtype"
    with torch.no_grad():
        conv.weight.copy_(ref_model.conv1.weight)
    got_model.eval(), ref_model.eval()
    with torch.no_grad():
        got, want = got_model(x), ref_model(x)
    if got.shape != want.shape:
        return f"input {tuple(x.shape)}: output shape {tuple(got.shape)}, expected {tuple(want.shape)}"
    if not torch.allclose(got, want, rtol=1e-4, atol=1e-5):
        return f"input {tuple(x.shape)}: the outputs differ from the reference's (largest difference " \
               f"{(got - want).abs().max().item():.3g}): was anything else in the model changed?"
    return None


def _digits_stem(fn):
    return _same_function(fn, 1, randn(3, 1, 8, 8, seed=1))


def _three_channels(fn):
    return _same_function(fn, 3, randn(2, 3, 8, 8, seed=2))


def _five_channels_non_square(fn):
    return _same_function(fn, 5, randn(2, 5, 8, 6, seed=3))


def _float64(fn):
    return _same_function(fn, 2, randn(2, 2, 6, 6, seed=4, dtype=torch.float64), dtype=torch.float64)


def _stage_sizes(fn):
    """After the stem, layer1 must see the image at full size: 8x8 in, 8x8 out of layer1."""
    model = fn(_fresh(), 1)
    seen = {}
    handle = model.layer1.register_forward_hook(lambda m, i, o: seen.__setitem__("shape", tuple(o.shape)))
    try:
        with torch.no_grad():
            model.eval()(randn(2, 1, 8, 8, seed=5))
    finally:
        handle.remove()
    if seen["shape"][-2:] != (8, 8):
        return (f"layer1's output is {seen['shape'][-2]}x{seen['shape'][-1]} for an 8x8 image, expected 8x8: "
                "the stem must not shrink the image (stride 1, padding 1, no max-pool)")
    return None


def _meta_model(fn):
    """A model on another device (meta, standing in for a GPU): the new conv1 must be there too."""
    model = _fresh().to("meta")
    model = fn(model, 1)
    dev = model.conv1.weight.device
    if dev.type != "meta":
        return (f"the model is on 'meta' but the new conv1 is on {dev}: create it with "
                "device=model.conv1.weight.device")
    return None


def _same_object_other_weights(fn):
    model = _fresh(seed=7)
    before = model.layer1[0].conv1.weight.detach().clone()
    out = fn(model, 1)
    if out is not model:
        return "return the model you were given, adapted in place (the same object)"
    if not torch.equal(model.layer1[0].conv1.weight, before):
        return "layer1's weights changed: only the stem and fc are replaced"
    return None


_TESTS = [
    custom("1 input channel (digits), 8x8 images", _digits_stem),
    custom("layer1 sees the 8x8 image at full size", _stage_sizes),
    custom("3 input channels", _three_channels),
    custom("5 input channels, non-square 8x6 images", _five_channels_non_square),
    custom("a float64 model", _float64),
    custom("a model on the 'meta' device", _meta_model),
    custom("in place: the same model, its residual stages untouched", _same_object_other_weights),
]

register(Exercise(
    id="15.adapt_resnet",
    title="adapt_resnet(model, in_channels): torchvision's ResNet stem for small images, fc removed",
    reference=adapt_resnet,
    tests=_TESTS,
    hint="Replace three submodules of the model (conv1, maxpool, fc) and leave everything else alone; "
         "look at the old conv1 for what the new one must match.",
))


# ----------------------------------------------------------------------------- 15.feature_extractor
def _tiny_cnn(seed: int = 0, c: int = 1, dtype=torch.float32) -> nn.Module:
    """A small CNN with BatchNorm whose running statistics are not the defaults (so reading
    features in train mode gives other numbers). Submodules "0".."8". Returned in train mode, as
    a model is after training: features_at must switch it to eval mode itself."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Conv2d(c, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                              nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.BatchNorm2d(6), nn.ReLU(),
                              nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 3))
        for bn in (model[1], model[4]):
            bn.running_mean.copy_(torch.randn(bn.num_features) * 0.5)
            bn.running_var.copy_(torch.rand(bn.num_features) + 0.5)
    return model.to(dtype).train()


_EVAL = ("Read features in eval mode: BatchNorm must use its running statistics, so one image's "
         "feature does not depend on the others in its chunk.")
_POOL = "Average a (N, C, H, W) output over H and W: (N, C). A (N, D) output is kept as is."
_CHUNK = "Each chunk of batch_size rows gives the features of its own rows; concatenate them in order."


def _fe_cases():
    yield Case("a small CNN, layers ['2', '5'] (both after a ReLU)", (_tiny_cnn(), randn(5, 1, 8, 8, seed=1), ["2", "5"]),
               hint=_POOL)
    yield Case("order follows `layers`: ['5', '2']", (_tiny_cnn(), randn(5, 1, 8, 8, seed=1), ["5", "2"]),
               hint="Return the features in the order the names are given.")
    yield Case("a 2-D output: layer '7' (Flatten) and '8' (Linear)", (_tiny_cnn(), randn(4, 1, 8, 8, seed=2), ["7", "8"]),
               hint=_POOL)
    yield Case("BatchNorm layer '1' itself (running statistics)", (_tiny_cnn(), randn(6, 1, 8, 8, seed=3), ["1"]),
               hint=_EVAL)
    yield Case("non-square 8x6 images", (_tiny_cnn(), randn(3, 1, 8, 6, seed=4), ["2", "4"]), hint=_POOL)
    yield Case("600 images, batch_size 256 (three chunks)", (_tiny_cnn(), randn(600, 1, 8, 8, seed=5), ["5"]),
               {"batch_size": 256}, hint=_CHUNK)
    yield Case("batch_size 1: every image alone", (_tiny_cnn(), randn(4, 1, 8, 8, seed=6), ["1", "5"]),
               {"batch_size": 1}, hint=_EVAL)
    yield Case("float64 model and images", (_tiny_cnn(dtype=torch.float64), randn(4, 1, 8, 8, seed=7, dtype=torch.float64),
                                            ["2", "8"]),
               hint="Keep the model's dtype: float64 features from a float64 model.")
    yield Case("flat images (every pixel equal)", (_tiny_cnn(), torch.full((3, 1, 8, 8), 0.5), ["2", "5"]), hint=_EVAL)
    yield Case("a ResNet-18 (narrow), its four stages", (_resnet_case(), randn(3, 1, 8, 8, seed=8),
                                                          ["layer1", "layer2", "layer3", "layer4"]), hint=_POOL)
    yield Case("a ResNet-18, a block inside a stage: 'layer2.1'", (_resnet_case(), randn(3, 1, 8, 8, seed=9), ["layer2.1"]),
               hint="Names are as in model.get_submodule: 'layer2.1' is the second block of layer2.")


def _resnet_case() -> nn.Module:
    return adapt_resnet(_fresh(width=8, seed=3), 1).train()


@st.composite
def _random_fe(draw):
    n = draw(st.one_of(st.integers(1, 12), st.integers(513, 530)))
    # past 512 rows, chunks of 64 or more: a few chunks test the offsets as well as hundreds,
    # and hundreds of one-row forward passes make the check slow
    bs = draw(st.integers(1, 300) if n <= 12 else st.integers(64, 300))
    h, w = draw(st.integers(2, 8)), draw(st.integers(2, 8))
    names = draw(st.lists(st.sampled_from(["0", "1", "2", "3", "4", "5", "7", "8"]), min_size=1, max_size=3, unique=True))
    seed = draw(st.integers(0, 9999))
    return Case(f"small CNN, {n} images {h}x{w}, layers {names}, batch_size {bs}, seed={seed}",
                (_tiny_cnn(seed % 7), randn(n, 1, h, w, seed=seed), names), {"batch_size": bs})


def _modes_restored(fn):
    """The model comes back in the mode it had, submodule by submodule (a frozen BatchNorm stays in eval)."""
    model = _tiny_cnn().train()
    model[4].eval()
    fn(model, randn(3, 1, 8, 8, seed=11), ["5"])
    modes = [m.training for m in model]
    if modes != [True] * 4 + [False] + [True] * 4:
        return (f"after the call the submodules' training flags are {modes}; restore each one's mode "
                "(model[4] was in eval mode, the rest in train mode)")
    return None


def _no_hooks_left(fn):
    model = _tiny_cnn()
    fn(model, randn(2, 1, 8, 8, seed=12), ["2", "5"])
    left = [name for name, m in model.named_modules() if m._forward_hooks or m._forward_pre_hooks]
    if left:
        return f"hooks are still registered on {left} after the call: remove every hook you add (handle.remove())"
    return None


def _no_grad(fn):
    out = fn(_tiny_cnn(), randn(2, 1, 8, 8, seed=13), ["2"])
    if out[0].requires_grad:
        return "the features require grad: read them under torch.no_grad() (no graph is kept for frozen features)"
    return None


reference_exercise(
    "15.feature_extractor",
    "features_at(model, x, layers, batch_size): the named layers' outputs, pooled over positions, in eval mode",
    features_at, _fe_cases, _random_fe(),
    hint="Register a forward hook on each named submodule (or use torchvision's create_feature_extractor), "
         "run the model in eval mode chunk by chunk, pool, and clean up after yourself.",
    extra_tests=[custom("train/eval modes restored", _modes_restored), custom("no hook left behind", _no_hooks_left),
                 custom("frozen features: no gradient", _no_grad)],
)
