"""Every chapter's solution notebook, run end to end as CI and the site see it: every check
passes and every bar is asserted (strict, full size). Each executed notebook is saved under
build/executed/, stamped with its source's hash, and the site is built from those copies, so
no chapter runs twice for the tests and the site. The notebooks of chapters that pin torch to
one thread carry the mark `one_thread`: `./course test` runs those two at a time (pytest-xdist),
the others alone.

This file sorts before test_determinism.py on purpose: that test compares a second run of two
chapters with the executions saved here (it runs them twice itself when there are none)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ssl_course.course.build import build, sources
from ssl_course.course.execute import EXECUTED_DIR, ONE_THREAD_CALL, execute_solution, save_executed

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [pytest.param(s, id=s.stem, marks=[pytest.mark.one_thread] if ONE_THREAD_CALL in s.read_text() else [])
           for s in sources(ROOT)]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="session")
def solutions():
    build(ROOT, learner=False)  # solutions only: a stale learner notebook must still fail its test
    return ROOT / "build" / "solutions"


@pytest.mark.parametrize("source", SOURCES)
def test_solution_notebook(source, solutions, record_chapter):
    from nbclient.exceptions import CellExecutionError

    notebook = solutions / f"{source.stem}.ipynb"
    try:
        nb, run = execute_solution(notebook)
    except CellExecutionError as exc:  # its message names the cell, its code and the traceback
        pytest.fail(f"{notebook.name}: {ANSI.sub('', str(exc))}", pytrace=False)
    paired = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1  # beside another notebook
    save_executed(nb, run, source, ROOT / EXECUTED_DIR, paired)  # with its bars, which the run's summary lists
    record_chapter(str(notebook.relative_to(ROOT)), run.seconds, run.peak_mb)
    assert run.bars or source.stem.startswith("00"), f"{notebook.name} measured no headline number (bar)"
