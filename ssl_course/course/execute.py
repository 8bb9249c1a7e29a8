"""Run a notebook in a fresh, offline kernel: the one runner behind the test run of the solution
notebooks, `ssl-course grade`, `ssl-course determinism` and the site build.

The executed solution notebooks of a test run are saved under `build/executed/`, stamped with
a hash of their chapter's source, so that the site is built from them without running any
chapter a second time (see `ssl_course.site`).
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .env import HOME_ENV, ONE_THREAD_ENV, QUICK_ENV, RESULTS_ENV, STRICT_ENV, environ
from .offline import offline_env

EXECUTED_DIR = Path("build") / "executed"


@dataclass
class Run:
    """What one execution measured: wall time, the kernel's peak memory (VmHWM, MB, Linux)."""

    seconds: float = 0.0
    peak_mb: float | None = None
    bars: list[dict] = field(default_factory=list)


def kernel_peak_mb(holder) -> float | None:
    """Peak resident memory (VmHWM, MB, Linux) of the kernel behind `holder.km`, or None."""
    try:
        pid = holder.km.provisioner.process.pid
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (AttributeError, OSError, ValueError):
        return None
    return None


def execute(nb, cwd: Path, env: dict | None = None, *, timeout: float = 600.0,
            total_timeout: float | None = None, client_class=None, **client_kwargs) -> Run:
    """Execute notebook `nb` in place (outputs are written into it) in a fresh, offline kernel.

    cwd: the kernel's working directory; env: extra environment variables (None removes one);
    timeout: seconds per cell; total_timeout: seconds for the whole notebook (None: no limit).
    Errors (a failing cell, a dead kernel, the time limit) propagate to the caller.
    """
    from nbclient import NotebookClient

    run = Run()
    client = (client_class or NotebookClient)(nb, timeout=timeout, kernel_name="python3",
                                              resources={"metadata": {"path": str(cwd)}}, **client_kwargs)

    def sample(**_):  # VmHWM only grows, so sampling after every cell catches the peak
        run.peak_mb = kernel_peak_mb(client) or run.peak_mb

    client.on_cell_complete = sample
    start = time.perf_counter()
    # Figures go into the notebook (a test process may have set MPLBACKEND=Agg, which shows nothing).
    with environ({**offline_env(), "MPLBACKEND": "module://matplotlib_inline.backend_inline", **(env or {})}):
        # The kernel's own start-up chatter (and a dying kernel's last words) stay quiet.
        asyncio.run(asyncio.wait_for(client.async_execute(stderr=subprocess.DEVNULL), timeout=total_timeout))
    run.seconds = time.perf_counter() - start
    return run


def read_bars(path: Path) -> list[dict]:
    """The bar records (`ssl_course.bar`) in a JSON-lines results file."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


ONE_THREAD_CALL = "torch.set_num_threads(1)"


def pins_one_thread(nb) -> bool:
    """Whether a notebook's code pins torch to one thread (its small models run fastest so)."""
    return any(c.cell_type == "code" and ONE_THREAD_CALL in c.source for c in nb.cells)


def execute_solution(notebook: Path, timeout: float = 600.0) -> tuple:
    """Run a solution notebook as the tests do (strict checks, full size, bars asserted), with
    a fresh progress home. A chapter that pins torch to one thread gets one thread below torch
    too (BLAS, OpenMP), alone or beside another notebook, so both runs compute alike.

    Returns (executed notebook, Run with its bar records). Raises nbclient's CellExecutionError
    (its message names the cell and the error) when any cell fails.
    """
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    with tempfile.TemporaryDirectory(prefix="ssl-run-") as tmp:
        results = Path(tmp) / "results.jsonl"
        env = {STRICT_ENV: "1", QUICK_ENV: "0", RESULTS_ENV: str(results), HOME_ENV: str(Path(tmp) / "home"),
               **(ONE_THREAD_ENV if pins_one_thread(nb) else {})}
        run = execute(nb, notebook.parent.resolve(), env, timeout=timeout)
        run.bars = read_bars(results)
    return nb, run


# Package modules that build the website or wrap the command line: they cannot change what a
# chapter computes, so editing them does not make the saved executions stale.
NOT_RUN_BY_CHAPTERS = {"site.py", "syllabus.py", "cli.py", "scaffold.py"}


def code_hash(*files: Path, skip: set[str] | frozenset[str] = frozenset()) -> str:
    """SHA-256 of `files` and of every module of the course package (all of ssl_course/) whose
    file name is not in `skip`: a result computed by other code is not reused."""
    h = hashlib.sha256()
    for path in files:
        h.update(path.read_bytes())
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        if path.name not in skip:
            h.update(path.read_bytes())
    return h.hexdigest()


def source_hash(source: Path) -> str:
    """SHA-256 of a chapter's source file and of the package code it runs against."""
    return code_hash(source, skip=NOT_RUN_BY_CHAPTERS)


def save_executed(nb, run: Run, source: Path, out_dir: Path, paired: bool = False) -> Path:
    """Write an executed solution notebook, stamped so a later site build knows it is current.
    paired: it ran beside another notebook (one core each), so its time is an upper bound of
    its time alone."""
    import nbformat
    import torch

    from ..core import device

    nb.metadata.setdefault("ssl_course", {})["executed"] = {
        "source_sha256": source_hash(source), "seconds": round(run.seconds, 1), "paired": paired,
        "peak_mb": round(run.peak_mb) if run.peak_mb else None, "bars": run.bars,
        "torch": torch.__version__, "device": str(device()), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{source.stem}.ipynb"
    tmp = path.with_suffix(".tmp")
    nbformat.write(nb, tmp)
    tmp.replace(path)
    return path


def current_executed(source: Path, out_dir: Path):
    """The executed notebook for `source` if it exists and was run from this very source, else None."""
    import nbformat

    path = out_dir / f"{source.stem}.ipynb"
    if not path.exists():
        return None
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # a half-written or foreign file: treat as absent
        return None
    stamp = nb.metadata.get("ssl_course", {}).get("executed", {})
    return nb if stamp.get("source_sha256") == source_hash(source) else None
