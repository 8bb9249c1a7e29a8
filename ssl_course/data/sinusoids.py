"""The sinusoid regression tasks of MAML (Finn et al. 2017, section 5.1): `sinusoid_tasks`.

A task is y = A sin(x - phi) with the amplitude A uniform in [0.1, 5.0], the phase phi uniform
in [0, pi] and the inputs x uniform in [-5, 5] (the task sampler of the paper's code). A learner
sees K points of a task (the support set) and is scored on other points of the same task (the
query set); the tasks themselves are the training data of meta-learning.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch

from .._validate import check_generator, check_int, check_range

AMPLITUDE = (0.1, 5.0)
PHASE = (0.0, math.pi)
X_RANGE = (-5.0, 5.0)


class SinusoidTasks(NamedTuple):
    """T tasks: support (T, K, 1) inputs and targets, query (T, Q, 1), and each task's (T,) A and phi."""

    x_support: torch.Tensor
    y_support: torch.Tensor
    x_query: torch.Tensor
    y_query: torch.Tensor
    amplitude: torch.Tensor
    phase: torch.Tensor


def sinusoid(x: torch.Tensor, amplitude: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
    """A sin(x - phi) for each task: x (T, N, 1), amplitude (T,), phase (T,) -> (T, N, 1)."""
    return amplitude[:, None, None] * torch.sin(x - phase[:, None, None])


def sinusoid_tasks(n_tasks: int, k_support: int, k_query: int, generator: torch.Generator | None = None,
                   amplitude: tuple[float, float] = AMPLITUDE, phase: tuple[float, float] = PHASE,
                   x_range: tuple[float, float] = X_RANGE, dtype: torch.dtype = torch.float32,
                   device: torch.device | str | None = None) -> SinusoidTasks:
    """Sample `n_tasks` sinusoid tasks, each with `k_support` support and `k_query` query points.

    Every number is drawn from `generator` (torch's global generator when None), in this order:
    amplitudes (T,), phases (T,), support inputs (T, K, 1), query inputs (T, Q, 1); all uniform.
    The targets are exact (no noise). Returns a SinusoidTasks of tensors in `dtype` on `device`.
    """
    check_int("n_tasks", n_tasks)
    check_int("k_support", k_support)
    check_int("k_query", k_query, 0)
    if generator is not None:
        check_generator(generator)
    ranges = [check_range(name, r, -math.inf, math.inf) for name, r in
              (("amplitude", amplitude), ("phase", phase), ("x_range", x_range))]

    def uniform(shape, low_high):
        low, high = low_high
        u = torch.rand(shape, generator=generator, dtype=torch.float64)
        return (low + (high - low) * u).to(dtype=dtype, device=device)

    amp, ph = uniform((n_tasks,), ranges[0]), uniform((n_tasks,), ranges[1])
    xs, xq = uniform((n_tasks, k_support, 1), ranges[2]), uniform((n_tasks, k_query, 1), ranges[2])
    return SinusoidTasks(xs, sinusoid(xs, amp, ph), xq, sinusoid(xq, amp, ph), amp, ph)
