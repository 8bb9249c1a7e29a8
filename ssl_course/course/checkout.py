"""Where the course checkout is. This module imports nothing heavy, so the drill can find the
chapter sources without loading nbformat."""
from __future__ import annotations

from pathlib import Path

SOURCES_DIR = "chapters"  # the chapter sources, outside notebooks/ so JupyterLab's browser does not show them


def repo_root() -> Path:
    """The course checkout: the package's parent when it holds chapters/, else the cwd."""
    here = Path(__file__).resolve().parents[2]
    return here if (here / SOURCES_DIR).is_dir() else Path.cwd()
