"""Known-wrong implementations for chapter 14."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import mutant


# --------------------------------------------------------------------------- 14.d_loss
@mutant("14.d_loss", "common wrong answer: sigmoid, then log (inf for saturated logits)")
def _d_sigmoid_log(real_logits, fake_logits):
    return -(torch.sigmoid(real_logits).log().mean() + (1 - torch.sigmoid(fake_logits)).log().mean())


@mutant("14.d_loss", "labels swapped: real scored as fake")
def _d_swapped(real_logits, fake_logits):
    return F.softplus(real_logits).mean() + F.softplus(-fake_logits).mean()


@mutant("14.d_loss", "one mean over the concatenated batch (wrong when the sizes differ)")
def _d_concat(real_logits, fake_logits):
    return 2 * torch.cat([F.softplus(-real_logits), F.softplus(fake_logits)]).mean()


@mutant("14.d_loss", "float32 arithmetic for float64 logits")
def _d_float32(real_logits, fake_logits):
    out = F.softplus(-real_logits.float()).mean() + F.softplus(fake_logits.float()).mean()
    return out.to(real_logits.dtype)


@mutant("14.d_loss", "averages the first 512 logits only")
def _d_chunk(real_logits, fake_logits):
    return F.softplus(-real_logits[:512]).mean() + F.softplus(fake_logits[:512]).mean()


@mutant("14.d_loss", "clamped probabilities (sigmoid, clamp to 1e-7, log)")
def _d_clamped(real_logits, fake_logits):
    p_real, p_fake = torch.sigmoid(real_logits).clamp(1e-7, 1 - 1e-7), torch.sigmoid(fake_logits).clamp(1e-7, 1 - 1e-7)
    return -(p_real.log().mean() + (1 - p_fake).log().mean())


# --------------------------------------------------------------------------- 14.g_loss
@mutant("14.g_loss", "common wrong answer: generator loss with the wrong sign (G maximises D's loss on fakes)")
def _g_wrong_sign(fake_logits, saturating=False):
    return F.softplus(fake_logits).mean() if saturating else -F.softplus(-fake_logits).mean()


@mutant("14.g_loss", "saturating ignored: always the non-saturating loss")
def _g_ignores_flag(fake_logits, saturating=False):
    return F.softplus(-fake_logits).mean()


@mutant("14.g_loss", "sigmoid, then log (inf for saturated logits)")
def _g_sigmoid_log(fake_logits, saturating=False):
    p = torch.sigmoid(fake_logits)
    return (1 - p).log().mean() if saturating else -p.log().mean()


@mutant("14.g_loss", "float32 arithmetic for float64 logits")
def _g_float32(fake_logits, saturating=False):
    x = fake_logits.float()
    out = -F.softplus(x).mean() if saturating else F.softplus(-x).mean()
    return out.to(fake_logits.dtype)


@mutant("14.g_loss", "averages the first 512 logits only")
def _g_chunk(fake_logits, saturating=False):
    x = fake_logits[:512]
    return -F.softplus(x).mean() if saturating else F.softplus(-x).mean()


@mutant("14.g_loss", "targets D's labels: BCE with label 0 on fakes (the discriminator's term)")
def _g_label_zero(fake_logits, saturating=False):
    return F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
