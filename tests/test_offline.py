"""The test session runs offline: here and in every child process."""
from __future__ import annotations

import socket
import subprocess
import sys
import urllib.request

import pytest

from ssl_course.course.offline import NetworkBlocked


def test_this_process_cannot_reach_the_network():
    with pytest.raises(OSError, match="offline"):
        urllib.request.urlopen("http://example.com", timeout=5)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(NetworkBlocked):
        s.connect(("8.8.8.8", 53))
    s.close()


def test_loopback_still_works():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=5)
    client.close()
    server.close()


def test_child_python_processes_are_offline_too():
    code = ("import urllib.request\n"
            "try:\n    urllib.request.urlopen('http://example.com', timeout=5)\n"
            "except OSError as e:\n    print('blocked' if 'offline' in str(e) else 'other', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.startswith("blocked"), out.stdout + out.stderr


def test_a_child_catches_the_guards_error_by_the_packages_class():
    """In a child (a kernel, a pytest-xdist worker) sitecustomize installs the guard before the
    package is imported: the package's NetworkBlocked must still be the class it raises."""
    code = ("import socket\n"
            "from ssl_course.course.offline import NetworkBlocked\n"
            "try:\n    socket.socket().connect(('8.8.8.8', 53))\n"
            "except NetworkBlocked:\n    print('caught')\n"
            "except OSError as e:\n    print('other', type(e), e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.startswith("caught"), out.stdout + out.stderr
