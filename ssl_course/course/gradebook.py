"""A class's gradebook: grade many submissions at once, in parallel, and write what an
instructor and each learner need.

    ssl-course grade submissions/ [more.ipynb 'late/*.ipynb'] [--jobs N] [--out DIR] [--redo]

- Each submission is graded by `grade.grade` (a fresh, offline kernel with the per-cell and
  whole-notebook limits, output capped) in its own worker process, forked from this one, at
  most `jobs` at a time (default: the machine's cores), each kernel with cores // jobs
  BLAS/OpenMP threads (at least one), so that kernels do not fight over the cores.
- It runs on a private copy of the file, in a temporary folder, so a notebook that rewrites
  the notebooks beside it (by relative path) cannot touch its classmates'. A worker that dies
  or hangs past the whole-notebook limit (plus a grace period) is reported for that
  submission alone; the others go on. (No sandbox: a notebook runs as the grading user.)
- The out folder (default `gradebook/` in the current folder) receives `gradebook.csv` (one
  row per submission), `gradebook.json` (the rows, every full report and the summary) and
  `feedback/<submission>.html`, one page per submission that a learner can read.
- Re-running grades only the submissions whose content (sha256) changed since the last run
  with the same limits and the same course code; `redo=True` grades all.
"""
from __future__ import annotations

import collections
import csv
import glob
import hashlib
import html
import io
import json
import multiprocessing
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

from .build import write_atomic
from .checks import NOT_ATTEMPTED_ADVICE
from .execute import code_hash
from .grade import exit_code, first_answers, grade

GRACE_S = 120.0  # beyond the whole-notebook limit, for a kernel's start and shutdown
STATUS = {0: "passed", 1: "not passed", 2: "ungradable"}  # a submission's status, by exit code
QUIZ_WORDS = {True: "right", False: "wrong"}  # a quiz's first answer; no answer: "not answered"
SKIP_DIRS = {".ipynb_checkpoints", "__pycache__", ".git"}


class GradebookError(Exception):
    """Bad input for the gradebook (no notebook found, a path that does not exist)."""


class GradebookInterrupted(GradebookError):
    """Ctrl-C while grading; what was graded so far is saved."""


@dataclass
class Submission:
    """One notebook to grade: where it is, the sha256 of its content (of the bytes graded,
    once graded) and its report."""

    path: Path
    name: str  # the path as the gradebook shows it
    sha256: str = ""
    report: dict = field(default_factory=dict)
    reused: bool = False


# ----------------------------------------------------------------------------- what to grade
def collect(paths: list[str], exclude: Path | None = None) -> list[Path]:
    """The notebooks named by `paths`: files, folders (every .ipynb below them, checkpoints
    skipped) and glob patterns, each once, sorted. A path that is neither raises GradebookError."""
    found: list[Path] = []
    for arg in paths:
        p = Path(arg)
        if p.is_dir():
            found += [f for f in p.rglob("*.ipynb") if not SKIP_DIRS & set(f.parts)]
        elif p.exists():
            found.append(p)
        elif glob.has_magic(arg):
            matches = [Path(m) for m in glob.glob(arg, recursive=True)]
            found += [m for m in matches if m.is_file() and not SKIP_DIRS & set(m.parts)]
        else:
            raise GradebookError(f"no such file or folder: {arg}")
    if exclude is not None:
        found = [f for f in found if exclude.resolve() not in f.resolve().parents]
    unique = {f.resolve(): f for f in found}
    return sorted(unique.values(), key=lambda f: str(f))


def _display_name(path: Path) -> str:
    """The path relative to the current folder where it is below it, else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())


def load(path: Path) -> Submission:
    """A Submission with the sha256 of its content ('' for a file that cannot be read: grading
    then reports why)."""
    sub = Submission(path, _display_name(path))
    try:
        sub.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        pass
    return sub


# ----------------------------------------------------------------------------- grading, in parallel
def cores() -> int:
    """The cores this process may run on (a container's limit included where the OS says it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _grade_copy(sub: Submission, timeout: float, total_timeout: float, threads: int) -> dict:
    """Grade a private copy of the submission, in a temporary folder that is the kernel's
    working folder. The report names the original file and holds the sha256 of the bytes
    graded (the file may have changed since it was listed)."""
    try:
        data = sub.path.read_bytes()
    except OSError:  # unreadable: grade() says why, from the original path
        return dict(grade(sub.path, timeout=timeout, total_timeout=total_timeout), notebook=sub.name)
    with tempfile.TemporaryDirectory(prefix="ssl-gradebook-") as tmp:
        copy = Path(tmp) / sub.path.name
        copy.write_bytes(data)
        report = grade(copy, timeout=timeout, total_timeout=total_timeout, threads=threads)
    return dict(report, notebook=sub.name, sha256=hashlib.sha256(data).hexdigest())


def _worker(sub: Submission, timeout: float, total_timeout: float, threads: int, conn) -> None:
    """In the worker process: grade one submission and send its report back."""
    try:
        report = _grade_copy(sub, timeout, total_timeout, threads)
    except BaseException as exc:  # the report must come back, whatever happened
        report = _failed(sub, f"the grader itself failed: {type(exc).__name__}: {str(exc)[:300]}")
    conn.send(report)
    conn.close()


def _failed(sub: Submission, reason: str) -> dict:
    """The report of a submission whose grading did not finish."""
    return {"notebook": sub.name, "status": "ungradable", "reason": reason, "exercises": [],
            "quizzes": [], "errors": [], "grader_failed": True}


def _context():
    """Fork where it is safe (Linux): a worker then starts in milliseconds, with nbclient and
    the course already imported; elsewhere spawn."""
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")


def grade_all(subs: list[Submission], jobs: int, timeout: float, total_timeout: float,
              progress=None) -> None:
    """Grade `subs` (filling in each one's report), at most `jobs` worker processes at a time,
    one process per submission, each kernel with its share of the cores (BLAS/OpenMP threads).
    progress(sub) is called as each finishes."""
    ctx, todo, running = _context(), collections.deque(subs), {}
    threads = max(1, cores() // jobs)
    try:
        while todo or running:
            while todo and len(running) < jobs:
                conn, proc = _start(ctx, todo[0], (timeout, total_timeout, threads))
                running[conn] = (todo.popleft(), proc, time.monotonic() + total_timeout + GRACE_S)
            for conn in wait(list(running), timeout=1.0):
                sub, proc, _ = running.pop(conn)
                _finish(sub, _receive(sub, conn, proc), progress)
            for conn, (sub, proc, deadline) in list(running.items()):
                if time.monotonic() > deadline:  # grade() keeps its own limits: this is a last resort
                    del running[conn]
                    _stop(proc, conn)
                    _finish(sub, _failed(sub, f"grading took longer than the whole-notebook limit "
                                              f"({total_timeout:g} s) plus {GRACE_S:g} s and was stopped"), progress)
    finally:  # Ctrl-C, or an error here: no worker outlives the run
        for _, proc, _ in running.values():
            proc.kill()
        for conn, (_, proc, _) in list(running.items()):
            _stop(proc, conn)


def _start(ctx, sub: Submission, limits: tuple):
    """Start the worker process for one submission, with `limits` (timeout, total_timeout,
    threads); returns (the end its report arrives on, the process)."""
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_worker, args=(sub, *limits, send), daemon=True)
    proc.start()
    send.close()  # the worker holds the other end: its death closes the pipe
    return receive, proc


def _stop(proc, conn) -> None:
    proc.kill()
    proc.join()
    conn.close()


def _finish(sub: Submission, report: dict, progress) -> None:
    sub.report = report
    sub.sha256 = report.get("sha256", sub.sha256)
    if progress:
        progress(sub)


def _receive(sub: Submission, conn, proc) -> dict:
    """The report a worker sent, or one that says how the worker died."""
    try:
        report = conn.recv()
    except (EOFError, OSError):
        proc.join(5)
        how = f"it was killed by signal {-proc.exitcode}" if (proc.exitcode or 0) < 0 else f"exit code {proc.exitcode}"
        report = _failed(sub, f"the grading process died before reporting ({how}); "
                              "the notebook may have killed it")
    finally:
        conn.close()
    proc.join()
    return report


# ----------------------------------------------------------------------------- the cache
def read_cache(out: Path, key: dict) -> dict[str, dict]:
    """{sha256 + file name: report} from the last gradebook in `out`, when it was made with the
    same limits and course code (`key`); {} otherwise, or when the file is unreadable."""
    try:
        old = json.loads((out / "gradebook.json").read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(old, dict) or old.get("cache_key") != key:
        return {}
    return {f"{s['sha256']}/{Path(s['file']).name}": s["report"] for s in old.get("submissions", [])
            if isinstance(s, dict) and s.get("sha256") and isinstance(s.get("report"), dict)}


# ----------------------------------------------------------------------------- rows and summary
def row(sub: Submission, exercises: list[str], quizzes: list[str]) -> dict:
    """One gradebook row: file, status, a column per exercise and per quiz, totals, problem."""
    rep = sub.report
    results = {e["exercise"]: e["status"] for e in rep.get("exercises", [])}
    first = first_answers(rep)
    expected_q = rep.get("expected_quizzes", [])
    r = {"file": sub.name, "status": STATUS[exit_code(rep)]}
    r.update({ex: results.get(ex, "") for ex in exercises})
    r.update({q: QUIZ_WORDS.get(first.get(q), "not answered") if q in expected_q or q in first else ""
              for q in quizzes})
    r["exercises passed"] = sum(s == "passed" for s in results.values())
    r["exercises total"] = len(results)
    r["quizzes right"] = sum(first.values())
    r["quizzes total"] = len(set(expected_q) | set(first))
    r["problem"] = "; ".join(_problems(rep))
    return r


def _problems(report: dict) -> list[str]:
    """What went wrong, in words: why it could not be graded, then each cell's error."""
    out = [report["reason"]] if report.get("status") != "graded" and report.get("reason") else []
    out += [e.get("text", f"cell {e.get('cell')} raised {e.get('error')}") for e in report.get("errors", [])]
    out += [f"cell {i} printed too much; the rest was dropped" for i in report.get("truncated", [])]
    return out


def columns(subs: list[Submission]) -> tuple[list[str], list[str]]:
    """The exercise and quiz ids of the class, each in its first-seen order across submissions."""
    exercises, quizzes = {}, {}
    for sub in subs:
        exercises.update(dict.fromkeys(e["exercise"] for e in sub.report.get("exercises", [])))
        quizzes.update(dict.fromkeys(sub.report.get("expected_quizzes", [])))
        quizzes.update(dict.fromkeys(q.get("quiz") for q in sub.report.get("quizzes", [])))
    return sorted(exercises, key=str), sorted(quizzes, key=str)


def summary(subs: list[Submission]) -> dict:
    """What an instructor acts on: counts per status, and per exercise its pass rate and its
    most common failing case (case name, the commonest reason given for it, how many)."""
    per_ex: dict[str, list[dict]] = collections.defaultdict(list)
    for sub in subs:
        for e in sub.report.get("exercises", []):
            per_ex[e["exercise"]].append(e)
    statuses = collections.Counter(STATUS[exit_code(s.report)] for s in subs)
    return {"submissions": len(subs), "reused": sum(s.reused for s in subs),
            "status": {k: statuses.get(k, 0) for k in STATUS.values()},
            "exercises": {ex: _exercise_summary(recs) for ex, recs in sorted(per_ex.items())}}


def _exercise_summary(records: list[dict]) -> dict:
    """Pass rate and outcome counts of one exercise over the class, and its commonest failing case."""
    counts = collections.Counter(r.get("status") for r in records)
    failed = [r for r in records if r.get("status") == "failed"]
    by_case = collections.Counter(str(r.get("case", "?")) for r in failed)
    common = None
    if by_case:
        case, n = min(by_case.items(), key=lambda kv: (-kv[1], kv[0]))  # ties: the first by name
        reasons = collections.Counter(str(r.get("reason", "")) for r in failed if str(r.get("case", "?")) == case)
        common = {"case": case, "reason": reasons.most_common(1)[0][0], "count": n}
    return {"submissions": len(records), "passed": counts.get("passed", 0),
            "pass_rate": round(counts.get("passed", 0) / len(records), 4),
            "failed": counts.get("failed", 0), "not attempted": counts.get("not attempted", 0),
            "missing": counts.get("missing", 0), "most_common_failure": common}


def format_summary(summ: dict, out: Path) -> str:
    """The summary as text, for the terminal."""
    st = summ["status"]
    lines = [f"Gradebook of {summ['submissions']} submission(s) in {out}/: {summ['graded']} graded now "
             f"({summ['jobs']} at a time, {summ['seconds']:.0f} s), {summ['reused']} reused from the last "
             "run (unchanged)",
             f"  all exercises passed: {st['passed']}, some not passed: {st['not passed']}, "
             f"could not be graded: {st['ungradable']}"]
    for ex, s in summ["exercises"].items():
        lines.append(f"  {ex:<22} passed {s['passed']}/{s['submissions']} ({s['pass_rate']:.0%}); "
                     f"failed {s['failed']}, not attempted {s['not attempted']}, missing {s['missing']}")
        if s["most_common_failure"]:
            c = s["most_common_failure"]
            lines.append(f"  {'':<22} most common failing case: {c['case']} ({c['count']}x): {c['reason']}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- writing
def write_csv(path: Path, rows: list[dict]) -> None:
    """The gradebook as CSV, one row per submission (opens in any spreadsheet)."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]) if rows else ["file", "status"])
    writer.writeheader()
    writer.writerows({k: _inert(v) for k, v in r.items()} for r in rows)
    write_atomic(path, text.getvalue())


def _inert(value):
    """A text cell a spreadsheet will not run as a formula: what a notebook printed (an error
    message, a forged check result) may start with '='."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def feedback_names(subs: list[Submission]) -> dict[str, str]:
    """{display name: feedback/<file>.html}, unique even when two folders hold the same file name."""
    names, used = {}, set()
    for sub in subs:
        stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(sub.name).with_suffix("").as_posix())
        stem, n = stem.strip("._") or "submission", 1
        name = f"{stem}.html"
        while name in used:
            n += 1
            name = f"{stem}-{n}.html"
        used.add(name)
        names[sub.name] = f"feedback/{name}"
    return names


def feedback_page(sub: Submission, r: dict, quizzes: list[str]) -> str:
    """One learner's feedback as a standalone HTML page: each exercise's result with its
    failing case and hint, the quizzes, and what went wrong. Everything is escaped."""
    e = html.escape
    rep = sub.report
    colour = {"passed": "#1a7f37", "failed": "#cf222e", "not attempted": "#9a6700", "missing": "#57606a"}
    rows = []
    for ex in rep.get("exercises", []):
        detail = f"<div>{e(NOT_ATTEMPTED_ADVICE)}</div>" if ex.get("status") == "not attempted" else ""
        if ex.get("case"):
            detail += f"<div>case: {e(str(ex['case']))}</div>"
        if ex.get("reason"):
            detail += f"<div>problem: {e(str(ex['reason']))}</div>"
        if ex.get("hint"):
            detail += f"<div>hint: {e(str(ex['hint']))}</div>"
        status = str(ex.get("status", ""))
        rows.append(f"<tr><td><code>{e(str(ex.get('exercise')))}</code></td>"
                    f"<td style='color:{colour.get(status, '#000')}'><b>{e(status)}</b></td><td>{detail}</td></tr>")
    quizzes = [f"<li><code>{e(str(q))}</code>: {e(str(r.get(q, '')))}</li>"
               for q in quizzes if r.get(q)]
    problems = "".join(f"<li>{e(p)}</li>" for p in _problems(rep))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Feedback: {e(sub.name)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}}
td{{vertical-align:top;padding:4px 8px;border-bottom:1px solid #ddd}}</style></head><body>
<h1>Feedback on <code>{e(sub.name)}</code></h1>
<p>Status: <b>{e(r['status'])}</b>. Exercises passed: {r['exercises passed']} of {r['exercises total']}.
Quizzes right at the first answer: {r['quizzes right']} of {r['quizzes total']}.</p>
<h2>Exercises</h2>
<table>{''.join(rows) or '<tr><td>No exercise could be graded.</td></tr>'}</table>
<h2>Quizzes</h2><ul>{''.join(quizzes) or '<li>none</li>'}</ul>
<h2>What went wrong</h2><ul>{problems or '<li>nothing</li>'}</ul>
<p><small>Graded by <code>ssl-course grade</code> (sha256 {e(sub.sha256[:12])}).</small></p>
</body></html>
"""


def write(out: Path, subs: list[Submission], key: dict, summ: dict) -> list[dict]:
    """Write gradebook.csv, gradebook.json and the feedback pages into `out`; return the rows."""
    exercises, quizzes = columns(subs)
    rows = [row(s, exercises, quizzes) for s in subs]
    pages = feedback_names(subs)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    for sub, r in zip(subs, rows):
        write_atomic(out / pages[sub.name], feedback_page(sub, r, quizzes))
    write_csv(out / "gradebook.csv", rows)
    doc = {"version": 1, "created": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
           "cache_key": key, "summary": summ,
           "submissions": [{"file": s.name, "sha256": s.sha256, "reused": s.reused, "row": r,
                            "feedback": pages[s.name], "report": s.report} for s, r in zip(subs, rows)]}
    write_atomic(out / "gradebook.json", json.dumps(doc, indent=1))
    return rows


# ----------------------------------------------------------------------------- the whole run
def gradebook(paths: list[str], out: str | Path = "gradebook", jobs: int | None = None,
              timeout: float = 120.0, total_timeout: float = 1800.0, redo: bool = False,
              echo=print) -> dict:
    """Grade every notebook named by `paths` and write the gradebook into `out`.

    jobs: worker processes at once (default: the machine's cores); redo: grade every
    submission even if unchanged since the last run. Returns the summary (also in
    gradebook.json), with `graded` (how many were graded now), `jobs` and `seconds`. Raises GradebookError for bad input.
    """
    out = Path(out)
    jobs = jobs or cores()
    if jobs < 1:
        raise GradebookError(f"--jobs must be at least 1, got {jobs}")
    files = collect(paths, exclude=out)
    if not files:
        raise GradebookError(f"no notebook (.ipynb) found in: {' '.join(paths)}")
    out.mkdir(parents=True, exist_ok=True)
    key = {"timeout": timeout, "total_timeout": total_timeout, "course_code": code_hash()}  # other checks: regrade
    cache = {} if redo else read_cache(out, key)
    subs = [load(f) for f in files]
    todo = []
    for sub in subs:
        old = cache.get(f"{sub.sha256}/{sub.path.name}") if sub.sha256 else None
        if old is not None:
            sub.report, sub.reused = dict(old, notebook=sub.name), True
        else:
            todo.append(sub)
    start = time.perf_counter()
    done = [0]

    def progress(sub):
        done[0] += 1
        echo(f"  [{done[0]}/{len(todo)}] {sub.name}: {STATUS[exit_code(sub.report)]}")

    try:
        grade_all(todo, min(jobs, max(len(todo), 1)), timeout, total_timeout, progress)
    except KeyboardInterrupt:  # keep what was graded: the next run reuses it
        done_subs = [s for s in subs if s.report]
        write(out, done_subs, key, dict(summary(done_subs), interrupted=True))
        raise GradebookInterrupted(f"interrupted: the {len(done_subs)} notebook(s) graded so far are saved "
                                   f"in {out}/; run the same command again to grade the rest") from None
    summ = dict(summary(subs), graded=len(todo), jobs=min(jobs, max(len(todo), 1)),
                seconds=round(time.perf_counter() - start, 2))
    write(out, subs, key, summ)
    echo(format_summary(summ, out))
    return summ
