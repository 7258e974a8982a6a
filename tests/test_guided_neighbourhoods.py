"""Neighbourhoods guided by the network LP's support (``engine/backends/neighbourhoods.py``).

The first HiGHS round keeps the guide's arcs (with the plans'), later rounds alternate guided
and unguided neighbourhoods when the guide is larger than one round, every plan keeps every
rule, and the dispatcher's network-LP path hands the LP's support over as the guide; its plan
passes the independent check under a valid bound.
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
from asn_balance.engine.backends import neighbourhoods
from asn_balance.engine.backends.flow import solve_flow
from asn_balance.engine.backends.netlp import network_lp
from asn_balance.engine.backends.side import repair
from asn_balance.engine.dispatch import side_holds
from conftest import solve_checked
from test_highs_neighbourhoods import tight


@pytest.fixture(scope="module")
def small() -> tuple[AssignmentModel, EngineSolution, EngineSolution, np.ndarray]:
    """A 400-employee tight model, its relaxation's plan, that plan repaired, the LP's support."""
    model = planner.compile_problem(tight(400, 3)).model
    relax = solve_flow(model.without_side())
    fixed = repair(model, relax)
    assert fixed is not None and side_holds(model, fixed)
    lp = network_lp(model, deadline=time.perf_counter() + 30.0, plans=[relax])
    assert lp is not None and lp.support is not None
    return model, relax, fixed, lp.support


class Spy:
    """Records each neighbourhood handed to HiGHS (its arcs and its start plan's arcs)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[np.ndarray, np.ndarray]] = []
        real = neighbourhoods.highs_sub_solve

        def spy(model: AssignmentModel, keep: np.ndarray, hint: EngineSolution, deadline: float) -> Any:
            assert hint.move_arc is not None
            self.calls.append((keep.copy(), hint.move_arc.copy()))
            return real(model, keep, hint, deadline)

        monkeypatch.setattr(neighbourhoods, "highs_sub_solve", spy)


def test_the_lp_support_is_a_guide(
    small: tuple[AssignmentModel, EngineSolution, EngineSolution, np.ndarray],
) -> None:
    model, relax, _, support = small
    # the support: arcs of the model on which the LP moves units (here, some and not all)
    assert support.dtype == bool and len(support) == len(model.arc_group)
    assert 0 < int(support.sum()) < len(support)
    assert relax.move_arc is not None


def test_the_first_round_keeps_the_guide_and_improves_on_the_start(
    small: tuple[AssignmentModel, EngineSolution, EngineSolution, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, relax, start, support = small
    spy = Spy(monkeypatch)
    sol = neighbourhoods.restricted(
        model, relax, [], time.perf_counter() + 6.0, seed=0, use_highs=True, guide=support
    )
    assert sol is not None and side_holds(model, sol)
    assert sol.objective <= start.objective + 1e-9 * max(1.0, abs(start.objective))
    assert int(sol.stats["side_lns_guided"]) >= 1
    assert int(sol.stats["side_lns_guided_improved"]) <= int(sol.stats["side_lns_improved"])
    keep, hint_arcs = spy.calls[0]
    relax_arcs = model.plan_flows(relax)[0] > 0
    # the guide fits in one round: all of it, the relaxation's and the start's arcs, nothing else
    assert int(support.sum()) <= neighbourhoods.GUIDE_ROUND_ARCS
    expected = support | relax_arcs
    expected[hint_arcs] = True
    # (the paired groups' arcs only where a round frees bins, as every other arc's)
    assert np.array_equal(keep, expected)
    # later rounds (the guide fit in one) are the unguided ones
    assert int(sol.stats["side_lns_guided"]) == 1


def test_a_large_guide_is_cut_by_bins_and_alternates(
    small: tuple[AssignmentModel, EngineSolution, EngineSolution, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, relax, _, support = small
    guide = support.copy()
    guide[np.random.default_rng(1).random(len(guide)) < 0.2] = True  # more arcs than one round
    cap = int(guide.sum()) // 4
    monkeypatch.setattr(neighbourhoods, "GUIDE_ROUND_ARCS", cap)
    spy = Spy(monkeypatch)
    sol = neighbourhoods.restricted(
        model, relax, [], time.perf_counter() + 8.0, seed=0, use_highs=True, guide=guide
    )
    assert sol is not None and side_holds(model, sol)
    assert len(spy.calls) >= 2
    relax_arcs = model.plan_flows(relax)[0] > 0
    for k, (keep, hint_arcs) in enumerate(spy.calls):
        fixed = relax_arcs.copy()
        fixed[hint_arcs] = True
        extra = keep & ~fixed
        guided = k == 0 or k % 2 == 1  # guided rounds: 0, 1, 3, 5, ...
        if guided:
            assert not np.any(extra & ~guide), k  # only the guide's arcs beyond the plans'
        if k == 0:
            # a guide larger than a round: the first round is the plans' arcs alone
            assert np.array_equal(keep, fixed)
        elif guided:
            # the guide's arcs in a random part of its bins (sized to a round: here all of it)
            assert 0 < int((keep & guide & ~fixed).sum()) <= int((guide & ~fixed).sum()), k
    assert int(sol.stats["side_lns_guided"]) == sum(1 for k in range(len(spy.calls)) if k == 0 or k % 2 == 1)


def test_an_empty_guide_is_no_guide(
    small: tuple[AssignmentModel, EngineSolution, EngineSolution, np.ndarray],
) -> None:
    model, relax, start, _ = small
    none = np.zeros(len(model.arc_group), dtype=bool)
    sol = neighbourhoods.restricted(
        model, relax, [], time.perf_counter() + 3.0, seed=0, use_highs=True, guide=none
    )
    assert sol is not None and side_holds(model, sol)
    assert "side_lns_guided" not in sol.stats
    assert sol.objective <= start.objective + 1e-9 * max(1.0, abs(start.objective))


def test_the_network_lp_path_guides_the_neighbourhoods(monkeypatch: pytest.MonkeyPatch) -> None:
    """3,000 employees with every policy column, made "too large" for HiGHS whole and after
    the neighbourhoods, with time for the network LP: its support guides the first round; the
    plan passes the independent check and the bound is valid."""
    t = synth.generate(3000, seed=5, policy_columns=True)
    problem = Problem.from_frames(t["employees"], t["positions"], t["tasks"], units=t.get("units"))
    monkeypatch.setattr(dispatch, "HIGHS_MAX_ENTRIES", 0)
    monkeypatch.setattr(dispatch, "HIGHS_AFTER_ENTRIES", 0)
    monkeypatch.setattr(dispatch, "NETLP_MIN_SECONDS", 1.0)
    result = solve_checked(problem, time_limit=20.0)
    stats: dict[str, Any] = result.info["solver_stats"]
    assert "netlp_status" in stats, stats
    assert int(stats["netlp_lagrange_steps"]) >= 1
    # the Lagrangian from the LP's duals: the run's bound is the best of the bounds computed
    assert result.bound >= float(stats["netlp_bound"]) - 1e-9
    assert result.bound >= float(stats["netlp_lagrange_bound"]) - 1e-9
    assert stats["side_lns_solver"] == "highs" and int(stats["side_lns_guided"]) >= 1
    assert check(problem, result).ok
    assert math.isfinite(result.bound) and result.bound <= result.objective + 1e-9
    model = planner.compile_problem(problem).model
    fixed = repair(model, solve_flow(model.without_side()))
    assert fixed is not None
    assert result.objective <= fixed.objective + 1e-9 * max(1.0, abs(fixed.objective))


@pytest.mark.parametrize(("n", "seed"), [(400, 3), (300, 7), (250, 11)])
def test_the_lagrangian_from_the_lp_duals_bounds_the_optimum(n: int, seed: int) -> None:
    """``L`` of the LP's duals: at least the LP's safe bound (the Lagrangian dual of an LP
    whose priced subproblem is a network is the LP), at most HiGHS's proven optimum."""
    from asn_balance.engine.backends.highs import solve_highs
    from asn_balance.engine.backends.side import lagrangian_side, lp_multipliers

    model = planner.compile_problem(tight(n, seed)).model
    relax = solve_flow(model.without_side())
    lp = network_lp(model, deadline=time.perf_counter() + 60.0, plans=[relax])
    assert lp is not None and lp.status == "Optimal"
    opt = solve_highs(model, hint=None, lower=-math.inf, deadline=time.perf_counter() + 60.0)
    assert opt.status == "optimal"
    lag, plans = lagrangian_side(
        model, deadline=time.perf_counter() + 30.0, start=lp_multipliers(lp.side_dual), step=0.1, iterations=4
    )
    assert plans and math.isfinite(lag)
    tol = max(p.tolerance for p in plans) + opt.tolerance + 1e-6 * max(1.0, abs(opt.objective))
    assert lag <= opt.objective + tol
    assert lag >= lp.bound - 1e-6 * max(1.0, abs(lp.bound))
    # and no lower than the relaxation's bound (``L`` of zero multipliers)
    assert lag >= relax.bound - tol


def test_a_priced_flow_that_cannot_end_in_time_is_not_started(
    small: tuple[AssignmentModel, EngineSolution, EngineSolution, np.ndarray],
) -> None:
    """The first guess of a flow's seconds (the relaxation's) keeps the Lagrangian within its
    deadline; with time for it, the first step is taken."""
    from asn_balance.engine.backends.side import lagrangian_side

    model = small[0]
    bound, plans = lagrangian_side(model, deadline=time.perf_counter() + 1.0, flow_seconds=5.0)
    assert bound == -math.inf and plans == []
    bound, plans = lagrangian_side(
        model, deadline=time.perf_counter() + 30.0, flow_seconds=0.01, iterations=1
    )
    assert len(plans) == 1 and math.isfinite(bound)


def test_the_arcs_of_a_plan_are_those_it_moves_units_along(
    small: tuple[AssignmentModel, EngineSolution, EngineSolution, np.ndarray],
) -> None:
    model, relax, start, _ = small
    n = len(model.arc_group)
    for plan in (relax, start):
        assert np.array_equal(neighbourhoods._arcs_of(n, plan), model.plan_flows(plan)[0] > 0)


def test_a_neighbourhood_maps_its_start_and_its_plan_back(
    small: tuple[AssignmentModel, EngineSolution, EngineSolution, np.ndarray],
) -> None:
    """HiGHS on a sub-model (every third arc plus the start's): its plan, in the model's arcs,
    uses only kept arcs, keeps every rule and is no worse than its start."""
    model, _, start, _ = small
    assert start.move_arc is not None
    keep = np.zeros(len(model.arc_group), dtype=bool)
    keep[::3] = True
    keep[start.move_arc] = True
    sol = neighbourhoods.highs_sub_solve(model, keep, start, time.perf_counter() + 5.0)
    assert sol is not None and sol.move_arc is not None
    assert np.all(keep[sol.move_arc]) and side_holds(model, sol)
    assert sol.objective <= start.objective + 1e-6 * max(1.0, abs(start.objective))
    assert model.pair_cost(sol.move_group, sol.move_bin)[1] == 0


def test_a_large_guide_starts_from_the_priced_flows_arcs_and_skips_the_relaxations_repair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With priced flows and a guide larger than a round: their repaired plans start (the
    relaxation's is not repaired), the first round is the plans' arcs (relaxation's, priced
    flows', start's) and nothing else (no other arc of the paired groups); the plan keeps
    every rule and is no worse than the start."""
    from asn_balance.engine.backends.side import lagrangian_side

    model = planner.compile_problem(tight(400, 5)).model  # (with spouses: pairs)
    relax = solve_flow(model.without_side())
    lp = network_lp(model, deadline=time.perf_counter() + 30.0, plans=[relax])
    assert lp is not None and lp.support is not None and lp.support.any()
    support = lp.support
    _, priced = lagrangian_side(model, deadline=time.perf_counter() + 30.0, iterations=3)
    assert priced
    repaired_from: list[EngineSolution] = []
    real_repair = repair  # (what the module calls)

    def spy_repair(m: AssignmentModel, sol: EngineSolution, **kw: Any) -> EngineSolution | None:
        repaired_from.append(sol)
        return real_repair(m, sol, **kw)

    monkeypatch.setattr(neighbourhoods, "repair", spy_repair)
    monkeypatch.setattr(neighbourhoods, "GUIDE_ROUND_ARCS", int(support.sum()) // 4)
    spy = Spy(monkeypatch)
    sol = neighbourhoods.restricted(
        model, relax, priced, time.perf_counter() + 6.0, seed=0, use_highs=True, guide=support
    )
    assert sol is not None and side_holds(model, sol)
    assert all(p is not relax for p in repaired_from) and len(repaired_from) == len(priced)
    starts = [s for s in (real_repair(model, p) for p in priced) if s is not None]
    start = min(starts, key=lambda x: x.objective)
    assert float(sol.stats["side_lns_start_objective"]) == pytest.approx(start.objective, rel=1e-12)
    assert sol.objective <= start.objective + 1e-9 * max(1.0, abs(start.objective))
    n = len(model.arc_group)
    plans_arcs = neighbourhoods._arcs_of(n, relax)
    for p in priced:
        plans_arcs |= neighbourhoods._arcs_of(n, p)
    keep, hint_arcs = spy.calls[0]
    first = plans_arcs.copy()
    first[hint_arcs] = True
    assert np.array_equal(keep, first)
    paired = np.isin(model.arc_group, [g for p in model.pairs for g in (p.first, p.second)])
    assert paired.any()
    assert not np.any(keep & paired & ~first)  # paired arcs: only those of the plans


def test_the_network_lp_path_guesses_one_flows_seconds_with_a_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a move budget the relaxation's stage runs several flows (the budget's Lagrangian):
    the network-LP path's Lagrangian is told one flow's seconds (their mean), not the whole
    stage's; the plan passes the independent check under a valid bound."""
    t = synth.generate(3000, seed=5, policy_columns=True)
    problem = Problem.from_frames(t["employees"], t["positions"], t["tasks"], units=t.get("units"))
    relax = solve_flow(planner.compile_problem(problem).model.without_side())
    problem = problem.with_policy(max_moves=max(1, relax.moves // 2))  # binding: several flows
    monkeypatch.setattr(dispatch, "HIGHS_MAX_ENTRIES", 0)
    monkeypatch.setattr(dispatch, "HIGHS_AFTER_ENTRIES", 0)
    monkeypatch.setattr(dispatch, "NETLP_MIN_SECONDS", 1.0)
    seen: list[float] = []
    stages: list[EngineSolution] = []
    from asn_balance.engine.backends.side import lagrangian_side as real_lag

    real_dispatch = dispatch._dispatch

    def spy_lag(*a: Any, **kw: Any) -> Any:
        seen.append(float(kw["flow_seconds"]))
        return real_lag(*a, **kw)

    def spy_dispatch(m: AssignmentModel, *a: Any) -> EngineSolution:
        sol = real_dispatch(m, *a)
        if not m.has_side and m.max_moves is not None:
            stages.append(sol)
        return sol

    monkeypatch.setattr(dispatch, "lagrangian_side", spy_lag)
    monkeypatch.setattr(dispatch, "_dispatch", spy_dispatch)
    result = solve_checked(problem, time_limit=30.0)
    assert stages and int(stages[0].stats["flows"]) > 1
    assert seen, "the Lagrangian from the LP's duals did not run"
    assert seen[0] == pytest.approx(stages[0].seconds / int(stages[0].stats["flows"]))
    assert seen[0] < stages[0].seconds
    assert result.has_plan and check(problem, result).ok
    assert math.isfinite(result.bound) and result.bound <= result.objective + 1e-9
