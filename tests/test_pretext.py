"""Chapter 09's reference code against independent formulations: index arithmetic and PIL for
the quarter turns, explicit slicing for the jigsaw tiles, a plain-Python greedy search for the
permutation set."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from PIL import Image

from ssl_course.pretext.jigsaw import jigsaw, jigsaw_permutations, tiles, untile
from ssl_course.pretext.rotation import rotate_batch


def _by_index(img: torch.Tensor, k: int) -> torch.Tensor:
    """img (H, W) turned k quarter turns counter-clockwise, pixel by pixel."""
    s = img.shape[0]
    out = torch.empty_like(img)
    for i in range(s):
        for j in range(s):
            out[i, j] = {0: img[i, j], 1: img[j, s - 1 - i], 2: img[s - 1 - i, s - 1 - j], 3: img[s - 1 - j, i]}[k]
    return out


def test_rotate_batch_matches_index_arithmetic():
    x = torch.randn(3, 2, 5, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    images, labels = rotate_batch(x)
    assert images.shape == (12, 2, 5, 5) and images.dtype == torch.float64
    assert labels.dtype == torch.int64 and labels.tolist() == [0] * 3 + [1] * 3 + [2] * 3 + [3] * 3
    for k in range(4):
        for i in range(3):
            for c in range(2):
                assert torch.equal(images[k * 3 + i, c], _by_index(x[i, c], k))


def test_rotate_batch_matches_pil_on_integer_images():
    """PIL's ROTATE_90 is a quarter turn counter-clockwise, done by moving pixels (exact)."""
    rng = np.random.default_rng(1)
    arrays = rng.integers(0, 256, size=(4, 7, 7), dtype=np.uint8)
    x = torch.from_numpy(arrays)[:, None]  # (4, 1, 7, 7) uint8
    images, labels = rotate_batch(x)
    assert images.dtype == torch.uint8
    turns = [None, Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270]
    for k, op in enumerate(turns):
        for i, a in enumerate(arrays):
            pil = Image.fromarray(a) if op is None else Image.fromarray(a).transpose(op)
            assert np.array_equal(images[k * 4 + i, 0].numpy(), np.asarray(pil)), (k, i)
            assert labels[k * 4 + i] == k


def test_rotate_batch_refuses_non_square_and_non_batches():
    with pytest.raises(ValueError, match="square"):
        rotate_batch(torch.zeros(2, 1, 4, 6))
    with pytest.raises(ValueError, match="N, C, H, W"):
        rotate_batch(torch.zeros(4, 4))
    with pytest.raises(TypeError):
        rotate_batch(np.zeros((1, 1, 4, 4)))


def test_four_turns_are_the_identity_and_keep_the_device():
    x = torch.randn(2, 1, 4, 4)
    images, labels = rotate_batch(x)
    again, _ = rotate_batch(images[2:4])  # the 90-degree block turned 3 more times is x
    assert torch.equal(again[6:8], x)
    with torch.device("meta"):
        assert rotate_batch(x)[1].device.type == "cpu"


def test_tiles_match_explicit_slicing_and_untile_inverts():
    x = torch.randn(2, 3, 6, 9)
    t = tiles(x, 3)
    assert t.shape == (2, 9, 3, 2, 3)
    for r in range(3):
        for c in range(3):
            assert torch.equal(t[:, r * 3 + c], x[:, :, 2 * r:2 * r + 2, 3 * c:3 * c + 3])
    assert torch.equal(untile(t, 3), x)


def test_jigsaw_matches_a_loop_over_images():
    x = torch.randn(7, 2, 4, 6, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    perms = jigsaw_permutations(4, 6, seed=3)
    shuffled, labels = jigsaw(x, 2, perms, torch.Generator().manual_seed(5))
    expected_labels = torch.randint(6, (7,), generator=torch.Generator().manual_seed(5))
    assert torch.equal(labels, expected_labels) and labels.dtype == torch.int64
    for i in range(7):
        for pos in range(4):
            tile = int(perms[labels[i], pos])
            r, c = divmod(tile, 2)
            assert torch.equal(shuffled[i, pos], x[i, :, 2 * r:2 * r + 2, 3 * c:3 * c + 3])


def test_jigsaw_draws_from_its_generator_and_the_global_one():
    x, perms = torch.randn(5, 1, 4, 4), jigsaw_permutations(4, 24)
    g = torch.Generator().manual_seed(0)
    first, second = jigsaw(x, 2, perms, g)[1], jigsaw(x, 2, perms, g)[1]
    assert not torch.equal(first, second)
    torch.manual_seed(9)
    a = jigsaw(x, 2, perms)[1]
    torch.manual_seed(9)
    assert torch.equal(a, torch.randint(24, (5,)))


def test_jigsaw_refuses_bad_arguments():
    perms = jigsaw_permutations(4, 3)
    with pytest.raises(ValueError, match="divisible"):
        jigsaw(torch.zeros(1, 1, 5, 4), 2, perms)
    with pytest.raises(ValueError, match="shape"):
        jigsaw(torch.zeros(1, 1, 6, 6), 3, perms)
    with pytest.raises(ValueError, match="permutation"):
        jigsaw(torch.zeros(1, 1, 4, 4), 2, torch.tensor([[0, 0, 1, 2]]))
    with pytest.raises(TypeError):
        jigsaw(torch.zeros(1, 1, 4, 4), 2, perms.float())


def _greedy_in_python(num_tiles: int, num_perms: int, start: int) -> list[tuple[int, ...]]:
    """The documented greedy rule, written with lists: maximise the minimum Hamming distance."""
    every = list(itertools.permutations(range(num_tiles)))
    chosen = [every[start]]
    while len(chosen) < num_perms:
        def score(p):
            return min(sum(a != b for a, b in zip(p, q)) for q in chosen)
        best = max(score(p) for p in every)
        chosen.append(next(p for p in every if score(p) == best))  # the lexicographically first
    return chosen


@pytest.mark.parametrize("num_tiles,num_perms,seed", [(4, 10, 0), (4, 24, 1), (5, 12, 2)])
def test_jigsaw_permutations_follow_the_greedy_rule(num_tiles, num_perms, seed):
    start = int(torch.randint(len(list(itertools.permutations(range(num_tiles)))), (1,),
                              generator=torch.Generator().manual_seed(seed)))
    got = jigsaw_permutations(num_tiles, num_perms, seed)
    assert [tuple(r) for r in got.tolist()] == _greedy_in_python(num_tiles, num_perms, start)


def test_jigsaw_permutations_are_distinct_deterministic_and_far_apart():
    p = jigsaw_permutations(9, 100, seed=0)
    assert p.shape == (100, 9) and p.dtype == torch.int64
    assert torch.equal(p, jigsaw_permutations(9, 100, seed=0))
    assert not torch.equal(p, jigsaw_permutations(9, 100, seed=1))
    assert torch.equal(p.sort(dim=1).values, torch.arange(9).expand(100, 9))
    dist = (p[:, None] != p[None]).sum(dim=2) + 99 * torch.eye(100, dtype=torch.long)
    assert int(dist.min()) >= 6  # 100 random permutations of 9 would have pairs at distance 2 or 3
    with pytest.raises(ValueError):
        jigsaw_permutations(3, 7)
