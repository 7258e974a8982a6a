"""HiGHS on neighbourhoods of a large side model (``engine/backends/neighbourhoods.py``).

A neighbourhood's plan keeps every rule of the whole model and only uses the arcs it was
given; the whole model as a "neighbourhood" gives HiGHS's optimum of the whole model; a start
plan outside the neighbourhood is refused. Then the dispatcher's large path with HiGHS rounds
(a model made "too large" for HiGHS whole by a lowered threshold): the plan passes the
independent check, improves on the repaired relaxation it starts from, and its bound is valid.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pytest

from asn_balance import AssignmentModel, EngineSolution, Problem, check, planner
from asn_balance.datasets import synth
from asn_balance.engine import dispatch
from asn_balance.engine.backends.flow import solve_flow
from asn_balance.engine.backends.highs import solve_highs
from asn_balance.engine.backends.neighbourhoods import highs_sub_solve, restricted
from asn_balance.engine.backends.side import repair
from asn_balance.engine.dispatch import side_holds
from conftest import solve_checked


def time_limit_deadline(seconds: float = 20.0) -> float:
    """A deadline ``seconds`` from now."""
    return time.perf_counter() + seconds


def tight(n: int, seed: int) -> Problem:
    """Every policy column, each unit cap cut to a third: the relaxation's plan breaks rows."""
    t = synth.generate(n, seed=seed, policy_columns=True)
    units = t["units"].copy()
    for col in ("max_moves_out", "max_moves_in"):
        cap = units[col].astype("Float64")
        units[col] = (cap.fillna(6) // 3).clip(lower=1).astype("Int64")
    return Problem.from_frames(t["employees"], t["positions"], t["tasks"], units=units)


@pytest.fixture(scope="module")
def small() -> tuple[AssignmentModel, EngineSolution, EngineSolution]:
    """A 400-employee tight model, its relaxation's plan and that plan repaired."""
    model = planner.compile_problem(tight(400, 3)).model
    relax = solve_flow(model.without_side())
    fixed = repair(model, relax)
    assert fixed is not None and side_holds(model, fixed)
    return model, relax, fixed


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_neighbourhood_plan_keeps_the_rules_and_its_arcs(
    small: tuple[AssignmentModel, EngineSolution, EngineSolution], seed: int
) -> None:
    model, _, start = small
    assert start.move_arc is not None
    rng = np.random.default_rng(seed)
    keep = rng.random(len(model.arc_group)) < 0.3
    keep[start.move_arc] = True
    sol = highs_sub_solve(model, keep, start, time_limit_deadline())
    assert sol is not None and sol.move_arc is not None
    assert keep[sol.move_arc].all()
    assert side_holds(model, sol)
    assert sol.status == "feasible" and sol.bound == -math.inf  # optimal for the neighbourhood only
    # HiGHS starts from the plan: never worse (its objective is recomputed by the model)
    assert sol.objective <= start.objective + 1e-9 * max(1.0, abs(start.objective))
    staff = model.plan_flows(sol)  # the arcs map back onto the whole model
    assert staff[0].sum() == sol.moves


def test_the_whole_model_as_a_neighbourhood_is_the_whole_solve(
    small: tuple[AssignmentModel, EngineSolution, EngineSolution],
) -> None:
    model, _, start = small
    whole = solve_highs(model, hint=start, lower=-math.inf, deadline=time_limit_deadline())
    sub = highs_sub_solve(model, np.ones(len(model.arc_group), dtype=bool), start, time_limit_deadline())
    assert sub is not None and whole.status == "optimal"
    assert sub.stats["highs_status"] == "Optimal"
    assert sub.objective == pytest.approx(whole.objective, rel=1e-6, abs=1e-6)


def test_a_start_outside_the_neighbourhood_is_refused(
    small: tuple[AssignmentModel, EngineSolution, EngineSolution],
) -> None:
    model, _, start = small
    assert start.move_arc is not None and len(start.move_arc)
    keep = np.ones(len(model.arc_group), dtype=bool)
    keep[start.move_arc[0]] = False
    assert highs_sub_solve(model, keep, start, time_limit_deadline()) is None


def test_highs_rounds_improve_on_their_start(
    small: tuple[AssignmentModel, EngineSolution, EngineSolution],
) -> None:
    model, relax, start = small
    sol = restricted(model, relax, [], time.perf_counter() + 6.0, seed=0, use_highs=True)
    assert sol is not None and side_holds(model, sol)
    assert sol.stats["side_lns_solver"] == "highs"
    assert int(sol.stats["side_lns_rounds"]) >= 1
    assert sol.objective <= start.objective + 1e-9 * max(1.0, abs(start.objective))


@pytest.fixture(scope="module")
def large() -> Problem:
    """3,000 employees with every policy column (about 32,000 MIP columns)."""
    t = synth.generate(3000, seed=5, policy_columns=True)
    return Problem.from_frames(t["employees"], t["positions"], t["tasks"], units=t.get("units"))


def test_the_large_path_takes_highs_neighbourhoods(large: Problem, monkeypatch: pytest.MonkeyPatch) -> None:
    """HiGHS whole is ruled out (threshold 0) and the limit leaves no HiGHS after the
    neighbourhoods: the Lagrangian, then HiGHS rounds. The plan is checked (``solve_checked``),
    at least as good as the repaired relaxation, and under its valid bound's gap."""
    monkeypatch.setattr(dispatch, "HIGHS_MAX_ENTRIES", 0)
    result = solve_checked(large, time_limit=10.0)
    stats: dict[str, Any] = result.info["solver_stats"]
    assert result.info["solver"] == "flow+lagrange+cpsat-lns", result.info["solver"]
    assert stats["side_lns_solver"] == "highs" and stats["side_lns_rounds"] >= 1
    assert check(large, result).ok
    model = planner.compile_problem(large).model
    fixed = repair(model, solve_flow(model.without_side()))
    assert fixed is not None
    assert result.objective <= fixed.objective + 1e-9 * max(1.0, abs(fixed.objective))
    assert math.isfinite(result.bound) and result.bound <= result.objective + 1e-9


def test_deterministic_search_keeps_cpsat_neighbourhoods(large: Problem) -> None:
    """The HiGHS rounds run on the wall clock: a deterministic search does not take them."""
    from asn_balance.engine.clock import deterministic_search

    model = planner.compile_problem(large).model
    with deterministic_search(True, 5.0):
        assert not dispatch._highs_neighbourhoods(model)
    assert dispatch._highs_neighbourhoods(model)
    monkeypatch_env = pytest.MonkeyPatch()
    monkeypatch_env.setenv("ASN_BALANCE_SIDE_SOLVER", "cpsat")
    try:
        assert not dispatch._highs_neighbourhoods(model)
    finally:
        monkeypatch_env.undo()
