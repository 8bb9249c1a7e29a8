"""DCGAN (Radford et al. 2016) sized for the course's 8x8 `digits`: the generator and the
discriminator, DCGAN's initialisation, sampling, and a training loop that reuses the GAN losses
on logits of `gan.py`.

DCGAN's rules, kept here: no pooling (strided convolutions in D, transposed convolutions in G),
BatchNorm in both networks except G's output and D's input, ReLU in G with a tanh output (images
scaled to [-1, 1]), LeakyReLU(0.2) in D, Adam with beta1 = 0.5, and every weight drawn from
N(0, 0.02) (BatchNorm's scale from N(1, 0.02)). The 64x64 DCGAN goes 1 -> 4 -> 8 -> 16 -> 32 -> 64
pixels; this one goes 1 -> 2 -> 4 -> 8."""
from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd

from .._validate import check_generator, check_images, check_int, check_positive
from .gan import gan_step


class Generator(nn.Module):
    """z (N, z_dim) -> images (N, 1, 8, 8) in [-1, 1].

    Transposed convolutions 1x1 -> 2x2 (2*width channels) -> 4x4 (width) -> 8x8 (1), BatchNorm
    and ReLU between them, tanh at the end."""

    def __init__(self, z_dim: int = 32, width: int = 32):
        super().__init__()
        self.z_dim, self.width = check_int("z_dim", z_dim), check_int("width", width)
        self.net = nn.Sequential(
            nn.ConvTranspose2d(z_dim, 2 * width, 2, 1, 0, bias=False), nn.BatchNorm2d(2 * width), nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, 2, 1), nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.ndim != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"z must have shape (N, {self.z_dim}), got {tuple(z.shape)}")
        return self.net(z[:, :, None, None])


class Discriminator(nn.Module):
    """images (N, 1, 8, 8) in [-1, 1] -> logits (N, 1): no sigmoid, the losses take logits.

    Strided convolutions 8x8 -> 4x4 (width channels) -> 2x2 (2*width) -> 1x1 (1 logit),
    LeakyReLU(0.2), BatchNorm on the middle layer only (not on the input)."""

    def __init__(self, width: int = 32):
        super().__init__()
        self.width = check_int("width", width)
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * width, 1, 2, 1, 0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or tuple(x.shape[1:]) != (1, 8, 8):
            raise ValueError(f"x must have shape (N, 1, 8, 8), got {tuple(x.shape)}")
        return self.net(x).flatten(1)


@torch.no_grad()
def dcgan_init(module: nn.Module, std: float = 0.02, generator: torch.Generator | None = None) -> nn.Module:
    """DCGAN's initialisation of every layer of `module`, in place; returns `module`.

    In `module.modules()` order: every convolution and transposed convolution (any dimension)
    and every nn.Linear gets weight ~ N(0, std^2) and bias 0; every BatchNorm with affine
    parameters gets weight ~ N(1, std^2) and bias 0. Nothing else changes (other layers, running
    statistics, requires_grad). Each weight is one draw of its shape, in its dtype, on the CPU from
    `generator` (torch's global generator when None), scaled and shifted, then copied in."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    check_positive("std", std)
    if generator is not None:
        check_generator(generator)

    def normal_(p: torch.Tensor, mean: float) -> None:
        draw = torch.randn(p.shape, generator=generator, dtype=p.dtype, device="cpu")
        p.copy_(draw * std + mean)

    for m in module.modules():
        if isinstance(m, (_ConvNd, nn.Linear)):
            normal_(m.weight, 0.0)
            if m.bias is not None:
                m.bias.zero_()
        elif isinstance(m, _BatchNorm) and m.affine:
            normal_(m.weight, 1.0)
            m.bias.zero_()
    return module


@torch.no_grad()
def sample(gen: Generator, n: int, generator: torch.Generator | None = None, batch_size: int = 1024) -> torch.Tensor:
    """n images (n, 1, 8, 8) of `gen` in [0, 1], float32 on the CPU, in eval mode (BatchNorm's
    running statistics, so an image does not depend on the rest of the batch).

    z ~ N(0, I) is drawn on the CPU from `generator`; gen's previous mode is restored."""
    check_int("n", n)
    if generator is not None:
        check_generator(generator)
    z = torch.randn(n, gen.z_dim, generator=generator)
    dev = next(gen.parameters()).device
    was_training = gen.training
    gen.eval()
    try:
        out = torch.cat([gen(z[i:i + batch_size].to(dev)).float().cpu() for i in range(0, n, batch_size)])
    finally:
        gen.train(was_training)
    return (out + 1) / 2


def _sigmoid_bce_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """D's loss as the common wrong answer writes it: a sigmoid, then nn.BCELoss on probabilities
    (its log is clamped at -100, its gradient divided by max(p(1 - p), 1e-12)). (N,), (M,) -> scalar."""
    p_real, p_fake = torch.sigmoid(real_logits), torch.sigmoid(fake_logits)
    bce = nn.BCELoss()
    return bce(p_real, torch.ones_like(p_real)) + bce(p_fake, torch.zeros_like(p_fake))


def _sigmoid_bce_g_loss(fake_logits: torch.Tensor, saturating: bool = False) -> torch.Tensor:
    """G's non-saturating loss the same way: BCELoss(sigmoid(logits), 1). (M,) -> scalar."""
    p_fake = torch.sigmoid(fake_logits)
    return nn.BCELoss()(p_fake, torch.ones_like(p_fake))


_sigmoid_bce_step = partial(gan_step, d_loss_fn=_sigmoid_bce_d_loss, g_loss_fn=_sigmoid_bce_g_loss)


LOSSES = {"logits": gan_step, "sigmoid_bce": _sigmoid_bce_step}


def train_dcgan(x: torch.Tensor, *, seed: int, steps: int, batch: int = 64, z_dim: int = 32, width: int = 32,
                lr: float = 2e-4, loss: str = "logits", evaluate: Callable[[Generator], float] | None = None,
                eval_every: int = 0, init: Callable = dcgan_init,
                dev: torch.device | str = "cpu") -> tuple[Generator, dict]:
    """Train a DCGAN on images x (N, 1, 8, 8) in [0, 1] (scaled to [-1, 1] inside); returns (G, history).

    Everything random (weights through `dcgan_init`, batches, z) comes from `seed`. One D update
    then one G update per step (`gan.gan_step`: non-saturating G loss on logits, fake detached);
    loss="sigmoid_bce" swaps in sigmoid + nn.BCELoss with nothing else changed. Adam(lr,
    betas=(0.5, 0.999)) for both. init(module, generator=) initialises both networks.
    history: "d_loss", "g_loss" per step; "max_abs_logit", the largest |logit| D produced in any
    training step (in float32, sigmoid + BCELoss departs from the logits version beyond 16.6);
    with `evaluate` (G -> a number) and eval_every > 0, "eval_step" and "eval" at step 0 and every
    eval_every steps (the last step included)."""
    check_images(x)
    if x.shape[1:] != (1, 8, 8):
        raise ValueError(f"x must have shape (N, 1, 8, 8), got {tuple(x.shape)}")
    check_int("steps", steps, 0)
    check_int("batch", batch)
    if batch > len(x):
        raise ValueError(f"batch must be at most the number of images, {len(x)}, got {batch}")
    check_int("eval_every", eval_every, 0)
    check_positive("lr", lr)
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {loss!r}")
    g = torch.Generator().manual_seed(seed)
    gen = init(Generator(z_dim, width), generator=g).to(dev)
    disc = init(Discriminator(width), generator=g).to(dev)
    opt_g = torch.optim.Adam(gen.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=lr, betas=(0.5, 0.999))
    data = (x * 2 - 1).to(dev)
    history: dict[str, list] = {"d_loss": [], "g_loss": [], "eval_step": [], "eval": []}
    batches = _batches(len(data), batch, g)

    def record(step: int) -> None:
        if evaluate is not None and eval_every > 0:
            history["eval_step"].append(step)
            history["eval"].append(float(evaluate(gen)))

    record(0)
    largest = torch.zeros((), device=dev)

    def track(module, inputs, out) -> None:  # returns None: the output is left as it is
        largest.copy_(torch.maximum(largest, out.detach().abs().max()))

    hook = disc.register_forward_hook(track)
    for step in range(1, steps + 1):
        real = data[next(batches).to(dev)]
        z = torch.randn(batch, z_dim, generator=g).to(dev)
        d_loss, g_loss = LOSSES[loss](gen, disc, opt_g, opt_d, real, z)
        history["d_loss"].append(d_loss)
        history["g_loss"].append(g_loss)
        if eval_every and (step % eval_every == 0 or step == steps):
            record(step)
    hook.remove()
    history["max_abs_logit"] = float(largest)
    return gen, history


def _batches(n: int, batch: int, g: torch.Generator):
    """Endless index batches (batch,): epochs of a fresh permutation, the last partial batch dropped."""
    while True:
        order = torch.randperm(n, generator=g)
        for i in range(0, n - batch + 1, batch):
            yield order[i:i + batch]


def bce_logit_gradient(logits: torch.Tensor, target: float) -> tuple[torch.Tensor, torch.Tensor]:
    """d loss / d logit per entry of logits (N,), for BCE against `target` (0 or 1), computed two
    ways: (sigmoid then nn.BCELoss, BCE on logits). The first is 0 wherever p(1 - p) < 1e-12 in
    the logits' dtype (|logit| > 27.6) or the sigmoid rounds to 0 or 1."""
    out = []
    for fn in (lambda logit, t: F.binary_cross_entropy(torch.sigmoid(logit), t, reduction="sum"),
               lambda logit, t: F.binary_cross_entropy_with_logits(logit, t, reduction="sum")):
        leaf = logits.detach().clone().requires_grad_()
        fn(leaf, torch.full_like(leaf, float(target))).backward()
        out.append(leaf.grad)
    return out[0], out[1]
