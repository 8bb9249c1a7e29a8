"""Progress records survive concurrent writers and corrupt files; quizzes grade and render."""
from __future__ import annotations

import json
import multiprocessing as mp

import pytest

from ssl_course.course import progress
from ssl_course.course.quiz import Quiz, chapter_quizzes, quiz
from ssl_course.course.syllabus import CHAPTERS


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
    return Quiz("00.qx", "2 + 2?", {"a": ("3.", "off by one"), "b": ("4.", "arithmetic")}, correct="b")


def test_quiz_grades_records_and_renders(home):
    q = make_quiz()
    assert q.answer("a") == "Not quite: the answer is b.\na) 3.\noff by one"  # no doubled punctuation
    assert q.answer("b").startswith("Correct.")
    record = progress.load()["quizzes"]["00.qx"]
    assert (record["first"], record["status"], record["attempts"], record["done"]) == ("wrong", "correct", 2, True)
    html = q._repr_html_()
    assert "<details>" in html and "arithmetic" in html
    bundle = q._repr_mimebundle_()
    assert "text/html" in bundle and "text/plain" in bundle
    with pytest.raises(ValueError, match="choice"):
        q.answer("z")


@pytest.mark.parametrize("kwargs,match", [
    (dict(choices={"a": ("x", "y")}, correct="a"), "at least two"),
    (dict(choices={"a": ("x", "y"), "b": ("x", "")}, correct="a"), "explanation"),
    (dict(choices={"a": ("x", "y"), "b": ("x", "z")}, correct="c"), "answer"),
])
def test_bad_quiz_definitions(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Quiz("00.bad", "?", **kwargs)


def test_every_written_chapter_has_three_quizzes_each_choice_explained():
    for c in CHAPTERS:
        found = chapter_quizzes(c.number)
        if not found:
            continue
        assert len(found) >= 3, c.number
        for qid, q in found.items():
            assert qid.startswith(f"{c.number}.") and q is quiz(qid)


def test_unknown_quiz_names_the_chapters_quizzes():
    with pytest.raises(KeyError, match="01.q1"):
        quiz("01.q99")


def test_a_quiz_cell_in_a_learner_notebook_holds_the_id_alone():
    import re

    from tests.test_layout import ROOT

    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        for cell in cells:
            src = "".join(cell["source"])
            if cell["cell_type"] == "code" and "quiz(" in src:
                assert re.fullmatch(r'quiz\("\d\d\.q\d+"\)', src.strip()), f"{nb.name}: {src[:80]!r}"


def test_progress_table_keeps_first_answers_and_broken_exercises(home):
    progress.record_exercise("01.info_nce", "passed")
    progress.record_exercise("01.info_nce", "failed")
    progress.record_quiz("01.q1", False)
    progress.record_quiz("01.q1", True)
    progress.record_quiz("01.q2", True)
    table = progress.table()
    row = next(line for line in table.splitlines() if line.startswith("01 "))
    assert "0/2" in row and "2/3" in row and "01.info_nce (failed now, passed before)" in row
    assert row.split()[3] == "1"  # right at the first answer: 01.q2 only
    assert "01.q3" in row and "01.q1" not in row  # answered right in the end: not left to do
    assert "1 failing after a pass" in table
