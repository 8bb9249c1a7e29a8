"""Throughput of the gradebook: notebooks per minute, --jobs 1 vs --jobs 2, on one generated class.

Run from /work/main: .venv/bin/python /work/scratch/gradebook_bench.py [N_COPIES] [--hostile]
The class: tests/test_gradebook.py's generated submissions (solved, partly, wrong; with
--hostile also its hostile ones), each graded with --redo so nothing is reused.
"""
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path.cwd() / "tests"))
import test_gradebook as t  # noqa: E402

from ssl_course.course import gradebook as gb  # noqa: E402


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main():
    hostile = "--hostile" in sys.argv
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        t.write_class(folder)
        if not hostile:
            for p in folder.glob("*.ipynb"):
                if not p.stem.startswith(("solved", "partly", "wrong")):
                    p.unlink()
        n = len(list(folder.glob("*.ipynb")))
        for jobs in (1, 2):
            before = uptime()
            start = time.perf_counter()
            s = gb.gradebook([str(folder)], out=Path(tmp) / f"out{jobs}", jobs=jobs, timeout=t.TIMEOUT,
                             total_timeout=t.TOTAL, redo=True, echo=lambda *_: None)
            wall = time.perf_counter() - start
            print(f"jobs={jobs}: {n} notebooks in {wall:.1f} s = {60 * n / wall:.1f} notebooks/min; "
                  f"status {s['status']}\n  before: {before}\n  after:  {uptime()}", flush=True)


if __name__ == "__main__":
    print("cores:", os.cpu_count())
    main()
