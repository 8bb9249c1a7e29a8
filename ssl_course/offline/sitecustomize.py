"""Run by Python at start-up when this folder is on PYTHONPATH (see ssl_course.offline):
loads the guard straight from its file, so no package (and no torch) is imported early."""
import os

if os.environ.get("SSL_COURSE_OFFLINE") == "1":
    try:
        import importlib.util

        _spec = importlib.util.spec_from_file_location(
            "_ssl_course_offline_guard", os.path.join(os.path.dirname(os.path.abspath(__file__)), "_guard.py"))
        _module = importlib.util.module_from_spec(_spec)
        _spec.loader.exec_module(_module)
        _module.block()
    except Exception as exc:  # never stop an interpreter from starting
        import sys

        print(f"ssl-course: could not install the offline guard: {exc}", file=sys.stderr)
