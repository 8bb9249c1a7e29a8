"""One benchmark for many representations: the same frozen-feature protocols for every encoder,
with a confidence interval over seeds.

- `few_shot_prototypes`  nearest-prototype classification from `shots` labelled examples per class
- `t_interval`           mean and Student-t confidence interval of a few per-seed numbers
- `benchmark`            linear probe, kNN and few-shot accuracy of every encoder, mean and CI over seeds
- `pretrain`             the course's methods on one encoder and one budget, each through the
                         package's own loop (`contrastive.simclr.fit`) and its own loss

Checked in tests/test_benchmark.py (scikit-learn's NearestCentroid, scipy's t interval).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .._validate import check_int, check_labels
from ..contrastive.nt_xent import nt_xent
from ..contrastive.simclr import TwoViews, fit
from ..core import device as default_device
from ..generative.autoencoder import add_noise
from ..generative.vae import negative_elbo, reparameterize
from ..models.encoders import MLPEncoder
from ..models.heads import ProjectionHead
from ..noncontrastive.barlow_twins import barlow_twins
from ..noncontrastive.byol import BYOL, byol_loss
from ..noncontrastive.simsiam import Predictor, SimSiam, simsiam_loss
from ..noncontrastive.vicreg import vicreg
from ..pretext.rotation import rotate_batch
from .probes import _check_train_test, features, knn, linear_probe


# ----------------------------------------------------------------------------- few-shot
@torch.no_grad()
def few_shot_prototypes(train_feats: torch.Tensor, y_train: torch.Tensor, test_feats: torch.Tensor,
                        shots: int = 5, generator: torch.Generator | None = None) -> torch.Tensor:
    """Labels predicted by nearest prototype from `shots` labelled examples per class (Snell et al. 2017).

    train_feats: (N, D), y_train: (N,) non-negative integer labels (the pool to draw the
    labelled examples from); test_feats: (M, D). The classes are the distinct labels of
    y_train, in ascending order. For each class c in turn, its rows idx_c (ascending indices,
    `(y_train == c).nonzero()`) are shuffled with ONE call
    `torch.randperm(len(idx_c), generator=generator)` (a CPU generator; None: torch's global
    one) and the first `shots` kept. A class's prototype is the mean of its kept rows; each
    test row gets the class whose prototype is nearest in Euclidean distance, a tie going to
    the smallest label. A class with fewer than `shots` rows is a ValueError. Computed in the
    features' promoted dtype. Returns (M,) labels, y_train's dtype, on train_feats' device.
    """
    _check_train_test(train_feats, y_train, test_feats, non_negative=True)
    check_int("shots", shots, 1)
    dtype = torch.promote_types(train_feats.dtype, test_feats.dtype)
    train, test = train_feats.to(dtype), test_feats.to(train_feats.device, dtype)
    labels = y_train.to(train.device)
    classes = torch.unique(labels, sorted=True)  # (C,)
    protos = []
    for c in classes:
        idx = (labels == c).nonzero().flatten()  # ascending
        if len(idx) < shots:
            raise ValueError(f"class {int(c)} has {len(idx)} examples, fewer than shots={shots}")
        # drawn on the generator's device (the CPU for None), whatever torch's default device
        pick = torch.randperm(len(idx), generator=generator,
                              device=generator.device if generator is not None else "cpu").to(idx.device)[:shots]
        protos.append(train[idx[pick]].mean(dim=0))
    protos = torch.stack(protos)  # (C, D)
    # Squared differences (no |a|^2 - 2ab + |b|^2 cancellation: exact ties stay ties), in chunks.
    step = max(1, 2 ** 24 // (protos.numel() or 1))
    nearest = [((test[i:i + step, None, :] - protos[None]) ** 2).sum(dim=2).argmin(dim=1)
               for i in range(0, test.shape[0], step)]
    return classes[torch.cat(nearest)].to(y_train.dtype)


def few_shot_accuracy(train_feats, y_train, test_feats, y_test, shots: int = 5, seed: int = 0,
                      episodes: int = 1, predict: Callable = few_shot_prototypes) -> float:
    """Test accuracy of `predict` (`few_shot_prototypes` or a function with its signature),
    averaged over `episodes` draws of the labelled examples, all from one CPU generator seeded
    with `seed`. Returns a float."""
    check_labels("y_test", y_test, test_feats.shape[0], "test_feats")
    check_int("episodes", episodes, 1)
    g = torch.Generator().manual_seed(seed)
    accs = [float((predict(train_feats, y_train, test_feats, shots, generator=g).cpu()
                   == y_test.cpu()).double().mean()) for _ in range(episodes)]
    return sum(accs) / episodes


# ----------------------------------------------------------------------------- intervals
def t_interval(values: Sequence[float], confidence: float = 0.95) -> tuple[float, float]:
    """Mean and half-width of the Student-t confidence interval of the mean of a few numbers.

    values: S >= 2 numbers (one per seed). Half-width = t_{(1+confidence)/2, S-1} * s / sqrt(S),
    s the sample (unbiased) standard deviation. With S = 3 and 95%, t = 4.30: the interval is
    wide, as it should be with three samples. Returns (mean, half_width).
    """
    from scipy import stats

    v = [float(a) for a in values]
    if len(v) < 2:
        raise ValueError(f"a confidence interval needs at least 2 values, got {len(v)}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    n = len(v)
    mean = sum(v) / n
    sd = math.sqrt(sum((a - mean) ** 2 for a in v) / (n - 1))
    return mean, float(stats.t.ppf((1 + confidence) / 2, n - 1)) * sd / math.sqrt(n)


# ----------------------------------------------------------------------------- the benchmark
Encoder = nn.Module | Callable[[torch.Tensor], torch.Tensor]
PROTOCOLS = ("linear probe", "kNN", "5-shot")


def _feats(enc: Encoder, x: torch.Tensor) -> torch.Tensor:
    if isinstance(enc, nn.Module):
        return features(enc, x)
    if callable(enc):
        return enc(x).detach().flatten(1).float().cpu()
    raise TypeError(f"an encoder must be an nn.Module or a callable x -> features, got {type(enc).__name__}")


def benchmark(encoders: Mapping[str, Encoder | Sequence[Encoder]], data, seeds: Sequence[int] = (0, 1, 2), *,
              shots: int = 5, episodes: int = 10, k: int = 20, confidence: float = 0.95,
              few_shot: Callable = few_shot_prototypes) -> list[dict]:
    """Linear probe, kNN and few-shot accuracy of every encoder, mean and t-interval over seeds.

    encoders: name -> an encoder, or a sequence of encoders, one per seed (the same method
      trained with each seed). An encoder is an nn.Module (`probes.features` runs it frozen, in
      eval mode) or a callable x (N, ...) -> features (N, D) (raw pixels: `lambda x: x.flatten(1)`).
    data: (x_train, y_train, x_test, y_test), inputs (N, ...) and (M, ...), labels (N,), (M,).
    seeds: S >= 2 seeds. Seed s picks the encoder trained with it (when a sequence is given)
      and the `shots` labelled examples per class of the few-shot protocol (`episodes` new
      draws per seed, their accuracies averaged).
    Protocols, on frozen features of the training set (all its labels) and the test set:
      "linear probe" `probes.linear_probe` (standardised features, logistic regression, C=1);
      "kNN"          `probes.knn` (cosine, k neighbours, majority vote);
      "5-shot"       `few_shot_accuracy` (nearest prototype from `shots` examples per class,
                     the mean over `episodes` draws; `few_shot` is the predictor used).
    Returns one dict per encoder, in `encoders`' order: "name", and per protocol p: p -> mean
    accuracy, p + " ci" -> the half-width of the `confidence` Student-t interval over the S
    seeds (`t_interval`), p + " values" -> the S per-seed accuracies.
    """
    x_train, y_train, x_test, y_test = data
    seeds = list(seeds)
    if len(seeds) < 2:
        raise ValueError(f"a confidence interval needs at least 2 seeds, got {seeds}")
    rows = []
    for name, enc in encoders.items():
        per_seed = list(enc) if isinstance(enc, Sequence) else [enc] * len(seeds)
        if len(per_seed) != len(seeds):
            raise ValueError(f"{name}: {len(per_seed)} encoders for {len(seeds)} seeds")
        values = {p: [] for p in PROTOCOLS}
        cache = {}
        for e, s in zip(per_seed, seeds):
            if id(e) not in cache:  # one encoder for every seed: its features once
                cache[id(e)] = (_feats(e, x_train), _feats(e, x_test))
            tr, te = cache[id(e)]
            values["linear probe"].append(linear_probe(tr, y_train, te, y_test))
            values["kNN"].append(knn(tr, y_train, te, y_test, k=k))
            values["5-shot"].append(few_shot_accuracy(tr, y_train, te, y_test, shots=shots, seed=s,
                                                      episodes=episodes, predict=few_shot))
        row = {"name": name}
        for p, v in values.items():
            row[p], row[p + " ci"] = t_interval(v, confidence)
            row[p + " values"] = v
        rows.append(row)
    return rows


def format_rows(rows: list[dict], protocols: Sequence[str] = PROTOCOLS) -> str:
    """The leaderboard as text: one line per row, accuracy in % as mean ± CI half-width."""
    width = max(len(r["name"]) for r in rows) + 2
    lines = [" " * width + "".join(f"{p:>18s}" for p in protocols)]
    for r in rows:
        cells = "".join(f"{100 * r[p]:10.1f} ± {100 * r[p + ' ci']:4.1f} " for p in protocols)
        lines.append(f"{r['name']:<{width}s}{cells}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- the methods
class _Siamese(nn.Module):
    """SimSiam for `fit`: (v1, v2) -> ((p1, z1), (p2, z2))."""

    def __init__(self, encoder: nn.Module, dim: int):
        super().__init__()
        self.net = SimSiam(encoder, ProjectionHead(encoder.out_dim, encoder.out_dim, dim), Predictor(dim, dim // 4))

    def forward(self, v1, v2):
        p1, p2, z1, z2 = self.net(v1, v2)
        return (p1, z1), (p2, z2)


class _Byol(nn.Module):
    """BYOL for `fit`: (v1, v2) -> ((p1, t1), (p2, t2)). Each training forward first moves the
    target by EMA towards the online network as the previous optimiser step left it: the same
    sequence of targets as updating after every step."""

    def __init__(self, encoder: nn.Module, dim: int, momentum: float):
        super().__init__()
        self.net = BYOL(encoder, ProjectionHead(encoder.out_dim, encoder.out_dim, dim),
                        Predictor(dim, dim // 4), momentum=momentum)

    def forward(self, v1, v2):
        if self.training:
            self.net.update_target()
        p1, p2, t1, t2 = self.net(v1, v2)
        return (p1, t1), (p2, t2)


class _Rotation(nn.Module):
    """RotNet for `fit`: v1's four rotations -> (4-way logits (4B, 4), rotation labels (4B,)); v2 unused."""

    def __init__(self, encoder: nn.Module):
        super().__init__()
        self.encoder, self.head = encoder, nn.Linear(encoder.out_dim, 4)

    def forward(self, v1, v2):
        images, labels = rotate_batch(v1)
        return self.head(self.encoder(images)), labels


class _Vae(nn.Module):
    """A VAE whose inference network is the encoder: v1 -> ((logits, mu, logvar), v1); v2 unused."""

    def __init__(self, encoder: nn.Module, in_dim: int, latent: int, seed: int):
        super().__init__()
        h = encoder.out_dim
        self.encoder, self.to_stats = encoder, nn.Linear(h, 2 * latent)
        self.decoder = nn.Sequential(nn.Linear(latent, h), nn.ReLU(), nn.Linear(h, in_dim))
        self.seed, self.gen = seed, None

    def forward(self, v1, v2):
        mu, logvar = self.to_stats(self.encoder(v1)).chunk(2, dim=1)
        if self.gen is None:  # a seeded generator on the data's device, for reparameterize
            self.gen = torch.Generator(device=mu.device).manual_seed(self.seed)
        return (self.decoder(reparameterize(mu, logvar, self.gen)), mu, logvar), v1


class _Denoising(nn.Module):
    """A denoising autoencoder on the encoder: masking noise on v1, reconstruct the clean v1."""

    def __init__(self, encoder: nn.Module, in_dim: int, level: float, seed: int):
        super().__init__()
        self.encoder, self.decoder = encoder, nn.Linear(encoder.out_dim, in_dim)
        self.level, self.gen = level, torch.Generator().manual_seed(seed)

    def forward(self, v1, v2):
        noisy = add_noise(v1, "masking", self.level, generator=self.gen)
        return self.decoder(self.encoder(noisy)), v1


class _Supervised(nn.Module):
    """Cross-entropy on the labels (the upper line): v1 -> (logits, None); v2 unused."""

    def __init__(self, encoder: nn.Module, num_classes: int):
        super().__init__()
        self.encoder, self.head = encoder, nn.Linear(encoder.out_dim, num_classes)

    def forward(self, v1, v2):
        return self.head(self.encoder(v1)), None


def _same(xb, generator):
    return xb


METHODS = ("SimCLR", "SimSiam", "BYOL", "Barlow Twins", "VICReg", "rotation", "VAE", "denoising AE", "supervised")


def pretrain(method: str, x: torch.Tensor, views: Callable, *, epochs: int, seed: int,
             hidden: Sequence[int] = (128, 128), batch_size: int = 128, lr: float = 2e-3,
             labels: torch.Tensor | None = None, device=None) -> nn.Module:
    """Train a fresh MLPEncoder(in_dim, hidden) with one of the course's methods; return it (eval mode).

    method: one of METHODS. x: (N, ...) inputs in [0, 1]; views(x_batch, generator) -> a random
    view (the two-view methods' augmentation). Every method runs the package's loop
    `contrastive.simclr.fit` (Adam, cosine learning rate, `epochs` passes over x in batches of
    `batch_size`: the same number of steps for every method) with the package's loss:
    SimCLR `nt_xent` (t = 0.5); SimSiam `simsiam_loss`; BYOL `byol_loss` (EMA 0.99);
    Barlow Twins `barlow_twins`; VICReg `vicreg` (projector to 64 dimensions for these four);
    rotation: 4-way cross-entropy on `rotate_batch`; VAE: `negative_elbo`, 8 latents;
    denoising AE: masking noise (30%) and Bernoulli reconstruction of the clean input;
    supervised: cross-entropy on `labels` (N,) (the upper line, the only method given labels).
    The encoder's initial weights depend on `seed` only, so every method starts from the same
    network for a given seed.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    dev = torch.device(device) if device is not None else default_device()
    in_dim = int(x[0].numel())
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        encoder = MLPEncoder(in_dim, tuple(hidden))  # the same start for every method
        torch.manual_seed(seed + 1)
        h = encoder.out_dim
        if method in ("SimCLR", "Barlow Twins", "VICReg"):
            model = TwoViews(encoder, ProjectionHead(h, h, 128 if method == "SimCLR" else 64))
        elif method == "SimSiam":
            model = _Siamese(encoder, 64)
        elif method == "BYOL":
            model = _Byol(encoder, 64, momentum=0.99)
        elif method == "rotation":
            model = _Rotation(encoder)
        elif method == "VAE":
            model = _Vae(encoder, in_dim, latent=8, seed=seed)
        elif method == "denoising AE":
            model = _Denoising(encoder, in_dim, level=0.3, seed=seed)
        else:
            if labels is None:
                raise ValueError("method 'supervised' needs labels")
            model = _Supervised(encoder, int(labels.max()) + 1)

    losses = {
        "SimCLR": lambda z1, z2, y: nt_xent(z1, z2, 0.5),
        "SimSiam": lambda a, b, y: simsiam_loss(a[0], b[0], a[1], b[1]),
        "BYOL": lambda a, b, y: byol_loss(a[0], b[0], a[1], b[1]),
        "Barlow Twins": lambda z1, z2, y: barlow_twins(z1, z2),
        "VICReg": lambda z1, z2, y: vicreg(z1, z2),
        "rotation": lambda logits, t, y: F.cross_entropy(logits, t),
        "VAE": lambda out, x0, y: negative_elbo(x0.flatten(1), *out).mean(),
        "denoising AE": lambda logits, x0, y: F.binary_cross_entropy_with_logits(
            logits, x0.flatten(1), reduction="none").sum(1).mean(),
        "supervised": lambda logits, _, y: F.cross_entropy(logits, y),
    }
    two_views = method in ("SimCLR", "SimSiam", "BYOL", "Barlow Twins", "VICReg")
    model.to(dev).train()
    fit(model, x, labels if method == "supervised" else None, views if two_views else _same, losses[method],
        epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=0.0, seed=seed, device=dev, show_bar=False)
    return encoder.eval()
