"""Chapter 30: linear CKA between two representations, and the few-shot nearest-prototype probe."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...evaluate.benchmark import few_shot_prototypes
from ...evaluate.cka import linear_cka
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
from ._common import blobs, randn

CENTRE_HINT = ("CKA compares the representations' shapes, not where they sit: subtract each COLUMN's mean "
               "over the rows (features x.mean(dim=0)) from x and from y first.")


# ----------------------------------------------------------------------------- 30.linear_cka
def _orthogonal(d: int, seed: int, dtype=torch.float64) -> torch.Tensor:
    q, _ = torch.linalg.qr(randn(d, d, seed=seed, dtype=torch.float64))
    return q.to(dtype)


def _related(n: int, d1: int, d2: int, seed: int, dtype=torch.float32, noise: float = 1.0):
    """x (n, d1) and y (n, d2) = a random linear map of x plus noise: a CKA strictly inside (0, 1)."""
    x = randn(n, d1, seed=seed, dtype=torch.float64)
    y = x @ randn(d1, d2, seed=seed + 1, dtype=torch.float64) + noise * randn(n, d2, seed=seed + 2, dtype=torch.float64)
    return x.to(dtype), y.to(dtype)


def _cka_cases():
    x, y = _related(8, 3, 5, 1)
    yield Case("8 inputs, widths 3 and 5 (y a noisy linear map of x)", (x, y),
               hint="Centre both, then ||Yc^T Xc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F).")
    yield Case("widths 2 and 9: the two representations need not have the same width", _related(12, 2, 9, 2),
               hint="CKA compares (N, D1) with (N, D2) through D2 x D1, D1 x D1 and D2 x D2 products; "
                    "flattening both into one long vector only works for equal widths, and means something else.")
    x = randn(10, 4, seed=3, dtype=torch.float64)
    yield Case("y = 3.5 * x rotated by an orthogonal matrix (CKA is 1)", (x, 3.5 * x @ _orthogonal(4, 4)),
               hint="Divide by ||Xc^T Xc||_F ||Yc^T Yc||_F: CKA ignores rotations and the overall scale.")
    x, y = _related(9, 3, 3, 5, noise=2.0)
    yield Case("features far from the origin (x + 50, y - 20)", (x + 50, y - 20), hint=CENTRE_HINT)
    x, y = _related(7, 3, 4, 6, dtype=torch.float64, noise=0.5)
    yield Case("float64 inputs", (x, y),
               hint="Keep float64 throughout: the result is float64 and held to float64 precision.")
    x, y = _related(600, 3, 2, 7, noise=1.5)
    x[550:] += 4.0  # the rows past 512 matter
    yield Case("600 inputs (more than a 512-row chunk), the last 50 shifted", (x, y),
               hint="Use every row: the column means and the products run over all N rows, never a chunk.")
    x, y = _related(10, 4, 3, 8)
    x[:, 1] = 0.0  # a dead unit
    x[3] = 0.0  # an all-zero input
    yield Case("a dead unit (column of zeros) and an all-zero row in x", (x, y),
               hint="A zero column adds nothing and must not divide by zero: no per-feature normalisation "
                    "(that is correlation, not CKA).")
    x, y = _related(6, 12, 15, 9, noise=0.3)
    yield Case("more features than inputs (N=6, widths 12 and 15)", (x, y),
               hint="Nothing special happens when D > N: the same formula, the products are just wider.")
    yield Case("N=2: the smallest case (every centred representation is rank 1: CKA is 1)",
               (torch.tensor([[0.0, 1.0], [2.0, 5.0]]), torch.tensor([[3.0], [-1.0]])),
               hint="Two rows centre to +v and -v: any two representations of them agree up to scale.")
    x, y = _related(20, 5, 5, 10, noise=3.0)
    yield Case("x and y with a small CKA (y mostly noise)", (x, y),
               hint="Square the cross term ||Yc^T Xc||_F (it is HSIC up to 1/(N-1)^2); take the plain norms below.")


@st.composite
def _random_cka(draw):
    n, d1, d2 = draw(st.integers(2, 30)), draw(st.integers(1, 8)), draw(st.integers(1, 8))
    seed, noise = draw(st.integers(0, 9999)), draw(st.sampled_from([0.1, 1.0, 5.0]))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    x, y = _related(n, d1, d2, seed, dtype=dtype, noise=noise)
    shift = draw(st.sampled_from([0.0, 3.0]))
    return Case(f"N={n}, widths {d1} and {d2}, noise {noise}, shift {shift}, {str(dtype)[6:]}, seed={seed}",
                (x + shift, y))


def _symmetric(fn) -> str | None:
    x, y = _related(15, 3, 6, 11)
    a, b = fn(x, y), fn(y, x)
    if not torch.allclose(torch.as_tensor(a), torch.as_tensor(b), atol=1e-5):
        return f"linear_cka(x, y) = {float(a):.6f} but linear_cka(y, x) = {float(b):.6f}: CKA is symmetric"
    return None


register(Exercise(
    id="30.linear_cka",
    title="linear_cka(x, y): linear centred kernel alignment between two representations",
    reference=linear_cka,
    tests=[custom("symmetry: linear_cka(x, y) == linear_cka(y, x)", _symmetric),
           against_reference(linear_cka, _cka_cases, atol=1e-6),
           property_test(linear_cka, _random_cka(), atol=1e-6),
           default_device_test(linear_cka, _cka_cases, atol=1e-6)],
    hint="Centre the columns of x and y, then ||Yc^T Xc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F); "
         "return a 0-dim tensor in the inputs' dtype.",
))


# ----------------------------------------------------------------------------- 30.few_shot_prototypes
def _fs_case(name, n, m, d, labels, seed, shots=5, dtype=torch.float32, hint=""):
    x, y = blobs(n, d, labels, seed, dtype, min_per_label=6)
    xt, _ = blobs(m, d, labels, seed, dtype, spread=1.6, min_per_label=6)
    return Case(name, (x, y, xt), {"shots": shots, "generator": torch.Generator().manual_seed(seed + 1000)}, hint=hint)


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _fs_cases():
    yield _fs_case("3 classes in 2-D, 40 rows, shots=5", 40, 20, 2, [0, 1, 2], 1,
                   hint="Shuffle each class's rows with torch.randperm(len(rows), generator=generator) and keep the "
                        "first `shots`; the prototype is their mean, not the mean of the whole class.")
    yield _fs_case("the same data, shots=1 (one labelled example per class)", 40, 20, 2, [0, 1, 2], 1, shots=1,
                   hint="shots sets how many rows per class are kept: use the argument.")
    yield _fs_case("shots=3, 4 classes", 50, 25, 3, [0, 1, 2, 3], 2, shots=3,
                   hint="shots sets how many rows per class are kept: use the argument.")
    yield _fs_case("12 classes with labels 3 to 14, D=4", 100, 40, 4, range(3, 15), 3,
                   hint="Labels go up to 14: the classes are the distinct labels of y_train, in ascending order, "
                        "and the answer is a label, not a position.")
    yield _fs_case("labels that skip values: 2, 9, 17", 30, 15, 2, [17, 2, 9], 4,
                   hint="Visit the classes in ascending label order (2, 9, 17), whatever order they appear in "
                        "y_train: the draws come from one generator in that order.")
    x = torch.tensor([[0.0, 0.0]] * 6 + [[2.0, 0.0]] * 6)
    y = torch.tensor([7] * 6 + [2] * 6)
    yield Case("exact ties: (1, 0) is as far from label 7's prototype (0, 0) as from label 2's (2, 0)",
               (x, y, torch.tensor([[1.0, 0.0], [1.0, 5.0], [0.5, 0.0]])), {"shots": 5, "generator": _gen(5)},
               hint="On a tie the smallest label wins (2 here), whatever order the labels appear in y_train.")
    yield Case("degenerate: every row all zeros (every prototype ties)",
               (torch.zeros(12, 3), torch.tensor([5, 9] * 6), torch.zeros(2, 3)), {"shots": 5, "generator": _gen(6)},
               hint="All prototypes coincide, so every test row is a tie: the smallest label.")
    x = torch.tensor([[0.0]] * 5 + [[1.0]] * 5, dtype=torch.float64)
    yield Case("float64: 0.5 + 1e-10 is nearer prototype 1 than prototype 0 by 2e-10",
               (x, torch.tensor([0] * 5 + [1] * 5), torch.tensor([[0.5 + 1e-10], [0.5 - 1e-10]], dtype=torch.float64)),
               {"shots": 5, "generator": _gen(7)},
               hint="In float32, 0.5 + 1e-10 rounds to 0.5 (a tie): keep float64 features in float64.")
    yield _fs_case("float64 features, 6 classes, D=5", 60, 30, 5, range(6), 8, dtype=torch.float64,
                   hint="float64 features in, float64 arithmetic throughout; the labels keep y_train's dtype.")
    x, y = blobs(40, 3, [1, 4, 6, 11], 9, min_per_label=6)
    yield Case("int32 labels", (x, y.to(torch.int32), blobs(12, 3, [1, 4, 6, 11], 10, min_per_label=6)[0]),
               {"shots": 5, "generator": _gen(11)},
               hint="Return the labels with y_train's dtype (int32 here).")
    yield _fs_case("shots equal to a class's size (every row kept)", 18, 10, 2, [0, 1, 2], 12, shots=6,
                   hint="With shots = all of a class's rows, the prototype is its mean whatever the shuffle.")
    yield _fs_case("600 training rows, 1100 test rows (more than any 512- or 1024-row chunk)", 600, 1100, 3,
                   range(10), 13,
                   hint="Every test row gets its own nearest prototype: check the offsets of later chunks.")


@st.composite
def _random_fs(draw):
    n, m, d = draw(st.integers(1, 40)), draw(st.integers(1, 10)), draw(st.integers(1, 5))
    labels = sorted(draw(st.sets(st.integers(0, 19), min_size=1, max_size=6)))
    seed, shots = draw(st.integers(0, 9999)), draw(st.integers(1, 6))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    return _fs_case(f"N>={n}, M={m}, D={d}, labels {labels}, shots={shots}, {str(dtype)[6:]}, seed={seed}",
                    n, m, d, labels, seed, shots=shots, dtype=dtype)


def _generator_case(generator):
    x, y = blobs(60, 2, range(4), 21, min_per_label=6)
    xt, _ = blobs(50, 2, range(4), 22, spread=2.5, min_per_label=6)
    return Case("60 rows, 4 classes, shots=2", (x, y, xt), {"shots": 2, "generator": generator})


register(Exercise(
    id="30.few_shot_prototypes",
    title="few_shot_prototypes(train_feats, y_train, test_feats, shots, generator): nearest prototype "
          "from a few labelled examples",
    reference=few_shot_prototypes,
    tests=[against_reference(few_shot_prototypes, _fs_cases),
           generator_test(few_shot_prototypes, _generator_case),
           property_test(few_shot_prototypes, _random_fs()),
           default_device_test(few_shot_prototypes, _fs_cases)],
    hint="For each class in ascending label order: its rows, one randperm from `generator`, the first `shots`, "
         "their mean. Then the nearest prototype (Euclidean) for every test row, ties to the smallest label.",
))
