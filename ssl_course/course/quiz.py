"""Multiple-choice quizzes: a widget in JupyterLab, readable HTML on the static site, plain
text in a terminal. Every choice carries an explanation, shown once you answer.

Quizzes live in the package (`ssl_course/course/quizzes/chNN.py`), so the learner notebook
holds only the id:

    q = quiz("01.q1")   # shows the question; click a choice in JupyterLab
    q.answer("b")       # or answer in code (a terminal, a headless run)
"""
from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass

from .env import GRADE_LOG_ENV
from .loader import chapter_of, import_chapter

QUIZZES = f"{__package__}.quizzes"  # one module per chapter: quizzes/chNN.py


@dataclass
class Quiz:
    id: str
    question: str
    choices: dict  # key -> (text, explanation)
    correct: str

    def __post_init__(self):
        if not isinstance(self.choices, dict) or len(self.choices) < 2:
            raise ValueError(f"quiz {self.id}: choices must be a dict of at least two entries")
        for k, v in self.choices.items():
            if not (isinstance(v, tuple) and len(v) == 2 and all(isinstance(s, str) and s for s in v)):
                raise ValueError(f"quiz {self.id}: choice {k!r} must be (text, explanation), got {v!r}")
        if self.correct not in self.choices:
            raise ValueError(f"quiz {self.id}: the answer must be one of {list(self.choices)}, got {self.correct!r}")

    def feedback(self, key: str) -> tuple[bool, str, str]:
        """(right, verdict, explanation) for choice `key`."""
        if key not in self.choices:
            raise ValueError(f"quiz {self.id}: choice must be one of {list(self.choices)}, got {key!r}")
        right = key == self.correct
        verdict = "Correct." if right else f"Not quite: the answer is {self.correct}."
        return right, verdict, self.choices[key][1]

    def answer(self, key: str) -> str:
        """Grade a choice, record it in your progress, and return the feedback text."""
        from . import progress

        right, verdict, why = self.feedback(key)
        progress.record_quiz(self.id, right)
        log = os.environ.get(GRADE_LOG_ENV)
        if log:
            with open(log, "a", encoding="utf-8") as f:
                f.write(json.dumps(dict(kind="quiz", quiz=self.id, correct=right)) + "\n")
        return f"{verdict}\n{key}) {self.choices[key][0]}\n{why}"

    # ---- rendering
    def __str__(self) -> str:
        lines = [f"Quiz {self.id}: {self.question}"]
        lines += [f"  {k}) {text}" for k, (text, _) in self.choices.items()]
        lines.append(f"  Answer in code: quiz('{self.id}').answer('{next(iter(self.choices))}')")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        """The question and choices, and (folded) the answer with every explanation: for the site."""
        items = "".join(f"<li><b>{html.escape(k)})</b> {html.escape(t)}</li>"
                        for k, (t, _) in self.choices.items())
        whys = "".join(
            f"<li><b>{html.escape(k)})</b> {'&#10004; ' if k == self.correct else ''}{html.escape(w)}</li>"
            for k, (_, w) in self.choices.items())
        return (f"<div class='ssl-quiz'><p><b>Quiz {html.escape(self.id)}.</b> {html.escape(self.question)}</p>"
                f"<ul style='list-style:none'>{items}</ul>"
                f"<details><summary>Show the answer</summary><p>Answer: <b>{html.escape(self.correct)}</b></p>"
                f"<ul style='list-style:none'>{whys}</ul></details></div>")

    def widget(self):
        import ipywidgets as w

        buttons = w.ToggleButtons(options=[(k, k) for k in self.choices], value=None,
                                  style={"button_width": "3em"})
        feedback = w.HTML()

        def on_pick(change):
            if change["new"] is not None:
                right, verdict, why = self.feedback(change["new"])
                self.answer(change["new"])
                colour = "#1a7f37" if right else "#cf222e"
                feedback.value = (f"<div class='ssl-quiz-feedback'><b style='color:{colour}'>{html.escape(verdict)}</b> "
                                  f"{html.escape(why)}</div>")

        buttons.observe(on_pick, names="value")
        items = "<br>".join(f"<b>{html.escape(k)})</b> {html.escape(t)}" for k, (t, _) in self.choices.items())
        return w.VBox([w.HTML(f"<b>Quiz {html.escape(self.id)}.</b> {html.escape(self.question)}<br>{items}"),
                       buttons, feedback])

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": str(self), "text/html": self._repr_html_()}
        try:
            data = self.widget()._repr_mimebundle_()
        except Exception:  # no ipywidgets or no kernel: the HTML and text still read well
            return bundle
        if isinstance(data, tuple):
            data = data[0]
        bundle.update({k: v for k, v in (data or {}).items() if k != "text/plain"})
        return bundle


def chapter_quizzes(chapter: str) -> dict[str, Quiz]:
    """{id: Quiz} of one chapter ('01'), importing that chapter's quiz module only."""
    module = import_chapter(QUIZZES, chapter)
    return {q.id: q for q in getattr(module, "QUIZZES", [])} if module else {}


def quiz(quiz_id: str) -> Quiz:
    """The quiz with this id, e.g. quiz("01.q1"): shows itself as a widget, HTML or text."""
    chapter = chapter_of(quiz_id, "quiz")
    found = chapter_quizzes(chapter)
    if quiz_id not in found:
        raise KeyError(f"no quiz {quiz_id!r}; chapter {chapter} has: {', '.join(found) or 'none'}")
    return found[quiz_id]
