"""Crash injection for the crash-safety tests: the process really SIGKILLs itself at a named point.

``JIXIAO_CRASH_AT=<point>[:<n>]`` kills at the n-th time (default 1st) the code passes ``crash_point(<point>)``;
``JIXIAO_CRASH_AFTER=<step>:<seconds>`` kills ``seconds`` after ``arm(<step>)`` is called (mid-step, wherever the
step happens to be). Unset in production: both are then no-ops costing one dict lookup.
"""
from __future__ import annotations

import os
import signal
import threading

_counts: dict[str, int] = {}


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def crash_point(name: str) -> None:
    spec = os.environ.get("JIXIAO_CRASH_AT")
    if not spec:
        return
    point, _, nth = spec.partition(":")
    if point != name:
        return
    _counts[name] = _counts.get(name, 0) + 1
    if _counts[name] >= int(nth or 1):
        _die()


def arm(step: str) -> None:
    spec = os.environ.get("JIXIAO_CRASH_AFTER")
    if not spec:
        return
    name, _, seconds = spec.partition(":")
    if name == step:
        t = threading.Timer(float(seconds or 0), _die)
        t.daemon = True
        t.start()
