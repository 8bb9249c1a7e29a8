"""`corpus`: English prose shipped with Python itself, the text of `help()`'s topics
(`pydoc_data.topics`), lower-cased and split into words; offline, about 64,000 words."""
from __future__ import annotations

import functools
import re

import torch

from .._validate import check_int


@functools.lru_cache(maxsize=1)
def corpus() -> list[str]:
    """The words of Python's help topics, in order: lower-case runs of letters (so "__init__" is
    "init" and "x2" is "x"). The topics are taken in sorted order of their names."""
    from pydoc_data.topics import topics

    text = " ".join(topics[name] for name in sorted(topics))
    return re.findall(r"[a-z]+", text.lower())


def vocabulary(words: list[str], min_count: int = 5) -> tuple[list[str], torch.Tensor, torch.Tensor]:
    """The words seen at least min_count times, most frequent first (ties alphabetical).

    Returns (vocab, counts, ids): vocab, a list of V words; counts (V,) int64; ids (T,) int64,
    the text as vocabulary ids with rarer words dropped (as word2vec drops them).
    """
    min_count = check_int("min_count", min_count)
    freq: dict[str, int] = {}
    for w in words:
        freq[w] = freq.get(w, 0) + 1
    vocab = sorted((w for w, c in freq.items() if c >= min_count), key=lambda w: (-freq[w], w))
    index = {w: i for i, w in enumerate(vocab)}
    ids = torch.tensor([index[w] for w in words if w in index], dtype=torch.long)
    return vocab, torch.tensor([freq[w] for w in vocab], dtype=torch.long), ids
