"""The ssl-course command: grade, solution, build --check, progress, new, layout."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ssl_course.course.build import build
from ssl_course.course.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "ssl_course.course.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def solutions():
    build(ROOT, learner=False)
    return ROOT / "build" / "solutions"


def test_grade_solution_notebook_passes(solutions):
    out = run_cli("grade", str(solutions / "00_welcome.ipynb"), "--json")
    report = json.loads(out.stdout)
    assert out.returncode == 0, out.stdout + out.stderr
    assert [e["status"] for e in report["exercises"]] == ["passed"]


def test_grade_learner_notebook_reports_not_attempted():
    out = run_cli("grade", str(ROOT / "notebooks" / "00_welcome.ipynb"))
    assert out.returncode == 1
    assert "00.hello" in out.stdout and "not attempted" in out.stdout


def test_grade_a_broken_notebook_is_ungradable(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{ this is not json")
    out = run_cli("grade", str(bad))
    assert out.returncode == 2 and "not a valid notebook" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_solution_prints_what_the_learner_was_asked_to_write(capsys):
    assert main(["solution", "01.info_nce"]) == 0
    out = capsys.readouterr().out
    # the chapter's solution region (F.cross_entropy on the cosine logits), not the package's
    # optimised reference (which scales the query rows), and without the check call
    assert "chapters/01_contrastive_loss.py" in out and "def info_nce(query" in out
    assert "F.cross_entropy(logits" in out and "_unit_rows" not in out
    assert "check(" not in out and "BEGIN SOLUTION" not in out


def test_solution_of_an_unknown_exercise(capsys):
    assert main(["solution", "01.nope"]) == 2
    assert "01.info_nce" in capsys.readouterr().err


def test_build_check_passes_on_the_committed_notebooks(capsys):
    assert main(["build", "--check"]) == 0


def test_progress_table(capsys):
    assert main(["progress"]) == 0
    out = capsys.readouterr().out
    assert "chapter" in out and "01" in out


def test_new_refuses_an_unknown_or_written_chapter(capsys):
    assert main(["new", "31"]) == 2
    assert "no chapter '31'" in capsys.readouterr().err
    assert main(["new", "05"]) == 2
    assert "exists already" in capsys.readouterr().err


def test_layout_names_where_the_vae_goes(capsys):
    assert main(["layout"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| 13 |"))
    assert "generative/vae.py" in row and "13.negative_elbo" in row
