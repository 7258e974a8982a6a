"""The run's clock: wall-clock deadlines or, for a deterministic search, CP-SAT's
deterministic time summed over the run against a budget; and the progress callback type.

Every loop of every backend asks :func:`within` whether it may go on, so a stop request
(:mod:`.control`) and the time limit end it the same way.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable, Iterator

from .control import stop_requested

__all__ = [
    "Progress",
    "deterministic_limit",
    "deterministic_search",
    "in_deterministic_search",
    "spend",
    "within",
]

#: Progress callback: ``(elapsed seconds, best objective, best bound)``.
Progress = Callable[[float, float, float], None]


class _Clock:
    """The deterministic clock of a run: CP-SAT's deterministic time spent against a budget."""

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self.used = 0.0


#: The deterministic clock when the search must not depend on the wall clock (``None``:
#: ordinary search). Set by :func:`deterministic_search`.
_DETERMINISTIC: contextvars.ContextVar[_Clock | None] = contextvars.ContextVar(
    "asn_balance_deterministic", default=None
)


#: The least deterministic time a CP-SAT call gets once the budget is spent (as the
#: wall-clock path gives every call at least half a second).
_FLOOR = 0.5


@contextlib.contextmanager
def deterministic_search(on: bool = True, time_limit: float | None = None) -> Iterator[None]:
    """Within this block, the search does not depend on the wall clock.

    Time is CP-SAT's *deterministic* time (a count of work, calibrated to be roughly
    seconds), summed over every CP-SAT call of the run against the budget
    ``time_limit`` (60 when none is given, as the wall-clock default). CP-SAT runs with
    one worker and ``max_deterministic_time`` only; the solvers' loops end when the
    budget is spent or their round limits are reached, never on a wall-clock deadline.
    So the same model and seed give the same plan on any machine and any load. The price:
    a run may take longer than ``time_limit`` seconds (building the CP-SAT models is not
    counted, and a loaded machine is slower), and each call gets at least 0.5 units.
    """
    if not on:
        yield
        return
    budget = 60.0 if time_limit is None else max(0.1, float(time_limit))
    token = _DETERMINISTIC.set(_Clock(budget))
    try:
        yield
    finally:
        _DETERMINISTIC.reset(token)


def in_deterministic_search() -> bool:
    """Whether the current search must not depend on the wall clock."""
    return _DETERMINISTIC.get() is not None


def deterministic_limit(wanted: float | None) -> float | None:
    """``max_deterministic_time`` for the next CP-SAT call (``None``: not a deterministic search).

    ``wanted`` (the call's own deterministic limit, if any) capped by what is left of the
    budget, but at least 0.5 (or ``wanted`` if smaller).
    """
    clock = _DETERMINISTIC.get()
    if clock is None:
        return None
    left = clock.budget - clock.used
    want = left if wanted is None else min(float(wanted), left)
    floor = _FLOOR if wanted is None else min(float(wanted), _FLOOR)
    return max(want, floor)


def spend(deterministic_seconds: float) -> None:
    """Count a CP-SAT call's deterministic time against the budget (no-op outside one)."""
    clock = _DETERMINISTIC.get()
    if clock is not None:
        clock.used += max(0.0, float(deterministic_seconds))


def within(deadline: float) -> bool:
    """``time.perf_counter() < deadline``; in a deterministic search: budget left; and no
    stop requested (:mod:`.control`)."""
    if stop_requested():
        return False
    clock = _DETERMINISTIC.get()
    if clock is None:
        return time.perf_counter() < deadline
    return clock.used < clock.budget
