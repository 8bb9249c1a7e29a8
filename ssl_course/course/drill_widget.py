"""The interview drill in a notebook cell: the same questions, schedule and record as
`ssl-course drill` (the engine is `drill.py`), as ipywidgets.

    from ssl_course import drill
    drill(chapters="05,12", n=5)

A quiz grades on a click and shows the explanation of the choice (and of the right one); a
follow-up shows its model answer on "Show the answer", then four rating buttons. Every answer
is written to the progress file at once. The logic lives in methods (`choose`, `reveal`,
`rate`, `next`) that the buttons call, so tests drive it without a browser.
"""
from __future__ import annotations

import html

from .drill import RATINGS, Session, html_paragraphs


class DrillWidget:
    """One drill session shown as a widget: a question at a time, then the summary."""

    def __init__(self, session: Session):
        import ipywidgets as w

        self.session = session
        self.header, self.question, self.feedback = w.HTML(), w.HTML(), w.HTML()
        self.controls = w.HBox()
        self.next_button = w.Button(description="Next question")
        self.next_button.on_click(lambda _: self.next())
        self.view = w.VBox([self.header, self.question, self.controls, self.feedback])
        self._show()

    # ---- what the buttons do (testable without a browser)
    def choose(self, key: str) -> None:
        """Grade the current quiz's choice `key` and show the feedback."""
        right, text = self.session.grade_choice(key)
        verdict, *rest = text.split("\n")
        colour = "#1a7f37" if right else "#cf222e"
        self.feedback.value = (f"<b style='color:{colour}'>{html.escape(verdict)}</b>"
                               + html_paragraphs("\n".join(rest) + "\n" + self.session.next_time()))
        self._after_answer()

    def reveal(self) -> None:
        """Show the current follow-up's model answer and the rating buttons."""
        import ipywidgets as w

        self.feedback.value = "<b>Model answer.</b>" + html_paragraphs(self.session.current.answer)
        buttons = []
        for rating in RATINGS:
            b = w.Button(description=rating)
            b.on_click(lambda _, r=rating: self.rate(r))
            buttons.append(b)
        self.controls.children = [w.HTML("How well did you know it?&nbsp;"), *buttons]

    def rate(self, rating: str) -> None:
        """Record the learner's rating of the current follow-up."""
        self.session.rate(rating)
        self.feedback.value += f"<p>Rated <b>{html.escape(rating)}</b>. {html.escape(self.session.next_time())}</p>"
        self._after_answer()

    def next(self) -> None:
        """Move on to the next question (or the summary)."""
        self.feedback.value = ""
        self._show()

    def _on_pick(self, change) -> None:
        if change["new"] is not None:
            self.choose(change["new"])

    # ---- rendering
    def _after_answer(self) -> None:
        last = self.session.current is None
        self.next_button.description = "Show the summary" if last else "Next question"
        self.controls.children = [self.next_button]

    def _show(self) -> None:
        import ipywidgets as w

        s, item = self.session, self.session.current
        if item is None:
            self.header.value = "<b>Interview drill: done.</b>"
            self.question.value = html_paragraphs(s.summary() if s.items else
                                                  "Nothing to drill: every question here is scheduled "
                                                  "for later.\n" + s.due_line())
            self.controls.children = []
            return
        self.header.value = f"<b>{html.escape(item.heading(len(s.results) + 1, len(s.items)))}</b>"
        self.question.value = html_paragraphs(item.question)
        if item.quiz is not None:
            self.question.value += "".join(f"<div><b>{html.escape(key)})</b> {html.escape(text)}</div>"
                                           for key, (text, _) in item.quiz.choices.items())
            buttons = w.ToggleButtons(options=list(item.quiz.choices), value=None, style={"button_width": "3em"})
            buttons.observe(self._on_pick, names="value")
            self.controls.children = [buttons]
        else:
            show = w.Button(description="Show the answer")
            show.on_click(lambda _: self.reveal())
            self.controls.children = [show]

    def __repr__(self) -> str:
        item = self.session.current
        return (f"Interview drill: {len(self.session.items)} questions"
                + (f", now {item.chapter} {item.label}" if item else ", done")
                + " (a widget: run it in JupyterLab, or `ssl-course drill` in a terminal)")

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = self.view._repr_mimebundle_(include=include, exclude=exclude)
        if isinstance(data, tuple):
            data = data[0]
        return {**(data or {}), "text/plain": repr(self)}


def drill(chapters=None, n: int = 10, seed: int | None = None) -> DrillWidget:
    """An interview drill in a notebook cell: `chapters` like '05,12', '03-07' or ['05'] (default
    all), `n` questions, due ones first (see `ssl_course.course.drill`)."""
    return DrillWidget(Session.start(chapters, n=n, seed=seed))
