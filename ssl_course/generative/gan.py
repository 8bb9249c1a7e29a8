"""The GAN losses on discriminator logits (`gan_d_loss`, `gan_g_loss`), one alternating training
step (`gan_step`), small 2-D MLPs and the mode-coverage metric of the ring of Gaussians.

Every loss takes *logits* l = D(x) (before the sigmoid): log sigmoid(l) = -softplus(-l) and
log(1 - sigmoid(l)) = -softplus(l) stay finite for any l, where sigmoid-then-log gives -inf."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def gan_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Discriminator loss: -mean log D(x) - mean log(1 - D(G(z))), a scalar.

    real_logits: (N,) D's logits on real data; fake_logits: (M,) on generated data (N and M
    may differ). The two means are added (each is the binary cross-entropy of one batch)."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def gan_g_loss(fake_logits: torch.Tensor, saturating: bool = False) -> torch.Tensor:
    """Generator loss on D's logits (M,) for generated data, a scalar.

    saturating=False: the non-saturating loss -mean log D(G(z)) (Goodfellow et al. 2014, sec. 3).
    saturating=True: the minimax loss mean log(1 - D(G(z))), whose gradient vanishes where D
    confidently rejects the fakes (logits very negative)."""
    if saturating:
        return -F.softplus(fake_logits).mean()
    return F.softplus(-fake_logits).mean()


def mlp(d_in: int, d_out: int, hidden: int = 128, depth: int = 2) -> nn.Sequential:
    """A ReLU MLP (.., d_in) -> (.., d_out) with `depth` hidden layers of width `hidden`."""
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Linear(d_in if i == 0 else hidden, hidden), nn.ReLU()]
    layers.append(nn.Linear(hidden, d_out))
    return nn.Sequential(*layers)


def gan_step(gen: nn.Module, disc: nn.Module, opt_g: torch.optim.Optimizer, opt_d: torch.optim.Optimizer,
             real: torch.Tensor, z: torch.Tensor, saturating: bool = False,
             detach_fake: bool = True, wrong_sign: bool = False,
             d_loss_fn=gan_d_loss, g_loss_fn=gan_g_loss) -> tuple[float, float]:
    """One alternating update: D on real (N, d) vs G(z) (M, d), then G on the same z (M, k).

    Both optimisers' gradients are zeroed once, at the top (a common loop layout).
    detach_fake=False is the common bug: D's loss then backpropagates into G too, and that
    gradient (which pushes G's samples to look *fake*) sits in G's .grad when G steps, added to
    G's own. wrong_sign=True is the sign slip: G's loss negated, so G *minimises* D's error on
    fakes. d_loss_fn(real_logits, fake_logits) and g_loss_fn(fake_logits, saturating=...) are the
    losses on D's logits (chapter 20 passes the sigmoid + BCELoss pair). Returns (d_loss, g_loss) as floats."""
    opt_d.zero_grad()
    opt_g.zero_grad()
    fake = gen(z)
    d_loss = d_loss_fn(disc(real).squeeze(-1), disc(fake.detach() if detach_fake else fake).squeeze(-1))
    d_loss.backward(retain_graph=not detach_fake)  # without detach, G's graph is needed again below
    opt_d.step()
    g_loss = g_loss_fn(disc(fake).squeeze(-1), saturating=saturating)
    disc.requires_grad_(False)  # G's step leaves D's .grad alone (it is zeroed next step anyway)
    (-g_loss if wrong_sign else g_loss).backward()
    disc.requires_grad_(True)
    opt_g.step()
    return float(d_loss.detach()), float(g_loss.detach())


@torch.no_grad()
def mode_coverage(samples: torch.Tensor, centres: torch.Tensor, std: float, k: float = 3.0,
                  min_count: int = 1) -> tuple[int, float]:
    """(modes covered, share of high-quality samples) of samples (N, 2) for centres (C, 2).

    A sample is high quality when within k*std of its nearest centre; a mode is covered when
    at least min_count high-quality samples sit at it (Metz et al. 2017; Srivastava et al. 2017)."""
    dist = torch.cdist(samples.to(centres.dtype), centres)  # (N, C)
    nearest, which = dist.min(dim=1)
    good = nearest <= k * std
    counts = torch.bincount(which[good], minlength=len(centres))
    return int((counts >= min_count).sum()), float(good.float().mean())


def train_ring_gan(seed: int, steps: int, sample_real, z_dim: int = 8, hidden: int = 128, batch: int = 128,
                   lr: float = 2e-3, saturating: bool = False, detach_fake: bool = True,
                   wrong_sign: bool = False, decay_from: float = 0.6) -> nn.Module:
    """Train a (G, D) pair of MLPs on 2-D data for `steps` alternating steps; returns G.

    Both learning rates decay linearly to 0 over the steps after the first `decay_from` share
    (a damped end: the two players' oscillation around the modes settles).

    sample_real(n, generator) -> (n, 2) real points. Everything random (weights, data, z) comes
    from `seed`. wrong_sign=True flips G's loss (G then *minimises* D's error on fakes)."""
    torch.manual_seed(seed)
    gen, disc = mlp(z_dim, 2, hidden), mlp(2, 1, hidden)
    g = torch.Generator().manual_seed(seed)
    opt_g = torch.optim.Adam(gen.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=lr, betas=(0.5, 0.999))
    start = int(decay_from * steps)

    def factor(t: int) -> float:
        return 1.0 if t < start else max(0.0, (steps - t) / max(1, steps - start))

    scheds = [torch.optim.lr_scheduler.LambdaLR(o, factor) for o in (opt_g, opt_d)]
    for _ in range(steps):
        gan_step(gen, disc, opt_g, opt_d, sample_real(batch, g), torch.randn(batch, z_dim, generator=g),
                 saturating=saturating, detach_fake=detach_fake, wrong_sign=wrong_sign)
        for sched in scheds:
            sched.step()
    return gen
