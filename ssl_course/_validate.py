"""Argument checks shared by the public functions: each error names the argument,
what was expected and what came."""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import torch


def check_tensor(name: str, x) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")


def check_matrix(name: str, x) -> None:
    """x must be a 2-D floating tensor with at least one row."""
    check_tensor(name, x)
    if x.ndim != 2:
        raise ValueError(f"{name} must be 2-D (N, D), got shape {tuple(x.shape)}")
    if x.shape[0] < 1:
        raise ValueError(f"{name} must have at least one row, got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating tensor, got dtype {x.dtype}")


def check_same_shape(name_a: str, a, name_b: str, b) -> None:
    """a and b must be matrices of one shape (two views of one batch)."""
    check_matrix(name_a, a)
    check_matrix(name_b, b)
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")


def check_positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive number, got {type(value).__name__}")
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}")


def check_probability(name: str, value, *, inclusive: bool = True) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1], got {type(value).__name__}")
    ok = 0 <= value <= 1 if inclusive else 0 < value < 1
    if not ok:
        raise ValueError(f"{name} must be in {'[0, 1]' if inclusive else '(0, 1)'}, got {value}")


def check_int(name: str, value, minimum: int = 1) -> int:
    """value must be an int (not a bool) >= minimum."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_nonnegative(name: str, value) -> None:
    """value must be a finite real number >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number >= 0, got {type(value).__name__}")
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be finite and >= 0, got {value}")


def check_generator(generator) -> None:
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")


def check_labels(name: str, y, n: int, against: str = "") -> None:
    """y must be (n,) integer class labels (matching the n rows of `against`, when named)."""
    check_tensor(name, y)
    if y.ndim != 1 or y.shape[0] != n:
        to_match = f" to match {against}" if against else ""
        raise ValueError(f"{name} must have shape ({n},){to_match}, got {tuple(y.shape)}")
    if y.is_floating_point() or y.is_complex():
        raise TypeError(f"{name} must hold integer class labels, got dtype {y.dtype}")


def check_batch_of_two(name: str, z: torch.Tensor) -> None:
    """Batch statistics (a variance, a standardisation) need at least two rows."""
    if z.shape[0] < 2:
        raise ValueError(f"{name} needs a batch of at least 2 rows, got shape {tuple(z.shape)}")


def check_dims(name: str, values) -> tuple[int, ...]:
    """A non-empty sequence of positive ints (layer widths, channel counts)."""
    if not isinstance(values, Sequence) or isinstance(values, str) or len(values) == 0:
        raise TypeError(f"{name} must be a non-empty sequence of ints, got {values!r}")
    for i, v in enumerate(values):
        check_int(f"{name}[{i}]", v)
    return tuple(values)


def check_range(name: str, value, low: float, high: float | None) -> tuple[float, float]:
    """value must be a pair (a, b) with low < a <= b (<= high when high is given)."""
    if not isinstance(value, (tuple, list)) or len(value) != 2 or not all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value):
        raise TypeError(f"{name} must be a pair of numbers (min, max), got {value!r}")
    a, b = float(value[0]), float(value[1])
    if not (low < a <= b and (high is None or b <= high)):
        bound = f"{low} < min <= max" + (f" <= {high}" if high is not None else "")
        raise ValueError(f"{name} must satisfy {bound}, got {value!r}")
    return a, b


def check_images(x) -> None:
    check_tensor("x", x)
    if x.ndim != 4:
        raise ValueError(f"x must be a batch of images (N, C, H, W), got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"x must be a floating tensor with values in [0, 1], got dtype {x.dtype}")


def check_strength(strength) -> None:
    if isinstance(strength, bool) or not isinstance(strength, numbers.Real):
        raise TypeError(f"strength must be a number in [0, 1.25], got {type(strength).__name__}")
    # 0.8 * strength <= 1 keeps brightness/contrast/saturation factors >= 0;
    # 0.2 * strength <= 0.5 is the widest hue shift (half the colour wheel).
    if not 0 <= strength <= 1.25:
        raise ValueError(f"strength must be in [0, 1.25], got {strength}")
