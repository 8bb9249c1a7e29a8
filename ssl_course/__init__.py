"""ssl_course: the helper package of an interactive course on self-supervised learning.

Reference implementations live in one module per topic (losses, augment, models, train,
evaluate, data, ...); `check`, `quiz` and `progress` grade and record a learner's work.
"""
from .core import Timer, bar, device, progress_bar, quick_mode, scaled, seed_everything

__version__ = "0.1.0"
__all__ = ["Timer", "bar", "device", "progress_bar", "quick_mode", "scaled", "seed_everything"]
