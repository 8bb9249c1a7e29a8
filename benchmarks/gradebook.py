"""The gradebook's throughput: notebooks per minute with --jobs 1 and --jobs 2 on one class.

    .venv/bin/python benchmarks/gradebook.py [--hostile]

The class is tests/test_gradebook.py's generated one: its solved, partly solved and wrong
submissions (14 notebooks; with --hostile its hostile ones too, whose time limits dominate).
Each run grades all of it (redo), so nothing is reused. Run it on a quiet machine: the numbers
are wall-clock times.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import test_gradebook as t  # noqa: E402

from ssl_course.course import gradebook as gb  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--hostile", action="store_true", help="include the hostile submissions")
    args = p.parse_args()
    print(f"cores: {gb.cores()} (of {os.cpu_count()}); load before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        t.write_class(folder)
        if not args.hostile:
            for nb in folder.glob("*.ipynb"):
                if not nb.stem.startswith(("solved", "partly", "wrong")):
                    nb.unlink()
        n = len(list(folder.glob("*.ipynb")))
        rates = {}
        for jobs in (1, 2):
            start = time.perf_counter()
            s = gb.gradebook([str(folder)], out=Path(tmp) / f"out{jobs}", jobs=jobs, timeout=t.TIMEOUT,
                             total_timeout=t.TOTAL, redo=True, echo=lambda *_: None)
            wall = time.perf_counter() - start
            rates[jobs] = 60 * n / wall
            print(f"--jobs {jobs}: {n} notebooks in {wall:.1f} s = {rates[jobs]:.1f} notebooks/min "
                  f"(statuses {s['status']}; load after: {os.getloadavg()[0]:.2f})", flush=True)
        print(f"speed-up of --jobs 2 over one at a time: {rates[2] / rates[1]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
