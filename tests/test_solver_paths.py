"""Every solver path gives a plan that passes ``check``, with the engine's figures honest.

One scenario forces each path (the exact flow, the move budget, side rows, the lexicographic
passes, CP-SAT, the Lagrangian neighbourhood search) and the test asserts the path taken
(``result.info["solver"]``). On each, the engine's own objective must agree with the one
recomputed from the moves within the engine's stated rounding tolerance (the planner raises
``InternalError`` otherwise; here the figures are recorded and compared again), the bound must
not exceed the objective beyond it, and the independent checker, which treats
``voluntary_first`` as a hard rule, must accept the plan. The tie-break exchange step that makes
``voluntary_first`` hold on every path and the ``InternalError`` itself are tested directly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from asn_balance import AssignmentModel, EngineSolution, Problem, Result, SideConstraint, check, planner
from asn_balance.datasets import synth
from asn_balance.engine.backends.tiebreak import settle_ties
from asn_balance.engine.dispatch import solve_model
from asn_balance.model.errors import InternalError
from conftest import make_problem

REL = 1e-9


@pytest.fixture
def no_highs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CP-SAT / Lagrangian path for side rows (HiGHS decides the small models otherwise)."""
    from asn_balance.engine import dispatch

    monkeypatch.setattr(dispatch, "USE_HIGHS", False)


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The engine's figures of every plan the planner evaluates: objective, bound, tolerance
    and the objective recomputed from the moves."""
    seen: list[dict[str, Any]] = []
    original = planner._verify_figures

    def record(sol: EngineSolution, recomputed: float) -> None:
        seen.append({"objective": sol.objective, "bound": sol.bound, "tolerance": sol.tolerance,
                     "recomputed": recomputed, "solver": sol.solver})  # fmt: skip
        original(sol, recomputed)

    monkeypatch.setattr(planner, "_verify_figures", record)
    return seen


def solve_path(
    problem: Problem, figures: list[dict[str, Any]], path: Callable[[str], bool], **kw: Any
) -> Result:
    """Solve, assert the path taken, the plan's check and the agreement of the figures."""
    kw.setdefault("time_limit", 20.0)
    figures.clear()
    result = planner.solve(problem, **kw)
    solver = result.info["solver"]
    assert path(solver), solver
    assert result.has_plan, result.status
    report = check(problem, result)
    assert report.ok, str(report)
    assert report.objective == pytest.approx(result.objective, rel=REL)
    (fig,) = figures
    assert fig["solver"] == solver
    tol = fig["tolerance"]
    assert tol == result.info["tolerance"] and 0.0 <= tol < 1e-2 * max(1.0, abs(result.objective))
    noise = REL * max(1.0, abs(result.objective))
    assert abs(fig["objective"] - fig["recomputed"]) <= tol + noise
    assert fig["recomputed"] == result.objective
    assert math.isfinite(result.bound)
    assert result.bound <= result.objective + tol + noise
    assert result.bound == fig["bound"]  # reported as computed, not clipped
    if result.status == "optimal":
        assert result.objective - result.bound <= max(1e-6 * max(1.0, abs(result.objective)), 2 * tol)
    return result


def _synth(n: int, seed: int, **policy: Any) -> Problem:
    t = synth.generate(n, seed=seed, policy_columns=bool(policy.pop("policy_columns", False)))
    units = t.get("units")
    problem = Problem.from_frames(t["employees"], t["positions"], t["tasks"], units=units)
    return problem.with_policy(**policy) if policy else problem


def test_flow_path(figures: list[dict[str, Any]]) -> None:
    result = solve_path(_synth(300, 11), figures, lambda s: s == "flow")
    assert result.status == "optimal"
    assert result.info["tolerance"] == result.info["solver_stats"]["rounding_tolerance"]


def test_budget_path(figures: list[dict[str, Any]]) -> None:
    problem = _synth(300, 11)
    free = planner.solve(problem)
    solve_path(problem.with_policy(max_moves=max(1, free.n_moves // 3)), figures,
               lambda s: s.startswith("flow+lagrange"))  # fmt: skip


def test_side_rows_path_when_the_relaxation_keeps_them(figures: list[dict[str, Any]]) -> None:
    """Unit caps, coverage, wishes and spouses; the relaxation's plan already keeps the rows."""
    solve_path(_synth(600, 23, policy_columns=True), figures,
               lambda s: s in ("flow+side", "flow+cpsat", "flow+highs"))  # fmt: skip


def test_highs_path(figures: list[dict[str, Any]]) -> None:
    """Side rows that the relaxation breaks on a model HiGHS takes: the compact MIP decides,
    proves the optimum, and ``voluntary_first`` holds (the tie-break settles the volunteer)."""
    result = solve_path(cap_out(), figures, lambda s: s == "flow+highs")
    assert result.status == "optimal"
    assert list(result.moves["employee_id"]) == ["E2"]
    result = solve_path(_synth(3000, 5, policy_columns=True), figures, lambda s: s == "flow+highs",
                        time_limit=30.0)  # fmt: skip
    assert result.status in ("optimal", "feasible")


def test_lexicographic_path(figures: list[dict[str, Any]]) -> None:
    problem = _synth(300, 11, lexicographic=True, balance_tolerance=0.02)
    result = solve_path(problem, figures, lambda s: s == "flow+lexicographic")
    stats = result.info["solver_stats"]
    # the bound bounds the reported objective of the lexicographic optimum: at least B* plus the
    # moves' bound at move_cost, and no more than the plan's objective
    assert result.bound >= stats["balance_optimum"] - 1e-6
    if result.status == "optimal":
        assert result.n_moves == stats["moves_lower_bound"]


def cap_out(**policy: Any) -> Problem:
    """P1 (unit U1) has E1, a volunteer E2 and E3 for a need of 1; P2 and P3 (unit U2) are empty.
    The relaxation moves two people out of U1, whose cap is one move: CP-SAT decides, and with
    ``preference_weight`` 0 the three candidates tie, so ``voluntary_first`` picks E2."""
    return make_problem(
        [
            {"employee_id": "E1", "position_id": "P1"},
            {"employee_id": "E2", "position_id": "P1", "volunteer": True},
            {"employee_id": "E3", "position_id": "P1"},
        ],
        [
            {"position_id": "P1", "unit_id": "U1"},
            {"position_id": "P2", "unit_id": "U2"},
            {"position_id": "P3", "unit_id": "U2"},
        ],
        units=[{"unit_id": "U1", "max_moves_out": 1}, {"unit_id": "U2"}],
        preference_weight=0.0,
        **policy,
    )


def test_cpsat_path_on_side_rows_moves_the_volunteer(no_highs: None, figures: list[dict[str, Any]]) -> None:
    result = solve_path(cap_out(), figures, lambda s: s == "flow+cpsat")
    assert result.status == "optimal"
    assert list(result.moves["employee_id"]) == ["E2"]
    # without the rule any of the three may go, and the check does not ask
    solve_path(cap_out(voluntary_first=False), figures, lambda s: s == "flow+cpsat")


def test_cpsat_on_a_budget(figures: list[dict[str, Any]]) -> None:
    """A chain P1 -> P2 -> P3 (both moves or no gain) and a single move P4 -> P5 worth half as
    much; a budget of two moves. The price search only finds the single move (at the price
    where the chain pays, the tie-break prefers fewer moves), its bound is the chain's plan:
    CP-SAT (its neighbourhoods, then the whole model if a gap remains) closes the gap, and of
    the two who could take the chain's first step the volunteer E2 goes (preference_weight 0:
    a tie)."""
    problem = make_problem(
        [
            {"employee_id": "E1", "position_id": "P1", "competencies": "k2:1"},
            {"employee_id": "E2", "position_id": "P1", "competencies": "k2:1", "volunteer": True},
            {"employee_id": "E3", "position_id": "P2", "competencies": "k3:1"},
            {"employee_id": "E4", "position_id": "P4"},
            {"employee_id": "E5", "position_id": "P4"},
        ],
        [
            {"position_id": "P1", "required_competencies": "k1:1"},
            {"position_id": "P2", "required_competencies": "k2:1"},
            {"position_id": "P3", "required_competencies": "k3:1"},
            {"position_id": "P4", "jabatan": "Pengelola", "workload_hours": 1875.0},
            {"position_id": "P5", "jabatan": "Pengelola"},
        ],
        max_moves=2,
        preference_weight=0.0,
    )
    result = solve_path(
        problem, figures, lambda s: s.startswith("flow+lagrange+") and ("cpsat" in s or "lns" in s)
    )
    assert result.status == "optimal"
    assert result.objective == pytest.approx(1 / 6 + 1 + 0.2, rel=1e-9)
    moves = dict(zip(result.moves["employee_id"], result.moves["to_position"], strict=True))
    assert moves == {"E2": "P2", "E3": "P3"}


@pytest.fixture(scope="module")
def large() -> Problem:
    """3,000 employees with every policy column: above 20,000 arcs, the Lagrangian and
    neighbourhood path. ``preference_weight`` 0 makes volunteers tie with everybody else, so
    ``voluntary_first`` rests on the tie-break alone."""
    return _synth(3000, 5, policy_columns=True, preference_weight=0.0)


def test_lns_path(no_highs: None, large: Problem, figures: list[dict[str, Any]]) -> None:
    solve_path(large, figures, lambda s: s == "flow+lagrange+cpsat-lns", time_limit=12.0)


def test_lns_path_with_the_network_lp_bound(
    no_highs: None, large: Problem, figures: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model too large for HiGHS gets the network LP's safe bound instead of the subgradient
    Lagrangian: valid (below the checked plan) and at least the relaxation's."""
    from asn_balance.engine import dispatch

    monkeypatch.setattr(dispatch, "NETLP_MIN_SECONDS", 0.0)
    result = solve_path(large, figures, lambda s: s == "flow+lagrange+cpsat-lns", time_limit=30.0)
    stats = result.info["solver_stats"]
    assert stats["netlp_status"] == "Optimal"
    assert math.isfinite(stats["netlp_bound"])
    assert result.bound >= stats["netlp_bound"]
    assert result.bound >= stats["relaxation_bound"] - 1e-9


def test_lns_path_with_a_budget(no_highs: None, large: Problem, figures: list[dict[str, Any]]) -> None:
    result = solve_path(large.with_policy(max_moves=40), figures, lambda s: "lagrange" in s, time_limit=8.0)
    assert result.n_moves <= 40


# ------------------------------------------------ plans that are not tie-break optimal get settled


def _non_volunteer_plan(model: AssignmentModel, lower: float) -> EngineSolution:
    """What CP-SAT stopped on its hint, or a neighbourhood, may return: one unit of a tick-2
    group (non-volunteers) moved, though a tick-1 unit (a volunteer) of its home could go."""
    a = int(np.flatnonzero(model.ticks() == 2)[0])
    g = int(model.arc_group[a])
    home = int(model.group_home[g])
    c = int(model.arc_class[a])
    b = int(next(x for x in model.class_bins[model.class_indptr[c] : model.class_indptr[c + 1]] if x != home))
    staff = model.initial_staff()
    staff[home] -= 1
    staff[b] += 1
    cost = float(model.arc_cost[a])
    return EngineSolution(
        status="feasible", objective=model.objective(staff, 1, cost), bound=lower, staff=staff,
        move_group=np.array([g]), move_bin=np.array([b]), move_count=np.array([1]), seconds=0.0,
        solver="cpsat", moves=1, arc_cost_total=cost, move_arc=np.array([a]),
    )  # fmt: skip


def test_a_cpsat_plan_stopped_early_keeps_voluntary_first(
    no_highs: None, monkeypatch: pytest.MonkeyPatch, figures: list[dict[str, Any]]
) -> None:
    from asn_balance.engine import dispatch

    def stopped(model: AssignmentModel, *, lower: float, **_: Any) -> EngineSolution:
        return _non_volunteer_plan(model, lower)

    monkeypatch.setattr(dispatch, "solve_cpsat", stopped)
    result = solve_path(cap_out(), figures, lambda s: s == "flow+cpsat")
    assert list(result.moves["employee_id"]) == ["E2"]
    assert result.info["solver_stats"]["tie_exchanges"] == 1
    # without the exchange step the plan breaks the rule the checker verifies
    monkeypatch.setattr(dispatch, "settle_ties", lambda model, sol: sol)
    problem = cap_out()
    unsettled = planner.solve(problem, time_limit=10)
    assert set(unsettled.moves["employee_id"]) <= {"E1", "E3"}
    assert [v.rule for v in check(problem, unsettled).violations] == ["voluntary_first"]


def test_a_neighbourhood_plan_keeps_voluntary_first(
    no_highs: None, monkeypatch: pytest.MonkeyPatch, figures: list[dict[str, Any]]
) -> None:
    """``cap_out`` with 150 balanced filler positions of volunteers in a third unit (22,353
    arcs): the Lagrangian and neighbourhood path, its plan replaced by a non-volunteer's move."""
    from asn_balance.engine import dispatch

    employees = [{"employee_id": f"F{i}", "position_id": f"Q{i}", "volunteer": True} for i in range(150)]
    positions = [{"position_id": f"Q{i}", "unit_id": "U3", "jabatan": "Pengelola"} for i in range(150)]
    problem = make_problem(
        [
            {"employee_id": "E1", "position_id": "P1"},
            {"employee_id": "E2", "position_id": "P1", "volunteer": True},
            {"employee_id": "E3", "position_id": "P1"},
            *employees,
        ],
        [
            {"position_id": "P1", "unit_id": "U1"},
            {"position_id": "P2", "unit_id": "U2"},
            {"position_id": "P3", "unit_id": "U2"},
            *positions,
        ],
        units=[{"unit_id": "U1", "max_moves_out": 1}, {"unit_id": "U2"}, {"unit_id": "U3"}],
        preference_weight=0.0,
    )
    assert len(planner.compile_problem(problem).model.arc_group) > 20_000

    def neighbourhoods(model: AssignmentModel, *_: Any) -> EngineSolution:
        return _non_volunteer_plan(model, -np.inf)

    monkeypatch.setattr(dispatch, "restricted", neighbourhoods)
    result = solve_path(problem, figures, lambda s: s == "flow+lagrange+cpsat-lns")
    assert list(result.moves["employee_id"]) == ["E2"]
    assert result.info["solver_stats"]["tie_exchanges"] == 1


# --------------------------------------------------------------------------- the exchange step


def _two_groups(side: tuple[SideConstraint, ...] = (), cost_v: float = 0.0) -> AssignmentModel:
    """Bin 0 holds group 0 (two units, arcs of tick 2) and group 1 (one unit, tick 1); bin 1 is
    empty and needs one. Arc 0 takes group 0 to bin 1, arc 1 group 1."""
    return AssignmentModel(
        target=np.array([2.0, 1.0]),
        weight=np.array([2.0, 1.0]),
        min_staff=np.zeros(2, dtype=np.int64),
        max_staff=np.full(2, -1, dtype=np.int64),
        fixed=np.zeros(2, dtype=np.int64),
        group_size=np.array([2, 1]),
        group_home=np.array([0, 0]),
        class_indptr=np.array([0, 1]),
        class_bins=np.array([1]),
        arc_group=np.array([0, 1]),
        arc_class=np.array([0, 0]),
        arc_cost=np.array([0.0, cost_v]),
        move_cost=0.1,
        arc_tick=np.array([2, 1]),
        side=side,
    )


def _non_volunteer_moves(model: AssignmentModel) -> EngineSolution:
    return EngineSolution(
        status="feasible", objective=model.objective(np.array([2, 1]), 1), bound=0.0,
        staff=np.array([2, 1]), move_group=np.array([0]), move_bin=np.array([1]),
        move_count=np.array([1]), seconds=0.0, solver="test", moves=1, move_arc=np.array([0]),
    )  # fmt: skip


def test_exchange_puts_the_tick_one_unit_in_the_move() -> None:
    model = _two_groups()
    sol = settle_ties(model, _non_volunteer_moves(model))
    assert sol.move_group.tolist() == [1] and sol.move_arc.tolist() == [1]
    assert sol.stats["tie_exchanges"] == 1
    assert sol.objective == pytest.approx(model.objective(np.array([2, 1]), 1))


def test_exchange_keeps_cost_and_side_rows() -> None:
    dearer = _two_groups(cost_v=0.05)  # the volunteer's move costs more: no exchange
    assert settle_ties(dearer, _non_volunteer_moves(dearer)).move_group.tolist() == [0]
    e = np.zeros(0, dtype=np.int64)
    row = SideConstraint("max_moves_out", "arc 1", np.array([1]), np.array([1]), e, e, 0, None, 0)
    capped = _two_groups(side=(row,))
    assert settle_ties(capped, _non_volunteer_moves(capped)).move_group.tolist() == [0]


def test_every_path_settles_the_exchanges() -> None:
    model = _two_groups()
    sol = solve_model(model)
    assert sol.move_group.tolist() == [1]


# --------------------------------------------------------------------------- internal errors


def test_a_disagreeing_objective_is_an_internal_error(surplus_shortage: Problem) -> None:
    comp = planner.compile_problem(surplus_shortage)
    sol = solve_model(comp.model)
    good = planner.evaluate_solution(surplus_shortage, comp, sol)
    assert good.info["tolerance"] == sol.tolerance > 0
    wrong = solve_model(comp.model)
    wrong.objective += 1e-3
    with pytest.raises(InternalError, match="objective") as info:
        planner.evaluate_solution(surplus_shortage, comp, wrong)
    assert info.value.engine == wrong.objective and info.value.recomputed == good.objective
    assert info.value.solver == "flow" and info.value.tolerance >= sol.tolerance
    assert "flow" in str(info.value)


def test_a_bound_above_the_objective_is_an_internal_error(surplus_shortage: Problem) -> None:
    comp = planner.compile_problem(surplus_shortage)
    sol = solve_model(comp.model)
    sol.bound = sol.objective + 1e-3
    with pytest.raises(InternalError, match="bound"):
        planner.evaluate_solution(surplus_shortage, comp, sol)
    within = solve_model(comp.model)
    within.bound = within.objective + 0.5 * within.tolerance  # within the tolerance: reported as is
    result = planner.evaluate_solution(surplus_shortage, comp, within)
    assert result.bound == within.bound > result.objective
    assert result.gap == 0.0
