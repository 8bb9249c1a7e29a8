"""The interview drill: every chapter's quizzes and follow-up questions, asked again on a
spaced-repetition schedule, in a terminal (`ssl-course drill`) or a notebook cell (a widget,
`drill_widget.py`). This module is the engine both share: the question pool, the schedule,
its record in the progress file, and a session that asks, grades and sums up.

**The pool.** Multiple-choice questions come from `quizzes/chNN.py` (graded, with the
explanation of the choice made and of the right one). Follow-up questions come from each
chapter source's "Interview drill" section, the `<details><summary>QUESTION</summary> ANSWER
</details>` blocks: the question is shown, the model answer revealed on Enter, and the learner
rates their own answer (again / hard / good / easy). A follow-up's id is its chapter and a
hash of its question text (`05.f.1a2b3c4d`), so inserting a question never moves another's
record; editing a question's text starts it afresh.

**The schedule: Leitner boxes, not SM-2.** Each question sits in a box 1-5 and is due again
after 0, 1, 3, 7 or 21 days. A right answer (or "good") moves it up a box, "easy" two boxes,
"hard" keeps it where it is, a wrong answer (or "again") sends it back to box 1, due at once.
Why Leitner: half the pool is graded right/wrong, which is all a box needs, while SM-2's
ease factor needs graded recall on every item and several reviews to settle, more than a
pool of about two hundred questions gets; and a box reads plainly in the summary ("box 3,
due in 3 days"), so a learner can see why a question comes back.

**The record.** One top-level key, `"drill"`, in the progress file (`progress.py`: the same
lock and atomic write; the other keys are untouched, so older readers still work):
`{"05.q1": {"box": 2, "due": "2026-12-08T18:00:00Z", "seen": 1, "right": 1, "last": ...,
"result": "right"}}`. It is written after every answer, so closing the input (Ctrl-D,
Ctrl-C) or the notebook loses nothing answered.

**Which questions.** Due questions first (lowest box, then the longest overdue), then
questions never drilled, in an order shuffled by `seed`; questions not yet due are not
asked (the summary says when the next ones are).
"""
from __future__ import annotations

import hashlib
import html
import random
import re
import shutil
import sys
import textwrap
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import progress
from .checkout import SOURCES_DIR, repo_root
from .loader import chapters_in
from .quiz import QUIZZES, Quiz, chapter_quizzes

KEY = "drill"  # the progress file's top-level key for the schedule
INTERVAL_DAYS = (0, 1, 3, 7, 21)  # box 1..5: days until a question is due again
RATINGS = ("again", "hard", "good", "easy")  # self-ratings of a follow-up, worst first
DEFAULT_QUESTIONS = 10
_TIME = "%Y-%m-%dT%H:%M:%SZ"


class DrillError(ValueError):
    """Bad input to the drill (an unknown chapter, a bad count); its message is for the learner."""

    def _render_traceback_(self):  # IPython/Jupyter: the message alone, no wall of traceback
        return [f"{type(self).__name__}: {self}"]


# ---------------------------------------------------------------- the pool

@dataclass(frozen=True)
class Item:
    """One drill question: a quiz (graded) or a follow-up (model answer, self-rated)."""
    id: str
    chapter: str
    question: str
    quiz: Quiz | None = None
    answer: str = ""  # a follow-up's model answer (plain text)
    label: str = ""  # what the learner sees: "quiz 05.q1", "follow-up 2"

    @property
    def kind(self) -> str:
        return "quiz" if self.quiz is not None else "follow-up"

    def heading(self, k: int, n: int) -> str:
        """'[2/10] chapter 05, quiz 05.q1': the k-th question of n."""
        return f"[{k}/{n}] chapter {self.chapter}, {self.label or self.id}"


def all_chapters() -> list[str]:
    """Every chapter that has a quiz module ('00'..'30')."""
    return chapters_in(QUIZZES)


def parse_chapters(spec: str | list | tuple | None) -> list[str] | None:
    """'05,12', '3-7', '05,10-12' or ['05', 12] -> ['05', '12', ...]; None (or '') for all.
    An unknown chapter or a malformed range raises DrillError naming it."""
    if spec is None or spec == "" or spec == []:
        return None
    parts = spec.split(",") if isinstance(spec, str) else [str(s) for s in spec]
    known, picked = all_chapters(), []
    for part in (p.strip() for p in parts):
        m = re.fullmatch(r"(\d{1,2})(?:\s*-\s*(\d{1,2}))?", part)
        if not m:
            raise DrillError(f"chapters: {part!r} is not a chapter number or a range such as 05 or 03-07")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if lo > hi:
            raise DrillError(f"chapters: the range {part!r} runs backwards; write {hi:02d}-{lo:02d}")
        for n in range(lo, hi + 1):
            if f"{n:02d}" not in known:
                raise DrillError(f"chapters: there is no chapter {n:02d}; the chapters are {known[0]}-{known[-1]}")
            if f"{n:02d}" not in picked:
                picked.append(f"{n:02d}")
    return picked


def _plain(markdown: str) -> str:
    """Markdown of a chapter's prose as plain text: no bold, no HTML tags, no math dollars."""
    text = re.sub(r"</?\w+[^>]*>", "", markdown)
    text = text.replace("**", "").replace("$", "")
    text = re.sub(r"\\(mathrm|text|operatorname)\{([^}]*)\}", r"\2", text)
    return re.sub(r"[ \t]+", " ", text).strip()


_DETAILS = re.compile(r"<details>\s*<summary>(.*?)</summary>(.*?)</details>", re.S)


def parse_followups(source: str, chapter: str) -> list[Item]:
    """The follow-up questions of one chapter source (jupytext percent format): every
    <details><summary>Q</summary> A </details> block of its "Interview drill" section."""
    section, inside = [], False
    for line in source.splitlines():
        if re.match(r"#\s*##\s+Interview drill", line):
            inside = True
        elif inside and re.match(r"#\s*##?\s+\S", line):  # the next heading of level 1 or 2
            break
        elif inside:
            section.append(line[2:] if line.startswith("# ") else line.lstrip("#"))
    items = []
    for n, m in enumerate(_DETAILS.finditer("\n".join(section)), 1):
        question = _plain(" ".join(m.group(1).split()))
        answer = "\n\n".join(_plain(" ".join(p.split())) for p in re.split(r"\n\s*\n", m.group(2)) if p.strip())
        digest = hashlib.sha1(question.encode("utf-8")).hexdigest()[:8]
        items.append(Item(f"{chapter}.f.{digest}", chapter, question, answer=answer,
                          label=f"follow-up {n}"))
    return items


def chapter_sources(folder: Path | None = None) -> dict[str, Path]:
    """{'05': chapters/05_simclr.py, ...} in `folder` (default: the course checkout's chapters/;
    empty when there is none)."""
    folder = Path(folder) if folder is not None else repo_root() / SOURCES_DIR
    return {p.name[:2]: p for p in sorted(folder.glob("[0-9][0-9]_*.py"))}


def load_pool(chapters: list[str] | None = None, sources: dict[str, Path] | None = None) -> list[Item]:
    """Every quiz and follow-up of these chapters (default: all), in chapter order."""
    sources = chapter_sources() if sources is None else sources
    items = []
    for ch in chapters or all_chapters():
        items += [Item(q.id, ch, q.question, quiz=q, label=f"quiz {q.id}") for q in chapter_quizzes(ch).values()]
        if ch in sources:
            items += parse_followups(sources[ch].read_text(encoding="utf-8"), ch)
    return items


# ---------------------------------------------------------------- the schedule

def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _stamp(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime(_TIME)


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, _TIME).replace(tzinfo=timezone.utc)


def is_right(result: str) -> bool:
    """A quiz answered right, or a follow-up the learner recalled (hard, good or easy)."""
    return result in ("right", "hard", "good", "easy")


def schedule(state: dict | None, result: str, now: datetime) -> dict:
    """The record after one answer. `result`: 'right' or 'wrong' (a quiz), or a self-rating
    ('again', 'hard', 'good', 'easy'). Leitner: up one box (good, right), two (easy), stay
    (hard), back to box 1 (wrong, again); due INTERVAL_DAYS[box - 1] days from now."""
    if result not in ("right", "wrong", *RATINGS):
        raise ValueError(f"result must be right, wrong or one of {', '.join(RATINGS)}; got {result!r}")
    state = dict(state or {"box": 1, "seen": 0, "right": 0})
    step = {"right": 1, "good": 1, "easy": 2, "hard": 0}.get(result)
    box = 1 if step is None else min(len(INTERVAL_DAYS), state["box"] + step)
    state.update(box=box, due=_stamp(now + timedelta(days=INTERVAL_DAYS[box - 1])), last=_stamp(now),
                 result=result, seen=state["seen"] + 1, right=state["right"] + is_right(result))
    return state


def _valid(record) -> bool:
    """A record this version can schedule (a hand-edited or damaged one counts as new)."""
    try:
        return 1 <= record["box"] <= len(INTERVAL_DAYS) and bool(_parse(record["due"])) \
            and all(isinstance(record[k], int) for k in ("seen", "right"))
    except (TypeError, KeyError, ValueError):
        return False


def load_state() -> dict:
    """The drill's records from the progress file ({} before the first drill); a malformed
    record is left out, so its question counts as new rather than breaking the drill."""
    records = progress.load().get(KEY)
    return {k: v for k, v in records.items() if _valid(v)} if isinstance(records, dict) else {}


def save_result(item_id: str, result: str, now: datetime) -> dict | None:
    """Schedule one answer and write it at once (locked, atomic). Returns the new record, or
    None with a warning when the progress file cannot be written (a read-only home)."""
    try:
        with progress.editing() as data:
            if not isinstance(data.get(KEY), dict):
                data[KEY] = {}
            old = data[KEY].get(item_id)
            record = data[KEY][item_id] = schedule(old if _valid(old) else None, result, now)
        return record
    except OSError as exc:
        warnings.warn(f"Could not record the drill in {progress.progress_path()}: {exc}", stacklevel=2)
        return None


def pick(pool: list[Item], state: dict, n: int, seed: int | None = None,
         now: datetime | None = None) -> list[Item]:
    """Up to n questions: the due ones first (lowest box, then longest overdue), then new ones
    in an order shuffled by `seed`. Questions not yet due are left for their day."""
    now = now or now_utc()
    due = [i for i in pool if i.id in state and _parse(state[i.id]["due"]) <= now]
    due.sort(key=lambda i: (state[i.id]["box"], state[i.id]["due"], i.id))
    new = [i for i in pool if i.id not in state]
    random.Random(seed).shuffle(new)
    return (due + new)[:n]


# ---------------------------------------------------------------- a session

@dataclass
class Session:
    """A drill of `items`, asked in order. Both front ends call `grade_choice` (a quiz) or `rate`
    (a follow-up) for the current item; each answer is written to the progress file at once."""
    items: list[Item]
    pool: list[Item]
    now: datetime = field(default_factory=now_utc)
    record: bool = True
    results: list[tuple[Item, str]] = field(default_factory=list)
    saved: bool = True  # False once a write to the progress file failed
    last: dict | None = None  # the schedule of the question answered last

    @classmethod
    def start(cls, chapters=None, n: int = DEFAULT_QUESTIONS, seed: int | None = None,
              now: datetime | None = None, record: bool = True, sources=None) -> Session:
        """Choose the questions for a drill of these chapters (see `pick`)."""
        if isinstance(n, bool) or not isinstance(n, int):
            raise DrillError(f"questions must be a whole number, got {n!r}")
        if n < 1:
            raise DrillError(f"questions must be at least 1, got {n}")
        pool = load_pool(parse_chapters(chapters), sources)
        now = now or now_utc()
        state = load_state() if record else {}
        return cls(pick(pool, state, n, seed, now), pool, now, record)

    @property
    def current(self) -> Item | None:
        return self.items[len(self.results)] if len(self.results) < len(self.items) else None

    def _expect(self, kind: str) -> Item:
        """The current item, which must be of this kind (a clear error for a front end's bug)."""
        item = self.current
        if item is None:
            raise ValueError("the drill is over: every question has been answered")
        if item.kind != kind:
            raise ValueError(f"{item.id} is a {item.kind}, not a {kind}")
        return item

    def _save(self, result: str) -> None:
        item = self.current
        self.last = save_result(item.id, result, self.now) if self.record else None
        if self.record and self.last is None:
            self.saved = False
        self.last = self.last or schedule(None, result, self.now)
        self.results.append((item, result))

    def next_time(self) -> str:
        """When the question just answered comes back: 'Box 2 of 5: due again in 1 day.'"""
        box, days = self.last["box"], INTERVAL_DAYS[self.last["box"] - 1]
        when = "at your next drill" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
        return f"Box {box} of {len(INTERVAL_DAYS)}: due again {when}."

    def grade_choice(self, key: str) -> tuple[bool, str]:
        """Grade the current quiz's choice; returns (right, feedback text: the verdict, the
        explanation of the choice made and, when wrong, of the right one)."""
        quiz = self._expect("quiz").quiz
        key = key.strip().lower()
        right, verdict, why = quiz.feedback(key)
        text = f"{verdict}\n{key}) {why}"
        if not right:
            text += f"\n{quiz.correct}) {quiz.choices[quiz.correct][0]}\n{quiz.choices[quiz.correct][1]}"
        self._save("right" if right else "wrong")
        return right, text

    def rate(self, rating: str) -> None:
        """Record the learner's rating of their answer to the current follow-up."""
        self._expect("follow-up")
        self._save(parse_rating(rating))

    def summary(self) -> str:
        """What was asked and got right, per chapter, and what is due next and when."""
        asked, right = len(self.results), sum(is_right(r) for _, r in self.results)
        lines = [f"Asked {asked}, right {right}" + (f" ({right / asked:.0%})." if asked else ".")]
        chapters: dict[str, list[str]] = {}
        for item, result in self.results:
            chapters.setdefault(item.chapter, []).append(result)
        for ch, res in sorted(chapters.items()):
            lines.append(f"  chapter {ch}: {sum(map(is_right, res))}/{len(res)} right")
        lines.append(self.due_line())
        if not self.saved:
            lines.append("Some answers could not be saved (see the warning above).")
        elif self.record and asked:
            lines.append(f"Saved in {progress.progress_path()}.")
        return "\n".join(lines)

    def due_line(self) -> str:
        """When the drilled chapters' questions are due: now, next, and how many are new."""
        state = load_state() if self.record else {}
        ids = {i.id for i in self.pool}
        dues = sorted(_parse(s["due"]) for k, s in state.items() if k in ids)
        now = self.now
        due_now = sum(d <= now for d in dues)
        new = len(ids) - len(dues)
        text = f"Due now: {due_now}. New (never drilled): {new}."
        later = [d for d in dues if d > now]
        if later:
            days = (later[0] - now).total_seconds() / 86400
            when = f"in {round(days)} day{'s' if round(days) != 1 else ''}" if days >= 0.5 else "later today"
            same = sum(d.date() == later[0].date() for d in later)
            text += f" Next due: {same} on {later[0]:%Y-%m-%d} ({when})."
        return text


def parse_rating(text: str) -> str:
    """'3', 'good' or 'g' -> 'good'; anything else raises ValueError listing the choices."""
    text = text.strip().lower()
    for n, r in enumerate(RATINGS, 1):
        if text in (str(n), r, r[0]):
            return r
    raise ValueError(f"rate with 1-4 or a word: {', '.join(f'{n} {r}' for n, r in enumerate(RATINGS, 1))}")


# ---------------------------------------------------------------- the terminal

class InputClosed(Exception):
    """The input ended (EOF, Ctrl-D) or was interrupted (Ctrl-C)."""

    def __init__(self, interrupted: bool):
        super().__init__("interrupted" if interrupted else "input closed")
        self.interrupted = interrupted


class Terminal:
    """Plain text in, plain text out, wrapped to the terminal's width. Always plain (no
    colours): the verdicts are words, so the drill reads the same in any terminal, a pipe, a
    log file or a screen reader, and there is nothing to detect."""

    def __init__(self, stdin=None, stdout=None, width: int | None = None):
        self.stdin, self.stdout = stdin or sys.stdin, stdout or sys.stdout
        cols = width or shutil.get_terminal_size((80, 24)).columns
        self.width = max(20, min(cols, 100))

    def say(self, text: str = "", indent: str = "", first: str | None = None) -> None:
        """Print `text` wrapped to the width, paragraph by paragraph (blank lines kept)."""
        out = []
        for para in text.split("\n"):
            out.append(textwrap.fill(para, self.width, initial_indent=indent if first is None else first,
                                     subsequent_indent=indent, break_on_hyphens=False) if para.strip() else "")
            first = None
        self.stdout.write("\n".join(out) + "\n")
        self.stdout.flush()

    def ask(self, prompt: str) -> str:
        """One line of input; raises InputClosed at EOF or Ctrl-C."""
        self.say(prompt)
        self.stdout.write("> ")
        self.stdout.flush()
        try:
            line = self.stdin.readline()
        except KeyboardInterrupt:
            raise InputClosed(interrupted=True) from None
        if not line:
            raise InputClosed(interrupted=False)
        return line.strip()


QUIT = ("q", "quit")


def _ask_quiz(term: Terminal, session: Session, item: Item) -> bool:
    """Show a quiz, read a valid choice, print the feedback. False when the learner quit."""
    for key, (text, _) in item.quiz.choices.items():
        term.say(text, indent="     ", first=f"  {key}) ")
    keys = list(item.quiz.choices)
    while True:
        answer = term.ask(f"Your answer ({', '.join(keys)}; q to stop):").lower()
        if answer in QUIT:
            return False
        if answer in keys:
            break
        term.say(f"Type one of {', '.join(keys)} (or q to stop).")
    _, feedback = session.grade_choice(answer)
    verdict, *rest = feedback.split("\n")
    term.say(verdict)
    for line in rest:  # "k) explanation" lines, hanging under their letter
        m = re.match(r"(\w+)\) (.*)", line)
        term.say(m.group(2) if m else line, indent="     ", first=f"  {m.group(1)}) " if m else None)
    term.say(session.next_time())
    return True


def _ask_followup(term: Terminal, session: Session, item: Item) -> bool:
    """Show a follow-up, reveal its answer on Enter, read a rating. False when the learner quit."""
    if term.ask("Think of your answer, then press Enter to see the model answer (q to stop):").lower() in QUIT:
        return False
    term.say("Model answer:")
    term.say(item.answer, indent="  ")
    while True:
        answer = term.ask("How well did you know it? 1 again, 2 hard, 3 good, 4 easy (q to stop):").lower()
        if answer in QUIT:
            return False
        try:
            session.rate(answer)
            term.say(session.next_time())
            return True
        except ValueError as exc:
            term.say(str(exc))


def run_terminal(session: Session, term: Terminal | None = None) -> int:
    """Ask every question of `session` in a terminal, then print the summary. Exit status: 0
    when the drill ran to the end or the learner typed q, 1 when the input closed (EOF,
    Ctrl-D), 130 on Ctrl-C; answers given before stopping are saved either way."""
    term = term or Terminal()
    if not session.items:
        term.say("Nothing to drill: every question of these chapters is scheduled for later.")
        term.say(session.due_line())
        return 0
    code = 0
    try:
        for k, item in enumerate(session.items, 1):
            term.say("")
            term.say(item.heading(k, len(session.items)))
            term.say(item.question)
            ask = _ask_quiz if item.quiz is not None else _ask_followup
            if not ask(term, session, item):
                term.say("Stopped.")
                break
    except (InputClosed, KeyboardInterrupt) as stop:
        interrupted = getattr(stop, "interrupted", True)  # a Ctrl-C outside the input is one too
        code = 130 if interrupted else 1
        term.say("")
        term.say(f"{'Interrupted' if interrupted else 'Input closed'}: stopped after "
                 f"{len(session.results)} of {len(session.items)} questions; every answer given is saved.")
    term.say("")
    term.say(session.summary())
    return code


# ---------------------------------------------------------------- HTML pieces for the widget

def html_paragraphs(text: str) -> str:
    """Plain text as HTML paragraphs (escaped)."""
    return "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
