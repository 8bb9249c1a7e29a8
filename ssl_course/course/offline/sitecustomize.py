"""Run by Python at start-up when this folder is on PYTHONPATH (see ssl_course.course.offline):
loads the guard straight from its file, so no package (and no torch) is imported early."""
import importlib.util
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name: str, path: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


try:
    if os.environ.get(_load("_ssl_course_env", os.path.join(_HERE, "..", "env.py")).OFFLINE_ENV) == "1":
        _load("_ssl_course_offline_guard", os.path.join(_HERE, "_guard.py")).block()
except Exception as exc:  # never stop an interpreter from starting
    import sys

    print(f"ssl-course: could not install the offline guard: {exc}", file=sys.stderr)
