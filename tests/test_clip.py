"""Chapter 21's reference code against peers and independent formulations.

- clip_loss: info-nce-pytorch's `info_nce` run in both directions and averaged; open_clip's
  ClipLoss formulation (logit_scale * normalised features, logits_per_image and
  logits_per_text, the mean of the two cross-entropies); an explicit float64 loop.
- zero_shot_predict: scikit-learn's cosine_similarity and numpy's argmax (first maximum).
- TextEncoder: torch's F.embedding_bag(mode="mean", padding_idx=0), then the linear map.
- captions, tokenize, train_clip: hand-made cases, determinism, bad calls.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ssl_course.contrastive.clip import (
    TextEncoder,
    caption,
    caption_tokenizer,
    clip_loss,
    tokenize,
    train_clip,
    zero_shot_predict,
)
from ssl_course.contrastive.info_nce import info_nce
from ssl_course.course.exercises._common import view_pair
from ssl_course.data.shapes import COLOUR_NAMES, SHAPE_NAMES

info_nce_peer = pytest.importorskip("info_nce")


def _value_and_grads(fn, *inputs):
    leaves = [x.detach().clone().requires_grad_() for x in inputs]
    value = fn(*leaves)
    return value.detach(), torch.autograd.grad(value, leaves)


def _assert_same(ours, peer, *inputs, tol=1e-10):
    v1, g1 = _value_and_grads(ours, *inputs)
    v2, g2 = _value_and_grads(peer, *inputs)
    assert abs(v1.item() - v2.item()) <= tol, (v1.item(), v2.item())
    for a, b in zip(g1, g2):
        torch.testing.assert_close(a, b, rtol=0, atol=tol)


def _open_clip_loss(image_features, text_features, logit_scale):
    """open_clip's ClipLoss (one process): the model hands it unit-length features."""
    image_features, text_features = F.normalize(image_features, dim=-1), F.normalize(text_features, dim=-1)
    logits_per_image = logit_scale * image_features @ text_features.T
    logits_per_text = logit_scale * text_features @ image_features.T
    labels = torch.arange(logits_per_image.shape[0], device=image_features.device, dtype=torch.long)
    return (F.cross_entropy(logits_per_image, labels) + F.cross_entropy(logits_per_text, labels)) / 2


def _loop_loss(img, txt, t):
    """The definition, one pair at a time, in float64."""
    n = img.shape[0]
    u = [img[i] / img[i].norm() for i in range(n)]
    v = [txt[j] / txt[j].norm() for j in range(n)]
    total = 0.0
    for i in range(n):
        row = torch.stack([u[i] @ v[j] / t for j in range(n)])
        col = torch.stack([u[j] @ v[i] / t for j in range(n)])
        total = total - (row[i] - torch.logsumexp(row, 0)) - (col[i] - torch.logsumexp(col, 0))
    return total / (2 * n)


@pytest.mark.parametrize("n,d,t", [(1, 3, 0.1), (8, 16, 0.5), (64, 32, 0.07), (600, 8, 1.0)])
def test_clip_loss_is_info_nce_pytorch_both_ways(n, d, t):
    img, txt = view_pair(n, d, seed=n, dtype=torch.float64)
    _assert_same(lambda a, b: clip_loss(a, b, t),
                 lambda a, b: 0.5 * (info_nce_peer.info_nce(a, b, temperature=t)
                                     + info_nce_peer.info_nce(b, a, temperature=t)), img, txt)


@pytest.mark.parametrize("n,d,t", [(5, 4, 0.07), (200, 64, 0.01)])
def test_clip_loss_is_open_clip_formulation_and_our_info_nce(n, d, t):
    img, txt = view_pair(n, d, seed=3 * n, dtype=torch.float64)
    _assert_same(lambda a, b: clip_loss(a, b, t), lambda a, b: _open_clip_loss(a, b, 1 / t), img, txt)
    _assert_same(lambda a, b: clip_loss(a, b, t), lambda a, b: 0.5 * (info_nce(a, b, t) + info_nce(b, a, t)),
                 img, txt)


def test_clip_loss_against_a_loop():
    img, txt = view_pair(7, 5, seed=11, dtype=torch.float64)
    torch.testing.assert_close(clip_loss(img, txt, 0.2), _loop_loss(img, txt, 0.2), rtol=1e-12, atol=0)


def test_clip_loss_facts():
    img, txt = view_pair(9, 6, seed=2, dtype=torch.float64)
    # symmetric in its two arguments; invariant to lengths and to a joint permutation
    torch.testing.assert_close(clip_loss(img, txt), clip_loss(txt, img), rtol=1e-12, atol=0)
    scale = torch.arange(1, 10, dtype=torch.float64)[:, None]
    torch.testing.assert_close(clip_loss(img * scale, txt / scale), clip_loss(img, txt), rtol=1e-12, atol=0)
    perm = torch.randperm(9, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(clip_loss(img[perm], txt[perm]), clip_loss(img, txt), rtol=1e-12, atol=0)
    # all-equal embeddings: every candidate ties, the loss is log N in both directions
    same = torch.ones(9, 6, dtype=torch.float64)
    assert math.isclose(float(clip_loss(same, same)), math.log(9), rel_tol=1e-12)
    # k identical captions in a batch of images equal to them: the floor is log k (the duplicates tie)
    base = torch.eye(3, 6, dtype=torch.float64)
    dup = base[torch.tensor([0, 0, 0, 1, 2])]
    expected = (3 * math.log(3) + 2 * 0.0) / 5  # each of the 3 copies shares its probability with 2 others
    assert math.isclose(float(clip_loss(dup, dup, 1e-3)), expected, rel_tol=1e-9)
    # a tiny temperature stays finite; a zero row stays finite too
    zero = img.clone()
    zero[0] = 0
    assert torch.isfinite(clip_loss(img, txt, 1e-4)) and torch.isfinite(clip_loss(zero, txt))


def test_zero_shot_predict_against_sklearn():
    from sklearn.metrics.pairwise import cosine_similarity

    g = torch.Generator().manual_seed(0)
    img, cls = torch.randn(1500, 6, generator=g, dtype=torch.float64), torch.randn(11, 6, generator=g, dtype=torch.float64)
    cls[3] = 0.0  # an all-zero class row: sklearn's cosine is 0 there too
    cls[5] = 2 * cls[4]  # a tie: the lower row must win
    labels = torch.arange(11) * 3 + 2
    want = np.argmax(cosine_similarity(img.numpy(), cls.numpy()), axis=1)
    assert (zero_shot_predict(img, cls) == torch.from_numpy(want)).all()
    assert (zero_shot_predict(img, cls, labels) == labels[torch.from_numpy(want)]).all()
    assert not (zero_shot_predict(img, cls) == 5).any()  # row 5 ties with row 4 and always loses
    assert zero_shot_predict(img, cls, labels.int()).dtype == torch.int32


def test_zero_shot_predict_ignores_lengths_and_order():
    img, cls = view_pair(20, 4, seed=5, dtype=torch.float64)
    pred = zero_shot_predict(img, cls[:6])
    lengths = torch.tensor([0.1, 1, 10, 3, 0.5, 7.0], dtype=torch.float64)[:, None]
    assert torch.equal(zero_shot_predict(img * 5, cls[:6] * lengths), pred)
    perm = torch.tensor([3, 0, 5, 1, 4, 2])
    assert torch.equal(zero_shot_predict(img, cls[:6][perm], perm), pred)  # labels follow their rows


def test_captions_and_tokens():
    assert caption(2, 0) == "a red triangle" and caption(0, 3) == "a blue circle"
    all_captions = [caption(s, c) for s in range(len(SHAPE_NAMES)) for c in range(len(COLOUR_NAMES))]
    assert len(set(all_captions)) == 16
    tok = caption_tokenizer(all_captions)
    assert len(tok) == 5 + 1 + 4 + 4  # the specials, "a", the colours, the shapes
    ids = tokenize(["a red circle", "blue", "a purple circle"], tok)
    assert ids.shape == (3, 3) and ids.dtype == torch.long
    assert tok.decode(ids[0]) == ["a", "red", "circle"]
    assert ids[1, 1:].tolist() == [tok.pad_id, tok.pad_id]  # padded
    assert ids[2, 1] == tok.unk_id  # a word it never saw


def test_text_encoder_is_a_mean_of_word_embeddings_then_linear():
    torch.manual_seed(0)
    enc = TextEncoder(12, 5, word_dim=7)
    tokens = torch.tensor([[5, 6, 7], [5, 8, 0], [9, 0, 0]])
    bag = F.embedding_bag(tokens, enc.embed.weight, mode="mean", padding_idx=0)
    torch.testing.assert_close(enc(tokens), enc.proj(bag))
    # composition: a caption's embedding is affine in its words' mean, whatever the combination
    a, red, circle = (enc.embed.weight[i] for i in (5, 6, 7))
    torch.testing.assert_close(enc(tokens[:1])[0], enc.proj((a + red + circle) / 3))
    # the [PAD] row is never trained
    enc(tokens).sum().backward()
    assert enc.embed.weight.grad[0].abs().max() == 0


def _tiny_run(seed, augment=None):
    torch.manual_seed(seed)
    image_encoder = nn.Sequential(nn.Flatten(), nn.Linear(12, 8))
    text_encoder = TextEncoder(14, 8, word_dim=8)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(64, 3, 2, 2, generator=g)
    texts = torch.randint(5, 14, (64, 3), generator=g)
    return train_clip(image_encoder, text_encoder, x, texts, steps=30, batch_size=16, lr=1e-2, seed=seed,
                      augment=augment)


def test_train_clip_is_deterministic_and_learns():
    a, b = _tiny_run(0), _tiny_run(0)
    assert a == b and len(a) == 30
    assert np.mean(a[-5:]) < np.mean(a[:5])


def test_train_clip_augment_is_applied_to_every_batch_and_deterministic():
    assert _tiny_run(0, augment=lambda x, t, g: (x, t)) == _tiny_run(0)  # identity changes nothing
    seen = []

    def noisy(x, t, g):
        seen.append((x.shape[0], t.shape[0]))
        return x + torch.randn(x.shape, generator=g), t

    a = _tiny_run(0, augment=noisy)
    assert seen == [(16, 16)] * 30 and a == _tiny_run(0, augment=noisy) and a != _tiny_run(0)
    # the texts the encoder sees are the augmented ones: one caption for the whole batch makes every
    # row of the logits constant, so the image->caption direction is exactly log 16 and the loss >= log(16) / 2
    same = _tiny_run(0, augment=lambda x, t, g: (x, t[:1].expand_as(t)))
    assert min(same) >= np.log(16) / 2 - 1e-6


BAD = [
    ("clip_loss shapes differ", lambda: clip_loss(torch.randn(4, 3), torch.randn(5, 3)), ValueError, "same shape"),
    ("clip_loss 1-D", lambda: clip_loss(torch.randn(4), torch.randn(4)), ValueError, "image_emb"),
    ("clip_loss temperature 0", lambda: clip_loss(torch.randn(4, 3), torch.randn(4, 3), 0.0), ValueError,
     "temperature"),
    ("zero_shot widths differ", lambda: zero_shot_predict(torch.randn(4, 3), torch.randn(2, 5)), ValueError, "width"),
    ("zero_shot float labels", lambda: zero_shot_predict(torch.randn(4, 3), torch.randn(2, 3), torch.zeros(2)),
     ValueError, "labels"),
    ("zero_shot labels wrong length",
     lambda: zero_shot_predict(torch.randn(4, 3), torch.randn(2, 3), torch.tensor([0, 1, 2])), ValueError, "labels"),
    ("caption shape out of range", lambda: caption(4, 0), ValueError, "shape"),
    ("caption colour float", lambda: caption(0, 1.0), TypeError, "colour"),
    ("tokenize a string", lambda: tokenize("a red circle", caption_tokenizer(["a red circle"])), TypeError,
     "captions"),
    ("text encoder float tokens", lambda: TextEncoder(10, 4)(torch.zeros(2, 3)), ValueError, "tokens"),
    ("text encoder id too large", lambda: TextEncoder(10, 4)(torch.full((2, 3), 10)), ValueError, "tokens"),
    ("train_clip rows differ", lambda: train_clip(nn.Linear(2, 2), TextEncoder(10, 2), torch.randn(4, 2),
                                                  torch.zeros(5, 3, dtype=torch.long)), ValueError, "rows"),
    ("train_clip batch of one", lambda: train_clip(nn.Linear(2, 2), TextEncoder(10, 2), torch.randn(4, 2),
                                                   torch.zeros(4, 3, dtype=torch.long), batch_size=1),
     ValueError, "batch_size"),
    ("train_clip augment not callable", lambda: train_clip(nn.Linear(2, 2), TextEncoder(10, 2), torch.randn(4, 2),
                                                           torch.zeros(4, 3, dtype=torch.long), augment=3),
     TypeError, "augment"),
]


@pytest.mark.parametrize("name,call,error,word", BAD, ids=[b[0] for b in BAD])
def test_bad_calls_name_the_argument(name, call, error, word):
    with pytest.raises(error, match=word):
        call()
