"""Clustering and pseudo-labels (chapter 10): the ideas behind DeepCluster-style training and
self-training, in torch, small enough to read.

- `kmeans.py`         k-means++ seeding (explicit generator) and batched Lloyd iterations
- `matching.py`       the contingency matrix, Hungarian-matched accuracy, and NMI/ARI (scikit-learn's)
- `pseudo_labels.py`  confident pseudo-labels from probabilities, and a self-training loop
"""
