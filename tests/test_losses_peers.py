"""The losses against trusted peer libraries (values and gradients to 1e-5, in float64) and
against independent loop / closed-form formulations.

Peers, and the settings that make them compute the textbook formulation we implement:
- InfoNCE: info-nce-pytorch's `info_nce` with no explicit negatives (the in-batch ones).
- batch-hard triplet: pytorch-metric-learning's TripletMarginLoss + BatchHardMiner, with plain
  Euclidean distances (pml normalises embeddings by default) and a MeanReducer (its default
  averages only the triplets with a non-zero loss).
- Barlow Twins, VICReg: lightly's losses with their defaults (the papers' constants).
- DINO: lightly's DINOLoss, with its centre buffer set to ours before the call (it updates the
  buffer inside forward) and the teacher temperature passed explicitly (no warm-up schedule).
"""
from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F

from ssl_course.contrastive.info_nce import info_nce
from ssl_course.contrastive.triplet import batch_hard_triplet
from ssl_course.course.exercises._common import view_pair
from ssl_course.noncontrastive.barlow_twins import barlow_twins
from ssl_course.noncontrastive.dino import dino, dino_center
from ssl_course.noncontrastive.vicreg import vicreg

TOL = 1e-5
info_nce_peer = pytest.importorskip("info_nce")
pml = pytest.importorskip("pytorch_metric_learning")
lightly_loss = pytest.importorskip("lightly.loss")


def _value_and_grads(fn, *inputs):
    leaves = [x.detach().clone().requires_grad_() for x in inputs]
    value = fn(*leaves)
    return value.detach(), torch.autograd.grad(value, leaves)


def assert_same(ours, peer, *inputs, tol=TOL):
    """ours(*inputs) and peer(*inputs): equal values and equal gradients for every input."""
    v1, g1 = _value_and_grads(ours, *inputs)
    v2, g2 = _value_and_grads(peer, *inputs)
    assert abs(v1.item() - v2.item()) <= tol, (v1.item(), v2.item())
    for a, b in zip(g1, g2):
        assert torch.allclose(a, b, rtol=0, atol=tol), (a - b).abs().max().item()


def randn(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


# --- InfoNCE ----------------------------------------------------------------------------------

@pytest.mark.parametrize("n,d,t", [(1, 3, 0.1), (8, 16, 0.5), (64, 32, 0.07), (200, 128, 1.0)])
def test_info_nce_equals_info_nce_pytorch(n, d, t):
    q, k = view_pair(n, d, seed=n, dtype=torch.float64)
    assert_same(lambda a, b: info_nce(a, b, t),
                lambda a, b: info_nce_peer.info_nce(a, b, temperature=t), q, k)


# --- batch-hard triplet -----------------------------------------------------------------------

def pml_batch_hard(margin):
    from pytorch_metric_learning import distances, miners, reducers
    from pytorch_metric_learning import losses as pml_losses

    euclid = distances.LpDistance(normalize_embeddings=False)
    miner = miners.BatchHardMiner(distance=euclid)
    loss = pml_losses.TripletMarginLoss(margin=margin, distance=euclid, reducer=reducers.MeanReducer())
    return lambda e, y: loss(e, y, miner(e, y))


def loop_batch_hard(e, y, margin):
    """Anchor by anchor, with explicit distances: the definition in Hermans et al. 2017."""
    terms = []
    for i in range(len(e)):
        pos = [torch.linalg.norm(e[i] - e[p]) for p in range(len(e)) if p != i and y[p] == y[i]]
        neg = [torch.linalg.norm(e[i] - e[m]) for m in range(len(e)) if y[m] != y[i]]
        if pos and neg:
            terms.append(F.relu(max(pos) - min(neg) + margin))
    return sum(terms) / len(terms) if terms else torch.tensor(0.0, dtype=e.dtype)


LABELS = {
    "pairs": [0, 0, 1, 1, 2, 2, 3, 3],
    "some singletons": [0, 0, 0, 1, 2, 2, 3, 4],  # anchors 3 and 6 (classes 1, 4) have no positive
    "two classes": [0, 1, 0, 1, 1, 0, 1, 0],
}


@pytest.mark.parametrize("labels", LABELS.values(), ids=LABELS.keys())
@pytest.mark.parametrize("margin", [0.0, 0.2, 5.0])
def test_batch_hard_triplet_equals_pml_and_loop(labels, margin):
    y = torch.tensor(labels)
    e = randn(len(y), 5, seed=len(labels) + int(10 * margin))
    assert_same(lambda a: batch_hard_triplet(a, y, margin), lambda a: pml_batch_hard(margin)(a, y), e)
    assert torch.allclose(batch_hard_triplet(e, y, margin), loop_batch_hard(e, y, margin), atol=1e-12)


def test_batch_hard_triplet_equals_pml_on_a_large_batch():
    y = torch.arange(256) % 64
    e = randn(256, 128, seed=7)
    assert_same(lambda a: batch_hard_triplet(a, y), lambda a: pml_batch_hard(0.2)(a, y), e)


@pytest.mark.parametrize("labels", [[0, 1, 2, 3], [5, 5, 5], [7]], ids=["no positive", "no negative", "one sample"])
def test_batch_hard_triplet_without_a_valid_anchor_is_a_zero_with_a_gradient(labels):
    y = torch.tensor(labels)
    e = randn(len(y), 3, seed=1).requires_grad_()
    loss = batch_hard_triplet(e, y)
    assert loss.item() == 0.0 and pml_batch_hard(0.2)(e, y).item() == 0.0
    (grad,) = torch.autograd.grad(loss, e)
    assert torch.equal(grad, torch.zeros_like(e))


def test_batch_hard_triplet_gradient_is_finite_for_duplicate_embeddings():
    e = torch.tensor([[1.0, 2.0], [1.0, 2.0], [0.0, 0.0]], requires_grad=True)  # a zero distance
    (grad,) = torch.autograd.grad(batch_hard_triplet(e, torch.tensor([0, 0, 1])), e)
    assert torch.isfinite(grad).all()


# --- Barlow Twins -----------------------------------------------------------------------------

def loop_barlow_twins(z1, z2, lam, eps=1e-5):
    """Entry by entry: the batch correlation of feature i of view 1 with feature j of view 2."""
    n, d = z1.shape
    s1 = (z1 - z1.mean(0)) / torch.sqrt(z1.var(0, unbiased=False) + eps)
    s2 = (z2 - z2.mean(0)) / torch.sqrt(z2.var(0, unbiased=False) + eps)
    total = 0.0
    for i, j in itertools.product(range(d), range(d)):
        c = sum(s1[b, i] * s2[b, j] for b in range(n)) / n
        total += (1 - c) ** 2 if i == j else lam * c ** 2
    return total


@pytest.mark.parametrize("n,d,lam", [(2, 1, 5e-3), (16, 8, 5e-3), (40, 6, 0.5)])
def test_barlow_twins_equals_lightly_and_loop(n, d, lam):
    z1, z2 = view_pair(n, d, seed=n, dtype=torch.float64)
    assert_same(lambda a, b: barlow_twins(a, b, lam),
                lambda a, b: lightly_loss.BarlowTwinsLoss(lambda_param=lam)(a, b), z1, z2)
    assert torch.allclose(barlow_twins(z1, z2, lam), loop_barlow_twins(z1, z2, lam), atol=1e-10)


def test_barlow_twins_equals_lightly_at_benchmark_size_in_float32():
    z1, z2 = view_pair(256, 128, seed=3)
    ours, peer = barlow_twins(z1, z2), lightly_loss.BarlowTwinsLoss()(z1, z2)
    assert torch.allclose(ours, peer, rtol=TOL, atol=TOL)


# --- VICReg -----------------------------------------------------------------------------------

def loop_vicreg(z1, z2, lam=25.0, mu=25.0, nu=1.0, eps=1e-4):
    """Term by term, each written out as in the paper's pseudo-code."""
    n, d = z1.shape
    inv = sum((z1[b, j] - z2[b, j]) ** 2 for b in range(n) for j in range(d)) / (n * d)
    var = cov = 0.0
    for z in (z1, z2):
        mean = [sum(z[b, j] for b in range(n)) / n for j in range(d)]
        c = [[sum((z[b, i] - mean[i]) * (z[b, j] - mean[j]) for b in range(n)) / (n - 1)
              for j in range(d)] for i in range(d)]
        var += sum(F.relu(1 - torch.sqrt(c[j][j] + eps)) for j in range(d)) / d / 2
        cov += sum(c[i][j] ** 2 for i in range(d) for j in range(d) if i != j) / d
    return lam * inv + mu * var + nu * cov


@pytest.mark.parametrize("n,d,scale", [(2, 1, 1.0), (12, 5, 0.3), (30, 4, 2.0)])
def test_vicreg_equals_lightly_and_loop(n, d, scale):
    z1, z2 = (scale * z for z in view_pair(n, d, seed=n, dtype=torch.float64))  # scale < 1: the hinge bites
    assert_same(vicreg, lightly_loss.VICRegLoss(), z1, z2)
    assert torch.allclose(vicreg(z1, z2), loop_vicreg(z1, z2), atol=1e-10)


def test_vicreg_weights_are_passed_through():
    z1, z2 = view_pair(20, 6, seed=4, dtype=torch.float64)
    peer = lightly_loss.VICRegLoss(lambda_param=1.0, mu_param=2.0, nu_param=3.0, eps=1e-3)
    assert_same(lambda a, b: vicreg(a, b, 1.0, 2.0, 3.0, eps=1e-3), peer, z1, z2)
    assert torch.allclose(vicreg(z1, z2, 1.0, 2.0, 3.0, 1e-3), loop_vicreg(z1, z2, 1.0, 2.0, 3.0, 1e-3))


# --- DINO -------------------------------------------------------------------------------------

def lightly_dino(student, teacher, center, student_temp=0.1, teacher_temp=0.04, momentum=0.9):
    """lightly's DINOLoss started from our centre; returns (loss, the centre it updated to)."""
    peer = lightly_loss.DINOLoss(output_dim=center.shape[0], teacher_temp=teacher_temp,
                                 student_temp=student_temp, center_momentum=momentum).to(center.dtype)
    peer.center.copy_(center)
    loss = peer(list(teacher.unbind(0)), list(student.unbind(0)), teacher_temp=teacher_temp)
    return loss, peer.center.reshape(-1)


def loop_dino(student, teacher, center, student_temp, teacher_temp):
    """Pair by pair, as in the authors' code: every teacher view against every other student view."""
    total, terms = 0.0, 0
    for t in range(len(teacher)):
        q = F.softmax((teacher[t] - center) / teacher_temp, dim=-1)
        for s in range(len(student)):
            if s == t:
                continue
            total += torch.sum(-q * F.log_softmax(student[s] / student_temp, dim=-1), dim=-1).mean()
            terms += 1
    return total / terms


@pytest.mark.parametrize("views,n,k", [((2, 2), 4, 10), ((2, 6), 8, 32), ((1, 3), 5, 7), ((3, 3), 1, 4)])
@pytest.mark.parametrize("temps", [(0.1, 0.04), (0.5, 0.2)])
def test_dino_equals_lightly_and_loop(views, n, k, temps):
    t_views, s_views = views
    student = 3 * randn(s_views, n, k, seed=n)
    teacher = student[:t_views] + randn(t_views, n, k, seed=n + 1)
    center = 0.5 * randn(k, seed=k)
    assert_same(lambda s: dino(s, teacher, center, *temps),
                lambda s: lightly_dino(s, teacher, center, *temps)[0], student)
    assert torch.allclose(dino(student, teacher, center, *temps),
                          loop_dino(student, teacher, center, *temps), atol=1e-10)


@pytest.mark.parametrize("momentum", [0.0, 0.9, 1.0])
def test_dino_center_equals_lightly_and_closed_form(momentum):
    teacher, center = randn(2, 6, 5, seed=1), randn(5, seed=2)
    new = dino_center(teacher, center, momentum)
    _, peer_center = lightly_dino(randn(4, 6, 5, seed=3), teacher, center, momentum=momentum)
    assert torch.allclose(new, peer_center, atol=1e-12)
    assert torch.allclose(new, momentum * center + (1 - momentum) * teacher.mean(dim=(0, 1)), atol=1e-12)
    assert torch.equal(center, randn(5, seed=2))  # pure: the old centre is untouched
    assert torch.allclose(dino_center(teacher[0], center, momentum),
                          momentum * center + (1 - momentum) * teacher[0].mean(0), atol=1e-12)


def test_dino_gives_the_teacher_no_gradient():
    student = randn(3, 4, 6, seed=0).requires_grad_()
    teacher = randn(2, 4, 6, seed=1).requires_grad_()
    loss = dino(student, teacher, torch.zeros(6, dtype=torch.float64))
    g_student, g_teacher = torch.autograd.grad(loss, [student, teacher], allow_unused=True)
    assert g_teacher is None and g_student.abs().sum() > 0


# --- argument validation ----------------------------------------------------------------------

x, y3 = torch.randn(4, 3), torch.tensor([0, 0, 1, 1])
views3 = torch.randn(2, 4, 5)


@pytest.mark.parametrize("call,error,match", [
    (lambda: batch_hard_triplet([[1.0]], torch.tensor([0])), TypeError, "embeddings"),
    (lambda: batch_hard_triplet(x, torch.tensor([0, 1])), ValueError, "labels"),
    (lambda: batch_hard_triplet(x, [0, 0, 1, 1]), TypeError, "labels"),
    (lambda: batch_hard_triplet(x, y3, margin=-0.1), ValueError, "margin"),
    (lambda: batch_hard_triplet(x, y3, margin="0.2"), TypeError, "margin"),
    (lambda: barlow_twins(x, torch.randn(5, 3)), ValueError, "same shape"),
    (lambda: barlow_twins(x[:1], x[:1]), ValueError, "at least 2"),
    (lambda: barlow_twins(x, x, lambda_=0), ValueError, "lambda_"),
    (lambda: vicreg(x, x.long()), TypeError, "floating"),
    (lambda: vicreg(x[:1], x[:1]), ValueError, "at least 2"),
    (lambda: vicreg(x, x, var_weight=-1.0), ValueError, "var_weight"),
    (lambda: vicreg(x, x, eps=0.0), ValueError, "eps"),
    (lambda: dino(x, views3, torch.zeros(5)), ValueError, "student_out"),
    (lambda: dino(views3, views3.numpy(), torch.zeros(5)), TypeError, "teacher_out"),
    (lambda: dino(views3, torch.randn(3, 4, 5), torch.zeros(5)), ValueError, "T <= S"),
    (lambda: dino(views3, torch.randn(2, 4, 6), torch.zeros(6)), ValueError, "same N, K"),
    (lambda: dino(views3[:1], views3[:1], torch.zeros(5)), ValueError, "two views"),
    (lambda: dino(views3, views3, torch.zeros(4)), ValueError, "center"),
    (lambda: dino(views3, views3, torch.zeros(5), student_temp=0), ValueError, "student_temp"),
    (lambda: dino(views3, views3, torch.zeros(5), teacher_temp=-1), ValueError, "teacher_temp"),
    (lambda: dino(views3.long(), views3, torch.zeros(5)), TypeError, "student_out"),
    (lambda: dino_center(views3, torch.zeros(5), momentum=1.5), ValueError, "momentum"),
    (lambda: dino_center(views3, torch.zeros(3)), ValueError, "center"),
    (lambda: dino_center(torch.randn(5), torch.zeros(5)), ValueError, "teacher_out"),
])
def test_bad_arguments_get_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_info_nce_keeps_f_normalize_semantics_for_a_zero_row():
    """_unit_rows must give what F.normalize gives, also where the norm is clamped."""
    q, k = view_pair(6, 4, seed=2, dtype=torch.float64)
    q[2] = 0.0
    v1, g1 = _value_and_grads(lambda a, b: info_nce(a, b, 0.2), q, k)
    v2, g2 = _value_and_grads(lambda a, b: info_nce_peer.info_nce(a, b, temperature=0.2), q, k)
    assert abs(v1.item() - v2.item()) <= TOL
    assert g1[0][2].abs().max() > 1e9  # the clamped row's gradient is scaled by 1 / eps
    for a, b in zip(g1, g2):  # relative: the clamped row's entries are ~1e11
        assert torch.allclose(a, b, rtol=1e-9, atol=TOL)
