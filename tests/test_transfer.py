"""ssl_course.transfer.finetune against a trusted peer and independent formulations:
freeze's BatchNorm equals torchvision's FrozenBatchNorm2d; param_groups equals the rule written
by module type (biases and normalisation layers' parameters undecayed) and drives AdamW as
documented; finetune leaves a frozen encoder bit-for-bit unchanged."""
from __future__ import annotations

import copy
import pickle

import pytest
import torch
from torch import nn
from torchvision.ops import FrozenBatchNorm2d

from ssl_course.models.encoders import ConvEncoder, MLPEncoder
from ssl_course.transfer.finetune import accuracy, finetune, freeze, param_groups

NORMS = (nn.modules.batchnorm._BatchNorm, nn.LayerNorm, nn.GroupNorm)


def _with_stats(module: nn.Module, seed: int = 0) -> nn.Module:
    """Give every BatchNorm non-trivial running statistics and affine parameters, as after pre-training."""
    g = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g))
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            with torch.no_grad():
                m.weight.copy_(torch.randn(m.num_features, generator=g))
                m.bias.copy_(torch.randn(m.num_features, generator=g))
    return module


def test_frozen_batchnorm_equals_torchvision_frozen_batchnorm():
    torch.manual_seed(0)
    bn = _with_stats(nn.BatchNorm2d(5))
    peer = FrozenBatchNorm2d(5, eps=bn.eps)
    peer.load_state_dict({k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"})
    freeze(bn).train()  # train mode asked for: the frozen layer must ignore it
    x = torch.randn(7, 5, 3, 4) * 3 + 1
    torch.testing.assert_close(bn(x), peer(x), rtol=1e-5, atol=1e-6)
    assert not bn.training


def test_freeze_keeps_a_conv_encoder_fixed_through_training():
    torch.manual_seed(0)
    encoder = _with_stats(ConvEncoder(1, (4, 8)))
    head = nn.Linear(8, 3)
    model = nn.Sequential(freeze(encoder), head)
    before = copy.deepcopy(encoder.state_dict())
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.5)
    model.train()
    for _ in range(3):
        loss = model(torch.randn(6, 1, 8, 8) + 2).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    for k, v in encoder.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert all(p.grad is None for p in encoder.parameters())
    assert head.weight.grad is not None


def test_freeze_survives_deepcopy_pickle_and_a_second_call():
    encoder = freeze(freeze(_with_stats(MLPEncoder(4, (6,)))))
    bn = encoder.net[1]
    assert len(bn._forward_pre_hooks) == 1
    for twin in (copy.deepcopy(encoder), pickle.loads(pickle.dumps(encoder))):
        before = copy.deepcopy(twin.state_dict())
        twin.train()
        twin(torch.randn(5, 4) + 3)
        assert all(torch.equal(v, before[k]) for k, v in twin.state_dict().items())


def test_freeze_leaves_dropout_and_the_outside_alone():
    inner = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5), nn.BatchNorm1d(3))
    outer = nn.Sequential(freeze(inner), nn.Linear(3, 2), nn.BatchNorm1d(2))
    outer.train()
    assert inner[1].training and outer[2].training
    assert all(p.requires_grad for p in outer[1].parameters())


def test_freeze_type_error():
    with pytest.raises(TypeError, match="module"):
        freeze(torch.zeros(3))


def _by_module_type(backbone, head, backbone_lr, head_lr, wd):
    """The rule written differently: a bias, or any parameter of a normalisation layer, is not decayed."""
    groups, seen = [], set()
    for module, lr in ((backbone, backbone_lr), (head, head_lr)):
        decay, plain = [], []
        for m in module.modules():
            for name, p in m.named_parameters(recurse=False):
                if not p.requires_grad or id(p) in seen:
                    continue
                seen.add(id(p))
                (plain if isinstance(m, NORMS) or name == "bias" else decay).append(p)
        groups += [{"params": ps, "lr": lr, "weight_decay": w} for ps, w in ((decay, wd), (plain, 0.0)) if ps]
    return groups


def _ids(groups):
    return [([id(p) for p in g["params"]], g["lr"], g["weight_decay"]) for g in groups]


@pytest.mark.parametrize("make", [lambda: ConvEncoder(1, (4, 8, 16)), lambda: MLPEncoder(10, (8, 8)),
                                  lambda: nn.Sequential(nn.Linear(4, 6), nn.LayerNorm(6), nn.GroupNorm(2, 6))])
def test_param_groups_equal_the_rule_by_module_type(make):
    torch.manual_seed(0)
    backbone, head = make(), nn.Sequential(nn.Linear(8, 5), nn.BatchNorm1d(5), nn.Linear(5, 3))
    assert _ids(param_groups(backbone, head, 1e-4, 1e-2, 0.05)) == _ids(_by_module_type(backbone, head, 1e-4, 1e-2, 0.05))
    freeze(backbone)
    got = param_groups(backbone, head, 1e-4, 1e-2, 0.05)
    assert _ids(got) == _ids(_by_module_type(backbone, head, 1e-4, 1e-2, 0.05))
    assert {g["lr"] for g in got} == {1e-2}


def test_param_groups_drive_adamw_as_documented():
    """One AdamW step with zero gradients: decayed parameters shrink by lr * wd, the others stay."""
    backbone, head = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)), nn.Linear(4, 2)
    groups = param_groups(backbone, head, 0.1, 0.5, 0.2)
    opt = torch.optim.AdamW(groups)
    before = {id(p): p.detach().clone() for g in groups for p in g["params"]}
    for g in groups:
        for p in g["params"]:
            p.grad = torch.zeros_like(p)
    opt.step()
    for g in groups:
        for p in g["params"]:
            want = before[id(p)] * (1 - g["lr"] * g["weight_decay"])
            torch.testing.assert_close(p.detach(), want)
    decayed = {id(p) for g in groups if g["weight_decay"] > 0 for p in g["params"]}
    assert decayed == {id(backbone[0].weight), id(head.weight)}


def test_param_groups_tied_weight_once_and_torch_accepts():
    backbone, head = nn.Linear(3, 3), nn.Linear(3, 3)
    head.weight = backbone.weight
    groups = param_groups(backbone, head, 0.1, 0.2, 0.01)
    ids = [id(p) for g in groups for p in g["params"]]
    assert len(ids) == len(set(ids)) == 3
    torch.optim.AdamW(groups)  # raises if a parameter were in two groups


def test_finetune_probe_keeps_the_encoder_and_is_deterministic():
    x = torch.rand(40, 1, 8, 8)
    y = torch.arange(40) % 4
    results = []
    for _ in range(2):
        torch.manual_seed(0)
        encoder, head = freeze(_with_stats(ConvEncoder(1, (4, 8)))), nn.Linear(8, 4)
        before = copy.deepcopy(encoder.state_dict())
        history = finetune(encoder, head, x, y, steps=30, backbone_lr=1e-3, head_lr=1e-2, batch_size=16,
                           device="cpu")
        assert all(torch.equal(v, before[k]) for k, v in encoder.state_dict().items())
        assert history["loss"][-1] < history["loss"][0]
        results.append((history["loss"], accuracy(encoder, head, x, y)))
    assert results[0] == results[1]


def test_finetune_refuses_when_nothing_trains():
    encoder, head = freeze(ConvEncoder(1, (4,))), freeze(nn.Linear(4, 2))
    with pytest.raises(ValueError, match="frozen"):
        finetune(encoder, head, torch.rand(4, 1, 8, 8), torch.tensor([0, 1, 0, 1]), steps=1, backbone_lr=0.1,
                 head_lr=0.1, device="cpu")
