"""Chapter 27's reference code against peers: torch's scaled_dot_product_attention and
nn.MultiheadAttention for attention, a per-row loop for top-p (HuggingFace's rule), torch.topk for
top-k, and causality checked by perturbing the future."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from ssl_course.models.transformer import CausalSelfAttention, TinyGPT, attention, causal_mask
from ssl_course.text.gpt import prefix_nll
from ssl_course.text.sampling import generate, top_k_filter, top_p_filter


def _qkv(shape, seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(*shape, generator=g, dtype=torch.float64).to(dtype) for _ in range(3)]


@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("shape", [(1, 1, 4), (2, 3, 7, 8), (600, 4), (2, 33, 5)])
def test_attention_equals_sdpa(causal, shape):
    q, k, v = _qkv(shape)
    torch.testing.assert_close(attention(q, k, v, causal=causal),
                               F.scaled_dot_product_attention(q, k, v, is_causal=causal), rtol=1e-4, atol=1e-5)


def test_attention_float64_equals_sdpa_tightly():
    q, k, v = _qkv((2, 4, 9, 6), seed=1, dtype=torch.float64)
    out = attention(q, k, v)
    assert out.dtype == torch.float64
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, is_causal=True), rtol=1e-10, atol=1e-12)


def test_causal_mask_is_lower_triangle_and_fresh():
    s = torch.randn(2, 5, 5)
    before = s.clone()
    m = causal_mask(s)
    torch.testing.assert_close(s, before)
    expected = torch.where(torch.tril(torch.ones(5, 5, dtype=torch.bool)), s, torch.tensor(float("-inf")))
    torch.testing.assert_close(m, expected)


def test_causal_self_attention_equals_multihead_attention_with_a_causal_mask():
    torch.manual_seed(0)
    dim, heads, n, length = 16, 4, 3, 11
    ours = CausalSelfAttention(dim, heads)
    peer = nn.MultiheadAttention(dim, heads, batch_first=True)
    with torch.no_grad():  # the same weights: torch's in_proj is [W_q; W_k; W_v], like our qkv
        peer.in_proj_weight.copy_(ours.qkv.weight)
        peer.in_proj_bias.copy_(ours.qkv.bias)
        peer.out_proj.weight.copy_(ours.proj.weight)
        peer.out_proj.bias.copy_(ours.proj.bias)
    x = torch.randn(n, length, dim)
    future = torch.ones(length, length, dtype=torch.bool).triu(1)  # True = not allowed
    expected, _ = peer(x, x, x, attn_mask=future, need_weights=False)
    torch.testing.assert_close(ours(x), expected, rtol=1e-4, atol=1e-5)
    ours.fused = True
    torch.testing.assert_close(ours(x), expected, rtol=1e-4, atol=1e-5)


def test_tinygpt_is_causal_and_fused_equals_written_out():
    torch.manual_seed(0)
    model = TinyGPT(20, dim=32, depth=2, heads=4, max_len=16)
    ids = torch.randint(0, 20, (2, 16))
    out = model(ids)
    changed = ids.clone()
    changed[:, 9:] = (changed[:, 9:] + 1) % 20
    torch.testing.assert_close(model(changed)[:, :9], out[:, :9])  # the past does not see the future
    assert not torch.allclose(model(changed)[:, 9:], out[:, 9:])
    for block in model.blocks:
        block.attn.fused = False
    torch.testing.assert_close(model(ids), out, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError):
        model(torch.zeros(1, 17, dtype=torch.long))


def _top_p_loop(logits: torch.Tensor, p: float) -> torch.Tensor:
    """HuggingFace's rule, one row at a time in plain Python: walk the tokens from most to least
    likely, keep each until the kept mass reaches p."""
    out = torch.full_like(logits, float("-inf"))
    flat, res = logits.reshape(-1, logits.shape[-1]), out.view(-1, logits.shape[-1])
    for r, row in enumerate(flat):
        probs = [math.exp(x) for x in (row - row.max()).tolist()]
        total = sum(probs)
        mass = 0.0
        for i in sorted(range(len(probs)), key=lambda i: -probs[i]):
            res[r, i] = row[i]
            mass += probs[i] / total
            if mass >= p:
                break
    return out


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5), st.integers(1, 60), st.floats(0.01, 1.0), st.integers(0, 10_000), st.floats(0.1, 5.0))
def test_top_p_equals_a_loop_without_ties(n, v, p, seed, scale):
    g = torch.Generator().manual_seed(seed)
    logits = (scale * torch.randn(n, v, generator=g, dtype=torch.float64))
    probs = logits.softmax(-1).sort(-1, descending=True).values.cumsum(-1)
    if (probs - p).abs().min() < 1e-9:  # a boundary rounding decides: skip
        return
    torch.testing.assert_close(top_p_filter(logits, p), _top_p_loop(logits, p))


def test_top_p_keeps_the_top_token_and_ties():
    logits = torch.tensor([[3.0, 1.0, 1.0, 1.0, 0.0]])
    out = top_p_filter(logits, 1e-6)
    assert torch.isfinite(out).tolist() == [[True, False, False, False, False]]
    probs = logits.softmax(-1)[0]
    out = top_p_filter(logits, float(probs[0] + 0.5 * probs[1]))  # crosses inside the tie: keep all three
    assert torch.isfinite(out).tolist() == [[True, True, True, True, False]]
    assert torch.isfinite(top_p_filter(logits, 1.0)).all()


def test_top_k_equals_topk():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(4, 50, generator=g)
    out = top_k_filter(logits, 5)
    idx = logits.topk(5, dim=-1).indices
    expected = torch.full_like(logits, float("-inf")).scatter(-1, idx, logits.gather(-1, idx))
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(top_k_filter(logits, 100), logits)


def test_generate_shapes_and_seeded():
    torch.manual_seed(0)
    model = TinyGPT(12, dim=16, depth=1, heads=2, max_len=8)
    prompt = torch.zeros(3, 2, dtype=torch.long)
    a = generate(model, prompt, 10, top_k=5, top_p=0.9, max_context=8, generator=torch.Generator().manual_seed(1))
    b = generate(model, prompt, 10, top_k=5, top_p=0.9, max_context=8, generator=torch.Generator().manual_seed(1))
    assert a.shape == (3, 12) and torch.equal(a, b) and torch.equal(a[:, :2], prompt)


def test_prefix_nll_equals_shifted_cross_entropy_for_a_causal_model_only():
    torch.manual_seed(0)
    model = TinyGPT(10, dim=16, depth=1, heads=2, max_len=8)
    w = torch.randint(0, 10, (4, 9))
    logits = model(w[:, :-1]).double()
    expected = -logits.log_softmax(-1).gather(-1, w[:, 1:, None]).mean().item()
    assert abs(prefix_nll(model, w) - expected) < 1e-5
    model.blocks[0].attn.causal = False
    logits = model(w[:, :-1]).double()
    leaky = -logits.log_softmax(-1).gather(-1, w[:, 1:, None]).mean().item()
    assert abs(prefix_nll(model, w) - leaky) > 1e-4


def test_generate_top_k_1_is_greedy():
    """top_k=1 leaves one token to draw: the argmax, as temperature 0 gives it."""
    torch.manual_seed(0)
    model = TinyGPT(12, dim=16, depth=1, heads=2, max_len=8)
    prompt = torch.zeros(3, 2, dtype=torch.long)
    greedy = generate(model, prompt, 6, temperature=0.0, max_context=8)
    for top_p in (None, 0.5):
        sampled = generate(model, prompt, 6, temperature=1.5, top_k=1, top_p=top_p, max_context=8,
                           generator=torch.Generator().manual_seed(3))
        assert torch.equal(sampled, greedy)
