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


def _update(kind: str, key: str, status: str) -> None:
    path = progress_path()
    try:
        with _locked(path):
            data = _read(path)
            rec = data[kind].setdefault(key, {"attempts": 0})
            rec["attempts"] += 1
            rec["status"] = status
            rec["last"] = time.strftime("%Y-%m-%dT%H:%M:%S")
            if status in ("passed", "correct"):
                rec["done"] = True
            _write(path, data)
    except OSError as exc:  # a read-only home must not break the notebook
        warnings.warn(f"Could not record progress in {path}: {exc}", stacklevel=3)


def record_exercise(exercise_id: str, status: str) -> None:
    """Remember the latest outcome of an exercise (and that it was passed once, if so)."""
    _update("exercises", exercise_id, status)


def record_quiz(quiz_id: str, correct: bool) -> None:
    _update("quizzes", quiz_id, "correct" if correct else "wrong")


def load() -> dict:
    path = progress_path()
    with _locked(path):
        return _read(path)


def table() -> str:
    """A text table: per chapter, exercises done and quizzes answered right."""
    from .loader import chapters_in
    from .syllabus import chapter

    data = load()
    # Exercise ids come from the syllabus, so this imports no chapter (and no torch).
    chapters = {ch: list(chapter(ch).exercises) for ch in chapters_in(f"{__package__}.exercises")}
    quiz_done: dict[str, int] = {}
    for qid, rec in data["quizzes"].items():
        if rec.get("done"):
            quiz_done[qid.split(".")[0]] = quiz_done.get(qid.split(".")[0], 0) + 1
    rows = [f"{'chapter':<8} {'exercises':<10} {'quizzes right':<14} to do",
            "-" * 60]
    for ch, ids in chapters.items():
        done = [i for i in ids if data["exercises"].get(i, {}).get("done")]
        todo = ", ".join(i for i in ids if i not in done) or "-"
        rows.append(f"{ch:<8} {len(done)}/{len(ids):<8} {quiz_done.get(ch, 0):<14} {todo}")
    total = sum(len(v) for v in chapters.values())
    n_done = sum(1 for r in data["exercises"].values() if r.get("done"))
    rows.append("-" * 60)
    rows.append(f"{n_done}/{total} exercises passed; progress file: {progress_path()}")
    return "\n".join(rows)
