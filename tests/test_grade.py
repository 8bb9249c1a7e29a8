"""The grader survives hostile notebooks (tests/fixtures/hostile, made by make_hostile.py):
a report always comes back, with the documented exit code, and nothing of the grader's own
progress is touched."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssl_course.course.grade import EXIT_NOT_PASSED, EXIT_OK, EXIT_UNGRADABLE, exit_code, format_report, grade
from ssl_course.course.progress import progress_path

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"


def run(name, **kwargs):
    kwargs.setdefault("timeout", 20)
    report = grade(HOSTILE / f"{name}.ipynb", **kwargs)
    text = format_report(report)  # the report renders, whatever happened
    assert "Grading" in text and "Traceback" not in text
    json.dumps(report)  # and is plain JSON
    return report, exit_code(report)


def statuses(report):
    return {e["exercise"]: e["status"] for e in report["exercises"]}


def test_solved_notebook_passes():
    report, code = run("solved")
    assert code == EXIT_OK and statuses(report) == {"00.hello": "passed"} and not report["errors"]


def test_infinite_loop_hits_the_cell_time_limit():
    report, code = run("infinite_loop", timeout=15)  # roomy: the import cell must fit in it too
    assert statuses(report) == {"00.hello": "passed"}
    assert [e["cell"] for e in report["errors"]] == [3]
    assert code == EXIT_OK


@pytest.mark.parametrize("name", ["kernel_exit", "segfault"])
def test_a_dying_kernel_is_reported_with_what_ran_before(name):
    report, code = run(name)
    assert code == EXIT_UNGRADABLE
    assert "kernel died" in report["reason"] and "cell 3" in report["reason"]
    assert statuses(report) == {"00.hello": "passed"}


def test_sys_exit_in_a_cell_does_not_stop_grading():
    report, code = run("sys_exit")
    assert code == EXIT_OK and any("SystemExit" in e["error"] for e in report["errors"])


def test_huge_output_is_capped():
    report, code = run("huge_output")
    assert code == EXIT_OK and report["truncated"] == [3]


def test_deleted_exercise_cell_is_reported_missing():
    report, code = run("exercise_deleted")
    assert code == EXIT_NOT_PASSED and statuses(report) == {"00.hello": "missing"}


def test_renamed_function_is_reported():
    report, code = run("function_renamed")
    assert code == EXIT_NOT_PASSED and statuses(report) == {"00.hello": "missing"}
    assert any("NameError" in e["error"] for e in report["errors"])


def test_a_notebook_that_wrecks_progress_files_changes_nothing_here():
    mine = progress_path()
    mine.parent.mkdir(parents=True, exist_ok=True)
    mine.write_text('{"version": 1, "exercises": {}, "quizzes": {}}')
    before = mine.read_text()
    report, code = run("progress_tampered")
    assert code == EXIT_OK and statuses(report) == {"00.hello": "passed"}
    assert mine.read_text() == before


def test_network_access_fails_inside_the_notebook():
    report, code = run("network")
    assert code == EXIT_OK and any("offline" in e["error"] for e in report["errors"])


def test_whole_notebook_time_limit():
    report, code = run("slow_everywhere", timeout=20, total_timeout=10)
    assert code == EXIT_UNGRADABLE and "whole-notebook time limit" in report["reason"]


@pytest.mark.parametrize("name", ["not_json", "not_a_notebook"])
def test_broken_files_are_ungradable_with_a_reason(name):
    report, code = run(name)
    assert code == EXIT_UNGRADABLE and "not a valid notebook" in report["reason"]


def test_missing_file():
    report = grade(HOSTILE / "nope.ipynb")
    assert exit_code(report) == EXIT_UNGRADABLE and "no such file" in report["reason"]
