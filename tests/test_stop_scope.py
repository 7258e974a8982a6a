"""Every solve has its own stop; ``request_stop()`` stops every solve running.

* the stop scopes of :mod:`asn_balance.engine.control`: two scopes in two threads are
  independent, a scope reaches the worker threads started from its context, a nested scope
  is stopped with its parent, ``request_stop()`` reaches every scope and every registered
  CP-SAT search, and neither a new scope nor ``reset()`` clears another's stop;
* two concurrent :func:`asn_balance.solve` calls in threads (a fake slow engine stage,
  monkeypatched, makes the timing deterministic): the one that overruns its deadline is
  stopped by the planner and returns its standing plan, while the other never sees a stop
  and returns its own plan; ``request_stop()`` stops both; a solve that starts while another
  is stopped does not clear that stop. Every plan goes through the independent checker.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from asn_balance import Problem, request_stop
from asn_balance import planner as planner_module
from asn_balance.engine import control, dispatch
from asn_balance.engine.model import AssignmentModel, EngineSolution
from conftest import make_problem, solve_checked


class _FakeSolver:
    """Stands in for a CP-SAT solver: its parameters and ``stop_search``."""

    class _Params:
        catch_sigint_signal = True
        max_time_in_seconds = 10.0

    def __init__(self) -> None:
        self.parameters = self._Params()
        self.stopped = threading.Event()

    def stop_search(self) -> None:
        self.stopped.set()


def _in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:  # pragma: no cover - reported by the test
            box["error"] = e

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def _joined(thread: threading.Thread, box: dict[str, Any], timeout: float = 120.0) -> Any:
    thread.join(timeout)
    assert not thread.is_alive(), "the thread did not end"
    if "error" in box:
        raise box["error"]
    return box["value"]


# --------------------------------------------------------------------------- the scopes


def test_a_scope_stop_stays_in_its_scope_and_reaches_its_worker_threads() -> None:
    control.reset()
    with control.solving() as mine:
        seen: list[bool] = []
        ctx = contextvars.copy_context()
        other_ready, other_checked, mine_stopped = threading.Event(), threading.Event(), threading.Event()

        def other() -> bool:
            with control.solving():
                other_ready.set()
                mine_stopped.wait(30)
                stopped = control.stop_requested()
                other_checked.set()
                return stopped

        thread, box = _in_thread(other)
        assert other_ready.wait(30)
        mine.stop()
        mine_stopped.set()
        assert other_checked.wait(30)
        assert _joined(thread, box) is False  # the other solve never saw this one's stop
        worker = threading.Thread(target=lambda: ctx.run(lambda: seen.append(control.stop_requested())))
        worker.start()
        worker.join(30)
        assert seen == [True]  # the worker started from this context sees this scope's stop
        assert control.stop_requested()
    assert not control.stop_requested()  # nor does it leak out of its scope


def test_request_stop_reaches_every_scope_and_its_solvers_and_nested_scopes() -> None:
    solvers = [_FakeSolver(), _FakeSolver()]
    ready = threading.Barrier(3)
    release = threading.Event()

    def one(solver: _FakeSolver) -> tuple[bool, bool]:
        # a solve nested in a caller's scope, with a CP-SAT search registered
        with control.solving(), control.solving(), control.running(solver):
            assert solver.parameters.catch_sigint_signal is False
            ready.wait(30)
            release.wait(30)
            return control.stop_requested(), solver.stopped.is_set()

    started = [_in_thread(lambda s=s: one(s)) for s in solvers]  # type: ignore[misc]
    ready.wait(30)
    request_stop()
    release.set()
    assert [_joined(t, b) for t, b in started] == [(True, True), (True, True)]


def test_a_stop_of_the_parent_stops_a_scope_opened_after_it() -> None:
    solver = _FakeSolver()
    with control.solving() as outer:
        outer.stop()  # Ctrl-C between reading the data and the solve
        with control.solving() as inner, control.running(solver):
            assert inner.stopped() and control.stop_requested()
            assert solver.parameters.max_time_in_seconds == 0.0  # the search ends at once


def test_neither_a_new_scope_nor_reset_clears_another_solves_stop() -> None:
    entered, go = threading.Event(), threading.Event()

    def stopped_solve() -> bool:
        with control.solving():
            entered.set()
            go.wait(30)
            return control.stop_requested()

    thread, box = _in_thread(stopped_solve)
    assert entered.wait(30)
    request_stop()
    with control.solving() as fresh:  # a new solve starts
        control.reset()
        assert not fresh.stopped()
    control.reset()  # outside any scope: a fresh stop for this context only
    assert not control.stop_requested()
    go.set()
    assert _joined(thread, box) is True


def test_outside_any_scope_request_stop_is_seen_until_reset() -> None:
    control.reset()
    assert not control.stop_requested()
    request_stop()
    assert control.stop_requested()  # engine code called directly sees it
    control.reset()
    assert not control.stop_requested()


# --------------------------------------------------------------------------- concurrent solves


def _small(n_positions: int) -> Problem:
    """Three people on P1 with a need of 1 FTE each position: moves help the balance."""
    return make_problem(
        [{"employee_id": f"E{i}", "position_id": "P1"} for i in range(1, 4)],
        [{"position_id": f"P{j}", "unit_id": "U1"} for j in range(1, n_positions + 1)],
    )


def _patch_engine(
    monkeypatch: pytest.MonkeyPatch, stages: dict[int, Callable[[AssignmentModel], None]]
) -> None:
    """The engine stage of a model with ``n`` bins runs ``stages[n]`` before the real engine
    (the fake slow stage); after a stop it returns nothing (the planner's standing plan)."""
    original = dispatch.solve_model

    def staged(model: AssignmentModel, **kw: Any) -> EngineSolution | None:
        stages[model.n_bins](model)
        if control.stop_requested():
            return None
        return original(model, **kw)

    monkeypatch.setattr(planner_module, "solve_model", staged)


def _wait_for_stop(seconds: float) -> bool:
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if control.stop_requested():
            return True
        time.sleep(0.01)
    return False


def test_an_overrun_stops_only_its_own_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    """Solve A overruns its 1 s limit (its stage waits for a stop): the planner stops A and
    returns A's standing plan; solve B, running at the same time with a 60 s limit, spends 4 s
    in its stage without ever seeing a stop and returns its own, better, plan."""
    seen_by_b: list[bool] = []
    a_entered = threading.Event()

    def stage_a(model: AssignmentModel) -> None:
        a_entered.set()
        assert _wait_for_stop(30), "the planner did not stop the overrunning solve"

    def stage_b(model: AssignmentModel) -> None:
        a_entered.wait(30)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 4.0:  # A overruns (1 s + 0.5 s grace) meanwhile
            seen_by_b.append(control.stop_requested())
            time.sleep(0.02)

    _patch_engine(monkeypatch, {3: stage_a, 4: stage_b})
    thread_b, box_b = _in_thread(lambda: solve_checked(_small(4), time_limit=60))
    t0 = time.perf_counter()
    result_a = solve_checked(_small(3), time_limit=1.0)
    seconds_a = time.perf_counter() - t0
    result_b = _joined(thread_b, box_b)
    assert seconds_a < 10
    assert not result_a.info.get("interrupted")
    assert result_a.info["solver_stats"].get("stopped_by") == "time_limit"
    assert result_a.has_plan and result_a.n_moves == 0  # the standing plan
    assert seen_by_b and not any(seen_by_b)  # B never saw A's stop
    assert not result_b.info.get("interrupted") and "stopped_by" not in result_b.info["solver_stats"]
    assert result_b.status == "optimal" and result_b.n_moves == 2  # its own plan: 1 FTE on P1..P3


def test_request_stop_stops_two_concurrent_solves(monkeypatch: pytest.MonkeyPatch) -> None:
    entered = threading.Barrier(3)

    def stage(model: AssignmentModel) -> None:
        entered.wait(30)
        assert _wait_for_stop(60), "request_stop did not reach the solve"

    _patch_engine(monkeypatch, {3: stage, 4: stage})
    runs = [_in_thread(lambda n=n: solve_checked(_small(n), time_limit=120)) for n in (3, 4)]  # type: ignore[misc]
    entered.wait(30)
    t0 = time.perf_counter()
    request_stop()
    results = [_joined(t, b) for t, b in runs]
    assert time.perf_counter() - t0 < 10
    for result in results:
        assert result.info.get("interrupted") is True
        assert result.info["solver_stats"].get("stopped_by") == "interrupt"
        assert result.has_plan  # the standing plan, checked by solve_checked


def test_a_solve_starting_does_not_clear_a_stopped_solves_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    """The old process-wide flag was cleared by every new solve: a stop requested for A was
    lost when B started before A looked at it."""
    a_entered, a_look = threading.Event(), threading.Event()
    a_saw: list[bool] = []

    def stage_a(model: AssignmentModel) -> None:
        a_entered.set()
        a_look.wait(30)
        a_saw.append(control.stop_requested())

    def stage_b(model: AssignmentModel) -> None:
        assert not control.stop_requested()  # B started after the request: not stopped

    _patch_engine(monkeypatch, {3: stage_a, 4: stage_b})
    thread_a, box_a = _in_thread(lambda: solve_checked(_small(3), time_limit=120))
    assert a_entered.wait(30)
    request_stop()
    result_b = solve_checked(_small(4), time_limit=60)
    a_look.set()
    result_a = _joined(thread_a, box_a)
    assert a_saw == [True]
    assert result_a.info.get("interrupted") is True and result_a.has_plan
    assert not result_b.info.get("interrupted") and result_b.status == "optimal"
