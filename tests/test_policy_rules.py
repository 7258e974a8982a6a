"""The full mutasi policy, rule by rule: allowed, forbidden, and the exact cost.

Every case is small enough to verify by hand. Positions have a need of one FTE unless
their ``workload_hours`` say otherwise; ``P1`` in unit ``U1`` is over-staffed and ``P2``
in unit ``U2`` is empty, so moving one employee from ``P1`` to ``P2`` lowers ``B`` by 2.
Every solve goes through ``solve_checked`` (the independent checker).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Any

import pytest

from asn_balance import frontier, why_not
from asn_balance.planner import solve
from conftest import make_problem, solve_checked

OVER_EMPTY = [{"position_id": "P1", "unit_id": "U1"}, {"position_id": "P2", "unit_id": "U2"}]


def moved(result: Any) -> dict[str, str]:
    return dict(zip(result.moves["employee_id"], result.moves["to_position"], strict=True))


def two_in_p1(**extra: Any) -> list[dict[str, Any]]:
    e1 = {"employee_id": "E1", "position_id": "P1", "months_in_position": 100.0}
    e2 = {"employee_id": "E2", "position_id": "P1", "months_in_position": 50.0}
    e1.update(extra.get("e1", {}))
    e2.update(extra.get("e2", {}))
    return [e1, e2]


# --- mover rules: discipline, study leave, retirement ---------------------------------------------


@pytest.mark.parametrize("rule", ["discipline", "study_leave"])
def test_exclusion_rules(rule: str) -> None:
    free = solve_checked(make_problem(two_in_p1(), OVER_EMPTY))
    assert moved(free) == {"E1": "P2"}  # longest in position first
    one = solve_checked(make_problem(two_in_p1(e1={rule: True}), OVER_EMPTY))
    assert moved(one) == {"E2": "P2"}
    assert one.objective == pytest.approx(0.1)
    both = solve_checked(make_problem(two_in_p1(e1={rule: True}, e2={rule: True}), OVER_EMPTY))
    assert moved(both) == {}
    assert both.objective == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("birth", "age", "buffer", "moves"),
    [
        ("1968-06-15", None, 12, False),  # retires 2026-06-15, before 2027-01-01
        ("1969-01-01", None, 12, False),  # retires exactly at plan date + 12 months
        ("1969-01-02", None, 12, True),  # one day later
        ("1968-06-15", 60, 12, True),  # BUP 60: retires 2028-06-15
        ("1968-06-15", None, 0, True),  # no buffer: still six months to go... after plan date
        ("1967-06-15", None, 0, False),  # already past the BUP at the plan date
    ],
)
def test_retirement_buffer(birth: str, age: int | None, buffer: int, moves: bool) -> None:
    emps = two_in_p1(e1={"birth_date": birth}, e2={"locked": True})
    pos = [dict(OVER_EMPTY[0]), dict(OVER_EMPTY[1])]
    if age is not None:
        pos[0]["retirement_age"] = age
    p = make_problem(emps, pos, plan_date=dt.date(2026, 1, 1), retirement_buffer_months=buffer)
    r = solve_checked(p)
    assert (moved(r) == {"E1": "P2"}) is moves
    assert r.objective == pytest.approx(0.1 if moves else 2.0)


# --- volunteers and preferences ------------------------------------------------------------------


def balanced() -> list[dict[str, Any]]:
    return [{"position_id": "P1", "unit_id": "U1"}, {"position_id": "P2", "unit_id": "U2"},
            {"position_id": "P3", "unit_id": "U3"}]  # fmt: skip


def test_volunteer_moves_when_the_wish_outweighs_the_imbalance() -> None:
    emps = [
        {"employee_id": "E1", "position_id": "P1", "volunteer": True},
        {"employee_id": "E2", "position_id": "P2"},
        {"employee_id": "E3", "position_id": "P3"},
    ]
    # staying costs the volunteer's wish 0.2; moving makes B 0 -> 2 and costs 0.1: stays
    r = solve_checked(make_problem(emps, balanced()))
    assert moved(r) == {}
    assert r.objective == pytest.approx(0.2)
    assert r.breakdown["after"]["preferences"] == pytest.approx(0.2)
    # a wish worth 3: E1 moves and the one it displaces fills E1's place (a swap: B stays 0)
    r = solve_checked(make_problem(emps, balanced(), preference_weight=3.0))
    assert "E1" in moved(r) and len(moved(r)) == 2
    assert r.objective == pytest.approx(0.2)
    assert r.breakdown["after"]["preferences"] == 0.0


def test_preference_rank_and_only_listed_places() -> None:
    pos = [{"position_id": "P1", "unit_id": "U1", "workload_hours": 0.0},
           {"position_id": "P2", "unit_id": "U2"}, {"position_id": "P3", "unit_id": "U3"}]  # fmt: skip
    emps = [{"employee_id": "E1", "position_id": "P1", "volunteer": True, "preferences": "P3;U2"}]
    r = solve_checked(make_problem(emps, pos))
    assert moved(r) == {"E1": "P3"}  # rank 1 of 2: no preference cost
    assert r.breakdown["after"]["preferences"] == pytest.approx(0.0)
    # only P2 is short now: the volunteer listed it second (through its unit)
    pos[2]["workload_hours"] = 0.0
    r = solve_checked(make_problem(emps, pos))
    assert moved(r) == {"E1": "P2"}
    assert r.breakdown["after"]["preferences"] == pytest.approx(0.2 * 1 / 2)
    # listed only P3: may not go to P2 although it would balance; stays and the wish is unmet
    emps[0]["preferences"] = "P3"
    r = solve_checked(make_problem(emps, pos))
    assert moved(r) in ({}, {"E1": "P3"})
    assert "P2" not in moved(r).values()
    # unless the policy lets volunteers go anywhere (unlisted costs the full weight)
    r = solve_checked(make_problem(emps, pos, volunteers_only_to_preferences=False))
    assert moved(r) == {"E1": "P2"}
    assert r.breakdown["after"]["preferences"] == pytest.approx(0.2)


def test_voluntary_first_picks_the_volunteer() -> None:
    emps = two_in_p1(e2={"volunteer": True})
    r = solve_checked(make_problem(emps, OVER_EMPTY, preference_weight=0.0))
    assert moved(r) == {"E2": "P2"}  # not E1, although E1 has served longer
    assert r.objective == pytest.approx(0.1)
    r = solve_checked(make_problem(emps, OVER_EMPTY, preference_weight=0.0, voluntary_first=False))
    assert len(moved(r)) == 1  # either: nothing tells them apart


# --- spouses -------------------------------------------------------------------------------------


def spouses() -> list[dict[str, Any]]:
    return two_in_p1(e1={"spouse_id": "E2"})


def test_spouses_soft_separation_cost() -> None:
    r = solve_checked(make_problem(spouses(), OVER_EMPTY))
    assert len(moved(r)) == 1  # gain 2 beats 0.1 + 1 (spouses apart)
    assert r.breakdown["after"]["spouses"] == pytest.approx(1.0)
    assert r.objective == pytest.approx(1.1)
    r = solve_checked(make_problem(spouses(), OVER_EMPTY, spouse_weight=3.0))
    assert moved(r) == {}
    assert r.objective == pytest.approx(2.0)


def test_spouses_hard_move_together_or_not_at_all() -> None:
    r = solve_checked(make_problem(spouses(), OVER_EMPTY, spouses_hard=True))
    assert moved(r) == {}
    # with two empty positions in U2 both move together
    pos = [{"position_id": "P1", "unit_id": "U1", "workload_hours": 0.0},
           {"position_id": "P2", "unit_id": "U2"}, {"position_id": "P3", "unit_id": "U2"}]  # fmt: skip
    r = solve_checked(make_problem(spouses(), pos, spouses_hard=True))
    assert sorted(moved(r).values()) == ["P2", "P3"]
    assert r.objective == pytest.approx(0.2)


def test_spouse_with_a_partner_who_cannot_move() -> None:
    emps = two_in_p1(e1={"spouse_id": "E2"}, e2={"locked": True})
    assert moved(solve_checked(make_problem(emps, OVER_EMPTY, spouses_hard=True))) == {}
    r = solve_checked(make_problem(emps, OVER_EMPTY))
    assert moved(r) == {"E1": "P2"}
    assert r.objective == pytest.approx(1.1)


# --- units: caps and coverage --------------------------------------------------------------------


def three_over() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    emps = [{"employee_id": f"E{i}", "position_id": "P1", "months_in_position": 30.0 + i} for i in range(3)]
    pos = [{"position_id": "P1", "unit_id": "U1"}, {"position_id": "P2", "unit_id": "U2"},
           {"position_id": "P3", "unit_id": "U2"}]  # fmt: skip
    return emps, pos


@pytest.mark.parametrize(("cap", "n"), [(None, 2), (1, 1), (0, 0)])
@pytest.mark.parametrize("which", ["max_moves_out", "max_moves_in"])
def test_unit_caps(which: str, cap: int | None, n: int) -> None:
    emps, pos = three_over()
    unit = "U1" if which == "max_moves_out" else "U2"
    units = [{"unit_id": unit, which: cap}] if cap is not None else None
    r = solve_checked(make_problem(emps, pos, units=units))
    assert len(moved(r)) == n
    assert r.balance_after == pytest.approx({2: 0.0, 1: 2.0, 0: 6.0}[n])


def test_coverage_keeps_the_qualified_employee() -> None:
    emps = two_in_p1(e1={"competencies": "keuangan:4"}, e2={"competencies": "keuangan:1"})
    r = solve_checked(make_problem(emps, OVER_EMPTY))
    assert moved(r) == {"E1": "P2"}
    r = solve_checked(make_problem(emps, OVER_EMPTY, units=[{"unit_id": "U1", "coverage": "keuangan:3x1"}]))
    assert moved(r) == {"E2": "P2"}
    assert r.objective == pytest.approx(0.1)


def test_coverage_that_cannot_hold_is_diagnosed_by_name() -> None:
    emps = two_in_p1(e1={"competencies": "keuangan:4"}, e2={"competencies": "keuangan:1"})
    p = make_problem(emps, OVER_EMPTY, units=[{"unit_id": "U2", "coverage": "keuangan:3x2"}])
    r = solve(p, time_limit=10)
    assert r.status == "infeasible"
    text = " ".join(r.diagnosis)
    assert "coverage" in text and "U2" in text and "keuangan" in text


def test_caps_against_min_staff_are_diagnosed_by_name() -> None:
    emps, pos = three_over()
    pos[1]["min_staff"] = 1
    pos[2]["min_staff"] = 1
    r = solve(make_problem(emps, pos, units=[{"unit_id": "U1", "max_moves_out": 1}]), time_limit=10)
    assert r.status == "infeasible"
    text = " ".join(r.diagnosis)
    assert "max_moves_out" in text and "U1" in text and "min_staff" in text


# --- competency fit, training plan, rotation -----------------------------------------------------


def test_fit_prefers_the_mover_who_meets_the_standard() -> None:
    pos = [dict(OVER_EMPTY[0]), {**OVER_EMPTY[1], "competency_standard": "keuangan:4"}]
    emps = two_in_p1(e1={"competencies": "keuangan:2"}, e2={"competencies": "keuangan:4"})
    r = solve_checked(make_problem(emps, pos, fit_weight=0.05))
    assert moved(r) == {"E2": "P2"}
    assert r.breakdown["after"]["fit"] == 0.0
    assert r.training is not None and r.training.empty
    # only E1 may move: the shortfall of 2 levels is a cost and a training need
    emps[1]["locked"] = True
    r = solve_checked(make_problem(emps, pos, fit_weight=0.05))
    assert moved(r) == {"E1": "P2"}
    assert r.breakdown["after"]["fit"] == pytest.approx(0.1)
    assert r.objective == pytest.approx(0.2)
    assert r.training is not None
    row = r.training.iloc[0]
    assert (row["employee_id"], row["competency"], row["level"], row["standard"], row["gap"]) == (
        "E1", "keuangan", 2, 4, 2,
    )  # fmt: skip
    assert r.training_totals is not None
    assert r.training_totals.iloc[0].to_dict() == {
        "unit_id": "U2",
        "competency": "keuangan",
        "people": 1,
        "levels": 2,
    }
    assert "keuangan 2 -> 4" in r.moves["reason_id"].iloc[0]
    assert set(r.to_dict()) == {"summary", "moves", "positions", "units", "training", "training_totals"}


def test_rotation_nudge_swaps_employees_over_the_limit() -> None:
    emps = [{"employee_id": "E1", "position_id": "P1", "months_in_position": 70.0},
            {"employee_id": "E2", "position_id": "P2", "months_in_position": 80.0}]  # fmt: skip
    pos = [{"position_id": "P1", "unit_id": "U1"}, {"position_id": "P2", "unit_id": "U2"}]
    assert moved(solve_checked(make_problem(emps, pos))) == {}
    r = solve_checked(make_problem(emps, pos, rotation_weight=0.5))
    assert moved(r) == {"E1": "P2", "E2": "P1"}
    assert r.objective == pytest.approx(0.2)
    assert r.breakdown["before"]["rotation"] == pytest.approx(1.0)
    # with move_cost 0 the reward for moving must not be collected by a move home
    r = solve_checked(make_problem(emps[:1], pos[:1], rotation_weight=0.5, move_cost=0.0))
    assert moved(r) == {}
    assert r.objective == pytest.approx(0.5)


def test_reasons_in_both_languages() -> None:
    r = solve_checked(make_problem(two_in_p1(e1={"volunteer": True}), OVER_EMPTY))
    row = r.moves.iloc[0]
    assert row["reason"] == row["reason_id"]
    assert "kelebihan" in row["reason_id"] and "atas permintaan sendiri" in row["reason_id"]
    assert "over-staffed" in row["reason_en"] and "at own request" in row["reason_en"]


# --- why-not and frontier ------------------------------------------------------------------------


def test_why_not_forbidden_names_the_rules() -> None:
    p = make_problem(two_in_p1(e2={"discipline": True}), OVER_EMPTY)
    r = solve_checked(p)
    a = why_not(p, r, "E2", "P2", lang="en")
    assert a.verdict == "forbidden"
    assert "discipline" in [r for r, _ in a.rules]
    assert math.isnan(a.cost)
    assert "discipline" in a.message


def test_why_not_costly_is_the_exact_forced_optimum() -> None:
    pos = [{"position_id": "P1", "unit_id": "U1"}, {"position_id": "P2", "unit_id": "U2"},
           {"position_id": "P3", "unit_id": "U3", "workload_hours": 0.0}]  # fmt: skip
    p = make_problem(two_in_p1(), pos)
    r = solve_checked(p)
    assert moved(r) == {"E1": "P2"}
    a = why_not(p, r, "E2", "P3")
    # forced: E2 -> P3 (B: P1 0, P2 1, P3 1 = 2, or E1 also to P2: P1 1, P2 0, P3 1 = 2, 2 moves)
    assert a.verdict == "costly"
    assert a.objective_plan == pytest.approx(0.1)
    assert a.objective_forced == pytest.approx(2.1)
    assert a.cost == pytest.approx(2.0)
    assert "balance" in a.worse_terms()
    assert a.to_dict()["verdict"] == "costly"
    assert why_not(p, r, "E1", "U2").verdict == "in_plan"


def test_frontier_is_non_increasing_with_tight_bounds() -> None:
    emps = [{"employee_id": f"E{i}", "position_id": "P1"} for i in range(6)]
    pos = [{"position_id": "P1", "unit_id": "U1"}] + [
        {"position_id": f"P{j}", "unit_id": f"U{j}"} for j in range(2, 6)
    ]
    f = frontier(make_problem(emps, pos), [0, 1, 2, 3, 10])
    bal = f.points["balance"].tolist()
    assert bal == pytest.approx([25 + 4, 16 + 3, 9 + 2, 4 + 1, 1.0])
    assert all(b1 >= b2 for b1, b2 in itertools.pairwise(bal))
    assert (f.points["bound"] <= f.points["balance"] + 1e-9).all()
    assert ((f.points["balance"] - f.points["bound"]) <= 0.01 * f.points["balance"].clip(lower=1)).all()
    assert f.points["moves"].tolist() == [0, 1, 2, 3, 4]
    assert set(f.to_dict()) == {"points"}


def test_coverage_of_one_competency_at_two_levels() -> None:
    emps = two_in_p1(e1={"competencies": "keuangan:4"}, e2={"competencies": "keuangan:3"})
    units = [{"unit_id": "U1", "coverage": "keuangan:3x1;keuangan:4x1"}]
    r = solve_checked(make_problem(emps, OVER_EMPTY, units=units))
    assert moved(r) == {"E2": "P2"}  # E1 is the only one at level 4
