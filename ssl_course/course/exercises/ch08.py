"""Chapter 08: freezing a pretrained encoder, and the optimizer's parameter groups for fine-tuning.

Both exercises take modules, not tensors, so each case builds a fresh model, calls the learner's
function on it and tests one rule of the specification, with a hint about that rule.
"""
from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from ...transfer.finetune import freeze, param_groups
from ..checks import Exercise, Failure, NotAttempted, register

_SAME_OBJECT = "freeze changes the module in place and returns it: `return module`, not a copy."


def _call(fn: Callable, case: str, *args, hint: str = ""):
    """fn(*args), or a Failure naming the case: (result, None) or (None, Failure)."""
    try:
        return fn(*args), None
    except NotImplementedError as exc:
        raise NotAttempted(str(exc)) from None
    except Exception as exc:  # the learner's bug becomes a one-line failure
        return None, Failure(case, f"raised {type(exc).__name__}: {_first_line(exc)}", hint=hint)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0]


# ----------------------------------------------------------------------------- 08.freeze
class _Block(nn.Module):
    """Conv - BatchNorm2d - ReLU - Dropout, nested one level deeper than the encoder."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.inner = nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU())
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.drop(self.inner(x))


class _Encoder(nn.Module):
    """Two nested conv blocks, a pool, then Linear - BatchNorm1d: BatchNorm at depths 3 and 1."""

    def __init__(self, dtype=torch.float32):
        super().__init__()
        self.blocks = nn.Sequential(_Block(1, 4), _Block(4, 6))
        self.proj = nn.Sequential(nn.Linear(6, 5), nn.BatchNorm1d(5))
        self.to(dtype)

    def forward(self, x):
        return self.proj(self.blocks(x).mean(dim=(2, 3)))


class _Model(nn.Module):
    """A pretrained encoder and a new head: freeze(model.encoder) must leave the head alone."""

    def __init__(self, seed: int = 0, dtype=torch.float32):
        super().__init__()
        torch.manual_seed(seed)
        self.encoder, self.head = _Encoder(dtype), nn.Sequential(nn.Linear(5, 3), nn.BatchNorm1d(3)).to(dtype)
        # Non-trivial running statistics, as a pretrained encoder has.
        for m in self.modules():
            if isinstance(m, _BatchNorm):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)

    def forward(self, x):
        return self.head(self.encoder(x))


def _batch(seed: int, dtype=torch.float32, n: int = 8):
    g = torch.Generator().manual_seed(seed)
    return 3 + 2 * torch.randn(n, 1, 6, 5, generator=g, dtype=torch.float64).to(dtype)  # non-square images


def _snapshot(module: nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _changed(before: dict, module: nn.Module) -> str | None:
    """The first state_dict entry of `module` that differs from `before`, or None."""
    for k, v in module.state_dict().items():
        if not torch.equal(before[k], v):
            return k
    return None


def _train_steps(model: _Model, seed: int, steps: int = 3, dtype=torch.float32) -> None:
    """A training loop as the learner would write it: model.train() then SGD on every parameter
    that requires a gradient."""
    model.train()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    for s in range(steps):
        out = model(_batch(seed + s, dtype))
        loss = out.pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()


def _freeze_returns_module(fn):
    model = _Model(1)
    out, failure = _call(fn, "freeze(model.encoder)", model.encoder)
    if failure:
        return failure
    if out is not model.encoder:
        return Failure("freeze(model.encoder)", f"returned {type(out).__name__} object that is not the module given",
                       hint=_SAME_OBJECT)
    if [n for n, _ in model.named_modules()] != [n for n, _ in _Model(1).named_modules()]:
        return Failure("freeze(model.encoder)", "the model's submodules changed (layers replaced or added)",
                       hint="Keep every layer object: change flags and modes, do not swap BatchNorm for another class.")
    return None


def _freeze_no_grad(fn):
    case = "every encoder parameter, at every depth, after freeze(model.encoder)"
    model = _Model(2)
    params = {n: p for n, p in model.encoder.named_parameters()}
    _, failure = _call(fn, case, model.encoder)
    if failure:
        return failure
    for n, p in model.encoder.named_parameters():
        if p.requires_grad:
            return Failure(case, f"encoder parameter {n!r} still has requires_grad=True",
                           hint="module.parameters() walks every depth; set requires_grad on each one.")
        if p is not params[n]:
            return Failure(case, f"encoder parameter {n!r} was replaced by a new tensor",
                           hint="Change the parameters in place (p.requires_grad_(False)); an optimizer or a "
                                "tied layer holding the old object would not see a new one.")
    for n, p in model.head.named_parameters():
        if not p.requires_grad:
            return Failure(case, f"head parameter {n!r} was frozen too: only the module given is frozen",
                           hint="Freeze the module you are given, nothing outside it.")
    return None


def _freeze_training_loop(dtype, seed: int):
    case = (f"freeze(model.encoder), then model.train() and 3 SGD steps on the head ({str(dtype)[6:]} model)")

    def test(fn):
        model = _Model(seed, dtype)
        _, failure = _call(fn, case, model.encoder)
        if failure:
            return failure
        before, head_before = _snapshot(model.encoder), _snapshot(model.head)
        try:
            _train_steps(model, seed, dtype=dtype)
        except Exception as exc:
            return Failure(case, f"the training loop raised {type(exc).__name__}: {_first_line(exc)}")
        key = _changed(before, model.encoder)
        if key is not None:
            kind = "BatchNorm statistic" if "running" in key or "num_batches" in key else "parameter"
            return Failure(case, f"the frozen encoder's {kind} {key!r} changed during training",
                           hint=("model.train() switched the encoder's BatchNorm layers back to train mode: "
                                 "they must stay in eval mode after a later .train() (a forward pre-hook "
                                 "can set it before every call).") if kind != "parameter" else
                           "A frozen parameter gets no gradient: requires_grad=False on each one.")
        if _changed(head_before, model.head) is None:
            return Failure(case, "the head did not train: only the module given is frozen",
                           hint="Freeze the module you are given, nothing outside it.")
        for n, m in model.encoder.named_modules():
            if isinstance(m, _BatchNorm) and m.training:
                return Failure(case, f"encoder BatchNorm {n!r} is in train mode after a forward pass in "
                                     "model.train()", hint="A frozen BatchNorm runs in eval mode whenever it runs.")
        return None

    return test


def _freeze_output_uses_running_stats(fn):
    case = "the frozen encoder's output in model.train() equals its output in eval mode"
    model = _Model(4)
    _, failure = _call(fn, case, model.encoder)
    if failure:
        return failure
    x = _batch(40)
    model.train()
    ref = _Model(4)
    freeze(ref.encoder)
    ref.eval()
    model.encoder.blocks[0].drop.p = model.encoder.blocks[1].drop.p = 0.0  # compare BatchNorm only
    ref.encoder.blocks[0].drop.p = ref.encoder.blocks[1].drop.p = 0.0
    with torch.no_grad():
        train_out, want = model.encoder(x), ref.encoder(x)
    if not torch.allclose(train_out, want, rtol=1e-5, atol=1e-6):
        return Failure(case, f"in train mode the frozen encoder's output differs from the eval-mode output by up to "
                             f"{(train_out - want).abs().max().item():.3g}: its BatchNorm layers normalise with the "
                             "batch's statistics",
                       hint="Setting momentum to 0 keeps the running statistics but still normalises with the batch's: "
                            "a frozen BatchNorm must run in eval mode.")
    return None


def _freeze_other_modules_untouched(fn):
    case = "Dropout inside the frozen encoder still follows train() and eval()"
    model = _Model(5)
    _, failure = _call(fn, case, model.encoder)
    if failure:
        return failure
    model.train()
    drops = [n for n, m in model.encoder.named_modules() if isinstance(m, nn.Dropout) and not m.training]
    if drops:
        return Failure(case, f"after model.train(), Dropout {drops[0]!r} of the frozen encoder is in eval mode",
                       hint="Only BatchNorm layers are pinned to eval mode; every other layer keeps following "
                            "train() and eval().")
    model.eval()
    if model.head.training or model.encoder.training:
        return Failure(case, "model.eval() no longer puts the model in eval mode")
    return None


def _freeze_top_level_batchnorm(fn):
    case = "freeze(nn.BatchNorm1d(4)) alone, then .train() and a forward pass"
    bn = nn.BatchNorm1d(4)
    bn.running_mean.fill_(0.5)
    out, failure = _call(fn, case, bn)
    if failure:
        return failure
    if out is not bn:
        return Failure(case, "did not return the module given", hint=_SAME_OBJECT)
    bn.train()
    before = _snapshot(bn)
    with torch.no_grad():
        bn(torch.randn(6, 4, generator=torch.Generator().manual_seed(6)) + 2)
    key = _changed(before, bn)
    if key is not None:
        return Failure(case, f"{key!r} changed: a BatchNorm given directly must be frozen too",
                       hint="module.modules() includes the module itself.")
    return None


def _freeze_twice_and_copy(fn):
    case = "freeze twice, then deepcopy the model, train the copy"
    model = _Model(7)
    for _ in range(2):
        _, failure = _call(fn, case, model.encoder)
        if failure:
            return failure
    twin = copy.deepcopy(model)
    before = _snapshot(twin.encoder)
    try:
        _train_steps(twin, 70)
    except Exception as exc:
        return Failure(case, f"the training loop raised {type(exc).__name__}: {_first_line(exc)}")
    key = _changed(before, twin.encoder)
    if key is not None:
        return Failure(case, f"in a deep copy of a frozen model, {key!r} changed during training",
                       hint="A hook that closes over the original layer acts on the original, not on the copy: "
                            "use the module the hook is called with.")
    return None


register(Exercise(
    id="08.freeze",
    title="freeze(module): no gradient, and BatchNorm statistics that never move, even after .train()",
    reference=freeze,
    tests=[_freeze_returns_module, _freeze_no_grad, _freeze_training_loop(torch.float32, 3),
           _freeze_training_loop(torch.float64, 8), _freeze_output_uses_running_stats,
           _freeze_other_modules_untouched, _freeze_top_level_batchnorm, _freeze_twice_and_copy],
    hint="Two things change in a frozen module: its parameters' requires_grad, and its BatchNorm layers' "
         "mode, which a later .train() must not undo.",
))


# ----------------------------------------------------------------------------- 08.param_groups
KEYS = ("params", "lr", "weight_decay")
_RULE = ("No weight decay on a parameter with fewer than 2 dimensions: biases and every normalisation layer's "
         "scale and shift (BatchNorm, LayerNorm), whatever its name.")


class _Net(nn.Module):
    """A small backbone with every kind of parameter: conv without bias, BatchNorm, LayerNorm,
    Linear with bias, and a bare nn.Parameter."""

    def __init__(self, dtype=torch.float32, device=None):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 4, 3, bias=False), nn.BatchNorm2d(4), nn.ReLU())
        self.mid = nn.Sequential(nn.Linear(4, 6), nn.LayerNorm(6), nn.GELU(), nn.Linear(6, 6))
        self.scale = nn.Parameter(torch.ones(6))
        self.to(dtype=dtype, device=device)


def _pg_model(kind: str):
    """(backbone, head, names) for a case: names maps id(parameter) -> 'backbone.x' / 'head.y'."""
    torch.manual_seed(0)
    dtype = torch.float64 if kind == "float64" else torch.float32
    dev = "meta" if kind == "meta" else None
    if kind == "deep":  # 600 parameter tensors: order must survive
        backbone = nn.Sequential(*[nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)) for _ in range(150)])
    else:
        backbone = _Net(dtype, dev)
    head = nn.Sequential(nn.Linear(6, 12), nn.BatchNorm1d(12), nn.Linear(12, 10)).to(dtype=dtype, device=dev)
    if kind == "frozen backbone":
        freeze(backbone)
    if kind == "partly frozen":
        for p in backbone.stem.parameters():
            p.requires_grad_(False)
    if kind == "tied":  # the head's last layer shares its weight with the backbone's
        head[2] = nn.Linear(12, 10)
        backbone.tied = nn.Linear(12, 10, bias=False)
        head[2].weight = backbone.tied.weight
    names = {}
    for prefix, m in (("head", head), ("backbone", backbone)):  # backbone last: a shared one is named there
        for n, p in m.named_parameters():
            names[id(p)] = f"{prefix}.{n}"
    return backbone, head, names


_PG_CASES = [
    ("a backbone and a head, lr 1e-4 and 1e-2, weight decay 0.05", "plain", (1e-4, 1e-2, 0.05),
     "Four groups in the documented order: backbone decayed, backbone not decayed, head decayed, head not decayed."),
    ("backbone_lr 0.3, head_lr 0.02, weight decay 1e-3 (every argument moves)", "plain", (0.3, 0.02, 1e-3),
     "Each group's lr comes from backbone_lr or head_lr, its weight_decay from weight_decay (or 0.0)."),
    ("weight decay 0: the decayed groups get 0.0 too", "plain", (1e-3, 1e-2, 0.0),
     "Keep the groups even when weight_decay is 0; their weight_decay is then 0.0."),
    ("a frozen backbone (a linear probe): no backbone group", "frozen backbone", (1e-3, 1e-2, 0.05),
     "Parameters with requires_grad=False are left out, and an empty group is omitted."),
    ("the stem of the backbone frozen", "partly frozen", (1e-3, 1e-2, 0.05),
     "Parameters with requires_grad=False are left out."),
    ("a weight shared by the backbone and the head (tied)", "tied", (1e-3, 1e-2, 0.05),
     "Every parameter exactly once: a shared one belongs to the backbone (torch refuses a parameter in two groups)."),
    ("150 blocks, 600 parameter tensors (more than a 512 chunk)", "deep", (1e-3, 1e-2, 0.05),
     "Within a group keep the order of named_parameters(), however many there are (a set loses the order)."),
    ("a float64 model", "float64", (1e-3, 1e-2, 0.05), ""),
    ("a model on the meta device", "meta", (1e-3, 1e-2, 0.05),
     "Decide from the parameters' shapes, not their values; create no tensor."),
]


def _describe_groups(groups, names) -> list[tuple]:
    return [(tuple(names.get(id(p), "<a tensor not in the model>") for p in g["params"]), g["lr"], g["weight_decay"])
            for g in groups]


def _pg_test(fn):
    for case, kind, (blr, hlr, wd), hint in _PG_CASES:
        backbone, head, names = _pg_model(kind)
        want = _describe_groups(param_groups(backbone, head, blr, hlr, wd), names)
        flags = {id(p): p.requires_grad for m in (backbone, head) for p in m.parameters()}
        got, failure = _call(fn, case, backbone, head, blr, hlr, wd, hint=hint)
        if failure:
            return failure
        if any(p.requires_grad != flags[id(p)] for m in (backbone, head) for p in m.parameters()):
            return Failure(case, "changed a parameter's requires_grad: param_groups only reads the model")
        reason = _pg_structure(got, names) or _pg_compare(want, _describe_groups(got, names))
        if reason:
            return Failure(case, reason, hint=hint or _RULE)
    return None


def _pg_structure(got, names) -> str | None:
    if not isinstance(got, list) or not all(isinstance(g, dict) for g in got):
        return f"expected a list of dicts, got {type(got).__name__}"
    for i, g in enumerate(got):
        if set(g) != set(KEYS):
            return f"group {i} has the keys {sorted(g)}, expected exactly {list(KEYS)}"
        if not isinstance(g["params"], list) or not g["params"]:
            return f"group {i}'s params must be a non-empty list of parameters"
        for key in ("lr", "weight_decay"):
            if isinstance(g[key], bool) or not isinstance(g[key], float):
                return f"group {i}'s {key} must be a float, got {type(g[key]).__name__}"
    seen: dict[int, int] = {}
    for i, g in enumerate(got):
        for p in g["params"]:
            if id(p) in seen:
                return f"parameter {names.get(id(p), '?')!r} appears in groups {seen[id(p)]} and {i}"
            seen[id(p)] = i
    return None


def _pg_compare(want, got) -> str | None:
    wanted = {n for params, _, _ in want for n in params}
    listed = {n for params, _, _ in got for n in params}
    if wanted - listed:
        return f"parameter {sorted(wanted - listed)[0]!r} is in no group"
    if listed - wanted:
        extra = sorted(listed - wanted)[0]
        return f"parameter {extra!r} should be in no group (frozen, or not part of the model)"
    if len(got) != len(want):
        return f"expected {len(want)} groups, got {len(got)}"
    for i, ((wp, wlr, wwd), (gp, glr, gwd)) in enumerate(zip(want, got)):
        if set(wp) != set(gp):
            moved = sorted(set(wp) ^ set(gp))[0]
            return f"group {i} should be {_label(wp, wwd)}; parameter {moved!r} is in the wrong group"
        if wp != gp:
            return f"group {i} holds the right parameters in the wrong order (expected named_parameters() order)"
        if glr != wlr:
            return f"group {i} ({_label(wp, wwd)}): expected lr {wlr:g}, got {glr:g}"
        if gwd != wwd:
            return f"group {i} ({_label(wp, wwd)}): expected weight_decay {wwd:g}, got {gwd:g}"
    return None


def _label(params, wd) -> str:
    where = "the head" if params and params[0].startswith("head.") else "the backbone"
    return f"{where}'s {'decayed' if wd else 'not-decayed (or weight_decay 0)'} parameters"


register(Exercise(
    id="08.param_groups",
    title="param_groups(backbone, head, backbone_lr, head_lr, weight_decay): two learning rates, no decay on "
          "biases and norms",
    reference=param_groups,
    tests=[_pg_test],
    hint="List each group the failing case should have (which parameters, which lr, which weight_decay) and "
         "compare with yours. " + _RULE,
))
