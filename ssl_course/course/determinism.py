"""Same seed, same machine, same numbers: run solution notebooks twice and compare every
headline number they report through `bar(...)` (clock-based ones excepted).

`ssl-course determinism [NN ...]` runs it for the named chapters (all when none is named).
When the test run has left a current executed notebook (`build/executed`, same source), its
numbers count as the first run, so the chapter is executed once more rather than twice.
"""
from __future__ import annotations

from pathlib import Path

from .build import SOURCES_DIR, build, repo_root
from .execute import EXECUTED_DIR, current_executed, execute_solution


def _numbers(records: list[dict]) -> dict[str, float]:
    return {r["name"]: r["value"] for r in records if not r.get("timing")}


def compare_runs(chapters: list[str] | None = None, root: Path | None = None, reuse: bool = True) -> list[dict]:
    """Run each chosen solution notebook twice (once, if `reuse` and the test run's execution of
    it is current); one row per chapter with what differed and where the first run came from."""
    root = root or repo_root()
    build(root, learner=False)
    notebooks = sorted((root / "build" / "solutions").glob("[0-9][0-9]_*.ipynb"))
    if chapters:
        notebooks = [nb for nb in notebooks if nb.name[:2] in chapters]
    rows = []
    for nb in notebooks:
        runs = []
        executed = current_executed(root / SOURCES_DIR / f"{nb.stem}.py", root / EXECUTED_DIR) if reuse else None
        if executed is not None:
            runs.append(_numbers(executed.metadata["ssl_course"]["executed"]["bars"]))
        while len(runs) < 2:
            _, run = execute_solution(nb)  # the same runner as the test run
            runs.append(_numbers(run.bars))
        first, second = runs
        differ = {name: (first.get(name), second.get(name)) for name in first.keys() | second.keys()
                  if first.get(name) != second.get(name)}
        rows.append(dict(chapter=nb.stem, numbers=len(first), differ=differ,
                         first="the test run" if executed is not None else "a fresh run"))
    return rows


def format_rows(rows: list[dict]) -> str:
    lines = [f"{'chapter':<36} {'numbers':>7}  result"]
    for r in rows:
        verdict = "identical" if not r["differ"] else "DIFFERENT: " + ", ".join(
            f"{k} {a} vs {b}" for k, (a, b) in sorted(r["differ"].items()))
        lines.append(f"{r['chapter']:<36} {r['numbers']:>7}  {verdict}"
                     + (f" (first run: {r['first']})" if r.get("first") else ""))
    return "\n".join(lines)
