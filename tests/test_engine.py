"""The generic assignment engine, built directly (no HR layer).

Tiny models with optima computed by hand, staffing bounds, infeasibility diagnosis, the
hub decomposition, arc costs (which the HR layer never uses), a brute force over tiny
random models, and a large random model checked for consistency and local optimality.
Every solution goes through ``solve_model_checked`` (see conftest).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from asn_balance import AssignmentModel
from asn_balance.engine.backends.flow import solve_flow
from conftest import solve_model_checked, verify_engine_solution


def model(
    target: list[float],
    groups: list[tuple[int, int]],
    classes: list[list[int]],
    arcs: list[tuple[int, int]] | list[tuple[int, int, float]],
    *,
    weight: list[float] | None = None,
    fixed: list[int] | None = None,
    min_staff: list[int] | None = None,
    max_staff: list[int] | None = None,
    move_cost: float = 0.0,
    max_moves: int | None = None,
) -> AssignmentModel:
    """A model from lists: groups as (home, size), classes as bin lists, arcs as (group, class[, cost])."""
    nb = len(target)
    w = weight if weight is not None else [max(t, 1.0) for t in target]
    indptr = np.concatenate([[0], np.cumsum([len(c) for c in classes])]).astype(np.int64)
    return AssignmentModel(
        target=np.asarray(target, dtype=float),
        weight=np.asarray(w, dtype=float),
        min_staff=np.asarray(min_staff or [0] * nb, dtype=np.int64),
        max_staff=np.asarray(max_staff or [-1] * nb, dtype=np.int64),
        fixed=np.asarray(fixed or [0] * nb, dtype=np.int64),
        group_size=np.asarray([s for _, s in groups], dtype=np.int64),
        group_home=np.asarray([h for h, _ in groups], dtype=np.int64),
        class_indptr=indptr,
        class_bins=np.asarray([b for c in classes for b in c], dtype=np.int64),
        arc_group=np.asarray([a[0] for a in arcs], dtype=np.int64),
        arc_class=np.asarray([a[1] for a in arcs], dtype=np.int64),
        arc_cost=np.asarray([a[2] if len(a) > 2 else 0.0 for a in arcs], dtype=float),
        move_cost=move_cost,
        max_moves=max_moves,
    )


def plan(sol: Any) -> dict[tuple[int, int], int]:
    """``{(group, bin): count}``."""
    return {
        (int(g), int(b)): int(c) for g, b, c in zip(sol.move_group, sol.move_bin, sol.move_count, strict=True)
    }


# --------------------------------------------------------------------------- hand-made


def test_two_bins_one_move() -> None:
    """Bins need 1 and 1; a group of 2 sits in bin 0: one moves, objective 0 + 0.1."""
    m = model([1.0, 1.0], [(0, 2)], [[0, 1]], [(0, 0)], move_cost=0.1)
    sol = solve_model_checked(m)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(0.1, rel=1e-12)
    assert sol.staff.tolist() == [1, 1]
    assert plan(sol) == {(0, 1): 1}
    assert m.initial_staff().tolist() == [2, 0]
    assert m.staffing_cost([2, 0]) == 2.0


def test_fractional_targets_and_weights() -> None:
    """Targets 2.5 and 0.4 (weights 2.5 and 1), 3 units in bin 0 that may go to bin 1.

    staff (3, 0): 0.25/2.5 + 0.16 = 0.26; (2, 1): 0.1 + 0.36 = 0.46. Nobody moves.
    With target 0.6 instead: (3, 0) 0.1 + 0.36 = 0.46; (2, 1): 0.1 + 0.16 = 0.26: one move
    pays if move_cost < 0.2.
    """
    sol = solve_model_checked(model([2.5, 0.4], [(0, 3)], [[1]], [(0, 0)], weight=[2.5, 1.0], move_cost=0.0))
    assert sol.moves == 0 and sol.objective == pytest.approx(0.26, rel=1e-12)
    m = model([2.5, 0.6], [(0, 3)], [[1]], [(0, 0)], weight=[2.5, 1.0], move_cost=0.19)
    sol = solve_model_checked(m)
    assert sol.moves == 1 and sol.objective == pytest.approx(0.26 + 0.19, rel=1e-12)
    m = model([2.5, 0.6], [(0, 3)], [[1]], [(0, 0)], weight=[2.5, 1.0], move_cost=0.21)
    sol = solve_model_checked(m)
    assert sol.moves == 0 and sol.objective == pytest.approx(0.46, rel=1e-12)


def test_fixed_units_never_move() -> None:
    """Bin 0 holds 3 fixed units and 1 movable: only the movable one may go."""
    m = model([1.0, 1.0, 1.0], [(0, 1)], [[1, 2]], [(0, 0)], fixed=[3, 0, 0], move_cost=0.1)
    sol = solve_model_checked(m)
    assert sol.staff.tolist() in ([3, 1, 0], [3, 0, 1])
    # (4-1)^2 + 0 + 1 -> (3-1)^2 + 0 + 1 = 5, plus 0.1
    assert sol.objective == pytest.approx(5.1, rel=1e-12)


def test_min_and_max_staff_bounds() -> None:
    base: dict[str, Any] = {"move_cost": 0.1}
    groups, classes, arcs = [(0, 2)], [[0, 1]], [(0, 0)]
    # max_staff 0 on bin 1: nobody goes, (2-1)^2 + (0-1)^2 = 2
    sol = solve_model_checked(model([1.0, 1.0], groups, classes, arcs, max_staff=[-1, 0], **base))
    assert sol.moves == 0 and sol.objective == pytest.approx(2.0, rel=1e-12)
    # min_staff 2 on bin 1: both go, 1 + 1 + 0.2
    sol = solve_model_checked(model([1.0, 1.0], groups, classes, arcs, min_staff=[0, 2], **base))
    assert sol.staff.tolist() == [0, 2] and sol.objective == pytest.approx(2.2, rel=1e-12)
    # max_staff 1 on bin 0 forces a move even at a high move cost
    sol = solve_model_checked(model([2.0, 0.0], groups, classes, arcs, max_staff=[1, -1], move_cost=50.0))
    assert sol.staff.tolist() == [1, 1]
    assert sol.objective == pytest.approx(0.5 + 1.0 + 50.0, rel=1e-12)


def test_infeasible_bins_are_diagnosed() -> None:
    # min_staff 3 in bin 1, but only 2 units can reach it
    m = model([1.0, 1.0], [(0, 2)], [[0, 1]], [(0, 0)], min_staff=[0, 3])
    sol = solve_model_checked(m)
    assert sol.status == "infeasible"
    assert math.isnan(sol.objective)
    assert (1, "min_staff", 2, 3) in sol.infeasible_bins
    # max_staff 1 in bin 0 holding 3 fixed units
    m = model([1.0, 1.0], [(0, 1)], [[1]], [(0, 0)], fixed=[3, 0], max_staff=[1, -1])
    sol = solve_model_checked(m)
    assert sol.status == "infeasible"
    assert (0, "max_staff", 3, 1) in sol.infeasible_bins
    # min_staff reachable only from a group that cannot move there
    m = model([1.0, 1.0, 1.0], [(0, 1), (1, 1)], [[1]], [(0, 0)], min_staff=[0, 0, 1])
    sol = solve_model_checked(m)
    assert sol.status == "infeasible"
    assert [b for b, kind, _, _ in sol.infeasible_bins if kind == "min_staff"] == [2]


def test_budget_in_the_engine() -> None:
    """Bin 0 needs 1 and holds 3; bins 1, 2 need 1: B = 6; one move -> 2; two -> 0."""
    for budget, objective in ((0, 6.0), (1, 2.1), (2, 0.2), (None, 0.2)):
        m = model([1.0, 1.0, 1.0], [(0, 3)], [[1, 2]], [(0, 0)], move_cost=0.1, max_moves=budget)
        sol = solve_model_checked(m)
        assert sol.status == "optimal"
        assert sol.objective == pytest.approx(objective, rel=1e-12)


def test_arc_costs_pick_the_cheaper_route() -> None:
    """Group 0 may reach bin 1 via class 0 (cost 0.5) or class 1 (cost 0.2), bin 2 via class 2 (0.05)."""
    classes = [[1], [1], [2]]
    arcs = [(0, 0, 0.5), (0, 1, 0.2), (0, 2, 0.05)]
    m = model([1.0, 1.0, 0.0], [(0, 2)], classes, arcs, move_cost=0.1)
    sol = solve_model_checked(m)
    # to bin 1 via class 1: B 0 + 0 + 0, cost 0.1 + 0.2; to bin 2 would be B 1 + 1 + 1
    assert plan(sol) == {(0, 1): 1}
    assert sol.arc_cost_total == pytest.approx(0.2, rel=1e-12)
    assert sol.objective == pytest.approx(0.3, rel=1e-12)


# (target, groups, classes, arcs, fixed) of models with a bonus arc (move_cost 0.1)
BONUS_MODELS: dict[str, tuple[Any, ...]] = {
    # a swap between two bins that both need 1 would "earn" 2 * (0.1 - 0.6)
    "swap": ([1.0, 1.0], [(0, 1), (1, 1)], [[0], [1]], [(0, 1, -0.6), (1, 0, -0.6)], None),
    # class 0 is the unit's own home: the flow used to collect the bonus without moving
    "back-home": ([1.0, 1.0], [(0, 1)], [[0], [1]], [(0, 0, -10.0), (0, 1, 0.0)], [1, 0]),
    # hub {0, 2} fed from bins 1 and 2: _decompose used to pair g1 -> its own home 2
    "hub-pairing": ([2.0, 0.0, 1.0], [(1, 1), (2, 1)], [[0, 2]], [(0, 0, 0.0), (1, 0, -0.5)], None),
}


@pytest.mark.parametrize("name", ["back-home", "hub-pairing"])
def test_negative_net_arc_cost_is_rejected(name: str) -> None:
    """move_cost + arc_cost < 0 into a class holding the home would reward routing back home.

    Before the model rejected it, such models were solved wrongly and reported optimal:
    "back-home" gave objective 2.0 (optimum 0.1), "hub-pairing" 0.6 (optimum 0.2).
    """
    target, groups, classes, arcs, fixed = BONUS_MODELS[name]
    with pytest.raises(ValueError, match="arc_cost"):
        model(target, groups, classes, arcs, fixed=fixed, move_cost=0.1)


def test_negative_price_away_from_home_is_solved_exactly() -> None:
    """A reward for moving is allowed where the class excludes the home bin (a folded stay cost)."""
    target, groups, classes, arcs, fixed = BONUS_MODELS["swap"]
    m = model(target, groups, classes, arcs, fixed=fixed, move_cost=0.1)
    truth = brute_force(m)
    assert truth is not None
    sol = solve_model_checked(m)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(truth[0], abs=1e-9)
    assert sol.objective == pytest.approx(2 * (0.1 - 0.6), abs=1e-9)


@pytest.mark.parametrize("name", list(BONUS_MODELS))
def test_zero_net_arc_cost_is_solved_exactly(name: str) -> None:
    """The same models with every negative arc cost raised to -move_cost (net price 0)."""
    target, groups, classes, arcs, fixed = BONUS_MODELS[name]
    arcs = [(g, c, max(cost, -0.1)) for g, c, cost in arcs]
    m = model(target, groups, classes, arcs, fixed=fixed, move_cost=0.1)
    truth = brute_force(m)
    assert truth is not None
    sol = solve_model_checked(m)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(truth[0], abs=1e-9)
    assert sol.moves == truth[1]


def test_hub_decomposition_has_no_self_moves() -> None:
    """Several groups share one class whose bins include their homes."""
    # bins 0..3 need 2, 2, 3, 3; groups: 4 units in 0, 4 in 1, 1 in 2, 0 in 3 (all one class)
    target = [2.0, 2.0, 3.0, 3.0]
    groups = [(0, 4), (1, 4), (2, 1), (3, 1)]
    classes = [[0, 1, 2, 3]]
    arcs = [(g, 0) for g in range(4)]
    sol = solve_model_checked(model(target, groups, classes, arcs, move_cost=0.01))
    assert sol.staff.tolist() == [2, 2, 3, 3]
    assert sol.moves == 4  # 2 out of bin 0, 2 out of bin 1
    assert all(g in (0, 1) for g, _ in plan(sol))
    # flow with a zero move cost: still the fewest moves
    sol = solve_model_checked(model(target, groups, classes, arcs, move_cost=0.0))
    assert sol.moves == 4 and sol.objective == 0.0


def test_engine_solution_gap_and_stats() -> None:
    m = model([1.0, 1.0], [(0, 2)], [[0, 1]], [(0, 0)], move_cost=0.1)
    sol = solve_flow(m)
    verify_engine_solution(m, sol)
    assert sol.gap <= 1e-9
    assert sol.stats["rounds"] >= 1
    assert m.n_units == 2 and m.n_bins == 2 and m.n_classes == 1 and m.n_groups == 1


def test_model_validation() -> None:
    with pytest.raises(ValueError, match="weight"):
        model([1.0], [(0, 1)], [[0]], [(0, 0)], weight=[0.0])
    with pytest.raises(ValueError):
        AssignmentModel(
            target=np.ones(2), weight=np.ones(1), min_staff=np.zeros(2, np.int64),
            max_staff=-np.ones(2, np.int64), fixed=np.zeros(2, np.int64),
            group_size=np.zeros(0, np.int64), group_home=np.zeros(0, np.int64),
            class_indptr=np.zeros(1, np.int64), class_bins=np.zeros(0, np.int64),
            arc_group=np.zeros(0, np.int64), arc_class=np.zeros(0, np.int64), arc_cost=np.zeros(0),
        )  # fmt: skip


# --------------------------------------------------------------------------- brute force


def random_model(rng: np.random.Generator) -> AssignmentModel:
    nb = int(rng.integers(2, 5))
    n_groups = int(rng.integers(1, 4))
    groups = [(int(rng.integers(nb)), int(rng.integers(1, 3))) for _ in range(n_groups)]
    n_classes = int(rng.integers(1, 4))
    classes = [
        sorted(rng.choice(nb, size=int(rng.integers(1, nb + 1)), replace=False).tolist())
        for _ in range(n_classes)
    ]
    arcs = []
    for g in range(n_groups):
        for c in range(n_classes):
            if rng.random() < 0.6:
                # non-negative arc costs here; bonuses have their own test above
                arcs.append((g, c, float(rng.choice([0.0, 0.0, 0.3, round(float(rng.uniform(0, 1)), 2)]))))
    units = sum(s for _, s in groups) + 0
    fixed = [int(rng.integers(0, 2)) for _ in range(nb)]
    lo = [int(rng.random() < 0.2) for _ in range(nb)]
    hi = [int(rng.integers(lo[b], 4)) if rng.random() < 0.2 else -1 for b in range(nb)]
    del units
    target = [float(rng.choice([0.0, 0.5, 1.0, 1.5, 2.0, 3.0])) for _ in range(nb)]
    return model(
        target, groups, classes, arcs, fixed=fixed, min_staff=lo, max_staff=hi,
        move_cost=float(rng.choice([0.0, 0.1, 0.4])),
        max_moves=None if rng.random() < 0.6 else int(rng.integers(0, 3)),
    )  # fmt: skip


def brute_force(m: AssignmentModel) -> tuple[float, int] | None:
    """Least objective and fewest moves among optimal, over every unit's destination."""
    units = [int(g) for g in range(m.n_groups) for _ in range(int(m.group_size[g]))]
    options: list[list[tuple[int, float]]] = []  # (bin, extra cost) per unit, stay first
    for g in units:
        home = int(m.group_home[g])
        best: dict[int, float] = {}
        for a in np.flatnonzero(m.arc_group == g):
            c = int(m.arc_class[a])
            for b in m.class_bins[m.class_indptr[c] : m.class_indptr[c + 1]].tolist():
                if b != home:
                    cost = m.move_cost + float(m.arc_cost[a])
                    best[b] = min(best.get(b, math.inf), cost)
        options.append([(home, 0.0), *best.items()])
    found: list[tuple[float, int]] = []
    for choice in itertools.product(*options):
        staff = m.fixed.astype(np.int64).copy()
        moves, extra = 0, 0.0
        for g, (b, cost) in zip(units, choice, strict=True):
            staff[b] += 1
            if b != int(m.group_home[g]):
                moves, extra = moves + 1, extra + cost
        if (staff < m.min_staff).any() or ((m.max_staff >= 0) & (staff > m.max_staff)).any():
            continue
        if m.max_moves is not None and moves > m.max_moves:
            continue
        found.append((m.staffing_cost(staff) + extra, moves))
    if not found:
        return None
    best_obj = min(o for o, _ in found)
    return best_obj, min(k for o, k in found if o <= best_obj + 1e-9)


@pytest.mark.parametrize("seed", range(60))
def test_engine_equals_brute_force(seed: int) -> None:
    m = random_model(np.random.default_rng(500 + seed))
    truth = brute_force(m)
    sol = solve_model_checked(m, seed=1)
    if truth is None:
        assert sol.status == "infeasible"
        assert sol.infeasible_bins or m.max_moves is not None
        return
    assert sol.status == "optimal", (sol.status, truth)
    assert abs(sol.objective - truth[0]) <= 1e-7, (sol.objective, truth)
    assert sol.moves == truth[1], (sol.moves, truth)
    assert sol.bound <= truth[0] + 1e-7


# --------------------------------------------------------------------------- large random


def large_model(seed: int, n_units: int = 2000, max_moves: int | None = None) -> AssignmentModel:
    rng = np.random.default_rng(seed)
    nb, n_classes = 200, 15
    home = rng.integers(0, nb, size=n_units)
    movable = rng.random(n_units) < 0.8
    fixed = np.bincount(home[~movable], minlength=nb).astype(np.int64)
    # groups: movable units by (home, kind)
    kind = rng.integers(0, 3, size=n_units)
    key = home[movable] * 3 + kind[movable]
    uniq, sizes = np.unique(key, return_counts=True)
    group_home = (uniq // 3).astype(np.int64)
    class_of_bin = rng.integers(0, n_classes, size=nb)
    order = np.argsort(class_of_bin, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(class_of_bin, minlength=n_classes))]).astype(np.int64)
    arc_g, arc_c = [], []
    for g in range(len(uniq)):
        own = class_of_bin[group_home[g]]
        extra = rng.choice(n_classes, size=2, replace=False)
        for c in sorted({int(own), *extra.tolist()}):
            arc_g.append(g)
            arc_c.append(c)
    staff0 = np.bincount(home, minlength=nb)
    target = np.maximum(0.0, staff0 + rng.normal(0, 3, size=nb)).round(2)
    return AssignmentModel(
        target=target,
        weight=np.maximum(target, 1.0),
        min_staff=np.where(rng.random(nb) < 0.05, np.minimum(staff0, 2), 0).astype(np.int64),
        max_staff=np.where(rng.random(nb) < 0.05, staff0 + 5, -1).astype(np.int64),
        fixed=fixed,
        group_size=sizes.astype(np.int64),
        group_home=group_home,
        class_indptr=indptr,
        class_bins=order.astype(np.int64),
        arc_group=np.asarray(arc_g, dtype=np.int64),
        arc_class=np.asarray(arc_c, dtype=np.int64),
        arc_cost=np.zeros(len(arc_g)),
        move_cost=0.1,
        max_moves=max_moves,
    )


def assert_no_improving_single_move(m: AssignmentModel, sol: Any) -> None:
    """No unit staying home gains by moving to a reachable bin, nor a moved unit by returning."""
    s = sol.staff.astype(float)

    def f(b: np.ndarray, k: np.ndarray) -> np.ndarray:
        return (k - m.target[b]) ** 2 / m.weight[b]

    hi = np.where(m.max_staff >= 0, m.max_staff, np.iinfo(np.int64).max)
    moved_out = np.bincount(sol.move_group, weights=sol.move_count, minlength=m.n_groups)
    at_home = m.group_size - moved_out
    cls_of = np.repeat(np.arange(m.n_classes), np.diff(m.class_indptr))
    for a in range(len(m.arc_group)):
        g, c = int(m.arc_group[a]), int(m.arc_class[a])
        h = int(m.group_home[g])
        if at_home[g] <= 0 or s[h] - 1 < m.min_staff[h]:
            continue
        bins = m.class_bins[cls_of == c]
        bins = bins[(bins != h) & (s[bins] + 1 <= hi[bins])]
        delta = (
            f(bins, s[bins] + 1) - f(bins, s[bins]) + f(np.array([h]), s[h] - 1) - f(np.array([h]), s[h])
        ) + m.move_cost
        assert (delta >= -1e-9).all(), f"group {g} gains {delta.min()} by one more move"
    for g, b, _ in zip(sol.move_group, sol.move_bin, sol.move_count, strict=True):
        h = int(m.group_home[g])
        if s[b] - 1 < m.min_staff[b] or s[h] + 1 > hi[h]:
            continue
        delta = (
            f(np.array([h]), s[h] + 1)
            - f(np.array([h]), s[h])
            + f(np.array([b]), s[b] - 1)
            - f(np.array([b]), s[b])
        )
        assert delta[0] - m.move_cost >= -1e-9, f"group {g} gains by returning home from {b}"


def test_large_random_model_is_consistent() -> None:
    m = large_model(seed=42)
    assert m.n_units == 2000
    sol = solve_model_checked(m)
    assert sol.status == "optimal"
    assert sol.moves > 50, "the model has too little to balance"
    assert sol.objective < m.objective(m.initial_staff(), 0)
    assert_no_improving_single_move(m, sol)
    assert sol.stats["rounding_tolerance"] < 1e-6


def test_large_random_model_with_budget() -> None:
    free = solve_model_checked(large_model(seed=43))
    budget = free.moves // 2
    m = large_model(seed=43, max_moves=budget)
    sol = solve_model_checked(m, time_limit=20.0, seed=0)
    assert sol.status in ("optimal", "feasible")
    assert sol.moves <= budget
    assert sol.objective >= free.objective - 1e-9 * free.objective
    assert sol.objective <= m.objective(m.initial_staff(), 0)


@pytest.mark.parametrize("first_tick", [1, 2])
def test_arc_tick_breaks_ties_without_changing_the_objective(first_tick: int) -> None:
    """Two groups in bin 0 could fill bin 1 equally well; the arc of tick 1 is used."""
    from dataclasses import replace

    base = model([0.0, 1.0], [(0, 1), (0, 1)], [[1]], [(0, 0), (1, 0)], move_cost=0.1)
    m = replace(base, arc_tick=np.array([first_tick, 3 - first_tick], dtype=np.int64))
    for mm in (m, replace(m, max_moves=1)):  # exact flow, and the budget path
        sol = solve_model_checked(mm)
        assert sol.status == "optimal"
        assert plan(sol) == {(0 if first_tick == 1 else 1, 1): 1}
        assert sol.objective == pytest.approx(1.0 + 0.1, abs=1e-9)
