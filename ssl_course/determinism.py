"""Same seed, same machine, same numbers: run solution notebooks twice and compare every
headline number they report through `bar(...)` (clock-based ones excepted).

`ssl-course determinism [NN ...]` runs it for the named chapters (all when none is named).
"""
from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from .build import build, repo_root
from .core import QUICK_ENV, RESULTS_ENV, environ
from .offline import offline_env
from .progress import HOME_ENV


def _numbers(path: Path) -> dict[str, float]:
    if not path.exists():
        return {}
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {r["name"]: r["value"] for r in records if not r.get("timing")}


def run_notebook(notebook: Path, results: Path, timeout: float = 600) -> None:
    """Execute one notebook in a fresh, offline kernel, its bars recorded into `results`."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    with tempfile.TemporaryDirectory(prefix="ssl-determinism-") as home:
        env = {RESULTS_ENV: str(results), HOME_ENV: home, QUICK_ENV: "0", **offline_env()}
        with environ(env):
            NotebookClient(nb, timeout=timeout, kernel_name="python3",
                           resources={"metadata": {"path": str(notebook.parent)}}).execute(stderr=subprocess.DEVNULL)


def compare_runs(chapters: list[str] | None = None, root: Path | None = None) -> list[dict]:
    """Run each chosen solution notebook twice; one row per chapter with what differed."""
    root = root or repo_root()
    build(root, learner=False)
    notebooks = sorted((root / "build" / "solutions").glob("[0-9][0-9]_*.ipynb"))
    if chapters:
        notebooks = [nb for nb in notebooks if nb.name[:2] in chapters]
    rows = []
    with tempfile.TemporaryDirectory(prefix="ssl-determinism-") as tmp:
        for nb in notebooks:
            runs = []
            for k in (1, 2):
                out = Path(tmp) / f"{nb.stem}-{k}.jsonl"
                run_notebook(nb, out)
                runs.append(_numbers(out))
            first, second = runs
            differ = {name: (first.get(name), second.get(name)) for name in first.keys() | second.keys()
                      if first.get(name) != second.get(name)}
            rows.append(dict(chapter=nb.stem, numbers=len(first), differ=differ))
    return rows


def format_rows(rows: list[dict]) -> str:
    lines = [f"{'chapter':<36} {'numbers':>7}  result"]
    for r in rows:
        verdict = "identical" if not r["differ"] else "DIFFERENT: " + ", ".join(
            f"{k} {a} vs {b}" for k, (a, b) in sorted(r["differ"].items()))
        lines.append(f"{r['chapter']:<36} {r['numbers']:>7}  {verdict}")
    return "\n".join(lines)
