"""Chapter 23: Multi-task learning. uncertainty_weighting's cases cover regression and
classification tasks (the factor 1/2), log-variances at their optimum, zero losses, float64,
600 tasks (past a 512-row chunk), gradients w.r.t. the losses and the log-variances, and the meta
device. grad_cosine takes losses that carry a graph, so each case builds a fresh small network and
its two losses, calls the learner's function on it, and checks the value and its side effects:
every .grad left as it was, the graph still usable, a parameter one loss does not reach, a dead
ReLU (a zero gradient), a 600-row weight, float64, eps, params given as a generator and the meta
device."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from hypothesis import strategies as st

from ...transfer.multitask import grad_cosine, uncertainty_weighting
from ..checks import (
    Case,
    Exercise,
    Failure,
    compare,
    describe,
    raised,
    reference_exercise,
    register,
)

# --------------------------------------------------------------------------- 23.uncertainty_weighting
_FORM = ("total = sum over tasks of c * exp(-s) * L + s / 2, with s = log sigma^2: exp(-s) multiplies the loss "
         "(the precision 1/sigma^2), and the regulariser is log sigma = s / 2.")
_FACTOR = ("c = 1/2 for a regression task (1 / (2 sigma^2) in front of a squared error), c = 1 for a "
           "classification task (1 / sigma^2 in front of a cross-entropy): use the `regression` flags.")


def _uw(losses, log_vars, flags, dtype=torch.float32):
    return (torch.tensor(losses, dtype=torch.float64).to(dtype), torch.tensor(log_vars, dtype=torch.float64).to(dtype),
            torch.tensor(flags, dtype=torch.bool))


def _uw_random(t: int, seed: int, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    losses = (3 * torch.rand(t, generator=g, dtype=torch.float64)).to(dtype)
    log_vars = (1.5 * torch.randn(t, generator=g, dtype=torch.float64)).to(dtype)
    flags = torch.rand(t, generator=g) < 0.5
    return losses, log_vars, flags


def _uw_cases():
    yield Case("two classification tasks, log_vars (0.5, -1.0)", _uw([0.7, 2.3], [0.5, -1.0], [False, False]),
               hint=_FORM)
    yield Case("a regression task and a classification task", _uw([0.7, 2.3], [0.5, -1.0], [True, False]),
               hint=_FACTOR)
    yield Case("two regression tasks, log_vars 0: each loss counts half", _uw([1.5, 0.4], [0.0, 0.0], [True, True]),
               hint=_FACTOR)
    opt = [math.log(2 * 0.9), math.log(2 * 0.1), math.log(3.0)]
    yield Case("log_vars at their optimum log(2 c L): every weighted term is 1/2",
               _uw([0.9, 0.1, 3.0], opt, [False, False, True]), hint=_FORM)
    yield Case("a zero loss (a task solved): only s / 2 is left", _uw([0.0, 1.2], [-2.0, 0.3], [False, True]),
               hint="The regulariser s / 2 is there whatever the loss: it stops s from growing without bound.")
    yield Case("log_vars of -8 and +8 (weights near e^8 and e^-8)", _uw([0.25, 4.0], [-8.0, 8.0], [False, True]),
               hint=_FORM)
    yield Case("one task", _uw([1.3], [0.2], [False]), hint=_FORM)
    yield Case("float64 inputs", _uw_random(5, 1, torch.float64), hint="Compute in the inputs' dtype.")
    yield Case("600 tasks (more than a 512-row chunk)", _uw_random(600, 2), hint="Sum over every task.")


@st.composite
def _random_uw(draw):
    t, seed = draw(st.one_of(st.integers(1, 10), st.integers(513, 600))), draw(st.integers(0, 9999))
    return Case(f"random: {t} tasks, seed={seed}", _uw_random(t, seed))


reference_exercise(
    "23.uncertainty_weighting",
    "uncertainty_weighting(losses, log_vars, regression): sum of c exp(-s) L + s / 2 (Kendall et al. 2018)",
    uncertainty_weighting, _uw_cases, _random_uw(),
    hint="Each task's loss is scaled by its learned precision exp(-s) (times 1/2 for regression), plus a "
         "penalty s / 2 that keeps the precision from growing to infinity; sum over the tasks.",
    grad=True,
)


# --------------------------------------------------------------------------- 23.grad_cosine
_RETAIN = ("Both losses come from one graph: compute each gradient with torch.autograd.grad(..., "
           "retain_graph=True), so that the graph survives for the second gradient and for the caller.")
_FLAT = ("Flatten every parameter's gradient and concatenate them into one long vector per loss, then take ONE "
         "cosine between the two vectors (not one cosine per parameter).")
_UNUSED = ("A parameter that a loss does not reach has gradient None with allow_unused=True: count it as zeros "
           "(torch.zeros_like(p)) for that loss, do not drop it.")
_EPS = "Divide by max(|g_a|, eps) * max(|g_b|, eps), as F.cosine_similarity does: a zero gradient gives 0, not NaN."
_NO_GRAD = ("Do not call .backward(): it adds into every parameter's .grad (the caller's gradients). "
            "torch.autograd.grad returns the gradients and touches no .grad.")


@dataclass
class _Problem:
    """One small network and two losses on it: loss_a, loss_b (0-d), params (what to pass)."""
    loss_a: torch.Tensor
    loss_b: torch.Tensor
    params: list
    leaves: list = field(default_factory=list)  # every tensor that requires grad


def _problem(seed: int, *, dtype=torch.float32, n: int = 12, d: int = 5, h: int = 7, relation: str = "",
             dead_b: bool = False, with_head_a: bool = False, depth: int = 2) -> _Problem:
    """A trunk of `depth` tanh layers (W1 (h, d), b1 (h,), [W2 (h, h)]) shared by a squared-error head
    (va) and a logistic head (vb). relation: "" (two different tasks), "same" (loss_b = 3 loss_a),
    "opposite" (loss_b = -loss_a / 2), "mixed" (loss_b = loss_a + the logistic loss / 2).
    dead_b: loss_b goes through a ReLU that is off for every row."""
    g = torch.Generator().manual_seed(seed)

    def r(*shape, scale=1.0):
        return (scale * torch.randn(*shape, generator=g, dtype=torch.float64)).to(dtype)

    x, ya, yb = r(n, d), r(n), torch.sign(r(n))
    w1, b1, w2 = r(h, d, scale=d ** -0.5), r(h, scale=0.1), r(h, h, scale=h ** -0.5)
    va, vb = r(h), r(h)
    trunk = [w1, b1] + ([w2] if depth > 1 else [])
    for t in (*trunk, va, vb):
        t.requires_grad_()
    z = torch.tanh(x @ w1.T + b1)  # (n, h)
    if depth > 1:
        z = torch.tanh(z @ w2.T)
    loss_a = ((z @ va - ya) ** 2).mean()
    if relation == "same":
        loss_b = 3 * loss_a
    elif relation == "opposite":
        loss_b = -0.5 * loss_a
    elif relation == "mixed":
        loss_b = loss_a + 0.5 * torch.nn.functional.softplus(-(z @ vb) * yb).mean()  # partly the same task
    elif dead_b:
        loss_b = torch.relu(z @ vb - 100.0).mean()  # tanh <= 1: the ReLU is off everywhere, the gradient is 0
    else:
        loss_b = torch.nn.functional.softplus(-(z @ vb) * yb).mean()
    params = trunk + ([va] if with_head_a else [])
    return _Problem(loss_a, loss_b, params, [*trunk, va, vb])


@dataclass
class _GCase:
    name: str
    build: Callable[[], _Problem]
    kwargs: dict = field(default_factory=dict)
    hint: str = ""
    preset_grad: bool = False  # give some parameters a .grad before the call
    as_generator: bool = False  # pass params as a generator, as model.parameters() is


def _gc_cases():
    yield _GCase("a two-layer trunk (W1, b1, W2) shared by two heads", lambda: _problem(1), hint=_FLAT)
    yield _GCase("the same task twice (loss_b = 3 * loss_a): cosine 1", lambda: _problem(2, relation="same"),
                 hint="A cosine divides by both gradients' lengths: scaling a loss does not change it.")
    yield _GCase("opposed tasks (loss_b = -loss_a / 2): cosine -1", lambda: _problem(3, relation="opposite"),
                 hint="Keep the sign of the dot product: opposed gradients give -1.")
    yield _GCase("params include head A's weight, which loss_b does not reach",
                 lambda: _problem(4, with_head_a=True), hint=_UNUSED)
    yield _GCase("loss_b through a dead ReLU: its gradient is all zeros, the cosine 0",
                 lambda: _problem(5, dead_b=True), hint=_EPS)
    yield _GCase("eps = 10, larger than both gradients' lengths", lambda: _problem(6), {"eps": 10.0},
                 hint="Use the eps argument: each length is clamped below at eps before dividing.")
    yield _GCase("a one-layer trunk with 600 hidden units (W1 of 600 rows)", lambda: _problem(7, h=600, depth=1),
                 hint=_FLAT)
    yield _GCase("a float64 network, two related tasks", lambda: _problem(8, dtype=torch.float64, relation="mixed"),
                 hint="Keep the gradients in the parameters' dtype: float64 in, float64 cosine out.")
    yield _GCase("parameters that already hold a .grad (from an earlier backward)", lambda: _problem(9),
                 hint=_NO_GRAD, preset_grad=True)
    yield _GCase("params given as a generator (as model.parameters() is)", lambda: _problem(10), hint=(
        "A generator can be iterated once: turn params into a list first, then use it for both gradients."),
        as_generator=True)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0]


def _call(fn, case: _GCase, problem: _Problem):
    """fn on the problem; a Failure for an exception (NotAttempted for the exercise's own stub)."""
    params = (p for p in problem.params) if case.as_generator else list(problem.params)
    loss_a, loss_b = problem.loss_a, problem.loss_b
    before = (loss_a.detach().clone(), loss_b.detach().clone(), [p.detach().clone() for p in problem.leaves])
    try:
        out = fn(loss_a, loss_b, params, **case.kwargs)
    except Exception as exc:
        reason = raised(exc)  # NotAttempted for the exercise's own stub
        hint = case.hint
        if isinstance(exc, RuntimeError) and ("second time" in str(exc) or "freed" in str(exc)):
            hint = _RETAIN
        if isinstance(exc, RuntimeError) and ("does not require grad" in str(exc) or "not have been used" in str(exc)):
            hint = _UNUSED
        return None, Failure(case.name, reason, hint=hint)
    if not (torch.equal(before[0], loss_a.detach()) and torch.equal(before[1], loss_b.detach())
            and all(torch.equal(b, p.detach()) for b, p in zip(before[2], problem.leaves))):
        return None, Failure(case.name, "changed a loss or a parameter in place",
                             hint="Only read the losses and the parameters.")
    return out, None


def _expected(case: _GCase) -> torch.Tensor:
    p = case.build()
    return grad_cosine(p.loss_a, p.loss_b, p.params, **case.kwargs)


def _run_case(fn, case: _GCase, rtol: float = 1e-4, atol: float = 1e-5) -> Failure | None:
    expected = _expected(case)
    problem = case.build()
    preset = {}
    if case.preset_grad:
        g = torch.Generator().manual_seed(99)
        for i, t in enumerate(problem.leaves[::2]):  # every other leaf holds a gradient; the rest None
            t.grad = torch.randn(t.shape, generator=g, dtype=torch.float64).to(t.dtype)
            preset[i * 2] = t.grad.clone()
    got, failure = _call(fn, case, problem)
    if failure:
        return failure
    reason = compare(expected, got, rtol, atol)
    if reason:
        return Failure(case.name, reason, describe(expected), describe(got), hint=case.hint)
    if isinstance(got, torch.Tensor) and got.requires_grad:
        return Failure(case.name, "the cosine still requires grad: return it detached (a measurement, not a loss)",
                       hint="torch.autograd.grad without create_graph returns gradients with no graph of their own.")
    for i, t in enumerate(problem.leaves):
        want = preset.get(i)
        if (want is None) != (t.grad is None) or (want is not None and not torch.equal(want, t.grad)):
            state = "was None and now holds a tensor" if want is None else "was changed"
            return Failure(case.name, f"parameter {i}'s .grad {state}: the caller's gradients were touched",
                           hint=_NO_GRAD)
    try:
        torch.autograd.grad(problem.loss_a + problem.loss_b, problem.leaves, allow_unused=True)
    except RuntimeError as exc:
        return Failure(case.name, "after the call the caller cannot backpropagate the losses any more "
                                  f"({_first_line(exc)})", hint=_RETAIN)
    return None


def _fixed_cases(fn):
    for case in _gc_cases():
        failure = _run_case(fn, case)
        if failure:
            return failure
    return None


def _random_cases(fn):
    """Random networks, derandomised: 16 sizes and seeds, two of them past a 512-row chunk."""
    g = torch.Generator().manual_seed(2023)
    for i in range(16):
        n, d = int(torch.randint(1, 20, (1,), generator=g)), int(torch.randint(1, 9, (1,), generator=g))
        h = int(torch.randint(513, 601, (1,), generator=g)) if i in (5, 11) else int(torch.randint(1, 12, (1,), generator=g))
        depth, seed = 1 + i % 2, 100 + i
        case = _GCase(f"random network: n={n}, d={d}, h={h}, {depth} trunk layer(s), seed={seed}",
                      lambda n=n, d=d, h=h, depth=depth, seed=seed: _problem(seed, n=n, d=d, h=h, depth=depth),
                      hint=_FLAT)
        failure = _run_case(fn, case)
        if failure:
            return failure
    return None


def _meta_device(fn):
    """The fixed cases again with torch's default device set to `meta` (built on the CPU first)."""
    for case in _gc_cases():
        expected = _expected(case)
        problem = case.build()
        with torch.device("meta"):
            got, failure = _call(fn, case, problem)
        reason = failure.reason if failure else compare(expected, got)
        if reason:
            if _run_case(fn, case) is not None:  # fails without the meta device too: report that
                return _run_case(fn, case)
            return Failure(f"{case.name}, with the default device set to 'meta'",
                           f"a tensor was created on the default device instead of the parameters' device: {reason}",
                           hint="On a GPU this fails: build zeros with torch.zeros_like(p) and constants from "
                                "the gradients (g.new_tensor, clamp_min), never torch.zeros(n) or torch.tensor(eps).")
    return None


register(Exercise(
    id="23.grad_cosine",
    title="grad_cosine(loss_a, loss_b, params, eps): cosine between two losses' gradients on shared parameters",
    reference=grad_cosine,
    tests=[_fixed_cases, _random_cases, _meta_device],
    hint="Two calls of torch.autograd.grad (retain_graph=True, allow_unused=True), each gradient flattened into "
         "one vector over all the parameters, then one cosine with eps-clamped lengths.",
))
