"""Headless grading: run a learner's notebook in a fresh, offline kernel, with a time limit per
cell and one for the whole notebook, and report every exercise the chapter expects.

Whatever the notebook does (loops forever, kills its kernel, calls sys.exit, prints
gigabytes, deletes files, reaches for the network), a report comes back.

Exit codes of `ssl-course grade`:
  0  every expected exercise passed;
  1  the notebook ran, and some exercise did not pass (failed, not attempted, missing);
  2  the notebook could not be graded to the end: not a readable notebook, the kernel died,
     or the whole-notebook time limit ran out (the report says which, and what it saw).

Every problem is reported in words: a cell cut by its time limit reads "cell 3 ran past its
20 s limit", not as the KeyboardInterrupt that stopped it. Cells are counted from 0, as
nbformat does. `ssl_course.course.gradebook` grades a whole class with this function.
"""
from __future__ import annotations

import contextlib
import json
import re
import tempfile
import time
from pathlib import Path

from . import syllabus
from .build import exercise_ids
from .checks import CHECK_MIME
from .env import GRADE_LOG_ENV, HOME_ENV, ONE_THREAD_ENV, STRICT_ENV
from .execute import execute

EXIT_OK, EXIT_NOT_PASSED, EXIT_UNGRADABLE = 0, 1, 2
MAX_OUTPUT_BYTES = 1_000_000  # per cell; more is dropped with a note
TRUNCATED = "[ssl-course grade: output"


def _expected_exercises(nb, path: Path) -> list[str]:
    """The exercises this chapter has: from the notebook's metadata (written by `build`), else
    from its file name (NN_...), else the checks found in its code."""
    meta = nb.metadata.get("ssl_course", {})
    if meta.get("exercises"):
        return list(meta["exercises"])
    chapter = _chapter(nb, path)
    if chapter:
        with contextlib.suppress(KeyError):
            listed = list(syllabus.chapter(chapter).exercises)
            if listed:
                return listed
    return exercise_ids("\n".join(c.source for c in nb.cells if c.cell_type == "code"))


def _chapter(nb, path: Path) -> str | None:
    """The chapter number ('01') of a notebook: from its metadata, else from its file name."""
    chapter = nb.metadata.get("ssl_course", {}).get("chapter")
    if isinstance(chapter, str) and re.fullmatch(r"\d\d", chapter):
        return chapter
    m = re.match(r"(\d\d)_", path.name)
    return m.group(1) if m else None


def _expected_quizzes(nb, path: Path) -> list[str]:
    """The quiz ids of the notebook's chapter (empty when the chapter is unknown)."""
    from .quiz import chapter_quizzes

    chapter = _chapter(nb, path)
    if chapter is None:
        return []
    try:
        return list(chapter_quizzes(chapter))
    except Exception:  # a chapter with no quiz module, or a broken one: grade the exercises anyway
        return []


def _client_class(timed_out: list[int]):
    """The notebook client for grading: caps each cell's output, and appends to `timed_out` the
    index of every cell stopped by the per-cell time limit (so the report can say so in words)."""
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        """Keeps at most MAX_OUTPUT_BYTES of output per cell, so a flood cannot exhaust memory."""

        def output(self, outs, msg, display_id, cell_index):
            sizes = self.__dict__.setdefault("_output_sizes", {})
            before = sizes.get(cell_index, 0)
            size = sizes[cell_index] = before + len(json.dumps(msg.get("content", {})))
            if size > MAX_OUTPUT_BYTES:
                if before <= MAX_OUTPUT_BYTES:  # the first message over the cap leaves a note
                    outs.append(_note(f"{TRUNCATED} beyond {MAX_OUTPUT_BYTES:,} bytes dropped]"))
                return None
            return super().output(outs, msg, display_id, cell_index)

        async def _async_handle_timeout(self, timeout, cell=None):
            timed_out.extend(i for i, c in enumerate(self.nb.cells) if c is cell)
            return await super()._async_handle_timeout(timeout, cell)

    return CappedClient


def _note(text: str):
    import nbformat

    return nbformat.v4.new_output("stream", name="stderr", text=text + "\n")


def grade(path: str | Path, timeout: float = 120.0, total_timeout: float = 1800.0,
          threads: int | None = None) -> dict:
    """Execute the notebook at `path` and return a report dict (see `format_report`).

    timeout: seconds allowed per cell; total_timeout: seconds for the whole notebook;
    threads: BLAS/OpenMP threads for the kernel (None: the library default, every core), so
    that several kernels graded at once do not fight over the cores.
    """
    import nbformat
    from nbclient.exceptions import DeadKernelError

    path = Path(path)
    report = {"notebook": str(path), "status": "graded", "exercises": [], "quizzes": [], "errors": []}
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except FileNotFoundError:
        return dict(report, status="ungradable", reason=f"no such file: {path}")
    except IsADirectoryError:
        return dict(report, status="ungradable", reason=f"a folder, not a notebook: {path}")
    except OSError as exc:
        return dict(report, status="ungradable", reason=f"cannot read {path}: {exc.strerror or exc}")
    except Exception as exc:
        return dict(report, status="ungradable", reason=f"not a valid notebook: {type(exc).__name__}: {str(exc)[:200]}")
    expected = _expected_exercises(nb, path)
    report["expected_quizzes"] = _expected_quizzes(nb, path)
    state: dict = {"cell": None}
    timed_out: list[int] = []
    with tempfile.TemporaryDirectory(prefix="ssl-grade-") as tmp:
        log = Path(tmp) / "log.jsonl"
        start = time.perf_counter()
        # A fresh progress home (grading never touches the instructor's own progress) and an
        # offline kernel (any connection off this machine fails inside the notebook).
        env = {HOME_ENV: str(Path(tmp) / "home"), GRADE_LOG_ENV: str(log), STRICT_ENV: None,
               **({k: str(threads) for k in ONE_THREAD_ENV} if threads else {})}
        try:
            execute(nb, path.parent.resolve(), env, timeout=timeout, total_timeout=total_timeout,
                    client_class=_client_class(timed_out), allow_errors=True, interrupt_on_timeout=True,
                    on_cell_start=lambda cell, cell_index: state.__setitem__("cell", cell_index))
        except Exception as exc:  # the report must come back, whatever happened
            where = "before any cell ran" if state["cell"] is None else f"in cell {state['cell']}"
            if time.perf_counter() - start >= total_timeout:  # cancelling may surface as a dead kernel
                reason = f"the whole-notebook time limit ({total_timeout:g} s) ran out {where}"
            elif isinstance(exc, DeadKernelError):
                reason = ("the kernel died (it exited, crashed or ran out of memory) "
                          + ("before any cell ran" if state["cell"] is None else f"while running cell {state['cell']}"))
            else:
                reason = f"the notebook could not be run {where}: {type(exc).__name__}: {str(exc)[:300]}"
            report.update(status="ungradable", reason=reason)
        report["seconds"] = round(time.perf_counter() - start, 1)
        with contextlib.suppress(OSError):  # the notebook may have deleted its own log
            report["quizzes"] = [json.loads(line) for line in log.read_text().splitlines()
                                 if line.strip().startswith("{") and '"quiz"' in line]
    results = _read_outputs(nb, report, set(timed_out), timeout)
    for ex in expected:
        report["exercises"].append(results.get(ex) or {
            "exercise": ex, "status": "missing",
            "reason": "its check never ran (cell deleted, function renamed, or an earlier error)"})
    return report


def _read_outputs(nb, report: dict, timed_out: set[int], timeout: float) -> dict:
    """Collect from the executed cells' outputs: the check results ({exercise id: record}), the
    cells whose output was cut, and the errors, in words."""
    results = {}
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            rec = _check_record(data)
            if rec:  # results come from the outputs: files can't tamper with them
                results[rec["exercise"]] = rec
            if out.get("output_type") == "stream" and str(out.get("text", "")).startswith(TRUNCATED):
                report.setdefault("truncated", []).append(i)
            if out.get("output_type") == "error":
                report["errors"].append(_error(i, out, i in timed_out, timeout))
    return results


def _check_record(data: dict) -> dict | None:
    """The check result in one output's data (None if there is none), its fields as plain text
    whatever a notebook displayed under the check's MIME type."""
    rec = data.get(CHECK_MIME)
    if not isinstance(rec, dict) or not isinstance(rec.get("exercise"), str):
        return None
    return {k: v if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)[:1000]
            for k, v in rec.items() if isinstance(k, str)}


def _error(cell: int, out, timed_out: bool, timeout: float) -> dict:
    """One error of a cell: `error` (name: value) and `text`, the sentence a report prints."""
    if timed_out:  # nbclient interrupted the kernel: the cell shows a KeyboardInterrupt
        return {"cell": cell, "error": "time limit", "text": f"cell {cell} ran past its {timeout:g} s limit"}
    error = f"{out.get('ename')}: {out.get('evalue')}"[:300]
    return {"cell": cell, "error": error, "text": f"cell {cell} raised {error}"}


def exit_code(report: dict) -> int:
    """0: every expected exercise passed; 1: some did not; 2: not graded to the end."""
    if report["status"] != "graded":
        return EXIT_UNGRADABLE
    ok = report["exercises"] and all(e["status"] == "passed" for e in report["exercises"])
    return EXIT_OK if ok else EXIT_NOT_PASSED


def first_answers(report: dict) -> dict[str, bool]:
    """{quiz id: whether its FIRST answer was right}: a wrong click then the right one stays wrong."""
    first: dict[str, bool] = {}
    for q in report.get("quizzes", []):  # in the order answered
        first.setdefault(q.get("quiz"), bool(q.get("correct")))
    return first


def format_report(report: dict) -> str:
    """The report as text, one line per exercise, then quizzes, errors in words and the total."""
    lines = [f"Grading {report['notebook']}"]
    if report["status"] != "graded":
        lines.append(f"  could not grade to the end: {report.get('reason')}")
    for e in report["exercises"]:
        why = f"  ({e.get('case', '')}: {e['reason']})" if e.get("reason") else ""
        lines.append(f"  {e['exercise']:<24} {e['status']}{why}")
    if not report["exercises"] and report["status"] == "graded":
        lines.append("  no exercise found for this notebook")
    if report["quizzes"]:
        first = first_answers(report)
        lines.append(f"  quizzes answered: {len(first)}, right at the first answer: {sum(first.values())}, "
                     f"answers given: {len(report['quizzes'])}")
    for err in report["errors"]:
        lines.append("  " + err.get("text", f"cell {err['cell']} raised {err['error']}"))
    for i in report.get("truncated", []):
        lines.append(f"  cell {i} printed more than {MAX_OUTPUT_BYTES:,} bytes; the rest was dropped")
    passed = sum(e["status"] == "passed" for e in report["exercises"])
    lines.append(f"  {passed}/{len(report['exercises'])} exercises passed"
                 + (f" in {report['seconds']} s" if "seconds" in report else ""))
    return "\n".join(lines)
