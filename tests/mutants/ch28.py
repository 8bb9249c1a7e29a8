"""Known-wrong implementations for chapter 28."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import mutant


# --------------------------------------------------------------------------- 28.ema_update
@mutant("28.ema_update", "common wrong answer: momentum reversed (momentum * student + (1 - momentum) * teacher)")
def _ema_reversed(teacher, student, momentum):
    with torch.no_grad():
        return momentum * student + (1 - momentum) * teacher


@mutant("28.ema_update", "teacher receives gradients: the average keeps the student's graph")
def _ema_graph(teacher, student, momentum):
    return momentum * teacher + (1 - momentum) * student


@mutant("28.ema_update", "updates the teacher in place (teacher.mul_().add_())")
def _ema_in_place(teacher, student, momentum):
    with torch.no_grad():
        return teacher.mul_(momentum).add_(student, alpha=1 - momentum)


@mutant("28.ema_update", "a fixed momentum of 0.99, whatever the argument")
def _ema_fixed(teacher, student, momentum):
    with torch.no_grad():
        return 0.99 * teacher + 0.01 * student


@mutant("28.ema_update", "computed in float32 and cast back")
def _ema_float32(teacher, student, momentum):
    with torch.no_grad():
        return (momentum * teacher.float() + (1 - momentum) * student.float()).to(teacher.dtype)


# --------------------------------------------------------------------------- 28.dino_loss
def _loss(student_out, teacher_out, center, student_temp, teacher_temp, *, detach=True, center_student=False,
          same_crop=False, sharpen_student_softmax=False):
    teacher = teacher_out.detach() if detach else teacher_out
    q = F.softmax((teacher - center) / teacher_temp, dim=-1)
    s = student_out - center if center_student else student_out
    log_p = F.log_softmax(s / student_temp, dim=-1)
    total, pairs = 0.0, 0
    for t in range(len(q)):
        for v in range(len(log_p)):
            if v == t and not same_crop:
                continue
            total = total + (-(q[t] * log_p[v]).sum(-1).mean())
            pairs += 1
    return total / pairs


@mutant("28.dino_loss", "common wrong answer: the teacher receives gradients (teacher_out not detached)")
def _dino_no_detach(student_out, teacher_out, center, student_temp=0.1, teacher_temp=0.04):
    return _loss(student_out, teacher_out, center, student_temp, teacher_temp, detach=False)


@mutant("28.dino_loss", "softmax temperatures swapped (teacher / student_temp, student / teacher_temp)")
def _dino_swapped(student_out, teacher_out, center, student_temp=0.1, teacher_temp=0.04):
    return _loss(student_out, teacher_out, center, teacher_temp, student_temp)


@mutant("28.dino_loss", "centre subtracted from the student too")
def _dino_center_both(student_out, teacher_out, center, student_temp=0.1, teacher_temp=0.04):
    return _loss(student_out, teacher_out, center, student_temp, teacher_temp, center_student=True)


@mutant("28.dino_loss", "no centring at all")
def _dino_no_center(student_out, teacher_out, center, student_temp=0.1, teacher_temp=0.04):
    return _loss(student_out, teacher_out, torch.zeros_like(center), student_temp, teacher_temp)


@mutant("28.dino_loss", "a crop compared with itself (the s == t pairs kept)")
def _dino_same_crop(student_out, teacher_out, center, student_temp=0.1, teacher_temp=0.04):
    return _loss(student_out, teacher_out, center, student_temp, teacher_temp, same_crop=True)


@mutant("28.dino_loss", "only the global crops of the student (local crops ignored)")
def _dino_globals_only(student_out, teacher_out, center, student_temp=0.1, teacher_temp=0.04):
    t = len(teacher_out)
    if t < 2:
        return _loss(student_out[:2], teacher_out, center, student_temp, teacher_temp)
    return _loss(student_out[:t], teacher_out, center, student_temp, teacher_temp)


@mutant("28.dino_loss", "loss summed over the pairs instead of averaged")
def _dino_sum(student_out, teacher_out, center, student_temp=0.1, teacher_temp=0.04):
    t, s = len(teacher_out), len(student_out)
    return _loss(student_out, teacher_out, center, student_temp, teacher_temp) * (t * s - t)


# --------------------------------------------------------------------------- 28.center
@mutant("28.center", "common wrong answer: momentum reversed (the batch mean weighted by momentum)")
def _center_reversed(teacher_out, center, momentum=0.9):
    return (1 - momentum) * center + momentum * teacher_out.reshape(-1, teacher_out.shape[-1]).mean(0)


@mutant("28.center", "the mean of the softmax probabilities, not of the logits")
def _center_probs(teacher_out, center, momentum=0.9):
    p = F.softmax(teacher_out, dim=-1)
    return momentum * center + (1 - momentum) * p.reshape(-1, p.shape[-1]).mean(0)


@mutant("28.center", "the first teacher view only")
def _center_first_view(teacher_out, center, momentum=0.9):
    first = teacher_out[0] if teacher_out.ndim == 3 else teacher_out
    return momentum * center + (1 - momentum) * first.mean(0)


@mutant("28.center", "updates the centre in place")
def _center_in_place(teacher_out, center, momentum=0.9):
    return center.mul_(momentum).add_(teacher_out.reshape(-1, teacher_out.shape[-1]).mean(0), alpha=1 - momentum)


@mutant("28.center", "the batch mean replaces the centre (no running average)")
def _center_no_ema(teacher_out, center, momentum=0.9):
    return teacher_out.reshape(-1, teacher_out.shape[-1]).mean(0) + 0 * center


@mutant("28.center", "only the first 512 rows")
def _center_first_512(teacher_out, center, momentum=0.9):
    flat = teacher_out.reshape(-1, teacher_out.shape[-1])
    if teacher_out.ndim == 3:
        flat = teacher_out[:, :512].reshape(-1, teacher_out.shape[-1])
    else:
        flat = flat[:512]
    return momentum * center + (1 - momentum) * flat.mean(0)
