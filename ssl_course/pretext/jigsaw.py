"""The jigsaw pretext task (Noroozi & Favaro 2016): cut an image into a grid of tiles, shuffle
them by one of a fixed set of permutations, and predict which permutation it was."""
from __future__ import annotations

import itertools
import math

import numpy as np
import torch

from .._validate import check_int, check_tensor


def jigsaw_permutations(num_tiles: int, num_perms: int, seed: int = 0) -> torch.Tensor:
    """A set of `num_perms` permutations of `num_tiles` tiles, far apart in Hamming distance.

    Greedy, as Noroozi & Favaro choose theirs: the first permutation is drawn uniformly at
    random (torch.randint over the lexicographic list of all permutations, with a generator
    seeded by `seed`); each next one is, among all permutations, one whose minimum Hamming
    distance to those already chosen is largest (ties: the lexicographically first).
    Enumerates all num_tiles! permutations, so num_tiles <= 9.
    Returns (num_perms, num_tiles) int64; row 0 is the random start. Same arguments, same set.
    """
    check_int("num_tiles", num_tiles, 2)
    check_int("num_perms", num_perms)
    check_int("seed", seed, 0)
    if num_tiles > 9:
        raise ValueError(f"num_tiles must be <= 9 (all num_tiles! permutations are enumerated), got {num_tiles}")
    count = math.factorial(num_tiles)
    flat = np.fromiter(itertools.chain.from_iterable(itertools.permutations(range(num_tiles))), dtype=np.int64,
                       count=count * num_tiles)  # fast: no list of T! tuples
    every = torch.from_numpy(flat.reshape(count, num_tiles))  # (T!, T), lexicographic order
    if num_perms > len(every):
        raise ValueError(f"num_perms must be <= {num_tiles}! = {len(every)}, got {num_perms}")
    g = torch.Generator().manual_seed(seed)
    chosen = [int(torch.randint(len(every), (1,), generator=g))]
    # nearest[j]: the Hamming distance from permutation j to the nearest chosen one
    nearest = (every != every[chosen[0]]).sum(dim=1)
    for _ in range(num_perms - 1):
        j = int(nearest.argmax())  # argmax returns the first maximum: the lexicographically first
        chosen.append(j)
        nearest = torch.minimum(nearest, (every != every[j]).sum(dim=1))
    return every[chosen]


def tiles(x: torch.Tensor, grid: int) -> torch.Tensor:
    """Cut images into a grid x grid of tiles, numbered in row-major order.

    x: (N, C, H, W) with H and W divisible by grid -> (N, grid*grid, C, H/grid, W/grid);
    tile t = r * grid + c is the tile in row r, column c.
    """
    n, c, h, w = x.shape
    th, tw = h // grid, w // grid
    return x.reshape(n, c, grid, th, grid, tw).permute(0, 2, 4, 1, 3, 5).reshape(n, grid * grid, c, th, tw)


def untile(t: torch.Tensor, grid: int) -> torch.Tensor:
    """The inverse of `tiles`: (N, grid*grid, C, h, w) -> (N, C, grid*h, grid*w)."""
    n, _, c, th, tw = t.shape
    return t.reshape(n, grid, grid, c, th, tw).permute(0, 3, 1, 4, 2, 5).reshape(n, c, grid * th, grid * tw)


def jigsaw(x: torch.Tensor, grid: int, permutations: torch.Tensor,
           generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Cut every image into grid x grid tiles and shuffle them by a randomly chosen permutation.

    x: (N, C, H, W), H and W divisible by grid (tiles need not be square).
    permutations: (P, grid*grid) integer tensor, each row a permutation of 0 .. grid*grid - 1.
    The labels are drawn with ONE call, on the CPU:
      torch.randint(P, (N,), generator=generator, device="cpu")
    (generator=None draws from torch's global generator). Returns
      shuffled: (N, grid*grid, C, H/grid, W/grid), x's dtype and device; position t of image i
        holds tile permutations[labels[i], t] of image i (tiles numbered row-major, as `tiles`);
      labels: (N,) int64 on x's device, the row of `permutations` used for each image.
    """
    check_tensor("x", x)
    check_tensor("permutations", permutations)
    grid = check_int("grid", grid)
    if x.ndim != 4:
        raise ValueError(f"x must be a batch of images (N, C, H, W), got shape {tuple(x.shape)}")
    if x.shape[-2] % grid or x.shape[-1] % grid:
        raise ValueError(f"the image size {x.shape[-2]}x{x.shape[-1]} must be divisible by grid={grid}")
    t = grid * grid
    if permutations.ndim != 2 or permutations.shape[1] != t or permutations.shape[0] < 1:
        raise ValueError(f"permutations must have shape (P, {t}) with P >= 1, got {tuple(permutations.shape)}")
    if permutations.is_floating_point() or permutations.is_complex():
        raise TypeError(f"permutations must be an integer tensor, got dtype {permutations.dtype}")
    perms = permutations.to(device=x.device, dtype=torch.int64)
    if not torch.equal(perms.sort(dim=1).values, torch.arange(t, device=x.device).expand_as(perms)):
        raise ValueError(f"every row of permutations must be a permutation of 0..{t - 1}")
    labels = torch.randint(len(perms), (x.shape[0],), generator=generator, device="cpu").to(x.device)  # (N,)
    order = perms[labels]  # (N, T): position t takes tile order[i, t]
    shuffled = tiles(x, grid).gather(1, order[:, :, None, None, None].expand(-1, -1, *x.shape[1:2],
                                                                            x.shape[2] // grid, x.shape[3] // grid))
    return shuffled, labels
