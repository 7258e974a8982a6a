"""Set-partitioning column generation and LP dives (solvers/colgen.py).

The knapsack pricing is compared with brute force (hypothesis), the Lagrangian bound with the
brute-force optimum of tiny GAPs (never above it) and with the compact LP (never below it),
and every dive's plan is checked for capacities. The GAP instances are type D (cost
anti-correlated with load), where the set-partitioning bound is strictly tighter than the
compact LP.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asn_balance.engine.dispatch import solve_model
from asn_balance.engine.gap.colgen import Master, dive, knapsack
from asn_balance.engine.gap.loaded import _column_generation, _construct, _Dense, _lp, _sub_solve
from gap_helpers import brute, gap


def type_d(seed: int, m: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    load = rng.integers(1, 100, (m, n))
    cost = 111 - load + rng.integers(-10, 11, (m, n))
    cap = (0.8 * load.sum(axis=1) / m).astype(np.int64)
    return cost, load, cap


def master_of(cost: np.ndarray, load: np.ndarray, cap: np.ndarray) -> tuple[_Dense, Master, np.ndarray]:
    d = _Dense(gap.to_model(cost, load, cap))
    master = Master(d.icost.astype(float), d.iload, d.icap, np.isfinite(d.cost))
    lp = _lp(d)
    return d, master, lp[2] * d.scale if lp is not None else np.zeros(d.cost.shape[0])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-20, 50, allow_nan=False), st.integers(0, 15)), min_size=0, max_size=9),
    st.integers(0, 40),
)
def test_knapsack_equals_brute_force(items: list[tuple[float, int]], capacity: int) -> None:
    profit = np.array([p for p, _ in items], dtype=float)
    weight = np.array([w for _, w in items], dtype=np.int64)
    best = 0.0
    for r in range(len(items) + 1):
        for subset in itertools.combinations(range(len(items)), r):
            s = list(subset)
            if weight[s].sum() <= capacity:
                best = max(best, float(profit[s].sum()))
    chosen, value = knapsack(profit, weight, capacity)
    assert value == pytest.approx(best, abs=1e-6)
    assert weight[chosen].sum() <= capacity
    assert float(profit[chosen].sum()) == pytest.approx(value, abs=1e-6)


@pytest.mark.parametrize("seed", range(8))
def test_lagrangian_bound_lies_between_compact_lp_and_optimum(seed: int) -> None:
    cost, load, cap = type_d(seed, 3, 8)
    optimum = brute(cost, load, cap)
    d, master, center = master_of(cost, load, cap)
    value, bound, converged = master.generate(time.perf_counter() + 30, center=center)
    assert converged
    lp = _lp(d)
    assert lp is not None
    if np.isfinite(optimum):
        assert bound <= optimum + 1e-6
    assert bound >= lp[1] - 1e-6
    assert value == pytest.approx(bound, abs=1e-4)  # at convergence the LP value is the bound


def test_the_bound_is_valid_at_every_round() -> None:
    """Stopped after any number of rounds, the Lagrangian bound never exceeds the optimum."""
    cost, load, cap = type_d(11, 3, 9)
    optimum = brute(cost, load, cap)
    for rounds in (1, 2, 3, 5, 8):
        _, master, center = master_of(cost, load, cap)
        _, bound, _ = master.generate(time.perf_counter() + 30, center=center, max_rounds=rounds)
        assert bound <= optimum + 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_dives_give_feasible_plans_and_restore_the_master(seed: int) -> None:
    cost, load, cap = type_d(100 + seed, 4, 24)
    d, master, center = master_of(cost, load, cap)
    _, bound, converged = master.generate(time.perf_counter() + 30, center=center)
    assert converged
    start = np.zeros(24, dtype=np.int64)

    def complete(units: np.ndarray, bins: np.ndarray) -> np.ndarray | None:
        return _sub_solve(d, units, bins, d.icap[bins], start, 2.0, 0)

    rng = np.random.default_rng(seed)
    plans = 0
    for k in range(3):
        plan = dive(master, time.perf_counter() + 20, complete, rng if k else None)
        assert master.free_unit.all() and master.free_bin.all() and master.fixed_cost == 0
        assert all(lo == 0 for lo in master.lower) and all(np.isinf(master.upper))
        if plan is not None:
            plans += 1
            objective = gap.verify(cost, load, cap, plan)  # raises on a broken capacity
            assert objective >= bound - 1e-6
        master.generate(time.perf_counter() + 30, alpha=0.0)
    assert plans >= 1


def test_column_generation_stage_improves_a_start_and_bounds_it() -> None:
    """The stage solve_model runs between CP-SAT and the LNS: from a poor feasible start it
    returns a feasible plan no worse than the start, a bound at least the compact LP's and
    never above the plan, and reports each dive's improvement."""
    cost, load, cap = type_d(5, 5, 60)
    d = _Dense(gap.to_model(cost, load, cap))
    start = _construct(d, time.perf_counter() + 5)
    assert start is not None
    seen: list[float] = []
    now = time.perf_counter()
    cg = _column_generation(d, start, now + 20, now + 25, 0, lambda a: seen.append(d.total(a)))
    assert cg is not None and cg.converged and cg.dives >= 1
    objective = gap.verify(cost, load, cap, cg.assign)
    assert objective <= d.total(start)
    lp = _lp(d)
    assert lp is not None
    assert np.ceil(lp[1] - 1e-6) <= cg.bound <= objective
    assert seen == sorted(seen, reverse=True) and (not seen or seen[-1] == objective)
    stats = cg.stats()
    assert stats["colgen_dives"] == cg.dives and stats["colgen_bound"] == cg.bound


def test_solve_model_reports_a_valid_bound_on_type_d() -> None:
    cost, load, cap = type_d(6, 5, 60)
    sol = solve_model(gap.to_model(cost, load, cap), time_limit=6.0, seed=0)
    assign = np.full(60, -1)
    assign[sol.move_group] = sol.move_bin
    objective = gap.verify(cost, load, cap, assign)
    assert objective == pytest.approx(sol.objective)
    assert sol.bound <= objective + 1e-9
    if "colgen_bound" in sol.stats:  # CP-SAT did not prove it at once: the stage ran
        assert float(sol.stats["colgen_bound"]) <= sol.bound + 1e-9
