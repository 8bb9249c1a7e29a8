"""Chapter 18's reference code against independent formulations and trusted peers:
psnr against torchmetrics (per image, then mean) and the closed form, add_noise against the
statistics each corruption must have, ConvAutoencoder's shapes and determinism."""
from __future__ import annotations

import math

import pytest
import torch

from ssl_course.evaluate.image_quality import psnr
from ssl_course.generative.autoencoder import ConvAutoencoder, add_noise, train_autoencoder


def _pair(n=6, c=2, h=5, w=7, seed=0, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, c, h, w, generator=g, dtype=torch.float64) * scale
    sig = torch.linspace(0.01, 0.4, n, dtype=torch.float64).view(-1, 1, 1, 1) * scale
    return x, x + sig * torch.randn(x.shape, generator=g, dtype=torch.float64)


@pytest.mark.parametrize("data_range", [1.0, 2.0, 255.0])
def test_psnr_matches_torchmetrics_per_image_mean(data_range):
    import torchmetrics.functional.image as tm
    x, y = _pair(scale=data_range)
    per_image = [tm.peak_signal_noise_ratio(y[i:i + 1], x[i:i + 1], data_range=data_range) for i in range(len(x))]
    assert torch.allclose(psnr(y, x, data_range=data_range), torch.stack(per_image).mean().double(), rtol=1e-6)
    # torchmetrics with dim=(1, 2, 3) reduces per image then averages: the same definition
    by_dim = tm.peak_signal_noise_ratio(y, x, data_range=data_range, dim=(1, 2, 3))
    assert torch.allclose(psnr(y, x, data_range=data_range), by_dim.double(), rtol=1e-6)


def test_psnr_independent_formula_and_edge_cases():
    x, y = _pair(seed=2)
    mse = [((x[i] - y[i]) ** 2).sum().item() / x[i].numel() for i in range(len(x))]
    expected = sum(20 * math.log10(1.0) - 10 * math.log10(m) for m in mse) / len(mse)
    assert math.isclose(psnr(x, y).item(), expected, rel_tol=1e-12)
    assert psnr(x, y).dtype == torch.float64 and psnr(x.float(), y.float()).dtype == torch.float32
    y[2] = x[2]
    assert psnr(x, y).item() == math.inf
    pooled = 10 * math.log10(1 / (sum(mse) / len(mse)))
    assert psnr(*_pair(seed=2)).item() > pooled  # per-image mean >= pooled (log is concave)
    with pytest.raises(ValueError):
        psnr(x, y[:3])


def test_gaussian_noise_statistics_and_range():
    x = torch.full((200, 1, 16, 16), 0.5, dtype=torch.float64)
    noisy = add_noise(x, "gaussian", 0.1, generator=torch.Generator().manual_seed(0))
    assert abs((noisy - x).std().item() - 0.1) < 0.002  # 0.5 +- 0.1: the clamp is never reached
    wide = add_noise(x, "gaussian", 2.0, generator=torch.Generator().manual_seed(0))
    assert wide.min() >= 0 and wide.max() <= 1 and ((wide == 0) | (wide == 1)).float().mean() > 0.7


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_masking_and_salt_pepper_fractions(p):
    x = torch.full((100, 1, 20, 20), 0.5)
    g = torch.Generator().manual_seed(1)
    masked = add_noise(x, "masking", p, generator=g)
    assert abs((masked == 0).float().mean().item() - p) < 0.01
    sp = add_noise(x, "salt_pepper", p, generator=g)
    assert abs((sp == 0).float().mean().item() - p / 2) < 0.01
    assert abs((sp == 1).float().mean().item() - p / 2) < 0.01
    assert ((sp == 0.5) | (sp == 0) | (sp == 1)).all()


def test_add_noise_generator_and_input_untouched():
    x = torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(3))
    before = x.clone()
    g = torch.Generator().manual_seed(5)
    a, b = add_noise(x, "gaussian", 0.3, generator=g), add_noise(x, "gaussian", 0.3, generator=g)
    assert not torch.equal(a, b) and torch.equal(x, before)
    assert torch.equal(a, add_noise(x, "gaussian", 0.3, generator=torch.Generator().manual_seed(5)))
    for kind in ("gaussian", "masking", "salt_pepper"):
        assert torch.equal(add_noise(x, kind, 0.0, generator=g), x)
    with pytest.raises(ValueError):
        add_noise(x, "speckle", 0.1)


def test_autoencoder_shapes_and_determinism():
    model = ConvAutoencoder(code_dim=12)
    x = torch.rand(5, 1, 8, 8)
    assert model.encoder(x).shape == (5, 12)
    out = model(x)
    assert out.shape == x.shape and out.min() > 0 and out.max() < 1
    a = train_autoencoder(x, noise=("masking", 0.3), epochs=2, batch_size=2, seed=4)
    b = train_autoencoder(x, noise=("masking", 0.3), epochs=2, batch_size=2, seed=4)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
