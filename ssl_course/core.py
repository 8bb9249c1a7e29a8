"""What every chapter needs: the device, seeding, quick mode, progress bars and bars to meet."""
from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import numpy as np
import torch

from ._validate import check_int
from .course.env import QUICK_ENV, RESULTS_ENV


def device() -> torch.device:
    """The best available device: CUDA, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch; return a torch.Generator seeded the same way.

    Same seed, same machine, same numbers: every chapter starts with this call.
    """
    check_int("seed", seed, 0)  # a float seed is a TypeError, a negative one a ValueError, as everywhere
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def quick_mode() -> bool:
    """True when SSL_COURSE_QUICK=1: chapters shrink their training and do not assert bars.

    CI runs the learner notebooks this way; the solution notebooks always run in full.
    """
    return os.environ.get(QUICK_ENV, "") not in ("", "0")


def scaled(full: int, quick: int) -> int:
    """`full` normally, `quick` in quick mode (epochs, steps, dataset sizes)."""
    return quick if quick_mode() else full


def progress_bar(iterable=None, **kwargs):
    """A tqdm progress bar that renders in JupyterLab and in a terminal.

    It stays when done, at 100% with its rate: a loop shorter than the refresh interval would
    otherwise flash an empty bar and vanish.
    """
    from tqdm.auto import tqdm

    kwargs.setdefault("mininterval", 0.5)
    kwargs.setdefault("leave", True)
    return tqdm(iterable, **kwargs)


_OPS = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
}


class BarNotMet(AssertionError):
    """A chapter's headline number missed its syllabus bar."""


def bar(name: str, value: float, op: str, target: float, unit: str = "", timing: bool = False,
        shortfall: str | None = None) -> None:
    """Report a headline number against its bar, record it, and assert it (except in quick mode).

    timing=True marks a number measured with a clock (a speed-up, a throughput): it is
    asserted like any other but left out of the determinism comparison.
    shortfall="why" declares a bar that proved out of reach after real effort: a miss is then
    reported NOT MET with the reason (here, on the site and at the end of the test run) and
    not raised. The threshold stays what it is.

    >>> bar("05.mnist1d_probe", 0.87, ">=", 0.85)   # doctest: +SKIP
    bar 05.mnist1d_probe: 0.870 >= 0.850  met
    """
    if op not in _OPS:
        raise ValueError(f"op must be one of {sorted(_OPS)}, got {op!r}")
    if shortfall is not None and (not isinstance(shortfall, str) or not shortfall.strip()):
        raise ValueError("shortfall must say why the bar is out of reach, in words")
    value = float(value)
    met = bool(_OPS[op](value, target))
    if met:
        verdict = "met" + (" (a shortfall was declared: remove it)" if shortfall else "")
    elif shortfall:
        verdict = f"NOT MET (known shortfall: {shortfall})"
    else:
        verdict = "NOT MET (quick mode: not asserted)" if quick_mode() else "NOT MET"
    print(f"bar {name}: {value:.4g}{unit} {op} {target:.4g}{unit}  {verdict}")
    path = os.environ.get(RESULTS_ENV)
    if path:
        record = dict(name=name, value=value, op=op, target=target, unit=unit, met=met,
                      quick=quick_mode(), timing=timing, time=time.time())
        if shortfall and not met:
            record["shortfall"] = shortfall
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
    if not met and not quick_mode() and not shortfall:
        raise BarNotMet(f"{name}: {value:.4g} {op} {target:.4g} is not met")


class Timer:
    """`with Timer() as t: ...; t.seconds` - wall-clock time of a block."""

    def __enter__(self):
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        return False
