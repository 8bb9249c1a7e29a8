"""Linear centred kernel alignment (CKA, Kornblith et al. 2019): how similar two representations
of the same inputs are, whatever their widths, rotations and scales.

Checked in tests/test_cka.py against the HSIC formulation with the centring matrix H and against
the (N, N) Gram-matrix form, and for its invariances (orthogonal maps, isotropic scaling).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch

from .._validate import check_matrix


def linear_cka(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Linear CKA between two representations of the same N inputs.

    x: (N, D1), y: (N, D2), row i of each describing input i; N >= 2. Both are centred
    (each column's mean over the N rows subtracted), then

        CKA = ||Yc^T Xc||_F^2 / (||Xc^T Xc||_F * ||Yc^T Yc||_F),

    which equals HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)) with the linear kernels K = X X^T,
    L = Y Y^T. Computed with the (D, D) products, so N can be large. In [0, 1]; 1 when y is x
    up to an orthogonal map and an isotropic scale. Computed in the promoted dtype of x and y
    (float64 stays float64). Returns a 0-dim tensor on x's device. Undefined (NaN) when x or
    y is the same in every row (nothing left after centring).
    """
    check_matrix("x", x)
    check_matrix("y", y)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must describe the same inputs (same number of rows), got "
                         f"{x.shape[0]} and {y.shape[0]}")
    if x.shape[0] < 2:
        raise ValueError(f"linear CKA needs at least 2 rows (one row is all zeros once centred), got {x.shape[0]}")
    dtype = torch.promote_types(torch.promote_types(x.dtype, y.dtype), torch.float32)
    xc = x.to(dtype)
    yc = y.to(xc.device, dtype)
    xc = xc - xc.mean(dim=0, keepdim=True)
    yc = yc - yc.mean(dim=0, keepdim=True)
    cross = torch.linalg.matrix_norm(yc.T @ xc) ** 2  # ||Yc^T Xc||_F^2 = HSIC (N-1)^2
    return cross / (torch.linalg.matrix_norm(xc.T @ xc) * torch.linalg.matrix_norm(yc.T @ yc))


def cka_matrix(feats: Sequence[torch.Tensor]) -> torch.Tensor:
    """Linear CKA between every pair of representations of the same N inputs.

    feats: K tensors (N, D_k). Returns (K, K) float64 on the CPU, symmetric, ones on the diagonal.
    """
    k = len(feats)
    out = torch.ones(k, k, dtype=torch.float64)
    for i in range(k):
        for j in range(i + 1, k):
            out[i, j] = out[j, i] = float(linear_cka(feats[i], feats[j]))
    return out
