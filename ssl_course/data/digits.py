"""`digits`: scikit-learn's 8x8 handwritten digits (shipped with scikit-learn)."""
from __future__ import annotations

import functools

import numpy as np

from .split import Split, _split


@functools.lru_cache(maxsize=4)
def digits(test_fraction: float = 0.3, seed: int = 0) -> Split:
    """scikit-learn's 1,797 handwritten digits, 8x8 grey levels scaled to [0, 1].

    x: (N, 1, 8, 8) float32; y: (N,) int64 in 0..9.
    """
    from sklearn.datasets import load_digits

    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[:, None]  # (N, 1, 8, 8)
    return _split(x, d.target, test_fraction, seed)
