"""Known-wrong implementations for chapter 24."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import mutant


# --------------------------------------------------------------------------- 24.embed_condition
@mutant("24.embed_condition", "common wrong answer: the label never reaches G (the unconditional GAN again)")
def _embed_ignores_label(z, labels, num_classes):
    return z.clone()


@mutant("24.embed_condition", "the label appended as one number (class 3 'between' 2 and 4)")
def _embed_as_number(z, labels, num_classes):
    return torch.cat([z, labels.to(z.dtype)[:, None]], dim=1)


@mutant("24.embed_condition", "one-hot as wide as the largest label in the batch (num_classes ignored)")
def _embed_width_from_batch(z, labels, num_classes):
    return torch.cat([z, F.one_hot(labels.long()).to(z.dtype)], dim=1)


@mutant("24.embed_condition", "int32 labels passed to F.one_hot")
def _embed_int32(z, labels, num_classes):
    return torch.cat([z, F.one_hot(labels, num_classes).to(z.dtype)], dim=1)


@mutant("24.embed_condition", "one-hot code first, then z")
def _embed_order(z, labels, num_classes):
    return torch.cat([F.one_hot(labels.long(), num_classes).to(z.dtype), z], dim=1)


@mutant("24.embed_condition", "torch.eye(num_classes)[labels]: the code made on the default device")
def _embed_eye(z, labels, num_classes):
    return torch.cat([z, torch.eye(num_classes, dtype=z.dtype)[labels.long()]], dim=1)


@mutant("24.embed_condition", "the code in float32 whatever z's dtype (float64 z comes back float32)")
def _embed_float32(z, labels, num_classes):
    return torch.cat([z.float(), F.one_hot(labels.long(), num_classes).float()], dim=1)


@mutant("24.embed_condition", "z detached (no gradient reaches the noise)")
def _embed_detached(z, labels, num_classes):
    return torch.cat([z.detach(), F.one_hot(labels.long(), num_classes).to(z.dtype)], dim=1)


@mutant("24.embed_condition", "the first 512 rows only")
def _embed_chunk(z, labels, num_classes):
    code = F.one_hot(labels[:512].long(), num_classes).to(z.dtype)
    return torch.cat([z, torch.cat([code, code.new_zeros(max(0, len(z) - 512), num_classes)])], dim=1)


# --------------------------------------------------------------------------- 24.conditional_d_loss
def _softplus_loss(real_logits, fake_logits):
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


@mutant("24.conditional_d_loss", "common wrong answer: labels ignored, D unconditional (the same GAN again)")
def _d_unconditional(real_feats, real_labels, fake_feats, fake_labels, psi, embed):
    return _softplus_loss(real_feats @ psi, fake_feats @ psi)


def _proj(feats, labels, psi, embed):
    return feats @ psi + (embed[labels.long()] * feats).sum(1)


@mutant("24.conditional_d_loss", "the class term subtracted")
def _d_minus(real_feats, real_labels, fake_feats, fake_labels, psi, embed):
    def logit(f, y):
        return f @ psi - (embed[y.long()] * f).sum(1)
    return _softplus_loss(logit(real_feats, real_labels), logit(fake_feats, fake_labels))


@mutant("24.conditional_d_loss", "the fakes scored with the real batch's labels")
def _d_real_labels_for_fakes(real_feats, real_labels, fake_feats, fake_labels, psi, embed):
    labels = real_labels.long()
    fake_y = labels[torch.arange(len(fake_feats)) % len(labels)]
    return _softplus_loss(_proj(real_feats, labels, psi, embed), _proj(fake_feats, fake_y, psi, embed))


@mutant("24.conditional_d_loss", "one-hot as wide as the batch's largest label, times embed")
def _d_one_hot_width(real_feats, real_labels, fake_feats, fake_labels, psi, embed):
    def logit(f, y):
        return f @ psi + ((F.one_hot(y.long()).to(f.dtype) @ embed) * f).sum(1)
    return _softplus_loss(logit(real_feats, real_labels), logit(fake_feats, fake_labels))


@mutant("24.conditional_d_loss", "torch.eye(C)[labels] @ embed: the one-hot made on the default device")
def _d_eye(real_feats, real_labels, fake_feats, fake_labels, psi, embed):
    def logit(f, y):
        return f @ psi + ((torch.eye(len(embed), dtype=f.dtype)[y.long()] @ embed) * f).sum(1)
    return _softplus_loss(logit(real_feats, real_labels), logit(fake_feats, fake_labels))


@mutant("24.conditional_d_loss", "int32 labels used as they come, through F.one_hot")
def _d_int32(real_feats, real_labels, fake_feats, fake_labels, psi, embed):
    def logit(f, y):
        return f @ psi + ((F.one_hot(y, len(embed)).to(f.dtype) @ embed) * f).sum(1)
    return _softplus_loss(logit(real_feats, real_labels), logit(fake_feats, fake_labels))


@mutant("24.conditional_d_loss", "the class term averaged over features instead of summed")
def _d_mean_not_sum(real_feats, real_labels, fake_feats, fake_labels, psi, embed):
    def logit(f, y):
        return f @ psi + (embed[y.long()] * f).mean(1)
    return _softplus_loss(logit(real_feats, real_labels), logit(fake_feats, fake_labels))


@mutant("24.conditional_d_loss", "the best class's score, not the requested one (max over classes)")
def _d_max_class(real_feats, real_labels, fake_feats, fake_labels, psi, embed):
    def logit(f):
        return f @ psi + (f @ embed.T).max(dim=1).values
    return _softplus_loss(logit(real_feats), logit(fake_feats))


@mutant("24.conditional_d_loss", "sigmoid, then log (inf for logits of hundreds)")
def _d_sigmoid_log(real_feats, real_labels, fake_feats, fake_labels, psi, embed):
    r, f = _proj(real_feats, real_labels, psi, embed), _proj(fake_feats, fake_labels, psi, embed)
    return -(torch.sigmoid(r).log().mean() + (1 - torch.sigmoid(f)).log().mean())


@mutant("24.conditional_d_loss", "one mean over the concatenated batch (wrong when the sizes differ)")
def _d_concat(real_feats, real_labels, fake_feats, fake_labels, psi, embed):
    r, f = _proj(real_feats, real_labels, psi, embed), _proj(fake_feats, fake_labels, psi, embed)
    return 2 * torch.cat([F.softplus(-r), F.softplus(f)]).mean()


@mutant("24.conditional_d_loss", "float32 arithmetic for float64 inputs")
def _d_float32(real_feats, real_labels, fake_feats, fake_labels, psi, embed):
    r = _proj(real_feats.float(), real_labels, psi.float(), embed.float())
    f = _proj(fake_feats.float(), fake_labels, psi.float(), embed.float())
    return _softplus_loss(r, f).to(real_feats.dtype)


@mutant("24.conditional_d_loss", "the first 512 pairs of each batch only")
def _d_chunk(real_feats, real_labels, fake_feats, fake_labels, psi, embed):
    return _softplus_loss(_proj(real_feats[:512], real_labels[:512], psi, embed),
                          _proj(fake_feats[:512], fake_labels[:512], psi, embed))


@mutant("24.conditional_d_loss", "embed detached (the class vectors get no gradient)")
def _d_embed_detached(real_feats, real_labels, fake_feats, fake_labels, psi, embed):
    e = embed.detach()
    return _softplus_loss(_proj(real_feats, real_labels, psi, e), _proj(fake_feats, fake_labels, psi, e))
