"""Chapter 15's reference code against independent formulations: the adapted ResNet against
torchvision's own ResNet-18, and features_at (torch.fx) against forward hooks."""
from __future__ import annotations

import pytest
import torch
from torch import nn
from torchvision.models import resnet18

from ssl_course.models.resnet import STAGES, adapt_resnet, small_resnet
from ssl_course.transfer.features import features_at


def test_full_width_is_torchvisions_resnet18_with_a_small_stem():
    ours, theirs = dict(small_resnet(3, seed=0).named_parameters()), dict(resnet18(weights=None).named_parameters())
    changed = {"conv1.weight", "fc.weight", "fc.bias"}
    assert set(theirs) - changed == set(ours) - changed
    for name in set(theirs) - changed:
        assert ours[name].shape == theirs[name].shape, name
    assert ours["conv1.weight"].shape == (64, 3, 3, 3)


def test_narrow_resnet_is_resnet18_with_every_channel_count_scaled():
    """width=8: the same parameters as ResNet-18 (no extra projection in layer1), channels / 8."""
    ours, theirs = dict(small_resnet(1, seed=0, width=8).named_parameters()), dict(resnet18(weights=None).named_parameters())
    changed = {"conv1.weight", "fc.weight", "fc.bias"}
    assert set(theirs) - changed == set(ours) - changed
    for name in set(theirs) - changed:
        want = tuple(d // 8 if i < 2 and d >= 64 else d for i, d in enumerate(theirs[name].shape))
        assert ours[name].shape == want, name
    assert ours["conv1.weight"].shape == (8, 1, 3, 3)


def test_seeded_construction_is_reproducible_and_leaves_global_state():
    torch.manual_seed(5)
    before = torch.rand(1)
    torch.manual_seed(5)
    a = small_resnet(1, seed=3, width=8)
    after = torch.rand(1)
    b = small_resnet(1, seed=3, width=8)
    assert torch.equal(before, after)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)


def test_stage_sizes_match_a_hand_computation():
    """Stride 1 stem, no max-pool: 8 -> 8, 4, 2, 1 over the stages; widths w, 2w, 4w, 8w."""
    model = small_resnet(1, seed=0, width=8).eval()
    feats = {}
    for s in STAGES:
        getattr(model, s).register_forward_hook(lambda m, i, o, s=s: feats.__setitem__(s, o.shape))
    out = model(torch.zeros(2, 1, 8, 8))
    assert [tuple(feats[s]) for s in STAGES] == [(2, 8, 8, 8), (2, 16, 4, 4), (2, 32, 2, 2), (2, 64, 1, 1)]
    assert out.shape == (2, 64)


def test_adapted_output_equals_a_manual_forward():
    """model(x) = avgpool of layer4(...(relu(bn1(conv1(x))))), written out by hand."""
    model = small_resnet(2, seed=1, width=8).eval()
    x = torch.randn(3, 2, 8, 6, generator=torch.Generator().manual_seed(0))
    h = model.relu(model.bn1(model.conv1(x)))
    for s in STAGES:
        h = getattr(model, s)(h)
    torch.testing.assert_close(model(x), h.mean(dim=(2, 3)))


def _hooked(model, x, layers):
    store = {}
    handles = [model.get_submodule(n).register_forward_hook(lambda m, i, o, n=n: store.__setitem__(n, o))
               for n in layers]
    model.eval()
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    return [store[n].mean(dim=(2, 3)) if store[n].ndim == 4 else store[n] for n in layers]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_features_at_matches_forward_hooks(dtype):
    model = small_resnet(1, seed=2, width=8).to(dtype)
    x = torch.randn(37, 1, 8, 8, generator=torch.Generator().manual_seed(1), dtype=dtype)
    layers = ["layer3", "layer1", "layer2.1", "layer4"]
    got = features_at(model.train(), x, layers, batch_size=10)
    want = _hooked(model, x, layers)
    for g, w in zip(got, want):
        assert g.dtype == dtype
        torch.testing.assert_close(g, w)


def test_features_at_restores_modes_and_leaves_no_hooks():
    model = small_resnet(1, seed=0, width=8).train()
    model.bn1.eval()
    features_at(model, torch.rand(4, 1, 8, 8), STAGES)
    assert model.training and not model.bn1.training and model.layer1[0].bn1.training
    assert not any(m._forward_hooks for m in model.modules())


def test_adapt_resnet_keeps_dtype_and_device():
    model = adapt_resnet(resnet18(weights=None).double().to("meta"), 4)
    assert model.conv1.weight.dtype == torch.float64 and model.conv1.weight.device.type == "meta"
    assert isinstance(model.maxpool, nn.Identity) and isinstance(model.fc, nn.Identity)
