"""Each hard rule and each objective term on tiny problems with hand-computed optima.

The standard scene: P1 needs 1 FTE (1,250 h) and holds E1 and E2, P2 needs 1 FTE and is
empty. Doing nothing gives B = (2-1)^2/1 + (0-1)^2/1 = 2; moving one person gives B = 0,
so with the default move cost 0.1 the objective drops from 2.0 to 0.1. Each rule is shown
three ways: the move allowed (objective 0.1), forbidden (objective 2.0) and, where a
policy switch exists, the difference the switch makes.
"""

from __future__ import annotations

from typing import Any

import pytest

from asn_balance import RULES, Problem, check
from conftest import make_problem, solve_checked

STAY = 2.0  # B with nobody moving
MOVE = 0.1  # B = 0 after one move, plus the default move cost


def scene(
    e1: dict[str, Any] | None = None,
    e2: dict[str, Any] | None = None,
    p1: dict[str, Any] | None = None,
    p2: dict[str, Any] | None = None,
    **policy: Any,
) -> Problem:
    """The standard scene with cell overrides for E1, E2, P1, P2."""
    return make_problem(
        [
            {"employee_id": "E1", "position_id": "P1", **(e1 or {})},
            {"employee_id": "E2", "position_id": "P1", **(e2 or {})},
        ],
        [{"position_id": "P1", **(p1 or {})}, {"position_id": "P2", **(p2 or {})}],
        **policy,
    )


def moved(result: Any) -> dict[str, str]:
    """The plan as ``{employee_id: to_position}``."""
    return dict(zip(result.moves["employee_id"], result.moves["to_position"], strict=True))


def assert_stays(problem: Problem) -> None:
    result = solve_checked(problem)
    assert result.status == "optimal"
    assert moved(result) == {}
    assert result.objective == pytest.approx(STAY, rel=1e-12)
    assert result.balance_after == pytest.approx(STAY, rel=1e-12)


def assert_one_move(problem: Problem, who: str | None = None) -> None:
    result = solve_checked(problem)
    assert result.status == "optimal"
    plan = moved(result)
    assert len(plan) == 1 and set(plan.values()) == {"P2"}
    if who is not None:
        assert plan == {who: "P2"}
    assert result.balance_after == pytest.approx(0.0, abs=1e-12)
    assert result.objective == pytest.approx(MOVE, rel=1e-12)
    assert result.bound <= result.objective


def test_standard_scene_by_hand(surplus_shortage: Problem) -> None:
    """The scene itself: B = 2 before, one move, B = 0, objective 0.1; the result's tables agree."""
    result = solve_checked(surplus_shortage)
    assert result.balance_before == STAY
    assert_one_move(surplus_shortage, who="E1")  # equal months: the smaller id moves
    pos = result.positions.set_index("position_id")
    assert pos["staff_before"].to_dict() == {"P1": 2, "P2": 0}
    assert pos["staff_after"].to_dict() == {"P1": 1, "P2": 1}
    assert pos["need_fte"].to_dict() == {"P1": 1.0, "P2": 1.0}
    assert pos["direction_before"].to_dict() == {"P1": "lebih", "P2": "kurang"}
    assert pos["direction_after"].to_dict() == {"P1": "pas", "P2": "pas"}
    row = result.moves.iloc[0]
    assert (row["from_position"], row["to_position"], row["jabatan_from"], row["jabatan_to"]) == (
        "P1", "P2", "Analis", "Analis",
    )  # fmt: skip
    assert isinstance(row["reason"], str) and row["reason"]
    assert result.units["staff_after"].tolist() == [2]


# (rule, overrides that forbid the move for both E1 and E2, overrides that allow it)
CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("cpns_stays", {"emp": {"status": "CPNS"}}, {"emp": {"status": "PNS"}}),
    ("pppk_stays", {"emp": {"status": "PPPK"}}, {"emp": {"status": "PPPK"}, "policy": {"allow_pppk": True}}),
    ("locked", {"emp": {"locked": True}}, {"emp": {"locked": False}}),
    ("min_months_in_position", {"emp": {"months_in_position": 23.5}}, {"emp": {"months_in_position": 24.0}}),
    (
        "min_months_in_position",
        {"emp": {"months_in_position": 11.0}, "policy": {"min_months_in_position": 12}},
        {"emp": {"months_in_position": 12.0}, "policy": {"min_months_in_position": 12}},
    ),
    (
        "same_jabatan",
        {"p2": {"jabatan": "Pranata"}},
        {"p2": {"jabatan": "Pranata"}, "policy": {"allow_jabatan_change": True}},
    ),
    ("min_grade", {"emp": {"grade": "III/b"}, "p2": {"min_grade": "III/c"}},
     {"emp": {"grade": "III/c"}, "p2": {"min_grade": "III/c"}}),
    ("min_grade", {"emp": {"grade": ""}, "p2": {"min_grade": "I/a"}},
     {"emp": {"grade": "IV/e"}, "p2": {"min_grade": "I/a"}}),
    ("max_grade", {"emp": {"grade": "III/b"}, "p2": {"max_grade": "III/a"}},
     {"emp": {"grade": "III/a"}, "p2": {"max_grade": "III/a"}}),
    ("max_grade", {"emp": {"grade": ""}, "p2": {"max_grade": "IV/e"}},
     {"emp": {"grade": "I/a"}, "p2": {"max_grade": "IV/e"}}),
    ("min_education", {"emp": {"education": "D3"}, "p2": {"min_education": "S1"}},
     {"emp": {"education": "S1"}, "p2": {"min_education": "S1"}}),
    ("min_education", {"emp": {"education": ""}, "p2": {"min_education": "SD"}},
     {"emp": {"education": "S3"}, "p2": {"min_education": "SD"}}),
    (
        "required_competencies",
        {"emp": {"competencies": "keuangan:3"}, "p2": {"required_competencies": "keuangan:3;hukum:1"}},
        {"emp": {"competencies": "hukum:2;keuangan:4"},
         "p2": {"required_competencies": "keuangan:3;hukum:1"}},
    ),
    (
        "required_competencies",
        {"emp": {"competencies": "keuangan:2"}, "p2": {"required_competencies": "keuangan:3"}},
        {"emp": {"competencies": "keuangan:3"}, "p2": {"required_competencies": "keuangan:3"}},
    ),
]  # fmt: skip
IDS = [f"{rule}-{i}" for i, (rule, _, _) in enumerate(CASES)]
# cases where the switch is a property of the person or target, not the (shared) policy
PERSONAL = [c for c in CASES if c[1].get("policy") == c[2].get("policy")]


def build(
    case: dict[str, Any], e1: dict[str, Any] | None = None, e2: dict[str, Any] | None = None
) -> Problem:
    emp = case.get("emp", {})
    return scene(
        {**emp, **(e1 or {})}, {**emp, **(e2 or {})}, case.get("p1"), case.get("p2"), **case.get("policy", {})
    )


@pytest.mark.parametrize(("rule", "forbid", "allow"), CASES, ids=IDS)
def test_rule_forbidden_keeps_everyone(rule: str, forbid: dict[str, Any], allow: dict[str, Any]) -> None:
    problem = build(forbid)
    # the scene really breaks this rule (and, for that employee, only this one)
    assert {v.rule for v in check(problem, {"E1": "P2"}).violations} == {rule}
    assert rule in RULES
    assert_stays(problem)


@pytest.mark.parametrize(("rule", "forbid", "allow"), CASES, ids=IDS)
def test_rule_allowed_moves_one(rule: str, forbid: dict[str, Any], allow: dict[str, Any]) -> None:
    problem = build(allow)
    assert check(problem, {"E1": "P2"}).ok
    assert_one_move(problem)


@pytest.mark.parametrize(("rule", "forbid", "allow"), PERSONAL, ids=[c[0] for c in PERSONAL])
def test_rule_picks_the_eligible_mover(rule: str, forbid: dict[str, Any], allow: dict[str, Any]) -> None:
    """Only one of E1, E2 may move: the plan moves exactly that one, whichever it is."""
    bad, good = forbid.get("emp", {}), allow.get("emp", {})
    p2 = forbid.get("p2")
    policy = forbid.get("policy", {})
    assert_one_move(scene(bad, good, None, p2, **policy), who="E2")
    assert_one_move(scene(good, bad, None, p2, **policy), who="E1")


def test_allow_pppk_exact_penalty() -> None:
    """With allow_pppk the PPPK moves and the objective falls by exactly 2 - 0.1."""
    stay = solve_checked(scene({"status": "PPPK"}, {"status": "PPPK"}))
    go = solve_checked(scene({"status": "PPPK"}, {"status": "PPPK"}, allow_pppk=True))
    assert stay.balance_after - go.balance_after == pytest.approx(2.0, rel=1e-12)
    assert stay.objective - go.objective == pytest.approx(1.9, rel=1e-12)
    assert go.moves["employee_id"].tolist() in (["E1"], ["E2"])


def test_cpns_never_moves_even_when_pppk_allowed() -> None:
    assert_stays(scene({"status": "CPNS"}, {"status": "CPNS"}, allow_pppk=True, allow_jabatan_change=True))


def test_jabatan_change_policy_exact_difference() -> None:
    """P2 is another jabatan; P3 (same jabatan as P1) needs 2 but is half as attractive."""
    pos = [
        {"position_id": "P1", "workload_hours": 1250.0},
        {"position_id": "P2", "workload_hours": 2500.0, "jabatan": "Pranata"},
        {"position_id": "P3", "workload_hours": 625.0},
    ]
    emp = [{"employee_id": f"E{i}", "position_id": "P1"} for i in (1, 2, 3)]
    # staff 3, 0, 0 with needs 1, 2, 0.5: B = 4 + 2 + 0.25 = 6.25
    # rotation only: best (2, 0, 1): 1 + 2 + 0.25 = 3.25, + 0.1
    rot = solve_checked(make_problem(emp, pos))
    assert rot.objective == pytest.approx(3.35, rel=1e-12)
    assert moved(rot) == {"E1": "P3"}
    assert (rot.moves["jabatan_from"] == rot.moves["jabatan_to"]).all()
    # jabatan change allowed: (1, 2, 0): 0 + 0 + 0.25 = 0.25, + 0.2
    free = solve_checked(make_problem(emp, pos, allow_jabatan_change=True))
    assert free.objective == pytest.approx(0.45, rel=1e-12)
    assert sorted(moved(free).values()) == ["P2", "P2"]
    assert rot.objective - free.objective == pytest.approx(2.9, rel=1e-12)


def test_longest_serving_moves_first() -> None:
    assert_one_move(scene({"months_in_position": 30.0}, {"months_in_position": 40.0}), who="E2")
    assert_one_move(scene({"months_in_position": 40.0}, {"months_in_position": 30.0}), who="E1")
    assert_one_move(scene(), who="E1")  # equal service: by employee id


# --------------------------------------------------------------------------- people who stay


def test_stayers_are_not_evicted_for_failing_their_own_position() -> None:
    """P1's requirements are met by nobody; its holders stay (no eviction) and B = 0."""
    strict = {
        "min_grade": "IV/e",
        "min_education": "S3",
        "required_competencies": "hukum:5",
        "max_grade": "IV/e",
    }
    problem = make_problem(
        [{"employee_id": "E1", "position_id": "P1"}, {"employee_id": "E2", "position_id": "P2"}],
        [{"position_id": "P1", **strict}, {"position_id": "P2"}],
        move_cost=0.0,
    )
    result = solve_checked(problem)
    assert result.status == "optimal"
    assert moved(result) == {}
    assert result.objective == 0.0


def test_surplus_holder_who_fails_home_requirements_stays_or_leaves_by_balance() -> None:
    strict = {"min_grade": "IV/e", "min_education": "S3", "required_competencies": "hukum:5"}
    result = solve_checked(scene(p1=strict))
    assert result.objective == pytest.approx(MOVE, rel=1e-12)
    after = result.positions.set_index("position_id")["staff_after"].to_dict()
    assert after == {"P1": 1, "P2": 1}


# --------------------------------------------------------------------------- min_staff / max_staff


def test_min_staff_keeps_a_surplus() -> None:
    assert_stays(scene(p1={"min_staff": 2}))


def test_min_staff_forces_a_costly_move() -> None:
    """P1 needs 2 and has 2; P2 has no workload but min_staff 1: one must go.

    B = (1-2)^2/2 + (1-0)^2/max(0, 1) = 1.5, objective 1.6; without min_staff, 0.
    """
    p1, p2 = {"workload_hours": 2500.0}, {"workload_hours": 0.0, "min_staff": 1}
    result = solve_checked(scene(p1=p1, p2=p2))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(1.6, rel=1e-12)
    assert result.balance_after == pytest.approx(1.5, rel=1e-12)
    assert list(moved(result).values()) == ["P2"]
    free = solve_checked(scene(p1=p1, p2={"workload_hours": 0.0}))
    assert free.objective == 0.0 and free.n_moves == 0


def test_min_staff_infeasible_names_position_and_rule() -> None:
    problem = scene({"locked": True}, {"locked": True}, p2={"min_staff": 1})
    result = solve_checked(problem)
    assert result.status == "infeasible"
    assert result.moves.empty
    assert any("P2" in d and "[min_staff]" in d for d in result.diagnosis), result.diagnosis
    assert "min_staff" in check(problem, {}).rules


def test_min_staff_above_head_count_is_infeasible() -> None:
    problem = make_problem(
        [{"position_id": "P1"}] * 3,
        [{"position_id": "P1", "min_staff": 2}, {"position_id": "P2", "min_staff": 2}],
    )
    result = solve_checked(problem)
    assert result.status == "infeasible"
    assert any("[min_staff]" in d for d in result.diagnosis)


def test_max_staff_forces_a_move_out() -> None:
    """P1 needs 3 and has 3 but max_staff 2; P2 has no workload.

    B = (2-3)^2/3 + (1-0)^2/1 = 4/3, objective 4/3 + 0.1.
    """
    problem = make_problem(
        [{"position_id": "P1"}] * 3,
        [{"position_id": "P1", "workload_hours": 3750.0, "max_staff": 2}, {"workload_hours": 0.0}],
    )
    result = solve_checked(problem)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(4 / 3 + 0.1, rel=1e-12)
    assert result.n_moves == 1


def test_max_staff_caps_a_target() -> None:
    """P1 needs 1 and has 3, P2 needs 2 (cap 1). Uncapped: 2 moves, 0.2; capped: 1 + 1/2 + 0.1."""
    emp = [{"position_id": "P1"}] * 3
    free = solve_checked(make_problem(emp, [{}, {"workload_hours": 2500.0}]))
    assert free.objective == pytest.approx(0.2, rel=1e-12)
    assert free.n_moves == 2
    capped = solve_checked(make_problem(emp, [{}, {"workload_hours": 2500.0, "max_staff": 1}]))
    assert capped.objective == pytest.approx(1.6, rel=1e-12)
    assert capped.n_moves == 1
    assert capped.objective - free.objective == pytest.approx(1.4, rel=1e-12)


def test_max_staff_infeasible_names_position_and_rule() -> None:
    problem = make_problem(
        [{"position_id": "P1", "locked": True}] * 3,
        [{"position_id": "P1", "max_staff": 2}, {"position_id": "P2"}],
    )
    result = solve_checked(problem)
    assert result.status == "infeasible"
    assert any("P1" in d and "[max_staff]" in d for d in result.diagnosis), result.diagnosis


def test_max_staff_infeasible_without_eligible_target() -> None:
    problem = make_problem(
        [{"position_id": "P1"}] * 3,
        [{"position_id": "P1", "max_staff": 2}, {"position_id": "P2", "jabatan": "Pranata"}],
    )
    result = solve_checked(problem)
    assert result.status == "infeasible"
    assert any("P1" in d and "[max_staff]" in d for d in result.diagnosis), result.diagnosis
    ok = solve_checked(problem.with_policy(allow_jabatan_change=True))
    assert ok.status == "optimal" and ok.n_moves == 1


# --------------------------------------------------------------------------- max_moves


def three_way(**policy: Any) -> Problem:
    """P1 needs 1 and has 3; P2 and P3 need 1 and are empty: B = 4 + 1 + 1 = 6."""
    return make_problem([{"position_id": "P1"}] * 3, [{}, {}, {}], **policy)


@pytest.mark.parametrize(("budget", "objective", "moves"), [(None, 0.2, 2), (3, 0.2, 2), (2, 0.2, 2),
                                                            (1, 2.1, 1), (0, 6.0, 0)])  # fmt: skip
def test_max_moves_budget(budget: int | None, objective: float, moves: int) -> None:
    result = solve_checked(three_way(max_moves=budget))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(objective, rel=1e-12)
    assert result.n_moves == moves
    assert result.bound <= result.objective


def test_max_moves_infeasible_when_min_staff_needs_more() -> None:
    problem = make_problem([{"position_id": "P1"}] * 3, [{}, {"min_staff": 1}, {"min_staff": 1}], max_moves=1)
    result = solve_checked(problem)
    assert result.status == "infeasible"
    assert any("[max_moves]" in d for d in result.diagnosis), result.diagnosis
    assert solve_checked(problem.with_policy(max_moves=2)).objective == pytest.approx(0.2, rel=1e-12)


# --------------------------------------------------------------------------- move cost, ties


@pytest.mark.parametrize(
    ("move_cost", "objective", "moves"),
    [(0.0, 0.0, 1), (1.0, 1.0, 1), (1.999, 1.999, 1), (2.0, 2.0, 0), (2.001, 2.0, 0), (5.0, 2.0, 0)],
)
def test_move_cost_threshold(move_cost: float, objective: float, moves: int) -> None:
    """One move lowers B by exactly 2: it is made only when move_cost < 2 (a tie keeps still)."""
    result = solve_checked(scene(move_cost=move_cost))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(objective, rel=1e-12, abs=1e-15)
    assert result.n_moves == moves


def test_pointless_move_is_not_made_at_zero_move_cost() -> None:
    """Needs 1.5 and 0.5, staff 2 and 0: moving one gives (1, 1) and the same B = 5/12."""
    problem = make_problem(
        [{"position_id": "P1"}] * 2,
        [{"workload_hours": 1875.0}, {"workload_hours": 625.0}],
        move_cost=0.0,
    )
    result = solve_checked(problem)
    assert result.n_moves == 0
    assert result.objective == pytest.approx(0.25 / 1.5 + 0.25, rel=1e-12)


def test_no_swaps_between_equal_positions(balanced_pair: Problem) -> None:
    result = solve_checked(balanced_pair.with_policy(move_cost=0.0))
    assert result.n_moves == 0
    assert result.objective == 0.0


def test_fewest_moves_among_equal_objective() -> None:
    """Staff 2, 0, 1 with needs 1, 1, 1 at move_cost 0: P1 -> P2 (1 move) beats a 2-move chain."""
    problem = make_problem(
        [
            {"employee_id": "E1", "position_id": "P1"},
            {"employee_id": "E2", "position_id": "P1"},
            {"employee_id": "E3", "position_id": "P3", "months_in_position": 99.0},
        ],
        [{}, {}, {}],
        move_cost=0.0,
    )
    result = solve_checked(problem)
    assert result.objective == 0.0
    assert moved(result) == {"E1": "P2"}


def test_equal_positions_with_many_people_stay_put() -> None:
    problem = make_problem(
        [{"position_id": f"P{1 + i % 3}"} for i in range(9)], [{"workload_hours": 3750.0}] * 3, move_cost=0.0
    )
    result = solve_checked(problem)
    assert result.n_moves == 0 and result.objective == 0.0


# --------------------------------------------------------------------------- effective hours, tasks


def wke_scene(**policy: Any) -> Problem:
    """P1 2,400 h with 3 staff, P2 1,500 h and empty."""
    return make_problem(
        [{"position_id": "P1"}] * 3,
        [{"workload_hours": 2400.0}, {"workload_hours": 1500.0}],
        **policy,
    )


def test_effective_hours_1250_and_1200() -> None:
    r1250 = solve_checked(wke_scene())
    # needs 1.92, 1.2; one move -> (2, 1): 0.08^2/1.92 + 0.2^2/1.2
    assert r1250.positions["need_fte"].tolist() == pytest.approx([1.92, 1.2])
    assert r1250.balance_before == pytest.approx(1.08**2 / 1.92 + 1.2, rel=1e-12)
    assert r1250.objective == pytest.approx(0.08**2 / 1.92 + 0.2**2 / 1.2 + 0.1, rel=1e-12)
    r1200 = solve_checked(wke_scene(effective_hours=1200.0))
    # needs 2, 1.25; one move -> (2, 1): 0 + 0.25^2/1.25
    assert r1200.positions["need_fte"].tolist() == pytest.approx([2.0, 1.25])
    assert r1200.balance_before == pytest.approx(0.5 + 1.25, rel=1e-12)
    assert r1200.objective == pytest.approx(0.05 + 0.1, rel=1e-12)
    assert r1250.n_moves == r1200.n_moves == 1
    via = solve_checked(wke_scene().with_policy(effective_hours=1200.0))
    assert via.objective == pytest.approx(r1200.objective, rel=1e-12)


def test_effective_hours_change_the_decision() -> None:
    """At move_cost 1.75 a move pays under 1,250 h (B falls by 1.7708) but not 1,200 h (1.70)."""
    r1250 = solve_checked(wke_scene(move_cost=1.75))
    r1200 = solve_checked(wke_scene(move_cost=1.75, effective_hours=1200.0))
    assert r1250.n_moves == 1
    assert r1250.objective == pytest.approx(0.08**2 / 1.92 + 0.2**2 / 1.2 + 1.75, rel=1e-12)
    assert r1200.n_moves == 0
    assert r1200.objective == pytest.approx(1.75, rel=1e-12)


def test_workload_from_tasks_overrides_workload_hours() -> None:
    """P2's tasks: 4/day x 60 min (1,000 h) + 1/year x 15,000 min (250 h) = 1,250 h = 1 FTE."""
    tasks = [("P2", "surat", 4, "hari", 60), ("P2", "laporan", 1, "tahun", 15000)]
    problem = make_problem(
        [{"position_id": "P1"}] * 2,
        [{"position_id": "P1"}, {"position_id": "P2", "workload_hours": 99999.0}],
        tasks,
    )
    result = solve_checked(problem)
    assert result.positions["workload_hours"].tolist() == pytest.approx([1250.0, 1250.0])
    assert result.objective == pytest.approx(MOVE, rel=1e-12)


# --------------------------------------------------------------------------- regressions


@pytest.mark.parametrize("who", [{"locked": True}, {"status": "CPNS"}, {"months_in_position": 1.0}])
def test_nobody_movable_is_a_normal_solve(who: dict[str, Any]) -> None:
    result = solve_checked(make_problem([who], [{}, {}]))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(1.0)  # staff 1, 0 against needs 1, 1


def test_gap_is_zero_for_an_optimal_zero_objective(balanced_pair: Problem) -> None:
    """Regression: the gap of an optimal plan of objective 0 was 1e-3 (relative to 1e-9)."""
    result = solve_checked(balanced_pair)
    assert result.status == "optimal" and result.objective == 0.0
    assert result.gap <= 1e-9
