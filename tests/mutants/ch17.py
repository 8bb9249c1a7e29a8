"""Known-wrong implementations for chapter 17."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import mutant


# --------------------------------------------------------------------------- 17.frame_signal
@mutant("17.frame_signal", "common wrong answer: reshape into back-to-back frames (hop ignored)")
def _frames_reshape(x, frame_length, hop):
    n = x.shape[-1] // frame_length
    return x[..., : n * frame_length].reshape(*x.shape[:-1], n, frame_length)


@mutant("17.frame_signal", "pads the partial last frame with zeros")
def _frames_padded(x, frame_length, hop):
    t = x.shape[-1]
    n = max(1, -(-(t - frame_length) // hop) + 1)
    x = F.pad(x, (0, (n - 1) * hop + frame_length - t)) if (n - 1) * hop + frame_length > t else x
    return x.unfold(-1, frame_length, hop)


@mutant("17.frame_signal", "no guard for a signal shorter than a frame (unfold raises)")
def _frames_unguarded(x, frame_length, hop):
    return x.unfold(-1, frame_length, hop)


@mutant("17.frame_signal", "empty result made on the default device")
def _frames_device(x, frame_length, hop):
    if x.shape[-1] < frame_length:
        return torch.zeros(*x.shape[:-1], 0, frame_length, dtype=x.dtype)
    return x.unfold(-1, frame_length, hop)


@mutant("17.frame_signal", "frames computed in float32 and cast back")
def _frames_float32(x, frame_length, hop):
    if x.shape[-1] < frame_length:
        return x.new_zeros(*x.shape[:-1], 0, frame_length)
    return x.float().unfold(-1, frame_length, hop).to(x.dtype)


@mutant("17.frame_signal", "batch flattened into one long signal (frames cross signal boundaries)")
def _frames_flattened(x, frame_length, hop):
    if x.shape[-1] < frame_length:
        return x.new_zeros(*x.shape[:-1], 0, frame_length)
    n = 1 + (x.shape[-1] - frame_length) // hop
    flat = x.reshape(-1).unfold(0, frame_length, hop)
    starts = torch.arange(x[..., 0].numel(), device=x.device) * x.shape[-1] // hop
    rows = (starts[:, None] + torch.arange(n, device=x.device)).clamp(max=len(flat) - 1)
    return flat[rows].reshape(*x.shape[:-1], n, frame_length)


@mutant("17.frame_signal", "chunks of 512 signals, each chunk framed from the first chunk")
def _frames_chunked(x, frame_length, hop):
    if x.shape[-1] < frame_length:
        return x.new_zeros(*x.shape[:-1], 0, frame_length)
    out = x.unfold(-1, frame_length, hop).clone()
    if x.dim() == 2 and x.shape[0] > 512:
        out[512:] = out[: x.shape[0] - 512]
    return out


# --------------------------------------------------------------------------- 17.cpc_loss
def _steps(z, predictions):
    n_steps, _, length, dim = predictions.shape
    for k in range(1, min(n_steps, length - 1) + 1):
        yield k, predictions[k - 1, :, : length - k].reshape(-1, dim), z[:, k:].reshape(-1, dim)


@mutant("17.cpc_loss", "common wrong answer: MSE between prediction and future (no negatives)")
def _cpc_mse(z, predictions):
    return torch.stack([F.mse_loss(g, f) for _, g, f in _steps(z, predictions)]).mean()


@mutant("17.cpc_loss", "negatives only from other utterances at the same time")
def _cpc_same_time(z, predictions):
    length = z.shape[1]
    out = []
    for k in range(1, min(predictions.shape[0], length - 1) + 1):
        logits = torch.einsum("btd,ctd->tbc", predictions[k - 1, :, : length - k], z[:, k:])
        target = torch.arange(z.shape[0], device=z.device).expand(length - k, -1)
        out.append(F.cross_entropy(logits.flatten(0, 1), target.flatten()))
    return torch.stack(out).mean()


@mutant("17.cpc_loss", "predicts the present: targets z[:, :T-k] instead of z[:, k:]")
def _cpc_no_offset(z, predictions):
    n_steps, _, length, dim = predictions.shape
    out = []
    for k in range(1, min(n_steps, length - 1) + 1):
        g = predictions[k - 1, :, : length - k].reshape(-1, dim)
        f = z[:, : length - k].reshape(-1, dim)
        out.append(F.cross_entropy(g @ f.T, torch.arange(len(g), device=z.device)))
    return torch.stack(out).mean()


@mutant("17.cpc_loss", "one mean over all terms instead of a mean per step")
def _cpc_pooled(z, predictions):
    terms = [F.cross_entropy(g @ f.T, torch.arange(len(g), device=z.device), reduction="none")
             for _, g, f in _steps(z, predictions)]
    return torch.cat(terms).mean()


@mutant("17.cpc_loss", "softmax by exp() then log() (overflows)")
def _cpc_naive_exp(z, predictions):
    out = []
    for _, g, f in _steps(z, predictions):
        e = torch.exp(g @ f.T)
        out.append(-torch.log(e.diagonal() / e.sum(1)).mean())
    return torch.stack(out).mean()


@mutant("17.cpc_loss", "computed in float32 and cast back")
def _cpc_float32(z, predictions):
    out = [F.cross_entropy(g.float() @ f.float().T, torch.arange(len(g), device=z.device))
           for _, g, f in _steps(z, predictions)]
    return torch.stack(out).mean().to(z.dtype)


@mutant("17.cpc_loss", "target indices made on the default device")
def _cpc_device(z, predictions):
    out = [F.cross_entropy(g @ f.T, torch.arange(len(g))) for _, g, f in _steps(z, predictions)]
    return torch.stack(out).mean()
