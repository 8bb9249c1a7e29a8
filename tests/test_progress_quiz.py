"""Progress records survive concurrent writers and corrupt files; quizzes grade and render."""
from __future__ import annotations

import json
import multiprocessing as mp

import pytest

from ssl_course.course import progress
from ssl_course.course.quiz import quiz


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SSL_COURSE_HOME", str(tmp_path))
    return tmp_path


def _writer(home, k):
    import os
    os.environ["SSL_COURSE_HOME"] = str(home)
    for i in range(25):
        progress.record_exercise(f"{k:02d}.ex{i}", "passed")


def test_concurrent_writers_lose_nothing(home):
    procs = [mp.get_context("fork").Process(target=_writer, args=(home, k)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert len(progress.load()["exercises"]) == 100


def test_corrupt_file_is_kept_aside_not_overwritten(home):
    path = home / "progress.json"
    path.write_text("{not json")
    with pytest.warns(UserWarning, match="could not be read"):
        progress.record_exercise("01.info_nce", "passed")
    kept = list(home.glob("progress.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text() == "{not json"
    assert json.loads(path.read_text())["exercises"]["01.info_nce"]["status"] == "passed"


def test_passed_once_stays_done(home):
    progress.record_exercise("00.hello", "passed")
    progress.record_exercise("00.hello", "failed")
    rec = progress.load()["exercises"]["00.hello"]
    assert rec["done"] and rec["status"] == "failed" and rec["attempts"] == 2
    assert "00.hello" in progress.table() or "00" in progress.table()


def make_quiz():
    return quiz("00.qx", "2 + 2?", {"a": ("3", "off by one"), "b": ("4", "arithmetic")}, answer="b")


def test_quiz_grades_records_and_renders(home):
    q = make_quiz()
    assert q.answer("b").startswith("Correct")
    assert q.answer("a").startswith("Not quite")
    assert progress.load()["quizzes"]["00.qx"]["done"]
    html = q._repr_html_()
    assert "<details>" in html and "arithmetic" in html
    bundle = q._repr_mimebundle_()
    assert "text/html" in bundle and "text/plain" in bundle
    with pytest.raises(ValueError, match="choice"):
        q.answer("z")


@pytest.mark.parametrize("kwargs,match", [
    (dict(choices={"a": ("x", "y")}, answer="a"), "at least two"),
    (dict(choices={"a": ("x", "y"), "b": ("x", "")}, answer="a"), "explanation"),
    (dict(choices={"a": ("x", "y"), "b": ("x", "z")}, answer="c"), "answer"),
])
def test_bad_quiz_definitions(kwargs, match):
    with pytest.raises(ValueError, match=match):
        quiz("00.bad", "?", **kwargs)
