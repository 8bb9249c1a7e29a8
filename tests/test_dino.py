"""DINO's EMA teacher, momentum schedule, entropy and multi-crop (chapter 28).

Peers: torch's own EMA (torch.optim.swa_utils.AveragedModel with get_ema_multi_avg_fn),
lightly's update_momentum and cosine_schedule, closed forms. The loss and the centre are
checked against lightly's DINOLoss in tests/test_losses_peers.py.
"""
from __future__ import annotations

import copy
import math

import pytest
import torch
from lightly.models.utils import update_momentum
from lightly.utils.scheduler import cosine_schedule
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from ssl_course.augment.multicrop import multi_crop
from ssl_course.noncontrastive.byol import ema_update
from ssl_course.noncontrastive.dino import ema, mean_entropy, teacher_momentum


def _net(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 3)).double()


@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.996, 1.0])
def test_ema_equals_torch_averaged_model_and_lightly(momentum):
    student, teacher0 = _net(0), _net(1)
    peer = AveragedModel(teacher0, multi_avg_fn=get_ema_multi_avg_fn(momentum), use_buffers=False)
    peer.n_averaged.fill_(1)  # past the first call, which copies the model
    lightly_teacher = copy.deepcopy(teacher0)
    ours = [p.detach().clone() for p in teacher0.parameters()]
    for step in range(3):
        with torch.no_grad():
            for p in student.parameters():
                p.add_(0.1 * (step + 1))
        peer.update_parameters(student)
        update_momentum(student, lightly_teacher, m=momentum)
        ours = [ema(t, s, momentum) for t, s in zip(ours, student.parameters())]
    for a, b, c in zip(ours, peer.module.parameters(), lightly_teacher.parameters()):
        assert torch.allclose(a, b, atol=1e-12) and torch.allclose(a, c, atol=1e-12)


def test_ema_is_pure_gradient_free_and_matches_module_update():
    teacher, student = torch.randn(4, 3, dtype=torch.float64), torch.randn(4, 3, dtype=torch.float64)
    student.requires_grad_()
    before = teacher.clone()
    out = ema(teacher, student, 0.9)
    assert not out.requires_grad and torch.equal(teacher, before)
    assert out.dtype == torch.float64
    assert torch.allclose(out, 0.9 * teacher + 0.1 * student.detach(), rtol=1e-12)
    t_net, s_net = _net(2), _net(3)
    expected = [ema(t, s, 0.7) for t, s in zip(t_net.parameters(), s_net.parameters())]
    ema_update(t_net, s_net, 0.7)
    assert all(torch.allclose(e, p) for e, p in zip(expected, t_net.parameters()))


@pytest.mark.parametrize("base", [0.9, 0.996])
def test_teacher_momentum_equals_lightly_cosine_schedule(base):
    total = 50
    for step in (0, 1, 17, 25, 49, 50):
        assert teacher_momentum(step, total, base) == pytest.approx(1 - (1 - base) * (math.cos(math.pi * step / total) + 1) / 2)
    assert teacher_momentum(0, total, base) == pytest.approx(base)
    assert teacher_momentum(total, total, base) == pytest.approx(1.0)
    # lightly's cosine_schedule(step, max_steps, start, end) reaches `end` at max_steps - 1
    for step in (0, 10, 49):
        assert teacher_momentum(step, total - 1, base) == pytest.approx(cosine_schedule(step, total, base, 1.0))
    with pytest.raises(ValueError, match="step"):
        teacher_momentum(6, 5)


def test_mean_entropy_closed_forms():
    k = 16
    assert mean_entropy(torch.zeros(3, k)).item() == pytest.approx(math.log(k))
    one_hot = torch.full((4, k), -1e4)
    one_hot[:, 3] = 0
    assert mean_entropy(one_hot).item() == pytest.approx(0.0, abs=1e-6)
    logits = torch.randn(5, k, dtype=torch.float64)
    p = torch.softmax((logits - 0.3) / 0.5, dim=-1)
    assert mean_entropy(logits, 0.5, torch.full((k,), 0.3, dtype=torch.float64)).item() == \
        pytest.approx(-(p * p.log()).sum(-1).mean().item())


def test_multi_crop_shapes_and_reproducibility():
    x = torch.rand(6, 1, 8, 8)
    views = multi_crop(x, torch.Generator().manual_seed(0), n_global=2, n_local=3, local_size=4)
    assert [tuple(v.shape) for v in views] == [(6, 1, 8, 8)] * 2 + [(6, 1, 4, 4)] * 3
    again = multi_crop(x, torch.Generator().manual_seed(0), n_global=2, n_local=3, local_size=4)
    assert all(torch.equal(a, b) for a, b in zip(views, again))
    # a flat image stays flat in every crop; crops of different views differ
    flat = multi_crop(torch.full((3, 1, 8, 8), 0.25), torch.Generator().manual_seed(1))
    assert all(torch.allclose(v, torch.full_like(v, 0.25)) for v in flat)
    assert not torch.equal(views[0], views[1])
    with pytest.raises(TypeError, match="generator"):
        multi_crop(x, None)


@pytest.mark.parametrize("call,error,needle", [
    (lambda: ema(torch.zeros(3, 2), torch.zeros(2, 3), 0.9), ValueError, "one shape"),
    (lambda: ema(torch.zeros(3), torch.zeros(3), 1.5), ValueError, "momentum"),
    (lambda: ema(torch.zeros(3, dtype=torch.long), torch.zeros(3, dtype=torch.long), 0.5), ValueError, "floating"),
    (lambda: ema([0.0], torch.zeros(1), 0.5), TypeError, "teacher"),
    (lambda: teacher_momentum(-1, 5), ValueError, "step"),
    (lambda: teacher_momentum(1, 0), ValueError, "total_steps"),
    (lambda: teacher_momentum(1, 5, base=2.0), ValueError, "base"),
    (lambda: multi_crop(torch.rand(2, 1, 8, 8), torch.Generator(), n_global=0), ValueError, "n_global"),
    (lambda: multi_crop(torch.rand(2, 1, 8, 8), torch.Generator(), local_scale=(0.5, 0.1)), ValueError, "local_scale"),
    (lambda: mean_entropy([1.0, 2.0]), TypeError, "logits"),
])
def test_bad_calls_name_the_argument(call, error, needle):
    with pytest.raises(error, match=needle):
        call()
