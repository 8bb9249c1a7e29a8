"""How good is a representation? Frozen features, a linear probe, a cosine kNN classifier."""
