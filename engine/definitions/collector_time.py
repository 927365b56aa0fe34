"""The processor time the garbage collector takes from a thread while scripts run, so that a script's time limit
does not charge it for the collector's pauses.

A collection runs in whichever thread's allocation triggered it and walks every object of the process: in a
long-lived process with a large heap, one full collection took more than a second of that thread's processor
time, and a one-line gateway condition was stopped as if it had looped (CI, stop 31). The collector is timed only
while at least one script runs (counted, so that scripts in several threads share it), which keeps its cost off
everything else."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class _ThreadTotals(threading.local):
    spent = 0.0  # seconds of this thread's processor time spent collecting while timed
    started: float | None = None


_totals = _ThreadTotals()
_users_lock = threading.Lock()
_users = 0


def _on_collection(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _totals.started = time.thread_time()
    elif _totals.started is not None:  # a "stop" whose start was seen in this thread
        _totals.spent += time.thread_time() - _totals.started
        _totals.started = None


def spent_collecting() -> float:
    """Seconds of the calling thread's processor time that timed collections have taken (it only grows)."""
    return _totals.spent


@contextmanager
def collections_timed() -> Iterator[None]:
    """Time the collector's runs while the block runs (first in the list of callbacks: around the others too)."""
    global _users
    with _users_lock:
        if _users == 0:
            gc.callbacks.insert(0, _on_collection)
        _users += 1
    try:
        yield
    finally:
        with _users_lock:
            _users -= 1
            if _users == 0:
                gc.callbacks.remove(_on_collection)
