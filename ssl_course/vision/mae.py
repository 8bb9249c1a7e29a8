"""Masked autoencoders (He et al. 2022), small enough for 16x16 images on a CPU (chapter 26).

- `random_masking`: keep a random subset of patches per image by sorting uniform noise, and
  return `ids_restore`, the permutation that puts the decoder's tokens back in image order.
- `masked_mse`: the mean squared error on the masked patches only (optionally against
  per-patch normalised targets, the paper's `norm_pix_loss`).
- `TinyMAE`: an asymmetric encoder (visible patches only) and a light decoder (every position,
  mask tokens where patches were hidden), fixed 2-D sine-cosine positions, the
  course's pre-norm `GPTBlock` without its causal mask; `train_mae` fits it,
  `mean_patch_baseline` is the bar's yardstick.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .._validate import check_int, check_probability, check_tensor
from ..core import device, progress_bar
from ..models.transformer import GPTBlock
from .patches import patchify, sincos_position_embedding


def random_masking(x: torch.Tensor, mask_ratio: float, generator: torch.Generator | None = None):
    """x: (N, L, D) tokens -> (visible (N, K, D), mask (N, L), ids_restore (N, L) int64).

    K = int(L * (1 - mask_ratio)). One draw noise = torch.rand((N, L), generator=generator,
    device="cpu") (float32), moved to x's device; ids_shuffle = argsort(noise, dim=1, stable)
    ranks each row's patches, the first K are kept (smallest noise), in that order:
    visible[n, k] = x[n, ids_shuffle[n, k]]. ids_restore = argsort(ids_shuffle) is the inverse
    permutation. mask is 0 for kept and 1 for masked patches, in image order, in x's dtype.
    """
    check_tensor("x", x)
    if x.ndim != 3:
        raise ValueError(f"x must be (N, L, D), got shape {tuple(x.shape)}")
    check_probability("mask_ratio", mask_ratio)
    n, length, dim = x.shape
    keep = int(length * (1 - mask_ratio))
    noise = torch.rand((n, length), generator=generator, device="cpu").to(x.device)  # (N, L)
    ids_shuffle = torch.argsort(noise, dim=1, stable=True)  # (N, L): ascending noise, kept first
    ids_restore = torch.argsort(ids_shuffle, dim=1, stable=True)  # (N, L): the inverse permutation
    ids_keep = ids_shuffle[:, :keep]
    visible = torch.gather(x, 1, ids_keep.unsqueeze(-1).expand(n, keep, dim))  # (N, K, D)
    mask = torch.ones(n, length, dtype=x.dtype, device=x.device)
    mask[:, :keep] = 0  # in shuffled order ...
    mask = torch.gather(mask, 1, ids_restore)  # ... then back in image order
    return visible, mask, ids_restore


def masked_mse(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, norm_pix: bool = False,
               eps: float = 1e-6) -> torch.Tensor:
    """pred, target: (N, L, D) patches; mask: (N, L), 1 (or True) where masked -> scalar loss.

    Each patch's MSE (the mean over its D entries), then the mean over the masked patches of the
    whole batch: sum(mse * mask) / sum(mask). With norm_pix, each TARGET patch is first
    standardised by its own mean and variance, (t - mean) / sqrt(var + eps), var with torch's
    default (unbiased) estimator, as in the paper's code. The mask needs at least one 1.
    """
    check_tensor("pred", pred)
    check_tensor("target", target)
    check_tensor("mask", mask)
    if pred.shape != target.shape or pred.ndim != 3 or mask.shape != pred.shape[:2]:
        raise ValueError(f"pred, target must be (N, L, D) and mask (N, L); got {tuple(pred.shape)}, "
                         f"{tuple(target.shape)}, {tuple(mask.shape)}")
    if norm_pix:
        mean = target.mean(dim=-1, keepdim=True)
        var = target.var(dim=-1, keepdim=True)
        target = (target - mean) / (var + eps).sqrt()
    per_patch = (pred - target).pow(2).mean(dim=-1)  # (N, L)
    weights = mask.to(per_patch.dtype)
    return (per_patch * weights).sum() / weights.sum()


def _blocks(dim: int, depth: int, heads: int) -> nn.Sequential:
    """`depth` pre-norm Transformer blocks without a causal mask (the shared `GPTBlock`, fused
    attention): (N, L, dim) -> (N, L, dim)."""
    return nn.Sequential(*(GPTBlock(dim, heads, fused=True, causal=False) for _ in range(depth)))


class TinyMAE(nn.Module):
    """images (N, C, H, W) -> (pred (N, L, p*p*C), mask (N, L)) with masked patches predicted.

    Encoder: a linear patch embedding plus fixed sine-cosine positions, applied to the visible
    patches only, then `depth` Transformer blocks. Decoder: a linear map to `decoder_dim`, a
    learnt mask token at every masked position (unshuffled with ids_restore), positions again,
    `decoder_depth` blocks and a linear head back to pixels.
    """

    def __init__(self, image_size: tuple[int, int] = (8, 8), patch_size: int = 2, channels: int = 1,
                 dim: int = 64, depth: int = 2, heads: int = 4, decoder_dim: int = 64, decoder_depth: int = 1,
                 unshuffle: bool = True):
        super().__init__()
        self.patch_size = check_int("patch_size", patch_size)
        self.grid = (image_size[0] // patch_size, image_size[1] // patch_size)
        self.unshuffle = unshuffle  # False: the wrong answer that ignores ids_restore
        patch_dim = patch_size * patch_size * channels
        self.embed = nn.Linear(patch_dim, dim)
        self.register_buffer("pos", sincos_position_embedding(*self.grid, dim))
        self.encoder, self.norm = _blocks(dim, depth, heads), nn.LayerNorm(dim)
        self.to_decoder = nn.Linear(dim, decoder_dim)
        self.mask_token = nn.Parameter(torch.zeros(decoder_dim))
        nn.init.normal_(self.mask_token, std=0.02)
        self.register_buffer("decoder_pos", sincos_position_embedding(*self.grid, decoder_dim))
        self.decoder, self.decoder_norm = _blocks(decoder_dim, decoder_depth, heads), nn.LayerNorm(decoder_dim)
        self.head = nn.Linear(decoder_dim, patch_dim)

    def encode(self, images: torch.Tensor, mask_ratio: float = 0.0, generator: torch.Generator | None = None):
        """images (N, C, H, W) -> (latent (N, K, dim), mask (N, L), ids_restore (N, L))."""
        tokens = self.embed(patchify(images, self.patch_size)) + self.pos  # (N, L, dim)
        visible, mask, ids_restore = random_masking(tokens, mask_ratio, generator)
        return self.norm(self.encoder(visible)), mask, ids_restore

    def decode(self, latent: torch.Tensor, ids_restore: torch.Tensor) -> torch.Tensor:
        """latent (N, K, dim), ids_restore (N, L) -> pixels of every patch (N, L, p*p*C)."""
        h = self.to_decoder(latent)  # (N, K, decoder_dim)
        n, keep, d = h.shape
        length = ids_restore.shape[1]
        h = torch.cat([h, self.mask_token.expand(n, length - keep, d)], dim=1)  # shuffled order
        if self.unshuffle:
            h = torch.gather(h, 1, ids_restore.unsqueeze(-1).expand(n, length, d))  # image order
        h = self.decoder(h + self.decoder_pos)
        return self.head(self.decoder_norm(h))

    def forward(self, images: torch.Tensor, mask_ratio: float = 0.75, generator: torch.Generator | None = None):
        latent, mask, ids_restore = self.encode(images, mask_ratio, generator)
        return self.decode(latent, ids_restore), mask

    @torch.no_grad()
    def features(self, images: torch.Tensor) -> torch.Tensor:
        """images (N, C, H, W) -> (N, dim): the encoder on every patch (no masking), mean-pooled."""
        return self.encode(images, 0.0)[0].mean(dim=1)


def train_mae(x: torch.Tensor | Callable[[int], torch.Tensor], mask_ratio: float = 0.75, epochs: int = 60,
              batch_size: int = 128, lr: float = 2e-3, seed: int = 0, loss_on: str = "masked",
              **model_kwargs) -> TinyMAE:
    """Fit a TinyMAE on images in [0, 1]; no labels. AdamW with the paper's betas (0.9, 0.95) and
    weight decay 0.05, one-cycle schedule.

    x: images (N, C, H, W), the same every epoch, or a function epoch -> images (N, C, H, W), a
    fresh draw of a procedural dataset for each epoch (N fixed). loss_on="masked" is the paper's
    loss; "all" (every patch) is the wrong answer, trained with the identical recipe. Seeded:
    initialisation, batch order and masks (a function's draws are its own business).
    """
    if loss_on not in ("masked", "all"):
        raise ValueError(f"loss_on must be 'masked' or 'all', got {loss_on!r}")
    draw = x if callable(x) else (lambda epoch: x)
    first = draw(0)
    torch.manual_seed(seed)
    dev = device()
    model = TinyMAE(image_size=tuple(first.shape[-2:]), channels=first.shape[1], **model_kwargs).to(dev)
    g = torch.Generator().manual_seed(seed)
    fused = dev.type in ("cpu", "cuda")  # one kernel per tensor: most of a tiny model's optimiser time
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.05, fused=fused)
    steps = epochs * -(-len(first) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    for epoch in progress_bar(range(epochs), desc=f"MAE seed {seed}"):
        images = (first if epoch == 0 else draw(epoch)).to(dev)
        if len(images) != len(first):
            raise ValueError(f"every epoch must have {len(first)} images, epoch {epoch} has {len(images)}")
        for idx in torch.randperm(len(images), generator=g).split(batch_size):
            batch = images[idx.to(dev)]
            pred, mask = model(batch, mask_ratio, g)
            if loss_on == "all":
                mask = torch.ones_like(mask)
            loss = masked_mse(pred, patchify(batch, model.patch_size), mask)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return model.eval()


def mean_patch_baseline(x_train: torch.Tensor, patch_size: int) -> torch.Tensor:
    """(N, C, H, W) training images -> (L, p*p*C): the mean training patch at each position,
    the best prediction of a masked patch that ignores the visible ones."""
    return patchify(x_train, patch_size).mean(dim=0)
