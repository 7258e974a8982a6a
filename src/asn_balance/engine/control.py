"""Stopping a running solve from outside: Ctrl-C in the CLI, or a cancel from an embedder.

:func:`request_stop` sets a flag that every search loop checks between its steps and asks
every running CP-SAT search to stop at once (``stop_search``). The solve then returns the
best plan found so far with its status (``feasible``, or ``optimal`` if it was already
proven) and ``stats["stopped_by"] = "interrupt"``. The flag is process-wide: it stops every
solve running in the process; :func:`asn_balance.planner.solve` clears it when it starts.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["request_stop", "reset", "running", "stop_requested"]

_stop = threading.Event()
_lock = threading.Lock()
_active: set[Any] = set()


def request_stop() -> None:
    """Ask every running solve in this process to stop and return its best plan so far."""
    _stop.set()
    with _lock:
        for solver in list(_active):
            solver.stop_search()


def stop_requested() -> bool:
    """Whether a stop was requested since the last :func:`reset`."""
    return _stop.is_set()


def reset() -> None:
    """Clear the stop flag (a new solve starts)."""
    _stop.clear()


@contextmanager
def running(solver: Any) -> Iterator[None]:
    """Register a CP-SAT solver while it runs, so that :func:`request_stop` reaches it.

    CP-SAT's own SIGINT handler is turned off: the caller's Ctrl-C handling decides.
    """
    solver.parameters.catch_sigint_signal = False
    if _stop.is_set():
        solver.parameters.max_time_in_seconds = 0.0
    with _lock:
        _active.add(solver)
    try:
        yield
    finally:
        with _lock:
            _active.discard(solver)
