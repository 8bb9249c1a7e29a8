"""The layout holds: chapters load one at a time, no import cycles, the SSL_COURSE_* names in one
place, the syllabus agrees with the exercises, chapter sources survive a save from JupyterLab,
CONTRIBUTING's map of where code lives follows the syllabus, and `ssl-course new` gives a
chapter that builds and runs."""
from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

from ssl_course.course import checks, loader, syllabus
from ssl_course.course.build import SOURCES_DIR, build, exercise_ids, sources
from ssl_course.course.checks import FAILED, PASSED
from ssl_course.course.env import QUICK_ENV, STRICT_ENV
from ssl_course.course.loader import ChapterUnavailable

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ssl_course"


# ----------------------------------------------------------------------------- chapters one at a time
@pytest.fixture
def fake_chapters(tmp_path, monkeypatch):
    """A stand-in exercises package: chapter 96 imports fine, chapter 97 needs a missing package
    after registering one exercise (which must not survive the failed import)."""
    pkg = tmp_path / "fake_exercises"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    common = ("import torch\nfrom ssl_course.course.checks import Case, Exercise, against_reference, register\n"
              "def ref(x):\n    return x * 2\n")
    (pkg / "ch96.py").write_text(common + 'register(Exercise("96.double", "double", ref, '
                                 '[against_reference(ref, [Case("one", (torch.ones(3),))])]))\n')
    (pkg / "ch97.py").write_text(common + 'register(Exercise("97.half", "half", ref, []))\n'
                                 "import gymnasium_that_is_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(checks, "EXERCISES", "fake_exercises")
    yield
    for name in [m for m in sys.modules if m.startswith("fake_exercises")]:
        del sys.modules[name]
    for key in [k for k in checks._REGISTRY if k[:2] in ("96", "97")]:
        del checks._REGISTRY[key]


def test_a_chapter_that_fails_to_import_breaks_only_its_own_checks(fake_chapters):
    with pytest.raises(ChapterUnavailable) as info:
        checks.check("97.half", lambda x: x / 2)
    message = str(info.value)
    assert "chapter 97" in message and "gymnasium_that_is_not_installed" in message
    assert "pip install" in message and "Other chapters are not affected" in message
    # In Jupyter the message shows alone, not under a wall of traceback.
    assert info.value._render_traceback_() == [f"ChapterUnavailable: {message}"]
    assert "97.half" not in checks._REGISTRY  # its partial registration is undone
    assert checks.check("96.double", lambda x: x * 2).status == PASSED  # another chapter still works
    assert checks.check("96.double", lambda x: x * 3).status == FAILED
    with pytest.raises(ChapterUnavailable):  # and chapter 97 says the same again, not "no such exercise"
        checks.check("97.half", lambda x: x / 2)


def test_checking_one_chapter_imports_no_other():
    code = ("import sys; from ssl_course import check; "
            "check('01.info_nce', lambda q, k, temperature=0.1: (_ for _ in ()).throw(NotImplementedError())); "
            "print(sorted(m for m in sys.modules if m.startswith('ssl_course.course.exercises.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['ssl_course.course.exercises._common', 'ssl_course.course.exercises.ch01']"


@pytest.mark.parametrize("bad,error", [("1.info_nce", KeyError), ("01", KeyError), ("01.", KeyError),
                                       (1, TypeError), ("../x.y", KeyError)])
def test_malformed_ids_are_refused_clearly(bad, error):
    with pytest.raises(error, match="01.info_nce"):
        checks.get_exercise(bad)


def test_progress_and_the_cli_do_not_import_torch():
    code = ("import sys; from ssl_course.course.progress import table; table(); "
            "import ssl_course.course.cli; assert 'torch' not in sys.modules, 'torch was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


# ----------------------------------------------------------------------------- one source of truth
def test_syllabus_exercises_match_the_registry_and_the_notebooks():
    registered = checks.all_exercises()
    for src in sources(ROOT):
        number = src.stem[:2]
        listed = list(syllabus.chapter(number).exercises)
        assert sorted(listed) == [k for k in registered if k.startswith(f"{number}.")], number
        assert exercise_ids(src.read_text(encoding="utf-8")) == listed, f"{src.name} checks other exercises"
    assert set(loader.chapters_in(checks.EXERCISES)) == {s.stem[:2] for s in sources(ROOT)}


def test_every_syllabus_chapter_has_exercise_ids_of_its_own():
    for c in syllabus.CHAPTERS:
        assert len(c.exercises) >= 1 and all(e.startswith(f"{c.number}.") for e in c.exercises), c.number
        assert c.code and all(p.endswith(".py") and not p.startswith("/") for p in c.code), c.number


def _module_imports(path: Path) -> set[str]:
    """Package-internal modules that `path` imports at module level (not inside functions)."""
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                full = f"{target}.{alias.name}"
                found.add(full if (ROOT / Path(*full.split("."))).with_suffix(".py").exists() else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m.startswith("ssl_course")}


def test_no_import_cycles():
    graph = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): _module_imports(p)
             for p in PACKAGE.rglob("*.py")}

    def visit(node, stack):
        if node in stack:
            raise AssertionError("import cycle: " + " -> ".join([*stack[stack.index(node):], node]))
        for nxt in graph.get(node, ()):
            visit(nxt, [*stack, node])

    for module in graph:
        visit(module, [])


def test_environment_names_live_in_one_place():
    offenders = []
    for path in [*PACKAGE.rglob("*.py"), ROOT / "conftest.py", *(ROOT / "browser").glob("*.py")]:
        if path.name != "env.py" and re.search(r"[\"']SSL_COURSE_\w+[\"']", path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"SSL_COURSE_* spelled outside ssl_course/course/env.py: {offenders}"


# ----------------------------------------------------------------------------- chapter sources
def test_chapter_sources_are_not_in_the_learners_file_browser():
    assert not list((ROOT / "notebooks").rglob("*.py")), "a .py file under notebooks/ shows a solution in JupyterLab"
    assert sources(ROOT) and all(p.parent.name == SOURCES_DIR for p in sources(ROOT))


@pytest.mark.parametrize("src", sources(ROOT), ids=lambda p: p.stem)
def test_saving_a_chapter_source_from_jupyterlab_keeps_it_as_it_is(src):
    from jupytext.config import load_jupytext_configuration_file

    config = load_jupytext_configuration_file(str(ROOT / "pyproject.toml"))
    nb = jupytext.read(src, fmt="py:percent")
    # What JupyterLab holds after a session: its kernel in the metadata, and (say, once saved as
    # .ipynb and reopened) no record of how the file was read.
    nb.metadata["kernelspec"] = {"name": "ssl-course", "display_name": "Python (ssl-course)", "language": "python"}
    nb.metadata.pop("jupytext", None)
    assert jupytext.writes(nb, fmt="py:percent", config=config) == src.read_text(encoding="utf-8")
    # without the project's [tool.jupytext] section the same save would write a header into it
    assert jupytext.writes(nb, fmt="py:percent").startswith("# ---\n")


# ----------------------------------------------------------------------------- documents
def test_contributing_says_where_every_chapter_lives():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert syllabus.layout_table() in text, "CONTRIBUTING.md's table differs from `ssl-course layout`"


def test_readme_chapter_table_is_the_generated_one():
    from ssl_course.course.site import README_BEGIN, README_END

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split(README_BEGIN, 1)[1].split(README_END, 1)[0]
    rows = [line.split(" | ") for line in block.splitlines() if re.match(r"^\| \d\d \|", line)]
    written = [s.stem[:2] for s in sources(ROOT)]
    assert [r[0].strip("| ") for r in rows] == written
    for r in rows:
        c = syllabus.chapter(r[0].strip("| "))
        assert (r[1], r[2]) == (c.title, c.bar), "a row not generated from the syllabus"


def test_no_scaffold_placeholder_is_left_in_a_written_chapter():
    paths = [*sources(ROOT), *PACKAGE.rglob("*.py"), *(ROOT / "tests" / "mutants").glob("*.py")]
    left = [str(p.relative_to(ROOT)) for p in paths
            if p.name != "scaffold.py" and "TODO(scaffold)" in p.read_text(encoding="utf-8")]
    assert not left, f"scaffold placeholders left in: {left}"


# ----------------------------------------------------------------------------- the scaffold
def test_the_scaffold_of_a_new_chapter_builds_runs_and_grades(tmp_path, monkeypatch):
    """`ssl-course new NN` (the last chapter not yet written, else the last one) in a copy of the
    course: both notebooks build and run, the checks pass in the solution and say 'not attempted'
    in the learner version, the mutants are rejected."""
    from ssl_course.course.execute import execute, execute_solution
    from ssl_course.course.scaffold import scaffold

    unwritten = [c.number for c in syllabus.CHAPTERS if c.number not in {s.stem[:2] for s in sources(ROOT)}]
    number = max(unwritten or [c.number for c in syllabus.CHAPTERS])  # all written: scaffold the last again,
    # from a copy without that chapter's exercises and quizzes, so the scaffold writes them afresh
    shutil.copytree(PACKAGE, tmp_path / "ssl_course", ignore=shutil.ignore_patterns("__pycache__", f"ch{number}.py"))
    shutil.copytree(ROOT / "tests" / "mutants", tmp_path / "tests" / "mutants",
                    ignore=shutil.ignore_patterns("__pycache__", "ch[0-9][0-9].py"))
    (tmp_path / "tests" / "__init__.py").write_text("")
    (tmp_path / SOURCES_DIR).mkdir()
    written = scaffold(number, tmp_path)
    names = {p.relative_to(tmp_path).as_posix() for p in written}
    name = syllabus.chapter(number).name
    assert {f"{SOURCES_DIR}/{name}.py", f"ssl_course/course/exercises/ch{number}.py",
            f"ssl_course/course/quizzes/ch{number}.py", f"tests/mutants/ch{number}.py"} <= names
    with pytest.raises(FileExistsError):
        scaffold(number, tmp_path)

    build(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))  # the kernels import the copy, with the new chapter
    nb, run = execute_solution(tmp_path / "build" / "solutions" / f"{name}.ipynb")  # strict: checks must pass
    assert [b["name"] for b in run.bars] == [f"{number}.headline"]
    learner = nbformat.read(tmp_path / "notebooks" / f"{name}.ipynb", as_version=4)
    execute(learner, tmp_path / "notebooks", {STRICT_ENV: "not_attempted", QUICK_ENV: "1"})  # raises otherwise
    code = ("import json; from tests.mutants import MUTANTS; from ssl_course.course.checks import run_check; "
            f"print(json.dumps({{n: run_check(e, f).status for e, items in MUTANTS.items() if e.startswith('{number}.') "
            "for n, f in items}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(tmp_path)}, check=True).stdout
    statuses = json.loads(out)
    assert len(statuses) == 3 * len(syllabus.chapter(number).exercises)
    assert set(statuses.values()) == {FAILED}, statuses
