"""Every environment variable the course reads, in one place. This module imports nothing, so
anything (a kernel's start-up hook, the command line) can read it cheaply."""
import contextlib
import os

QUICK_ENV = "SSL_COURSE_QUICK"  # "1": chapters shrink their training and report bars without asserting them
RESULTS_ENV = "SSL_COURSE_RESULTS"  # a JSON-lines file that collects every bar measured
STRICT_ENV = "SSL_COURSE_STRICT"  # "1": a check that does not pass raises; "not_attempted": one that does not say so raises
CHECK_TIMEOUT_ENV = "SSL_COURSE_CHECK_TIMEOUT"  # seconds one check may take (default 60)
GRADE_LOG_ENV = "SSL_COURSE_GRADE_LOG"  # ssl-course grade collects quiz answers through this file
HOME_ENV = "SSL_COURSE_HOME"  # where the progress file lives (default ~/.ssl_course)
CACHE_ENV = "SSL_COURSE_CACHE"  # where generated datasets are cached (default ~/.cache/ssl_course)
OFFLINE_ENV = "SSL_COURSE_OFFLINE"  # "1": a Python process refuses off-machine connections at start-up
REQUIRE_BROWSER_ENV = "SSL_COURSE_REQUIRE_BROWSER"  # "1" (CI): a missing browser fails the browser tests
# One thread for the numerical libraries below torch (NumPy's BLAS, scikit-learn's OpenMP): a
# kernel that runs beside another one on two cores, or a chapter that pins torch to one thread.
ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


@contextlib.contextmanager
def environ(values: dict):
    """Set environment variables for a block (None removes one), then restore them all."""
    old = {k: os.environ.get(k) for k in values}
    for k, v in values.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
