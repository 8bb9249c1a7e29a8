"""The course as a website (Jupyter Book 1, offline): `ssl-course site` or `./course site`.

Pages are the *executed* solution notebooks that the test run saved under `build/executed/`
(stamped with their source's hash): a chapter is executed here only when no current copy
exists, so one CI run executes each chapter once for both the tests and the site.

Staged into `build/site-src/` (then built into `build/site/_build/html/`):
- `intro.md`: the landing page, from `book/intro.md` with a chapter map and a results table;
- `notebooks/NN_*.ipynb`: each chapter, solution cells folded ("hide-input"), progress-bar
  widgets dropped, a download link to the learner notebook at the top;
- `learner/NN_*.ipynb`: the learner notebooks offered for download;
- `_static/ssl-course.css` (from `book/`): a few styles of the course's own;
- `book.yml` (the repository's, plus launch buttons when asked for) and a generated `toc.yml`.
"""
from __future__ import annotations

import copy
import html
import importlib.util
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from .build import build, repo_root, sources
from .checks import CHECK_MIME
from .execute import EXECUTED_DIR, current_executed, execute_solution, save_executed
from .syllabus import CHAPTERS, by_part, chapter

SITE_SRC = Path("build") / "site-src"
SITE_OUT = Path("build") / "site"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MAP_MARK, RESULTS_MARK = "<!-- chapter-map -->", "<!-- results-table -->"


class SiteError(RuntimeError):
    """The site cannot be built: what is missing and what to run."""


def executed_notebooks(root: Path, execute_missing: bool = True, log=print) -> dict[str, object]:
    """{chapter name: executed solution notebook}, reusing the test run's executions.

    A chapter with no current execution (missing, or its source or the package changed since)
    is executed now when `execute_missing`, else SiteError says which and what to run.
    """
    out, todo = {}, []
    for src in sources(root):
        nb = current_executed(src, root / EXECUTED_DIR)
        if nb is None:
            todo.append(src)
        else:
            out[src.stem] = nb
    if todo and not execute_missing:
        raise SiteError("no current execution of " + ", ".join(s.stem for s in todo)
                        + ": run `./course test` (or `ssl-course site` without --no-execute)")
    if todo:
        build(root, learner=False)
    for src in todo:
        log(f"executing {src.stem} (no current execution in {EXECUTED_DIR})")
        nb, run = execute_solution(root / "build" / "solutions" / f"{src.stem}.ipynb")
        save_executed(nb, run, src, root / EXECUTED_DIR)
        out[src.stem] = nb
    log(f"site: {len(out) - len(todo)} executed notebook(s) reused from the test run, {len(todo)} executed now")
    return out


def prepare_chapter(nb, name: str):
    """A copy of an executed solution notebook, ready to be a page."""
    import nbformat

    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)  # no live widgets on a static page
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "solution" in tags and "hide-input" not in tags:
            cell.metadata["tags"] = [*tags, "hide-input"]  # folded behind a click
        if cell.cell_type == "code":
            # A progress bar is a live widget with nothing to show once it is done.
            cell.outputs = [o for o in cell.outputs
                            if not (WIDGET_VIEW in o.get("data", {}) and "text/html" not in o.get("data", {}))]
            for o in cell.outputs:
                o.get("data", {}).pop(CHECK_MIME, None)  # the grader's record; the page shows its HTML
    note = nbformat.v4.new_markdown_cell(
        "```{admonition} Work through this chapter yourself\n:class: tip\n"
        f"{{download}}`Download the learner notebook <../learner/{name}.ipynb>` (exercises unsolved, "
        "no outputs), then open it in JupyterLab after `./course start`. This page is the solved "
        "version, executed; the solutions are folded: click to show them.\n```")
    nb.cells.insert(1, note)
    return nb


def _bar_text(b: dict) -> str:
    if b.get("met"):
        mark = "✓"
    elif b.get("shortfall"):
        mark = f"✗ **NOT MET**: {b['shortfall']}"
    else:
        mark = "✗ **missed**"
    return f"`{b['name']}` {b['value']:.4g}{b.get('unit', '')} {b['op']} {b['target']:.4g} {mark}"


def time_text(stamp: dict) -> str:
    """A run's time, marked when it ran beside another notebook (an upper bound of its time alone)."""
    return f"{stamp['seconds']:.0f} s" + (" (paired)" if stamp.get("paired") else "")


TIME_NOTE = ("A time marked (paired) was measured with two notebooks running at once, one core each: "
             "an upper bound of the time alone.")


def results_table(executed: dict) -> str:
    """Markdown: every chapter's headline numbers from the last run beside its bar and anchor."""
    written = {name[:2]: name for name in executed}
    rows = ["| ch. | headline experiment and bar | last run | outside anchor |",
            "|---|---|---|---|"]
    for c in sorted(CHAPTERS, key=lambda c: c.number):
        name = written.get(c.number)
        if name is None:
            rows.append(f"| {c.number} {c.title} | {c.bar} | *not yet written* | {c.anchor} |")
            continue
        stamp = executed[name].metadata["ssl_course"]["executed"]
        bars = "<br>".join(_bar_text(b) for b in stamp["bars"]) or "—"
        rows.append(f"| [{c.number} {c.title}](notebooks/{name}.ipynb)<br>{time_text(stamp)} | {c.bar} | "
                    f"{bars} | {c.anchor} |")
    stamps = [nb.metadata["ssl_course"]["executed"] for nb in executed.values()]
    last = max((s["date"] for s in stamps), default="—")
    devices = sorted({f"torch {s['torch']} on {s['device']}" for s in stamps})
    return (f"Last run: {last}, {', '.join(devices)}. Under each chapter: its solution notebook's run "
            f"time, end to end. {TIME_NOTE}\n\n"
            + "\n".join(rows))


README_BEGIN = "<!-- chapters table: generated by `ssl-course readme` from the last test run; do not edit -->"
README_END = "<!-- end of the chapters table -->"


def readme_table(executed: dict) -> str:
    """Markdown for README.md: each written chapter, its bar and the last run's numbers and time."""
    rows = ["| # | chapter | bar | last run | time |", "|---|---|---|---|---|"]
    for name in sorted(executed):
        c = chapter(name[:2])
        stamp = executed[name].metadata["ssl_course"]["executed"]
        bars = "<br>".join(_bar_text(b) for b in stamp["bars"]) or "—"
        rows.append(f"| {c.number} | {c.title} | {c.bar} | {bars} | {time_text(stamp)} |")
    stamps = [nb.metadata["ssl_course"]["executed"] for nb in executed.values()]
    last = max((s["date"] for s in stamps), default="—")
    devices = ", ".join(sorted({f"torch {s['torch']} on {s['device']}" for s in stamps}))
    return (f"{README_BEGIN}\nLast run: {last}, {devices}; time is the solution notebook end to end, "
            f"kernel start included. {TIME_NOTE}\n\n" + "\n".join(rows) + f"\n{README_END}")


def write_readme_table(root: Path | None = None) -> Path:
    """Replace the chapters table in README.md with one made from build/executed."""
    root = root or repo_root()
    executed = executed_notebooks(root, execute_missing=False)
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    if README_BEGIN not in text or README_END not in text:
        raise SiteError(f"README.md has no chapters table between {README_BEGIN!r} and {README_END!r}")
    head, rest = text.split(README_BEGIN, 1)
    tail = rest.split(README_END, 1)[1]
    readme.write_text(head + readme_table(executed) + tail, encoding="utf-8")
    return readme


def chapter_map(path: Path, written: set[str]) -> None:
    """A figure of the thirty-one chapters by part; written chapters in colour."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    parts = by_part()
    longest = max(len(v) for v in parts.values())
    fig, ax = plt.subplots(figsize=(13, 0.9 * longest + 1.2))
    colours = plt.cm.tab10.colors
    for col, (part, chapters) in enumerate(parts.items()):
        ax.text(col + 0.45, -0.2, textwrap.fill(part, 15), ha="center", va="bottom", fontsize=9.5, weight="bold")
        for row, c in enumerate(chapters):
            done = c.name in written
            face = colours[col % 10] if done else "#eeeeee"
            ax.add_patch(FancyBboxPatch((col + 0.02, row + 0.08), 0.86, 0.78, boxstyle="round,pad=0.02",
                                        facecolor=face, alpha=0.85 if done else 1.0, edgecolor="#555555"))
            ax.text(col + 0.45, row + 0.47, f"{c.number}\n{textwrap.fill(c.title, 18)}", ha="center", va="center",
                    fontsize=8, color="white" if done else "#555555", weight="bold" if done else "normal")
    ax.set_xlim(0, len(parts))
    ax.set_ylim(longest + 0.1, -1.3)
    ax.set_axis_off()
    ax.set_title("The course by part: coloured chapters are written, grey ones are planned", fontsize=11)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def toc(written: list[str]) -> str:
    """The table of contents: the landing page, then the written chapters by part."""
    lines = ["# Generated by ssl_course.site from ssl_course/syllabus.py: edit that, not this.",
             "format: jb-book", "root: intro", "parts:"]
    for part, chapters in by_part().items():
        names = [c.name for c in chapters if c.name in written]
        if names:
            lines += [f"  - caption: {part}", "    chapters:"] + [f"      - file: notebooks/{n}" for n in names]
    return "\n".join(lines) + "\n"


def _book_config(root: Path, jupyterhub_url: str | None, repository_url: str | None) -> str:
    """The repository's book.yml, plus a JupyterHub launch button when both URLs are given."""
    text = (root / "book.yml").read_text()
    if jupyterhub_url and repository_url:
        # Pages live at notebooks/NN_*.ipynb, so a launch opens the learner notebook of the repository.
        text += (f"repository:\n  url: {repository_url}\n  branch: main\n  path_to_book: \"\"\n"
                 f"launch_buttons:\n  notebook_interface: jupyterlab\n  jupyterhub_url: {jupyterhub_url}\n")
    elif jupyterhub_url or repository_url:
        raise SiteError("a JupyterHub launch button needs both --jupyterhub-url and --repository-url")
    return text


def stage(root: Path, executed: dict, jupyterhub_url: str | None = None, repository_url: str | None = None) -> Path:
    """Write the site's sources into build/site-src and return that folder."""
    import nbformat

    src = root / SITE_SRC
    if src.exists():
        shutil.rmtree(src)
    (src / "notebooks").mkdir(parents=True)
    (src / "learner").mkdir()
    for name, nb in executed.items():
        nbformat.write(prepare_chapter(nb, name), src / "notebooks" / f"{name}.ipynb")
        shutil.copy(root / "notebooks" / f"{name}.ipynb", src / "learner" / f"{name}.ipynb")
    chapter_map(src / "chapter_map.png", set(executed))
    intro = (root / "book" / "intro.md").read_text()
    for mark in (MAP_MARK, RESULTS_MARK):
        if mark not in intro:
            raise SiteError(f"book/intro.md lost its {mark} marker")
    figure = ("```{figure} chapter_map.png\n:alt: The thirty-one chapters in seven parts: "
              + html.escape("; ".join(f"{p}: " + ", ".join(c.number for c in cs) for p, cs in by_part().items()))
              + "\n:width: 100%\n\nThe chapters by part. Coloured: written and executed on this site.\n```")
    intro = intro.replace(MAP_MARK, figure).replace(RESULTS_MARK, results_table(executed))
    (src / "intro.md").write_text(intro)
    (src / "_static").mkdir()
    shutil.copy(root / "book" / "ssl-course.css", src / "_static" / "ssl-course.css")  # Jupyter Book loads it
    (src / "toc.yml").write_text(toc(list(executed)))
    (src / "book.yml").write_text(_book_config(root, jupyterhub_url, repository_url))
    return src


def build_site(root: Path | None = None, execute_missing: bool = True, jupyterhub_url: str | None = None,
               repository_url: str | None = None, log=print) -> Path:
    """Build the site strictly (warnings are errors); return the path of its index.html."""
    root = root or repo_root()
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    missing = [name for name, ok in (("jupyter-book<2", jupyter_book.exists()),
                                     ("sphinx-mathjax-offline", importlib.util.find_spec("sphinx-mathjax-offline")))
               if not ok]
    if missing:
        raise SiteError(f"{' and '.join(missing)} not installed here: pip install -e '.[site]' "
                        "(./course setup does it)")
    executed = executed_notebooks(root, execute_missing, log)
    src = stage(root, executed, jupyterhub_url, repository_url)
    out = root / SITE_OUT
    shutil.rmtree(out, ignore_errors=True)
    cmd = [str(jupyter_book), "build", str(src), "--config", str(src / "book.yml"),
           "--toc", str(src / "toc.yml"), "--path-output", str(out), "--builder", "html", "-W", "-n", "--keep-going"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SiteError(f"jupyter-book failed (exit {done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    index = out / "_build" / "html" / "index.html"
    log(f"site: built {len(executed)} chapter page(s) and the landing page into {index.parent}")
    return index


__all__ = ["SiteError", "build_site", "executed_notebooks", "prepare_chapter", "results_table", "toc"]
