"""The five-year plan's large-model path run concurrently (engine/horizon_large.py,
analysis/horizon.py): price-and-branch in a thread while the column generation goes on, the
column generation pricing at the master's duals too, price-and-branch on the master's useful
paths only, and each five-year plan in its own stop scope (two plans in threads do not see
each other's stop). Every plan goes through the independent horizon checker."""

from __future__ import annotations

import contextvars
import functools
import threading
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import asn_balance as ab
from asn_balance.compile.horizon import compile_horizon
from asn_balance.engine import control, horizon_large
from asn_balance.engine.horizon import evaluate_plan, plan_violations, solve_horizon
from asn_balance.engine.horizon_colgen import _colgen
from asn_balance.engine.horizon_large import _snapshot, price_and_branch
from test_horizon import brute_force, tiny
from test_horizon_large import seeded_master


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), years=st.integers(2, 3), hire=st.integers(0, 1))
def test_pricing_at_the_duals_too_keeps_the_bound_valid_and_the_same_lp(
    seed: int, years: int, hire: int
) -> None:
    """With and without the paths priced at the master's own duals, every bound of the trace is
    at most the brute-force optimum, and both converge to the same LP value."""
    problem = tiny(seed, 2, 3, growth=0.1)
    quotas = [0] + [hire] * (years - 1)
    exact = brute_force(problem, years, quotas)
    model = compile_horizon(problem, years, quotas).model
    bounds = []
    for at_duals in (True, False):
        bound, stats, _ = _colgen(
            model, time_limit=None, upper=None, rel_gap=1e-6, max_rounds=500, smooth=None, at_duals=at_duals
        )
        assert stats["colgen_converged"]
        assert bound <= exact + 1e-7
        assert all(b <= exact + 1e-3 for _, _, b in stats["colgen_trace"])
        bounds.append(bound)
    assert bounds[0] == pytest.approx(bounds[1], abs=2e-6 * max(1.0, abs(bounds[1])))


@pytest.mark.parametrize("seed", [3, 11])
def test_price_and_branch_on_the_useful_paths(seed: int) -> None:
    """The copy keeps fewer paths when the master has a solution; its columns are the master's
    (same costs at the mapped indices), and the plan from it is a plan of the model between the
    exact optimum and the seed."""
    model, exact, paths, held0, obj0, master = seeded_master(tiny(seed, 40, 8, growth=0.05, locked=False))
    assert exact.status == "optimal"
    full = _snapshot(master, None)
    some = _snapshot(master, 0.0)
    assert len(some[3]) < len(full[3]) == int(master.h.getNumCol())
    cost = np.asarray(master.h.getLp().col_cost_, dtype=float)
    assert np.array_equal(np.asarray(some[0].getLp().col_cost_, dtype=float), cost[some[3]])
    info: dict[str, Any] = {}
    found = price_and_branch(
        model, master, time_limit=10.0, cutoff=obj0, stats=info, start=(held0, paths[2]), snapshot=some
    )
    assert info["pnb_paths"] == len(some[1])
    assert info["pnb_start"] == pytest.approx(obj0, abs=1e-6)
    assert found is not None
    assert plan_violations(model, *found) == 0
    assert exact.objective - 1e-7 <= evaluate_plan(model, *found)[0] <= obj0 + 1e-7


@pytest.mark.parametrize("seed", [3, 11])
def test_price_and_branch_in_a_thread_while_the_bound_goes_on(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """With ``parallel``, price-and-branch started before the column generation converged
    (almost no time for it first) runs in a thread beside it: the plan passes the
    independent checker, is not below the exact optimum, and the bound is not above it."""
    problem = tiny(seed, 40, 8, growth=0.05, locked=False)
    quotas = [0, 3, 3, 3]
    exact = ab.plan_horizon(problem, 4, quotas)
    assert exact.status == "optimal"
    monkeypatch.setattr(horizon_large, "MAX_MIP_COLUMNS", 0)
    monkeypatch.setattr(
        horizon_large,
        "solve_large",
        functools.partial(horizon_large.solve_large, colgen_share=1e-9, parallel=True),
    )
    plan = ab.plan_horizon(problem, 4, quotas, time_limit=20, year_by_year=True)
    stats = plan.summary["solver_stats"]
    assert stats["colgen_parallel"] is True
    assert plan.has_plan
    report = ab.check_horizon(problem, plan)
    assert report.ok, report.messages()
    assert exact.objective - 1e-6 <= plan.objective
    assert plan.bound <= exact.objective + 1e-6
    assert plan.bound <= plan.objective + 1e-9


def test_two_five_year_plans_in_threads_have_their_own_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two plans started in threads from copies of one context (as a service's executor does):
    the first one's stop (its deadline overrun) reaches its own solve and not the second's,
    which plans to the end, proven optimal, and passes the checker; the first, stopped before
    its MIP began, says so (no plan: ``time_limit``)."""
    problem = tiny(3, 40, 8, growth=0.05, locked=False)
    quotas = [0, 3, 3, 3]
    control.reset()
    control.current()  # this context's own stop exists before the threads copy it
    real = solve_horizon
    first_stopped, seen = threading.Event(), {}

    def solve(model: Any, **kw: Any) -> Any:
        if threading.current_thread().name == "first":
            control.current().stop()  # as the planner does to a solve past its deadline
            seen["first"] = control.stop_requested()
            first_stopped.set()
        else:
            assert first_stopped.wait(60)
            seen["second"] = control.stop_requested()
        return real(model, **kw)

    monkeypatch.setattr("asn_balance.analysis.horizon.solve_horizon", solve)
    results: dict[str, Any] = {}

    def run(name: str) -> None:
        results[name] = ab.plan_horizon(problem, 4, quotas, time_limit=30)

    threads = [
        threading.Thread(target=contextvars.copy_context().run, args=(run, name), name=name)
        for name in ("first", "second")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    assert seen == {"first": True, "second": False}
    assert not control.stop_requested()  # nor the context they were copied from
    assert results["first"].status == "time_limit" and not results["first"].has_plan
    second = results["second"]
    assert second.status == "optimal"
    report = ab.check_horizon(problem, second)
    assert report.ok, report.messages()
