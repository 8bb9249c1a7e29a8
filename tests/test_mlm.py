"""Chapter 16's reference code against independent formulations: masking written position by position
from the same three draws, the loss against F.cross_entropy(ignore_index=-100) (Hugging Face's
convention) and a hand-written log-softmax, the tokenizer's round trip, the encoder's padding mask."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ssl_course.models.transformer import TinyEncoder
from ssl_course.text import IGNORE, Tokenizer, mask_tokens, mlm_loss


def _loop_mask(ids, vocab_size, mask_id=4, n_special=5, mask_prob=0.15, seed=0):
    """The same rule, one position at a time, from the documented draws."""
    g = torch.Generator().manual_seed(seed)
    u, v = torch.rand(ids.shape, generator=g), torch.rand(ids.shape, generator=g)
    r = torch.randint(n_special, vocab_size, ids.shape, generator=g)
    inputs, labels = ids.clone(), torch.full_like(ids, IGNORE)
    for i in range(ids.shape[0]):
        for j in range(ids.shape[1]):
            if ids[i, j] >= n_special and u[i, j] < mask_prob:
                labels[i, j] = ids[i, j]
                if v[i, j] < 0.8:
                    inputs[i, j] = mask_id
                elif v[i, j] < 0.9:
                    inputs[i, j] = r[i, j]
    return inputs, labels


def test_mask_tokens_matches_loop():
    ids = torch.randint(0, 40, (30, 17), generator=torch.Generator().manual_seed(1))
    for p in (0.15, 0.5, 1.0):
        got = mask_tokens(ids, 40, mask_prob=p, generator=torch.Generator().manual_seed(3))
        want = _loop_mask(ids, 40, mask_prob=p, seed=3)
        assert torch.equal(got[0], want[0]) and torch.equal(got[1], want[1])


def test_mask_tokens_rates():
    ids = torch.randint(5, 2000, (500, 100), generator=torch.Generator().manual_seed(2))
    inputs, labels = mask_tokens(ids, 2000, generator=torch.Generator().manual_seed(4))
    chosen = labels != IGNORE
    n = chosen.sum().item()
    assert abs(n / ids.numel() - 0.15) < 0.005
    assert abs((inputs[chosen] == 4).float().mean().item() - 0.8) < 0.015
    assert abs((inputs[chosen] == ids[chosen]).float().mean().item() - 0.1) < 0.01
    assert torch.equal(inputs[~chosen], ids[~chosen])


def test_mlm_loss_matches_cross_entropy_and_manual():
    g = torch.Generator().manual_seed(5)
    logits = torch.randn(6, 9, 13, generator=g, dtype=torch.float64)
    labels = torch.where(torch.rand(6, 9, generator=g) < 0.3, torch.randint(0, 13, (6, 9), generator=g),
                         torch.full((6, 9), IGNORE))
    peer = F.cross_entropy(logits.reshape(-1, 13), labels.reshape(-1), ignore_index=IGNORE)
    keep = labels != IGNORE
    manual = -(logits.log_softmax(-1)[keep].gather(1, labels[keep][:, None])).mean()
    got = mlm_loss(logits, labels)
    torch.testing.assert_close(got, peer, rtol=1e-12, atol=0)
    torch.testing.assert_close(got, manual, rtol=1e-12, atol=0)
    zero = mlm_loss(logits, torch.full_like(labels, IGNORE))
    assert zero.item() == 0.0


def test_tokenizer_round_trip_and_specials():
    words = "the cat sat on the mat the cat ran".split()
    tok = Tokenizer(words, min_count=2)
    assert tok.vocab[:7] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat"]
    ids = tok.encode(words)
    assert tok.decode(ids)[:2] == ["the", "cat"] and tok.decode(ids)[2] == "[UNK]"
    batch = tok.batch(ids, torch.tensor([3, 2]), 5)
    assert batch.tolist() == [[2, 5, 6, 1, 0], [2, 1, 5, 0, 0]]


def test_encoder_ignores_padding():
    torch.manual_seed(0)
    model = TinyEncoder(30, dim=16, depth=2, heads=2, max_len=8).eval()
    ids = torch.tensor([[2, 7, 9, 11, 0, 0, 0, 0]])
    other = ids.clone()
    other[0, 4:] = torch.tensor([0, 0, 0, 0])
    out = model(ids)
    assert out.shape == (1, 8, 30)
    # changing a real token changes the others; padding never attends into real tokens' outputs
    changed = ids.clone()
    changed[0, 3] = 12
    assert not torch.allclose(model(changed)[0, :3], out[0, :3])
    longer = torch.tensor([[2, 7, 9, 11, 0, 0]])
    torch.testing.assert_close(model(longer)[0, :4], out[0, :4])


def test_bad_calls_name_the_argument():
    import pytest

    ids = torch.randint(5, 20, (3, 4))
    with pytest.raises(ValueError, match="ids"):
        mask_tokens(ids.float(), 20)
    with pytest.raises(ValueError, match="vocab_size"):
        mask_tokens(ids, 5)
    with pytest.raises(ValueError, match="mask_prob"):
        mask_tokens(ids, 20, mask_prob=1.5)
    with pytest.raises(ValueError, match="labels"):
        mlm_loss(torch.randn(3, 4, 7), torch.zeros(3, 5, dtype=torch.long))
    with pytest.raises(ValueError, match="logits"):
        mlm_loss(torch.randn(12, 7), torch.zeros(3, 4, dtype=torch.long))
