"""The gradebook (`ssl-course grade` with many notebooks): a generated class of 22 submissions,
solved, partly solved, wrong (the mutants of 00.hello in tests/mutants/ch00.py) and hostile
(tests/fixtures/hostile, plus a notebook that prints <script>, one that overwrites the
notebooks beside it, one that kills its grading process), graded once with two workers; the
gradebook's numbers, CSV, JSON, feedback pages and the incremental re-run are asserted.

The class takes about a minute on two cores (22 fresh kernels); everything else here runs
without a kernel.
"""
from __future__ import annotations

import ast
import collections
import csv
import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from ssl_course.course import gradebook as gb
from ssl_course.course.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
HOSTILE = FIXTURES / "hostile"
_spec = importlib.util.spec_from_file_location("make_hostile", FIXTURES / "make_hostile.py")
mh = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mh)

TIMEOUT, TOTAL = 20, 150  # per cell (the import cell must fit, two kernels at once), whole notebook
EXERCISES = ["00.hello", "01.info_nce"]
SETUP = mh.SETUP + "\nfrom ssl_course.course.quiz import quiz"
INFO_SOLVED = ("from ssl_course.contrastive.info_nce import info_nce as _reference\n\n"
               "def info_nce(query, key, temperature=0.1):\n    return _reference(query, key, temperature)")
INFO_TODO = "def info_nce(query, key, temperature=0.1):\n    raise NotImplementedError('write it')"
CHECK_INFO = 'check("01.info_nce", info_nce)'
COMMON = "common wrong answer: normalises the columns (dim=0)"
WRONG = {"wrong_cols_1": COMMON, "wrong_cols_2": COMMON, "wrong_cols_3": COMMON,
         "wrong_no_eps": "no epsilon: an all-zero row becomes NaN", "wrong_squared": "divides by the squared norm"}
SCRIPT = "<script>alert('x')</script>"
FORGED = ("from IPython.display import display\n"
          "display({'application/vnd.ssl-course.check+json': {'exercise': '01.info_nce', 'status': 'failed', "
          f"'case': {SCRIPT!r}, 'reason': '<b>bold</b>'}}}}, raw=True)\n"
          f"print({SCRIPT!r})\nraise ValueError({SCRIPT!r})")
VANDAL = "import glob\nfor f in glob.glob('*.ipynb'):\n    open(f, 'w').write('vandalised')"
KILLER = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"


def mutant_sources() -> dict[str, str]:
    """{mutant name: its source as `def normalize_rows`} for 00.hello, read from tests/mutants/ch00.py."""
    text = (Path(__file__).parent / "mutants" / "ch00.py").read_text()
    lines, found = text.splitlines(), {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef) and node.decorator_list:
            args = node.decorator_list[0].args
            if args and args[0].value == "00.hello":
                src = "\n".join(lines[node.lineno - 1:node.end_lineno])
                found[args[1].value] = src.replace(f"def {node.name}(", "def normalize_rows(", 1)
    return found


def cells_of_class() -> dict[str, tuple]:
    """{file stem: code cells} of the generated submissions (the hostile fixtures are copied)."""
    quizzes = {1: ['quiz("00.q1").answer("b")', 'quiz("00.q2").answer("a")', 'quiz("00.q3").answer("b")'],
               2: ['quiz("00.q1").answer("a")', 'quiz("00.q1").answer("b")'], 3: ['quiz("00.q2").answer("a")']}
    solved = (SETUP, mh.SOLVED, mh.CHECK, INFO_SOLVED, CHECK_INFO)
    cls = {f"solved_{i}": solved + tuple(quizzes.get(i, ())) for i in range(1, 6)}
    cls.update({f"partly_{i}": (SETUP, mh.SOLVED, mh.CHECK, INFO_TODO, CHECK_INFO) for i in range(1, 4)})
    cls["partly_deleted"] = (SETUP, mh.SOLVED, mh.CHECK)
    sources = mutant_sources()
    cls.update({stem: (SETUP, sources[name], mh.CHECK, INFO_TODO, CHECK_INFO) for stem, name in WRONG.items()})
    cls["xss"] = (SETUP, mh.SOLVED, mh.CHECK, FORGED)
    cls["vandal"] = solved + (VANDAL,)
    cls["kills_grader"] = (SETUP, mh.SOLVED, mh.CHECK, KILLER)
    return cls


HOSTILE_COPIES = ["infinite_loop", "kernel_exit", "sys_exit", "huge_output", "not_json"]


def write_class(folder: Path) -> None:
    import nbformat

    folder.mkdir(parents=True)
    for stem, cells in cells_of_class().items():
        nb = mh.notebook(*cells)
        nb.metadata["ssl_course"]["exercises"] = EXERCISES
        nbformat.write(nb, folder / f"{stem}.ipynb")
    for stem in HOSTILE_COPIES:
        shutil.copy(HOSTILE / f"{stem}.ipynb", folder / f"{stem}.ipynb")


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.ipynb"))}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class, graded once with two workers: (class folder, out folder, summary, printed lines)."""
    root = tmp_path_factory.mktemp("class")
    folder, out = root / "class", root / "book"
    write_class(folder)
    before, printed = digests(folder), []
    summary = gb.gradebook([str(folder)], out=out, jobs=2, timeout=TIMEOUT, total_timeout=TOTAL,
                           echo=printed.append)
    assert digests(folder) == before, "grading changed a submission on disk"
    return folder, out, summary, printed


def rows_by_stem(out: Path) -> dict[str, dict]:
    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as f:
        return {Path(r["file"]).stem: r for r in csv.DictReader(f)}


def test_class_statuses_and_totals(graded):
    folder, out, summary, printed = graded
    rows = rows_by_stem(out)
    assert len(rows) == 22 == summary["submissions"] and summary["graded"] == 22 and summary["reused"] == 0
    status = {stem: r["status"] for stem, r in rows.items()}
    passed = {f"solved_{i}" for i in range(1, 6)} | {"infinite_loop", "sys_exit", "huge_output", "vandal"}
    ungradable = {"kernel_exit", "not_json", "kills_grader"}
    assert {s for s, v in status.items() if v == "passed"} == passed
    assert {s for s, v in status.items() if v == "ungradable"} == ungradable
    assert summary["status"] == {"passed": 9, "not passed": 10, "ungradable": 3}
    assert rows["solved_1"]["exercises passed"] == "2" and rows["solved_1"]["exercises total"] == "2"
    assert rows["partly_1"]["00.hello"] == "passed" and rows["partly_1"]["01.info_nce"] == "not attempted"
    assert rows["partly_deleted"]["01.info_nce"] == "missing" and rows["partly_deleted"]["exercises passed"] == "1"
    assert rows["infinite_loop"]["01.info_nce"] == "" and rows["infinite_loop"]["exercises total"] == "1"
    assert any("22 graded now" in line and "0 reused" in line for line in printed)


def test_quiz_columns_count_the_first_answer(graded):
    rows = rows_by_stem(graded[1])
    assert [rows["solved_1"][q] for q in ("00.q1", "00.q2", "00.q3")] == ["right"] * 3
    assert [rows["solved_2"][q] for q in ("00.q1", "00.q2")] == ["wrong", "not answered"]  # then right: still wrong
    assert rows["solved_3"]["00.q2"] == "right" and rows["solved_3"]["quizzes right"] == "1"
    assert rows["solved_2"]["quizzes right"] == "0" and rows["solved_2"]["quizzes total"] == "3"
    assert rows["not_json"]["00.q1"] == "" and rows["not_json"]["quizzes total"] == "0"


def test_pass_rates_and_most_common_failing_case(graded):
    """The expected numbers come from running each mutant through the checks here, in-process."""
    from ssl_course.course.checks import run_check

    sources = mutant_sources()
    cases = collections.Counter()
    for name in WRONG.values():
        space: dict = {}
        exec("import torch\n" + sources[name], space)
        cases[run_check("00.hello", space["normalize_rows"]).failure.case] += 1
    (top_case, top_n), *rest = cases.most_common()
    assert not rest or rest[0][1] < top_n  # one clear winner, so the test cannot pass by a tie-break
    hello = graded[2]["exercises"]["00.hello"]
    # 20 submissions list 00.hello (not_json has none; kills_grader's report never came back)
    assert (hello["submissions"], hello["passed"], hello["failed"]) == (20, 15, 5) and hello["pass_rate"] == 0.75
    assert hello["most_common_failure"]["case"] == top_case and hello["most_common_failure"]["count"] == top_n
    info = graded[2]["exercises"]["01.info_nce"]
    assert (info["submissions"], info["passed"], info["not attempted"], info["missing"], info["failed"]) == (16, 6, 8, 1, 1)
    saved = json.loads((graded[1] / "gradebook.json").read_text())["summary"]
    assert saved["exercises"] == graded[2]["exercises"]
    assert any(top_case in line for line in graded[3])  # printed too


def test_problems_are_reported_in_words(graded):
    rows = rows_by_stem(graded[1])
    assert f"cell 3 ran past its {TIMEOUT} s limit" in rows["infinite_loop"]["problem"]
    assert "KeyboardInterrupt" not in rows["infinite_loop"]["problem"]
    assert "kernel died" in rows["kernel_exit"]["problem"] and "cell 3" in rows["kernel_exit"]["problem"]
    assert "grading process died" in rows["kills_grader"]["problem"]
    assert "not a valid notebook" in rows["not_json"]["problem"]
    assert "SystemExit" in rows["sys_exit"]["problem"] and "printed too much" in rows["huge_output"]["problem"]
    assert rows["solved_1"]["problem"] == ""


def test_hostile_notebooks_do_not_change_the_others_rows(graded):
    rows = rows_by_stem(graded[1])
    solved = [{k: v for k, v in rows[f"solved_{i}"].items() if k != "file" and not k.startswith("00.q")
               and k != "quizzes right"} for i in range(1, 6)]
    assert all(r == solved[0] for r in solved) and solved[0]["status"] == "passed"
    assert rows["vandal"]["status"] == "passed"  # it overwrote only its own private copy


def test_feedback_pages_escape_what_the_notebook_produced(graded):
    out = graded[1]
    doc = json.loads((out / "gradebook.json").read_text())
    pages = {Path(s["file"]).stem: out / s["feedback"] for s in doc["submissions"]}
    assert len(set(pages.values())) == 22 and all(p.exists() for p in pages.values())
    page = pages["xss"].read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page and "<b>bold</b>" not in page
    wrong = pages["wrong_cols_1"].read_text()
    assert "hint:" in wrong and "failed" in wrong  # the failing case's hint, as the learner saw it
    assert "ran past its" in pages["infinite_loop"].read_text()


def test_rerun_grades_only_what_changed(graded, tmp_path):
    import nbformat

    folder, out, first, _ = graded
    book = tmp_path / "book"
    shutil.copytree(out, book)  # keep the shared gradebook intact for the other tests
    again = gb.gradebook([str(folder)], out=book, jobs=2, timeout=TIMEOUT, total_timeout=TOTAL, echo=lambda *_: None)
    assert again["graded"] == 0 and again["reused"] == 22 and again["exercises"] == first["exercises"]
    changed = tmp_path / "class"
    shutil.copytree(folder, changed)
    nb = nbformat.read(changed / "partly_1.ipynb", as_version=4)
    nb.cells[3].source = INFO_SOLVED  # the learner solves info_nce
    nbformat.write(nb, changed / "partly_1.ipynb")
    before = rows_by_stem(book)
    third = gb.gradebook([str(changed)], out=book, jobs=2, timeout=TIMEOUT, total_timeout=TOTAL, echo=lambda *_: None)
    after = rows_by_stem(book)
    assert third["graded"] == 1 and third["reused"] == 21
    assert after["partly_1"]["status"] == "passed" and before["partly_1"]["status"] == "not passed"
    assert {k: {c: v for c, v in r.items() if c != "file"} for k, r in after.items() if k != "partly_1"} == \
           {k: {c: v for c, v in r.items() if c != "file"} for k, r in before.items() if k != "partly_1"}


# ----------------------------------------------------------------------------- no kernel needed
def test_collect_files_folders_and_globs(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / ".ipynb_checkpoints").mkdir()
    for name in ("a/x.ipynb", "a/y.ipynb", "a/.ipynb_checkpoints/x-checkpoint.ipynb", "z.ipynb", "notes.txt"):
        (tmp_path / name).write_text("{}")
    found = gb.collect([str(tmp_path / "a"), str(tmp_path / "*.ipynb"), str(tmp_path / "a" / "x.ipynb")])
    assert [p.name for p in found] == ["x.ipynb", "y.ipynb", "z.ipynb"]
    with pytest.raises(gb.GradebookError, match="no such file or folder: .*nope"):
        gb.collect([str(tmp_path / "nope")])
    assert gb.collect([str(tmp_path / "a")], exclude=tmp_path / "a") == []


def test_summary_breaks_ties_by_case_name_and_skips_unlisted():
    def sub(*records):
        return gb.Submission(Path("s.ipynb"), "s.ipynb", report={"status": "graded", "exercises": list(records),
                                                                "quizzes": [], "errors": []})
    fail = lambda case, reason="r": {"exercise": "e", "status": "failed", "case": case, "reason": reason}  # noqa: E731
    subs = [sub(fail("b", "r1")), sub(fail("b", "r2")), sub(fail("b", "r2")), sub(fail("a")), sub(fail("a")),
            sub(fail("a")), sub({"exercise": "e", "status": "passed"}), sub()]
    s = gb.summary(subs)["exercises"]["e"]
    assert s["submissions"] == 7 and s["passed"] == 1 and s["pass_rate"] == round(1 / 7, 4)
    assert s["most_common_failure"] == {"case": "a", "reason": "r", "count": 3}
    subs.append(sub(fail("b", "r2")))
    assert gb.summary(subs)["exercises"]["e"]["most_common_failure"] == {"case": "b", "reason": "r2", "count": 4}


def test_feedback_names_are_unique_and_safe():
    subs = [gb.Submission(Path(n), n) for n in ("alice/01_x.ipynb", "bob/01_x.ipynb", "alice_01_x.ipynb",
                                                "../<evil>.ipynb")]
    names = gb.feedback_names(subs)
    assert len(set(names.values())) == 4
    assert all(n.startswith("feedback/") and "/" not in n[len("feedback/"):] and "<" not in n for n in names.values())


def test_cli_one_notebook_keeps_the_old_report(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["grade", str(HOSTILE / "not_json.ipynb")]) == 2
    assert "not a valid notebook" in capsys.readouterr().out and not (tmp_path / "gradebook").exists()


def test_cli_gradebook_of_broken_files_redo_and_bad_input(tmp_path, monkeypatch, capsys):
    """Unreadable notebooks are graded without a kernel: the CLI's gradebook mode, cheaply."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c").mkdir()
    for name in ("not_json", "not_a_notebook"):
        shutil.copy(HOSTILE / f"{name}.ipynb", tmp_path / "c")
    assert main(["grade", "c", "--jobs", "2"]) == 0
    text = capsys.readouterr().out
    assert "2 graded now" in text and "could not be graded: 2" in text
    assert (tmp_path / "gradebook" / "gradebook.csv").exists()
    assert main(["grade", "c/*.ipynb", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["reused"] == 2
    assert main(["grade", "c", "--redo", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["graded"] == 2
    assert main(["grade", "c", "nope.ipynb"]) == 2
    assert "no such file or folder: nope.ipynb" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["grade", "c", "--jobs", "0"])
    assert "at least 1" in capsys.readouterr().err


def test_a_corrupt_cache_is_ignored(tmp_path):
    (tmp_path / "gradebook.json").write_text("{not json")
    assert gb.read_cache(tmp_path, {"timeout": 1}) == {}
    (tmp_path / "gradebook.json").write_text(json.dumps({"cache_key": {"timeout": 2}, "submissions": []}))
    assert gb.read_cache(tmp_path, {"timeout": 1}) == {}


def test_csv_cells_are_not_formulas(tmp_path):
    gb.write_csv(tmp_path / "g.csv", [{"file": "a.ipynb", "00.hello": "=1+1", "problem": "cell 2 raised X: =2"}])
    with (tmp_path / "g.csv").open(newline="") as f:
        (r,) = list(csv.DictReader(f))
    assert r["00.hello"] == "'=1+1" and r["problem"] == "cell 2 raised X: =2"
