"""Headless grading: run a learner's notebook in a fresh kernel, with a time limit per cell,
and report every exercise it checks.

Exit codes of `ssl-course grade`: 0 every exercise passed; 1 some exercise did not pass;
2 the notebook could not be graded (not a notebook, or the kernel died or was stopped).
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from pathlib import Path

from .build import exercise_ids
from .check import GRADE_LOG_ENV, STRICT_ENV
from .progress import HOME_ENV

EXIT_OK, EXIT_NOT_PASSED, EXIT_UNGRADABLE = 0, 1, 2


@contextlib.contextmanager
def _environ(**values):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update({k: v for k, v in values.items() if v is not None})
    for k, v in values.items():
        if v is None:
            os.environ.pop(k, None)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def grade(path: str | Path, timeout: float = 120.0) -> dict:
    """Execute the notebook at `path` and return a report dict (see `format_report`)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    path = Path(path)
    report = {"notebook": str(path), "exercises": [], "quizzes": [], "errors": [], "status": "graded"}
    try:
        nb = nbformat.read(path, as_version=4)
    except FileNotFoundError:
        return dict(report, status="ungradable", reason=f"no such file: {path}")
    except Exception as exc:
        return dict(report, status="ungradable", reason=f"not a valid notebook: {type(exc).__name__}: {exc}")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    wanted = exercise_ids(code)
    with tempfile.TemporaryDirectory(prefix="ssl-grade-") as tmp:
        log = Path(tmp) / "log.jsonl"
        log.touch()
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                                interrupt_on_timeout=True, resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        # A fresh progress home: grading must not touch the instructor's own progress.
        with _environ(**{HOME_ENV: tmp, GRADE_LOG_ENV: str(log), STRICT_ENV: None}):
            try:
                client.execute()
            except DeadKernelError as exc:
                report.update(status="ungradable", reason=f"the kernel died: {exc}")
            except Exception as exc:
                report.update(status="ungradable", reason=f"{type(exc).__name__}: {exc}")
        report["seconds"] = round(time.perf_counter() - start, 1)
        entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    results = {e["exercise"]: e for e in entries if e.get("kind") == "check"}
    for ex in wanted:
        report["exercises"].append(results.get(ex, {"exercise": ex, "status": "not run",
                                                    "reason": "its check never ran (an earlier error?)"}))
    report["quizzes"] = [e for e in entries if e.get("kind") == "quiz"]
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                report["errors"].append({"cell": i, "error": f"{out.get('ename')}: {out.get('evalue')}"[:300]})
    return report


def exit_code(report: dict) -> int:
    if report["status"] != "graded":
        return EXIT_UNGRADABLE
    ok = report["exercises"] and all(e["status"] == "passed" for e in report["exercises"])
    return EXIT_OK if ok else EXIT_NOT_PASSED


def format_report(report: dict) -> str:
    lines = [f"Grading {report['notebook']}"]
    if report["status"] != "graded":
        lines.append(f"  could not grade: {report.get('reason')}")
    for e in report["exercises"]:
        why = f"  ({e.get('case', '')}: {e['reason']})" if e.get("reason") else ""
        lines.append(f"  {e['exercise']:<28} {e['status']}{why}")
    if not report["exercises"]:
        lines.append("  no exercise checks found in this notebook")
    if report["quizzes"]:
        right = sum(q["correct"] for q in report["quizzes"])
        lines.append(f"  quizzes answered: {len(report['quizzes'])}, right: {right}")
    for err in report["errors"]:
        lines.append(f"  cell {err['cell']} raised {err['error']}")
    passed = sum(e["status"] == "passed" for e in report["exercises"])
    lines.append(f"  {passed}/{len(report['exercises'])} exercises passed"
                 + (f" in {report['seconds']} s" if "seconds" in report else ""))
    return "\n".join(lines)
