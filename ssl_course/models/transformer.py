"""`TinyEncoder`: a BERT-shaped Transformer encoder small enough for a CPU (chapter 16): token and
position embeddings, torch's nn.TransformerEncoder, and a linear head back to the vocabulary."""
from __future__ import annotations

import torch
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
