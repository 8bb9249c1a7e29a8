"""Chapter 28: self-distillation (DINO). The teacher's EMA step, the DINO loss over multi-crop
views (centred, sharpened teacher; no gradient to the teacher; no crop compared with itself),
and the centre's running mean of the teacher outputs."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...noncontrastive.dino import dino, dino_center, ema
from ..checks import Case, custom, reference_exercise
from ._common import randn

_BIG = "Every row counts, however many there are: no chunks, no sub-sample of the rows."
_F64 = "Compute in the input's dtype: float64 in, float64 arithmetic and result out."


# ----------------------------------------------------------------------------- 28.ema_update
def _ema_cases():
    t, s = randn(5, 3, seed=1), randn(5, 3, seed=2)
    yield Case("a (5, 3) weight, momentum 0.9", (t, s, 0.9),
               hint="new teacher = momentum * teacher + (1 - momentum) * student.")
    yield Case("momentum 0.996 (DINO's start): the teacher barely moves", (t, s, 0.996),
               hint="The momentum multiplies the TEACHER: a momentum near 1 means a slow teacher.")
    yield Case("momentum 1: the teacher is unchanged", (t, s, 1.0))
    yield Case("momentum 0: the teacher becomes the student", (t, s, 0.0))
    yield Case("a 4-D conv weight (8, 3, 3, 3)", (randn(8, 3, 3, 3, seed=3), randn(8, 3, 3, 3, seed=4), 0.7),
               hint="Any shape: the average is elementwise.")
    yield Case("a bias vector (7,)", (randn(7, seed=5), randn(7, seed=6), 0.5))
    yield Case("float64 weights, momentum 0.999", (randn(6, 4, seed=7, dtype=torch.float64),
                                                   randn(6, 4, seed=8, dtype=torch.float64), 0.999), hint=_F64)
    yield Case("a (600, 5) weight (more than 512 rows)", (randn(600, 5, seed=9), randn(600, 5, seed=10), 0.99),
               hint=_BIG)


@st.composite
def _random_params(draw):
    shape = draw(st.sampled_from([(3,), (4, 2), (2, 3, 2, 2), (520, 3)]))
    seed, m = draw(st.integers(0, 9999)), draw(st.sampled_from([0.0, 0.3, 0.9, 0.99, 1.0]))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    return Case(f"random {shape} {dtype} weights, momentum {m}, seed={seed}",
                (randn(*shape, seed=seed, dtype=dtype), randn(*shape, seed=seed + 1, dtype=dtype), m))


def _no_graph(fn) -> str | None:
    teacher, student = randn(4, 3, seed=11), randn(4, 3, seed=12).requires_grad_()
    out = fn(teacher, student, 0.9)
    if isinstance(out, torch.Tensor) and out.requires_grad:
        return ("the new teacher carries a gradient graph back to the student: the teacher is not trained by "
                "backprop, it is an average; compute it under torch.no_grad() or from student.detach()")
    return None


reference_exercise(
    "28.ema_update",
    "ema_update(teacher, student, momentum): the teacher's exponential moving average of the student",
    ema, _ema_cases, _random_params(),
    hint="Which tensor does the momentum multiply? A momentum of 0.996 must leave the teacher almost unchanged.",
    extra_tests=[custom("the student requires grad: the new teacher must carry no gradient graph", _no_graph)],
)


# ----------------------------------------------------------------------------- 28.dino_loss
def _views(s_views, t_views, n, k, seed, dtype=torch.float32, scale=3.0):
    student = scale * randn(s_views, n, k, seed=seed, dtype=dtype)
    teacher = student[:t_views] + randn(t_views, n, k, seed=seed + 1, dtype=dtype)
    return student, teacher, 0.5 * randn(k, seed=seed + 2, dtype=dtype)


def _dino_cases():
    s, t, c = _views(6, 2, 8, 10, seed=1)
    yield Case("2 global + 4 local crops, N=8, K=10, default temperatures", (s, t, c),
               hint="Teacher: softmax((t - center) / teacher_temp), detached; student: log_softmax(s / student_temp); "
                    "cross-entropy averaged over every (teacher view, student view) pair with different crops.")
    yield Case("student_temp=0.04, teacher_temp=0.1 (the opposite of the defaults)", (s, t, c),
               {"student_temp": 0.04, "teacher_temp": 0.1},
               hint="The teacher's temperature divides the teacher's logits, the student's the student's.")
    yield Case("student_temp=0.5, teacher_temp=0.2", (s, t, c), {"student_temp": 0.5, "teacher_temp": 0.2})
    yield Case("a centre of large entries (one dimension the teacher favours)",
               (s, t, torch.linspace(-4, 4, 10)),
               hint="Subtract the centre from the TEACHER's logits only, before its temperature.")
    s2, t2, c2 = _views(2, 2, 5, 7, seed=2)
    yield Case("two global crops only (S = T = 2): two pairs", (s2, t2, c2),
               hint="A crop is never compared with itself: with two views, teacher 0 meets student 1 and "
                    "teacher 1 meets student 0.")
    s3, t3, c3 = _views(3, 3, 4, 6, seed=3)
    yield Case("three global crops, S = T = 3: six pairs", (s3, t3, c3),
               hint="Divide by the number of pairs, T * S - T, and by N.")
    s4, t4, c4 = _views(4, 1, 4, 6, seed=4)
    yield Case("one teacher view, four student views", (s4, t4, c4))
    yield Case("teacher_temp 0.001 (teacher logits of order 1000: exp overflows)", (s, t, c), {"teacher_temp": 1e-3},
               hint="Use softmax / log_softmax, never exp() then normalise by hand.")
    s5, t5, c5 = _views(5, 2, 6, 9, seed=5, dtype=torch.float64)
    yield Case("float64 outputs", (s5, t5, c5), hint=_F64)
    s6, t6, c6 = _views(4, 2, 600, 5, seed=6)
    yield Case("N = 600 images (more than 512 rows)", (s6, t6, c6), hint=_BIG)
    s7, t7, c7 = _views(3, 2, 4, 1, seed=7)
    yield Case("K = 1 output dimension (every softmax is 1: loss 0)", (s7, t7, c7))
    s8, t8, _ = _views(4, 2, 6, 12, seed=8)
    yield Case("a teacher identical for every image", (s8, t8[:, :1].expand_as(t8).contiguous(), torch.zeros(12)))


@st.composite
def _random_dino(draw):
    t_views = draw(st.integers(1, 3))
    s_views = draw(st.integers(max(2, t_views), 6))
    n = draw(st.one_of(st.integers(1, 12), st.integers(513, 540)))
    k, seed = draw(st.integers(1, 16)), draw(st.integers(0, 9999))
    temps = draw(st.sampled_from([(0.1, 0.04), (0.2, 0.07), (1.0, 0.5), (0.05, 0.2)]))
    s, t, c = _views(s_views, t_views, n, k, seed=seed)
    return Case(f"random S={s_views}, T={t_views}, N={n}, K={k}, temps {temps}, seed={seed}",
                (s, t, c), {"student_temp": temps[0], "teacher_temp": temps[1]})


def _teacher_gets_no_gradient(fn) -> str | None:
    s, t, c = _views(4, 2, 6, 8, seed=21)
    t.requires_grad_()
    loss = fn(s.requires_grad_(), t, c)
    if not isinstance(loss, torch.Tensor) or not loss.requires_grad:
        return "the loss carries no gradient to the student"
    g_t = torch.autograd.grad(loss, [t], allow_unused=True)[0]
    if g_t is not None and g_t.abs().max() > 0:
        return ("a gradient reaches the teacher's outputs: the teacher is an EMA of the student and must be a "
                "fixed target (detach it), or the two networks chase each other into collapse")
    return None


reference_exercise(
    "28.dino_loss",
    "dino_loss(student_out, teacher_out, center, student_temp, teacher_temp): centred, sharpened teacher "
    "-> student cross-entropy over the multi-crop pairs",
    dino, _dino_cases, _random_dino(),
    hint="Check, on the failing case, the teacher's probabilities (centre, temperature, detach), the "
         "student's log-probabilities, and which (t, s) pairs you average over.",
    grad=True,
    extra_tests=[custom("the teacher's outputs require grad: no gradient may reach them", _teacher_gets_no_gradient)],
)


# ----------------------------------------------------------------------------- 28.center
def _center_cases():
    t, c = randn(2, 8, 10, seed=31), randn(10, seed=32)
    yield Case("two global crops of 8 images, K=10, momentum 0.9", (t, c, 0.9),
               hint="new centre = momentum * center + (1 - momentum) * the mean teacher output.")
    yield Case("momentum 0.5", (t, c, 0.5), hint="The momentum multiplies the OLD centre.")
    yield Case("momentum 0: the centre is the batch mean", (t, c, 0.0),
               hint="The mean runs over every view AND every image: one (K,) vector.")
    yield Case("momentum 1: the centre is unchanged", (t, c, 1.0))
    yield Case("views with different means (view 1 shifted by +3)", (t + torch.tensor([0.0, 3.0])[:, None, None], c, 0.9),
               hint="Average over all teacher views, not the first one only.")
    yield Case("one view as a 2-D (N, K) tensor", (t[0], c, 0.8), hint="(N, K): the mean over the rows.")
    yield Case("raw logits with a large offset (do not softmax them)", (t + 5.0, c, 0.7),
               hint="The centre is a running mean of the teacher's LOGITS, before any softmax.")
    yield Case("float64", (randn(3, 5, 4, seed=33, dtype=torch.float64), randn(4, seed=34, dtype=torch.float64), 0.99),
               hint=_F64)
    yield Case("two views of 600 images (more than 512 rows)", (randn(2, 600, 6, seed=35), torch.zeros(6), 0.9),
               hint=_BIG)


@st.composite
def _random_centres(draw):
    views, n = draw(st.integers(1, 3)), draw(st.one_of(st.integers(1, 20), st.integers(513, 530)))
    k, seed = draw(st.integers(1, 12)), draw(st.integers(0, 9999))
    m = draw(st.sampled_from([0.0, 0.5, 0.9, 0.99]))
    return Case(f"random T={views}, N={n}, K={k}, momentum {m}, seed={seed}",
                (randn(views, n, k, seed=seed) + 2.0, randn(k, seed=seed + 1), m))


reference_exercise(
    "28.center",
    "update_center(teacher_out, center, momentum): the running mean of the teacher's outputs",
    dino_center, _center_cases, _random_centres(),
    hint="One (K,) vector: the mean of the teacher's logits over views and images, mixed into the old centre.",
)
