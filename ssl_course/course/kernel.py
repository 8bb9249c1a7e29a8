"""The course's Jupyter kernel: IPython's, reporting its language without the Python version.

JupyterLab copies the kernel's `language_info` into a notebook when it connects; if that differs
from what the file holds, the notebook opens marked modified before the learner did anything.
The learner notebooks hold exactly LANGUAGE_INFO, and this kernel reports exactly that, on any
Python version. `./course setup` makes it the environment's `python3` kernel.
"""
from __future__ import annotations

LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
}


def kernelspec(python: str = "python") -> dict:
    """kernel.json for this kernel (jupyter_client runs `python` as its own interpreter)."""
    return {"argv": [python, "-m", "ssl_course.course.kernel", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)", "language": "python",
            "metadata": {"debugger": True}, "kernel_protocol_version": "5.5"}


def install() -> str:
    """Write kernelspec() as the python3 kernel of this environment; return its folder."""
    import json
    import sys
    from pathlib import Path

    folder = Path(sys.prefix) / "share" / "jupyter" / "kernels" / "python3"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps(kernelspec(), indent=1) + "\n")
    return str(folder)


def main() -> None:
    from ipykernel.ipkernel import IPythonKernel
    from ipykernel.kernelapp import IPKernelApp

    class CourseKernel(IPythonKernel):
        language_info = LANGUAGE_INFO

    IPKernelApp.launch_instance(kernel_class=CourseKernel)


if __name__ == "__main__":
    main()
