"""Chapter 02: the batched resized crop, and how much the two views' crops share."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...augment.crop import crop_box, crop_overlap, resized_crop
from ..checks import Case, reference_exercise
from ._common import randn


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _images(n: int, seed: int, height: int = 8, width: int | None = None, channels: int = 3,
            dtype=torch.float32) -> torch.Tensor:
    """n seeded random images (n, channels, height, width) in (0, 1), no two pixels alike."""
    return randn(n, channels, height, width or height, seed=seed, dtype=dtype).sigmoid()


def _boxes(n: int, height: int, width: int, seed: int, dtype=torch.float32) -> torch.Tensor:
    """n random-resized-crop boxes (n, 4) with fractional corners and varied shapes."""
    return crop_box(n, height, width, scale=(0.2, 1.0), ratio=(0.5, 2.0), generator=_gen(seed)).to(dtype)


def _flips(n: int, seed: int) -> torch.Tensor:
    return torch.rand(n, generator=_gen(seed)) < 0.5


# ----------------------------------------------------------------------------- 02.resized_crop
def _crop_cases():
    x6 = _images(3, 1, 6)
    whole = torch.tensor([[0.0, 0.0, 6.0, 6.0]]).repeat(3, 1)
    yield Case("the whole image, resized to its own size (the identity)", (x6, whole, (6, 6)),
               hint="A box covering the image, resized to the image's size, puts every output pixel centre "
                    "on an input pixel centre: the result is x itself. Check where your first and last "
                    "output pixels sample.")
    inner = _boxes(4, 15, 15, 3) + 0.5  # at least half a pixel from the edges: no edge rule involved
    yield Case("4 boxes with fractional corners inside 16x16 images, resized to 16x16",
               (_images(4, 2, 16), inner, (16, 16)),
               hint="Output pixel (i, j) samples the point (j + 0.5) / out_w of the way across its box, "
                    "(i + 0.5) / out_h of the way down, interpolating between the pixel centres around it.")
    corners = torch.tensor([[0.0, 0.0, 2.0, 2.0], [6.0, 6.0, 8.0, 8.0], [0.0, 5.0, 3.0, 8.0]])
    yield Case("boxes in the image's corners, enlarged 4x (points beyond the outer pixel centres)",
               (_images(3, 9, 8), corners, (8, 8)),
               hint="A point less than half a pixel from the image's edge lies beyond the outer pixel "
                    "centres: it takes the edge pixels' values (nothing outside the image is black).")
    whole_pixel = torch.tensor([[1.0, 2.0, 9.0, 10.0], [0.0, 0.0, 8.0, 6.0], [4.0, 5.0, 12.0, 12.0]])
    yield Case("whole-pixel boxes shrunk to 4x4 (torchvision's resized_crop gives the same)",
               (_images(3, 4, 12), whole_pixel, (4, 4)),
               hint="Compare with torchvision.transforms.v2.functional.resized_crop(image, top, left, height, "
                    "width, [4, 4], antialias=False), image by image.")
    yield Case("12x20 images (wider than tall), boxes of varied shapes, output 8 high x 10 wide",
               (_images(4, 5, 12, 20), _boxes(4, 12, 20, 6), (8, 10)),
               hint="The output has size[0] rows and size[1] columns. x positions are fractions of the "
                    "width, y positions of the height; F.grid_sample's last dimension is (x, y).")
    yield Case("flips on some of the views", (_images(6, 7, 10), _boxes(6, 10, 10, 8), (10, 10)),
               {"flip": torch.tensor([True, False, True, True, False, False])},
               hint="A flipped view is the unflipped view mirrored: output column j shows what column "
                    "out_w - 1 - j shows without the flip, from the same box (not a box on the mirrored image).")
    yield Case("600 images (more than a chunk of 512), each with its own box and flip",
               (_images(600, 10, 6), _boxes(600, 6, 6, 11), (5, 5)), {"flip": _flips(600, 12)},
               hint="Row i of boxes and flip belongs to image i, for every i up to N.")
    yield Case("float64 images and boxes",
               (_images(4, 13, 9, 7, dtype=torch.float64), _boxes(4, 9, 7, 14, dtype=torch.float64), (6, 5)),
               {"flip": torch.tensor([False, True, False, True])},
               hint="Compute the sample positions in x's dtype: float32 positions are off by about 1e-7, "
                    "and float64 results are compared to 1e-9.")
    yield Case("a 1x1 output (each box's centre)", (_images(3, 15, 8), _boxes(3, 8, 8, 16), (1, 1)),
               hint="With one output pixel, the only sample point is the middle of the box.")
    lines = torch.tensor([[3.0, 1.0, 3.0, 7.0], [1.0, 4.5, 7.0, 4.5]])
    yield Case("boxes of zero width or zero height (a line)", (_images(2, 17, 8), lines, (4, 4)),
               hint="A box of zero width samples one x position for every output column.")
    yield Case("one-channel images", (_images(3, 18, 8, channels=1), _boxes(3, 8, 8, 19), (5, 7)),
               hint="Every channel is cropped with the same box; the output keeps x's channels.")


@st.composite
def _random_crops(draw):
    n, h, w = draw(st.integers(1, 6)), draw(st.integers(1, 20)), draw(st.integers(1, 20))
    out_h, out_w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    seed = draw(st.integers(0, 9999))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    kwargs = {"flip": _flips(n, seed + 1)} if draw(st.booleans()) else {}
    return Case(f"{n} images {h}x{w}, output {out_h}x{out_w}, {str(dtype)[6:]}, flips={bool(kwargs)}, seed={seed}",
                (_images(n, seed, h, w, dtype=dtype), _boxes(n, h, w, seed, dtype=dtype), (out_h, out_w)), kwargs)


reference_exercise(
    "02.resized_crop",
    "resized_crop(x, boxes, size, flip): every image's own box, resized, in one batched call",
    resized_crop, _crop_cases, _random_crops(),
    hint="Work out where each output pixel samples its image (a point in pixel-edge coordinates), for "
         "all N boxes at once; F.grid_sample then interpolates the whole batch. Its documentation says "
         "which points -1 and +1 are for each value of align_corners and padding_mode.",
)


# ----------------------------------------------------------------------------- 02.crop_overlap
def _pairs(*rows) -> tuple[torch.Tensor, torch.Tensor]:
    """(boxes1, boxes2) from rows of eight numbers: box 1's corners, then box 2's."""
    t = torch.tensor(rows, dtype=torch.float32)
    return t[:, :4], t[:, 4:]


def _overlap_cases():
    yield Case("identical boxes", _pairs([0, 0, 4, 4, 0, 0, 4, 4], [1.5, 2, 3, 7, 1.5, 2, 3, 7]),
               hint="A box shares all of its area with itself: 1 for each pair, one value per pair.")
    yield Case("one box inside the other", _pairs([0, 0, 8, 8, 2, 2, 4, 6], [1, 1, 3, 2, 0, 0, 4, 4]),
               hint="The intersection is the small box and the union the large one.")
    yield Case("partly overlapping boxes", _pairs([0, 0, 4, 4, 2, 1, 6, 5], [1, 1, 3.5, 2.5, 0, 2, 2, 9]),
               hint="Intersection: the box between the larger of the two left (top) edges and the smaller "
                    "of the two right (bottom) edges.")
    yield Case("boxes apart in x only", _pairs([0, 0, 2, 4, 3, 1, 6, 3], [5, 0, 6, 9, 0, 2, 4.5, 8]),
               hint="No shared area means 0, not a negative number: an intersection cannot be narrower "
                    "than nothing.")
    yield Case("boxes apart in both x and y (diagonal neighbours)",
               _pairs([0, 0, 2, 2, 3, 3, 6, 5], [4, 5, 6, 9, 0, 0, 3, 4]),
               hint="Two negative extents multiply to a positive 'area': decide for the width and for the "
                    "height separately whether the boxes overlap.")
    yield Case("boxes touching along an edge or at a corner",
               _pairs([0, 0, 2, 2, 2, 0, 4, 2], [0, 0, 2, 2, 2, 2, 3, 3]),
               hint="Touching boxes share a line or a point, which has no area: 0.")
    yield Case("two empty boxes (zero area): 0 by definition",
               _pairs([1, 1, 1, 1, 1, 1, 1, 1], [2, 0, 2, 5, 2, 0, 2, 5]),
               hint="The union has no area here; the documented answer is 0, where a plain division gives 0 / 0.")
    yield Case("an empty box inside a large one", _pairs([2, 2, 2, 5, 0, 0, 8, 8], [0, 0, 8, 8, 3, 3, 6, 3]),
               hint="An empty box covers no area of the other box: 0.")
    yield Case("pairs matched row by row (5 different pairs)",
               (_boxes(5, 10, 10, 20), _boxes(5, 10, 10, 21)),
               hint="Pair i is (boxes1[i], boxes2[i]): one value per pair, shape (N,), not an (N, N) table.")
    yield Case("2000 pairs of random-resized-crop boxes (more than a chunk of 512)",
               (_boxes(2000, 16, 16, 22), _boxes(2000, 16, 16, 23)),
               hint="Row i of boxes1 goes with row i of boxes2 for every i up to N.")
    yield Case("float64 boxes with fractional corners",
               (_boxes(6, 9, 13, 24, dtype=torch.float64), _boxes(6, 9, 13, 25, dtype=torch.float64)),
               hint="Keep the boxes' dtype: float64 in, float64 arithmetic, compared to 1e-9.")


@st.composite
def _random_pairs(draw):
    n, seed = draw(st.integers(1, 20)), draw(st.integers(0, 9999))
    whole = draw(st.booleans())  # whole-pixel corners: touching, identical and empty boxes are common
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    corners = torch.rand(2, n, 2, 2, generator=_gen(seed), dtype=torch.float64) * 6  # (box, n, x|y, two ends)
    if whole:
        corners = corners.round()
    lo, hi = corners.min(dim=-1).values, corners.max(dim=-1).values  # (2, n, 2)
    boxes = torch.cat([lo, hi], dim=-1).to(dtype)  # (2, n, 4) as (x0, y0, x1, y1)
    return Case(f"{n} random pairs, {'whole-pixel' if whole else 'fractional'} corners, {str(dtype)[6:]}, "
                f"seed={seed}", (boxes[0], boxes[1]))


reference_exercise(
    "02.crop_overlap",
    "crop_overlap(boxes1, boxes2): intersection over union of N matched pairs of boxes",
    crop_overlap, _overlap_cases, _random_pairs(),
    hint="The intersection of two axis-aligned boxes is itself a box, possibly empty; compute it for "
         "all N pairs at once with elementwise operations.",
)
