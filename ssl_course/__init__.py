"""ssl_course: the helper package of an interactive course on self-supervised learning.

What a notebook imports is here, by a short name:

    from ssl_course import check, quiz, bar, device, seed_everything

The reference code is grouped by topic, one idea a file: `data/`, `augment/`, `models/`,
`contrastive/`, `noncontrastive/`, `evaluate/`, `distributed/` (and, as chapters arrive,
`generative/`, `rl/`, `meta/`, `text/`, `vision/`, `audio/`, `cluster/`, ...). The course's own
machinery (grading, notebooks, the website, the command line) is apart, in `course/`.

Names are loaded on first use, so `import ssl_course` (and the `ssl-course` command) does not
import torch until something needs it.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

# name -> module that defines it
_LAZY = {
    "Timer": ".core", "bar": ".core", "device": ".core", "progress_bar": ".core", "quick_mode": ".core",
    "scaled": ".core", "seed_everything": ".core", "BarNotMet": ".core",
    "check": ".course.checks", "run_check": ".course.checks", "use_reference_if_unsolved": ".course.checks",
    "quiz": ".course.quiz", "drill": ".course.drill_widget",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ssl_course' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
