"""Reduced-cost fixing on the compact MIP (``engine/backends/rc_fix.py``) and its path.

Every plan of random tiny models (side rows, pairs soft and hard, budgets, staffing bounds,
negative arc prices, groups of two units) is enumerated. The LP's safe bound must be at most
the optimum, and every plan must cost at least the bound plus the positive reduced costs of
the entries it uses, unit by unit: what makes leaving out an entry whose reduced cost reaches
``t`` safe for every plan below ``bound + t``. Then the sub-MIP of the kept entries, at
thresholds from none to all: its bound for the whole model never passes the optimum, its plan
keeps every rule, and once the threshold passes ``optimum - bound`` it finds and proves the
optimum. Last, the dispatcher's path on 3,000 employees with every policy column, through the
planner and the independent check, against HiGHS on the whole model.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asn_balance import AssignmentModel, Problem, planner
from asn_balance.datasets import synth
from asn_balance.engine import dispatch
from asn_balance.engine.backends.rc_fix import (
    CompactLP,
    compact_lp,
    fixed_bound,
    fixing_threshold,
    solve_fixed,
    support_arcs,
)
from asn_balance.engine.dispatch import side_holds
from conftest import solve_checked
from test_highs_backend import plans_of, random_model

TOL = 1e-7


def _lp(model: AssignmentModel) -> CompactLP | None:
    return compact_lp(model, None, deadline=time.perf_counter() + 30.0)


def _entry_of(lp: CompactLP) -> dict[tuple[int, int], int]:
    return {(int(a), int(b)): e for e, (a, b) in enumerate(zip(lp.arc, lp.bin, strict=True))}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6))
def test_bound_and_fixing_hold_for_every_plan(seed: int) -> None:
    model = random_model(seed)
    plans = plans_of(model)
    lp = _lp(model)
    if lp is None:  # a bin's staffing bounds cannot hold: no plan either
        assert not plans
        return
    if not plans:
        return  # an infeasible model: any bound is valid
    assert lp.status == "Optimal"
    assert lp.value is not None and len(lp.value) == len(lp.arc)
    best = min(obj for obj, _ in plans)
    assert lp.bound <= best + TOL, (lp.bound, best)
    entry = _entry_of(lp)
    for obj, moves in plans:
        rc = [max(0.0, float(lp.reduced[entry[m]])) for m in moves]
        assert lp.bound + sum(rc) <= obj + TOL, (obj, lp.bound, rc)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6))
def test_the_fixed_sub_mip_never_loses_the_optimum(seed: int) -> None:
    model = random_model(seed)
    plans = plans_of(model)
    lp = _lp(model)
    if lp is None or not plans or not math.isfinite(lp.bound):
        return
    best = min(obj for obj, _ in plans)
    gap = best - lp.bound
    d = np.sort(lp.reduced)
    mid = float(d[len(d) // 2]) if len(d) else 0.0
    for t in sorted({-math.inf, 0.0, mid, gap / 2, gap + 1e-6, math.inf}):
        plan, bound = solve_fixed(model, lp, t, None, time.perf_counter() + 20.0)
        assert bound <= best + TOL, (t, bound, best)
        assert bound >= lp.bound
        if plan is None:
            continue
        assert side_holds(model, plan)
        assert plan.objective >= best - TOL
        assert plan.bound == bound
        if t > gap + 1e-9:  # every plan below the LP's bound plus t is kept: the optimum, proven
            assert plan.objective == pytest.approx(best, abs=1e-6)
            assert bound >= best - 1e-6


def test_the_support_and_the_start_are_kept() -> None:
    """With no entry below the threshold, the sub-MIP is the LP's support and the start."""
    for seed in range(40):
        model = random_model(seed)
        plans = [p for p in plans_of(model) if p[1]]
        lp = _lp(model)
        if lp is None or not plans or lp.value is None or not math.isfinite(lp.bound):
            continue
        extra = support_arcs(model, lp)
        assert np.array_equal(np.flatnonzero(extra), np.unique(lp.arc[lp.value > 1e-9]))
        plan, bound = solve_fixed(model, lp, -math.inf, None, time.perf_counter() + 20.0, extra=extra)
        assert bound == lp.bound  # nothing is learnt about the whole model
        if plan is not None:
            assert plan.move_arc is not None and extra[plan.move_arc].all()
            assert side_holds(model, plan)


def _lp_of(reduced: list[float], bound: float = 10.0) -> CompactLP:
    n = len(reduced)
    ar = np.arange(n, dtype=np.int64)
    return CompactLP("Optimal", bound, ar, ar, np.array(reduced, dtype=float), None, 0.0)


def test_fixing_threshold_caps_the_kept_share() -> None:
    lp = _lp_of([0.0, 0.0, 0.05, 0.1, 0.1, 0.1, 0.1, 0.3, 0.5, 1.0])
    assert fixing_threshold(lp, 10.2, 1.0) == pytest.approx(0.2)  # U - L keeps 7 of 10
    assert fixing_threshold(lp, 10.2, 0.7) == pytest.approx(0.2)
    t = fixing_threshold(lp, 10.2, 0.5)  # 5 at most: the ties at 0.1 all leave
    assert t < 0.1 and int(np.count_nonzero(lp.reduced < t)) == 3
    assert fixing_threshold(lp, math.inf, 0.5) == math.inf


def test_fixed_bound() -> None:
    assert fixed_bound(10.0, 0.5, 10.2) == 10.2  # the sub-MIP's optimum is below L + t
    assert fixed_bound(10.0, 0.5, 12.0) == pytest.approx(10.5)  # a plan below L + t would be in it
    assert fixed_bound(10.0, 0.5, float("nan")) == 10.0
    assert fixed_bound(10.0, 0.5, -math.inf) == 10.0
    assert fixed_bound(10.0, 0.5, 9.0) == 10.0
    assert fixed_bound(-math.inf, 0.5, 3.0) == -math.inf


@pytest.fixture(scope="module")
def large() -> Problem:
    """3,000 employees with every policy column (about 32,000 MIP columns)."""
    t = synth.generate(3000, seed=5, policy_columns=True)
    return Problem.from_frames(t["employees"], t["positions"], t["tasks"], units=t.get("units"))


@pytest.fixture(scope="module")
def whole(large: Problem) -> float:
    """HiGHS on the whole compact MIP (the path this size takes): the proven optimum."""
    result = solve_checked(large, time_limit=40.0)
    assert result.status == "optimal", result.info
    return result.objective


def test_the_rc_fixing_path_proves_the_optimum(
    large: Problem, whole: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HiGHS whole ruled out (threshold 0): the LP, its support, the fixed sub-MIP. The plan
    passes ``check`` and is HiGHS's optimum of the whole model, proven."""
    monkeypatch.setattr(dispatch, "HIGHS_MAX_ENTRIES", 0)
    result = solve_checked(large, time_limit=40.0)
    stats: dict[str, Any] = result.info["solver_stats"]
    assert result.info["solver"] == dispatch.RCFIX_SOLVER, result.info["solver"]
    assert stats["rcfix_lp_status"] == "Optimal" and stats["rcfix_lp_bound"] <= whole + 1e-6
    assert result.bound <= result.objective + 1e-9
    assert result.status == "optimal", stats
    assert result.objective == pytest.approx(whole, rel=1e-6)


def test_without_the_lp_highs_runs_on_the_whole_model(
    large: Problem, whole: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No LP (no time for it): HiGHS on the whole model from the repaired relaxation."""
    monkeypatch.setattr(dispatch, "HIGHS_MAX_ENTRIES", 0)
    monkeypatch.setattr(dispatch, "compact_lp", lambda *a, **k: None)
    result = solve_checked(large, time_limit=40.0)
    stats: dict[str, Any] = result.info["solver_stats"]
    assert result.info["solver"] == dispatch.RCFIX_SOLVER
    assert "rcfix_lp_bound" not in stats and "lns_objective" in stats
    assert result.status == "optimal", stats
    assert result.objective == pytest.approx(whole, rel=1e-6)


def test_the_lp_bound_is_valid_on_the_compiled_model(large: Problem) -> None:
    """The LP of a real model: its bound is below the proven optimum and every entry of the
    optimum's plan costs less than the gap (the plan survives fixing at ``U - L``)."""
    model = planner.compile_problem(large).model
    lp = compact_lp(model, None, deadline=time.perf_counter() + 30.0)
    assert lp is not None and lp.status == "Optimal" and lp.rounds >= 1
    plan, bound = solve_fixed(model, lp, math.inf, None, time.perf_counter() + 30.0)
    assert plan is not None and plan.move_arc is not None
    assert lp.bound <= bound + 1e-9 <= plan.objective + 1e-6
    entry = _entry_of(lp)
    used = np.array([entry[(int(a), int(b))] for a, b in zip(plan.move_arc, plan.move_bin, strict=True)])
    assert np.all(lp.reduced[used] < plan.objective - lp.bound + 1e-7)


def test_no_lp_is_built_when_its_build_cannot_end_before_the_deadline() -> None:
    """The build of the LP cannot be interrupted: with a build expected to outlast the
    deadline nothing is built (``None``, the path goes on without the LP); with the build
    expected to fit, the LP is solved."""
    model = next(m for m in (random_model(s) for s in range(50)) if _lp(m) is not None)
    soon = time.perf_counter() + 5.0
    assert compact_lp(model, None, deadline=soon, build_seconds_per_entry=10.0) is None
    lp = compact_lp(model, None, deadline=soon, build_seconds_per_entry=1e-9)
    assert lp is not None and np.isfinite(lp.bound)
