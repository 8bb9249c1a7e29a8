"""Known-wrong implementations of every exercise, one module per chapter. Each check must
reject every one of them.

MUTANTS[exercise_id] is a list of (name, function); the chapter's common wrong answer is
named "common wrong answer: ...". Every exercise needs at least three.
"""
from __future__ import annotations

import importlib
import pkgutil

MUTANTS: dict[str, list] = {}


def mutant(exercise_id: str, name: str):
    """Decorator: register a known-wrong implementation of `exercise_id`."""
    def register(fn):
        MUTANTS.setdefault(exercise_id, []).append((name, fn))
        return fn
    return register


for _mod in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_mod.name}")
