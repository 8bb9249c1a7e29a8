"""Offline guard: refuse every network connection that leaves this machine.

`block()` patches the socket module of this process; `offline_env()` gives the environment
that makes a child Python process (a notebook kernel) do the same at start-up, through the
`sitecustomize` module in this folder. Loopback (the kernel's own channels) and Unix sockets
keep working.
"""
from __future__ import annotations

import os

from ..env import OFFLINE_ENV
from ._guard import NetworkBlocked, block

__all__ = ["NetworkBlocked", "block", "offline_env"]


def offline_env() -> dict:
    """Environment variables that make a child Python process start with `block()` applied."""
    here = os.path.dirname(os.path.abspath(__file__))
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != here]
    return {"PYTHONPATH": os.pathsep.join([here, *parts]), OFFLINE_ENV: "1"}
