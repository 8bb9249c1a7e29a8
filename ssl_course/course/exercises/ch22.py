"""Chapter 22: MAML's inner loop (`adapt`) and its meta-objective (`maml_loss`).

Both exercises take a model and a dict of parameters and return tensors that must carry the
right gradient back to those parameters, so each case builds a fresh model, calls the learner's
function and compares with the reference twice: the values, then the gradient with respect to
`params` of a fixed random weighting of the output (second order, or first order when asked).
The cases cover: parameters that differ from the model's own weights (functional_call, not
model(x)), plain parameters that do not require grad, several steps, every argument
(inner_lr, steps, first_order), two inputs and three outputs, more than 512 support points or
tasks, float64, a tanh network, the meta default device, and the model and the parameters left
unchanged.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import torch
from hypothesis import strategies as st
from torch import nn

from ...meta.maml import adapt, maml_loss
from ..checks import Exercise, Failure, compare, describe, hypothesis_test, raised, register

_RTOL, _ATOL = 1e-4, 1e-6


@dataclass
class _Setup:
    """One call: build() -> (model, params, *tensors), fresh each time; kwargs; a hint for this case."""

    name: str
    build: Callable[[], tuple]
    kwargs: dict = field(default_factory=dict)
    hint: str = ""
    grad: bool = True


def _call(fn: Callable, case: str, args: tuple, kwargs: dict, hint: str = ""):
    """fn(*args, **kwargs) -> (result, None), or (None, Failure) naming the case (NotAttempted for the stub)."""
    try:
        return fn(*args, **kwargs), None
    except Exception as exc:  # the learner's bug becomes a one-line failure, never a traceback wall
        return None, Failure(case, raised(exc), hint=hint)


# ----------------------------------------------------------------------------- models and data
def _model(seed: int, hidden=(40, 40), d_in: int = 1, d_out: int = 1, dtype=torch.float32,
           act: type[nn.Module] = nn.ReLU) -> nn.Module:
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    width = d_in
    for h in hidden:
        layers += [nn.Linear(width, h), act()]
        width = h
    layers.append(nn.Linear(width, d_out))
    return nn.Sequential(*layers).to(dtype)


def _params(model: nn.Module, seed: int) -> dict[str, torch.Tensor]:
    """Parameters that differ from the model's own weights (plain tensors, no requires_grad)."""
    g = torch.Generator().manual_seed(seed)
    return {k: v.detach() + 0.05 * torch.randn(v.shape, generator=g, dtype=torch.float64).to(v.dtype)
            for k, v in model.named_parameters()}


def _task(n: int, seed: int, d_in: int = 1, d_out: int = 1, dtype=torch.float32, tasks: int | None = None,
          n_query: int = 0):
    """Inputs uniform in [-5, 5] and sinusoid targets A sin(sum(x) - phi), one (A, phi) per task and output:
    (n, d_in), (n, d_out), with a leading task dimension when `tasks` is given; with n_query > 0, also
    (n_query, ...) query points of the same functions."""
    g = torch.Generator().manual_seed(seed)
    lead = () if tasks is None else (tasks,)
    amp = 0.1 + 4.9 * torch.rand(*lead, 1, d_out, generator=g, dtype=torch.float64)
    phase = torch.pi * torch.rand(*lead, 1, d_out, generator=g, dtype=torch.float64)
    out = []
    for m in (n, n_query) if n_query else (n,):
        x = 10 * torch.rand(*lead, m, d_in, generator=g, dtype=torch.float64) - 5
        out += [x.to(dtype), (amp * torch.sin(x.sum(-1, keepdim=True) - phase)).to(dtype)]
    return tuple(out)


def _snapshot(tensors: Mapping[str, torch.Tensor]) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    return {k: (v, v.detach().clone()) for k, v in tensors.items()}


def _unchanged(case: str, model: nn.Module, model_before, params, params_before) -> Failure | None:
    for k, (obj, value) in params_before.items():
        if params.get(k) is not obj or not torch.equal(obj.detach(), value):
            return Failure(case, f"changed the caller's params[{k!r}] (in place, or replaced it in the dict)",
                           hint="Build a new dict of new tensors: theta' = theta - lr * g, never theta -= lr * g.")
    for k, (_, value) in model_before.items():
        now = dict(model.named_parameters())[k]
        if not torch.equal(now.detach(), value):
            return Failure(case, f"changed the model's own parameter {k!r}: the model must be left as it is",
                           hint="MAML adapts a copy of the parameters (a dict passed to "
                                "torch.func.functional_call), not the model's weights with an optimizer.")
    return None


def _weights(out: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(99)
    return {k: torch.randn(v.shape, generator=g, dtype=torch.float64).to(v.dtype) for k, v in out.items()}


def _compare_dicts(expected: Mapping[str, torch.Tensor], got) -> str | None:
    if not isinstance(got, Mapping):
        return f"returned {type(got).__name__}, expected a dict {{name: tensor}} with the keys of params"
    if list(got) != list(expected):
        return f"returned the keys {list(got)}, expected {list(expected)} (those of params, in their order)"
    for k in expected:
        reason = compare(expected[k], got[k], _RTOL, _ATOL)
        if reason:
            return f"params[{k!r}]: {reason}"
    return None


def _compare_grads(want, got, names) -> str | None:
    for k, w, g in zip(names, want, got):
        if g is None:
            return f"no gradient reaches params[{k!r}]"
        rtol, atol = (1e-9, 1e-10) if w.dtype == torch.float64 else (_RTOL, _ATOL * 10)
        if not torch.allclose(g, w, rtol=rtol, atol=atol):
            return (f"the gradient with respect to params[{k!r}] is wrong (largest difference "
                    f"{(g - w).abs().max().item():.3g}, expected entries up to {w.abs().max().item():.3g})")
    return None


# ----------------------------------------------------------------------------- 22.adapt
_FUNCTIONAL = ("params are not the model's own weights: evaluate the network at params with "
               "torch.func.functional_call(model, params, (x,)), not model(x).")
_PLAIN = ("params may be plain tensors without requires_grad (as when fine-tuning at test time): "
          "torch.func.grad(loss)(params) differentiates with respect to its argument whatever its "
          "requires_grad; torch.autograd.grad does not.")
_SECOND = ("Second order by default: the inner gradient must keep its graph (torch.func.grad does; "
           "do not .detach() it and do not wrap it in torch.no_grad), so theta' depends on theta through it.")
_FIRST = ("first_order=True: detach each step's gradient, so d theta' / d theta is the identity "
          "(first-order MAML); the values are the same as the second-order ones.")
_MSE = "The support loss is F.mse_loss: the mean over every entry of the (K, d_out) error, not a sum."


def _adapt_setups():
    def base(seed=1, n=5, **kw):
        m = _model(seed, **kw)
        x, y = _task(n, seed + 1, kw.get("d_in", 1), kw.get("d_out", 1), kw.get("dtype", torch.float32))
        return m, _params(m, seed + 2), x, y

    yield _Setup("the 1-40-40-1 sine network, 5 support points, one step of lr 0.01 (params differ from the "
                 "model's weights)", base, {}, _FUNCTIONAL)
    yield _Setup("three steps of lr 0.05: each step's gradient is taken at the current parameters",
                 lambda: base(3), {"inner_lr": 0.05, "steps": 3},
                 "Recompute the gradient at the updated parameters in every step.")
    yield _Setup("inner_lr=0.3", lambda: base(4), {"inner_lr": 0.3}, "Use the inner_lr given.")
    yield _Setup("steps=0: the parameters come back unchanged", lambda: base(5), {"steps": 0},
                 "No step: return a dict with params' entries.")
    yield _Setup("first_order=True, two steps of lr 0.1", lambda: base(6), {"inner_lr": 0.1, "steps": 2,
                                                                             "first_order": True}, _FIRST)
    yield _Setup("two inputs and three outputs (d_in=2, d_out=3)", lambda: base(7, 6, d_in=2, d_out=3, hidden=(16,)),
                 {"inner_lr": 0.1, "steps": 2}, _MSE)
    yield _Setup("600 support points (more than a 512-row chunk)", lambda: base(8, 600, hidden=(20, 20)),
                 {"inner_lr": 0.1}, "Use every support point in the loss.")
    yield _Setup("a float64 network, two steps of lr 0.1", lambda: base(9, 7, dtype=torch.float64),
                 {"inner_lr": 0.1, "steps": 2}, "Compute in the parameters' dtype: float64 stays float64.")
    yield _Setup("a tanh network (any architecture)", lambda: base(10, 8, hidden=(12,), act=nn.Tanh),
                 {"inner_lr": 0.2, "steps": 2}, _FUNCTIONAL)


def _run_adapt(fn, setup: _Setup, reference=adapt) -> Failure | None:
    model, params, x, y = setup.build()
    ref_model, ref_params, rx, ry = setup.build()
    expected = reference(ref_model, ref_params, rx, ry, **setup.kwargs)
    model_before, params_before = _snapshot(dict(model.named_parameters())), _snapshot(params)
    got, failure = _call(fn, setup.name, (model, params, x, y), setup.kwargs, hint=setup.hint)
    if failure:
        if "require" in failure.reason and "grad" in failure.reason:
            failure.hint = _PLAIN
        return failure
    reason = _compare_dicts(expected, got)
    if reason:
        k = reason.split("]")[0].split("[")[-1].strip("'") if reason.startswith("params[") else None
        return Failure(setup.name, reason, describe(expected.get(k)) if k else None,
                       describe(got.get(k)) if k and isinstance(got, Mapping) else None, hint=setup.hint)
    return _unchanged(setup.name, model, model_before, params, params_before)


def _adapt_grad(fn, setup: _Setup, reference=adapt) -> Failure | None:
    model, params, x, y = setup.build()
    leaves = {k: v.clone().requires_grad_() for k, v in params.items()}
    ref_leaves = {k: v.clone().requires_grad_() for k, v in params.items()}
    expected = reference(model, ref_leaves, x, y, **setup.kwargs)
    w = _weights(expected)
    want = torch.autograd.grad(sum((expected[k] * w[k]).sum() for k in w), list(ref_leaves.values()))
    case = f"{setup.name}: the gradient of the adapted parameters with respect to params"
    got, failure = _call(fn, case, (model, leaves, x, y), setup.kwargs)
    if failure:
        return failure
    total = sum((got[k] * w[k]).sum() for k in w)
    if not total.requires_grad:
        return Failure(case, "the adapted parameters carry no gradient back to params",
                       hint="theta' = theta - lr * g must be built from the params tensors themselves (no "
                            ".detach(), no torch.no_grad(), no optimizer step on copies).")
    got_grads = torch.autograd.grad(total, list(leaves.values()), allow_unused=True)
    reason = _compare_grads(want, got_grads, list(leaves))
    hint = _FIRST if setup.kwargs.get("first_order") else _SECOND
    return Failure(case, reason, hint=hint) if reason else None


def _each(setups, run, only_grad=False):
    def test(fn):
        for setup in setups():
            if only_grad and not setup.grad:
                continue
            failure = run(fn, setup)
            if failure:
                return failure
        return None

    return test


def _on_meta_default_device(setups, run):
    """The first cases again with torch's default device set to `meta` (the inputs stay on the CPU)."""
    def test(fn):
        for setup in list(setups())[:2]:
            built = setup.build()
            fixed = _Setup(setup.name, lambda b=built: b, setup.kwargs, setup.hint)
            with torch.device("meta"):
                failure = run(fn, fixed)
            if failure:
                return Failure(f"{setup.name}, with the default device set to 'meta'",
                               f"a tensor was created on the default device instead of the inputs' device: "
                               f"{failure.reason}",
                               hint="On a GPU this fails: create every new tensor from an input "
                                    "(torch.zeros_like(p), p.new_tensor(v)), or keep numbers as Python floats.")
        return None

    return test


def _property(run, strategy, max_examples: int = 12):
    """Hypothesis, derandomised: random setups, each run against the reference (values only)."""
    return hypothesis_test(run, strategy, max_examples)


@st.composite
def _random_adapt(draw):
    n = draw(st.one_of(st.integers(1, 12), st.integers(513, 600)))
    width, d_in, d_out = draw(st.integers(1, 16)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    steps, lr = draw(st.integers(0, 3)), draw(st.sampled_from([0.0, 0.01, 0.1, 0.5]))
    first_order, seed = draw(st.booleans()), draw(st.integers(0, 9999))

    def build():
        m = _model(seed, (width,), d_in, d_out)
        x, y = _task(n, seed + 1, d_in, d_out)
        return m, _params(m, seed + 2), x, y

    kwargs = {"inner_lr": lr, "steps": steps, "first_order": first_order}
    return _Setup(f"random: {n} points, d_in={d_in}, d_out={d_out}, width {width}, {kwargs}, seed={seed}",
                  build, kwargs)


register(Exercise(
    id="22.adapt",
    title="adapt(model, params, x, y, inner_lr, steps, first_order): the inner loop, theta' = theta - lr * grad",
    reference=adapt,
    tests=[_each(_adapt_setups, _run_adapt), _each(_adapt_setups, _adapt_grad, only_grad=True),
           _property(_run_adapt, _random_adapt()), _on_meta_default_device(_adapt_setups, _run_adapt)],
    hint="Write the support loss as a function of a params dict (functional_call), take its gradient with "
         "torch.func.grad, step, and repeat; detach the gradient only for first_order.",
))


# ----------------------------------------------------------------------------- 22.maml_loss
_META = ("The meta-objective is the QUERY loss AFTER adapting on the SUPPORT set, for each task "
         "separately, averaged over tasks; the gradient flows through the inner step.")


def _maml_setups():
    def base(seed=1, tasks=4, k=5, q=10, dtype=torch.float32, **kw):
        m = _model(seed, dtype=dtype, **kw)
        data = _task(k, seed + 1, kw.get("d_in", 1), kw.get("d_out", 1), dtype, tasks=tasks, n_query=q)
        return (m, _params(m, seed + 2), *data)

    yield _Setup("4 tasks, 5 support and 10 query points each, one step of lr 0.01", base, {}, _META)
    yield _Setup("first_order=True (first-order MAML)", lambda: base(2), {"inner_lr": 0.1, "first_order": True},
                 _FIRST)
    yield _Setup("two inner steps of lr 0.1", lambda: base(3), {"inner_lr": 0.1, "steps": 2},
                 "Pass steps (and inner_lr, first_order) on to the inner loop.")
    yield _Setup("inner_lr=0.3", lambda: base(4), {"inner_lr": 0.3}, "Pass inner_lr on to the inner loop.")
    yield _Setup("steps=0: the query loss at params itself", lambda: base(5), {"steps": 0}, _META)
    yield _Setup("one task", lambda: base(6, tasks=1), {"inner_lr": 0.1}, _META)
    yield _Setup("3 support and 20 query points", lambda: base(7, k=3, q=20), {"inner_lr": 0.1}, _META)
    yield _Setup("two inputs and three outputs", lambda: base(8, d_in=2, d_out=3, hidden=(16,)),
                 {"inner_lr": 0.1}, _MSE)
    yield _Setup("a float64 network", lambda: base(9, dtype=torch.float64), {"inner_lr": 0.1, "steps": 2},
                 "Compute in the parameters' dtype: float64 stays float64.")
    def tail_heavy():  # tasks past the first 512 get 4 times the amplitude: a chunked mean misses them
        m, p, xs, ys, xq, yq = base(10, tasks=520, k=2, q=2, hidden=(4,))
        scale = torch.ones(520, 1, 1, dtype=ys.dtype)
        scale[512:] = 4.0
        return m, p, xs, ys * scale, xq, yq * scale

    yield _Setup("520 tasks (more than a 512-row chunk), 2 support and 2 query points", tail_heavy,
                 {"inner_lr": 0.1}, "Average over every task, not over a first chunk.")


def _run_maml(fn, setup: _Setup, reference=maml_loss, with_grad: bool = True) -> Failure | None:
    model, params, *data = setup.build()
    leaves = {k: v.clone().requires_grad_(with_grad) for k, v in params.items()}
    ref_leaves = {k: v.clone().requires_grad_(with_grad) for k, v in params.items()}
    expected = reference(model, ref_leaves, *data, **setup.kwargs)
    model_before, leaves_before = _snapshot(dict(model.named_parameters())), _snapshot(leaves)
    data_before = [d.clone() for d in data]
    got, failure = _call(fn, setup.name, (model, leaves, *data), setup.kwargs)
    if failure:
        return failure
    reason = compare(expected.detach(), got.detach() if isinstance(got, torch.Tensor) else got, _RTOL, _ATOL)
    if reason:
        return Failure(setup.name, reason, describe(expected), describe(got), hint=setup.hint)
    for i, (d, before) in enumerate(zip(data, data_before)):
        if not torch.equal(d, before):
            return Failure(setup.name, f"changed its input argument {i + 2} in place", hint="Work on copies.")
    failure = _unchanged(setup.name, model, model_before, leaves, leaves_before)
    if failure or not with_grad:
        return failure
    case = f"{setup.name}: the meta-gradient with respect to params"
    if not got.requires_grad:
        return Failure(case, "the loss carries no gradient back to params",
                       hint="Build everything from the params tensors (no .detach(), no torch.no_grad()).")
    want = torch.autograd.grad(expected, list(ref_leaves.values()))
    got_grads = torch.autograd.grad(got, list(leaves.values()), allow_unused=True)
    reason = _compare_grads(want, got_grads, list(leaves))
    hint = _FIRST if setup.kwargs.get("first_order") else _SECOND
    return Failure(case, reason, hint=hint) if reason else None


@st.composite
def _random_maml(draw):
    tasks = draw(st.one_of(st.integers(1, 6), st.integers(513, 530)))
    k, q = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    width, steps = draw(st.integers(1, 8)), draw(st.integers(0, 2))
    lr, first_order = draw(st.sampled_from([0.0, 0.01, 0.1, 0.5])), draw(st.booleans())
    seed = draw(st.integers(0, 9999))

    def build():
        m = _model(seed, (width,))
        return (m, _params(m, seed + 2), *_task(k, seed + 1, tasks=tasks, n_query=q))

    kwargs = {"inner_lr": lr, "steps": steps, "first_order": first_order}
    return _Setup(f"random: {tasks} tasks, K={k}, Q={q}, width {width}, {kwargs}, seed={seed}", build, kwargs)


register(Exercise(
    id="22.maml_loss",
    title="maml_loss(model, params, x_support, y_support, x_query, y_query, ...): mean query MSE after adapting",
    reference=maml_loss,
    tests=[_each(_maml_setups, _run_maml),
           _property(lambda fn, s: _run_maml(fn, s, with_grad=False), _random_maml(), max_examples=8),
           _on_meta_default_device(_maml_setups, lambda fn, s: _run_maml(fn, s, with_grad=False))],
    hint="For each task: adapt on its support set, then score the adapted parameters on its query set; "
         "average over tasks.",
))
