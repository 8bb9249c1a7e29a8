"""The `ssl-course` command: progress, grade, solution, build, new, determinism, site, layout, readme, drill,
train."""
from __future__ import annotations

import argparse
import json
import sys


def _progress(args) -> int:
    from .progress import table

    print(table())
    return 0


def _grade(args) -> int:
    """One notebook (and no --out): its report and exit code, as always. Several paths, a folder
    or a glob: a gradebook of the class (exit 0 once written, 2 for bad input)."""
    import glob
    from pathlib import Path

    one = args.notebooks[0]
    if len(args.notebooks) == 1 and args.out is None and not Path(one).is_dir() and not glob.has_magic(one):
        from .grade import exit_code, format_report, grade

        report = grade(one, timeout=args.timeout, total_timeout=args.total_timeout)
        print(json.dumps(report, indent=1) if args.json else format_report(report))
        return exit_code(report)
    from .gradebook import GradebookError, GradebookInterrupted, gradebook

    try:
        summary = gradebook(args.notebooks, out=args.out or "gradebook", jobs=args.jobs, timeout=args.timeout,
                            total_timeout=args.total_timeout, redo=args.redo,
                            echo=(lambda *_: None) if args.json else print)
    except GradebookError as exc:
        print(f"ssl-course grade: {exc}", file=sys.stderr)
        return 130 if isinstance(exc, GradebookInterrupted) else 2
    if args.json:
        print(json.dumps(summary, indent=1))
    return 0


def _add_grade(sub) -> None:
    from ..distributed.main import int_option

    g = sub.add_parser("grade", help="run notebooks headless, offline, and report each exercise. One notebook: "
                                     "exit 0: all passed, 1: some not passed, 2: could not grade to the end. "
                                     "Several, a folder or a glob: a gradebook of the class in --out")
    g.add_argument("notebooks", nargs="+", metavar="NOTEBOOK", help="notebook files, folders or glob patterns")
    g.add_argument("--json", action="store_true", help="print the report (or the gradebook's summary) as JSON")
    g.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per cell (default 120)")
    g.add_argument("--total-timeout", type=float, default=1800.0,
                   help="seconds allowed for the whole notebook (default 1800)")
    g.add_argument("--jobs", type=int_option("--jobs"), default=None,
                   help="notebooks graded at once, each in its own process (default: the number of cores)")
    g.add_argument("--out", default=None, help="the gradebook's folder (default: gradebook/ in the current folder); "
                                               "with one notebook, writes a gradebook too")
    g.add_argument("--redo", action="store_true", help="grade every notebook, even those unchanged since the "
                                                       "last gradebook in --out")
    g.set_defaults(func=_grade)


def _solution(args) -> int:
    from .build import solution_code

    try:
        source, code = solution_code(args.exercise_id)
    except KeyError as exc:
        print(f"ssl-course solution: {exc.args[0]}", file=sys.stderr)
        return 2
    print(f"# {args.exercise_id}: the solution in {source.parent.name}/{source.name}\n")
    print(code)
    return 0


def _new(args) -> int:
    from .build import repo_root
    from .scaffold import TODO, scaffold

    try:
        written = scaffold(args.chapter)
    except (KeyError, FileExistsError) as exc:
        print(f"ssl-course new: {exc.args[0]}", file=sys.stderr)
        return 2
    root = repo_root()
    print(f"Wrote {len(written)} file(s):\n  " + "\n  ".join(str(p.relative_to(root)) for p in written))
    print(f"Next: replace every {TODO} placeholder, then `ssl-course build` and `./course test` (CONTRIBUTING.md).")
    return 0


def _build(args) -> int:
    from .build import build

    stale = build(check_only=args.check)
    if args.check:
        if stale:
            print("Out of date (run `ssl-course build`):\n  " + "\n  ".join(stale))
            return 1
        print("All notebooks are up to date.")
        return 0
    print(f"Built the notebooks; {len(stale)} learner notebook(s) changed.")
    return 0


def _determinism(args) -> int:
    from .determinism import compare_runs, format_rows

    rows = compare_runs(args.chapters or None, reuse=not args.fresh)
    print(format_rows(rows))
    return 0 if rows and all(not r["differ"] for r in rows) else 1


def _site(args) -> int:
    from .site import SiteError, build_site

    try:
        index = build_site(execute_missing=not args.no_execute, jupyterhub_url=args.jupyterhub_url,
                           repository_url=args.repository_url)
    except SiteError as exc:
        print(f"ssl-course site: {exc}", file=sys.stderr)
        return 1
    print(f"Open {index}, or serve it: python -m http.server -d {index.parent}")
    return 0


def _layout(args) -> int:
    from .syllabus import layout_table

    print(layout_table())
    return 0


def _readme(args) -> int:
    from .site import SiteError, write_readme_table

    try:
        path = write_readme_table()
    except SiteError as exc:
        print(f"ssl-course readme: {exc}", file=sys.stderr)
        return 1
    print(f"Updated the chapters table in {path} from the last test run (build/executed).")
    return 0


def _train_simclr(args) -> int:
    from ..distributed import main as distributed_main

    if args.nproc == 1:
        return distributed_main.main(_train_argv(args))
    import subprocess

    # torch.distributed.run is torchrun; --standalone: a rendezvous on this machine only.
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(args.nproc),
           "-m", "ssl_course.distributed.main", *_train_argv(args)]
    print("running: torchrun --standalone --nproc_per_node", args.nproc, "-m ssl_course.distributed.main",
          *_train_argv(args), flush=True)
    return subprocess.run(cmd).returncode


def _train_argv(args) -> list[str]:
    """The training options of `train simclr` as command-line arguments for distributed/main.py."""
    argv = []
    for name in ("dataset", "epochs", "batch_size", "lr", "temperature", "seed", "limit", "out"):
        value = getattr(args, name)
        if value is not None:
            argv += [f"--{name.replace('_', '-')}", str(value)]
    return argv


def _drill(args) -> int:
    from .drill import DrillError, Session, run_terminal

    try:
        session = Session.start(args.chapters, n=args.questions, seed=args.seed)
    except DrillError as exc:
        print(f"ssl-course drill: {exc}", file=sys.stderr)
        return 2
    return run_terminal(session)


def _add_drill(sub) -> None:
    dr = sub.add_parser("drill", help="interview questions from every chapter's quizzes and follow-ups, "
                                      "on a spaced-repetition schedule (exit 0: done or q, 1: input closed, "
                                      "130: Ctrl-C)")
    dr.add_argument("--chapters", help="chapters to drill, e.g. 05,12 or 03-07 (default: all)")
    dr.add_argument("-n", "--questions", type=int, default=10, help="how many questions (default 10)")
    dr.add_argument("--seed", type=int, help="fix the order of new questions (default: random)")
    dr.set_defaults(func=_drill)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ssl-course", description="The self-supervised learning course.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("progress", help="your progress, a table per chapter").set_defaults(func=_progress)
    _add_grade(sub)
    s = sub.add_parser("solution", help="print the solution you were asked to write, e.g. 01.info_nce")
    s.add_argument("exercise_id")
    s.set_defaults(func=_solution)
    b = sub.add_parser("build", help="regenerate the notebooks from chapters/")
    b.add_argument("--check", action="store_true", help="write nothing; exit 1 if any notebook is out of date")
    b.set_defaults(func=_build)
    n = sub.add_parser("new", help="start chapter NN from its syllabus entry: source, exercises, mutants, "
                                   "reference modules (see CONTRIBUTING.md)")
    n.add_argument("chapter", help="a chapter number, e.g. 06")
    n.set_defaults(func=_new)
    d = sub.add_parser("determinism", help="run solution notebooks twice and compare their headline "
                                           "numbers (exit 1 if any differ)")
    d.add_argument("chapters", nargs="*", help="chapter numbers such as 01 05 (default: all)")
    d.add_argument("--fresh", action="store_true", help="run twice even where the test run left a current "
                                                        "executed notebook (build/executed) to compare with")
    d.set_defaults(func=_determinism)
    w = sub.add_parser("site", help="build the course website (Jupyter Book 1, offline, strict) from the "
                                    "executed chapters that the test run saved; executes only what is missing")
    w.add_argument("--no-execute", action="store_true",
                   help="fail instead of executing a chapter that has no current execution")
    w.add_argument("--jupyterhub-url", help="add a JupyterHub launch button (needs --repository-url too)")
    w.add_argument("--repository-url", help="the course's public git repository, for the launch button")
    w.set_defaults(func=_site)
    lay = sub.add_parser("layout", help="where every chapter's reference code and exercises live (a table)")
    lay.set_defaults(func=_layout)
    r = sub.add_parser("readme", help="rewrite README.md's chapters table from the last test run's executions")
    r.set_defaults(func=_readme)
    _add_drill(sub)
    from ..distributed.main import add_arguments, int_option

    t = sub.add_parser("train", help="train a model from the command line")
    t = t.add_subparsers(dest="method", required=True)
    ts = add_arguments(t.add_parser("simclr", help="SimCLR on MNIST-1D or digits, on one process or N under "
                                                   "torchrun (DDP: gloo on CPU, NCCL on GPU); prints the "
                                                   "linear probe accuracy and the training time"))
    ts.add_argument("--nproc", type=int_option("--nproc"), default=1,
                    help="processes (1: in this process; N > 1: torchrun --standalone --nproc_per_node N)")
    ts.set_defaults(func=_train_simclr)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
