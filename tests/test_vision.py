"""Chapter 26's reference code against independent formulations: torch's unfold/fold, a Python
loop over patches, the MAE paper's einsum, a NumPy sine-cosine embedding, a direct loop for the
masked loss."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ssl_course.models.transformer import GPTBlock
from ssl_course.vision.mae import TinyMAE, masked_mse, mean_patch_baseline, random_masking, train_mae
from ssl_course.vision.patches import patchify, sincos_position_embedding, unpatchify

SHAPES = [(3, 1, 8, 8, 2), (2, 3, 12, 8, 4), (4, 2, 6, 9, 3), (1, 1, 5, 5, 1), (2, 3, 4, 4, 4)]


def _images(n, c, h, w, seed=0, dtype=torch.float32):
    return torch.rand(n, c, h, w, generator=torch.Generator().manual_seed(seed), dtype=torch.float64).to(dtype)


def _loop_patchify(x, p):
    n, c, h, w = x.shape
    out = torch.empty(n, (h // p) * (w // p), p * p * c, dtype=x.dtype)
    for i in range(h // p):
        for j in range(w // p):
            for a in range(p):
                for b in range(p):
                    for ch in range(c):
                        out[:, i * (w // p) + j, (a * p + b) * c + ch] = x[:, ch, i * p + a, j * p + b]
    return out


@pytest.mark.parametrize("n,c,h,w,p", SHAPES)
def test_patchify_equals_a_loop(n, c, h, w, p):
    x = _images(n, c, h, w, seed=h * w)
    assert torch.equal(patchify(x, p), _loop_patchify(x, p))


@pytest.mark.parametrize("n,c,h,w,p", SHAPES)
def test_patchify_equals_unfold_with_channels_last(n, c, h, w, p):
    x = _images(n, c, h, w, seed=1)
    cols = F.unfold(x, kernel_size=p, stride=p)  # (N, C*p*p, L), each column (C, p, p) flattened
    peer = cols.transpose(1, 2).reshape(n, -1, c, p * p).transpose(2, 3).reshape(n, -1, p * p * c)
    assert torch.equal(patchify(x, p), peer)


def test_patchify_equals_the_mae_papers_einsum():
    x = _images(3, 3, 8, 8, seed=2)
    p, h = 4, 2
    peer = torch.einsum("nchpwq->nhwpqc", x.reshape(3, 3, h, p, h, p)).reshape(3, h * h, p * p * 3)
    assert torch.equal(patchify(x, p), peer)


@pytest.mark.parametrize("n,c,h,w,p", SHAPES)
def test_unpatchify_inverts_patchify_and_equals_fold(n, c, h, w, p):
    x = _images(n, c, h, w, seed=3, dtype=torch.float64)
    patches = patchify(x, p)
    assert torch.equal(unpatchify(patches, p, h, w), x)
    assert torch.equal(patchify(unpatchify(patches, p, h, w), p), patches)
    cols = patches.reshape(n, -1, p * p, c).transpose(2, 3).reshape(n, -1, c * p * p).transpose(1, 2)
    assert torch.equal(F.fold(cols, (h, w), kernel_size=p, stride=p), x)


def test_patch_errors():
    with pytest.raises(ValueError, match="divisible"):
        patchify(torch.zeros(1, 1, 7, 8), 2)
    with pytest.raises(ValueError, match="tile"):
        unpatchify(torch.zeros(1, 15, 4), 2, 8, 8)
    with pytest.raises(TypeError):
        patchify(torch.zeros(1, 1, 8, 8), 2.0)


def test_sincos_equals_numpy_formulation():
    def one_axis(d, pos):
        omega = 1.0 / 10000 ** (np.arange(d // 2) / (d / 2.0))
        out = np.einsum("m,d->md", pos.reshape(-1), omega)
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)

    gh, gw, d = 3, 5, 16
    grid_w, grid_h = np.meshgrid(np.arange(gw, dtype=np.float64), np.arange(gh, dtype=np.float64))
    peer = np.concatenate([one_axis(d // 2, grid_w), one_axis(d // 2, grid_h)], axis=1)
    got = sincos_position_embedding(gh, gw, d)
    assert got.dtype == torch.float32 and got.shape == (gh * gw, d)
    np.testing.assert_allclose(got.numpy(), peer, rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------- random_masking
@pytest.mark.parametrize("n,length,ratio", [(4, 16, 0.75), (600, 10, 0.5), (3, 7, 0.0), (2, 9, 1.0), (5, 49, 0.9)])
def test_random_masking_against_a_per_row_loop(n, length, ratio):
    x = torch.randn(n, length, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    visible, mask, ids_restore = random_masking(x, ratio, torch.Generator().manual_seed(5))
    noise = torch.rand((n, length), generator=torch.Generator().manual_seed(5))
    keep = int(length * (1 - ratio))
    assert visible.shape == (n, keep, 3) and mask.dtype == x.dtype and ids_restore.dtype == torch.int64
    for r in range(n):
        order = sorted(range(length), key=lambda i: (noise[r, i].item(), i))  # a stable sort, by hand
        assert torch.equal(visible[r], x[r, order[:keep]])
        expect = torch.ones(length, dtype=x.dtype)
        expect[order[:keep]] = 0
        assert torch.equal(mask[r], expect)
        assert [order[k] for k in ids_restore[r].tolist()] == list(range(length))  # unshuffles
    assert int(mask.sum()) == n * (length - keep)


def test_unshuffling_with_ids_restore_puts_every_token_home():
    x = torch.randn(6, 16, 4, generator=torch.Generator().manual_seed(1))
    visible, mask, ids_restore = random_masking(x, 0.75, torch.Generator().manual_seed(2))
    filler = torch.zeros(6, 16 - visible.shape[1], 4)
    back = torch.gather(torch.cat([visible, filler], 1), 1, ids_restore.unsqueeze(-1).expand(-1, -1, 4))
    kept = mask == 0
    assert torch.equal(back[kept], x[kept]) and back[~kept].abs().sum() == 0


# ----------------------------------------------------------------------------- masked_mse
def _loop_masked_mse(pred, target, mask, norm_pix=False, eps=1e-6):
    total, count = 0.0, 0
    for i in range(pred.shape[0]):
        for j in range(pred.shape[1]):
            if mask[i, j]:
                t = target[i, j]
                if norm_pix:
                    t = (t - t.mean()) / np.sqrt(np.var(t.numpy(), ddof=1) + eps)
                total += float(((pred[i, j] - t) ** 2).mean())
                count += 1
    return total / count


@pytest.mark.parametrize("norm_pix", [False, True])
def test_masked_mse_equals_a_loop(norm_pix):
    g = torch.Generator().manual_seed(3)
    pred, target = torch.randn(5, 7, 6, generator=g, dtype=torch.float64), torch.rand(5, 7, 6, generator=g,
                                                                                       dtype=torch.float64)
    mask = torch.rand(5, 7, generator=g) < 0.6  # a different count of masked patches per image
    got = masked_mse(pred, target, mask, norm_pix=norm_pix)
    assert got.dtype == torch.float64
    assert abs(got.item() - _loop_masked_mse(pred, target, mask, norm_pix)) < 1e-12
    assert torch.allclose(masked_mse(pred, target, mask.double(), norm_pix=norm_pix), got)


def test_masked_mse_ignores_visible_patches():
    target = torch.rand(2, 4, 3)
    mask = torch.tensor([[1.0, 0, 0, 1], [0, 1, 0, 0]])
    pred = target.clone()
    pred[mask == 0] += 100.0  # wild predictions on visible patches cost nothing
    assert masked_mse(pred, target, mask) == 0


# ----------------------------------------------------------------------------- the model
@pytest.mark.parametrize("fused", [True, False])
def test_mae_block_is_torchs_pre_norm_encoder_layer(fused):
    """TinyMAE's block, GPTBlock(causal=False), == torch's nn.TransformerEncoderLayer (pre-norm,
    GELU, no dropout) given the same weights: every position attends to every other."""
    torch.manual_seed(0)
    dim, heads = 12, 3
    ours = GPTBlock(dim, heads, fused=fused, causal=False).double()
    peer = torch.nn.TransformerEncoderLayer(dim, heads, 4 * dim, 0.0, activation="gelu", batch_first=True,
                                            norm_first=True).double().eval()
    with torch.no_grad():
        peer.self_attn.in_proj_weight.copy_(ours.attn.qkv.weight)
        peer.self_attn.in_proj_bias.copy_(ours.attn.qkv.bias)
        peer.self_attn.out_proj.weight.copy_(ours.attn.proj.weight)
        peer.self_attn.out_proj.bias.copy_(ours.attn.proj.bias)
        for a, b in [(peer.linear1, ours.mlp[0]), (peer.linear2, ours.mlp[2]), (peer.norm1, ours.ln1),
                     (peer.norm2, ours.ln2)]:
            a.weight.copy_(b.weight)
            a.bias.copy_(b.bias)
    x = torch.randn(4, 7, dim, dtype=torch.float64)
    torch.testing.assert_close(ours(x), peer(x), rtol=1e-10, atol=1e-10)
    later = x.clone()
    later[:, -1] = torch.randn(4, dim, dtype=torch.float64)  # the last token changes: the first position's output must change too
    assert not torch.allclose(ours(later)[:, 0], ours(x)[:, 0])


def test_tiny_mae_blocks_are_not_causal():
    model = TinyMAE(dim=16, decoder_dim=16, heads=2)
    blocks = list(model.encoder) + list(model.decoder)
    assert blocks and all(isinstance(b, GPTBlock) and not b.attn.causal for b in blocks)


def test_tiny_mae_shapes_and_determinism():
    x = _images(5, 1, 8, 8, seed=4)
    model = TinyMAE(dim=16, decoder_dim=16, heads=2)
    pred, mask = model(x, 0.75, torch.Generator().manual_seed(0))
    assert pred.shape == (5, 16, 4) and mask.shape == (5, 16) and int(mask.sum()) == 5 * 12
    again, _ = model(x, 0.75, torch.Generator().manual_seed(0))
    assert torch.equal(pred, again)
    assert model.features(x).shape == (5, 16)


def test_decoder_places_tokens_by_position():
    """With ids_restore, permuting which patches are kept permutes nothing else: the decoder's
    output at a masked position does not depend on the order the encoder saw the visible ones."""
    torch.manual_seed(0)
    model = TinyMAE(dim=16, decoder_dim=16, heads=2).eval()
    x = _images(1, 1, 8, 8, seed=5)
    latent, mask, ids_restore = model.encode(x, 0.75, torch.Generator().manual_seed(1))
    keep = latent.shape[1]
    perm = torch.tensor([2, 0, 3, 1])[:keep]
    ids_shuffle = torch.argsort(ids_restore, dim=1)
    ids_shuffle2 = torch.cat([ids_shuffle[:, :keep][:, perm], ids_shuffle[:, keep:]], 1)
    out1 = model.decode(latent, ids_restore)
    out2 = model.decode(latent[:, perm], torch.argsort(ids_shuffle2, dim=1))
    assert torch.allclose(out1, out2, atol=1e-5)


def test_train_mae_accepts_a_draw_per_epoch():
    x = _images(16, 1, 8, 8, seed=7)
    kw = dict(epochs=2, batch_size=8, patch_size=2, dim=16, decoder_dim=16, heads=2)
    fixed, drawn = train_mae(x, **kw), train_mae(lambda epoch: x, **kw)
    assert all(torch.equal(p, q) for p, q in zip(fixed.parameters(), drawn.parameters()))
    other = train_mae(lambda epoch: x if epoch == 0 else x.flip(0), **kw)  # a new draw is used
    assert not all(torch.equal(p, q) for p, q in zip(fixed.parameters(), other.parameters()))
    everywhere = train_mae(x, loss_on="all", **kw)
    assert not all(torch.equal(p, q) for p, q in zip(fixed.parameters(), everywhere.parameters()))
    with pytest.raises(ValueError):
        train_mae(x, loss_on="visible", **kw)
    with pytest.raises(ValueError):
        train_mae(lambda epoch: x[: 16 - 4 * epoch], **kw)


def test_mean_patch_baseline():
    x = _images(10, 3, 8, 4, seed=6)
    assert torch.allclose(mean_patch_baseline(x, 2), patchify(x.mean(0, keepdim=True), 2)[0])
