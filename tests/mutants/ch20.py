"""Known-wrong implementations for chapter 20."""
from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd

from . import mutant


# --------------------------------------------------------------------------- 20.frechet_distance
def _stats(x, ddof=1):
    mu = x.mean(dim=0)
    c = x - mu
    return mu, c.mT @ c / (x.shape[0] - ddof)


def _root(s):
    evals, evecs = torch.linalg.eigh(s)
    return (evecs * evals.clamp_min(0).sqrt()) @ evecs.mT


def _trace_root(s1, s2):
    r = _root(s1)
    m = r @ s2 @ r
    return torch.linalg.eigvalsh((m + m.mT) / 2).clamp_min(0).sqrt().sum()


@mutant("20.frechet_distance", "common wrong answer: the square root taken entry by entry, sqrt(S1 @ S2)")
def _fd_entrywise(x, y):
    (m1, s1), (m2, s2) = _stats(x), _stats(y)
    return (m1 - m2).pow(2).sum() + torch.trace(s1 + s2 - 2 * torch.sqrt(s1 @ s2))


@mutant("20.frechet_distance", "tr(S1^(1/2) S2^(1/2)): right only when the covariances commute")
def _fd_commuting(x, y):
    (m1, s1), (m2, s2) = _stats(x), _stats(y)
    return (m1 - m2).pow(2).sum() + torch.trace(s1 + s2 - 2 * _root(s1) @ _root(s2))


@mutant("20.frechet_distance", "covariance divided by N, not N - 1")
def _fd_biased(x, y):
    (m1, s1), (m2, s2) = _stats(x, 0), _stats(y, 0)
    return (m1 - m2).pow(2).sum() + torch.trace(s1) + torch.trace(s2) - 2 * _trace_root(s1, s2)


@mutant("20.frechet_distance", "torch.cov(x): rows taken as variables (an N x N covariance)")
def _fd_cov_rows(x, y):
    s1, s2 = torch.atleast_2d(torch.cov(x)), torch.atleast_2d(torch.cov(y))
    d = min(len(s1), len(s2))
    s1, s2 = s1[:d, :d], s2[:d, :d]
    return (x.mean(0) - y.mean(0)).pow(2).sum() + torch.trace(s1) + torch.trace(s2) - 2 * _trace_root(s1, s2)


@mutant("20.frechet_distance", "no clamp: eigenvalues a hair below 0 give NaN")
def _fd_no_clamp(x, y):
    (m1, s1), (m2, s2) = _stats(x), _stats(y)
    evals, evecs = torch.linalg.eigh(s1)
    r = (evecs * evals.sqrt()) @ evecs.mT
    m = r @ s2 @ r
    return (m1 - m2).pow(2).sum() + torch.trace(s1) + torch.trace(s2) - 2 * torch.linalg.eigvalsh(m).sqrt().sum()


@mutant("20.frechet_distance", "eigvalsh of the product S1 @ S2, which is not symmetric (eigh reads one triangle)")
def _fd_eigh_product(x, y):
    (m1, s1), (m2, s2) = _stats(x), _stats(y)
    root = torch.linalg.eigvalsh(s1 @ s2).clamp_min(0).sqrt().sum()
    return (m1 - m2).pow(2).sum() + torch.trace(s1) + torch.trace(s2) - 2 * root


@mutant("20.frechet_distance", "the distance of the means, not its square")
def _fd_mean_norm(x, y):
    (m1, s1), (m2, s2) = _stats(x), _stats(y)
    return (m1 - m2).norm() + torch.trace(s1) + torch.trace(s2) - 2 * _trace_root(s1, s2)


@mutant("20.frechet_distance", "the square root of d^2 returned (FID is the squared distance)")
def _fd_sqrt(x, y):
    (m1, s1), (m2, s2) = _stats(x), _stats(y)
    d2 = (m1 - m2).pow(2).sum() + torch.trace(s1) + torch.trace(s2) - 2 * _trace_root(s1, s2)
    return d2.clamp_min(0).sqrt()


@mutant("20.frechet_distance", "float32 arithmetic for float64 features")
def _fd_float32(x, y):
    (m1, s1), (m2, s2) = _stats(x.float()), _stats(y.float())
    out = (m1 - m2).pow(2).sum() + torch.trace(s1) + torch.trace(s2) - 2 * _trace_root(s1, s2)
    return out.to(x.dtype)


@mutant("20.frechet_distance", "statistics of the first 512 rows only")
def _fd_chunk(x, y):
    (m1, s1), (m2, s2) = _stats(x[:512]), _stats(y[:512])
    return (m1 - m2).pow(2).sum() + torch.trace(s1) + torch.trace(s2) - 2 * _trace_root(s1, s2)


@mutant("20.frechet_distance", "an identity built on the default device (eps * I added)")
def _fd_eps_eye(x, y):
    (m1, s1), (m2, s2) = _stats(x), _stats(y)
    eye = torch.eye(len(s1), dtype=x.dtype) * 1e-12
    return (m1 - m2).pow(2).sum() + torch.trace(s1) + torch.trace(s2) - 2 * _trace_root(s1 + eye, s2 + eye)


# --------------------------------------------------------------------------- 20.dcgan_init
def _draw(p, mean, std, generator, dtype=None):
    d = torch.randn(p.shape, generator=generator, dtype=dtype or p.dtype, device="cpu")
    p.copy_((d * std + mean).to(p.dtype))


def _init(module, std=0.02, generator=None, convs=(_ConvNd, nn.Linear), bn_mean=1.0, zero_bias=True,
          dtype=None):
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, convs):
                _draw(m.weight, 0.0, std, generator, dtype)
                if zero_bias and m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, _BatchNorm) and m.affine:
                _draw(m.weight, bn_mean, std, generator, dtype)
                m.bias.zero_()
    return module


@mutant("20.dcgan_init", "common wrong answer: isinstance(m, nn.Conv2d) only: transposed convolutions keep "
                         "PyTorch's default init")
def _init_conv2d_only(module, std=0.02, generator=None):
    return _init(module, std, generator, convs=(nn.Conv2d, nn.Linear))


@mutant("20.dcgan_init", "the tutorial's class-name test (find('Conv')) without no_grad and on every module")
def _init_classname(module, std=0.02, generator=None):
    for m in module.modules():
        name = type(m).__name__
        if name.find("Conv") != -1:
            m.weight.data.normal_(0.0, std, generator=generator)
        elif name.find("BatchNorm") != -1:
            m.weight.data.normal_(1.0, std, generator=generator)
            m.bias.data.fill_(0)
    return module


@mutant("20.dcgan_init", "parameters changed in place without torch.no_grad()")
def _init_with_grad(module, std=0.02, generator=None):
    for m in module.modules():
        if isinstance(m, (_ConvNd, nn.Linear)):
            m.weight.normal_(0.0, std, generator=generator)
            if m.bias is not None:
                m.bias.zero_()
        elif isinstance(m, _BatchNorm) and m.affine:
            m.weight.normal_(1.0, std, generator=generator)
            m.bias.zero_()
    return module


@mutant("20.dcgan_init", "BatchNorm scale drawn around 0, not 1")
def _init_bn_zero(module, std=0.02, generator=None):
    return _init(module, std, generator, bn_mean=0.0)


@mutant("20.dcgan_init", "biases of convolutions and Linear layers left as they were")
def _init_keeps_bias(module, std=0.02, generator=None):
    return _init(module, std, generator, zero_bias=False)


@mutant("20.dcgan_init", "std ignored: always 0.02")
def _init_fixed_std(module, std=0.02, generator=None):
    return _init(module, 0.02, generator)


@mutant("20.dcgan_init", "generator ignored: draws from torch's global generator")
def _init_global(module, std=0.02, generator=None):
    return _init(module, std, None)


@mutant("20.dcgan_init", "float32 draws cast to float64")
def _init_float32(module, std=0.02, generator=None):
    return _init(module, std, generator, dtype=torch.float32)


@mutant("20.dcgan_init", "draws made on the default device (torch.randn without device=)")
def _init_default_device(module, std=0.02, generator=None):
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (_ConvNd, nn.Linear)):
                m.weight.copy_(torch.randn(m.weight.shape, generator=generator, dtype=m.weight.dtype) * std)
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, _BatchNorm) and m.affine:
                m.weight.copy_(torch.randn(m.weight.shape, generator=generator, dtype=m.weight.dtype) * std + 1)
                m.bias.zero_()
    return module


@mutant("20.dcgan_init", "a deep copy initialised and returned; the model given is untouched")
def _init_copy(module, std=0.02, generator=None):
    return _init(copy.deepcopy(module), std, generator)


@mutant("20.dcgan_init", "the generator re-seeded from its initial seed on every call")
def _init_reseeded(module, std=0.02, generator=None):
    if generator is not None:
        generator = torch.Generator().manual_seed(generator.initial_seed())
    return _init(module, std, generator)


@mutant("20.dcgan_init", "BatchNorm running statistics reset too")
def _init_resets_stats(module, std=0.02, generator=None):
    _init(module, std, generator)
    for m in module.modules():
        if isinstance(m, _BatchNorm):
            m.reset_running_stats()
    return module
