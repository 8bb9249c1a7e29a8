"""The website's pieces, without building it: the syllabus it is drawn from, how a chapter page
is prepared, the table of contents, the results table, launch buttons, stale executions.
(The built site itself is tested in a real browser: browser/test_site.py.)"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from ssl_course.course import site
from ssl_course.course.build import sources
from ssl_course.course.checks import CHECK_MIME
from ssl_course.course.execute import Run, current_executed, save_executed
from ssl_course.course.syllabus import CHAPTERS, PARTS, by_part, chapter

ROOT = Path(__file__).resolve().parents[1]


def test_syllabus_has_each_chapter_once_in_a_part():
    assert sorted(c.number for c in CHAPTERS) == [f"{i:02d}" for i in range(31)]
    assert {c.part for c in CHAPTERS} == set(PARTS)
    assert sum(len(v) for v in by_part().values()) == 31
    with pytest.raises(KeyError, match="no chapter '31'"):
        chapter("31")


def test_every_written_chapter_is_in_the_syllabus():
    names = {c.name for c in CHAPTERS}
    for src in sources(ROOT):
        assert src.stem in names, f"{src.name} is not in ssl_course/syllabus.py"


def _executed(bars=()):
    nb = nbformat.v4.new_notebook()
    title = nbformat.v4.new_markdown_cell("# 99 · Title")
    solved = nbformat.v4.new_code_cell("def f(): return 1", metadata={"tags": ["solution"]})
    solved.outputs = [nbformat.v4.new_output("execute_result", data={
        "text/plain": "passed", "text/html": "<div class='ssl-check'>PASSED</div>", CHECK_MIME: {"exercise": "99.f"}})]
    loop = nbformat.v4.new_code_cell("train()")
    loop.outputs = [
        nbformat.v4.new_output("display_data", data={site.WIDGET_VIEW: {"model_id": "x"}, "text/plain": "  0%|"}),
        nbformat.v4.new_output("display_data", data={site.WIDGET_VIEW: {"model_id": "q"}, "text/html": "<div>quiz</div>",
                                                     "text/plain": "quiz"}),
        nbformat.v4.new_output("stream", name="stdout", text="loss 0.1\n"),
    ]
    nb.cells = [title, solved, loop]
    nb.metadata["widgets"] = {"state": {}}
    nb.metadata["ssl_course"] = {"executed": {"bars": list(bars), "seconds": 12.0, "date": "2026-11-23 04:00 UTC",
                                              "torch": "2.x", "device": "cpu"}}
    return nb


def test_a_chapter_page_folds_solutions_and_drops_progress_bars():
    nb = _executed()
    page = site.prepare_chapter(nb, "99_demo")
    assert page.cells[1].cell_type == "markdown" and "../learner/99_demo.ipynb" in page.cells[1].source
    solved, loop = page.cells[2], page.cells[3]
    assert solved.metadata["tags"] == ["solution", "hide-input"]
    assert CHECK_MIME not in solved.outputs[0]["data"] and "text/html" in solved.outputs[0]["data"]
    assert [o.get("data", {}).get("text/html") for o in loop.outputs] == ["<div>quiz</div>", None]
    assert "widgets" not in page.metadata
    assert len(nb.cells) == 3 and len(nb.cells[2].outputs) == 3 and "widgets" in nb.metadata  # a copy


def test_toc_lists_written_chapters_by_part_and_skips_empty_parts():
    text = site.toc(["00_welcome", "05_simclr", "22_maml"])
    assert "root: intro" in text
    assert "- caption: Getting started\n    chapters:\n      - file: notebooks/00_welcome" in text
    assert "notebooks/05_simclr" in text and "notebooks/22_maml" in text
    assert "Generative models" not in text


def test_results_table_shows_each_bar_its_verdict_and_the_planned_chapters():
    met = {"name": "05.probe", "value": 0.906, "op": ">=", "target": 0.85, "unit": "", "met": True}
    missed = {"name": "05.gain", "value": 0.01, "op": ">=", "target": 0.04, "unit": "", "met": False}
    short = {"name": "05.gap", "value": 0.002, "op": ">=", "target": 0.02, "unit": "", "met": False,
             "shortfall": "within noise at this size"}
    table = site.results_table({"05_simclr": _executed([met, missed, short])})
    row = next(line for line in table.splitlines() if line.startswith("| [05 SimCLR]"))
    assert "`05.probe` 0.906 >= 0.85 ✓" in row and "`05.gain` 0.01 >= 0.04 ✗ **missed**" in row
    assert "`05.gap` 0.002 >= 0.02 ✗ **NOT MET**: within noise at this size" in row
    assert "82.1%" in row  # the outside anchor
    assert table.count("*not yet written*") == 30
    assert "MAML" in table


def test_launch_buttons_only_when_they_can_work():
    plain = site._book_config(ROOT, None, None)
    assert "launch_buttons" not in plain and "binderhub" not in plain
    hub = site._book_config(ROOT, "https://hub.example.org", "https://git.example.org/ssl-course")
    assert "jupyterhub_url: https://hub.example.org" in hub and "url: https://git.example.org/ssl-course" in hub
    with pytest.raises(site.SiteError, match="needs both"):
        site._book_config(ROOT, "https://hub.example.org", None)


def test_a_stale_execution_is_not_reused(tmp_path):
    source = tmp_path / "chapters" / "99_demo.py"
    source.parent.mkdir(parents=True)
    source.write_text("# %%\nprint(1)\n")
    out = tmp_path / "executed"
    save_executed(nbformat.v4.new_notebook(), Run(seconds=1.0), source, out)
    assert current_executed(source, out) is not None
    source.write_text("# %%\nprint(2)\n")
    assert current_executed(source, out) is None
    (out / "99_demo.ipynb").write_text("not json")
    assert current_executed(source, out) is None
    with pytest.raises(site.SiteError, match="no current execution of 99_demo"):
        site.executed_notebooks(tmp_path, execute_missing=False, log=lambda *_: None)


def test_a_missing_site_dependency_is_named(monkeypatch):
    monkeypatch.setattr(site.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(site.SiteError, match=r"sphinx-mathjax-offline not installed here: pip install -e '.\[site\]'"):
        site.build_site(ROOT, execute_missing=False, log=lambda *_: None)


def test_a_paired_run_time_is_marked_as_an_upper_bound():
    alone, paired = _executed(), _executed()
    paired.metadata["ssl_course"]["executed"]["paired"] = True
    table = site.results_table({"05_simclr": alone, "22_maml": paired})
    assert "notebooks/05_simclr.ipynb)<br>12 s |" in table and "notebooks/22_maml.ipynb)<br>12 s (paired) |" in table
    assert "upper bound" in table
    readme = site.readme_table({"05_simclr": alone, "22_maml": paired})
    assert "| 12 s |" in readme and "| 12 s (paired) |" in readme
