"""DINO (Caron et al. 2021): a student matches a centred, sharpened teacher's distribution.
The teacher is an exponential moving average (EMA) of the student and gets no gradient;
its outputs are centred (a running mean subtracted: against one dimension dominating) and
sharpened (a low temperature: against the uniform output). Checked against lightly's DINOLoss
(loss, centre) and torch's own EMA (torch.optim.swa_utils) in tests/test_losses_peers.py and
tests/test_dino.py.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .._validate import check_int, check_positive, check_probability, check_tensor


def dino(student_out: torch.Tensor, teacher_out: torch.Tensor, center: torch.Tensor,
         student_temp: float = 0.1, teacher_temp: float = 0.04) -> torch.Tensor:
    """DINO (Caron et al. 2021): cross-entropy from the centred, sharpened teacher to the student.

    Multi-crop layout: student_out is (S, N, K), S views of a batch of N images, K the output
    dimension; teacher_out is (T, N, K) with T <= S, the teacher's views of the T global crops.
    Student view v and teacher view v are the same crop (global crops come first), and a
    view is never compared with itself: the loss averages over every (t, s) pair with s != t,
    T * S - T pairs, and over the batch. center: (K,), the running mean of teacher outputs
    (update it with `dino_center`). The teacher gets no gradient (it is an EMA of the student).
    Returns a scalar.
    """
    _check_views("student_out", student_out)
    _check_views("teacher_out", teacher_out)
    t_views, n, k = teacher_out.shape
    s_views = student_out.shape[0]
    if student_out.shape[1:] != (n, k) or t_views > s_views:
        raise ValueError(f"student_out (S, N, K) and teacher_out (T, N, K) need the same N, K and "
                         f"T <= S, got {tuple(student_out.shape)} and {tuple(teacher_out.shape)}")
    if s_views < 2:
        raise ValueError(f"student_out needs at least two views, got {s_views}")
    _check_center(center, k)
    check_positive("student_temp", student_temp)
    check_positive("teacher_temp", teacher_temp)
    teacher = F.softmax((teacher_out.detach() - center) / teacher_temp, dim=-1)  # (T, N, K)
    log_student = F.log_softmax(student_out / student_temp, dim=-1)  # (S, N, K)
    # sum over all (t, s) pairs of <teacher_t, log_student_s> factorises into one inner
    # product of the sums over views; then the T same-crop pairs (s = t) are taken back out.
    all_pairs = (teacher.sum(dim=0) * log_student.sum(dim=0)).sum()
    same_crop = (teacher * log_student[:t_views]).sum()
    n_pairs = t_views * s_views - t_views
    return -(all_pairs - same_crop) / (n_pairs * n)


@torch.no_grad()
def dino_center(teacher_out: torch.Tensor, center: torch.Tensor, momentum: float = 0.9) -> torch.Tensor:
    """DINO's centre update: an exponential moving average of the teacher's mean output.

    teacher_out: (T, N, K) or (N, K); center: (K,). Returns the new (K,) centre,
    momentum * center + (1 - momentum) * mean of teacher_out over views and batch.
    Pure: the old centre is not modified, the caller keeps the new one.
    """
    check_tensor("teacher_out", teacher_out)
    if teacher_out.ndim not in (2, 3) or not teacher_out.is_floating_point():
        raise ValueError(f"teacher_out must be a floating (T, N, K) or (N, K) tensor, "
                         f"got shape {tuple(teacher_out.shape)} and dtype {teacher_out.dtype}")
    _check_center(center, teacher_out.shape[-1])
    check_probability("momentum", momentum)
    batch_center = teacher_out.reshape(-1, teacher_out.shape[-1]).mean(dim=0)
    return center * momentum + batch_center * (1 - momentum)


def _check_views(name: str, x) -> None:
    check_tensor(name, x)
    if x.ndim != 3 or min(x.shape) < 1:
        raise ValueError(f"{name} must be 3-D (views, N, K) and non-empty, got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating tensor, got dtype {x.dtype}")


def _check_center(center, k: int) -> None:
    check_tensor("center", center)
    if center.shape != (k,):
        raise ValueError(f"center must have shape ({k},), got {tuple(center.shape)}")


@torch.no_grad()
def ema(teacher: torch.Tensor, student: torch.Tensor, momentum: float) -> torch.Tensor:
    """One EMA step for one parameter tensor: momentum * teacher + (1 - momentum) * student.

    teacher, student: the same shape (any), floating. momentum in [0, 1]: 1 keeps the teacher,
    0 copies the student. Returns a new tensor of teacher's dtype that carries no gradient (the
    teacher learns only through this average); neither input is modified. In a loop, apply it
    in place to every parameter (`byol.ema_update` on modules).
    """
    check_tensor("teacher", teacher)
    check_tensor("student", student)
    if teacher.shape != student.shape or not (teacher.is_floating_point() and student.is_floating_point()):
        raise ValueError(f"teacher and student must be floating tensors of one shape, got "
                         f"{tuple(teacher.shape)} {teacher.dtype} and {tuple(student.shape)} {student.dtype}")
    check_probability("momentum", momentum)
    return teacher * momentum + student.detach().to(teacher.dtype) * (1 - momentum)


def teacher_momentum(step: int, total_steps: int, base: float = 0.996) -> float:
    """DINO's cosine schedule for the teacher momentum: base at step 0, rising to 1 at total_steps.

    m(step) = 1 - (1 - base) * (cos(pi * step / total_steps) + 1) / 2, for 0 <= step <= total_steps.
    """
    step = check_int("step", step, minimum=0)
    total_steps = check_int("total_steps", total_steps)
    if step > total_steps:
        raise ValueError(f"step must be <= total_steps ({total_steps}), got {step}")
    check_probability("base", base)
    return 1 - (1 - base) * (math.cos(math.pi * step / total_steps) + 1) / 2


def mean_entropy(logits: torch.Tensor, temperature: float = 1.0, center: torch.Tensor | None = None) -> torch.Tensor:
    """Mean entropy (nats) of softmax((logits - center) / temperature) over the rows.

    logits: (..., K); center: (K,) or None. Returns a scalar in [0, log K]: near 0 when every
    row is one-hot (DINO without centring), near log K when every row is uniform (without
    sharpening).
    """
    check_tensor("logits", logits)
    if center is not None:
        logits = logits - center
    log_p = F.log_softmax(logits / temperature, dim=-1)
    return -(log_p.exp() * log_p).sum(dim=-1).mean()
