"""Chapter 20's DCGAN against independent formulations: dcgan_init against the PyTorch DCGAN
tutorial's weights_init written with torch.nn.init and one generator, and against the
distribution it promises; the networks' shapes; the sigmoid + BCELoss step against gan_step (the
same numbers where nothing saturates, a zero gradient where it does); training determinism."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from ssl_course.generative.dcgan import (
    Discriminator,
    Generator,
    _sigmoid_bce_step,
    bce_logit_gradient,
    dcgan_init,
    sample,
    train_dcgan,
)
from ssl_course.generative.gan import gan_step


def _tutorial_init(module: nn.Module, generator: torch.Generator) -> nn.Module:
    """The PyTorch DCGAN tutorial's weights_init (class names; torch.nn.init), applied with
    module.apply, extended to zero the biases that tutorial's layers do not have."""

    def init(m):
        name = type(m).__name__
        if "Conv" in name:
            nn.init.normal_(m.weight, 0.0, 0.02, generator=generator)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif "BatchNorm" in name:
            nn.init.normal_(m.weight, 1.0, 0.02, generator=generator)
            nn.init.zeros_(m.bias)

    return module.apply(init)


@pytest.mark.parametrize("make", [lambda: Generator(16, 8), lambda: Discriminator(8)])
def test_dcgan_init_equals_the_tutorial_init_with_nn_init(make):
    torch.manual_seed(0)
    a = make()
    torch.manual_seed(0)
    b = make()
    dcgan_init(a, generator=torch.Generator().manual_seed(3))
    _tutorial_init(b, torch.Generator().manual_seed(3))
    for (name, p), q in zip(a.state_dict().items(), b.state_dict().values()):
        torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-8, msg=name)


def test_dcgan_init_distribution_on_a_large_layer():
    layers = nn.Sequential(nn.Conv2d(64, 64, 5), nn.BatchNorm2d(4096), nn.Linear(300, 200))
    dcgan_init(layers, generator=torch.Generator().manual_seed(0))
    w = layers[0].weight.detach().double()  # 102,400 draws: mean and std within a few standard errors
    assert abs(w.mean()) < 5 * 0.02 / w.numel() ** 0.5
    assert w.std().item() == pytest.approx(0.02, rel=0.01)
    assert layers[1].weight.mean().item() == pytest.approx(1.0, abs=5 * 0.02 / 64)
    assert torch.equal(layers[1].bias, torch.zeros(4096)) and torch.equal(layers[0].bias, torch.zeros(64))
    assert layers[2].weight.std().item() == pytest.approx(0.02, rel=0.02)


def test_dcgan_init_leaves_other_layers_and_state_alone():
    m = nn.Sequential(nn.LayerNorm(4), nn.BatchNorm1d(4, affine=False), nn.Embedding(3, 4))
    before = {k: v.clone() for k, v in m.state_dict().items()}
    assert dcgan_init(m) is m
    for k, v in m.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_networks_shapes_and_ranges():
    torch.manual_seed(0)
    gen, disc = Generator(32, 16), Discriminator(16)
    x = gen(torch.randn(7, 32))
    assert x.shape == (7, 1, 8, 8) and x.abs().max() <= 1
    logits = disc(x)
    assert logits.shape == (7, 1) and (logits.abs() > 0).any()
    assert not any(isinstance(m, nn.Sigmoid) for m in disc.modules())
    s = sample(gen, 5, torch.Generator().manual_seed(0))
    assert s.shape == (5, 1, 8, 8) and s.min() >= 0 and s.max() <= 1 and gen.training
    torch.testing.assert_close(sample(gen, 5, torch.Generator().manual_seed(0)), s)  # eval mode: reproducible
    with pytest.raises(ValueError, match="z must have shape"):
        gen(torch.randn(3, 31))
    with pytest.raises(ValueError, match="x must have shape"):
        disc(torch.randn(3, 1, 16, 16))


def test_bce_logit_gradient():
    logits = torch.tensor([-120.0, -40.0, -5.0, 0.0, 5.0, 20.0, 120.0])
    clamped, exact = bce_logit_gradient(logits, 1.0)
    torch.testing.assert_close(exact, torch.sigmoid(logits) - 1)
    assert clamped[0] == 0 and abs(clamped[1]) < 1e-5  # true gradient -1
    torch.testing.assert_close(clamped[2:5], exact[2:5], rtol=1e-4, atol=1e-6)
    clamped, exact = bce_logit_gradient(logits, 0.0)
    torch.testing.assert_close(exact, torch.sigmoid(logits))
    assert clamped[5] == 0 and clamped[6] == 0  # sigmoid(20) rounds to 1 in float32: the gradient is lost


def _pair(seed=0):
    g = torch.Generator().manual_seed(seed)
    gen, disc = dcgan_init(Generator(8, 8), generator=g), dcgan_init(Discriminator(8), generator=g)
    opts = (torch.optim.Adam(gen.parameters(), lr=2e-4, betas=(0.5, 0.999)),
            torch.optim.Adam(disc.parameters(), lr=2e-4, betas=(0.5, 0.999)))
    return gen, disc, opts


def test_sigmoid_bce_step_equals_gan_step_when_nothing_saturates():
    real = torch.rand(16, 1, 8, 8, generator=torch.Generator().manual_seed(1)) * 2 - 1
    z = torch.randn(16, 8, generator=torch.Generator().manual_seed(2))
    gen_a, disc_a, (og_a, od_a) = _pair()
    gen_b, disc_b, (og_b, od_b) = _pair()
    for _ in range(3):
        losses_a = gan_step(gen_a, disc_a, og_a, od_a, real, z)
        losses_b = _sigmoid_bce_step(gen_b, disc_b, og_b, od_b, real, z)
        assert losses_a == pytest.approx(losses_b, rel=1e-5)
    for p, q in zip(gen_a.parameters(), gen_b.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-6)


def test_train_dcgan_is_deterministic_and_records():
    x = torch.rand(100, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    runs = [train_dcgan(x, seed=4, steps=5, batch=16, z_dim=8, width=4, evaluate=lambda g: 1.0, eval_every=2)
            for _ in range(2)]
    assert runs[0][1] == runs[1][1]
    assert runs[0][1]["eval_step"] == [0, 2, 4, 5] and len(runs[0][1]["g_loss"]) == 5
    other = train_dcgan(x, seed=4, steps=5, batch=16, z_dim=8, width=4, loss="sigmoid_bce")[1]
    assert other["d_loss"][0] == pytest.approx(runs[0][1]["d_loss"][0], rel=1e-5)
    assert 0 < runs[0][1]["max_abs_logit"] < 16.6
    with pytest.raises(ValueError, match="batch must be at most"):
        train_dcgan(x, seed=0, steps=1, batch=101)
    with pytest.raises(ValueError, match="loss must be one of"):
        train_dcgan(x, seed=0, steps=1, loss="bce")
    with pytest.raises(ValueError, match="x must have shape"):
        train_dcgan(torch.rand(4, 1, 6, 6), seed=0, steps=1)


def test_dcgan_init_bad_calls():
    with pytest.raises(TypeError, match="module"):
        dcgan_init(torch.zeros(3))
    with pytest.raises(ValueError, match="std"):
        dcgan_init(nn.Linear(2, 2), std=0.0)
    with pytest.raises(TypeError, match="generator"):
        dcgan_init(nn.Linear(2, 2), generator=0)


# Other correct implementations must pass the check (a check that rejects them would be wrong).
def _init_with_apply(module, std=0.02, generator=None):
    """module.apply and torch.nn.init, as the PyTorch tutorial writes it, with isinstance tests."""
    from torch.nn.modules.batchnorm import _BatchNorm
    from torch.nn.modules.conv import _ConvNd

    def init(m):
        if isinstance(m, (_ConvNd, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, std, generator=generator)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, _BatchNorm) and m.affine:
            nn.init.normal_(m.weight, 1.0, std, generator=generator)
            nn.init.zeros_(m.bias)

    return module.apply(init)


def _init_with_data(module, std=0.02, generator=None):
    """In-place normal_ on .data, layer types listed one by one."""
    convs = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d, nn.Linear)
    norms = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)
    for m in module.modules():
        if isinstance(m, convs):
            m.weight.data.normal_(0.0, std, generator=generator)
            if m.bias is not None:
                m.bias.data.zero_()
        elif isinstance(m, norms) and m.weight is not None:
            m.weight.data.normal_(1.0, std, generator=generator)
            m.bias.data.zero_()
    return module


@pytest.mark.parametrize("fn", [_init_with_apply, _init_with_data])
def test_other_correct_inits_pass_the_check(fn):
    from ssl_course.course.checks import PASSED, run_check

    result = run_check("20.dcgan_init", fn)
    assert result.status == PASSED, str(result)
