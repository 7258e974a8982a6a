"""Stopping a running solve from outside: Ctrl-C in the CLI, or a cancel from an embedder.

Every solve has its own stop: a :class:`StopToken` held in a context variable for the
duration of :func:`solving` and inherited by the worker threads the solve starts from its
context (``contextvars.copy_context().run``). :func:`stop_requested` and :func:`running`
(what every search loop polls and every CP-SAT search registers with) see the token of the
solve they run in, so stopping one solve (the planner's own stop when its engine overruns
the deadline) leaves every other solve of the process running.

:func:`request_stop` (``asn_balance.request_stop``: Ctrl-C in the CLI, a cancel from a host
application) stops **every solve currently running** in the process: their loops end at their
next step and their CP-SAT searches at once (``stop_search``). Each then returns the best plan
found so far with its status (``feasible``, or ``optimal`` if it was already proven) and
``stats["stopped_by"] = "interrupt"``. A solve started after the call is not stopped by it.

Scopes nest: a solve started inside another scope (the CLI opens one before it reads the
files, so that a Ctrl-C between reading and solving is not lost) is stopped with it. Code run
outside any scope (an engine backend called directly) polls the stop of its own context,
which :func:`request_stop` also sets; :func:`reset`, or the next solve scope opened at top
level in that context, gives the context a fresh one. Neither touches any other solve's stop.

:func:`tracking` and :func:`offer` keep the best verified plan of a running solve where its
caller can take it if the engine overruns its deadline: the dispatcher offers each stage's
plan once it is verified (the repaired relaxation, the neighbourhoods' plan), and the planner,
when it stops waiting, returns that plan instead of none, and its watcher hands each better
one to the caller's ``on_plan`` while the solve runs. The holder is per solve (a context
variable the solve's worker thread inherits; :func:`incumbent` gives it to a solver callback
that may run in another thread), so solves in other threads do not mix, and it keeps only
plans of the solve's own model (an offer naming a relaxation's model is ignored).

:func:`idle_beside`, :func:`idle_wanted` and :func:`waiting` let a caller with work of its
own (the planner's input-side work) ask the engine to leave the interpreter free: a large
flow is then solved in a child process while the engine waits without holding the
interpreter lock, and the caller's thread does its work then rather than beside the engine's
numpy work.
"""

from __future__ import annotations

import contextvars
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

__all__ = [
    "SOLVE_THREAD",
    "Incumbent",
    "StopToken",
    "current",
    "idle_beside",
    "idle_wanted",
    "incumbent",
    "offer",
    "request_stop",
    "reset",
    "running",
    "solving",
    "stop_requested",
    "tracking",
    "waiting",
]

#: The name of a solve's worker thread (the CLI looks for one still running when it exits).
SOLVE_THREAD = "asn-balance-solve"

#: Guards the registry of live tokens and every token's set of running CP-SAT solvers.
_lock = threading.RLock()


class StopToken:
    """The stop of one solve (or of one context outside any solve).

    Parameters
    ----------
    parent : StopToken, optional
        The enclosing scope's token: a stop of the parent stops this one too.
    """

    def __init__(self, parent: StopToken | None = None) -> None:
        self._event = threading.Event()
        self.parent = parent
        self._solvers: set[Any] = set()

    def stopped(self) -> bool:
        """Whether this token or an enclosing one was stopped (a parent's stop is copied to
        the scopes open within it, and to a scope opened within a stopped one)."""
        return self._event.is_set()

    def _within(self, other: StopToken) -> bool:
        token: StopToken | None = self
        while token is not None:
            if token is other:
                return True
            token = token.parent
        return False

    def stop(self) -> None:
        """Stop this solve and the solves nested in it: their loops at their next step,
        their running CP-SAT searches at once."""
        with _lock:
            tokens = [t for t in (self, *_live) if t._within(self)]
            for token in tokens:
                token._event.set()
            solvers = [s for t in tokens for s in t._solvers]
        for solver in solvers:
            solver.stop_search()


#: The tokens of the scopes now open (:func:`solving`), which :func:`request_stop` stops.
_live: set[StopToken] = set()
#: The tokens of contexts outside any scope (created on first use, one per context).
_loose: weakref.WeakSet[StopToken] = weakref.WeakSet()

_SCOPE: contextvars.ContextVar[StopToken | None] = contextvars.ContextVar("asn_balance_stop", default=None)
_LOOSE: contextvars.ContextVar[StopToken | None] = contextvars.ContextVar(
    "asn_balance_stop_loose", default=None
)


def current() -> StopToken:
    """The stop token of the running solve (of this context when no solve scope is open)."""
    scope = _SCOPE.get()
    if scope is not None:
        return scope
    loose = _LOOSE.get()
    if loose is None:
        loose = StopToken()
        with _lock:
            _loose.add(loose)
        _LOOSE.set(loose)
    return loose


@contextmanager
def solving() -> Iterator[StopToken]:
    """Open the stop scope of one solve: within this block (and in the worker threads
    started from its context), :func:`stop_requested` and :func:`running` use the returned
    token; :func:`request_stop` stops it while the block runs. Nested in another scope, it
    is stopped with that one; never by a stop of the context outside any scope."""
    parent = _SCOPE.get()
    if parent is None:
        _drop_stopped_loose()  # a stop of code run earlier outside a scope has done its work
    token = StopToken(parent)
    with _lock:
        if parent is not None and parent.stopped():
            token._event.set()
        _live.add(token)
    handle = _SCOPE.set(token)
    try:
        yield token
    finally:
        _SCOPE.reset(handle)
        with _lock:
            _live.discard(token)


def request_stop() -> None:
    """Ask every solve running in this process to stop and return its best plan so far.

    Every open scope (:func:`solving`: each :func:`asn_balance.solve` in progress, in any
    thread) and every context outside a scope is stopped; a solve started afterwards is not.
    Safe to call from a signal handler or any thread.
    """
    with _lock:
        tokens = [*_live, *_loose]
    for token in tokens:
        token.stop()


def stop_requested() -> bool:
    """Whether the running solve (of this context) was asked to stop (what loops poll: cheap)."""
    token = _SCOPE.get()
    if token is None:
        token = _LOOSE.get() or current()
    return token._event.is_set()


def _drop_stopped_loose() -> None:
    loose = _LOOSE.get()
    if loose is not None and loose.stopped():
        _LOOSE.set(None)  # this context only: a thread started from a copy keeps its own


def reset() -> None:
    """Give this context a fresh stop when it runs outside any solve scope (engine code
    called directly starts afresh). The old token is not cleared, only dropped, so nothing
    else that polls it is affected; inside a scope it does nothing (a solve's token is its
    own and starts clear): no solve ever clears another's stop."""
    if _SCOPE.get() is None:
        _drop_stopped_loose()


@contextmanager
def running(solver: Any) -> Iterator[None]:
    """Register a CP-SAT solver with the running solve's token while it searches, so that a
    stop of that solve (or :func:`request_stop`) reaches it.

    CP-SAT's own SIGINT handler is turned off: the caller's Ctrl-C handling decides.
    """
    token = current()
    solver.parameters.catch_sigint_signal = False
    with _lock:
        token._solvers.add(solver)
    if token.stopped():  # stopped before the search began: it ends at once
        solver.parameters.max_time_in_seconds = 0.0
    try:
        yield
    finally:
        with _lock:
            token._solvers.discard(solver)


class Incumbent:
    """The best verified plan offered by a running solve (an ``EngineSolution``), or ``None``.

    ``model``, once the solve sets it, is the model the plans must solve: an offer that names
    another model (a relaxation solved on the way, whose plans may break the dropped rows)
    is ignored.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.best: Any = None
        self.model: Any = None

    def offer(self, sol: Any, model: Any = None) -> None:
        """Keep a copy of ``sol`` if it is better than the best so far (lower objective) and
        solves this holder's model (``model`` unnamed, or the same object)."""
        if model is not None and self.model is not None and model is not self.model:
            return
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


def incumbent() -> Incumbent | None:
    """The running solve's holder (:func:`tracking`), ``None`` outside one: for a solver
    callback that may run in a thread without the solve's context."""
    return _INCUMBENT.get()


def offer(sol: Any, model: Any = None) -> None:
    """Offer a verified plan (every hard row, bound and pair holds) as the solve's best so
    far; a no-op outside :func:`tracking`. ``model``: the model ``sol`` solves, when it may
    be a relaxation of the solve's own (see :class:`Incumbent`)."""
    holder = _INCUMBENT.get()
    if holder is not None:
        holder.offer(sol, model)


_IDLE: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar(
    "asn_balance_idle", default=None
)


@contextmanager
def idle_beside(event: threading.Event) -> Iterator[None]:
    """Within this block (and the worker threads started from its context), :func:`waiting`
    sets ``event``."""
    token = _IDLE.set(event)
    try:
        yield
    finally:
        _IDLE.reset(token)


def idle_wanted() -> bool:
    """Whether an enclosing :func:`idle_beside` waits for its event still (a flow solved in a
    child process then lets the caller's thread work)."""
    event = _IDLE.get()
    return event is not None and not event.is_set()


def waiting() -> None:
    """The engine is about to wait without the interpreter lock (for a child process): set
    the event of the enclosing :func:`idle_beside`, if any."""
    event = _IDLE.get()
    if event is not None:
        event.set()
