"""One source, two notebooks: the committed learner notebooks are up to date and hold no solution."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssl_course.course.build import BEGIN, END, build, make_notebooks, sources, strip_solutions

ROOT = Path(__file__).resolve().parents[1]


def test_learner_notebooks_are_up_to_date():
    stale = build(ROOT, check_only=True)
    assert not stale, f"run `ssl-course build`: {stale}"


@pytest.mark.parametrize("src", sources(ROOT), ids=lambda p: p.stem)
def test_learner_notebook_has_no_solution_and_no_outputs(src):
    learner, solution = make_notebooks(src)
    learner_code = "\n".join(c.source for c in learner.cells if c.cell_type == "code")
    solution_code = "\n".join(c.source for c in solution.cells if c.cell_type == "code")
    assert BEGIN not in learner_code and END not in learner_code and BEGIN not in solution_code
    n_regions = src.read_text().count(BEGIN)
    assert learner_code.count("raise NotImplementedError") >= n_regions
    committed = json.loads((ROOT / "notebooks" / f"{src.stem}.ipynb").read_text())
    for cell in committed["cells"]:
        if cell["cell_type"] == "code":
            assert not cell["outputs"] and cell["execution_count"] is None


def test_strip_solutions_keeps_indentation():
    code = "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n\ncheck('01.info_nce', f)"
    out = strip_solutions(code)
    assert '    raise NotImplementedError("Exercise 01.info_nce' in out and "return x" not in out


@pytest.mark.parametrize("code", ["### BEGIN SOLUTION\nx = 1", "x = 1\n### END SOLUTION",
                                  "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION"])
def test_unbalanced_markers_are_errors(code):
    with pytest.raises(ValueError, match="SOLUTION"):
        strip_solutions(code, "test.py")


def test_build_check_finds_a_stale_notebook(tmp_path):
    (tmp_path / "chapters").mkdir(parents=True)
    src = tmp_path / "chapters" / "99_demo.py"
    src.write_text("# %%\ndef f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n")
    assert build(tmp_path, check_only=True) == ["notebooks/99_demo.ipynb"]
    build(tmp_path)
    assert build(tmp_path, check_only=True) == []
    src.write_text(src.read_text() + "\n# %%\nprint(2)\n")
    assert build(tmp_path, check_only=True) == ["notebooks/99_demo.ipynb"]
    assert (tmp_path / "build" / "solutions" / "99_demo.ipynb").exists()
    # The test run builds the solutions only: a stale learner notebook stays stale, so its test fails.
    assert build(tmp_path, learner=False) == ["notebooks/99_demo.ipynb"]
    assert build(tmp_path, check_only=True) == ["notebooks/99_demo.ipynb"]
