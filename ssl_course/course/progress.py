"""Your progress, one small JSON file under your home (or $SSL_COURSE_HOME).

Writes are atomic (a temporary file, then os.replace) and serialised by a file lock, so two
kernels writing at once lose nothing. A file that is not valid JSON is moved aside with a
message and never overwritten.
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
import warnings
from pathlib import Path

from .env import HOME_ENV

VERSION = 1


def progress_path() -> Path:
    base = os.environ.get(HOME_ENV) or Path.home() / ".ssl_course"
    return Path(base) / "progress.json"


def _empty() -> dict:
    return {"version": VERSION, "exercises": {}, "quizzes": {}}


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive lock on `path.lock` for the read-modify-write of the progress file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a+") as lock:
        try:
            import fcntl
        except ImportError:  # Windows: no fcntl; the atomic replace still protects the file
            yield
            return
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read(path: Path) -> dict:
    """The records, or a fresh start; a corrupt file is kept aside, never overwritten."""
    if not path.exists():
        return _empty()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("exercises"), dict):
            raise ValueError("not a progress record")
        data.setdefault("quizzes", {})
        return data
    except (ValueError, UnicodeDecodeError) as exc:
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
        os.replace(path, aside)
        warnings.warn(f"Your progress file {path} could not be read ({exc}); it was kept as {aside} "
                      f"and a fresh one started.", stacklevel=3)
        return _empty()


def _write(path: Path, data: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".progress-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def editing():
    """Change the progress file in place: `with editing() as data: data["drill"] = ...`.
    Read under the file lock, written back atomically when the block ends without an error;
    raises OSError when the home cannot be written (the caller decides how to warn)."""
    path = progress_path()
    with _locked(path):
        data = _read(path)
        yield data
        _write(path, data)


def _update(kind: str, key: str, status: str) -> None:
    """Record one outcome: the first and the latest status, the number of attempts, and whether
    it ever passed (an exercise) or was ever answered right (a quiz)."""
    try:
        with editing() as data:
            rec = data[kind].setdefault(key, {"attempts": 0, "first": status})
            rec["attempts"] += 1
            rec["status"] = status
            rec["last"] = time.strftime("%Y-%m-%dT%H:%M:%S")
            if status in ("passed", "correct"):
                rec["done"] = True
    except OSError as exc:  # a read-only home must not break the notebook
        warnings.warn(f"Could not record progress in {progress_path()}: {exc}", stacklevel=3)


def record_exercise(exercise_id: str, status: str) -> None:
    """Remember an exercise's first and latest outcome (and that it passed once, if so)."""
    _update("exercises", exercise_id, status)


def record_quiz(quiz_id: str, correct: bool) -> None:
    """Remember a quiz's first and latest answer: a wrong click then the right one stays visible."""
    _update("quizzes", quiz_id, "correct" if correct else "wrong")


def load() -> dict:
    path = progress_path()
    with _locked(path):
        return _read(path)


def table() -> str:
    """A text table per chapter: exercises passing now, quizzes right at the first answer, and
    what is left to do (an exercise that passed once and fails now is listed, and says so)."""
    from .loader import chapters_in
    from .quiz import chapter_quizzes
    from .syllabus import chapter

    data = load()
    exercises, quizzes = data["exercises"], data["quizzes"]
    # Exercise ids come from the syllabus and quizzes from their modules: no chapter's
    # exercises (and no torch) are imported.
    rows = [f"{'chapter':<8} {'exercises':<10} {'quizzes':<8} {'right 1st':<9} to do",
            "  (exercises: passing now / all; quizzes: answered / all; right 1st: right at the first answer)",
            "-" * 78]
    totals = dict(ex=0, passing=0, broken=0, quizzes=0, answered=0, first=0)
    for ch in chapters_in(f"{__package__}.exercises"):
        ex_ids, q_ids = list(chapter(ch).exercises), list(chapter_quizzes(ch))
        passing = [i for i in ex_ids if exercises.get(i, {}).get("status") == "passed"]
        answered = [q for q in q_ids if q in quizzes]
        first = [q for q in answered if quizzes[q].get("first") == "correct"]
        todo = []
        for i in ex_ids:
            rec = exercises.get(i, {})
            if rec.get("status") != "passed":
                broken = rec.get("done")
                todo.append(f"{i} ({rec['status']} now, passed before)" if broken else i)
                totals["broken"] += bool(broken)
        todo += [f"{q} (wrong)" if q in quizzes else q for q in q_ids if quizzes.get(q, {}).get("status") != "correct"]
        rows.append(f"{ch:<8} {f'{len(passing)}/{len(ex_ids)}':<10} {f'{len(answered)}/{len(q_ids)}':<8} "
                    f"{len(first):<9} {', '.join(todo) or '-'}")
        for k, v in dict(ex=len(ex_ids), passing=len(passing), quizzes=len(q_ids), answered=len(answered),
                         first=len(first)).items():
            totals[k] += v
    rows.append("-" * 78)
    broken = f" ({totals['broken']} failing after a pass)" if totals["broken"] else ""
    rows.append(f"{totals['passing']}/{totals['ex']} exercises passing{broken}; {totals['answered']}/"
                f"{totals['quizzes']} quizzes answered, {totals['first']} right at the first answer")
    rows.append(f"progress file: {progress_path()}")
    return "\n".join(rows)
