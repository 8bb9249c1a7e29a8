"""Known-wrong implementations for chapter 23."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import mutant


def _c(regression, like):
    return 1.0 - 0.5 * regression.to(device=like.device, dtype=like.dtype)


# --------------------------------------------------------------------------- 23.uncertainty_weighting
@mutant("23.uncertainty_weighting", "common wrong answer: the seed's plain sum of the losses, no learned weights")
def _uw_plain_sum(losses, log_vars, regression):
    return losses.sum()


@mutant("23.uncertainty_weighting", "exp(-s) L + s for every task (the popular form, no 1/2 anywhere)")
def _uw_popular(losses, log_vars, regression):
    return (torch.exp(-log_vars) * losses + log_vars).sum()


@mutant("23.uncertainty_weighting", "the regression flags ignored: c = 1 for every task")
def _uw_no_regression(losses, log_vars, regression):
    return (torch.exp(-log_vars) * losses + 0.5 * log_vars).sum()


@mutant("23.uncertainty_weighting", "the regression flags inverted: c = 1/2 for classification")
def _uw_inverted(losses, log_vars, regression):
    c = 0.5 + 0.5 * regression.to(device=losses.device, dtype=losses.dtype)
    return (c * torch.exp(-log_vars) * losses + 0.5 * log_vars).sum()


@mutant("23.uncertainty_weighting", "exp(+s): the variance multiplies the loss instead of dividing it")
def _uw_sign(losses, log_vars, regression):
    return (_c(regression, losses) * torch.exp(log_vars) * losses + 0.5 * log_vars).sum()


@mutant("23.uncertainty_weighting", "log_vars read as log sigma: exp(-2s) L + s")
def _uw_log_sigma(losses, log_vars, regression):
    return (_c(regression, losses) * torch.exp(-2 * log_vars) * losses + log_vars).sum()


@mutant("23.uncertainty_weighting", "no regulariser: the weights can grow to infinity")
def _uw_no_reg(losses, log_vars, regression):
    return (_c(regression, losses) * torch.exp(-log_vars) * losses).sum()


@mutant("23.uncertainty_weighting", "the mean over tasks instead of the sum")
def _uw_mean(losses, log_vars, regression):
    return (_c(regression, losses) * torch.exp(-log_vars) * losses + 0.5 * log_vars).mean()


@mutant("23.uncertainty_weighting", "the weights detached: no gradient reaches log_vars through the loss term")
def _uw_detached(losses, log_vars, regression):
    return (_c(regression, losses) * torch.exp(-log_vars).detach() * losses + 0.5 * log_vars).sum()


@mutant("23.uncertainty_weighting", "computes in float32 and casts back")
def _uw_float32(losses, log_vars, regression):
    lo, lv = losses.float(), log_vars.float()
    return (_c(regression, lo) * torch.exp(-lv) * lo + 0.5 * lv).sum().to(losses.dtype)


@mutant("23.uncertainty_weighting", "the factors built with torch.tensor on the default device")
def _uw_default_device(losses, log_vars, regression):
    c = torch.where(regression, torch.tensor(0.5, dtype=losses.dtype), torch.tensor(1.0, dtype=losses.dtype))
    return (c * torch.exp(-log_vars) * losses + 0.5 * log_vars).sum()


@mutant("23.uncertainty_weighting", "only the first 512 tasks summed")
def _uw_chunk(losses, log_vars, regression):
    losses, log_vars, regression = losses[:512], log_vars[:512], regression[:512]
    return (_c(regression, losses) * torch.exp(-log_vars) * losses + 0.5 * log_vars).sum()


@mutant("23.uncertainty_weighting", "scales the losses in place")
def _uw_in_place(losses, log_vars, regression):
    return (losses.mul_(_c(regression, losses) * torch.exp(-log_vars)) + 0.5 * log_vars).sum()


# --------------------------------------------------------------------------- 23.grad_cosine
def _flat(grads, params):
    return torch.cat([(g if g is not None else torch.zeros_like(p)).reshape(-1) for g, p in zip(grads, params)])


def _grads(loss, params, retain=True):
    return torch.autograd.grad(loss, params, retain_graph=retain, allow_unused=True)


@mutant("23.grad_cosine", "common wrong answer: loss_a.backward() then loss_b.backward(), reading .grad "
                          "(the second reading is g_a + g_b)")
def _gc_backward(loss_a, loss_b, params, eps=1e-8):
    params = list(params)
    loss_a.backward(retain_graph=True)
    a = _flat([p.grad.clone() if p.grad is not None else None for p in params], params)
    loss_b.backward(retain_graph=True)
    b = _flat([p.grad for p in params], params)
    return F.cosine_similarity(a, b, dim=0, eps=eps)


@mutant("23.grad_cosine", "backward() with .grad zeroed in between: the right number, the caller's .grad lost")
def _gc_backward_zeroed(loss_a, loss_b, params, eps=1e-8):
    params = list(params)
    for p in params:
        p.grad = None
    loss_a.backward(retain_graph=True)
    a = _flat([p.grad.clone() if p.grad is not None else None for p in params], params)
    for p in params:
        p.grad = None
    loss_b.backward(retain_graph=True)
    b = _flat([p.grad for p in params], params)
    for p in params:
        p.grad = None
    return F.cosine_similarity(a, b, dim=0, eps=eps)


@mutant("23.grad_cosine", "the mean of one cosine per parameter tensor")
def _gc_per_param(loss_a, loss_b, params, eps=1e-8):
    params = list(params)
    ga, gb = _grads(loss_a, params), _grads(loss_b, params)
    cos = [F.cosine_similarity(_flat([a], [p]), _flat([b], [p]), dim=0, eps=eps) for a, b, p in zip(ga, gb, params)]
    return torch.stack(cos).mean()


@mutant("23.grad_cosine", "the first parameter tensor only")
def _gc_first(loss_a, loss_b, params, eps=1e-8):
    params = list(params)[:1]
    return F.cosine_similarity(_flat(_grads(loss_a, params), params), _flat(_grads(loss_b, params), params),
                               dim=0, eps=eps)


@mutant("23.grad_cosine", "the dot product, not normalised")
def _gc_dot(loss_a, loss_b, params, eps=1e-8):
    params = list(params)
    return _flat(_grads(loss_a, params), params) @ _flat(_grads(loss_b, params), params)


@mutant("23.grad_cosine", "no eps: 0 / 0 = NaN for a zero gradient")
def _gc_no_eps(loss_a, loss_b, params, eps=1e-8):
    params = list(params)
    a, b = _flat(_grads(loss_a, params), params), _flat(_grads(loss_b, params), params)
    return (a @ b) / (a.norm() * b.norm())


@mutant("23.grad_cosine", "eps clamps the product of the lengths, not each length")
def _gc_eps_product(loss_a, loss_b, params, eps=1e-8):
    params = list(params)
    a, b = _flat(_grads(loss_a, params), params), _flat(_grads(loss_b, params), params)
    return (a @ b) / (a.norm() * b.norm()).clamp_min(eps)


@mutant("23.grad_cosine", "the eps argument ignored")
def _gc_eps_ignored(loss_a, loss_b, params, eps=1e-8):
    params = list(params)
    return F.cosine_similarity(_flat(_grads(loss_a, params), params), _flat(_grads(loss_b, params), params),
                               dim=0, eps=1e-8)


@mutant("23.grad_cosine", "parameters that one loss does not reach dropped from both gradients")
def _gc_drop_unused(loss_a, loss_b, params, eps=1e-8):
    params = list(params)
    ga, gb = _grads(loss_a, params), _grads(loss_b, params)
    keep = [i for i in range(len(params)) if ga[i] is not None and gb[i] is not None]
    a = torch.cat([ga[i].reshape(-1) for i in keep])
    b = torch.cat([gb[i].reshape(-1) for i in keep])
    return F.cosine_similarity(a, b, dim=0, eps=eps)


@mutant("23.grad_cosine", "no allow_unused: fails on a parameter one loss does not reach")
def _gc_no_allow_unused(loss_a, loss_b, params, eps=1e-8):
    params = list(params)
    a = torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss_a, params, retain_graph=True)])
    b = torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss_b, params, retain_graph=True)])
    return F.cosine_similarity(a, b, dim=0, eps=eps)


@mutant("23.grad_cosine", "the graph freed by the second gradient: the caller cannot backpropagate")
def _gc_no_retain(loss_a, loss_b, params, eps=1e-8):
    params = list(params)
    a = _flat(_grads(loss_a, params), params)
    b = _flat(_grads(loss_b, params, retain=False), params)
    return F.cosine_similarity(a, b, dim=0, eps=eps)


@mutant("23.grad_cosine", "params iterated twice (a generator is empty the second time)")
def _gc_iterated_twice(loss_a, loss_b, params, eps=1e-8):
    ga = torch.autograd.grad(loss_a, list(params), retain_graph=True, allow_unused=True)
    plist = list(params)
    gb = torch.autograd.grad(loss_b, plist, retain_graph=True, allow_unused=True)
    return F.cosine_similarity(_flat(ga, plist), _flat(gb, plist), dim=0, eps=eps)


@mutant("23.grad_cosine", "computes in float32 and casts back")
def _gc_float32(loss_a, loss_b, params, eps=1e-8):
    params = list(params)
    a, b = _flat(_grads(loss_a, params), params), _flat(_grads(loss_b, params), params)
    return F.cosine_similarity(a.float(), b.float(), dim=0, eps=eps).to(a.dtype)


@mutant("23.grad_cosine", "the zeros for an unreached parameter built on the default device")
def _gc_default_device(loss_a, loss_b, params, eps=1e-8):
    params = list(params)

    def flat(grads):
        return torch.cat([(g if g is not None else torch.zeros(p.numel(), dtype=p.dtype)).reshape(-1)
                          for g, p in zip(grads, params)])

    return F.cosine_similarity(flat(_grads(loss_a, params)), flat(_grads(loss_b, params)), dim=0, eps=eps)


@mutant("23.grad_cosine", "only the first 512 entries of the flattened gradients")
def _gc_chunk(loss_a, loss_b, params, eps=1e-8):
    params = list(params)
    a, b = _flat(_grads(loss_a, params), params), _flat(_grads(loss_b, params), params)
    return F.cosine_similarity(a[:512], b[:512], dim=0, eps=eps)


@mutant("23.grad_cosine", "create_graph=True: the cosine returned with a graph attached")
def _gc_graph(loss_a, loss_b, params, eps=1e-8):
    params = list(params)
    ga = torch.autograd.grad(loss_a, params, retain_graph=True, allow_unused=True, create_graph=True)
    gb = torch.autograd.grad(loss_b, params, retain_graph=True, allow_unused=True, create_graph=True)
    return F.cosine_similarity(_flat(ga, params), _flat(gb, params), dim=0, eps=eps)


@mutant("23.grad_cosine", "returns a Python float (.item())")
def _gc_item(loss_a, loss_b, params, eps=1e-8):
    params = list(params)
    return F.cosine_similarity(_flat(_grads(loss_a, params), params), _flat(_grads(loss_b, params), params),
                               dim=0, eps=eps).item()
