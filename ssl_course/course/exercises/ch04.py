"""Chapter 04: the nearest-class-mean probe that measures a shortcut, and colour distortion with
its random factors passed in."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...augment.color import color_distortion
from ...evaluate.probes import nearest_class_mean
from ..checks import Case, Exercise, against_reference, custom, default_device_test, property_test, register
from ._common import blobs, randn


def _images(n: int, seed: int, size: int = 6, dtype=torch.float32) -> torch.Tensor:
    return randn(n, 3, size, size, seed=seed, dtype=dtype).sigmoid()


def _factors(n: int, seed: int, dtype=torch.float32, p_gray: float = 0.3):
    """SimCLR-strength factors (s = 1): b, c, s in [0.2, 1.8], hue in [-0.2, 0.2], gray ~ p_gray."""
    g = torch.Generator().manual_seed(seed)
    u = torch.rand(n, 5, generator=g, dtype=torch.float64)
    bcs = (1 + 0.8 * (2 * u[:, :3] - 1)).to(dtype)
    hue = (0.2 * (2 * u[:, 3] - 1)).to(dtype)
    return bcs[:, 0], bcs[:, 1], bcs[:, 2], hue, u[:, 4] < p_gray


def _case(name, n, seed, dtype=torch.float32, size: int = 6, hint: str = "", **kw):
    return Case(name, (_images(n, seed, size, dtype=dtype), *_factors(n, seed + 100, dtype=dtype, **kw)), hint=hint)


# ----------------------------------------------------------------------------- 04.color_distortion
def _color_cases():
    n = 4
    ones, zeros, no = torch.ones(n), torch.zeros(n), torch.zeros(n, dtype=torch.bool)
    x = _images(n, 1)
    yield Case("identity factors: the images come back unchanged", (x, ones, ones, ones, zeros, no),
               hint="Factors of 1 (and a hue shift of 0, no grayscale) must leave every pixel as it was.")
    yield Case("brightness only (0.5, 1.5, 1.0, 1.9): blend with black, then clip to [0, 1]",
               (x, torch.tensor([0.5, 1.5, 1.0, 1.9]), ones, ones, zeros, no),
               hint="Brightness scales every pixel by its image's factor, and the result is clipped to [0, 1].")
    yield Case("contrast only (0.2, 1.8, 0, 1): blend with each image's mean gray level",
               (x, ones, torch.tensor([0.2, 1.8, 0.0, 1.0]), ones, zeros, no),
               hint="Contrast blends towards ONE number per image: the mean of that image's luma (grayscale).")
    yield Case("saturation only (0, 0.5, 1.5, 1.8): blend with the image's own grayscale",
               (x, ones, ones, torch.tensor([0.0, 0.5, 1.5, 1.8]), zeros, no),
               hint="Saturation blends towards the image's own grayscale, pixel by pixel (luma weights).")
    yield Case("hue only (0.1, -0.2, 0.5, 0.0) turns of the colour wheel",
               (x, ones, ones, ones, torch.tensor([0.1, -0.2, 0.5, 0.0]), no),
               hint="A hue shift is in TURNS (1 = all the way round), added to H in HSV and wrapped around.")
    yield Case("grayscale only, images 0 and 2", (x, ones, ones, ones, zeros, torch.tensor([True, False, True, False])),
               hint="gray[i] turns image i (and only image i) into its grayscale, on all three channels.")
    yield _case("8 images, all four factors and random grayscale", 8, 2)
    yield _case("a batch of one", 1, 3, p_gray=0.0)
    yield _case("float64 images and factors", 5, 4, dtype=torch.float64,
                hint="Keep float64 throughout (no float32 round trip).")
    sat = torch.tensor([[[[1.0]], [[0.0]], [[0.0]]], [[[0.2]], [[0.9]], [[0.1]]]]).expand(2, 3, 4, 4)
    yield Case("saturated flat colours (pure red; a green)", (sat.contiguous(), *_factors(2, 5)))
    flat = torch.stack([torch.zeros(3, 4, 4), torch.ones(3, 4, 4), torch.full((3, 4, 4), 0.5)])
    yield Case("all-black, all-white and all-grey images (hue is undefined there)", (flat, *_factors(3, 6)),
               hint="Where max - min = 0 the hue (and, for black, the saturation) divides by zero: "
                    "clamp the divisor, so grey pixels keep hue 0.")
    wide = randn(3, 3, 5, 9, seed=7).sigmoid()
    yield Case("non-square 5x9 images", (wide, *_factors(3, 8)),
               hint="Height and width differ: reduce over both spatial dimensions by name, not by assuming H = W.")
    yield _case("600 images of 2x2 (more than a 512-image chunk)", 600, 9, size=2,
                hint="Image i uses factor i and its own mean, for every i.")


@st.composite
def _random_colour(draw):
    n, size, seed = draw(st.integers(1, 6)), draw(st.integers(1, 5)), draw(st.integers(0, 9999))
    p = draw(st.sampled_from([0.0, 0.5, 1.0]))
    return Case(f"{n} random {size}x{size} images and factors, seed={seed}, p_gray={p}",
                (_images(n, seed, size), *_factors(n, seed + 1, p_gray=p)))


def _per_image(fn) -> str | None:
    """Each image must get its own factors: distorting a batch = distorting each image alone."""
    x = _images(6, 20)
    fac = _factors(6, 21, p_gray=0.5)
    whole = fn(x, *fac)
    for i in range(6):
        alone = fn(x[i:i + 1], *(f[i:i + 1] for f in fac))
        if not torch.allclose(whole[i:i + 1], alone, atol=1e-5):
            return (f"image {i} distorted inside the batch differs from image {i} distorted alone: "
                    "use factor i for image i (and image i's own mean for contrast), never the batch's")
    return None


register(Exercise(
    id="04.color_distortion",
    title="color_distortion(x, brightness, contrast, saturation, hue, gray): SimCLR's colour distortion",
    reference=color_distortion,
    tests=[custom("a batch of 6 vs each image alone", _per_image),
           against_reference(color_distortion, _color_cases, atol=2e-5),
           property_test(color_distortion, _random_colour(), atol=2e-5),
           default_device_test(color_distortion, _color_cases, atol=2e-5)],
    hint="Run the failing case one operation at a time (brightness, contrast, saturation, hue, "
         "grayscale) and compare each step with the formulas above.",
))


# ----------------------------------------------------------------------------- 04.nearest_class_mean
def _ncm_case(name, n, m, d, labels, seed, dtype=torch.float32, hint=""):
    x, y = blobs(n, d, labels, seed, dtype, spread=0.7)
    xt, _ = blobs(m, d, labels, seed, dtype, spread=1.2)  # same centres, wider: some points sit between
    return Case(name, (x, y, xt), hint=hint)


def _ncm_cases():
    t = torch.tensor
    yield Case("two classes in 2-D: a wide class 0 (mean (5, 0)) and a tight class 1 (mean (2.5, 0.5))",
               (t([[0.0, 0.0], [10.0, 0.0], [2.5, 0.5]]), t([0, 0, 1]), t([[0.5, 0.1], [9.0, 0.0], [3.0, 2.0]])),
               hint="Test point (0.5, 0.1) is next to a training row of class 0, but class 1's MEAN is nearer: "
                    "compare with the class means, not with single training rows.")
    yield Case("all-zero test rows among ordinary training rows",
               (t([[3.0, 4.0], [6.0, 8.0], [0.0, 1.0], [1.0, 0.0]]), t([0, 0, 1, 1]), t([[0.0, 0.0], [4.0, 5.0]])),
               hint="An all-zero row is the origin, a point like any other: its nearest mean is (0.5, 0.5). "
                    "Measure Euclidean distances; a direction (cosine) is undefined for a zero row.")
    yield _ncm_case("15 classes (labels 0 to 14), D=4, 60 training and 20 test rows", 60, 20, 4, range(15), 1,
                    hint="Labels go up to 14: take the classes from y_train, never a fixed number of them.")
    yield Case("labels that skip values: only 3 and 12 occur, test points near the origin",
               (t([[4.0, 4.0], [5.0, 3.0], [-4.0, 4.0], [-3.0, 5.0]]), t([3, 3, 12, 12]),
                t([[0.0, 0.5], [1.0, 1.0], [-1.0, 2.0]])),
               hint="A label that never occurs in y_train is no class (it has no mean): only 3 and 12 can be "
                    "predicted, and the answer is a label, not a position in a list of classes.")
    yield Case("exact ties: (1, 0) and (1, 3) are as far from label 7's mean (0, 0) as from label 2's (2, 0)",
               (t([[-1.0, 0.0], [1.0, 0.0], [2.0, 0.0]]), t([7, 7, 2]), t([[1.0, 0.0], [1.0, 3.0], [0.5, 0.0]])),
               hint="On a tie the smallest label wins (2 here), whatever order the labels appear in y_train.")
    zeros = torch.zeros(4, 3)
    yield Case("degenerate: every row all zeros (every mean ties with every other)",
               (zeros, t([5, 9, 5, 9]), torch.zeros(2, 3)),
               hint="All means coincide, so every test row is a tie: the smallest label.")
    yield Case("float64: the test point (0.5 + 1e-10) is nearer the mean 1 than the mean 0 by 2e-10",
               (t([[0.0], [1.0]], dtype=torch.float64), t([0, 1]),
                t([[0.5 + 1e-10], [0.5 - 1e-10], [0.5]], dtype=torch.float64)),
               hint="In float32, 0.5 + 1e-10 rounds to 0.5 (a tie): keep float64 inputs in float64.")
    yield _ncm_case("float64 features, 8 classes, D=5", 50, 30, 5, range(8), 2, dtype=torch.float64,
                    hint="float64 features in, float64 arithmetic throughout; the labels keep y_train's dtype.")
    x, y = blobs(40, 3, [1, 4, 6, 11], 3, spread=0.7)
    yield Case("int32 labels", (x, y.to(torch.int32), blobs(12, 3, [1, 4, 6, 11], 4, spread=0.7)[0]),
               hint="Return the labels with y_train's dtype (int32 here).")
    yield _ncm_case("650 classes (labels 0 to 649), 1300 training and 700 test rows", 1300, 700, 3, range(650), 5,
                    hint="More than 512 classes and test rows: if you work in chunks, check the offsets of the "
                         "later chunks.")
    yield Case("one class (label 5): every test row gets it",
               (*blobs(6, 2, [5], 6, spread=0.7), blobs(3, 2, [5], 7, spread=0.7)[0]),
               hint="With a single class every test row gets its label, 5, not 0 (a position among the classes).")
    yield Case("one training row, one test row, D=1", (t([[2.0]]), t([3]), t([[-1.0]])),
               hint="Shapes at their smallest: the (1, 1) inputs must still give a (1,) result, label 3.")


@st.composite
def _random_ncm(draw):
    n, m, d = draw(st.integers(1, 40)), draw(st.integers(1, 10)), draw(st.integers(1, 6))
    labels = sorted(draw(st.sets(st.integers(0, 19), min_size=1, max_size=8)))
    seed, dtype = draw(st.integers(0, 9999)), draw(st.sampled_from([torch.float32, torch.float64]))
    return _ncm_case(f"N={n}, M={m}, D={d}, labels from {labels}, {str(dtype)[6:]}, seed={seed}",
                     n, m, d, labels, seed, dtype)


register(Exercise(
    id="04.nearest_class_mean",
    title="nearest_class_mean(train_feats, y_train, test_feats): the label of the nearest class mean",
    reference=nearest_class_mean,
    tests=[against_reference(nearest_class_mean, _ncm_cases),
           property_test(nearest_class_mean, _random_ncm()),
           default_device_test(nearest_class_mean, _ncm_cases)],
    hint="Find the classes that occur in y_train, average each one's training rows, and compare "
         "every test row with every mean; read the failing case's rule (ties, dtypes, labels).",
))
