"""Class-conditional GANs (chapter 24): a generator told which class to draw, and the projection
discriminator of Miyato & Koyama (2018).

- `embed_condition(z, labels, num_classes)`       the generator's input: noise and the one-hot class, side by side
- `projection_logits(feats, labels, psi, embed)`  D's logit psi . phi(x) + <embed[y], phi(x)>
- `conditional_d_loss(...)`                       the discriminator's loss on (image, class) pairs
- `ConditionalGenerator`, `ProjectionDiscriminator`  small networks for 8x8 digits;
                                                  conditional=False makes them the unconditional GAN
- `train_conditional_gan(...)`                    the alternating loop (the losses of `gan.py`, on logits)
- `sample(gen, labels, generator)`                images of the requested classes

The losses are the ones of chapter 14 (`gan_d_loss`, `gan_g_loss`): only what D and G are
told changes. Every loss takes logits, never probabilities.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .._validate import check_int, check_labels, check_matrix
from .gan import gan_d_loss, gan_g_loss


def _check_classes(name: str, labels: torch.Tensor, num_classes: int) -> None:
    if bool(((labels < 0) | (labels >= num_classes)).any()):
        raise ValueError(f"{name} must lie in 0..{num_classes - 1} (num_classes={num_classes}), got values "
                         f"from {int(labels.min())} to {int(labels.max())}")


def embed_condition(z: torch.Tensor, labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """The conditional generator's input: [z, one_hot(labels)] side by side (Mirza & Osindero 2014).

    z: (N, Z) float noise; labels: (N,) integer classes in 0..num_classes-1 (any integer dtype).
    Returns (N, Z + num_classes) in z's dtype and on z's device: the first Z columns are z, the
    last num_classes columns the one-hot code of each label (num_classes wide, whichever labels
    occur in the batch). A linear layer on this input adds a learned vector per class (its
    columns for the one-hot part): concatenating a one-hot code *is* a class embedding.
    """
    check_matrix("z", z)
    check_labels("labels", labels, z.shape[0], "z")
    check_int("num_classes", num_classes, 1)
    _check_classes("labels", labels, num_classes)
    one_hot = F.one_hot(labels.to(device=z.device, dtype=torch.int64), num_classes).to(z.dtype)
    return torch.cat([z, one_hot], dim=1)


def projection_logits(feats: torch.Tensor, labels: torch.Tensor, psi: torch.Tensor,
                      embed: torch.Tensor) -> torch.Tensor:
    """The projection discriminator's logit (Miyato & Koyama 2018, eq. 3, without a bias):

        logit_i = <psi, phi_i> + <embed[y_i], phi_i>

    feats: (N, F) the features phi(x); labels: (N,) integer classes indexing embed's rows;
    psi: (F,) the unconditional linear head; embed: (C, F) one vector per class.
    Returns (N,) logits in feats' dtype."""
    check_matrix("feats", feats)
    check_labels("labels", labels, feats.shape[0], "feats")
    if psi.shape != (feats.shape[1],):
        raise ValueError(f"psi must have shape ({feats.shape[1]},) to match feats, got {tuple(psi.shape)}")
    if embed.ndim != 2 or embed.shape[1] != feats.shape[1]:
        raise ValueError(f"embed must have shape (C, {feats.shape[1]}) to match feats, got {tuple(embed.shape)}")
    _check_classes("labels", labels, embed.shape[0])
    class_vectors = embed[labels.to(device=embed.device, dtype=torch.int64)]  # (N, F)
    return feats @ psi + (class_vectors * feats).sum(dim=1)


def conditional_d_loss(real_feats: torch.Tensor, real_labels: torch.Tensor, fake_feats: torch.Tensor,
                       fake_labels: torch.Tensor, psi: torch.Tensor, embed: torch.Tensor) -> torch.Tensor:
    """The projection discriminator's loss, a scalar: -mean log D(x, y) - mean log(1 - D(G(z, y'), y')).

    real_feats: (N, F) phi of real images, real_labels: (N,) their classes; fake_feats: (M, F)
    phi of generated images, fake_labels: (M,) the classes G was asked for; psi: (F,), embed: (C, F).
    Each pair's logit is `projection_logits`; the two batches' cross-entropies are averaged
    separately and added (chapter 14's d_loss on these logits)."""
    return gan_d_loss(projection_logits(real_feats, real_labels, psi, embed),
                      projection_logits(fake_feats, fake_labels, psi, embed))


class ConditionalGenerator(nn.Module):
    """(z (N, z_dim), labels (N,)) -> images (N, 1, 8, 8) in (0, 1).

    An MLP on embed_condition(z, labels): two hidden layers of `hidden` units with batch norm and
    ReLU, a sigmoid output (digits' pixels lie in [0, 1]). conditional=False is the unconditional
    generator with the identical recipe: it reads z only and ignores the labels it is given."""

    def __init__(self, z_dim: int = 32, num_classes: int = 10, hidden: int = 256, conditional: bool = True):
        super().__init__()
        self.z_dim, self.num_classes, self.conditional = z_dim, num_classes, conditional
        d_in = z_dim + (num_classes if conditional else 0)
        self.net = nn.Sequential(
            nn.Linear(d_in, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
            nn.Linear(hidden, 64), nn.Sigmoid())

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        inp = embed_condition(z, labels, self.num_classes) if self.conditional else z
        return self.net(inp).view(-1, 1, 8, 8)


class ProjectionDiscriminator(nn.Module):
    """(images (N, 1, 8, 8), labels (N,)) -> logits (N,), with features phi(x) (N, feat_dim).

    phi: an MLP on the 64 pixels, a hidden layer of `hidden` units and a layer of `feat_dim`,
    LeakyReLU(0.2) after each. psi: a linear head without bias; embed: one feat_dim vector per
    class. spectral=True puts spectral normalisation on every layer, psi and embed included (as in
    Miyato & Koyama 2018). conditional=False drops the class term: the unconditional
    discriminator, logit psi(phi(x))."""

    def __init__(self, num_classes: int = 10, hidden: int = 256, feat_dim: int = 128, conditional: bool = True,
                 spectral: bool = False):
        super().__init__()
        sn = nn.utils.parametrizations.spectral_norm if spectral else (lambda m: m)
        self.num_classes, self.conditional = num_classes, conditional
        self.phi = nn.Sequential(
            nn.Flatten(), sn(nn.Linear(64, hidden)), nn.LeakyReLU(0.2),
            sn(nn.Linear(hidden, feat_dim)), nn.LeakyReLU(0.2))
        self.psi = sn(nn.Linear(feat_dim, 1, bias=False))
        self.embed = sn(nn.Embedding(num_classes, feat_dim))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """phi(x): (N, 1, 8, 8) -> (N, feat_dim)."""
        return self.phi(x)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        feats = self.phi(x)
        if not self.conditional:
            return self.psi(feats).squeeze(-1)
        return projection_logits(feats, labels, self.psi.weight[0], self.embed.weight)


def train_conditional_gan(x: torch.Tensor, labels: torch.Tensor, *, seed: int = 0, steps: int = 800,
                          batch: int = 64, lr: float = 1e-3, z_dim: int = 32, num_classes: int = 10,
                          conditional: bool = True, hidden: int = 256, feat_dim: int = 128, spectral: bool = False,
                          callback: Callable[[int, ConditionalGenerator], None] | None = None,
                          every: int = 0) -> tuple[ConditionalGenerator, ProjectionDiscriminator]:
    """Train (G, D) on images x (N, 1, 8, 8) in [0, 1] with classes labels (N,); returns both, in eval mode.

    Each step: a batch of real (image, class) pairs drawn with replacement, a batch of fakes
    G(z, y') for classes y' drawn uniformly; D takes one step on the GAN loss of its logits (the
    fakes detached), then G one step on the non-saturating loss. Adam (lr, betas (0.5, 0.999)) for
    both. Everything random (weights, batches, z, y') comes from `seed`; conditional=False trains
    the unconditional GAN with the identical recipe (G and D ignore the labels).
    callback(step, gen) runs after every `every` steps (G in training mode again afterwards)."""
    check_labels("labels", labels, x.shape[0], "x")
    torch.manual_seed(seed)
    gen = ConditionalGenerator(z_dim, num_classes, hidden, conditional).to(x.device)
    disc = ProjectionDiscriminator(num_classes, hidden, feat_dim, conditional, spectral).to(x.device)
    g = torch.Generator().manual_seed(seed)
    opt_g = torch.optim.Adam(gen.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=lr, betas=(0.5, 0.999))
    for step in range(1, steps + 1):
        idx = torch.randint(len(x), (batch,), generator=g).to(x.device)
        z = torch.randn(batch, z_dim, generator=g).to(x.device)
        fake_y = torch.randint(num_classes, (batch,), generator=g).to(x.device)
        fake = gen(z, fake_y)
        d_loss = gan_d_loss(disc(x[idx], labels[idx]), disc(fake.detach(), fake_y))
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        g_loss = gan_g_loss(disc(fake, fake_y))
        opt_g.zero_grad()
        g_loss.backward()  # D's .grad collects this too; it is zeroed before D's next step
        opt_g.step()
        if callback is not None and every and step % every == 0:
            callback(step, gen)
            gen.train()
    return gen.eval(), disc.eval()


@torch.no_grad()
def sample(gen: ConditionalGenerator, labels: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """G's images for the requested classes: labels (N,) -> (N, 1, 8, 8), z drawn from `generator`
    (on the CPU, moved to G's device), G in eval mode."""
    dev = next(gen.parameters()).device
    was_training = gen.training
    gen.eval()
    try:
        z = torch.randn(len(labels), gen.z_dim, generator=generator).to(dev)
        return gen(z, labels.to(dev))
    finally:
        gen.train(was_training)
