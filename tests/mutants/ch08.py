"""Known-wrong implementations for chapter 08."""
from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from . import mutant


# --------------------------------------------------------------------------- 08.freeze
def _eval_hook(module, args):
    module.eval()  # returns None: a pre-hook that returned the module would replace the input


@mutant("08.freeze", "common wrong answer: requires_grad=False only (BatchNorm statistics still move in train mode)")
def _grad_only(module):
    for p in module.parameters():
        p.requires_grad = False
    return module


@mutant("08.freeze", "eval() only (the weights still get gradients, and a later .train() undoes it)")
def _eval_only(module):
    return module.eval()


@mutant("08.freeze", "requires_grad=False and eval(), undone by a later model.train()")
def _eval_and_grad(module):
    for p in module.parameters():
        p.requires_grad = False
    return module.eval()


@mutant("08.freeze", "direct parameters only (parameters(recurse=False)): nested layers still train")
def _not_recursive(module):
    for p in module.parameters(recurse=False):
        p.requires_grad = False
    for m in module.modules():
        if isinstance(m, _BatchNorm):
            m.register_forward_pre_hook(_eval_hook)
    return module


@mutant("08.freeze", "BatchNorm2d only: BatchNorm1d layers keep updating their statistics")
def _bn2d_only(module):
    for p in module.parameters():
        p.requires_grad = False
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.register_forward_pre_hook(_eval_hook)
    return module


@mutant("08.freeze", "BatchNorm momentum set to 0: statistics kept, but each batch still normalised by its own")
def _momentum_zero(module):
    for p in module.parameters():
        p.requires_grad = False
    for m in module.modules():
        if isinstance(m, _BatchNorm):
            m.momentum = 0.0
    return module


@mutant("08.freeze", "every submodule pinned to eval, Dropout included")
def _all_eval(module):
    for p in module.parameters():
        p.requires_grad = False
    for m in module.modules():
        m.register_forward_pre_hook(_eval_hook)
    module.train = lambda mode=True: module  # ignores train() altogether
    module.eval()
    return module


@mutant("08.freeze", "returns a frozen deep copy; the module given is unchanged")
def _copy(module):
    from ssl_course.transfer.finetune import freeze
    return freeze(copy.deepcopy(module))


@mutant("08.freeze", "replaces each parameter with a new float32 CPU tensor")
def _new_params(module):
    for m in module.modules():
        for name, p in list(m.named_parameters(recurse=False)):
            setattr(m, name, nn.Parameter(p.detach().float().cpu(), requires_grad=False))
        if isinstance(m, _BatchNorm):
            m.register_forward_pre_hook(_eval_hook)
    return module


@mutant("08.freeze", "a hook that closes over the layer it was made for (a deep copy still trains)")
def _closure_hook(module):
    for p in module.parameters():
        p.requires_grad = False
    for m in module.modules():
        if isinstance(m, _BatchNorm):
            m.eval()
            m.register_forward_pre_hook(lambda mod, args, layer=m: _eval_hook(layer, args))
    return module


@mutant("08.freeze", "only the children's BatchNorm layers (a BatchNorm given directly is not frozen)")
def _children_only(module):
    for p in module.parameters():
        p.requires_grad = False
    for m in list(module.modules())[1:]:
        if isinstance(m, _BatchNorm):
            m.register_forward_pre_hook(_eval_hook)
    return module


# --------------------------------------------------------------------------- 08.param_groups
def _split(module, lr, wd, no_decay=lambda n, p: p.ndim < 2, keep=lambda p: p.requires_grad):
    params = [(n, p) for n, p in module.named_parameters() if keep(p)]
    decay = [p for n, p in params if not no_decay(n, p)]
    plain = [p for n, p in params if no_decay(n, p)]
    return [{"params": ps, "lr": float(lr), "weight_decay": w} for ps, w in ((decay, float(wd)), (plain, 0.0)) if ps]


@mutant("08.param_groups", "common wrong answer: one group of model.parameters() (one lr, decay on biases, "
                           "frozen ones included)")
def _one_group(backbone, head, backbone_lr, head_lr, weight_decay):
    params = list(nn.ModuleList([backbone, head]).parameters())
    return [{"params": params, "lr": float(head_lr), "weight_decay": float(weight_decay)}]


@mutant("08.param_groups", "no decay by name: only names ending in 'bias' (norm scales decayed)")
def _by_name(backbone, head, backbone_lr, head_lr, weight_decay):
    rule = lambda n, p: n.endswith("bias")
    return _split(backbone, backbone_lr, weight_decay, rule) + _split(head, head_lr, weight_decay, rule)


@mutant("08.param_groups", "decay on everything: two groups, one per learning rate")
def _decay_all(backbone, head, backbone_lr, head_lr, weight_decay):
    return [{"params": [p for p in m.parameters() if p.requires_grad], "lr": float(lr),
             "weight_decay": float(weight_decay)} for m, lr in ((backbone, backbone_lr), (head, head_lr))]


@mutant("08.param_groups", "frozen parameters included")
def _with_frozen(backbone, head, backbone_lr, head_lr, weight_decay):
    keep = lambda p: True
    return (_split(backbone, backbone_lr, weight_decay, keep=keep)
            + _split(head, head_lr, weight_decay, keep=keep))


@mutant("08.param_groups", "backbone_lr and head_lr swapped")
def _swapped(backbone, head, backbone_lr, head_lr, weight_decay):
    return _split(backbone, head_lr, weight_decay) + _split(head, backbone_lr, weight_decay)


@mutant("08.param_groups", "weight_decay ignored: a fixed 1e-4")
def _fixed_wd(backbone, head, backbone_lr, head_lr, weight_decay):
    return _split(backbone, backbone_lr, 1e-4) + _split(head, head_lr, 1e-4)


@mutant("08.param_groups", "a tied weight listed twice (in the backbone's and the head's group)")
def _tied_twice(backbone, head, backbone_lr, head_lr, weight_decay):
    return _split(backbone, backbone_lr, weight_decay) + _split(head, head_lr, weight_decay)


@mutant("08.param_groups", "deduplicated with a set: parameters in arbitrary order")
def _set_order(backbone, head, backbone_lr, head_lr, weight_decay):
    from ssl_course.transfer.finetune import param_groups
    groups = param_groups(backbone, head, backbone_lr, head_lr, weight_decay)
    for g in groups:
        g["params"] = sorted(set(g["params"]), key=id)  # a set has no order; sorting by address is arbitrary
    return groups


@mutant("08.param_groups", "empty groups kept (a frozen backbone gives two empty groups)")
def _empty_kept(backbone, head, backbone_lr, head_lr, weight_decay):
    out = []
    for m, lr in ((backbone, backbone_lr), (head, head_lr)):
        params = [p for p in m.parameters() if p.requires_grad]
        out += [{"params": [p for p in params if p.ndim >= 2], "lr": float(lr), "weight_decay": float(weight_decay)},
                {"params": [p for p in params if p.ndim < 2], "lr": float(lr), "weight_decay": 0.0}]
    return out


@mutant("08.param_groups", "no-decay groups first")
def _order_of_groups(backbone, head, backbone_lr, head_lr, weight_decay):
    out = []
    for m, lr in ((backbone, backbone_lr), (head, head_lr)):
        out += _split(m, lr, weight_decay)[::-1]
    return out


@mutant("08.param_groups", "no decay decided from the values (all ones or zeros), not the shape")
def _by_value(backbone, head, backbone_lr, head_lr, weight_decay):
    rule = lambda n, p: bool(((p == 0) | (p == 1)).all())
    return _split(backbone, backbone_lr, weight_decay, rule) + _split(head, head_lr, weight_decay, rule)


@mutant("08.param_groups", "lr stored as a tensor")
def _tensor_lr(backbone, head, backbone_lr, head_lr, weight_decay):
    groups = _split(backbone, backbone_lr, weight_decay) + _split(head, head_lr, weight_decay)
    for g in groups:
        g["lr"] = torch.tensor(g["lr"])
    return groups
