"""Chapter 24: the conditional generator's input (noise and a one-hot class) and the projection
discriminator's loss: labels of 10 or more, labels that skip values, int32 labels, a one-hot code
as wide as num_classes whatever labels occur, batches past a 512-row chunk, real and fake batches
of different sizes, logits of hundreds (sigmoid-then-log gives inf), an all-zero feature row (a dead
ReLU), float64, every argument (psi, embed, the fake batch's own labels), the meta device."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...generative.conditional_gan import conditional_d_loss, embed_condition
from ..checks import Case, reference_exercise
from ._common import randn

_DTYPE = "Compute in the inputs' dtype: float64 in, float64 arithmetic and result out."


def _labels(n: int, num_classes: int, seed: int, dtype=torch.int64) -> torch.Tensor:
    return torch.randint(num_classes, (n,), generator=torch.Generator().manual_seed(seed)).to(dtype)


# ----------------------------------------------------------------------------- 24.embed_condition
_WIDTH = ("The one-hot code is num_classes wide, whichever labels this batch happens to hold: "
          "pass num_classes to F.one_hot (or build the code with that many columns).")


def _embed_cases():
    yield Case("4 noise vectors of width 3, labels 0..3, num_classes=4",
               (randn(4, 3, seed=1), torch.tensor([2, 0, 3, 1]), 4),
               hint="z first, then the one-hot code of each row's label.")
    yield Case("labels 0..4 only, num_classes=10: the code is 10 wide",
               (randn(6, 2, seed=2), torch.tensor([0, 4, 1, 1, 3, 2]), 10), hint=_WIDTH)
    yield Case("labels 10, 11 and 3, skipping values, num_classes=12",
               (randn(5, 4, seed=3), torch.tensor([10, 3, 11, 11, 0]), 12),
               hint="A label is a column index, not a number to append: label 11 sets column Z + 11.")
    yield Case("int32 labels", (randn(5, 3, seed=4), torch.tensor([1, 0, 4, 4, 2], dtype=torch.int32), 5),
               hint="F.one_hot wants int64 indices: cast the labels first.")
    yield Case("the same labels, num_classes=7 instead of 5",
               (randn(5, 3, seed=4), torch.tensor([1, 0, 4, 4, 2]), 7), hint=_WIDTH)
    yield Case("float64 noise", (randn(7, 3, seed=5, dtype=torch.float64), _labels(7, 10, 5), 10), hint=_DTYPE)
    yield Case("one-dimensional noise and a single class", (randn(3, 1, seed=6), torch.zeros(3, dtype=torch.int64), 1),
               hint="With one class every row's code is a single 1.")
    yield Case("600 rows (more than a 512-row chunk)", (randn(600, 8, seed=7), _labels(600, 10, 7), 10),
               hint="Encode every row's label, not a first chunk.")


@st.composite
def _embed_random(draw):
    n = draw(st.one_of(st.integers(1, 40), st.integers(513, 700)))
    z_dim, num_classes = draw(st.integers(1, 8)), draw(st.integers(1, 15))
    seed = draw(st.integers(0, 9999))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    label_dtype = draw(st.sampled_from([torch.int64, torch.int32]))
    return Case(f"random z ({n}, {z_dim}) {str(dtype)[6:]}, {str(label_dtype)[6:]} labels, "
                f"num_classes={num_classes}, seed={seed}",
                (randn(n, z_dim, seed=seed, dtype=dtype), _labels(n, num_classes, seed + 1, label_dtype), num_classes))


reference_exercise(
    "24.embed_condition",
    "embed_condition(z, labels, num_classes): [z, one_hot(labels, num_classes)] side by side, in z's dtype",
    embed_condition, _embed_cases, _embed_random(), grad=True,
    hint="The generator must be told the class in a form where no class is 'between' two others: "
         "one column per class, then put it next to z.",
)


# ----------------------------------------------------------------------------- 24.conditional_d_loss
_PROJECTION = ("Each pair's logit is <psi, phi> + <embed[y], phi>: the row of embed picked by that pair's "
               "own label, multiplied with its features and summed (an inner product, not a mean).")
_LOGITS = ("These are logits: -log D = softplus(-logit) and -log(1 - D) = softplus(logit) stay finite "
           "where sigmoid followed by log gives inf.")


def _d_args(n: int, m: int, f: int, c: int, seed: int, dtype=torch.float32, scale: float = 1.0,
            label_dtype=torch.int64):
    """(real_feats, real_labels, fake_feats, fake_labels, psi, embed) for one case."""
    return (randn(n, f, seed=seed, dtype=dtype, scale=scale), _labels(n, c, seed + 1, label_dtype),
            randn(m, f, seed=seed + 2, dtype=dtype, scale=scale), _labels(m, c, seed + 3, label_dtype),
            randn(f, seed=seed + 4, dtype=dtype, scale=0.5), randn(c, f, seed=seed + 5, dtype=dtype, scale=0.5))


def _d_cases():
    yield Case("8 real and 8 fake pairs, 5 features, 10 classes", _d_args(8, 8, 5, 10, 1),
               hint="Score each pair with its own label, then d_loss of chapter 14 on the two batches of logits.")
    rf, rl, ff, fl, psi, embed = _d_args(8, 8, 5, 10, 11)
    yield Case("the same images, the fake batch asked for other classes", (rf, rl, ff, (fl + 3) % 10, psi, embed),
               hint="A fake pair's class is the one G was asked for (fake_labels), not a real image's label.")
    yield Case("psi all zero: the class term alone", (rf, rl, ff, fl, torch.zeros_like(psi), embed), hint=_PROJECTION)
    yield Case("embed all zero: the unconditional term alone", (rf, rl, ff, fl, psi, torch.zeros_like(embed)),
               hint="With embed = 0 the logit is <psi, phi> alone.")
    yield Case("5 real and 11 fake pairs: each batch averaged over its own size", _d_args(5, 11, 4, 10, 21),
               hint="Mean over the real pairs plus mean over the fake pairs.")
    args = list(_d_args(6, 7, 4, 12, 31))
    args[1], args[3] = torch.tensor([10, 11, 3, 11, 0, 10]), torch.tensor([11, 0, 7, 10, 10, 2, 11])
    yield Case("labels 10 and 11 of 12 classes, skipping values", tuple(args),
               hint="A label picks a row of embed (C rows): labels of 10 and more are rows like any other.")
    args = list(_d_args(6, 6, 4, 10, 41))
    args[1], args[3] = torch.tensor([0, 1, 2, 2, 1, 0]), torch.tensor([1, 1, 0, 2, 0, 2])
    yield Case("labels 0..2 only of 10 classes", tuple(args),
               hint="embed has C rows whichever labels occur: index it, or one-hot with num_classes=C.")
    yield Case("int32 labels", _d_args(6, 5, 4, 10, 51, label_dtype=torch.int32),
               hint="Index with the labels cast to int64 (F.one_hot refuses int32).")
    yield Case("features of scale 100: logits of hundreds", _d_args(6, 6, 8, 10, 61, scale=100.0), hint=_LOGITS)
    rf, rl, ff, fl, psi, embed = _d_args(6, 6, 4, 10, 71)
    rf[2], ff[0] = 0.0, 0.0
    yield Case("an all-zero feature row (a dead ReLU): logit 0", (rf, rl, ff, fl, psi, embed),
               hint="A zero row has logit 0 and costs log 2 on either side.")
    yield Case("float64 inputs", _d_args(7, 9, 5, 10, 81, dtype=torch.float64, scale=3.0), hint=_DTYPE)
    yield Case("600 real and 700 fake pairs (more than a 512-row chunk)", _d_args(600, 700, 6, 10, 91),
               hint="Average over every pair of each batch, not over a first chunk.")


@st.composite
def _d_random(draw):
    n = draw(st.one_of(st.integers(1, 30), st.integers(513, 650)))
    m = draw(st.one_of(st.integers(1, 30), st.integers(513, 650)))
    f, c = draw(st.integers(1, 8)), draw(st.integers(1, 14))
    seed, scale = draw(st.integers(0, 9999)), draw(st.sampled_from([0.1, 1.0, 5.0, 50.0]))
    label_dtype = draw(st.sampled_from([torch.int64, torch.int32]))
    return Case(f"random pairs: {n} real, {m} fake, {f} features, {c} classes, scale {scale}, "
                f"{str(label_dtype)[6:]} labels, seed={seed}", _d_args(n, m, f, c, seed, scale=scale,
                                                                       label_dtype=label_dtype))


reference_exercise(
    "24.conditional_d_loss",
    "conditional_d_loss(real_feats, real_labels, fake_feats, fake_labels, psi, embed): "
    "the projection discriminator's loss on (image, class) pairs",
    conditional_d_loss, _d_cases, _d_random(), grad=True,
    hint="Write one pair's logit, <psi, phi(x)> + <embed[y], phi(x)>, for a whole batch at once; then the "
         "discriminator's loss of chapter 14 on the real and the fake logits.",
)
