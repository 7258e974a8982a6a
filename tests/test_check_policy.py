"""The independent verifier on the full mutasi policy: one tiny problem per rule and term.

Every problem is built with :meth:`asn_balance.Problem.from_frames` (so the tables are
canonical) and checked against hand-made plans: an allowed plan reports nothing, a
forbidden one reports exactly the rule under test. The objective terms are computed by
hand.

The base layout: positions ``P1`` and ``P2`` in unit ``U1``, ``P3`` in unit ``U2``, each
with a need of one FTE and the same jabatan; employees default to movable PNS with 36
months in position, grade III/b and education S1.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest

from asn_balance import Policy, Problem
from asn_balance.check import CHECKED_RULES, PLAN_RULES, CheckReport, check
from asn_balance.model.policy import RULES, TERMS

PLAN_DATE = dt.date(2026, 1, 15)

EMPLOYEE_DEFAULTS: dict[str, Any] = {
    "status": "PNS",
    "grade": "III/b",
    "education": "S1",
    "competencies": "",
    "months_in_position": 36.0,
    "locked": False,
}
POSITION_DEFAULTS: dict[str, Any] = {"jabatan": "Analis", "workload_hours": 1250.0}
BASE_POSITIONS: list[dict[str, Any]] = [
    {"position_id": "P1", "unit_id": "U1"},
    {"position_id": "P2", "unit_id": "U1"},
    {"position_id": "P3", "unit_id": "U2"},
]


def build(
    employees: list[dict[str, Any]],
    positions: list[dict[str, Any]] | None = None,
    units: list[dict[str, Any]] | None = None,
    **policy: Any,
) -> Problem:
    """A canonical problem; employees default to E1, E2, ... in P1."""
    emp = pd.DataFrame(
        [
            {"employee_id": f"E{i + 1}", "position_id": "P1", **EMPLOYEE_DEFAULTS, **row}
            for i, row in enumerate(employees)
        ]
    )
    pos = pd.DataFrame([{**POSITION_DEFAULTS, **row} for row in (positions or BASE_POSITIONS)])
    uni = pd.DataFrame(units) if units is not None else None
    policy.setdefault("plan_date", PLAN_DATE)
    return Problem.from_frames(emp, pos, tasks=None, policy=Policy(**policy), units=uni)


def plan(*moves: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(list(moves), columns=["employee_id", "to_position"])


def rules_of(report: CheckReport) -> list[str]:
    return [v.rule for v in report.violations]


def assert_only(report: CheckReport, rule: str, subject: str) -> str:
    """Exactly one violation, of ``rule`` about ``subject``; returns its message."""
    assert [(v.rule, v.subject) for v in report.violations] == [(rule, subject)], str(report)
    assert not report.ok
    return report.violations[0].message


def assert_ok(report: CheckReport) -> None:
    assert report.ok, str(report)
    assert report.violations == []


# --------------------------------------------------------------------------- rule names


def test_rule_lists() -> None:
    assert set(CHECKED_RULES) <= set(RULES)
    assert set(RULES) - set(CHECKED_RULES) == {"forced_move"}  # a why-not device, not a rule
    assert not set(PLAN_RULES) & set(RULES)
    new = {"discipline", "study_leave", "retirement_buffer", "volunteers_only_to_preferences",
           "spouse_same_unit", "max_moves_out", "max_moves_in", "coverage", "voluntary_first"}  # fmt: skip
    assert new <= set(CHECKED_RULES)


# --------------------------------------------------------------------------- discipline, study leave


@pytest.mark.parametrize("rule", ["discipline", "study_leave"])
def test_exclusion(rule: str) -> None:
    problem = build([{rule: True}, {}])
    assert_ok(check(problem, plan(("E2", "P2"))))
    message = assert_only(check(problem, plan(("E1", "P2"))), rule, "E1")
    assert "E1" in message and "P2" in message and f"({rule})" in message
    # people who stay are never checked
    assert_ok(check(problem, plan()))


# --------------------------------------------------------------------------- retirement buffer


@pytest.mark.parametrize(
    ("birth", "bup", "buffer", "near"),
    [
        ("1969-01-15", None, 12, True),  # retires 2027-01-15 = plan date + 12 months: on it
        ("1969-01-16", None, 12, False),  # one day later
        ("1968-12-31", None, 12, True),  # earlier month
        ("1969-02-01", None, 12, False),  # later month
        ("1967-03-01", None, 12, True),  # BUP 58: retired in 2025 already
        ("1967-03-01", 60.0, 12, False),  # BUP 60 of the current position: 2027-03
        ("1967-01-15", 60.0, 12, True),  # BUP 60: 2027-01-15, on the limit
        ("1968-01-15", None, 0, True),  # no buffer: retires on the plan date itself
        ("1968-01-16", None, 0, False),
        ("1968-06-15", None, 6, True),  # 2026-06-15 <= 2026-07-15
        ("1968-08-01", None, 6, False),
        (None, None, 600, False),  # no birth date: never excluded
    ],
)
def test_retirement_buffer(birth: str | None, bup: float | None, buffer: int, near: bool) -> None:
    positions = [dict(p) for p in BASE_POSITIONS]
    positions[0]["retirement_age"] = bup if bup is not None else np.nan
    positions[1]["retirement_age"] = 65.0  # the target's BUP does not matter
    born = pd.Timestamp(birth) if birth is not None else pd.NaT
    problem = build([{"birth_date": born}], positions, retirement_buffer_months=buffer)
    report = check(problem, plan(("E1", "P2")))
    if near:
        message = assert_only(report, "retirement_buffer", "E1")
        assert str(PLAN_DATE) in message
    else:
        assert_ok(report)


def test_retirement_across_the_year_end() -> None:
    # plan date 2026-11-20 + 3 months = 2027-02-20
    problem = build(
        [{"birth_date": pd.Timestamp("1969-02-20")}, {"birth_date": pd.Timestamp("1969-02-21")}],
        plan_date=dt.date(2026, 11, 20),
        retirement_buffer_months=3,
    )
    report = check(problem, plan(("E1", "P2"), ("E2", "P3")))
    assert_only(report, "retirement_buffer", "E1")


def test_retirement_uses_the_policy_age() -> None:
    problem = build([{"birth_date": pd.Timestamp("1962-01-16")}], retirement_age=65)  # 2027-01-16
    assert_ok(check(problem, plan(("E1", "P2"))))
    problem = build([{"birth_date": pd.Timestamp("1962-01-15")}], retirement_age=65)
    message = assert_only(check(problem, plan(("E1", "P2"))), "retirement_buffer", "E1")
    assert "65" in message and "policy" in message


# --------------------------------------------------------------------------- volunteers and wishes


def test_volunteers_only_to_preferences() -> None:
    problem = build([{"volunteer": True, "preferences": "U2"}, {"preferences": "P3"}])
    assert_ok(check(problem, plan(("E1", "P3"))))  # P3 is in the listed unit U2
    message = assert_only(check(problem, plan(("E1", "P2"))), "volunteers_only_to_preferences", "E1")
    assert "'U2'" in message and "U1" in message
    assert_ok(check(problem, plan(("E2", "P2"))))  # not a volunteer: wishes are only a cost
    off = build(
        [{"volunteer": True, "preferences": "U2"}, {"preferences": "P3"}],
        volunteers_only_to_preferences=False,
    )
    assert_ok(check(off, plan(("E1", "P2"))))


def test_volunteer_without_a_list_may_go_anywhere() -> None:
    problem = build([{"volunteer": True}])
    assert_ok(check(problem, plan(("E1", "P2"))))


def test_position_entry_matches_the_position_only() -> None:
    problem = build([{"volunteer": True, "preferences": "P3"}, {"volunteer": True, "preferences": "P3"}])
    assert_ok(check(problem, plan(("E1", "P3"))))
    assert_only(check(problem, plan(("E2", "P2"))), "volunteers_only_to_preferences", "E2")


# --------------------------------------------------------------------------- voluntary first


def voluntary(volunteer: dict[str, Any] | None = None, **policy: Any) -> Problem:
    """E1 a non-volunteer in P1, E2 a volunteer in P1, E3 in P3."""
    return build(
        [{}, {"volunteer": True, **(volunteer or {})}, {"position_id": "P3"}],
        **policy,
    )


def test_voluntary_first() -> None:
    problem = voluntary()
    assert_ok(check(problem, plan(("E2", "P2"))))
    message = assert_only(check(problem, plan(("E1", "P2"))), "voluntary_first", "E1")
    assert "volunteer E2" in message and "P1" in message
    # the volunteer moves elsewhere at the same time: no longer someone who stays
    assert_ok(check(problem, plan(("E1", "P2"), ("E2", "P3"))))
    # a non-volunteer of another position is not compared
    assert_ok(check(problem, plan(("E3", "P2"))))
    assert_ok(check(voluntary(voluntary_first=False), plan(("E1", "P2"))))


@pytest.mark.parametrize(
    ("volunteer", "positions", "policy"),
    [
        ({"locked": True}, None, {}),
        ({"status": "CPNS"}, None, {}),
        ({"status": "PPPK"}, None, {}),
        ({"discipline": True}, None, {}),
        ({"study_leave": True}, None, {}),
        ({"months_in_position": 12.0}, None, {}),
        ({"birth_date": pd.Timestamp("1968-01-15")}, None, {}),
        ({"grade": "III/a"}, [{"position_id": "P2", "min_grade": "III/b"}], {}),
        ({"grade": "IV/a"}, [{"position_id": "P2", "max_grade": "III/d"}], {}),
        ({"education": "D3"}, [{"position_id": "P2", "min_education": "S1"}], {}),
        ({"competencies": "hukum:1"}, [{"position_id": "P2", "required_competencies": "hukum:2"}], {}),
        ({"preferences": "P3"}, None, {}),  # the volunteer may not go to P2
        ({"spouse_id": "E3"}, None, {}),  # a spouse link, even to another unit
    ],
)
def test_voluntary_first_only_counts_volunteers_who_could_move(
    volunteer: dict[str, Any], positions: list[dict[str, Any]] | None, policy: dict[str, Any]
) -> None:
    pos = [dict(p) for p in BASE_POSITIONS]
    for change in positions or []:
        next(p for p in pos if p["position_id"] == change["position_id"]).update(change)
    emps = [
        {"grade": "III/b", "competencies": "hukum:3"},
        {"volunteer": True, **volunteer},
        {"position_id": "P3"},
    ]
    problem = build(emps, pos, **policy)
    assert_ok(check(problem, plan(("E1", "P2"))))
    # the same volunteer without the obstacle makes the move a violation
    plain = build([emps[0], {"volunteer": True, "competencies": "hukum:3"}, emps[2]], pos, **policy)
    assert_only(check(plain, plan(("E1", "P2"))), "voluntary_first", "E1")


def test_voluntary_first_with_jabatan() -> None:
    positions = [dict(p) for p in BASE_POSITIONS]
    positions[1]["jabatan"] = "Pranata"
    problem = build([{}, {"volunteer": True}], positions, allow_jabatan_change=True)
    assert_only(check(problem, plan(("E1", "P2"))), "voluntary_first", "E1")
    strict = build([{}, {"volunteer": True}], positions)
    assert rules_of(check(strict, plan(("E1", "P2")))) == ["same_jabatan"]  # neither may move there


def test_voluntary_first_lists_every_volunteer() -> None:
    problem = build([{}, {"volunteer": True}, {"volunteer": True, "preferences": "U1"}])
    message = assert_only(check(problem, plan(("E1", "P2"))), "voluntary_first", "E1")
    assert "volunteers E2, E3" in message


def swap_case(
    n: dict[str, Any], v: dict[str, Any], positions: list[dict[str, Any]] | None = None, **policy: Any
) -> Problem:
    """N, a non-volunteer, and V, a volunteer, both in P1; S in P2."""
    rows = [
        {"employee_id": "N", **n},
        {"employee_id": "V", "volunteer": True, **v},
        {"employee_id": "S", "position_id": "P2"},
    ]
    return build(rows, positions, **policy)


def test_voluntary_first_swap_must_not_raise_the_fit_cost() -> None:
    positions = [dict(p) for p in BASE_POSITIONS]
    positions[2]["competency_standard"] = "hukum:5"
    # V falls 5 levels short of P3's standard, N none: swapping costs 5 x fit_weight and
    # saves the unmet wish of V (preference_weight 0.2)
    dear = swap_case({"competencies": "hukum:5"}, {}, positions, fit_weight=1.0)
    report = check(dear, plan(("N", "P3")))
    assert_ok(report)
    assert report.terms["fit"] == 0.0
    cheap = swap_case({"competencies": "hukum:5"}, {}, positions, fit_weight=0.02)  # 0.1 < 0.2
    assert_only(check(cheap, plan(("N", "P3"))), "voluntary_first", "N")


def test_voluntary_first_swap_must_not_raise_the_rotation_cost() -> None:
    n = {"months_in_position": 100.0}
    assert_ok(check(swap_case(n, {}, rotation_weight=0.5), plan(("N", "P3"))))
    assert_only(check(swap_case(n, {}, rotation_weight=0.1), plan(("N", "P3"))), "voluntary_first", "N")
    # both overdue: the swap changes nothing there
    both = swap_case(n, {"months_in_position": 100.0}, rotation_weight=0.5)
    assert_only(check(both, plan(("N", "P3"))), "voluntary_first", "N")


def test_voluntary_first_on_a_tie() -> None:
    # no wish weight: the swap leaves the objective exactly as it is; the volunteer goes first
    problem = swap_case({}, {}, preference_weight=0.0)
    assert_only(check(problem, plan(("N", "P3"))), "voluntary_first", "N")


def test_voluntary_first_keeps_the_movers_spouse() -> None:
    # N and S (in P2, unit U1) are spouses and move to U2 together
    n = {"spouse_id": "S"}
    together = plan(("N", "P3"), ("S", "P3"))
    assert_ok(check(swap_case(n, {}), together))  # a swap would split them (spouse_weight 1)
    assert_ok(check(swap_case(n, {}, spouse_weight=0.0, spouses_hard=True), together))
    assert_only(check(swap_case(n, {}, spouse_weight=0.1), together), "voluntary_first", "N")
    # N leaving alone splits them: the swap reunites them, all the more reason for it
    assert rules_of(check(swap_case(n, {}), plan(("N", "P3")))) == ["voluntary_first"]


def test_voluntary_first_keeps_the_coverage() -> None:
    units = [{"unit_id": "U2", "coverage": "keuangan:3x1"}]
    problem = swap_case({"competencies": "keuangan:3"}, {}, units=units)
    assert_ok(check(problem, plan(("N", "P3"))))  # V would leave U2 without keuangan 3
    qualified = swap_case({"competencies": "keuangan:3"}, {"competencies": "keuangan:4"}, units=units)
    assert_only(check(qualified, plan(("N", "P3"))), "voluntary_first", "N")
    # a move inside a unit changes no unit's coverage
    inside = swap_case(
        {"competencies": "keuangan:3"}, {}, units=[{"unit_id": "U1", "coverage": "keuangan:3x1"}]
    )
    assert_only(check(inside, plan(("N", "P2"))), "voluntary_first", "N")


# --------------------------------------------------------------------------- spouses


def spouses(e2_position: str = "P2", **policy: Any) -> Problem:
    """E1 in P1 names E2 as spouse (E2 leaves the cell blank)."""
    return build([{"spouse_id": "E2"}, {"position_id": e2_position}, {"position_id": "P3"}], **policy)


def test_spouse_same_unit() -> None:
    problem = spouses(spouses_hard=True)
    assert_ok(check(problem, plan(("E1", "P2"))))  # both stay in U1
    assert_ok(check(problem, plan(("E1", "P3"), ("E2", "P3"))))  # both go to U2
    message = assert_only(check(problem, plan(("E1", "P3"))), "spouse_same_unit", "E1")
    assert "E1" in message and "E2" in message and "U1" in message and "U2" in message
    # the link counts both ways: E2 moving alone breaks it too; subject is the first of the pair
    assert_only(check(problem, plan(("E2", "P3"))), "spouse_same_unit", "E1")
    # soft spouses: a cost, not a violation
    assert_ok(check(spouses(), plan(("E1", "P3"))))


def test_spouses_in_different_units_before_are_not_a_pair() -> None:
    problem = spouses("P3", spouses_hard=True)
    report = check(problem, plan(("E1", "P2")))
    assert_ok(report)
    assert report.terms["spouses"] == 0.0
    # and they may be separated further or joined
    assert_ok(check(problem, plan(("E3", "P1"), ("E2", "P2"))))


# --------------------------------------------------------------------------- unit caps and coverage


def test_max_moves_out() -> None:
    units = [{"unit_id": "U1", "max_moves_out": 1}]
    problem = build([{}, {}, {"position_id": "P3"}], units=units)
    assert_ok(check(problem, plan(("E1", "P2"), ("E3", "P1"))))  # one leaves U1's positions
    # a move inside the unit counts as leaving a position of it
    message = assert_only(check(problem, plan(("E1", "P2"), ("E2", "P3"))), "max_moves_out", "U1")
    assert "2 employees leave" in message and "max_moves_out 1" in message


def test_max_moves_in() -> None:
    units = [{"unit_id": "U2", "max_moves_in": 1}, {"unit_id": "U1", "max_moves_in": 0}]
    problem = build([{}, {}, {}], units=units)
    message = assert_only(check(problem, plan(("E1", "P3"), ("E2", "P3"))), "max_moves_in", "U2")
    assert "2 employees enter" in message
    assert_ok(check(problem, plan(("E1", "P3"))))
    assert_only(check(problem, plan(("E1", "P2"))), "max_moves_in", "U1")  # cap 0, within the unit


def test_coverage() -> None:
    units = [{"unit_id": "U1", "coverage": "keuangan:3x1"}, {"unit_id": "U2", "coverage": ""}]
    problem = build([{"competencies": "keuangan:3"}, {"competencies": "keuangan:2"}], units=units)
    assert_ok(check(problem, plan(("E1", "P2"))))  # still in U1
    assert_ok(check(problem, plan(("E2", "P3"))))
    message = assert_only(check(problem, plan(("E1", "P3"))), "coverage", "U1")
    assert "0 staff with keuangan at level 3" in message and "before the plan: 1" in message


def test_coverage_counts_and_several_levels() -> None:
    units: list[dict[str, Any]] = [{"unit_id": "U2", "coverage": "keuangan:3x2;keuangan:5x1"}]
    emps = [{"competencies": "keuangan:5"}, {"competencies": "keuangan:3"}, {"competencies": "keuangan:4"}]
    problem = build(emps, units=units)
    assert_ok(check(problem, plan(("E1", "P3"), ("E2", "P3"))))
    # keuangan:3x2 holds (E2, E3), keuangan:5x1 fails
    report = check(problem, plan(("E2", "P3"), ("E3", "P3")))
    assert_only(report, "coverage", "U2")
    assert "level 5" in report.violations[0].message
    # a coverage the current staffing misses is a violation even of the empty plan
    assert rules_of(check(problem, plan())) == ["coverage", "coverage"]


def test_units_table_row_order_and_section() -> None:
    units: list[dict[str, Any]] = [
        {"unit_id": "U2", "coverage": "hukum:1x1"},
        {"unit_id": "U1", "max_moves_out": 0},
    ]
    problem = build([{"spouse_id": "E2"}, {}], units=units, max_moves=0, spouses_hard=True)
    report = check(problem, plan(("E1", "P3"), ("E2", "P9")))
    assert [(v.rule, v.subject) for v in report.violations] == [
        ("unknown_position", "E2"),
        ("coverage", "U2"),
        ("max_moves_out", "U1"),
        ("spouse_same_unit", "E1"),
        ("max_moves", "plan"),
    ]


# --------------------------------------------------------------------------- objective terms


def test_terms_by_hand() -> None:
    positions: list[dict[str, Any]] = [
        {"position_id": "P1", "unit_id": "U1", "workload_hours": 2500.0},  # need 2
        {"position_id": "P2", "unit_id": "U1"},
        {"position_id": "P3", "unit_id": "U2", "competency_standard": "keuangan:4;hukum:2"},
    ]
    emps: list[dict[str, Any]] = [
        {"volunteer": True, "preferences": "P2;U2;P2;P3", "competencies": "keuangan:2"},  # k = 3
        {"volunteer": True},  # stays: one unmet wish
        {"preferences": "U1", "competencies": "hukum:3;keuangan:5"},  # not a volunteer
        {"position_id": "P2", "months_in_position": 100.0},  # overdue, stays
        {"position_id": "P3", "months_in_position": 70.0, "spouse_id": "E6"},  # overdue, moves
        {"position_id": "P3"},
    ]
    weights: dict[str, Any] = {
        "move_cost": 0.1,
        "preference_weight": 0.3,
        "spouse_weight": 2.0,
        "fit_weight": 0.05,
        "rotation_weight": 0.7,
        "voluntary_first": False,
    }
    problem = build(emps, positions, **weights)
    report = check(problem, plan(("E1", "P3"), ("E3", "P3"), ("E5", "P2")))
    assert_ok(report)
    # staff after: P1 {E2} (need 2), P2 {E4, E5}, P3 {E6, E1, E3}
    balance = (1 - 2) ** 2 / 2 + (2 - 1) ** 2 / 1 + (3 - 1) ** 2 / 1
    expected = {
        "balance": balance,
        "moves": 0.1 * 3,
        # E2 stays (1); E1 to P3: U2 at rank 2 of 3 entries, (2-1)/3; E3 to P3 not listed (1)
        "preferences": 0.3 * (1 + 1 / 3 + 1),
        "spouses": 2.0 * 1,  # E5 to U1, E6 stays in U2
        "fit": 0.05 * ((4 - 2) + (2 - 0)),  # E1 short of keuangan 4 and hukum 2; E3 meets both
        "rotation": 0.7 * 1,  # E4
    }
    assert list(report.terms) == list(TERMS) == list(expected)
    assert report.terms == pytest.approx(expected, rel=1e-12)
    assert report.objective == pytest.approx(sum(expected.values()), rel=1e-12)
    assert report.objective == sum(report.terms.values())
    assert report.balance == report.terms["balance"]


def test_preference_rank_takes_the_best_matching_entry() -> None:
    # P3 matches entry U2 (rank 3) and entry P3 (rank 1); P2 matches U1 (rank 2) only
    emps = [{"preferences": "P3;U1;U2;P1"}, {"preferences": "P3;U1;U2;P1"}]
    problem = build(emps, preference_weight=1.0)
    assert check(problem, plan(("E1", "P3"))).terms["preferences"] == 0.0
    assert check(problem, plan(("E1", "P2"))).terms["preferences"] == pytest.approx(1 / 4)
    both = check(problem, plan(("E1", "P2"), ("E2", "P3")))
    assert both.terms["preferences"] == pytest.approx(1 / 4)
    assert check(problem, plan()).terms["preferences"] == 0.0  # non-volunteers who stay cost nothing


def test_volunteer_who_stays_costs_the_full_weight() -> None:
    problem = build([{"volunteer": True}, {"volunteer": True, "preferences": "P2"}], preference_weight=0.4)
    assert check(problem, plan()).terms["preferences"] == pytest.approx(0.8)
    assert check(problem, plan(("E2", "P2"))).terms["preferences"] == pytest.approx(0.4)
    assert check(problem, plan(("E1", "P3"), ("E2", "P2"))).terms["preferences"] == 0.0


def test_spouse_term_counts_pairs_once() -> None:
    # E1 and E2 name each other; E3 names E4 (both in U1); E5 in U2 names E4 too (not the same unit)
    emps = [
        {"spouse_id": "E2"},
        {"spouse_id": "E1", "position_id": "P2"},
        {"spouse_id": "E4"},
        {"position_id": "P2"},
        {"position_id": "P3", "spouse_id": "E4"},
    ]
    problem = build(emps, spouse_weight=1.5)
    assert check(problem, plan(("E1", "P3"), ("E3", "P3"))).terms["spouses"] == pytest.approx(3.0)
    assert check(problem, plan(("E1", "P3"), ("E2", "P3"))).terms["spouses"] == 0.0
    assert check(problem, plan(("E2", "P3"))).terms["spouses"] == pytest.approx(1.5)
    assert check(problem, plan(("E4", "P3"))).terms["spouses"] == pytest.approx(1.5)  # E3-E4 only


def test_fit_counts_only_movers_and_the_target_standard() -> None:
    positions = [
        {"position_id": "P1", "unit_id": "U1", "competency_standard": "hukum:5"},  # the origin
        {"position_id": "P2", "unit_id": "U1", "competency_standard": "hukum:3;it:1"},
        {"position_id": "P3", "unit_id": "U2"},
    ]
    problem = build([{"competencies": "hukum:1;keuangan:5"}, {}], positions, fit_weight=0.5)
    assert check(problem, plan()).terms["fit"] == 0.0
    assert check(problem, plan(("E1", "P2"))).terms["fit"] == pytest.approx(0.5 * (2 + 1))
    assert check(problem, plan(("E1", "P2"), ("E2", "P2"))).terms["fit"] == pytest.approx(0.5 * (3 + 4))
    assert check(problem, plan(("E1", "P3"))).terms["fit"] == 0.0


def test_rotation_counts_overdue_employees_who_stay() -> None:
    emps = [{"months_in_position": 61.0}, {"months_in_position": 60.0}, {"months_in_position": 200.0}]
    problem = build(emps, rotation_weight=0.25)
    assert check(problem, plan()).terms["rotation"] == pytest.approx(0.5)  # E1 and E3; 60 is not over
    assert check(problem, plan(("E3", "P2"))).terms["rotation"] == pytest.approx(0.25)
    assert check(problem, plan(("E1", "P2"), ("E3", "P3"))).terms["rotation"] == 0.0
    later = build(emps, rotation_weight=0.25, max_months_in_position=100)
    assert check(later, plan()).terms["rotation"] == pytest.approx(0.25)


# --------------------------------------------------------------------------- defaults, old problems


def test_default_policy_without_policy_columns_keeps_the_old_objective() -> None:
    problem = build([{}, {}, {"months_in_position": 100.0}])
    report = check(problem, plan(("E1", "P2"), ("E2", "P3")))
    assert_ok(report)
    assert report.terms == {"balance": report.balance, "moves": 0.1 * 2, "preferences": 0.0,
                            "spouses": 0.0, "fit": 0.0, "rotation": 0.0}  # fmt: skip
    assert report.objective == report.balance + 0.1 * 2


@dataclass
class OldProblem:
    """A problem object of the old shape: no units, no policy columns."""

    employees: pd.DataFrame
    positions: pd.DataFrame
    tasks: pd.DataFrame
    policy: Policy = field(default_factory=Policy)


def test_problem_without_units_and_policy_columns() -> None:
    full = build(
        [
            {"discipline": True, "volunteer": True, "preferences": "P3", "spouse_id": "E2"},
            {"position_id": "P2"},
        ],
        units=[{"unit_id": "U1", "max_moves_out": 0, "coverage": "hukum:1x1"}],
        spouses_hard=True,
    )
    assert set(rules_of(check(full, plan(("E1", "P3"))))) == {
        "discipline", "coverage", "max_moves_out", "spouse_same_unit"
    }  # fmt: skip
    policy_columns = ["birth_date", "discipline", "study_leave", "volunteer", "preferences", "spouse_id"]
    old = OldProblem(
        employees=full.employees.drop(columns=policy_columns),
        positions=full.positions.drop(columns=["retirement_age", "competency_standard"]),
        tasks=full.tasks,
        policy=full.policy,
    )
    report = check(old, plan(("E1", "P3")))  # type: ignore[arg-type]
    assert_ok(report)
    assert report.terms["preferences"] == 0.0 and report.terms["spouses"] == 0.0
    assert math.isclose(report.objective, report.balance + 0.1)


# --------------------------------------------------------------------------- against the planner's terms


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_terms_agree_with_the_planners_terms(seed: int) -> None:
    """The terms recomputed here equal those of :mod:`asn_balance.evaluate.terms` on random plans."""
    from asn_balance.datasets import synth
    from asn_balance.evaluate.terms import plan_terms

    tables = synth.generate(400, seed=seed, policy_columns=True)
    problem = Problem.read(tables).with_policy(
        plan_date=PLAN_DATE, rotation_weight=0.3, fit_weight=0.1, spouse_weight=0.7, preference_weight=0.4
    )
    rng = np.random.default_rng(seed)
    e = rng.choice(problem.n_employees, size=60, replace=False)
    t = rng.integers(0, problem.n_positions, size=60)
    keep = t != problem.employee_position[e]
    e, t = e[keep], t[keep]
    moves = plan(*zip(problem.employee_index[e], problem.position_index[t], strict=True))
    report = check(problem, moves)
    want = plan_terms(problem, e, t)
    assert report.terms == pytest.approx({k: want[k] for k in TERMS}, rel=1e-9, abs=1e-12)
    assert report.objective == pytest.approx(want["objective"], rel=1e-9)
    assert report.terms["preferences"] > 0 and report.terms["fit"] > 0 and report.terms["rotation"] > 0
