"""Pairs: partner indices, label masks, and the false-negative arithmetic against simulation."""
from __future__ import annotations

import pytest
import torch

from ssl_course.contrastive.pairs import false_negatives_expected, label_positive_mask, simclr_targets


def test_simclr_targets_pair_each_view_with_its_partner():
    t = simclr_targets(4)
    assert t.tolist() == [4, 5, 6, 7, 0, 1, 2, 3]
    assert torch.equal(t[t], torch.arange(8))  # partner of the partner is yourself


def test_label_mask_matches_a_loop():
    labels = torch.tensor([2, 0, 2, 1, 0, 2])
    mask = label_positive_mask(labels)
    for i in range(6):
        for j in range(6):
            assert mask[i, j] == (i != j and labels[i] == labels[j])


@pytest.mark.parametrize("batch", [8, 32, 128])
def test_false_negative_expectations_match_simulation(batch):
    counts = [30, 50, 20, 100]
    labels = torch.repeat_interleave(torch.arange(4), torch.tensor(counts))
    g = torch.Generator().manual_seed(0)
    share, per_anchor, any_fn = [], [], []
    for _ in range(3000):
        b = labels[torch.randperm(len(labels), generator=g)[:batch]]
        fn = label_positive_mask(b).sum(1).double()
        share.append((fn / (batch - 1)).mean())
        per_anchor.append(fn.mean())
        any_fn.append((fn > 0).double().mean())
    want = false_negatives_expected(batch, counts)
    assert abs(torch.stack(share).mean().item() - want["share"]) < 0.005
    assert abs(torch.stack(per_anchor).mean().item() - want["per_anchor"]) < 0.005 * batch
    assert abs(torch.stack(any_fn).mean().item() - want["at_least_one"]) < 0.01


@pytest.mark.parametrize("call,error", [
    (lambda: simclr_targets(0), ValueError),
    (lambda: simclr_targets(2.5), ValueError),
    (lambda: label_positive_mask(torch.zeros(3, 2, dtype=torch.long)), ValueError),
    (lambda: label_positive_mask(torch.zeros(3)), TypeError),
    (lambda: label_positive_mask([0, 1]), TypeError),
    (lambda: false_negatives_expected(1, [5, 5]), ValueError),
    (lambda: false_negatives_expected(11, [5, 5]), ValueError),
])
def test_bad_arguments(call, error):
    with pytest.raises(error):
        call()
