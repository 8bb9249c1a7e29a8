"""Chapter 09: RotNet's four rotations of a batch, and the jigsaw puzzle's shuffled tiles."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...pretext.jigsaw import jigsaw, jigsaw_permutations
from ...pretext.rotation import rotate_batch
from ..checks import (
    Case,
    Exercise,
    against_reference,
    custom,
    default_device_test,
    generator_test,
    property_test,
    register,
)
from ._common import randn


def _images(n: int, c: int, h: int, w: int | None = None, seed: int = 0, dtype=torch.float32) -> torch.Tensor:
    """n seeded random images (n, c, h, w): no two pixels alike, so any misplaced pixel shows."""
    return randn(n, c, h, w or h, seed=seed, dtype=dtype)


# ----------------------------------------------------------------------------- 09.rotate_batch
_ORDER = ("Rows k*N .. (k+1)*N - 1 hold ALL N images turned k quarter turns, in x's order; "
          "the labels are N zeros, then N ones, N twos, N threes.")
_DIRECTION = ("Counter-clockwise, as torch.rot90(x, k, dims=(-2, -1)): after one quarter turn the top-right "
              "pixel x[..., 0, W-1] sits at the top left.")


def _marker() -> torch.Tensor:
    """One 3x3 image with a single lit pixel at the top right: where it lands names the turn."""
    x = torch.zeros(1, 1, 3, 3)
    x[0, 0, 0, 2] = 1.0
    return x


def _rotate_cases():
    yield Case("one 3x3 image, one lit pixel at the top right", (_marker(),), hint=_DIRECTION)
    yield Case("3 images of 4x4, one channel", (_images(3, 1, 4, seed=1),), hint=_ORDER)
    yield Case("2 images with 3 channels: every channel turns with its image", (_images(2, 3, 5, seed=2),),
               hint="Turn the last two dimensions (rows and columns), never the channels.")
    yield Case("a batch of one image", (_images(1, 1, 6, seed=3),), hint=_ORDER)
    yield Case("600 images (more than a 512-row chunk)", (_images(600, 1, 4, seed=4),),
               hint="Block k holds all N images, whatever N; its labels are all k.")
    yield Case("float64 images: rotations are exact, so the values are too", (_images(4, 2, 3, seed=5, dtype=torch.float64),),
               hint="A rotation moves pixels; it never interpolates or casts: float64 in, float64 out.")
    yield Case("integer images (uint8): no interpolation, the dtype is kept",
               ((torch.arange(2 * 16) % 251).to(torch.uint8).reshape(2, 1, 4, 4),),
               hint="Move pixels with exact ops (torch.rot90, flip, transpose); keep x's dtype.")
    yield Case("flat images (every pixel equal): only the labels tell the turns apart",
               (torch.full((3, 1, 4, 4), 0.5),), hint=_ORDER)
    yield Case("1x1 images", (_images(5, 2, 1, seed=6),), hint=_ORDER)


@st.composite
def _random_batches(draw):
    n, c, s = draw(st.one_of(st.integers(1, 12), st.integers(513, 530))), draw(st.integers(1, 3)), draw(st.integers(1, 9))
    seed = draw(st.integers(0, 9999))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    return Case(f"{n} images {c}x{s}x{s}, {str(dtype)[6:]}, seed={seed}", (_images(n, c, s, seed=seed, dtype=dtype),))


def _refuses_non_square(fn) -> str | None:
    """A quarter turn of an H x W image is W x H: a batch of them cannot be stacked."""
    x = _images(2, 1, 4, 6, seed=7)
    try:
        out = fn(x)
    except ValueError:
        return None
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - any other error is reported by its type
        return (f"4x6 images raised {type(exc).__name__} ({exc}); raise a ValueError that says the "
                "images must be square")
    shapes = [tuple(t.shape) for t in out] if isinstance(out, (tuple, list)) else out
    return (f"4x6 images must raise a ValueError (a quarter turn makes them 6x4), but it returned {shapes}: "
            "check H == W first")


register(Exercise(
    id="09.rotate_batch",
    title="rotate_batch(x): every image at 0, 90, 180 and 270 degrees, labelled 0..3",
    reference=rotate_batch,
    tests=[custom("non-square images (4x6) are refused with a ValueError", _refuses_non_square),
           against_reference(rotate_batch, _rotate_cases),
           property_test(rotate_batch, _random_batches()),
           default_device_test(rotate_batch, _rotate_cases)],
    hint="Build the four blocks with exact quarter turns, stack them, and make labels that match the blocks; "
         "compare your output with the expected one on the failing case, block by block.",
))


# ----------------------------------------------------------------------------- 09.jigsaw
PERMS_4 = jigsaw_permutations(4, 10, seed=0)  # (10, 4): 2x2 grids; most rows are not their own inverse
PERMS_9 = jigsaw_permutations(9, 12, seed=1)  # (12, 9): 3x3 grids

_GATHER = ("Position t of image i holds tile permutations[labels[i], t] (gather, not scatter); tiles are "
           "numbered row by row: t = r * grid + c.")
_DRAW = ("Draw the N labels with ONE call, torch.randint(P, (N,), generator=generator, device='cpu'), "
         "before anything else random, then move them to x's device.")


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _jigsaw_cases():
    yield Case("2 images 4x4, grid 2 (4 tiles of 2x2)", (_images(2, 1, 4, seed=11), 2, PERMS_4, _gen(0)),
               hint=_GATHER)
    yield Case("grid 3: 9 tiles of 2x2 from 6x6 images", (_images(3, 1, 6, seed=12), 3, PERMS_9, _gen(1)),
               hint="Use the grid you are given: grid * grid tiles, each (H / grid) x (W / grid).")
    yield Case("tiles that are not square: 4x6 images, grid 2 (tiles of 2x3)",
               (_images(3, 1, 4, 6, seed=13), 2, PERMS_4, _gen(2)),
               hint="A tile is H / grid rows by W / grid columns; H and W may differ.")
    yield Case("3 channels: every channel of a tile moves with it", (_images(4, 3, 4, seed=14), 2, PERMS_4, _gen(3)),
               hint="The output is (N, grid*grid, C, H/grid, W/grid): channels stay inside their tile.")
    cycle = torch.tensor([[1, 2, 3, 0], [3, 0, 1, 2]])  # each the other's inverse
    yield Case("a permutation set of two cycles, each the inverse of the other", (_images(5, 1, 4, seed=15), 2, cycle,
               _gen(4)), hint=_GATHER)
    yield Case("a single permutation (every label 0)", (_images(3, 1, 4, seed=16), 2, PERMS_4[3:4], _gen(5)),
               hint=_GATHER)
    yield Case("600 images (more than a 512-row chunk)", (_images(600, 1, 4, seed=17), 2, PERMS_4, _gen(6)),
               hint="Image i uses its own label for every i up to N.")
    yield Case("float64 images", (_images(3, 2, 6, seed=18, dtype=torch.float64), 3, PERMS_9, _gen(7)),
               hint="Tiles are moved, never computed: float64 in, float64 out, values unchanged.")
    yield Case("int32 permutations: the labels are still int64", (_images(3, 1, 4, seed=19), 2, PERMS_4.int(), _gen(8)),
               hint="labels: (N,) int64 whatever the permutations' dtype.")
    yield Case("twelve permutations (labels up to 11)", (_images(40, 1, 6, seed=20), 3, PERMS_9, _gen(9)), hint=_DRAW)
    zero = _images(3, 1, 4, seed=21)
    zero[1] = 0.0
    yield Case("an all-zero image among others", (zero, 2, PERMS_4, _gen(10)), hint=_GATHER)


@st.composite
def _random_jigsaws(draw):
    n = draw(st.one_of(st.integers(1, 10), st.integers(513, 530)))
    grid, c = draw(st.sampled_from([2, 3])), draw(st.integers(1, 3))
    th, tw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 9999))
    perms = (PERMS_4 if grid == 2 else PERMS_9)[: draw(st.integers(1, 10))]
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    return Case(f"{n} images {c}x{grid * th}x{grid * tw}, grid {grid}, {len(perms)} permutations, seed={seed}",
                (_images(n, c, grid * th, grid * tw, seed=seed, dtype=dtype), grid, perms, _gen(seed)))


def _jigsaw_twice(generator):
    return Case("5 images 6x6, grid 3", (_images(5, 1, 6, seed=31), 3, PERMS_9, generator))


register(Exercise(
    id="09.jigsaw",
    title="jigsaw(x, grid, permutations, generator): tiles shuffled by a random permutation of the set, and its index",
    reference=jigsaw,
    tests=[against_reference(jigsaw, _jigsaw_cases),
           property_test(jigsaw, _random_jigsaws()),
           generator_test(jigsaw, _jigsaw_twice),
           default_device_test(jigsaw, _jigsaw_cases)],
    hint="First cut every image into its grid*grid tiles in row-major order (a reshape and a permute), then "
         "pick each image's tiles in the order its permutation lists them.",
))
