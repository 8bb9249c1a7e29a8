"""Graded checks: `check("01.info_nce", info_nce)` runs a learner's function against the
exercise's cases and says passed, failed (the first failing case, expected vs got, a hint)
or not attempted (the function still raises NotImplementedError).

An exercise (see `ssl_course/exercises/`) is a list of tests; each test calls the learner's
function on fresh copies of its inputs and returns a `Failure` or None. The builders below
cover the usual kinds: fixed cases against the reference, Hypothesis property tests against
the reference, and gradients.
"""
from __future__ import annotations

import contextlib
import copy
import html
import io
import os
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import torch

from .env import CHECK_TIMEOUT_ENV, STRICT_ENV
from .loader import ChapterUnavailable, chapter_of, chapters_in, import_chapter

CHECK_MIME = "application/vnd.ssl-course.check+json"  # a result inside a cell's output, for the grader

PASSED, FAILED, NOT_ATTEMPTED = "passed", "failed", "not attempted"
NOT_ATTEMPTED_ADVICE = "Replace the `raise NotImplementedError` with your code, then run this cell again."


class NotAttempted(Exception):
    """Raised inside a test when the learner's function raises NotImplementedError."""


class CheckFailed(AssertionError):
    """Strict mode: a check did not end as expected."""


class _OutOfTime(BaseException):
    """Raised by the alarm inside a learner's function. A BaseException, so neither the
    learner's `except Exception` nor Hypothesis can swallow it."""


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Interrupt the block after `seconds` (Unix main thread only; elsewhere no limit)."""
    import signal
    import threading

    usable = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if not usable or seconds <= 0:
        yield
        return

    def on_alarm(signum, frame):
        raise _OutOfTime()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_timeout() -> float:
    try:
        return float(os.environ.get(CHECK_TIMEOUT_ENV, "60"))
    except ValueError:
        return 60.0


@dataclass
class Failure:
    """What went wrong, in one line, and on which case."""

    case: str
    reason: str
    expected: Any = None
    got: Any = None
    hint: str = ""  # about this case; the exercise's general hint when empty


@dataclass
class Case:
    """One call of the function under test: a readable name and its arguments."""

    name: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    hint: str = ""  # what to look at when this case fails (never the whole solution)
    check_grad: bool = True  # False where gradients legitimately depend on an unspecified detail (an eps)


Test = Callable[[Callable], "Failure | None"]


@dataclass
class Exercise:
    id: str
    title: str
    reference: Callable
    tests: list  # list[Test]
    hint: str = ""


# ----------------------------------------------------------------------------- registry
_REGISTRY: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    if exercise.id in _REGISTRY:
        raise ValueError(f"exercise {exercise.id!r} is registered twice")
    _REGISTRY[exercise.id] = exercise
    return exercise


def reference_exercise(exercise_id: str, title: str, reference: Callable, cases, strategy, hint: str, *,
                       grad: bool = False, rtol: float = 1e-4, atol: float = 1e-5,
                       extra_tests: Iterable = ()) -> Exercise:
    """Register the usual exercise: fixed cases, then Hypothesis cases, both against the
    reference, then the fixed cases again with the default device set to `meta`."""
    return register(Exercise(exercise_id, title, reference, [
        *extra_tests,
        against_reference(reference, cases, rtol=rtol, atol=atol, grad=grad),
        property_test(reference, strategy, rtol=rtol, atol=atol, grad=grad),
        default_device_test(reference, cases, rtol=rtol, atol=atol)], hint))


EXERCISES = f"{__package__}.exercises"  # one module per chapter: exercises/chNN.py


def _load_chapter(chapter: str) -> None:
    """Import chapter NN's exercises; on failure, forget whatever the module had registered."""
    before = set(_REGISTRY)
    try:
        import_chapter(EXERCISES, chapter)
    except ChapterUnavailable:
        for key in set(_REGISTRY) - before:
            del _REGISTRY[key]
        raise


def all_exercises() -> dict[str, Exercise]:
    """Every exercise of every chapter, by id, in chapter order (imports every chapter)."""
    for chapter in chapters_in(EXERCISES):
        _load_chapter(chapter)
    return dict(sorted(_REGISTRY.items()))


def chapter_exercises(chapter: str) -> dict[str, Exercise]:
    """The exercises of one chapter ('01'), by id, importing that chapter only."""
    _load_chapter(chapter)
    return {k: v for k, v in sorted(_REGISTRY.items()) if k.startswith(f"{chapter}.")}


def get_exercise(exercise_id: str) -> Exercise:
    """The exercise with this id, loading its chapter (and no other) on first use."""
    chapter = chapter_of(exercise_id)
    _load_chapter(chapter)
    if exercise_id not in _REGISTRY:
        close = [k for k in _REGISTRY if k.startswith(f"{chapter}.")]
        raise KeyError(f"no exercise {exercise_id!r}; chapter {chapter} has: {', '.join(close) or 'none'}")
    return _REGISTRY[exercise_id]


# ----------------------------------------------------------------------------- comparing
def describe(x: Any) -> str:
    """A short, readable description of a value (tensors by shape, dtype and a few numbers)."""
    if isinstance(x, torch.Tensor):
        flat = x.detach().flatten()
        try:
            vals = ", ".join(f"{v:.4g}" if x.is_floating_point() else str(int(v)) for v in flat[:4].cpu().tolist())
        except Exception:  # a tensor without data (the meta device) or of an exotic dtype
            vals = "..."
        more = ", ..." if flat.numel() > 4 else ""
        where = "" if x.device.type == "cpu" else f", device={x.device}"
        return f"tensor(shape={tuple(x.shape)}, dtype={str(x.dtype).replace('torch.', '')}{where}, [{vals}{more}])"
    if isinstance(x, (tuple, list)):
        return type(x).__name__ + "(" + ", ".join(describe(v) for v in x) + ")"
    text = repr(x)
    return text if len(text) < 80 else text[:77] + "..."


RTOL64, ATOL64 = 1e-9, 1e-10  # float64 in, float64 arithmetic expected: float32 cast back misses this


def compare(expected: Any, got: Any, rtol: float = 1e-4, atol: float = 1e-5) -> str | None:
    """None if `got` matches `expected`, else a one-line reason that points at the difference.

    float64 results are held to float64 precision (RTOL64, ATOL64), whatever rtol and atol say.
    """
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"returned a {type(got).__name__}, expected a torch.Tensor"
        if got.shape != expected.shape:
            return f"wrong shape: expected {tuple(expected.shape)}, got {tuple(got.shape)}"
        if got.dtype != expected.dtype:
            return f"wrong dtype: expected {expected.dtype}, got {got.dtype}"
        if got.device != expected.device:
            return (f"wrong device: expected {expected.device}, got {got.device} (create new tensors "
                    "with device=input.device)")
        if got.is_floating_point():
            if expected.dtype == torch.float64:
                reason = _float_difference(expected.detach(), got.detach(), min(rtol, RTOL64), min(atol, ATOL64))
                loose = reason and _float_difference(expected.detach(), got.detach(), rtol, atol) is None
                return reason + " (float64 is held to float64 precision: was it computed in float32?)" if loose \
                    else reason
            return _float_difference(expected.detach(), got.detach(), rtol, atol)
        return _exact_difference(expected, got)
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"expected a {type(expected).__name__} of {len(expected)} items, got {describe(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            reason = compare(e, g, rtol, atol)
            if reason:
                return f"item {i}: {reason}"
        return None
    if isinstance(expected, float):
        try:
            ok = abs(float(got) - expected) <= atol + rtol * abs(expected)
        except (TypeError, ValueError):
            return f"expected a number, got {describe(got)}"
        return None if ok else f"expected {expected:.6g}, got {float(got):.6g}"
    return None if got == expected else f"expected {describe(expected)}, got {describe(got)}"


def _where(t: torch.Tensor, flat_index: int) -> str:
    """'[i, j]' for a flat index into t."""
    idx = []
    for size in reversed(t.shape):
        idx.append(flat_index % size)
        flat_index //= size
    return "[" + ", ".join(str(i) for i in reversed(idx)) + "]"


def _float_difference(expected: torch.Tensor, got: torch.Tensor, rtol: float, atol: float) -> str | None:
    bad_got, bad_exp = ~torch.isfinite(got), ~torch.isfinite(expected)
    if (bad_got & ~bad_exp).any():
        i = int((bad_got & ~bad_exp).flatten().nonzero()[0])
        kind = "NaN" if got.flatten()[i].isnan() else "inf"
        where = f" at {_where(got, i)}" if got.numel() > 1 else ""
        return (f"the result is {kind}{where} where {expected.flatten()[i].item():.6g} was expected "
                "(a division by zero, a log of 0 or an overflowing exp?)")
    close = torch.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    if got.numel() == 1:
        return f"expected {expected.item():.8g}, got {got.item():.8g}"
    err = (got - expected).abs().masked_fill(close, 0).flatten()
    i = int(err.argmax())
    return (f"values differ in {int((~close).sum())} of {close.numel()} entries; the largest difference is"
            f" at {_where(got, i)}: expected {expected.flatten()[i].item():.8g}, got {got.flatten()[i].item():.8g}")


def _exact_difference(expected: torch.Tensor, got: torch.Tensor) -> str | None:
    differ = (got != expected).flatten()
    if not differ.any():
        return None
    i = int(differ.nonzero()[0])
    if got.numel() == 1:
        return f"expected {expected.item()}, got {got.item()}"
    return (f"values differ in {int(differ.sum())} of {differ.numel()} entries; first at {_where(got, i)}: expected "
            f"{expected.flatten()[i].item()}, got {got.flatten()[i].item()}")


def _copy_args(args: tuple, kwargs: dict, keep_generators: bool = False) -> tuple[tuple, dict]:
    """Fresh copies of a case's inputs; a torch.Generator is copied too (each call starts from
    the case's state) unless keep_generators, where calls must share it."""
    def cp(v):
        if isinstance(v, torch.Tensor):
            return v.detach().clone()
        if keep_generators and isinstance(v, torch.Generator):
            return v
        return copy.deepcopy(v)

    return tuple(cp(a) for a in args), {k: cp(v) for k, v in kwargs.items()}


def call(fn: Callable, case: Case, keep_generators: bool = False) -> Any:
    """Call fn on copies of the case's inputs; report in-place changes and exceptions as failures."""
    args, kwargs = _copy_args(case.args, case.kwargs, keep_generators)
    try:
        return guarded(fn, case.name)(*args, **kwargs)
    except _FailedCall:
        raise
    except Exception as exc:  # the learner's bug becomes a one-line failure, never a traceback wall
        raise _FailedCall(Failure(case.name, raised(exc), hint=case.hint)) from None


def guarded(fn: Callable, case_name: str) -> Callable:
    """fn, failing the case if it changes one of its tensor arguments in place."""

    def run(*args, **kwargs):
        named = [(f"argument {i}", a) for i, a in enumerate(args)] + [(f"argument {k!r}", v) for k, v in kwargs.items()]
        before = [(label, t, t.detach().clone()) for label, t in named if isinstance(t, torch.Tensor)]
        out = fn(*args, **kwargs)
        for label, t, copy_ in before:
            if t.shape != copy_.shape or not torch.equal(t.detach(), copy_):
                raise _FailedCall(Failure(case_name, f"changed its input {label} in place (the caller's tensor "
                                                     "is modified); work on a copy or use out-of-place ops"))
        return out

    return run


class _FailedCall(Exception):
    def __init__(self, failure: Failure):
        super().__init__(failure.reason)
        self.failure = failure


def raised(exc: Exception) -> str:
    """The one-line reason for an exception from the learner's code; the exercise's own
    `raise NotImplementedError` instead means it is not attempted yet."""
    if isinstance(exc, NotImplementedError) and is_stub(exc):
        raise NotAttempted(str(exc)) from None
    return f"raised {type(exc).__name__}: {exc}{_learner_line(exc)}"


def is_stub(exc: NotImplementedError) -> bool:
    """Is this the exercise's own `raise NotImplementedError`, not torch's NotImplementedError
    (an op with no kernel for the meta device, "Cannot copy out of meta tensor")? Torch's comes
    from its C++ core, so the learner's last frame is the call (`x.cpu()`), not a raise, or from
    a frame inside torch."""
    if "meta" in str(exc).lower():
        return False
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return True
    last = frames[-1]
    if last.filename.startswith(os.path.dirname(torch.__file__)):
        return False
    return not last.line or last.line.strip().startswith("raise")


def _learner_line(exc: BaseException) -> str:
    """' (line N: code)' for the innermost frame outside this package, when there is one."""
    torch_dir = os.path.dirname(torch.__file__)
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "ssl_course" not in f.filename and not f.filename.startswith(torch_dir)]
    if not frames:
        return ""
    f = frames[-1]
    return f" (line {f.lineno}: {f.line.strip()})" if f.line else f" (line {f.lineno})"


# ----------------------------------------------------------------------------- test builders
def against_reference(reference: Callable, cases: Iterable[Case] | Callable[[], Iterable[Case]],
                      rtol: float = 1e-4, atol: float = 1e-5, grad: bool = False) -> Test:
    """The learner's output (and, with grad=True, the gradients of its output w.r.t. every
    floating input) must match the reference's on each case."""

    def test(fn):
        for case in (cases() if callable(cases) else cases):
            failure = _compare_case(fn, reference, case, rtol, atol, grad)
            if failure:
                return failure
        return None

    return test


def _compare_case(fn, reference, case: Case, rtol, atol, grad) -> Failure | None:
    ref_args, ref_kwargs = _copy_args(case.args, case.kwargs)
    expected = reference(*ref_args, **ref_kwargs)
    got = call(fn, case)
    reason = compare(expected, got, rtol, atol)
    if reason:
        return Failure(case.name, reason, describe(expected), describe(got), hint=case.hint)
    if grad and case.check_grad:
        reason = _compare_grads(fn, reference, case, rtol, atol)
        if reason:
            return Failure(case.name, reason, hint=GRADIENT_HINT)
    return None


GRADIENT_HINT = ("The value is right but the gradient is not: is a step detached, done in NumPy or "
                 "Python floats, or replaced by a non-differentiable op (argmax, rounding, in-place writes)?")


def _grads(fn, case: Case, weight_seed: int = 0):
    args, kwargs = _copy_args(case.args, case.kwargs)
    leaves = [a.requires_grad_() for a in args if isinstance(a, torch.Tensor) and a.is_floating_point()]
    try:
        out = fn(*args, **kwargs)
    except NotImplementedError as exc:
        if is_stub(exc):
            raise NotAttempted(str(exc)) from None
        raise
    # A fixed random weighting makes every output element count in the gradient.
    g = torch.Generator().manual_seed(weight_seed)
    w = torch.randn(out.shape, generator=g, dtype=out.dtype).to(out.device)
    if not out.requires_grad:
        return None
    return torch.autograd.grad((out * w).sum(), leaves, allow_unused=True)


def _compare_grads(fn, reference, case, rtol, atol) -> str | None:
    want = _grads(reference, case)
    got = _grads(fn, case)
    if got is None:
        return "the result carries no gradient (was something detached or converted to NumPy?)"
    for i, (w, g) in enumerate(zip(want, got)):
        if g is None and w is not None:
            return f"no gradient reaches input {i}"
        if w is None:
            continue
        if not torch.isfinite(g).all() and torch.isfinite(w).all():
            return (f"the gradient w.r.t. input {i} contains NaN or inf although the value is right "
                    "(a square root or division at 0, or a masked-out exp that overflowed?)")
        if w.dtype == torch.float64:
            rtol, atol = min(rtol, RTOL64), min(atol, ATOL64)
        if not torch.allclose(g, w, rtol=rtol, atol=atol * 10):
            err = (g - w).abs().max().item()
            return f"the gradient w.r.t. input {i} is wrong (largest difference {err:.3g})"
    return None


def hypothesis_test(check_one: Callable[[Callable, object], Failure | None], strategy, max_examples: int = 25) -> Test:
    """Hypothesis, derandomised: `strategy` draws examples; check_one(fn, example) returns a Failure or None.

    The failure reported is the smallest failing example Hypothesis finds.
    """
    from hypothesis import HealthCheck, given, settings

    def test(fn):
        failures: list[Failure] = []

        @settings(derandomize=True, max_examples=max_examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck), print_blob=False)
        @given(strategy)
        def run(example):
            failure = check_one(fn, example)
            if failure:
                failures.append(failure)  # the last one appended is the shrunk example
                raise AssertionError(failure.reason)

        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                run()
        except NotAttempted:
            raise
        except Exception:
            if failures:
                return failures[-1]
            raise
        return None

    return test


def property_test(reference: Callable, strategy, rtol: float = 1e-4, atol: float = 1e-5,
                  grad: bool = False, max_examples: int = 25) -> Test:
    """Hypothesis, derandomised: `strategy` draws Cases; each must match the reference."""
    def check_one(fn, case):
        try:
            return _compare_case(fn, reference, case, rtol, atol, grad)
        except _FailedCall as exc:
            return exc.failure

    return hypothesis_test(check_one, strategy, max_examples)


def default_device_test(reference: Callable, cases: Iterable[Case] | Callable[[], Iterable[Case]],
                        rtol: float = 1e-4, atol: float = 1e-5) -> Test:
    """The cases again, with torch's default device set to `meta`: a tensor created without
    device=... (torch.arange(n), torch.eye(n), torch.tensor(v)) lands on `meta` and clashes with
    the CPU inputs, as it would with CUDA inputs on a GPU. Needs no GPU."""

    def test(fn):
        for case in (cases() if callable(cases) else cases):
            try:
                with torch.device("meta"):  # the reference makes its tensors with device=: unaffected
                    failure = _compare_case(fn, reference, case, rtol, atol, grad=False)
            except _FailedCall as exc:
                failure = exc.failure
            # A failure here that the case does not show on its inputs' device is the default
            # device's doing, even when torch gives no error (indexing a CPU tensor with a meta
            # index silently returns wrong values).
            if failure and ("meta" in failure.reason or _passes(fn, reference, case, rtol, atol)):
                return Failure(f"{case.name}, with the default device set to 'meta'",
                               "a tensor was created on the default device instead of the inputs' device: "
                               f"{failure.reason}",
                               hint="On a GPU this fails: create every new tensor with device=input.device "
                                    "(torch.arange(n, device=x.device)), or derive it from an input "
                                    "(torch.ones_like(x), x.new_zeros(...)).")
            if failure:
                return failure
        return None

    return test


def _passes(fn, reference, case: Case, rtol, atol) -> bool:
    try:
        return _compare_case(fn, reference, case, rtol, atol, grad=False) is None
    except _FailedCall:
        return False


def generator_test(reference: Callable, make_case: Callable[[torch.Generator | None], Case],
                   rtol: float = 1e-4, atol: float = 1e-5) -> Test:
    """Random functions taking `generator=`: two calls with ONE generator object must match the
    reference's two calls (the generator moves on between them), and generator=None must draw
    from torch's global generator as the reference does. make_case(generator) -> Case."""

    def three_calls(f, run):
        g = torch.Generator().manual_seed(1234)
        cases = [make_case(g), make_case(g), make_case(None)]
        outs = [run(f, cases[0]), run(f, cases[1])]
        torch.manual_seed(4321)
        return cases, outs + [run(f, cases[2])]

    def test(fn):
        cases, (r1, r2, r0) = three_calls(reference, lambda f, c: f(*c.args, **c.kwargs))
        _, (y1, y2, y0) = three_calls(fn, lambda f, c: call(f, c, keep_generators=True))
        if compare(r1, y1, rtol, atol) is None and compare(r2, y2, rtol, atol) and compare(y1, y2, rtol, atol) is None:
            return Failure(f"{cases[0].name}, called twice with the same generator",
                           "the second call repeated the first: each call must draw NEW random numbers "
                           "from the generator it is given (was it copied, or re-seeded?)")
        in_order = "Draw every random number from `generator`, in the documented order."
        labelled = [("first call", r1, y1, in_order), ("second call with the same generator", r2, y2, in_order),
                    ("generator=None after torch.manual_seed(4321)", r0, y0,
                     "With generator=None, draw from torch's global generator (pass generator=None on "
                     "to torch.rand and friends).")]
        for label, r, y, hint in labelled:
            reason = compare(r, y, rtol, atol)
            if reason:
                return Failure(f"{cases[0].name}, {label}", reason, describe(r), describe(y), hint=hint)
        return None

    return test


def custom(name: str, fn_test: Callable[[Callable], str | None]) -> Test:
    """A test written by hand: fn_test(fn) returns None or a one-line reason."""

    def test(fn):
        try:
            reason = fn_test(guarded(fn, name))
        except (NotAttempted, _FailedCall):
            raise
        except Exception as exc:
            reason = raised(exc)
        return Failure(name, reason) if reason else None

    return test


# ----------------------------------------------------------------------------- results
@dataclass
class Result:
    exercise_id: str
    title: str
    status: str
    failure: Failure | None = None
    hint: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def lines(self) -> list[str]:
        mark = {PASSED: "PASSED", FAILED: "FAILED", NOT_ATTEMPTED: "NOT ATTEMPTED"}[self.status]
        out = [f"[{mark}] {self.exercise_id}: {self.title}"]
        if self.status == NOT_ATTEMPTED:
            out.append(f"  {NOT_ATTEMPTED_ADVICE}")
        if self.failure:
            out.append(f"  case: {self.failure.case}")
            out.append(f"  problem: {self.failure.reason}")
            if self.failure.expected is not None:
                out.append(f"  expected: {self.failure.expected}")
                out.append(f"  got:      {self.failure.got}")
        if self.shown_hint:
            out.append(f"  hint: {self.shown_hint}")
        return out

    @property
    def shown_hint(self) -> str:
        """The hint a failed check shows: its failing case's own, else the exercise's ('' otherwise)."""
        hint = (self.failure.hint if self.failure else "") or self.hint
        return hint if self.status == FAILED else ""

    def __str__(self) -> str:
        return "\n".join(self.lines())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = {PASSED: "#1a7f37", FAILED: "#cf222e", NOT_ATTEMPTED: "#9a6700"}[self.status]
        head, *rest = self.lines()
        body = "".join(f"<div style='margin-left:1.2em'>{html.escape(line.strip())}</div>" for line in rest)
        return (f"<div class='ssl-check' style='border-left:4px solid {colour};padding:4px 8px;"
                f"margin:4px 0'><b style='color:{colour}'>{html.escape(head)}</b>{body}</div>")

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": str(self), "text/html": self._repr_html_(), CHECK_MIME: self.to_dict()}

    def to_dict(self) -> dict:
        """The record `ssl-course grade` reads from the cell's output (the hint too, for the
        gradebook's feedback pages)."""
        d = dict(exercise=self.exercise_id, status=self.status, seconds=round(self.seconds, 3))
        if self.failure:
            d.update(case=self.failure.case, reason=self.failure.reason)
        if self.shown_hint:
            d["hint"] = self.shown_hint
        return d


_LAST: dict[str, tuple[Callable, Result]] = {}  # exercise id -> (the function checked, its result)


def run_check(exercise_id: str, fn: Callable) -> Result:
    """Run every test of the exercise on fn and return the Result (no printing, no recording)."""
    ex = get_exercise(exercise_id)
    if not callable(fn):
        raise TypeError(f"check({exercise_id!r}, fn): fn must be your function, got {type(fn).__name__}")
    start = time.perf_counter()
    status, failure = PASSED, None
    limit = check_timeout()
    try:
        with _time_limit(limit):
            for test in ex.tests:
                try:
                    failure = test(fn)
                except NotAttempted:
                    status, failure = NOT_ATTEMPTED, None
                    break
                except _FailedCall as exc:
                    failure = exc.failure
                if failure:
                    status = FAILED
                    break
    except _OutOfTime:
        status, failure = FAILED, Failure("time limit", f"the check took longer than {limit:g} s "
                                                        "(an endless loop, or far too slow?)")
    return Result(ex.id, ex.title, status, failure, ex.hint, time.perf_counter() - start)


def check(exercise_id: str, fn: Callable) -> Result:
    """Grade `fn` for exercise `exercise_id`; record the outcome in your progress file.

    Returns a Result that shows itself as text or HTML. In strict mode (SSL_COURSE_STRICT)
    an unexpected outcome raises CheckFailed, so CI notices.
    """
    from . import progress

    with torch.random.fork_rng():  # the check must not move the notebook's random stream
        result = run_check(exercise_id, fn)
    _LAST[exercise_id] = (fn, result)
    progress.record_exercise(result.exercise_id, result.status)
    _enforce_strict(result)
    return result


def _enforce_strict(result: Result) -> None:
    strict = os.environ.get(STRICT_ENV, "")
    if strict in ("", "0"):
        return
    wanted = NOT_ATTEMPTED if strict == "not_attempted" else PASSED
    if result.status != wanted:
        raise CheckFailed(f"strict mode expected {wanted!r}:\n{result}")


def use_reference_if_unsolved(exercise_id: str, fn: Callable) -> Callable:
    """Your function if it passes its check, else the reference, so later cells still run."""
    last = _LAST.get(exercise_id)
    # `is`, not id(): CPython reuses a freed function's id for the next one defined
    result = last[1] if last and last[0] is fn else run_check(exercise_id, fn)
    if result.passed:
        return fn
    print(f"Using the reference implementation of {exercise_id} ({result.status} so far).")
    return get_exercise(exercise_id).reference
