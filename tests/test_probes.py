"""The nearest-class-mean probe (chapter 04's shortcut measure) against scikit-learn's
NearestCentroid, an independent implementation, and against a per-class loop."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.neighbors import NearestCentroid

from ssl_course.evaluate.probes import nearest_class_mean


def _data(n, m, d, labels, seed, dtype):
    g = torch.Generator().manual_seed(seed)
    labels = torch.as_tensor(labels)
    centres = torch.randn(len(labels), d, generator=g, dtype=torch.float64)
    y = labels[torch.randint(len(labels), (n,), generator=g)]
    x = centres[torch.searchsorted(labels, y)] + 0.8 * torch.randn(n, d, generator=g, dtype=torch.float64)
    test = centres[torch.randint(len(labels), (m,), generator=g)] + torch.randn(m, d, generator=g, dtype=torch.float64)
    return x.to(dtype), y, test.to(dtype)


@pytest.mark.parametrize("n,m,d,labels,dtype", [
    (30, 20, 2, [0, 1, 2], torch.float64),
    (200, 700, 5, list(range(0, 90, 3)), torch.float64),  # labels that skip values, > 512 test rows
    (1300, 600, 3, list(range(650)), torch.float64),  # > 512 classes
    (100, 50, 8, [4, 11, 17], torch.float32),
])
def test_nearest_class_mean_equals_sklearn_nearest_centroid(n, m, d, labels, dtype):
    x, y, test = _data(n, m, d, labels, seed=n + m, dtype=dtype)
    ours = nearest_class_mean(x, y, test)
    theirs = NearestCentroid().fit(x.double().numpy(), y.numpy()).predict(test.double().numpy())
    assert ours.dtype == y.dtype and ours.shape == (m,)
    np.testing.assert_array_equal(ours.numpy(), theirs)


def test_nearest_class_mean_equals_a_loop_over_classes_and_breaks_ties_to_the_smallest_label():
    x = torch.tensor([[-1.0, 0.0], [1.0, 0.0], [2.0, 0.0], [2.0, 2.0], [2.0, -2.0]])
    y = torch.tensor([7, 7, 2, 9, 9], dtype=torch.int32)  # means: 7 -> (0, 0), 2 -> (2, 0), 9 -> (2, 0)
    test = torch.tensor([[1.0, 0.0], [3.0, 0.0], [-0.5, 0.0], [0.0, 0.0]])
    classes = sorted(set(y.tolist()))
    means = torch.stack([x[y == c].mean(dim=0) for c in classes])
    loop = [classes[min(range(len(classes)), key=lambda i: (float(((t - means[i]) ** 2).sum()), i))] for t in test]
    out = nearest_class_mean(x, y, test)
    assert out.tolist() == loop == [2, 2, 7, 7]
    assert out.dtype == torch.int32


def test_nearest_class_mean_rejects_bad_labels():
    with pytest.raises(ValueError, match="y_train"):
        nearest_class_mean(torch.zeros(3, 2), torch.tensor([0, -1, 1]), torch.zeros(1, 2))
    with pytest.raises(TypeError, match="y_train"):
        nearest_class_mean(torch.zeros(3, 2), torch.tensor([0.0, 1.0, 1.0]), torch.zeros(1, 2))
    with pytest.raises(ValueError, match="width"):
        nearest_class_mean(torch.zeros(3, 2), torch.tensor([0, 1, 1]), torch.zeros(1, 3))
