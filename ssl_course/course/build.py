"""One source, two notebooks.

A chapter's source is `chapters/NN_name.py` in jupytext's percent format. Code between
`### BEGIN SOLUTION` and `### END SOLUTION` is the solution:
- the learner notebook (`notebooks/NN_name.ipynb`, committed, no outputs) gets, in its place,
  `raise NotImplementedError(...)` at the same indentation;
- the solution notebook (`build/solutions/NN_name.ipynb`, generated, not committed) keeps it.
Cells holding a solution are tagged "exercise" (learner) or "solution" (solution version).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat

from .checkout import SOURCES_DIR, repo_root
from .kernel import LANGUAGE_INFO

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_CHECK_ID = re.compile(r"""check\(\s*["'](\d\d\.\w+)["']""")


def strip_solutions(code: str, where: str = "") -> str:
    """Replace each solution region by a NotImplementedError at the region's indentation."""
    out, inside, indent = [], False, ""
    ex_ids = _CHECK_ID.findall(code)
    for n, line in enumerate(code.splitlines(), 1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"{where} line {n}: {BEGIN} inside another solution region")
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            label = f"Exercise {ex_ids[0]}" if ex_ids else "Exercise"
            out.append(f'{indent}raise NotImplementedError("{label}: replace this line with your code")')
        elif stripped == END:
            if not inside:
                raise ValueError(f"{where} line {n}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: {BEGIN} is never closed by {END}")
    return "\n".join(out)


def _markers_removed(code: str) -> str:
    return "\n".join(line for line in code.splitlines() if line.strip() not in (BEGIN, END))


def make_notebooks(source: Path) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    """(learner, solution) notebooks from one percent-format source file."""
    import jupytext

    nb = jupytext.read(source, fmt="py:percent")
    learner, solution = nbformat.v4.new_notebook(), nbformat.v4.new_notebook()
    # Exactly what the course's kernel reports (ssl_course.course.kernel), so JupyterLab opens the
    # notebook unmodified.
    meta = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": dict(LANGUAGE_INFO)}
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    # The grader reads which exercises the chapter has from here, even if a learner deletes a cell.
    meta["ssl_course"] = {"chapter": source.stem[:2], "exercises": exercise_ids(code)}
    for book in (learner, solution):
        book.metadata = nbformat.from_dict(meta)
    for i, cell in enumerate(nb.cells):
        for book, version in ((learner, "learner"), (solution, "solution")):
            if cell.cell_type == "markdown":
                new = nbformat.v4.new_markdown_cell(cell.source)
            else:
                has_solution = BEGIN in cell.source
                src = (strip_solutions(cell.source, f"{source.name} cell {i}") if version == "learner"
                       else _markers_removed(cell.source))
                new = nbformat.v4.new_code_cell(src)
                tags = list(cell.metadata.get("tags", []))
                if has_solution:
                    tags.append("exercise" if version == "learner" else "solution")
                if tags:
                    new.metadata["tags"] = tags
            new.id = f"cell-{i:03d}"  # stable ids: regenerating gives the same bytes
            book.cells.append(new)
    return learner, solution


def sources(root: Path | None = None) -> list[Path]:
    root = root or repo_root()
    return sorted((root / SOURCES_DIR).glob("[0-9][0-9]_*.py"))


def render(nb) -> str:
    return nbformat.writes(nb) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8, line endings as given) to a temporary file beside `path`, then
    rename it over `path`: a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    tmp.replace(path)


def _write_if_changed(path: Path, text: str) -> None:
    """Write atomically and only a changed file: two test workers may build while a third reads."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    write_atomic(path, text)


def build(root: Path | None = None, check_only: bool = False, learner: bool = True) -> list[str]:
    """Write the learner and solution notebooks and return the learner notebooks that were out
    of date (or missing). check_only: write nothing. learner=False: write the solutions only."""
    root = root or repo_root()
    stale = []
    for src in sources(root):
        learner_nb, solution = make_notebooks(src)
        target = root / "notebooks" / (src.stem + ".ipynb")
        text = render(learner_nb)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            stale.append(str(target.relative_to(root)))
            if learner and not check_only:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        if not check_only:
            _write_if_changed(root / "build" / "solutions" / (src.stem + ".ipynb"), render(solution))
    if not check_only:
        return stale
    expected = {s.stem for s in sources(root)}
    stale += [str(p.relative_to(root)) + " (no source)" for p in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
              if p.stem not in expected]
    return stale


def exercise_ids(code: str) -> list[str]:
    """The exercise ids a notebook checks, in order of appearance."""
    return list(dict.fromkeys(_CHECK_ID.findall(code)))


def solution_code(exercise_id: str, root: Path | None = None) -> tuple[Path, str]:
    """(chapter source, code) of the solution a learner is asked to write for `exercise_id`: the
    source cell that holds the solution region checked by `check("<id>", ...)`, markers removed,
    without the check call. KeyError (with a message) when there is no such exercise."""
    import jupytext

    from .loader import chapter_of

    chapter = chapter_of(exercise_id)
    files = sorted((root or repo_root()).joinpath(SOURCES_DIR).glob(f"{chapter}_*.py"))
    if not files:
        raise KeyError(f"no chapter {chapter} source under {SOURCES_DIR}/ (is this a checkout of the course?)")
    last_solution = None
    for cell in jupytext.read(files[0], fmt="py:percent").cells:
        if cell.cell_type != "code":
            continue
        if BEGIN in cell.source:
            last_solution = cell.source
        if exercise_id in exercise_ids(cell.source) and last_solution is not None:
            code = _markers_removed(last_solution).splitlines()
            cut = next((i for i, line in enumerate(code) if _CHECK_ID.search(line)), len(code))
            return files[0], "\n".join(code[:cut]).rstrip() + "\n"
    found = exercise_ids(files[0].read_text(encoding="utf-8"))
    raise KeyError(f"no exercise {exercise_id!r} in {files[0].name}; it has: {', '.join(found) or 'none'}")
