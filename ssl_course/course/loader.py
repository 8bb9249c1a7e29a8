"""Chapters are loaded one at a time: `check("01.info_nce", fn)` imports
`ssl_course/course/exercises/ch01.py` and nothing else, so a chapter that needs gymnasium or
networkx never slows down or breaks another chapter's checks."""
from __future__ import annotations

import importlib
import pkgutil
import re
import sys

_ID = re.compile(r"^(\d\d)\.\w+$")


class ChapterUnavailable(RuntimeError):
    """A chapter's module could not be imported (a missing package, or a bug in the module)."""

    def _render_traceback_(self):  # IPython/Jupyter: the message alone, no wall of traceback
        return [f"{type(self).__name__}: {self}"]


def chapter_of(item_id: str, kind: str = "exercise") -> str:
    """'01' for '01.info_nce'; a clear error for anything not of the form 'NN.name'."""
    if not isinstance(item_id, str):
        raise TypeError(f"{kind}_id must be a string like '01.info_nce', got {type(item_id).__name__}")
    match = _ID.match(item_id)
    if not match:
        raise KeyError(f"no {kind} {item_id!r}: ids look like '01.info_nce' (chapter number, a dot, a name)")
    return match.group(1)


def import_chapter(package: str, chapter: str):
    """Import `package.chNN` (e.g. ssl_course.course.exercises.ch01) and return it, or None when
    the chapter has no such module. A module that fails to import raises ChapterUnavailable,
    naming the chapter and the cause; it is not cached, so a retry after a fix imports it again."""
    name = f"{package}.ch{chapter}"
    if name in sys.modules:
        return sys.modules[name]
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        cause = f"it needs the package {exc.name!r}, which is not installed (pip install {exc.name})"
        raise ChapterUnavailable(f"chapter {chapter}'s {package.rsplit('.', 1)[-1]} could not be loaded: "
                                 f"{cause}. Other chapters are not affected.") from exc
    except Exception as exc:
        raise ChapterUnavailable(f"chapter {chapter}'s {package.rsplit('.', 1)[-1]} could not be loaded: "
                                 f"{type(exc).__name__}: {exc}. Other chapters are not affected.") from exc


def chapters_in(package: str) -> list[str]:
    """The chapter numbers that have a module in `package`, in order."""
    pkg = importlib.import_module(package)
    return sorted(m.name[2:] for m in pkgutil.iter_modules(pkg.__path__) if re.fullmatch(r"ch\d\d", m.name))
