"""torchvision's ResNet-18, adapted to small images (chapter 15).

ImageNet's ResNet starts with a 7x7 convolution of stride 2 and a 3x3 max-pool of stride 2: a
224x224 image is 56x56 when it reaches the first residual stage. An 8x8 digit would be 2x2. For
small images (CIFAR's 32x32, SimCLR's CIFAR-10 setting, and the 8x8 digits here) the stem is a
3x3 convolution of stride 1 and no max-pool, so the first stage sees the image at full size.

- `adapt_resnet(model, in_channels)`: that change, made in place on a torchvision ResNet, plus
  `fc` replaced by an identity so the model returns its (N, 512) pooled features.
- `small_resnet(in_channels, seed)`: `torchvision.models.resnet18(weights=None)` (the definition
  only: no weights are downloaded), adapted.
- `STAGES`: the names of the four residual stages, for `transfer.features.features_at`.
"""
from __future__ import annotations

import torch
from torch import nn

from .._validate import check_int

STAGES = ("layer1", "layer2", "layer3", "layer4")


def adapt_resnet(model: nn.Module, in_channels: int = 3) -> nn.Module:
    """Adapt a torchvision ResNet to small images, in place; returns the same model.

    1. `conv1` becomes nn.Conv2d(in_channels, C, kernel_size=3, stride=1, padding=1, bias=False),
       C = the old conv1's out_channels, created on the old conv1's device and dtype, and
       initialised as torchvision initialises it (Kaiming normal, fan_out, ReLU);
    2. `maxpool` becomes nn.Identity();
    3. `fc` becomes nn.Identity(), so model(x) is the (N, 512) average-pooled feature.
    Nothing else changes. x: (N, in_channels, H, W) with any H, W >= 1.
    """
    check_int("in_channels", in_channels)
    old = model.conv1
    model.conv1 = nn.Conv2d(in_channels, old.out_channels, kernel_size=3, stride=1, padding=1, bias=False,
                            device=old.weight.device, dtype=old.weight.dtype)
    nn.init.kaiming_normal_(model.conv1.weight, mode="fan_out", nonlinearity="relu")
    model.maxpool = nn.Identity()
    model.fc = nn.Identity()
    return model


def _resnet18(width: int) -> nn.Module:
    """torchvision's ResNet-18 (BasicBlock, [2, 2, 2, 2], weights=None); for width != 64 every
    channel count is scaled by width / 64: the stem has width channels and the four stages
    width, 2 width, 4 width, 8 width instead of 64..512, so the layout (no projection shortcut
    in layer1) is ResNet-18's. A 64-channel stem kept before 8-channel stages would cost more
    than the stages (its 64 -> 8 projection runs at full resolution on every image)."""
    from torchvision.models import resnet18
    from torchvision.models.resnet import BasicBlock, ResNet

    if width == 64:
        return resnet18(weights=None)

    class NarrowResNet(ResNet):
        def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
            if planes == 64:  # layer1, built first: narrow the stem before it (ResNet.__init__ initialises both)
                self.inplanes = width
                self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
                self.bn1 = self._norm_layer(width)
            return super()._make_layer(block, planes * width // 64, blocks, stride, dilate)

    return NarrowResNet(BasicBlock, [2, 2, 2, 2])


def small_resnet(in_channels: int = 3, seed: int | None = None, width: int = 64) -> nn.Module:
    """torchvision's ResNet-18 definition (weights=None), adapted by `adapt_resnet`.

    width: channels of the first stage (64 is torchvision's ResNet-18 itself; 16 costs about a
    sixteenth of the compute, for CPU-sized experiments). seed: when given, the initial weights
    are drawn from a generator seeded with it, without touching torch's global random state.
    x: (N, in_channels, H, W) -> (N, 8 * width).
    """
    check_int("width", width)
    if seed is None:
        return adapt_resnet(_resnet18(width), in_channels)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return adapt_resnet(_resnet18(width), in_channels)
