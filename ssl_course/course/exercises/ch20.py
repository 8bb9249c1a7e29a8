"""Chapter 20: the Fréchet distance between two feature sets, and DCGAN's initialisation.

frechet_distance is checked against the reference on Gaussians whose covariances do not commute
(a matrix square root, not an entrywise one, and not sqrt(S1) sqrt(S2)), one feature, rank-deficient
covariances (round-off below zero), sets of different sizes past a 512-row chunk, float64 and the
meta device. dcgan_init takes a module: each case builds fresh models, runs the learner's function
and the reference on identical copies with one seeded generator, and names the first parameter that
differs, with its mean and std."""
from __future__ import annotations

import copy

import torch
from hypothesis import strategies as st
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from ...evaluate.frechet import frechet_distance
from ...generative.dcgan import Discriminator, Generator, dcgan_init
from ..checks import (
    Case,
    Exercise,
    Failure,
    against_reference,
    default_device_test,
    property_test,
    raised,
    register,
)
from ._common import randn

# ----------------------------------------------------------------------------- 20.frechet_distance
_SQRTM = ("tr((S1 S2)^(1/2)) needs a MATRIX square root: take the symmetric square root of S1 (eigh), form "
          "S1^(1/2) S2 S1^(1/2), and sum the square roots of its eigenvalues. An entrywise sqrt, or "
          "tr(S1^(1/2) S2^(1/2)), is right only when the covariances commute.")
_COV = "Covariance with N - 1 in the denominator (torch.cov(x.T), np.cov(x, rowvar=False)): rows are samples."
_CLAMP = ("A singular covariance has zero eigenvalues that round-off makes slightly negative: clamp the "
          "eigenvalues at 0 before the square root.")
_DTYPE = "Compute in the inputs' dtype: float64 in, float64 arithmetic and result out."


def _gauss(n: int, d: int, seed: int, shift: float = 0.0, dtype=torch.float32) -> torch.Tensor:
    """n samples (n, d) of a Gaussian with a random (seeded) covariance and mean `shift`."""
    mix = randn(d, d, seed=seed + 1000, dtype=torch.float64) + torch.eye(d, dtype=torch.float64)
    return (randn(n, d, seed=seed, dtype=torch.float64) @ mix + shift).to(dtype)


def _diagonal(n: int, stds: list[float], seed: int, shift: float, dtype=torch.float64) -> torch.Tensor:
    return (randn(n, len(stds), seed=seed, dtype=torch.float64) * torch.tensor(stds, dtype=torch.float64)
            + shift).to(dtype)


def _fd_cases():
    yield Case("two Gaussian samples: 50 and 40 rows, 4 features, other means and covariances",
               (_gauss(50, 4, 1), _gauss(40, 4, 2, shift=0.5)),
               hint="Three parts: |mu1 - mu2|^2, tr S1 + tr S2, and -2 tr of a MATRIX square root. " + _COV)
    yield Case("float64 samples whose covariances do not commute (60 and 70 rows, 5 features)",
               (_gauss(60, 5, 3, dtype=torch.float64), _gauss(70, 5, 4, shift=-0.3, dtype=torch.float64)),
               hint=_SQRTM)
    yield Case("diagonal covariances (they commute): |mu1 - mu2|^2 + sum (s1 - s2)^2 in the limit",
               (_diagonal(80, [1.0, 2.0, 0.5], 5, 0.0), _diagonal(90, [0.5, 1.0, 3.0], 6, 1.0)), hint=_COV)
    yield Case("one feature (D = 1)", (_gauss(30, 1, 7), _gauss(20, 1, 8, shift=2.0)),
               hint="With one feature the covariance is (1, 1); torch.cov then returns a 0-d tensor: keep it 2-D.")
    yield Case("5 and 4 rows: N - 1 in the covariance, not N", (_gauss(5, 2, 9, dtype=torch.float64),
                                                                 _gauss(4, 2, 10, dtype=torch.float64)), hint=_COV)
    yield Case("same covariance, means 3 apart: the mean term is a SQUARED distance",
               (_gauss(40, 3, 11, dtype=torch.float64), _gauss(40, 3, 11, shift=3.0, dtype=torch.float64)),
               hint="The first term is |mu1 - mu2|^2, squared, summed over the features.")
    yield Case("600 and 700 rows (more than a 512-row chunk)", (_gauss(600, 3, 12), _gauss(700, 3, 13, shift=0.2)),
               hint="Means and covariances over every row of each set, however many.")
    yield Case("x and y of different sizes (7 and 31 rows)", (_gauss(7, 3, 14, dtype=torch.float64),
                                                               _gauss(31, 3, 15, dtype=torch.float64)), hint=_COV)
    yield Case("float64, features of scale 10", (_gauss(50, 4, 16, dtype=torch.float64) * 10,
                                                  _gauss(45, 4, 17, dtype=torch.float64) * 10), hint=_DTYPE)


def _singular_cases():
    """Rank-deficient covariances: eigenvalues of 0 come out of eigh as +-1e-7 in float32, so two
    correct implementations differ by sqrt(1e-7) here; compared with a looser tolerance."""
    x, y = _gauss(40, 4, 20), _gauss(50, 4, 21, shift=1.0)
    x[:, 2], y[:, 2] = 0.0, 0.0
    yield Case("feature 2 is zero in every row of both sets (a dead ReLU): singular covariances", (x, y),
               hint=_CLAMP)
    yield Case("fewer rows than features (5 and 6 rows, 8 features): rank-deficient covariances",
               (_gauss(5, 8, 22), _gauss(6, 8, 23, shift=0.5)), hint=_CLAMP)
    same = _gauss(30, 3, 24)
    yield Case("the same set twice: the distance is 0 (up to round-off)", (same, same.clone()), hint=_CLAMP)
    flat = torch.full((10, 3), 0.25)
    yield Case("x is one point repeated (zero covariance)", (flat, _gauss(12, 3, 25)), hint=_CLAMP)


@st.composite
def _feature_sets(draw):
    d = draw(st.integers(1, 6))
    n = draw(st.one_of(st.integers(d + 2, 40), st.integers(513, 640)))
    m = draw(st.one_of(st.integers(d + 2, 40), st.integers(513, 640)))
    seed, shift = draw(st.integers(0, 9999)), draw(st.sampled_from([0.0, 0.5, 2.0]))
    return Case(f"random Gaussian samples: {n} and {m} rows, {d} features, mean shift {shift}, seed={seed}",
                (_gauss(n, d, seed), _gauss(m, d, seed + 1, shift=shift)))


register(Exercise(
    id="20.frechet_distance",
    title="frechet_distance(x, y): |mu1 - mu2|^2 + tr S1 + tr S2 - 2 tr (S1^(1/2) S2 S1^(1/2))^(1/2)",
    reference=frechet_distance,
    tests=[against_reference(frechet_distance, _fd_cases, rtol=1e-4, atol=1e-4),
           against_reference(frechet_distance, _singular_cases, rtol=1e-3, atol=2e-3),
           property_test(frechet_distance, _feature_sets(), rtol=1e-3, atol=1e-3),
           default_device_test(frechet_distance, _fd_cases, rtol=1e-4, atol=1e-4)],
    hint="Fit a Gaussian to each set (mean, covariance with N - 1), then the closed form; the trace term "
         "needs a matrix square root of a symmetric matrix (eigh).",
))


# ----------------------------------------------------------------------------- 20.dcgan_init
_WHICH = ("Every convolution and transposed convolution (any dimension: nn.modules.conv._ConvNd) and every "
          "nn.Linear: weight ~ N(0, std^2), bias 0. Every BatchNorm with affine=True (_BatchNorm): weight "
          "~ N(1, std^2), bias 0. Nothing else.")
_ORDER = ("Walk module.modules() in order (module.apply visits these layers in the same order) and draw "
          "each weight with ONE call, torch.randn(weight.shape, generator=generator, dtype=weight.dtype, "
          "device='cpu'), then scale by std, shift, and copy it in.")


_STD = "std is an argument: weights ~ N(0, std^2) and BatchNorm scales ~ N(1, std^2) with the std given."


class ConvBlock(nn.Module):
    """A container whose class name contains 'Conv' but which has no weight of its own."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.norm = nn.BatchNorm2d(c_out)


class _Zoo(nn.Module):
    """Every kind of layer: 1-D and 3-D convolutions, a transposed 1-D one, Linear with and
    without bias (one with 600 rows), BatchNorm1d, a BatchNorm without affine parameters,
    LayerNorm and Embedding (left alone), and a nested container named ConvBlock."""

    def __init__(self):
        super().__init__()
        self.block = ConvBlock(2, 3)
        self.c1 = nn.Conv1d(2, 4, 3)
        self.t1 = nn.ConvTranspose1d(4, 2, 3)
        self.c3 = nn.Conv3d(1, 2, 2, bias=False)
        self.bn1 = nn.BatchNorm1d(5)
        self.plain_bn = nn.BatchNorm2d(3, affine=False)
        self.wide = nn.Linear(7, 600)
        self.head = nn.Linear(600, 3, bias=False)
        self.ln = nn.LayerNorm(6)
        self.emb = nn.Embedding(5, 4)


def _pretrained(model: nn.Module, seed: int) -> nn.Module:
    """Every parameter and BatchNorm statistic moved away from PyTorch's defaults (as after
    training), so a bias left alone or a LayerNorm touched shows."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64).to(p.dtype) * 0.5 + 0.3)
        for m in model.modules():
            if isinstance(m, _BatchNorm) and m.running_mean is not None:
                m.running_mean.uniform_(-1, 1, generator=g)
                m.running_var.uniform_(0.5, 2, generator=g)
    return model


def _build(kind: str) -> nn.Module:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        if kind == "generator":
            return Generator(z_dim=8, width=6)
        if kind == "discriminator":
            return _pretrained(Discriminator(width=5), 1)
        if kind == "zoo":
            return _pretrained(_Zoo(), 2)
        if kind == "float64":
            return _pretrained(nn.Sequential(Generator(z_dim=4, width=3), Discriminator(width=3)), 3).double()
    raise ValueError(kind)


def _stats(t: torch.Tensor) -> str:
    t = t.detach().double()
    return f"mean {t.mean().item():.4g}, std {t.std().item() if t.numel() > 1 else 0.0:.4g}"


def _hint_for(name: str, module: nn.Module) -> str:
    layer = module.get_submodule(name.rsplit(".", 1)[0]) if "." in name else module
    kind = type(layer).__name__
    if isinstance(layer, _BatchNorm):
        return ("BatchNorm's scale starts near 1, N(1, std^2), and its shift at 0: a scale near 0 would "
                f"switch the layer's output off. ({kind})")
    if name.endswith("bias"):
        return f"Biases of convolutions and Linear layers start at 0. ({kind})"
    if isinstance(layer, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
        return f"A transposed convolution is a convolution too: the generator is made of them. ({kind})"
    if isinstance(layer, (nn.LayerNorm, nn.Embedding)):
        return f"Only convolutions, Linear and BatchNorm layers change; leave a {kind} alone."
    return f"{_WHICH} ({kind})"


def _compare_models(want: nn.Module, got: nn.Module, case: str, hint: str = "") -> Failure | None:
    got_state, want_state = got.state_dict(), want.state_dict()
    for name, w in want_state.items():
        if name not in got_state:
            return Failure(case, f"the model has no entry {name!r} any more (layers replaced?)",
                           hint="Change the layers' tensors in place; keep every layer.")
        t = got_state[name]
        if t.shape != w.shape or t.dtype != w.dtype:
            return Failure(case, f"{name!r} is now {tuple(t.shape)} {t.dtype}, expected {tuple(w.shape)} {w.dtype}",
                           hint="Keep each tensor's shape and dtype: draw in the parameter's dtype.")
        if not w.is_floating_point():
            if not torch.equal(t, w):
                return Failure(case, f"{name!r} changed: BatchNorm's counters stay as they are", hint=_WHICH)
            continue
        tol = dict(rtol=1e-9, atol=1e-12) if w.dtype == torch.float64 else dict(rtol=1e-5, atol=1e-7)
        if not torch.allclose(t, w, **tol):
            detail = f"expected {_stats(w)}, got {_stats(t)}"
            if "running" in name:
                return Failure(case, f"the BatchNorm statistic {name!r} changed ({detail})",
                               hint="Leave running statistics alone: only weights and biases are initialised.")
            t64, w64 = t.detach().double(), w.detach().double()
            spread = (t64.std() - w64.std()).abs() < 0.2 * w64.std() if w.numel() > 1 else True
            same_stats = bool(spread) and abs(t64.mean() - w64.mean()) < 0.01
            hint = hint or (_ORDER if same_stats else _hint_for(name, want))
            if same_stats and w.dtype == torch.float64:
                hint = "float64 parameters: draw in float64 (dtype=weight.dtype), not in float32 and cast. " + _ORDER
            return Failure(case, f"{name!r} differs from the reference ({detail})", hint=hint)
    return None


def _run(fn, model: nn.Module, case: str, **kwargs):
    """fn(model, **kwargs) -> (returned, None) or (None, Failure)."""
    try:
        return fn(model, **kwargs), None
    except Exception as exc:
        reason = raised(exc)  # NotAttempted for the exercise's own stub
        hint = ""
        if "leaf Variable" in str(exc):
            hint = "Parameters require gradients: change them inside `with torch.no_grad():`."
        elif "NoneType" in str(exc):
            hint = ("Not every layer has a weight or a bias: a BatchNorm with affine=False has neither, a "
                    "Linear with bias=False has no bias, a container has no weight.")
        elif "meta" in str(exc).lower():
            hint = "Draw with device='cpu' explicitly: the default device may be another one."
        return None, Failure(case, reason, hint=hint)


def _init_case(kind: str, seed: int, std: float | None = None, meta_default: bool = False):
    case = f"the {kind} model" + (f", std={std}" if std is not None else "") + f", generator seeded {seed}" + \
        (", with torch's default device set to 'meta'" if meta_default else "")
    kwargs = {} if std is None else {"std": std}

    def test(fn):
        model = _build(kind)
        want = dcgan_init(copy.deepcopy(model), generator=torch.Generator().manual_seed(seed), **kwargs)
        params = dict(model.named_parameters())
        flags = {n: p.requires_grad for n, p in params.items()}
        modes = {n: m.training for n, m in model.named_modules()}
        with torch.device("meta") if meta_default else _nothing():
            out, failure = _run(fn, model, case, generator=torch.Generator().manual_seed(seed), **kwargs)
        if failure:
            return failure
        if out is not model:
            return Failure(case, f"returned {type(out).__name__} object that is not the module given",
                           hint="Initialise the module in place and `return module` (not a copy).")
        for n, p in model.named_parameters():
            if n not in params or p is not params[n]:
                return Failure(case, f"parameter {n!r} was replaced by a new tensor",
                               hint="Copy the values into the existing parameter (p.copy_(...)) so an optimizer "
                                    "built earlier still holds it.")
            if p.requires_grad != flags[n]:
                return Failure(case, f"parameter {n!r} changed its requires_grad", hint=_WHICH)
        for n, m in model.named_modules():
            if m.training != modes[n]:
                return Failure(case, f"module {n!r} changed between train and eval mode", hint=_WHICH)
        return _compare_models(want, model, case, hint=_STD if std is not None else "")

    return test


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _generator_moves_on(fn):
    """Two models initialised one after the other with ONE generator, then generator=None."""
    case = "two generators initialised with one generator object, then one with generator=None"
    g_ref, g_got = torch.Generator().manual_seed(7), torch.Generator().manual_seed(7)
    for i in range(2):
        want = dcgan_init(_build("generator"), generator=g_ref)
        got = _build("generator")
        _, failure = _run(fn, got, case, generator=g_got)
        if failure:
            return failure
        failure = _compare_models(want, got, f"{case}: call {i + 1}")
        if failure:
            if i == 1:
                failure.hint = ("Each call draws NEW numbers from the generator it is given (do not copy or "
                                "re-seed it). " + _ORDER)
            return failure
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(4321)
        want = dcgan_init(_build("generator"))
        got = _build("generator")
        torch.manual_seed(4321)
        _, failure = _run(fn, got, case)
    if failure:
        return failure
    failure = _compare_models(want, got, f"{case}: generator=None after torch.manual_seed(4321)")
    if failure:
        failure.hint = "With generator=None draw from torch's global generator (pass generator=None on to randn)."
    return failure


register(Exercise(
    id="20.dcgan_init",
    title="dcgan_init(module, std=0.02, generator=None): conv and Linear weights N(0, std^2), "
          "BatchNorm scales N(1, std^2), biases 0",
    reference=dcgan_init,
    tests=[_init_case("generator", 0), _init_case("discriminator", 1), _init_case("zoo", 2),
           _init_case("generator", 3, std=0.1), _init_case("float64", 4), _generator_moves_on,
           _init_case("discriminator", 5, meta_default=True)],
    hint=_WHICH + " " + _ORDER,
))
