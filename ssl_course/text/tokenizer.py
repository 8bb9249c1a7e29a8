"""A word-level tokenizer built from a corpus: the special tokens take ids 0..4, then the words
seen at least `min_count` times, most frequent first; any other word is [UNK]."""
from __future__ import annotations

import torch

SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


class Tokenizer:
    """Word-level vocabulary. ids 0..4 are [PAD] [UNK] [CLS] [SEP] [MASK] (`n_special` = 5)."""

    pad_id, unk_id, cls_id, sep_id, mask_id = range(len(SPECIALS))
    n_special = len(SPECIALS)

    def __init__(self, words: list[str], min_count: int = 5, max_size: int | None = None):
        freq: dict[str, int] = {}
        for w in words:
            freq[w] = freq.get(w, 0) + 1
        kept = sorted((w for w, c in freq.items() if c >= min_count), key=lambda w: (-freq[w], w))
        if max_size is not None:
            kept = kept[: max(0, max_size - self.n_special)]
        self.vocab: list[str] = [*SPECIALS, *kept]
        self.index = {w: i for i, w in enumerate(self.vocab)}

    def __len__(self) -> int:
        return len(self.vocab)

    def encode(self, words: list[str]) -> torch.Tensor:
        """words (list of T strings) -> (T,) int64 ids; unknown words become [UNK]."""
        return torch.tensor([self.index.get(w, self.unk_id) for w in words], dtype=torch.long)

    def decode(self, ids: torch.Tensor) -> list[str]:
        """(T,) ids -> list of T tokens."""
        return [self.vocab[i] for i in ids.tolist()]

    def batch(self, ids: torch.Tensor, lengths: torch.Tensor, max_len: int) -> torch.Tensor:
        """Cut a stream of word ids (T,) into sequences: row i is [CLS] + the next lengths[i] words,
        padded with [PAD] to max_len. lengths (N,) with 1 <= lengths + 1 <= max_len. Returns (N, max_len)."""
        out = torch.full((len(lengths), max_len), self.pad_id, dtype=torch.long)
        out[:, 0] = self.cls_id
        start = 0
        for i, n in enumerate(lengths.tolist()):
            out[i, 1 : n + 1] = ids[start : start + n]
            start += n
        return out
