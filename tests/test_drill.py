"""The interview drill: its pool, Leitner schedule and record, the notebook widget's logic, and
`ssl-course drill` driven in a pseudo-terminal as a learner would (answer, reveal, rate, Ctrl-D)."""
from __future__ import annotations

import io
import json
import os
import re
import select
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from ssl_course.course import drill as d
from ssl_course.course.quiz import chapter_quizzes, quiz

NOW = datetime(2026, 12, 7, 18, 0, tzinfo=timezone.utc)

SOURCE = """\
# %% [markdown]
# ## Theory
#
# <details><summary>Not a drill question</summary> hidden </details>
#
# ## Interview drill
#
# %%
quiz("05.q1")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>Why **normalise** the embeddings before
# the dot product?</summary>
#
# Without it, $\\mathrm{logits}$ grow with the norm.
#
# A second paragraph.
# </details>
#
# <details><summary>Second question?</summary>
#
# Second answer.
# </details>
#
# ## Summary
#
# <details><summary>After the section</summary> no </details>
"""


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SSL_COURSE_HOME", str(tmp_path))
    return tmp_path


def _progress(home) -> dict:
    return json.loads((home / "progress.json").read_text())


# ---------------------------------------------------------------- the pool

def test_followups_are_the_details_of_the_interview_drill_section_only():
    items = d.parse_followups(SOURCE, "05")
    assert [i.question for i in items] == ["Why normalise the embeddings before the dot product?",
                                           "Second question?"]
    assert items[0].answer == "Without it, logits grow with the norm.\n\nA second paragraph."
    assert [i.label for i in items] == ["follow-up 1", "follow-up 2"]
    assert items[1].heading(2, 10) == "[2/10] chapter 05, follow-up 2"
    assert all(i.kind == "follow-up" and i.quiz is None for i in items)


def test_a_followups_id_survives_a_question_inserted_before_it():
    before = d.parse_followups(SOURCE, "05")
    inserted = SOURCE.replace("# **Follow-up questions** (think first, then unfold):\n#\n",
                              "# **Follow-up questions** (think first, then unfold):\n#\n"
                              "# <details><summary>A new one?</summary> New. </details>\n#\n")
    after = d.parse_followups(inserted, "05")
    assert len(after) == 3
    assert [i.id for i in after[1:]] == [i.id for i in before]


def test_the_pool_holds_every_quiz_and_the_chapters_followups():
    pool = d.load_pool(["05", "17"])
    ids = [i.id for i in pool]
    assert len(ids) == len(set(ids))
    for ch in ("05", "17"):
        assert set(chapter_quizzes(ch)) <= set(ids)
    follow = [i for i in pool if i.kind == "follow-up"]
    # chapter 05 has three follow-ups under "Follow-up questions", 17 two with no such heading
    assert [sum(i.chapter == ch for i in follow) for ch in ("05", "17")] == [3, 2]
    assert all(i.answer and "<" not in i.answer and "**" not in i.answer for i in follow)


def test_the_whole_course_has_followups_in_most_chapters():
    pool = d.load_pool()
    chapters = {i.chapter for i in pool if i.kind == "follow-up"}
    assert len(chapters) >= 25 and "27" not in chapters  # 27 and 28 have no <details> blocks
    assert sum(i.kind == "quiz" for i in pool) == sum(len(chapter_quizzes(c)) for c in d.all_chapters())


@pytest.mark.parametrize("spec, expected", [
    ("05,12", ["05", "12"]), ("3-5", ["03", "04", "05"]), ("05, 04-06", ["05", "04", "06"]),
    (["5", 12], ["05", "12"]), (None, None), ("", None)])
def test_chapters_option(spec, expected):
    assert d.parse_chapters(spec) == expected


@pytest.mark.parametrize("spec, message", [
    ("45", "no chapter 45; the chapters are 00-30"), ("7-3", "runs backwards; write 03-07"),
    ("five", "'five' is not a chapter number")])
def test_bad_chapters_are_named(spec, message):
    with pytest.raises(d.DrillError, match=re.escape(message)):
        d.parse_chapters(spec)


# ---------------------------------------------------------------- the schedule

def test_leitner_moves_and_intervals():
    s = d.schedule(None, "right", NOW)
    assert (s["box"], s["due"], s["seen"], s["right"]) == (2, "2026-12-08T18:00:00Z", 1, 1)
    s = d.schedule(s, "easy", NOW)
    assert (s["box"], s["due"]) == (4, "2026-12-14T18:00:00Z")
    s = d.schedule(s, "hard", NOW)
    assert s["box"] == 4 and s["right"] == 3
    assert d.schedule(d.schedule(s, "easy", NOW), "good", NOW)["box"] == 5  # capped at the last box
    s = d.schedule(s, "wrong", NOW)
    assert (s["box"], s["due"], s["seen"], s["right"], s["result"]) == (1, "2026-12-07T18:00:00Z", 4, 3, "wrong")
    assert d.schedule(None, "again", NOW)["box"] == 1
    assert d.schedule(None, "hard", NOW)["box"] == 1  # a new question rated hard comes back at once
    with pytest.raises(ValueError, match="right, wrong or one of again"):
        d.schedule(None, "meh", NOW)


def _items(n):
    return [d.Item(f"05.x{k}", "05", f"q{k}") for k in range(n)]


def test_pick_due_first_then_new_shuffled_by_seed():
    pool = _items(30)
    state = {"05.x3": d.schedule(None, "right", NOW - timedelta(days=2)),  # box 2, due yesterday
             "05.x7": d.schedule(None, "wrong", NOW - timedelta(hours=1)),  # box 1, due an hour ago
             "05.x9": d.schedule(None, "right", NOW)}  # box 2, due tomorrow: not asked
    picked = [i.id for i in d.pick(pool, state, 30, seed=0, now=NOW)]
    assert picked[:2] == ["05.x7", "05.x3"]
    assert "05.x9" not in picked and len(picked) == 29
    new = picked[2:]
    assert new != sorted(new, key=lambda s: int(s[4:]))  # shuffled
    assert [i.id for i in d.pick(pool, state, 30, seed=0, now=NOW)] == picked
    assert [i.id for i in d.pick(pool, state, 30, seed=1, now=NOW)] != picked
    assert [i.id for i in d.pick(pool, state, 3, seed=0, now=NOW)] == picked[:3]


def test_each_answer_is_written_at_once_and_other_records_are_kept(home):
    (home / "progress.json").write_text(json.dumps(
        {"version": 1, "exercises": {"01.info_nce": {"status": "passed"}}, "quizzes": {"01.q1": {"status": "wrong"}}}))
    session = d.Session([d.Item("05.q1", "05", "?", quiz=quiz("05.q1"), label="05.q1")], [], NOW)
    right, text = session.grade_choice("a")
    data = _progress(home)
    assert not right and data["drill"]["05.q1"]["box"] == 1 and data["drill"]["05.q1"]["result"] == "wrong"
    assert data["exercises"] == {"01.info_nce": {"status": "passed"}} and data["quizzes"]["01.q1"]
    assert data["version"] == 1
    # the explanation of the choice made, then the right one with its explanation
    assert text.startswith("Not quite: the answer is b.\na) No: each image gives two views")
    assert "\nb) 510 negatives; loss about log 511 = 6.24.\nRight: 2N - 1 candidates" in text


def test_a_damaged_record_counts_as_new_and_is_replaced(home):
    (home / "progress.json").write_text(json.dumps(
        {"version": 1, "exercises": {}, "quizzes": {},
         "drill": {"05.q1": {"box": 9}, "05.q2": "junk", "05.q3": d.schedule(None, "wrong", NOW)}}))
    assert list(d.load_state()) == ["05.q3"]
    assert d.save_result("05.q1", "right", NOW)["box"] == 2
    (home / "progress.json").write_text(json.dumps({"version": 1, "exercises": {}, "drill": []}))
    assert d.load_state() == {} and d.save_result("05.q1", "wrong", NOW)["box"] == 1


def test_summary_counts_per_chapter_and_says_what_is_due(home):
    q1, q3 = quiz("05.q1"), quiz("12.q1")
    items = [d.Item("05.q1", "05", "?", quiz=q1), d.Item("12.q1", "12", "?", quiz=q3),
             d.Item("05.f.x", "05", "?", answer="A.")]
    session = d.Session(items, items + [d.Item("05.new", "05", "?", answer="A.")], NOW)
    session.grade_choice(q1.correct)
    session.grade_choice(next(k for k in q3.choices if k != q3.correct))
    with pytest.raises(ValueError, match="05.f.x is a follow-up, not a quiz"):
        session.grade_choice("a")
    session.rate("4")
    assert session.current is None
    with pytest.raises(ValueError, match="the drill is over"):
        session.rate("4")
    assert session.summary().splitlines()[:4] == [
        "Asked 3, right 2 (67%).", "  chapter 05: 2/2 right", "  chapter 12: 0/1 right",
        "Due now: 1. New (never drilled): 1. Next due: 1 on 2026-12-08 (in 1 day)."]


def test_ratings_parse_and_bad_ones_list_the_choices():
    assert [d.parse_rating(t) for t in ("1", "Hard", "g", " 4 ")] == ["again", "hard", "good", "easy"]
    with pytest.raises(ValueError, match="1 again, 2 hard, 3 good, 4 easy"):
        d.parse_rating("5")


def test_session_rejects_a_bad_count(home):
    for n, message in ((0, "at least 1"), ("3", "whole number"), (True, "whole number")):
        with pytest.raises(d.DrillError, match=message):
            d.Session.start(["05"], n=n)


# ---------------------------------------------------------------- terminal text (no pty)

class _Input(io.StringIO):
    """Scripted answers; a drill that keeps reading after they ended fails instead of hanging."""

    def __init__(self, text):
        super().__init__(text)
        self.reads_at_end = 0

    def readline(self, *args):
        line = super().readline(*args)
        self.reads_at_end += not line
        assert self.reads_at_end <= 1, "the drill kept asking after the input ended"
        return line


def _run_text(home, answers: str, n=3, width=40, chapters="05", seed=0):
    session = d.Session.start(chapters, n=n, seed=seed)
    out = io.StringIO()
    code = d.run_terminal(session, d.Terminal(_Input(answers), out, width=width))
    return session, code, out.getvalue()


def _script(items, wrong_quiz=None) -> str:
    """Right answers to every quiz (a wrong one for `wrong_quiz`); reveal and rate 'good'."""
    lines = []
    for item in items:
        if item.quiz is None:
            lines += ["", "good"]
        else:
            q = item.quiz
            lines.append(next(k for k in q.choices if k != q.correct) if item.id == wrong_quiz else q.correct)
    return "\n".join(lines) + "\n"


def test_terminal_run_wraps_to_40_columns_and_records_everything(home):
    items = d.Session.start("05", n=9, seed=0, record=False).items
    session, code, out = _run_text(home, _script(items), n=9)
    assert code == 0 and len(session.results) == 9
    assert max(len(line) for line in out.splitlines()) <= 40
    assert "\x1b[" not in out
    assert len(_progress(home)["drill"]) == 9
    assert "Asked 9, right 9 (100%)." in out


def test_invalid_answers_are_asked_again_and_q_stops_cleanly(home):
    items = d.Session.start("05", n=9, seed=0, record=False).items
    first = items[0]
    bad = "z\n" if first.quiz else "\nseven\n"
    session, code, out = _run_text(home, bad + _script(items[:1]) + "q\n", n=9)
    assert code == 0 and len(session.results) == 1 and "Stopped." in out
    assert ("Type one of a, b, c" in out) if first.quiz else ("rate with 1-4 or a word" in out)


def test_input_closed_midway_keeps_the_answers_and_says_so(home):
    items = d.Session.start("05", n=3, seed=0, record=False).items
    session, code, out = _run_text(home, _script(items[:1]), n=3)
    assert code == 1 and len(session.results) == 1
    assert "Input closed: stopped after 1 of 3 questions; every answer given is saved." in " ".join(out.split())
    assert list(_progress(home)["drill"]) == [items[0].id]


# ---------------------------------------------------------------- the widget's logic

def test_widget_grades_reveals_rates_and_sums_up(home):
    pytest.importorskip("ipywidgets")
    from ssl_course.course.drill_widget import DrillWidget

    q = quiz("05.q1")
    follow = d.parse_followups(SOURCE, "05")[0]
    items = [d.Item("05.q1", "05", q.question, quiz=q, label="quiz 05.q1"), follow]
    w = DrillWidget(d.Session(items, items, NOW))
    assert "[1/2] chapter 05, quiz 05.q1" in w.header.value and "510 negatives" in w.question.value
    w.controls.children[0].value = "c"  # a click on c
    assert "Not quite: the answer is b." in w.feedback.value and "the anchor itself is never" in w.feedback.value
    assert w.controls.children == (w.next_button,) and w.next_button.description == "Next question"
    assert "Box 1 of 5: due again at your next drill." in w.feedback.value
    w.next_button.click()
    assert "[2/2] chapter 05, follow-up 1" in w.header.value and w.feedback.value == ""
    assert "logits grow" not in w.question.value + w.feedback.value  # hidden until asked
    w.controls.children[0].click()  # "Show the answer"
    assert "logits grow with the norm" in w.feedback.value and "Box" not in w.feedback.value
    [b for b in w.controls.children if getattr(b, "description", "") == "easy"][0].click()
    assert w.next_button.description == "Show the summary"
    assert "Rated <b>easy</b>. Box 3 of 5: due again in 3 days." in w.feedback.value
    w.next()
    assert "Asked 2, right 1 (50%)." in w.question.value and w.controls.children == ()
    assert {k: v["result"] for k, v in _progress(home)["drill"].items()} == {"05.q1": "wrong", follow.id: "easy"}
    assert "2 questions, done" in repr(w) and w._repr_mimebundle_()["text/plain"] == repr(w)


def test_widget_with_nothing_due_says_when(home):
    pytest.importorskip("ipywidgets")
    from ssl_course.course.drill_widget import DrillWidget

    item = d.Item("05.f.x", "05", "?", answer="A.")
    w = DrillWidget(d.Session([], [item], NOW))
    assert "Nothing to drill" in w.question.value and "New (never drilled): 1" in w.question.value


# ---------------------------------------------------------------- a learner at a pseudo-terminal

CLI = [sys.executable, "-m", "ssl_course.course.cli", "drill"]


class Pty:
    """`ssl-course drill` on a pseudo-terminal of `cols` columns, read until its next prompt."""

    def __init__(self, args, home, cols=40):
        import fcntl
        import struct
        import termios

        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env.update(SSL_COURSE_HOME=str(home), TERM="xterm-256color")
        # A new session whose controlling terminal is this one: ^C and ^D act as at a real terminal.
        self.proc = subprocess.Popen(CLI + args, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True,
                                     preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(slave)
        self.text = ""

    def read(self, until="> ", timeout=90.0) -> str:
        """Output up to and including `until` (or to the end), \\r\\n made \\n."""
        start, end = len(self.text), time.monotonic() + timeout
        while not (len(self.text) > start and self.text.endswith(until)) and time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # EIO: the program exited and closed the terminal
                    break
                if not chunk:
                    break
                self.text += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
            elif self.proc.poll() is not None:
                break
        return self.text[start:]

    def send(self, line: str) -> str:
        os.write(self.master, (line + "\n").encode())
        return self.read()

    def close(self) -> int:
        """Wait for the program to end; its exit status."""
        try:
            code = self.proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the drill did not end; its output so far:\n{self.text}") from None
        self.read(until="\0", timeout=1)
        return code

    def kill(self) -> None:
        """Teardown: end the program if a failed test left it waiting, and close the terminal."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


@pytest.fixture
def pty_drill():
    """Start `ssl-course drill ARGS` on a pseudo-terminal; every one is ended after the test."""
    if sys.platform == "win32":
        pytest.skip("pseudo-terminals are POSIX only")
    started = []

    def start(args, home, cols=40):
        started.append(Pty(args, home, cols))
        return started[-1]

    yield start
    for t in started:
        t.kill()


def _first_three():
    """The questions `--seed 0 -n 3` asks on a fresh record, and a seed with two quizzes and a follow-up."""
    items = d.Session.start(None, n=3, seed=0, record=False).items
    assert sorted(i.kind for i in items) == ["follow-up", "quiz", "quiz"], \
        f"--seed 0 no longer gives two quizzes and a follow-up: {[i.id for i in items]}; pick another seed"
    return items


def test_a_learner_drills_at_a_40_column_terminal_and_the_wrong_one_comes_back_first(tmp_path, pty_drill):
    items = _first_three()
    quizzes = [i for i in items if i.quiz is not None]
    right, wrong = quizzes
    t = pty_drill(["--seed", "0", "-n", "3"], tmp_path)
    t.read()
    for item in items:
        if item is right:
            t.send(item.quiz.correct)
        elif item is wrong:
            t.send(next(k for k in item.quiz.choices if k != item.quiz.correct))
        else:
            assert item.answer[:20] not in " ".join(t.text.split())  # not shown before Enter
            t.send("")
            t.send("3")
    assert t.close() == 0
    out, flat = t.text, " ".join(t.text.split())
    assert max(len(line) for line in out.splitlines()) <= 40, out
    assert "\x1b[" not in out
    assert flat.count("Correct.") == 1 and flat.count(f"Not quite: the answer is {wrong.quiz.correct}.") == 1
    assert " ".join(wrong.quiz.choices[wrong.quiz.correct][1].split()) in flat  # the right one explained
    assert "Model answer:" in flat and " ".join(items[[i.quiz is None for i in items].index(True)].answer.split()[:8]) in flat
    assert "Asked 3, right 2 (67%)." in flat and "Due now: 1." in flat and "Next due: 2 on" in flat
    assert flat.count("Box 2 of 5: due again in 1 day.") == 2
    assert flat.count("Box 1 of 5: due again at your next drill.") == 1
    assert {k: v["result"] for k, v in _progress(tmp_path)["drill"].items()} == \
        {right.id: "right", wrong.id: "wrong", [i for i in items if i.quiz is None][0].id: "good"}

    # The next drill: the wrong one comes first; answered right now, it moves up a box; then
    # Ctrl-C (the terminal's interrupt character), and nothing answered is lost.
    again = pty_drill(["--seed", "0", "-n", "3"], tmp_path)
    assert wrong.heading(1, 3) in again.read()
    again.send(wrong.quiz.correct)
    os.write(again.master, b"\x03")
    assert again.close() == 130
    flat = " ".join(again.text.split())
    assert "Interrupted: stopped after 1 of 3 questions; every answer given is saved." in flat
    assert "Traceback" not in flat
    records = _progress(tmp_path)["drill"]
    assert len(records) == 3 and (records[wrong.id]["box"], records[wrong.id]["seen"]) == (2, 2)


def test_ctrl_d_at_a_terminal_stops_with_a_message_and_keeps_the_record(tmp_path, pty_drill):
    due = d.schedule(None, "wrong", datetime.now(timezone.utc) - timedelta(days=1))
    record = {"version": 1, "exercises": {}, "quizzes": {}, "drill": {"05.q1": due}}
    (tmp_path / "progress.json").write_text(json.dumps(record))
    t = pty_drill(["--chapters", "05", "-n", "3"], tmp_path)
    assert "[1/3] chapter 05, quiz 05.q1" in t.read()  # due, so first
    os.write(t.master, b"\x04")
    assert t.close() == 1
    assert "Input closed: stopped after 0 of 3 questions" in " ".join(t.text.split())
    assert json.loads((tmp_path / "progress.json").read_text()) == record


def test_stdin_closed_stops_with_a_message_and_keeps_the_record(tmp_path):
    record = {"version": 1, "exercises": {}, "quizzes": {}, "drill": {"05.q1": d.schedule(None, "right", NOW)}}
    (tmp_path / "progress.json").write_text(json.dumps(record))
    env = {**os.environ, "SSL_COURSE_HOME": str(tmp_path), "COLUMNS": "40"}
    run = subprocess.run(CLI + ["-n", "3", "--chapters", "05"], stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, env=env, timeout=60)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Input closed: stopped after 0 of 3 questions" in " ".join(run.stdout.split())
    assert "Traceback" not in run.stdout + run.stderr
    assert json.loads((tmp_path / "progress.json").read_text()) == record
    assert max(len(line) for line in run.stdout.splitlines()) <= 40


def test_bad_options_exit_2_with_one_line(home, capsys):
    from ssl_course.course.cli import main

    assert main(["drill", "--chapters", "31"]) == 2
    assert capsys.readouterr().err.strip() == \
        "ssl-course drill: chapters: there is no chapter 31; the chapters are 00-30"
    assert main(["drill", "-n", "0"]) == 2
    assert capsys.readouterr().err.strip() == "ssl-course drill: questions must be at least 1, got 0"


def test_drill_in_a_notebook_cell_picks_from_the_chapters_asked(home):
    pytest.importorskip("ipywidgets")
    from ssl_course.course.drill_widget import drill

    w = drill(chapters="05", n=4, seed=0)
    assert len(w.session.items) == 4 and {i.chapter for i in w.session.items} == {"05"}
    assert [i.id for i in w.session.items] == [i.id for i in drill(chapters=["05"], n=4, seed=0).session.items]
    with pytest.raises(d.DrillError, match="no chapter 99"):
        drill(chapters="99")
