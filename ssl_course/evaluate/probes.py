"""How good is a representation? Frozen features, a linear probe and a cosine kNN classifier."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._validate import (
    check_int,
    check_labels,
    check_matrix,
    check_positive,
    check_tensor,
)


def _check_train_test(train_feats, y_train, test_feats, non_negative: bool = False) -> None:
    check_matrix("train_feats", train_feats)
    check_matrix("test_feats", test_feats)
    if train_feats.shape[1] != test_feats.shape[1]:
        raise ValueError(f"train_feats and test_feats must have the same width, got "
                         f"{train_feats.shape[1]} and {test_feats.shape[1]}")
    check_labels("y_train", y_train, train_feats.shape[0], "train_feats")
    if non_negative and bool((y_train < 0).any()):
        raise ValueError("y_train must hold non-negative class labels")


def _check_pair(train_feats, y_train, test_feats, y_test) -> None:
    _check_train_test(train_feats, y_train, test_feats)
    check_labels("y_test", y_test, test_feats.shape[0], "test_feats")


@torch.no_grad()
def features(encoder: nn.Module, x: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
    """The encoder's frozen features for every input: x (N, ...) -> (N, D) float32 on the CPU.

    Runs in eval mode (BatchNorm uses its running statistics, so a feature does not depend on
    the rest of the batch) and restores the encoder's previous mode afterwards.
    """
    if not isinstance(encoder, nn.Module):
        raise TypeError(f"encoder must be a torch.nn.Module, got {type(encoder).__name__}")
    check_tensor("x", x)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    param = next(encoder.parameters(), None)
    dev = param.device if param is not None else x.device
    was_training = encoder.training
    encoder.eval()
    try:
        out = [encoder(x[i:i + batch_size].to(dev)).flatten(1).float().cpu()
               for i in range(0, x.shape[0], batch_size)]
    finally:
        encoder.train(was_training)
    return torch.cat(out)


def linear_probe(train_feats: torch.Tensor, y_train: torch.Tensor, test_feats: torch.Tensor,
                 y_test: torch.Tensor, *, C: float = 1.0, max_iter: int = 1000) -> float:
    """Test accuracy of a multinomial logistic regression fitted on frozen features.

    train_feats: (N, D), y_train: (N,); test_feats: (M, D), y_test: (M,). Features are
    standardised with the training set's mean and std (test statistics never leak in);
    C is scikit-learn's inverse L2 strength. Returns accuracy in [0, 1].
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    _check_pair(train_feats, y_train, test_feats, y_test)
    if isinstance(C, bool) or not isinstance(C, (int, float)) or not C > 0:
        raise ValueError(f"C must be a positive number, got {C!r}")
    as_np = lambda t: t.detach().cpu().double().numpy()
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=max_iter))
    # One BLAS thread: the problem is small, and BLAS threads would fight torch's for the cores.
    with threadpool_limits(limits=1, user_api="blas"):
        clf.fit(as_np(train_feats), y_train.cpu().numpy())
        pred = clf.predict(as_np(test_feats))
    return float(np.mean(pred == y_test.cpu().numpy()))


@torch.no_grad()
def knn_predict(train_feats: torch.Tensor, y_train: torch.Tensor, test_feats: torch.Tensor,
                k: int = 20, temperature: float | None = None, chunk_size: int = 1024) -> torch.Tensor:
    """Labels predicted by a cosine-similarity k-nearest-neighbour classifier.

    train_feats: (N, D), y_train: (N,) non-negative integer labels; test_feats: (M, D).
    Returns (M,) labels, y_train's dtype, on train_feats' device.
    Each test point takes its k most cosine-similar training points and votes:
    temperature=None gives one vote per neighbour, a number weights each vote by
    exp(similarity / temperature) (the weighted kNN of Wu et al. 2018).
    Ties are broken deterministically: among training points equally similar to a test
    point the lower training index is the nearer neighbour, and among classes with equally
    many votes the smallest label wins.
    """
    _check_train_test(train_feats, y_train, test_feats, non_negative=True)
    check_int("k", k, 1)
    if k > train_feats.shape[0]:
        raise ValueError(f"k must be at most the number of training points ({train_feats.shape[0]}), got {k}")
    if temperature is not None:
        check_positive("temperature", temperature)
    dtype = torch.promote_types(train_feats.dtype, test_feats.dtype)
    train = F.normalize(train_feats.to(dtype), dim=1)
    test = F.normalize(test_feats.to(train.device, dtype), dim=1)
    labels = y_train.to(train.device)
    num_classes = int(labels.max()) + 1
    preds = []
    for i in range(0, test.shape[0], chunk_size):
        sim = test[i:i + chunk_size] @ train.T  # (m, N) cosine similarities
        # A stable descending sort keeps equal similarities in training order: deterministic
        # neighbours, where topk would pick among ties in an unspecified order.
        top_sim, top_idx = sim.sort(dim=1, descending=True, stable=True)
        top_sim, top_idx = top_sim[:, :k], top_idx[:, :k]  # (m, k)
        weight = torch.ones_like(top_sim) if temperature is None else (top_sim / temperature).exp()
        votes = torch.zeros(sim.shape[0], num_classes, dtype=weight.dtype, device=sim.device)
        votes.scatter_add_(1, labels[top_idx], weight)  # (m, C)
        preds.append(votes.argmax(dim=1))  # argmax returns the first maximum: the smallest label
    return torch.cat(preds).to(y_train.dtype)


def knn(train_feats: torch.Tensor, y_train: torch.Tensor, test_feats: torch.Tensor,
        y_test: torch.Tensor, k: int = 20, temperature: float | None = None,
        chunk_size: int = 1024) -> float:
    """Test accuracy of a cosine-similarity k-nearest-neighbour classifier (`knn_predict`).

    train_feats: (N, D), y_train: (N,); test_feats: (M, D), y_test: (M,).
    Each test point takes its k most cosine-similar training points; temperature=None gives
    a plain majority vote, a number weights each neighbour's vote by exp(similarity /
    temperature) (the weighted kNN of Wu et al. 2018, used by SimCLR/DINO codebases).
    Ties go to the lower training index, then to the smallest class. Returns accuracy in [0, 1].
    """
    _check_pair(train_feats, y_train, test_feats, y_test)
    pred = knn_predict(train_feats, y_train, test_feats, k, temperature, chunk_size)
    return float((pred.cpu() == y_test.cpu()).double().mean())


@torch.no_grad()
def nearest_class_mean(train_feats: torch.Tensor, y_train: torch.Tensor, test_feats: torch.Tensor) -> torch.Tensor:
    """Labels predicted by the nearest-class-mean classifier, a probe with nothing to tune.

    train_feats: (N, D), y_train: (N,) non-negative integer labels; test_feats: (M, D).
    The classes are the distinct labels in y_train (a label that does not occur is no class).
    Each class's mean is the average of its training rows; each test row gets the class whose
    mean is nearest in Euclidean distance, and a tie goes to the smallest label. Computed in
    the features' promoted dtype (float64 stays float64). Returns (M,) labels, y_train's
    dtype, on train_feats' device.
    """
    _check_train_test(train_feats, y_train, test_feats, non_negative=True)
    dtype = torch.promote_types(train_feats.dtype, test_feats.dtype)
    train, test = train_feats.to(dtype), test_feats.to(train_feats.device, dtype)
    classes, index = torch.unique(y_train.to(train.device), sorted=True, return_inverse=True)  # (C,), (N,)
    sums = torch.zeros(len(classes), train.shape[1], dtype=dtype, device=train.device).index_add_(0, index, train)
    counts = torch.bincount(index, minlength=len(classes)).to(dtype)  # every class has >= 1 row
    means = sums / counts[:, None]  # (C, D)
    # Squared differences, not |a|^2 - 2ab + |b|^2: no cancellation, so exact ties stay ties.
    # Rows in chunks keep the (m, C, D) differences under ~2^24 numbers.
    step = max(1, 2 ** 24 // (means.numel() or 1))
    nearest = [((test[i:i + step, None, :] - means[None]) ** 2).sum(dim=2).argmin(dim=1)  # first minimum
               for i in range(0, test.shape[0], step)]
    return classes[torch.cat(nearest)].to(y_train.dtype)
