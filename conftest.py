"""Test-session set-up: no network, a private progress home, the environment of each learner
notebook run (nbval), and a table of every notebook's run time and peak memory at the end.
The solution notebooks run in tests/test_chapters.py, which records into the same table."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from ssl_course.course.env import HOME_ENV, ONE_THREAD_ENV, QUICK_ENV, RESULTS_ENV, STRICT_ENV
from ssl_course.course.execute import kernel_peak_mb

ROOT = Path(__file__).resolve().parent
# Learner notebooks: every check must say "not attempted"; training shrinks, bars are reported only.
# One thread each: they run two at a time (pytest-xdist), and a kernel that takes both cores
# beside another one slows both several-fold (05 took 230 s so in quick mode, its full run ~70 s).
LEARNER_ENV = {STRICT_ENV: "not_attempted", QUICK_ENV: "1", RESULTS_ENV: "", **ONE_THREAD_ENV}

# The hostile notebooks are inputs of tests/test_grade.py, not notebooks to run.
collect_ignore_glob = ["tests/fixtures/*"]

_times: dict[str, float] = {}
_peak_mb: dict[str, float] = {}
REPORT = ROOT / "build" / "chapter_report.json"


def pytest_configure(config):
    from ssl_course.course.offline import block, offline_env

    # Offline: this process and every child (kernels, CLI runs) refuse off-machine connections,
    # so a hidden download fails the build instead of passing here and failing elsewhere.
    block()
    os.environ.update(offline_env())
    # Never touch the user's own progress file from the tests.
    os.environ[HOME_ENV] = tempfile.mkdtemp(prefix="ssl-course-test-home-")
    os.environ.setdefault("MPLBACKEND", "Agg")
    config.addinivalue_line("markers", "one_thread: a solution notebook that pins torch to one thread "
                            "(`./course test` runs these two at a time)")


def _notebook(item) -> Path | None:
    path = Path(str(item.fspath))
    return path if path.suffix == ".ipynb" else None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    nb = _notebook(item)
    if nb is None:
        return
    os.environ.update(LEARNER_ENV)  # read by the kernel that nbval starts for this notebook


@pytest.fixture
def record_chapter(request):
    """record_chapter(name, seconds, peak_mb): a notebook run for the table at the end. It travels
    on the test's report, so it reaches the main process from a pytest-xdist worker too."""
    def record(name: str, seconds: float, peak_mb: float | None) -> None:
        request.node.user_properties.append(("notebook_seconds", (name, seconds)))
        if peak_mb is not None:
            request.node.user_properties.append(("notebook_peak_mb", (name, peak_mb)))
    return record


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    nb = _notebook(item)
    if nb is not None:  # sample before the kernel of a finished notebook is shut down
        peak = kernel_peak_mb(getattr(item.parent, "kernel", None))
        if peak is not None:
            item.user_properties.append(("notebook_peak_mb", (item.nodeid.split("::")[0], peak)))
    yield


def pytest_runtest_logreport(report):
    key = report.nodeid.split("::")[0]
    if key.endswith(".ipynb"):  # a learner notebook's cell (nbval): its time adds to the notebook's
        _times[key] = _times.get(key, 0.0) + report.duration
    if report.when != "teardown":  # user_properties are repeated on every phase's report
        return
    for name, value in report.user_properties:
        if name == "notebook_seconds":
            _times[value[0]] = _times.get(value[0], 0.0) + value[1]
        elif name == "notebook_peak_mb":
            _peak_mb[value[0]] = max(value[1], _peak_mb.get(value[0], 0.0))


def pytest_terminal_summary(terminalreporter):
    _report_shortfalls(terminalreporter)
    if not _times:
        return
    import json

    tr = terminalreporter
    tr.section("notebook run times and peak memory")
    rows = []
    for name, secs in sorted(_times.items()):
        peak = _peak_mb.get(name)
        rows.append({"notebook": name, "seconds": round(secs, 1), "peak_mb": round(peak) if peak else None})
        tr.write_line(f"{secs:7.1f} s  {peak or float('nan'):7.0f} MB  {name}")
    peak = max(_peak_mb.values(), default=float("nan"))
    tr.write_line(f"{sum(_times.values()):7.1f} s  {peak:7.0f} MB  in all (time: sum; memory: max)")
    # `./course test` runs pytest twice (untimed tests on two workers, then the solution notebooks):
    # the second run adds its rows to the first's
    if REPORT.exists():
        rows += [r for r in json.loads(REPORT.read_text()) if r["notebook"] not in _times]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(sorted(rows, key=lambda r: r["notebook"]), indent=1))


def _report_shortfalls(tr) -> None:
    """List every bar that landed NOT MET with a declared shortfall (they do not fail the run),
    from the executed copies of the solution notebooks this run executed."""
    import nbformat

    short = []
    for name in sorted(n for n in _times if n.startswith("build/solutions/")):
        executed = ROOT / "build" / "executed" / Path(name).name
        if executed.exists():
            bars = nbformat.read(executed, as_version=4).metadata.get("ssl_course", {}).get("executed", {}).get("bars", [])
            short += [b for b in bars if b.get("shortfall") and not b.get("met")]
    if short:
        tr.section("bars NOT MET (declared shortfalls)")
        for b in short:
            tr.write_line(f"NOT MET {b['name']}: {b['value']:.4g} {b['op']} {b['target']:.4g} - {b['shortfall']}")
