"""Shared builders for the solver tests: tiny hand-checkable problems and a checked solve.

``make_problem`` fills every omitted column with a permissive default (a movable PNS with
36 months in position, no requirements, a need of one FTE), so a test only spells out
what it is about. ``solve_checked`` is the one way the tests call :func:`asn_balance.solve`:
it runs the independent verifier on every plan and compares its recomputed figures with
the result's.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

from asn_balance import AssignmentModel, EngineSolution, Problem, Result, check, solve
from asn_balance._memory import tune_memory
from asn_balance.engine.dispatch import solve_model
from asn_balance.evaluate.result import STATUSES

tune_memory()  # as the command line does: no costly huge-page faults for large arrays


def pytest_configure(config: pytest.Config) -> None:
    """The command-line tests give ``COLUMNS`` per invocation. A ``COLUMNS`` inherited from
    the test runner (pytest-xdist sets one in its workers) would fix the width of the CLI's
    console when its module is imported, before any invocation: drop it first."""
    os.environ.pop("COLUMNS", None)


#: Defaults of omitted employee cells: a movable PNS with no qualifications listed.
EMPLOYEE_DEFAULTS: dict[str, Any] = {
    "name": "",
    "status": "PNS",
    "grade": "",
    "education": "",
    "competencies": "",
    "months_in_position": 36.0,
    "locked": False,
}

#: Defaults of omitted position cells: unit U1, jabatan Analis, a need of 1 FTE at 1,250 h.
POSITION_DEFAULTS: dict[str, Any] = {
    "unit_id": "U1",
    "unit_name": "",
    "jabatan": "Analis",
    "workload_hours": 1250.0,
    "min_staff": 0,
    "max_staff": np.nan,
    "required_competencies": "",
    "min_grade": "",
    "max_grade": "",
    "min_education": "",
}

TASK_COLUMNS = ["position_id", "task", "volume", "period", "norm_minutes"]

REL = 1e-9


def employee_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Employees table; ``employee_id`` defaults to ``E1, E2, ...`` and ``position_id`` to ``P1``."""
    out = []
    for i, row in enumerate(rows):
        base = {"employee_id": f"E{i + 1}", "position_id": "P1", **EMPLOYEE_DEFAULTS}
        out.append({**base, **row})
    columns = list(dict.fromkeys(k for row in out for k in row)) if out else None
    frame = pd.DataFrame(out, columns=columns)
    for c in ("discipline", "study_leave", "volunteer"):
        if c in frame.columns:
            frame[c] = frame[c].fillna(False).astype(bool)
    for c in ("preferences", "spouse_id", "birth_date"):
        if c in frame.columns:
            frame[c] = frame[c].fillna("")
    return frame.astype({"months_in_position": float, "locked": bool})


def position_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Positions table; ``position_id`` defaults to ``P1, P2, ...``."""
    out = []
    for i, row in enumerate(rows):
        base = {"position_id": f"P{i + 1}", **POSITION_DEFAULTS}
        out.append({**base, **row})
    columns = list(dict.fromkeys(k for row in out for k in row)) if out else None
    frame = pd.DataFrame(out, columns=columns)
    if "competency_standard" in frame.columns:
        frame["competency_standard"] = frame["competency_standard"].fillna("")
    return frame.astype({"workload_hours": float, "max_staff": float})


def task_frame(rows: Sequence[Mapping[str, Any] | Sequence[Any]] | None) -> pd.DataFrame | None:
    """Tasks table from dicts or ``(position_id, task, volume, period, norm_minutes)`` tuples."""
    if rows is None:
        return None
    recs = [dict(r) if isinstance(r, Mapping) else dict(zip(TASK_COLUMNS, r, strict=True)) for r in rows]
    frame = pd.DataFrame(recs, columns=TASK_COLUMNS)
    return frame.astype({"volume": float, "norm_minutes": float})


def make_problem(
    employees: Sequence[Mapping[str, Any]],
    positions: Sequence[Mapping[str, Any]],
    tasks: Sequence[Mapping[str, Any] | Sequence[Any]] | None = None,
    *,
    units: Sequence[Mapping[str, Any]] | None = None,
    **policy: Any,
) -> Problem:
    """A :class:`Problem` from row dicts; omitted cells get the defaults above.

    ``units`` rows form the optional units table; ``policy`` holds
    :class:`~asn_balance.Policy` fields (``move_cost``, ``allow_pppk``...).
    """
    from asn_balance import Policy

    unit_frame = pd.DataFrame(list(units)) if units else None
    return Problem.from_frames(
        employee_frame(employees),
        position_frame(positions),
        task_frame(tasks),
        Policy(**policy),
        units=unit_frame,
    )


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-12)


def solve_checked(problem: Problem, **kw: Any) -> Result:
    """Solve, verify the plan with :func:`asn_balance.check` and compare the recomputed figures."""
    kw.setdefault("time_limit", 20.0)
    result = solve(problem, **kw)
    assert result.status in STATUSES
    report = check(problem, result)
    assert _close(report.balance_before, result.balance_before), (report.balance_before, result)
    if result.has_plan:
        assert report.ok, str(report)
        assert _close(report.objective, result.objective), (report.objective, result.objective)
        assert _close(report.balance, result.balance_after), (report.balance, result.balance_after)
        assert report.moves == result.n_moves == len(result.moves)
        assert result.moves["employee_id"].is_unique
        assert (result.moves["from_position"] != result.moves["to_position"]).all()
        staff = result.positions.set_index("position_id")["staff_after"]
        assert staff.to_dict() == report.staff_after.to_dict()
        if not math.isfinite(result.bound):  # only the standing plan of a run out of time
            assert math.isnan(result.bound) and result.status == "feasible", result
            assert result.info.get("note"), "a plan without a bound must say why"
        assert not result.bound > result.objective + 1e-12
        if result.status == "optimal":  # the solvers' own criterion (absolute near zero)
            assert result.objective - result.bound <= 1e-6 * max(1.0, abs(result.objective))
        if problem.policy.max_moves is not None:
            assert result.n_moves <= problem.policy.max_moves
        assert result.diagnosis == []
    else:
        assert result.moves.empty
        assert math.isnan(result.objective)
        if result.status == "infeasible":
            assert result.diagnosis, "an infeasible result must say why"
    return result


# --------------------------------------------------------------------------- engine level


def verify_engine_solution(model: AssignmentModel, sol: EngineSolution) -> None:
    """Consistency of an engine solution with its model (plans only)."""
    assert sol.status in ("optimal", "feasible")
    mg, mb, mc = sol.move_group, sol.move_bin, sol.move_count
    assert len(mg) == len(mb) == len(mc)
    assert (mc > 0).all()
    # no self-moves, and each (group, bin) pair reachable through an arc of the group
    assert (model.group_home[mg] != mb).all(), "a group is moved to its own home bin"
    reachable: set[tuple[int, int]] = set()
    for g, c in zip(model.arc_group.tolist(), model.arc_class.tolist(), strict=True):
        for b in model.class_bins[model.class_indptr[c] : model.class_indptr[c + 1]].tolist():
            reachable.add((g, b))
    for g, b in zip(mg.tolist(), mb.tolist(), strict=True):
        assert (g, b) in reachable, f"group {g} cannot reach bin {b}"
    out = np.bincount(mg, weights=mc, minlength=model.n_groups).astype(np.int64)
    assert (out <= model.group_size).all(), "a group moves more units than it has"
    staff = model.initial_staff()
    np.subtract.at(staff, model.group_home[mg], mc)
    np.add.at(staff, mb, mc)
    np.testing.assert_array_equal(staff, sol.staff)
    assert int(staff.sum()) == model.n_units
    assert (staff >= model.min_staff).all()
    capped = model.max_staff >= 0
    assert (staff[capped] <= model.max_staff[capped]).all()
    assert sol.moves == int(mc.sum())
    if model.max_moves is not None:
        assert sol.moves <= model.max_moves
    want = model.objective(staff, sol.moves, sol.arc_cost_total)
    assert math.isclose(sol.objective, want, rel_tol=REL, abs_tol=1e-12)
    assert sol.bound <= sol.objective + 1e-9 * max(1.0, abs(sol.objective))


def solve_model_checked(model: AssignmentModel, **kw: Any) -> EngineSolution:
    """Solve an engine model and verify a plan when there is one."""
    kw.setdefault("time_limit", 20.0)
    sol = solve_model(model, **kw)
    if sol.status in ("optimal", "feasible"):
        verify_engine_solution(model, sol)
    return sol


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def surplus_shortage() -> Problem:
    """P1 needs 1 and has E1, E2; P2 needs 1 and is empty: B = 1 + 1 = 2, one move makes B = 0."""
    return make_problem(
        [{"employee_id": "E1", "position_id": "P1"}, {"employee_id": "E2", "position_id": "P1"}],
        [{"position_id": "P1"}, {"position_id": "P2"}],
    )


@pytest.fixture
def balanced_pair() -> Problem:
    """P1 and P2 each need 1 and have one person: B = 0, nothing to do."""
    return make_problem(
        [{"employee_id": "E1", "position_id": "P1"}, {"employee_id": "E2", "position_id": "P2"}],
        [{"position_id": "P1"}, {"position_id": "P2"}],
    )
