"""Multiple-choice quizzes: a widget in JupyterLab, readable HTML on the static site, plain
text in a terminal. Every choice carries an explanation, shown once you answer.

    q = quiz("01.q1", "Which ...?", {"a": ("choice text", "why right or wrong"), ...}, answer="b")
    q                 # click a choice in JupyterLab
    q.answer("b")     # or answer in code (a terminal, a headless run)
"""
from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass

from .env import GRADE_LOG_ENV


@dataclass
class Quiz:
    id: str
    question: str
    choices: dict  # key -> (text, explanation)
    correct: str

    def feedback(self, key: str) -> tuple[bool, str]:
        if key not in self.choices:
            raise ValueError(f"quiz {self.id}: choice must be one of {list(self.choices)}, got {key!r}")
        right = key == self.correct
        text, why = self.choices[key]
        verdict = "Correct." if right else f"Not quite (the answer is {self.correct})."
        return right, f"{verdict} {key}) {text}: {why}"

    def answer(self, key: str) -> str:
        """Grade a choice, record it in your progress, and return the feedback text."""
        from . import progress

        right, text = self.feedback(key)
        progress.record_quiz(self.id, right)
        log = os.environ.get(GRADE_LOG_ENV)
        if log:
            with open(log, "a", encoding="utf-8") as f:
                f.write(json.dumps(dict(kind="quiz", quiz=self.id, correct=right)) + "\n")
        return text

    # ---- rendering
    def __str__(self) -> str:
        lines = [f"Quiz {self.id}: {self.question}"]
        lines += [f"  {k}) {text}" for k, (text, _) in self.choices.items()]
        lines.append(f"  Answer in code: q.answer('{next(iter(self.choices))}')")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
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
                right, text = self.feedback(change["new"])
                self.answer(change["new"])
                colour = "#1a7f37" if right else "#cf222e"
                feedback.value = f"<span style='color:{colour}'>{html.escape(text)}</span>"

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


def quiz(quiz_id: str, question: str, choices: dict, answer: str) -> Quiz:
    """Make a quiz. choices: {key: (text, explanation)}; answer: the right key."""
    if not isinstance(choices, dict) or len(choices) < 2:
        raise ValueError(f"quiz {quiz_id}: choices must be a dict of at least two entries")
    for k, v in choices.items():
        if not (isinstance(v, tuple) and len(v) == 2 and all(isinstance(s, str) and s for s in v)):
            raise ValueError(f"quiz {quiz_id}: choice {k!r} must be (text, explanation), got {v!r}")
    if answer not in choices:
        raise ValueError(f"quiz {quiz_id}: answer must be one of {list(choices)}, got {answer!r}")
    return Quiz(quiz_id, question, dict(choices), answer)
