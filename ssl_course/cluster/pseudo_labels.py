"""Pseudo-labels and self-training (Lee 2013; Xie et al. 2020): a classifier trained on a few
labels labels the unlabelled data itself, keeps the predictions it is confident about, and is
trained again on both. The confidence threshold is what keeps its own mistakes out."""
from __future__ import annotations

import numbers

import numpy as np
import torch

from .._validate import check_labels, check_matrix


def confident_labels(probs: torch.Tensor, threshold: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Pseudo-labels and which of them to keep.

    probs: (N, C) class probabilities (rows sum to 1). Returns (labels, mask):
    labels (N,) int64, the most probable class (a tie goes to the lowest index);
    mask (N,) bool, True where that largest probability is >= threshold (equal counts as
    confident). Both on probs' device.
    """
    check_matrix("probs", probs)
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise TypeError(f"threshold must be a number, got {type(threshold).__name__}")
    top, labels = probs.max(dim=1)  # max returns the first maximum: the lowest index on a tie
    return labels, top >= threshold


def _classifier(C: float):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000))


def self_train(x_lab: torch.Tensor, y_lab: torch.Tensor, x_unlab: torch.Tensor, *, threshold: float = 0.9,
               rounds: int = 5, C: float = 1.0, y_unlab: torch.Tensor | None = None) -> dict:
    """Self-training with a logistic-regression classifier on fixed features.

    x_lab: (L, D) labelled features, y_lab: (L,) their labels; x_unlab: (U, D) unlabelled ones.
    Round 0 fits on the labelled set alone; each of the `rounds` rounds then pseudo-labels all
    of x_unlab with the last model (`confident_labels(probs, threshold)`), and refits from
    scratch on the labelled set plus the kept pseudo-labels. threshold=0 keeps every
    pseudo-label. y_unlab, if given, is used only to report how many kept labels are right.

    Returns {"model": the last fitted classifier (predict(numpy) -> labels), "kept": fraction
    of x_unlab kept per round, "pseudo_accuracy": accuracy of the kept pseudo-labels per round}.
    """
    from threadpoolctl import threadpool_limits

    check_matrix("x_lab", x_lab)
    check_labels("y_lab", y_lab, x_lab.shape[0], "x_lab")
    check_matrix("x_unlab", x_unlab)
    xl, yl = x_lab.detach().cpu().double().numpy(), y_lab.cpu().numpy()
    xu = x_unlab.detach().cpu().double().numpy()
    history = {"kept": [], "pseudo_accuracy": []}
    with threadpool_limits(limits=1, user_api="blas"):
        model = _classifier(C).fit(xl, yl)
        for _ in range(rounds):
            probs = torch.from_numpy(model.predict_proba(xu))  # (U, C), columns in model.classes_ order
            idx, mask = confident_labels(probs, threshold)
            pseudo = model.classes_[idx.numpy()]
            keep = mask.numpy()
            history["kept"].append(float(keep.mean()))
            if y_unlab is not None:
                right = pseudo[keep] == y_unlab.cpu().numpy()[keep]
                history["pseudo_accuracy"].append(float(right.mean()) if keep.any() else float("nan"))
            model = _classifier(C).fit(np.concatenate([xl, xu[keep]]), np.concatenate([yl, pseudo[keep]]))
    return {"model": model, **history}
