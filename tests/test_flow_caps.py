"""The flow's marginal caps and blocks: relaxations with an exactness certificate.

Each bin lists its marginal staffing arcs up to a cap and one overflow arc priced at the
first omitted marginal (a lower bound of all later ones). When the overflow carries flow
the caps grow and the flow is solved again, so any initial caps give the optimum of the
full model. These tests start from caps that bind on purpose. Below, a bin's held levels
(up to its staff, marginal at most ``FLOOR_MARGINAL``) are one block arc priced at their
dearest marginal; a block left partly empty has its levels listed and the flow solved again.
The tests raise ``FLOOR_MARGINAL`` so that blocks cover every held level and are left.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asn_balance import AssignmentModel
from asn_balance.engine.backends import flow
from asn_balance.engine.backends.flow import solve_flow
from conftest import verify_engine_solution
from test_engine import brute_force, large_model, random_model


def one_source(target: np.ndarray, weight: np.ndarray, fixed: np.ndarray, units: int) -> AssignmentModel:
    """``units`` movable units in bin 0, one class over every bin, no move arc costs."""
    nb = len(target)
    return AssignmentModel(
        target=target,
        weight=weight,
        min_staff=np.zeros(nb, dtype=np.int64),
        max_staff=np.full(nb, -1, dtype=np.int64),
        fixed=fixed,
        group_size=np.array([units], dtype=np.int64),
        group_home=np.array([0], dtype=np.int64),
        class_indptr=np.array([0, nb], dtype=np.int64),
        class_bins=np.arange(nb, dtype=np.int64),
        arc_group=np.array([0], dtype=np.int64),
        arc_class=np.array([0], dtype=np.int64),
        arc_cost=np.zeros(1),
        move_cost=0.1,
    )


def flood_model(n_big: int = 12) -> AssignmentModel:
    """One heavily overstaffed bin (60 movable units, target 2) and ``n_big`` large, slightly
    understaffed bins with slowly rising marginals (weight = target = 40), all in one class."""
    target = np.array([2.0] + [40.0] * n_big)
    return one_source(target, target.copy(), np.array([0] + [36] * n_big, dtype=np.int64), 60)


def greedy_optimum(m: AssignmentModel) -> float:
    """The optimum of :func:`flood_model` by moving one unit at a time to the cheapest bin
    while that saves more than a move costs (exact for one source and convex costs)."""
    staff = m.initial_staff().astype(float)

    def f(b: int, k: float) -> float:
        return float((k - m.target[b]) ** 2 / m.weight[b])

    moves = 0
    while staff[0] > 0:
        save = f(0, staff[0]) - f(0, staff[0] - 1)
        gains = [f(b, staff[b] + 1) - f(b, staff[b]) for b in range(1, m.n_bins)]
        b = 1 + int(np.argmin(gains))
        if save - gains[b - 1] <= m.move_cost:
            break
        staff[0] -= 1
        staff[b] += 1
        moves += 1
    return m.objective(staff, moves)


def test_binding_caps_are_grown_and_the_flow_solved_again() -> None:
    m = flood_model()
    free = solve_flow(m)
    tight = solve_flow(m, caps=np.zeros(m.n_bins, dtype=np.int64))  # caps at the current staff
    for sol in (free, tight):
        assert sol.status == "optimal"
        verify_engine_solution(m, sol)
    assert int(free.stats["rounds"]) == 1
    assert int(tight.stats["rounds"]) >= 2, "the caps were meant to bind"
    assert int(tight.stats["rounds"]) <= 6, "caps grown bin by bin, one round each"
    assert tight.objective == pytest.approx(greedy_optimum(m), abs=1e-9)
    assert free.objective == pytest.approx(greedy_optimum(m), abs=1e-9)
    assert tight.moves == free.moves
    np.testing.assert_array_equal(np.sort(tight.staff), np.sort(free.staff))


def test_grown_caps_keep_the_cost_scale() -> None:
    """Caps grown by the marginal level keep the listed marginals small: same integer scale
    and rounding tolerance as a solve whose caps never bound."""
    m = flood_model(40)
    free = solve_flow(m)
    tight = solve_flow(m, caps=np.zeros(m.n_bins, dtype=np.int64))
    assert int(tight.stats["rounds"]) >= 2
    assert float(tight.stats["scale"]) >= float(free.stats["scale"]) / 10
    assert tight.tolerance <= 10 * free.tolerance + 1e-12
    assert tight.objective == pytest.approx(free.objective, abs=free.tolerance + tight.tolerance)


@pytest.mark.parametrize("seed", [42, 43, 44])
def test_any_initial_caps_give_the_same_optimum(seed: int) -> None:
    m = large_model(seed)
    free = solve_flow(m)
    verify_engine_solution(m, free)
    for caps in (np.zeros(m.n_bins, dtype=np.int64), np.ceil(m.target).astype(np.int64)):
        sol = solve_flow(m, caps=caps)
        verify_engine_solution(m, sol)
        assert sol.status == "optimal"
        assert sol.objective == pytest.approx(free.objective, abs=free.tolerance + sol.tolerance + 1e-9)
        assert sol.moves == free.moves
        assert int(sol.stats["rounds"]) <= 8


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    cap=st.integers(0, 3),
    floor=st.sampled_from([flow.FLOOR_MARGINAL, -np.inf, 0.5, 5.0]),
)
def test_binding_caps_and_left_blocks_match_brute_force(seed: int, cap: int, floor: float) -> None:
    """Caps that bind, and blocks of held levels that are left (``floor`` above the default)."""
    m = random_model(np.random.default_rng(seed)).relaxation()
    truth = brute_force(m)
    saved = flow.FLOOR_MARGINAL
    flow.FLOOR_MARGINAL = floor
    try:
        sol = solve_flow(m, caps=np.full(m.n_bins, cap, dtype=np.int64))
    finally:
        flow.FLOOR_MARGINAL = saved
    if truth is None:
        assert sol.status == "infeasible"
        return
    assert sol.status == "optimal"
    verify_engine_solution(m, sol)
    assert abs(sol.objective - truth[0]) <= 1e-7
    assert sol.moves == truth[1]


def test_costless_bins_grow_by_their_overflow_only() -> None:
    """A bin of infinite weight costs nothing at any level: when any bin overflows it is not
    listed up to every unit (n_units arcs per bin), only grown by what it took itself."""
    from asn_balance.engine.backends.flow import _grown_caps

    base = flood_model(4)
    nb = base.n_bins + 50
    m = one_source(
        np.concatenate([base.target, np.full(50, 1.0)]),
        np.concatenate([base.weight, np.full(50, np.inf)]),
        np.concatenate([base.fixed, np.ones(50, dtype=np.int64)]),
        3000,
    )
    cap = m.initial_staff().astype(np.int64)
    grow = np.zeros(nb, dtype=np.int64)
    grow[1] = 5  # a finite bin overflowed
    grow[base.n_bins + 3] = 7  # and one costless bin took 7 over its cap
    new = _grown_caps(m, cap, grow, np.full(nb, 10**9, dtype=np.int64), 3000 + int(m.fixed.sum()))
    costless = slice(base.n_bins, nb)
    expected = cap[costless].copy()
    expected[3] += 7
    np.testing.assert_array_equal(new[costless], expected)
    assert new[1] > cap[1]
    sol = solve_flow(m, caps=np.zeros(nb, dtype=np.int64))
    free = solve_flow(m)
    verify_engine_solution(m, sol)
    assert sol.status == free.status == "optimal"
    assert sol.objective == pytest.approx(free.objective, abs=1e-9)


@pytest.mark.parametrize("seed", [42, 43])
def test_blocks_give_the_same_integer_optimum(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """With or without blocks, and with blocks so high that many are left (more rounds): the
    same integer cost of the flow, so the same optimum at the same scale."""
    m = large_model(seed)
    costs = {}
    for floor in (-np.inf, flow.FLOOR_MARGINAL, 3.0):
        monkeypatch.setattr(flow, "FLOOR_MARGINAL", floor)
        sol = solve_flow(m)
        verify_engine_solution(m, sol)
        assert sol.status == "optimal"
        costs[floor] = (int(sol.stats["flow_cost"]), float(sol.stats["scale"]), sol.moves)
    assert len(set(costs.values())) == 1, costs
