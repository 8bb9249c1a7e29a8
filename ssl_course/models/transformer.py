"""`TinyEncoder`: a BERT-shaped Transformer encoder small enough for a CPU (chapter 16): token and
position embeddings, torch's nn.TransformerEncoder, and a linear head back to the vocabulary.

Chapter 27 adds the decoder side: `causal_mask`, `attention` (written out), `CausalSelfAttention`,
`GPTBlock` and `TinyGPT`."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class TinyEncoder(nn.Module):
    """ids (N, L) int64 -> logits (N, L, V). Positions holding pad_id are hidden from attention."""

    def __init__(self, vocab_size: int, dim: int = 64, depth: int = 2, heads: int = 4, max_len: int = 64,
                 pad_id: int = 0, dropout: float = 0.0):
        super().__init__()
        self.pad_id = pad_id
        self.tokens = nn.Embedding(vocab_size, dim)
        self.positions = nn.Embedding(max_len, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, 4 * dim, dropout, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab_size)

    def features(self, ids: torch.Tensor) -> torch.Tensor:
        """ids (N, L) -> contextual vectors (N, L, dim)."""
        pos = torch.arange(ids.shape[1], device=ids.device)
        h = self.tokens(ids) + self.positions(pos)
        return self.norm(self.encoder(h, src_key_padding_mask=ids == self.pad_id))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """ids (N, L) -> logits (N, L, V). Training can call `head` on the masked positions only."""
        return self.head(self.features(ids))


class TokenMLP(nn.Module):
    """The wrong answer's "BERT": each token's embedding (768-d by default) through an MLP, with no
    attention, so no token sees another. ids (N, L) -> logits (N, L, V)."""

    def __init__(self, vocab_size: int, dim: int = 768, hidden: int = 64):
        super().__init__()
        self.body = nn.Sequential(nn.Embedding(vocab_size, dim), nn.Linear(dim, hidden), nn.GELU())
        self.head = nn.Linear(hidden, vocab_size)

    def features(self, ids: torch.Tensor) -> torch.Tensor:
        """ids (N, L) -> per-token vectors (N, L, hidden), each from its own token only."""
        return self.body(ids)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(ids))


# --------------------------------------------------------------------------- chapter 27: GPT
def causal_mask(scores: torch.Tensor) -> torch.Tensor:
    """Hide the future. scores (..., L, L), row i = query i, column j = key j -> a new tensor of the
    same shape, dtype and device: scores[..., i, j] where j <= i, float('-inf') where j > i.
    The input is not changed."""
    n_q, n_k = scores.shape[-2:]
    future = torch.ones(n_q, n_k, dtype=torch.bool, device=scores.device).triu(1)
    return scores.masked_fill(future, float("-inf"))


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, causal: bool = True) -> torch.Tensor:
    """Scaled dot-product attention written out: softmax(q k^T / sqrt(d) [+ causal mask]) v.

    q, k (..., L, d); v (..., L, d_v) -> (..., L, d_v): one output per position, not per sequence.
    With causal=True position i attends to positions j <= i only (equal to
    F.scaled_dot_product_attention(q, k, v, is_causal=True)); computed in the inputs' dtype."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        scores = causal_mask(scores)
    return scores.softmax(dim=-1) @ v


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention, GPT-style. x (N, L, dim) -> (N, L, dim).

    One linear layer makes q, k, v for every head; each head attends with `attention` (causal);
    the heads are concatenated and projected. `fused=True` calls torch's
    F.scaled_dot_product_attention instead (the same numbers, faster). `causal=False` removes the
    mask (the common wrong answer: every position then sees the tokens it should predict)."""

    def __init__(self, dim: int, heads: int, fused: bool = False, causal: bool = True):
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim must be a multiple of heads, got dim={dim}, heads={heads}")
        self.heads, self.fused, self.causal = heads, fused, causal
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, length, dim = x.shape
        q, k, v = self.qkv(x).view(n, length, 3, self.heads, dim // self.heads).permute(2, 0, 3, 1, 4)
        if self.fused:
            out = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)
        else:
            out = attention(q, k, v, causal=self.causal)  # (N, heads, L, dim / heads)
        return self.proj(out.transpose(1, 2).reshape(n, length, dim))


class GPTBlock(nn.Module):
    """Pre-norm transformer block: x + attn(ln(x)), then x + mlp(ln(x)). x (N, L, dim) -> (N, L, dim).

    `causal=False` lets every position attend to every other (an encoder block, as in chapter 26's
    TinyMAE); the default keeps GPT's causal attention."""

    def __init__(self, dim: int, heads: int, fused: bool = False, causal: bool = True):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = CausalSelfAttention(dim, heads, fused, causal)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class TinyGPT(nn.Module):
    """A decoder-only transformer small enough for a CPU (chapter 27): token + learned position
    embeddings, `depth` GPTBlocks, a final LayerNorm and a linear head.

    ids (N, L) int64 with L <= max_len -> logits (N, L, V): row t predicts token t + 1, seeing
    tokens 0..t only."""

    def __init__(self, vocab_size: int, dim: int = 64, depth: int = 2, heads: int = 4, max_len: int = 64,
                 fused: bool = True):
        super().__init__()
        self.max_len = max_len
        self.tokens = nn.Embedding(vocab_size, dim)
        self.positions = nn.Embedding(max_len, dim)
        self.blocks = nn.ModuleList(GPTBlock(dim, heads, fused) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab_size)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        if ids.shape[1] > self.max_len:
            raise ValueError(f"ids has {ids.shape[1]} positions, more than max_len={self.max_len}")
        h = self.tokens(ids) + self.positions(torch.arange(ids.shape[1], device=ids.device))
        for block in self.blocks:
            h = block(h)
        return self.head(self.norm(h))
