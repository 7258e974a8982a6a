"""Anytime planning: a plan whenever one is cheap to have, whatever stops the run.

* ``repair`` adds moves where a row needs more (coverage short before the plan) and undoes
  moves where a row needs less; whatever it returns keeps every row and bound (hypothesis),
  and it finds a plan whenever one move from the standing plan suffices (brute force);
* the standing plan (nobody moves) is the planner's first incumbent: a tiny limit, a compile
  deadline in the past, a stop during the compile or an engine without a plan all end with
  it (checked) when it keeps every hard rule, and honestly without a plan when it does not.
"""

from __future__ import annotations

import math
import re
import threading
import time
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asn_balance import Problem, check
from asn_balance.compile import compiler
from asn_balance.compile.compiler import compile_problem
from asn_balance.datasets import synth
from asn_balance.engine import control
from asn_balance.engine.backends.flow import solve_flow
from asn_balance.engine.backends.side import repair
from asn_balance.engine.dispatch import side_holds
from asn_balance.engine.model import AssignmentModel, EngineSolution, SideConstraint
from asn_balance.planner import solve

E0 = np.zeros(0, dtype=np.int64)


def _standing(model: AssignmentModel) -> EngineSolution:
    return EngineSolution("feasible", 0.0, -np.inf, model.initial_staff(), E0, E0, E0, 0.0, "standing",
                          move_arc=E0.copy())  # fmt: skip


def _holds(model: AssignmentModel, sol: EngineSolution) -> bool:
    staff = model.initial_staff()
    np.add.at(staff, sol.move_bin, sol.move_count)
    np.subtract.at(staff, model.group_home[sol.move_group], sol.move_count)
    if not np.array_equal(staff, sol.staff):
        return False
    if np.any(staff < model.min_staff) or np.any((model.max_staff >= 0) & (staff > model.max_staff)):
        return False
    moved = np.bincount(sol.move_group, weights=sol.move_count, minlength=model.n_groups)
    if np.any(moved > model.group_size):
        return False
    assert sol.move_arc is not None
    ok_arc = model.arc_group[sol.move_arc] == sol.move_group
    in_class = model.class_holds(model.arc_class[sol.move_arc], sol.move_bin)
    return bool(np.all(ok_arc & in_class)) and side_holds(model, sol)


# --------------------------------------------------------------------------- repair


def _coverage_model() -> AssignmentModel:
    """Three bins; group 0 (2 qualified units at bin 0) may go to bins 1 and 2 (class 0);
    bin 2 needs one qualified unit more than it has (coverage short before the plan)."""
    return AssignmentModel(
        target=np.array([2.0, 1.0, 1.0]),
        weight=np.ones(3),
        min_staff=np.zeros(3, dtype=np.int64),
        max_staff=np.array([-1, -1, -1], dtype=np.int64),
        fixed=np.array([0, 1, 1], dtype=np.int64),
        group_size=np.array([2], dtype=np.int64),
        group_home=np.array([0], dtype=np.int64),
        class_indptr=np.array([0, 2], dtype=np.int64),
        class_bins=np.array([1, 2], dtype=np.int64),
        arc_group=np.array([0], dtype=np.int64),
        arc_class=np.array([0], dtype=np.int64),
        arc_cost=np.zeros(1),
        side=(SideConstraint("coverage", "bin 2", E0, E0, np.array([2]), np.array([1]), 0, 1, None),),
    )


def test_repair_fills_coverage_that_is_short_before_the_plan() -> None:
    model = _coverage_model()
    fixed = repair(model, _standing(model))
    assert fixed is not None and _holds(model, fixed)
    assert fixed.moves == 1 and fixed.move_bin.tolist() == [2]
    # from a plan that moves the unit to the wrong bin: the row is met too
    wrong = EngineSolution("feasible", 0.0, -np.inf, np.array([1, 2, 1]), np.array([0]), np.array([1]),
                           np.array([1]), 0.0, "x", moves=1, move_arc=np.array([0]))  # fmt: skip
    again = repair(model, wrong)
    assert again is not None and _holds(model, again)


def test_repair_keeps_the_staffing_bounds_and_the_budget() -> None:
    from dataclasses import replace

    model = _coverage_model()
    # bin 2 may not grow: no move can meet the row, so no plan (never a plan that breaks it)
    capped = replace(model, max_staff=np.array([-1, -1, 1], dtype=np.int64))
    assert repair(capped, _standing(capped)) is None
    # a budget of zero moves: the row cannot be met either
    assert repair(replace(model, max_moves=0), _standing(model)) is None


@st.composite
def _models(draw: Any) -> AssignmentModel:
    n_bins = draw(st.integers(2, 4))
    n_groups = draw(st.integers(1, 3))
    fixed = np.array(draw(st.lists(st.integers(0, 2), min_size=n_bins, max_size=n_bins)), dtype=np.int64)
    size = np.array(draw(st.lists(st.integers(1, 2), min_size=n_groups, max_size=n_groups)), dtype=np.int64)
    home = np.array(draw(st.lists(st.integers(0, n_bins - 1), min_size=n_groups, max_size=n_groups)),
                    dtype=np.int64)  # fmt: skip
    staff = fixed.copy()
    np.add.at(staff, home, size)
    classes = [draw(st.lists(st.integers(0, n_bins - 1), min_size=1, max_size=n_bins, unique=True))
               for _ in range(draw(st.integers(1, 3)))]  # fmt: skip
    indptr = np.concatenate([[0], np.cumsum([len(c) for c in classes])]).astype(np.int64)
    arcs = sorted({(g, c) for g in range(n_groups) for c in range(len(classes)) if draw(st.booleans())})
    arc_group = np.array([a[0] for a in arcs], dtype=np.int64)
    arc_class = np.array([a[1] for a in arcs], dtype=np.int64)
    rows = []
    for _ in range(draw(st.integers(1, 3))):
        n_a = draw(st.integers(0, len(arcs)))
        picked = draw(
            st.lists(st.integers(0, max(len(arcs) - 1, 0)), min_size=n_a, max_size=n_a, unique=True)
        )
        sel = np.array(sorted(picked) if arcs else [], dtype=np.int64)
        coef = np.array([draw(st.sampled_from([-1, 1, 2])) for _ in sel], dtype=np.int64)
        bins = np.array(
            sorted(draw(st.lists(st.integers(0, n_bins - 1), max_size=2, unique=True))), dtype=np.int64
        )
        in_coef = np.array([draw(st.sampled_from([-1, 1])) for _ in bins], dtype=np.int64)
        const = draw(st.integers(-1, 2))
        lo = draw(st.one_of(st.none(), st.integers(-1, 3)))
        hi = draw(st.one_of(st.none(), st.integers(0, 4)))
        rows.append(SideConstraint("row", "r", sel, coef, bins, in_coef, const, lo, hi))
    min_staff = np.minimum(
        staff, np.array(draw(st.lists(st.integers(0, 2), min_size=n_bins, max_size=n_bins)))
    )
    cap = np.array(draw(st.lists(st.integers(-1, 4), min_size=n_bins, max_size=n_bins)), dtype=np.int64)
    max_staff = np.where(cap < 0, -1, np.maximum(cap, staff)).astype(np.int64)
    return AssignmentModel(
        target=np.array(draw(st.lists(st.floats(0, 4), min_size=n_bins, max_size=n_bins))),
        weight=np.ones(n_bins),
        min_staff=min_staff.astype(np.int64),
        max_staff=max_staff,
        fixed=fixed,
        group_size=size,
        group_home=home,
        class_indptr=indptr,
        class_bins=np.concatenate([np.array(c, dtype=np.int64) for c in classes]),
        arc_group=arc_group,
        arc_class=arc_class,
        arc_cost=np.array(draw(st.lists(st.floats(0, 2), min_size=len(arcs), max_size=len(arcs)))),
        move_cost=0.5,
        max_moves=draw(st.one_of(st.none(), st.integers(0, 3))),
        side=tuple(rows),
    )


def _one_move_fills(model: AssignmentModel) -> bool:
    """Brute force: some single move from the standing plan keeps every row and bound."""
    staff0 = model.initial_staff()
    for a in range(len(model.arc_group)):
        g = int(model.arc_group[a])
        c = int(model.arc_class[a])
        for b in model.class_bins[model.class_indptr[c] : model.class_indptr[c + 1]].tolist():
            if b == model.group_home[g]:
                continue
            staff = staff0.copy()
            staff[b] += 1
            staff[model.group_home[g]] -= 1
            sol = EngineSolution("feasible", 0.0, -np.inf, staff, np.array([g]), np.array([b]), np.array([1]),
                                 0.0, "x", moves=1, move_arc=np.array([a]))  # fmt: skip
            if _holds(model, sol):
                return True
    return False


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_models())
def test_whatever_repair_returns_keeps_every_row_and_bound(model: AssignmentModel) -> None:
    standing = _standing(model)
    fixed = repair(model, standing)
    if fixed is not None:
        assert _holds(model, fixed)
        assert math.isclose(fixed.objective, model.objective(fixed.staff, fixed.moves, fixed.arc_cost_total),
                            rel_tol=1e-9, abs_tol=1e-9)  # fmt: skip
    elif not _holds(model, standing):
        assert not _one_move_fills(model), "one move would do, but repair found no plan"
    relax = solve_flow(model.relaxation())
    if relax.status == "optimal":
        from_relax = repair(model, relax)
        assert from_relax is None or _holds(model, from_relax)


# --------------------------------------------------------------------------- the planner


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return synth.generate(600, seed=5, policy_columns=True)


def _problem(frames: dict[str, pd.DataFrame], bump: int = 0) -> Problem:
    units = frames["units"].copy()
    if bump:  # every coverage item asks for more than the unit has: the standing plan breaks it

        def more(cell: Any) -> Any:
            if not isinstance(cell, str) or not cell:
                return cell
            return ";".join(
                re.sub(r"x(\d+)$", lambda m: f"x{int(m.group(1)) + bump}", p) for p in cell.split(";")
            )

        units["coverage"] = units["coverage"].map(more)
    return Problem.from_frames(frames["employees"], frames["positions"], frames["tasks"], units=units)


def _standing_breaks_a_rule(problem: Problem) -> bool:
    model = compile_problem(problem).model
    return not all((r.lo is None or r.constant >= r.lo) and (r.hi is None or r.constant <= r.hi)
                   for r in model.side)  # fmt: skip


def test_a_compile_deadline_in_the_past_stops_the_compile(frames: dict[str, pd.DataFrame]) -> None:
    problem = _problem(frames)
    with pytest.raises(TimeoutError):
        compile_problem(problem, deadline=time.perf_counter() - 1.0)
    assert compile_problem(problem, deadline=time.perf_counter() + 600).model.n_bins == problem.n_positions


def test_no_time_at_all_returns_the_standing_plan_checked(frames: dict[str, pd.DataFrame]) -> None:
    problem = _problem(frames)
    assert problem.units is None or not _standing_breaks_a_rule(problem)
    for result in (solve(problem, deadline=time.perf_counter() - 1.0), solve(problem, time_limit=0.0)):
        assert result.has_plan and result.status == "feasible"  # never "optimal" without proof
        assert result.n_moves == 0
        assert "compile did not finish" in result.info["note"]
        assert not (result.bound is not None and np.isfinite(result.bound))
        assert check(problem, result).ok
        assert result.info["check"]["ok"] is True


def test_no_time_and_a_standing_plan_that_breaks_a_rule_is_no_plan(frames: dict[str, pd.DataFrame]) -> None:
    problem = _problem(frames, bump=3)
    assert _standing_breaks_a_rule(problem)
    result = solve(problem, deadline=time.perf_counter() - 1.0)
    assert not result.has_plan and result.status == "time_limit"
    assert "compile did not finish" in result.info["note"]


def test_an_engine_without_a_plan_leaves_the_standing_plan(
    frames: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    from asn_balance import planner

    def nothing(model: AssignmentModel, **kw: Any) -> EngineSolution:
        return EngineSolution(
            "time_limit", float("nan"), 1.5, model.initial_staff(), E0, E0, E0, 0.1, "cpsat"
        )

    monkeypatch.setattr(planner, "solve_model", nothing)
    problem = _problem(frames)
    result = solve(problem, time_limit=5)
    assert result.has_plan and result.status == "feasible" and result.n_moves == 0
    assert result.bound == 1.5  # the engine's bound bounds the model's optimum
    assert check(problem, result).ok
    # coverage short before the plan: the standing plan repaired by moves in
    bumped = _problem(frames, bump=1)
    assert _standing_breaks_a_rule(bumped)
    result = solve(bumped, time_limit=5)
    assert result.has_plan and result.status == "feasible" and result.n_moves > 0
    assert check(bumped, result).ok


def test_a_tiny_limit_on_unit_rules_still_gives_a_checked_plan(frames: dict[str, pd.DataFrame]) -> None:
    """The standing plan keeps every rule: a plan at any limit. Coverage short before the
    plan: a plan once the compile finishes (the standing plan repaired), else honestly none."""
    problem = _problem(frames)
    for limit in (0.0, 0.05, 0.3, 1.0):
        result = solve(problem, time_limit=limit)
        assert result.has_plan, (limit, result.status, result.info.get("note"))
        assert result.status in ("feasible", "optimal") and check(problem, result).ok
    bumped = _problem(frames, bump=1)
    for limit in (0.05, 10.0):
        result = solve(bumped, time_limit=limit)
        if result.has_plan:
            assert check(bumped, result).ok
        else:
            assert result.status == "time_limit" and "compile did not finish" in result.info["note"]
    assert result.has_plan


def test_request_stop_during_the_compile(
    frames: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stop from another thread while the compile runs: the compile ends at its next phase
    and the standing plan, checked, is the result."""
    inside = threading.Event()
    original = compiler.eligibility

    def slow(problem: Problem) -> Any:
        inside.set()
        t0 = time.monotonic()
        while not control.stop_requested() and time.monotonic() - t0 < 30:
            time.sleep(0.01)
        return original(problem)

    monkeypatch.setattr(compiler, "eligibility", slow)

    def stopper() -> None:
        inside.wait(30)
        control.request_stop()

    threading.Thread(target=stopper, daemon=True).start()
    problem = _problem(frames)
    result = solve(problem, time_limit=120)
    assert result.info.get("interrupted") is True
    assert "compile did not finish before the stop" in result.info["note"]
    assert result.has_plan and result.n_moves == 0 and check(problem, result).ok


def test_an_engine_that_overruns_returns_its_best_verified_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dispatcher offers the repaired relaxation before HiGHS runs; when HiGHS then hangs
    past the deadline, the planner stops waiting and returns that plan (not the standing one)."""
    from asn_balance.engine import dispatch
    from conftest import make_problem

    problem = make_problem(
        [
            {"employee_id": "E1", "position_id": "P1"},
            {"employee_id": "E2", "position_id": "P1"},
            {"employee_id": "E3", "position_id": "P1"},
        ],
        [
            {"position_id": "P1", "unit_id": "U1"},
            {"position_id": "P2", "unit_id": "U2"},
            {"position_id": "P3", "unit_id": "U2"},
        ],
        units=[{"unit_id": "U1", "max_moves_out": 1}, {"unit_id": "U2"}],
    )

    release = threading.Event()

    def hang(*args: Any, **kwargs: Any) -> EngineSolution:
        release.wait(60)  # deaf to the stop request, as a solver stuck in a long step is
        raise RuntimeError("released")  # the planner has given up long before

    monkeypatch.setattr(dispatch, "solve_highs", hang)
    try:
        result = solve(problem, time_limit=1.0)
    finally:
        release.set()
    assert result.has_plan and result.n_moves == 1  # the repaired relaxation: one move out of U1
    assert "best one it had verified" in result.info["note"]
    assert check(problem, result).ok
