"""Features read from inside a network (chapter 15): what each stage of a ResNet has learned.

- `features_at(model, x, layers, batch_size)`: the outputs of the named submodules, each
  averaged over its spatial positions, read with torchvision's feature-extraction utility
  (`create_feature_extractor`, which traces the model with torch.fx). tests/test_resnet.py
  checks it against forward hooks, the other way to read them.
"""
from __future__ import annotations

import torch
from torch import nn

from .._validate import check_int, check_tensor


def pool(t: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> (N, C), the mean over positions; (N, D) is returned as it is."""
    return t.mean(dim=(-2, -1)) if t.ndim == 4 else t.flatten(1)


@torch.no_grad()
def features_at(model: nn.Module, x: torch.Tensor, layers, batch_size: int = 256) -> list[torch.Tensor]:
    """The outputs of the submodules named in `layers`, pooled: a list of (N, C_l), in `layers`' order.

    model: any nn.Module whose submodules `layers` names (as in model.get_submodule, e.g. "layer2"
    or "layer2.1"); x: (N, ...) on the model's device. The model runs in eval mode (BatchNorm uses
    its running statistics, so a feature does not depend on the rest of the batch), under
    no_grad, on chunks of batch_size rows; every submodule's train/eval mode is restored
    afterwards. A (N, C, H, W) output is averaged over H and W, a (N, D) one is kept as is; the
    features keep the model's dtype and device.
    """
    from torchvision.models.feature_extraction import create_feature_extractor

    check_tensor("x", x)
    check_int("batch_size", batch_size)
    layers = list(layers)
    if not layers:
        raise ValueError("layers must name at least one submodule")
    for name in layers:
        model.get_submodule(name)  # raises AttributeError for a name the model does not have
    modes = {m: m.training for m in model.modules()}
    extractor = create_feature_extractor(model, return_nodes={name: name for name in layers})
    try:
        extractor.eval()
        chunks = [extractor(x[i:i + batch_size]) for i in range(0, x.shape[0], batch_size)]
    finally:
        for m, training in modes.items():
            m.training = training
    return [torch.cat([pool(c[name]) for c in chunks]) for name in layers]
