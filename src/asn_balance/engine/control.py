"""Stopping a running solve from outside: Ctrl-C in the CLI, or a cancel from an embedder.

:func:`request_stop` sets a flag that every search loop checks between its steps and asks
every running CP-SAT search to stop at once (``stop_search``). The solve then returns the
best plan found so far with its status (``feasible``, or ``optimal`` if it was already
proven) and ``stats["stopped_by"] = "interrupt"``. The flag is process-wide: it stops every
solve running in the process; :func:`asn_balance.planner.solve` clears it when it starts.

:func:`tracking` and :func:`offer` keep the best verified plan of a running solve where its
caller can take it if the engine overruns its deadline: the dispatcher offers each stage's
plan once it is verified (the repaired relaxation, the neighbourhoods' plan), and the planner,
when it stops waiting, returns that plan instead of none. The holder is per solve (a context
variable the solve's worker thread inherits), so solves in other threads do not mix.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

__all__ = ["Incumbent", "offer", "request_stop", "reset", "running", "stop_requested", "tracking"]

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


class Incumbent:
    """The best verified plan offered by a running solve (an ``EngineSolution``), or ``None``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.best: Any = None

    def offer(self, sol: Any) -> None:
        """Keep a copy of ``sol`` if it is better than the best so far (lower objective)."""
        with self._lock:
            if self.best is None or sol.objective < self.best.objective:
                self.best = replace(sol, stats=dict(sol.stats))


_INCUMBENT: contextvars.ContextVar[Incumbent | None] = contextvars.ContextVar(
    "asn_balance_incumbent", default=None
)


@contextmanager
def tracking() -> Iterator[Incumbent]:
    """Within this block (and the worker threads started from its context), :func:`offer`
    records plans in the returned :class:`Incumbent`."""
    holder = Incumbent()
    token = _INCUMBENT.set(holder)
    try:
        yield holder
    finally:
        _INCUMBENT.reset(token)


def offer(sol: Any) -> None:
    """Offer a verified plan (every hard row, bound and pair holds) as the solve's best so
    far; a no-op outside :func:`tracking`."""
    holder = _INCUMBENT.get()
    if holder is not None:
        holder.offer(sol)
