"""Staff counted in FTE (issue 12): the ``fte`` column, PPPK Paruh Waktu, part-timers who stay.

Every staff figure is the sum of the employees' FTE: balance ``B``, EJ, bands, ``min_staff``
and ``max_staff``; the headcount is kept beside it. Employees below 1 FTE never move (rule
``part_time``). The compiler folds the fractional part of a position's fixed FTE into its
target, so the exact flow's objective is ``B`` in FTE. The cases are small enough to check by
hand; a hypothesis property compares the planner with exhaustive enumeration.
"""

from __future__ import annotations

import io
import itertools
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import asn_balance as ab
from asn_balance import InputError, Problem, check
from asn_balance.check.report import CHECKED_RULES
from asn_balance.compile.compiler import compile_problem
from asn_balance.compile.eligibility import mover_rule
from asn_balance.datasets.synth import generate
from asn_balance.io.jsonschema import PlanDocument
from asn_balance.model.domain import PART_TIME
from conftest import employee_frame, make_problem, position_frame, solve_checked

WKE = 1250.0


def _b(staff: dict[str, float], need: dict[str, float]) -> float:
    """The balance term by hand: sum of (staff - need)^2 / max(need, 1)."""
    return sum((staff.get(p, 0.0) - n) ** 2 / max(n, 1.0) for p, n in need.items())


def _checked(problem: Problem, **kw: Any) -> ab.Result:
    """Solve, check, and compare the staff per position within float noise."""
    result = solve_checked(problem, **kw)
    if result.has_plan:
        report = check(problem, result)
        mine = result.positions.set_index("position_id")["staff_after"]
        np.testing.assert_allclose(mine.to_numpy(float), report.staff_after[mine.index].to_numpy(float))
    return result


def _moved(result: ab.Result) -> set[str]:
    return set(result.moves["employee_id"].astype(str))


# ------------------------------------------------------------------------ the column


def test_fte_defaults_to_one_and_is_read_by_alias() -> None:
    emp = employee_frame([{}, {}, {}]).assign(beban_fte=["0,5", "", "1"])
    p = Problem.from_frames(emp, position_frame([{}]))
    assert p.employees["fte"].isna().tolist() == [False, True, False]
    np.testing.assert_array_equal(p.fte, [0.5, 1.0, 1.0])
    assert p.staff.tolist() == [2.5] and p.headcount.tolist() == [3]


@pytest.mark.parametrize("value", ["0", "1.5", "2"])
def test_fte_out_of_range_names_the_cell(value: str) -> None:
    emp = employee_frame([{}, {}]).assign(fte=["0.5", value])
    with pytest.raises(InputError) as info:
        Problem.from_frames(emp, position_frame([{}]))
    (problem,) = info.value.problems
    assert (problem.table, problem.row, problem.column, problem.rule) == (
        "employees",
        3,
        "fte",
        "out_of_range",
    )
    assert problem.value == value
    assert "above 0 and at most 1" in problem.message


def test_negative_fte_is_refused() -> None:
    emp = employee_frame([{}]).assign(fte=["-0.5"])
    with pytest.raises(InputError) as info:
        Problem.from_frames(emp, position_frame([{}]))
    assert [(q.column, q.rule) for q in info.value.problems] == [("fte", "negative_value")]


def test_part_time_status_takes_the_policy_fte() -> None:
    emp = employee_frame([{"status": PART_TIME}, {"status": PART_TIME}, {"status": PART_TIME}, {}])
    emp = emp.assign(fte=[np.nan, 0.75, np.nan, np.nan])
    p = Problem.from_frames(emp, position_frame([{}]))
    np.testing.assert_array_equal(p.fte, [0.5, 0.75, 0.5, 1.0])
    q = p.with_policy(part_time_fte=0.6)
    np.testing.assert_array_equal(q.fte, [0.6, 0.75, 0.6, 1.0])
    assert q.staff.tolist() == pytest.approx([2.95])
    # the checker reads the same defaults from the tables and the policy
    assert check(q, {}).staff_before.tolist() == pytest.approx([2.95])


# --------------------------------------------------------------- staff, EJ and bands


def test_two_part_timers_make_one_fte() -> None:
    """A position needing 1 FTE held by two PPPK Paruh Waktu at 0.5: staff 1.0, EJ 1."""
    p = make_problem([{"status": PART_TIME}, {"status": PART_TIME}], [{"workload_hours": WKE}])
    report = p.abk().iloc[0]
    assert report["staff"] == 1.0 and report["headcount"] == 2
    assert report["ej"] == pytest.approx(1.0)
    assert report["band"] == "B" and report["direction"] == "pas"
    assert p.balance() == 0.0
    result = _checked(p)
    pos = result.positions.iloc[0]
    assert pos["staff_before"] == 1.0 and pos["headcount_before"] == 2
    assert pos["ej_before"] == pytest.approx(1.0)
    assert result.units.iloc[0]["staff_before"] == 1.0 and result.units.iloc[0]["headcount_before"] == 2
    assert result.summary()["employees"] == 2 and result.summary()["staff_fte"] == 1.0


def test_objective_is_b_in_fte_by_hand() -> None:
    """P1 needs 2 FTE and holds three full-timers and a 0.5 part-timer (3.5 FTE); P2 needs 1
    and is empty. B before = 1.5^2/2 + 1 = 2.125. Moving one full-timer gives 2.5 and 1:
    B = 0.5^2/2 = 0.125, objective 0.125 + 0.1 = 0.225; a second move would leave 1.5 and 2
    (B = 0.125 + 1). The part-timer stays."""
    emp = [{"fte": 1.0}, {"fte": 1.0}, {"fte": 1.0}, {"fte": 0.5}]
    p = make_problem(emp, [{"workload_hours": 2 * WKE}, {"workload_hours": WKE}])
    assert p.balance() == pytest.approx(2.125)
    result = _checked(p)
    assert result.n_moves == 1 and "E4" not in _moved(result)
    assert result.balance_before == pytest.approx(2.125)
    assert result.balance_after == pytest.approx(_b({"P1": 2.5, "P2": 1.0}, {"P1": 2.0, "P2": 1.0}))
    assert result.objective == pytest.approx(0.225)
    assert check(p, result).objective == pytest.approx(0.225)
    staff = result.positions.set_index("position_id")
    assert staff["staff_after"].to_dict() == {"P1": 2.5, "P2": 1.0}
    assert staff["headcount_after"].to_dict() == {"P1": 3, "P2": 1}


def test_the_fraction_changes_the_decision() -> None:
    """P1 (need 2) with two full-timers; P2 (need 1.4) with one full-timer. With a 0.5
    part-timer in P1 (2.5 FTE) one full-timer to P2 gives 1.5 and 2.0: B 0.125 + 0.36/1.4,
    worse than staying (0.125 + 0.16/1.4). Counted as a head, the part-timer would make P1
    3 and one full-timer would move (0.36/1.4 + 0.1 < 0.5 + 0.16/1.4)."""
    pos = [{"workload_hours": 2 * WKE}, {"workload_hours": 1.4 * WKE}]
    emp = [{}, {}, {"position_id": "P2"}, {"fte": 0.5}]
    p = make_problem(emp, pos)
    result = _checked(p)
    assert result.n_moves == 0
    assert result.objective == pytest.approx(0.25 / 2 + 0.16 / 1.4)
    # the same roster counted by heads (the part-timer as 1 FTE) moves one full-timer
    heads = make_problem([{}, {}, {"position_id": "P2"}, {}], pos)
    assert _checked(heads).n_moves == 1


# ------------------------------------------------------------ part-timers never move


def _crowded(n_part: int = 4, **policy: Any) -> Problem:
    """P1 (need 1) holds n part-timers at 0.5 (PNS with an fte, and PPPK Paruh Waktu) and
    two full-timers; P2 (need 3) is empty: only the full-timers may go."""
    emp = [{"fte": 0.5} if i % 2 else {"status": PART_TIME} for i in range(n_part)] + [{}, {}]
    return make_problem(
        emp, [{"workload_hours": WKE}, {"workload_hours": 3 * WKE}], allow_pppk=True, **policy
    )


def test_part_timers_are_stopped_by_the_part_time_rule() -> None:
    p = _crowded()
    rules = mover_rule(p)
    assert rules.tolist()[:4] == ["part_time"] * 4 and rules.tolist()[4:] == ["", ""]
    assert ab.RULES["part_time"] and "part_time" in CHECKED_RULES
    comp = compile_problem(p)
    assert (comp.employee_group[:4] == -1).all()
    # fixed 2.0 FTE in P1 (no remainder); P2 empty
    assert comp.model.fixed.tolist() == [2, 0]
    np.testing.assert_allclose(comp.model.target, p.need)


def test_part_timers_never_move_flow_path() -> None:
    p = _crowded()
    result = _checked(p)
    assert _moved(result) == {"E5", "E6"}
    staff = result.positions.set_index("position_id")["staff_after"].to_dict()
    assert staff == {"P1": 2.0, "P2": 2.0}
    assert result.objective == pytest.approx(1.0 / 1 + 1.0 / 3 + 0.2)


def test_part_timers_never_move_budget_path() -> None:
    p = _crowded(max_moves=1)
    result = _checked(p)
    assert result.n_moves == 1 and _moved(result) <= {"E5", "E6"}
    staff = result.positions.set_index("position_id")["staff_after"].to_dict()
    assert staff == {"P1": 3.0, "P2": 1.0}
    assert result.objective == pytest.approx(_b(staff, {"P1": 1.0, "P2": 3.0}) + 0.1)


def test_the_checker_refuses_a_moved_part_timer() -> None:
    p = _crowded()
    report = check(p, {"E1": "P2", "E2": "P2", "E5": "P2"})
    assert not report.ok
    assert [v.subject for v in report.violations if v.rule == "part_time"] == ["E1", "E2"]
    assert report.staff_after.to_dict() == {"P1": 2.0, "P2": 2.0}
    assert report.balance == pytest.approx(_b({"P1": 2.0, "P2": 2.0}, {"P1": 1.0, "P2": 3.0}))


def test_a_full_fte_pppk_paruh_waktu_still_does_not_move() -> None:
    """A PPPK Paruh Waktu given fte 1 counts 1, and stays by its status (rule part_time)."""
    emp = [{"status": PART_TIME, "fte": 1.0}, {}, {}]
    p = make_problem(emp, [{"workload_hours": WKE}, {"workload_hours": 2 * WKE}], allow_pppk=True)
    assert p.staff.tolist() == [3.0, 0.0]
    assert mover_rule(p).tolist()[0] == "part_time"
    result = _checked(p)
    assert "E1" not in _moved(result) and result.n_moves == 2


# ------------------------------------------------------------- min_staff and max_staff


def test_min_staff_counts_fte() -> None:
    """P1 (need 0, min_staff 2) holds two full-timers and two part-timers at 0.5 (3 FTE); P2
    needs 3. One full-timer may leave (2 FTE remain), not both (1 FTE < 2)."""
    emp = [{}, {}, {"fte": 0.5}, {"fte": 0.5}]
    p = make_problem(emp, [{"workload_hours": 0.0, "min_staff": 2}, {"workload_hours": 3 * WKE}])
    comp = compile_problem(p)
    assert comp.model.fixed.tolist() == [1, 0] and comp.model.min_staff.tolist() == [2, 0]
    result = _checked(p)
    assert result.n_moves == 1
    assert result.positions.set_index("position_id")["staff_after"].to_dict() == {"P1": 2.0, "P2": 1.0}
    # with a single part-timer the floor of 2 FTE keeps both full-timers (2.5 FTE)
    q = make_problem(emp[:3], [{"workload_hours": 0.0, "min_staff": 2}, {"workload_hours": 3 * WKE}])
    assert _checked(q).n_moves == 0
    assert check(q, {"E1": "P2"}).rules == {"min_staff"}


def test_min_staff_infeasible_in_fte() -> None:
    """P1 min_staff 2 with one locked full-timer and one part-timer (1.5 FTE), nobody to come."""
    emp = [{"locked": True}, {"fte": 0.5}]
    p = make_problem(emp, [{"min_staff": 2}])
    result = _checked(p)
    assert result.status == "infeasible"
    assert any("min_staff 2" in d and "1.5" in d and "[min_staff]" in d for d in result.diagnosis), (
        result.diagnosis
    )


def test_max_staff_counts_fte() -> None:
    """P2 (need 3, max_staff 2) holds a locked part-timer at 0.5: one full-timer may come
    (1.5 FTE), a second would make 2.5 FTE."""
    emp = [{}, {}, {}, {"position_id": "P2", "fte": 0.5}]
    p = make_problem(emp, [{"workload_hours": 0.0}, {"workload_hours": 3 * WKE, "max_staff": 2}])
    comp = compile_problem(p)
    assert comp.model.max_staff.tolist() == [-1, 1] and comp.model.target[1] == pytest.approx(2.5)
    result = _checked(p)
    assert result.positions.set_index("position_id")["staff_after"]["P2"] == 1.5
    assert check(p, {"E1": "P2", "E2": "P2"}).rules == {"max_staff"}


def test_max_staff_zero_with_a_part_timer_is_infeasible() -> None:
    emp = [{"fte": 0.5, "position_id": "P2"}, {}]
    p = make_problem(emp, [{}, {"max_staff": 0}])
    comp = compile_problem(p)
    assert comp.model.fixed.tolist() == [0, 1] and comp.model.max_staff.tolist() == [-1, 0]
    result = _checked(p)
    assert result.status == "infeasible"
    assert any("[max_staff]" in d for d in result.diagnosis)
    assert check(p, {}).rules == {"max_staff"}


# ------------------------------------------------------- nothing changes at 1 FTE


def _synth() -> dict[str, pd.DataFrame]:
    return generate(200, seed=5, policy_columns=True)


def test_explicit_full_fte_changes_nothing() -> None:
    """No fte column, and fte 1.0 written out for everyone: the same plan and figures."""
    t = _synth()
    plain = Problem.from_frames(t["employees"], t["positions"], t.get("tasks"), units=t.get("units"))
    ones = Problem.from_frames(
        t["employees"].assign(fte=1.0), t["positions"], t.get("tasks"), units=t.get("units")
    )
    a, b = _checked(plain), _checked(ones)
    assert a.objective == b.objective and a.balance_before == b.balance_before
    pd.testing.assert_frame_equal(a.moves, b.moves)
    pd.testing.assert_frame_equal(a.positions, b.positions)
    pd.testing.assert_frame_equal(a.units, b.units)
    assert (a.positions["staff_before"] == a.positions["headcount_before"]).all()
    assert (a.positions["staff_after"] == a.positions["headcount_after"]).all()
    ca, cb = compile_problem(plain).model, compile_problem(ones).model
    np.testing.assert_array_equal(ca.target, plain.need)
    np.testing.assert_array_equal(ca.fixed, cb.fixed)
    np.testing.assert_array_equal(ca.min_staff, plain.positions["min_staff"].to_numpy())


def test_plan_json_with_part_timers_is_valid() -> None:
    result = _checked(_crowded())
    doc = PlanDocument.model_validate(result.to_dict())
    assert doc.positions[0].staff_before == 4.0 and doc.positions[0].headcount_before == 6
    assert doc.positions[0].staff_after == 2.0 and doc.positions[0].headcount_after == 4
    assert doc.summary.staff_fte == 4.0 and doc.summary.employees == 6


def test_reports_show_fractional_staff() -> None:
    from openpyxl import load_workbook

    from asn_balance.io.excel import excel_bytes
    from asn_balance.reports.html import html_report

    emp = [{"fte": 1.0}, {"fte": 1.0}, {"fte": 1.0}, {"fte": 0.5}]
    p = make_problem(emp, [{"workload_hours": 2 * WKE}, {"workload_hours": WKE}])
    result = _checked(p)
    ws = load_workbook(io.BytesIO(excel_bytes(result, "en")))["positions"]
    row = dict(zip([c.value for c in ws[1]], ws[2], strict=True))
    assert row["staff_before"].value == 3.5 and row["staff_before"].number_format == "#,##0.00"
    assert row["headcount_before"].value == 4 and row["headcount_before"].number_format == "#,##0"
    page = html_report(p, result, "id", plots=False)
    assert "3,50" in page and "2,50" in page


# ------------------------------------------------------------------ random rosters

_FRACTIONS = [0.25, 0.3, 0.5, 0.6, 0.75, 0.9]


@st.composite
def rosters(draw: st.DrawFn) -> dict[str, Any]:
    """2-3 positions of one jabatan, up to 4 movable full-timers and up to 4 part-timers."""
    n_pos = draw(st.integers(2, 3))
    positions = []
    for j in range(n_pos):
        lo = draw(st.sampled_from([0, 0, 0, 1, 2]))
        hi = draw(st.sampled_from([math.nan, math.nan, lo + 1, lo + 2, lo + 3]))
        positions.append({
            "position_id": f"P{j + 1}",
            "workload_hours": draw(st.sampled_from([0.0, 500.0, 1250.0, 2000.0, 3125.0, 5000.0])),
            "min_staff": lo,
            "max_staff": float(hi),
        })  # fmt: skip
    employees = []
    for _ in range(draw(st.integers(1, 4))):  # movers: whole FTE (blank or 1.0)
        employees.append(
            {"position_id": f"P{draw(st.integers(1, n_pos))}", "fte": draw(st.sampled_from([np.nan, 1.0]))}
        )
    for _ in range(draw(st.integers(0, 4))):  # part-timers: an fte below 1, or the status
        row: dict[str, Any] = {"position_id": f"P{draw(st.integers(1, n_pos))}"}
        if draw(st.booleans()):
            row["fte"] = draw(st.sampled_from(_FRACTIONS))
        else:
            row["status"] = PART_TIME
            row["fte"] = draw(st.sampled_from([np.nan, *_FRACTIONS]))
        employees.append(row)
    budget = draw(st.sampled_from([None, None, 0, 1, 2]))
    return {"employees": employees, "positions": positions, "max_moves": budget,
            "part_time_fte": draw(st.sampled_from([0.5, 0.4]))}  # fmt: skip


def _brute_force(p: Problem) -> float | None:
    """The least objective B + move_cost x moves over every placement of the movers (those
    with FTE 1 and status PNS) meeting min_staff, max_staff and max_moves; None if none."""
    pol = p.policy
    need = p.need
    fte = p.fte
    home = p.employee_position
    movers = np.flatnonzero((fte == 1.0) & (p.employees["status"] == "PNS").to_numpy())
    fixed = np.bincount(
        home, weights=np.where(np.isin(np.arange(len(fte)), movers), 0.0, fte), minlength=len(need)
    )
    lo = p.positions["min_staff"].to_numpy(dtype=float)
    hi = p.positions["max_staff"].to_numpy(dtype=float)
    best: float | None = None
    for where in itertools.product(range(len(need)), repeat=len(movers)):
        staff = fixed + np.bincount(np.asarray(where, dtype=np.int64), minlength=len(need))
        moves = int(np.sum(np.asarray(where) != home[movers]))
        if pol.max_moves is not None and moves > pol.max_moves:
            continue
        if (staff < lo - 1e-9).any() or (~np.isnan(hi) & (staff > hi + 1e-9)).any():
            continue
        obj = float(np.sum((staff - need) ** 2 / np.maximum(need, 1.0))) + pol.move_cost * moves
        best = obj if best is None else min(best, obj)
    return best


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rosters())
def test_random_rosters_with_fte(spec: dict[str, Any]) -> None:
    p = make_problem(
        spec["employees"], spec["positions"], max_moves=spec["max_moves"], part_time_fte=spec["part_time_fte"]
    )
    result = _checked(p)
    best = _brute_force(p)
    if best is None:
        assert result.status == "infeasible"
        return
    assert result.status == "optimal"
    moved = result.moves["employee_id"].map(dict(zip(p.employee_index, range(p.n_employees), strict=True)))
    assert (p.fte[moved.to_numpy(dtype=np.int64)] == 1.0).all()
    staff = p.staff_after(
        moved.to_numpy(dtype=np.int64), p.position_index.get_indexer(result.moves["to_position"])
    )
    by_hand = float(np.sum((staff - p.need) ** 2 / np.maximum(p.need, 1.0)))
    assert result.balance_after == pytest.approx(by_hand, rel=1e-9, abs=1e-12)
    assert result.objective == pytest.approx(
        by_hand + p.policy.move_cost * result.n_moves, rel=1e-9, abs=1e-12
    )
    assert check(p, result).objective == pytest.approx(result.objective, rel=1e-9, abs=1e-12)
    assert result.objective == pytest.approx(best, rel=1e-7, abs=1e-9)
