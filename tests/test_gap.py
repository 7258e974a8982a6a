"""The engine with loads (the Generalized Assignment Problem): CP-SAT and the LNS.

gap1-1 is problem 1 of OR-Library's gap1 (5 agents, 15 jobs; minimum 261, see
../shared/benchmarks/gap/best_known.csv). Random tiny instances are compared with brute force.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from asn_balance.engine.dispatch import solve_model
from asn_balance.engine.gap.loaded import _Dense, _lns
from gap_helpers import brute, gap

ROOT = Path(__file__).resolve().parents[1]


def solve(
    cost: np.ndarray, load: np.ndarray, cap: np.ndarray, **kw: float
) -> tuple[str, float | None, float]:
    sol = solve_model(gap.to_model(cost, load, cap), time_limit=kw.get("time_limit", 10.0), seed=1)
    if sol.status not in ("optimal", "feasible"):
        return sol.status, None, sol.bound
    assign = np.full(cost.shape[1], -1)
    assign[sol.move_group] = sol.move_bin
    objective = gap.verify(cost, load, cap, assign)  # every capacity holds
    assert objective == pytest.approx(sol.objective)
    assert sol.bound <= sol.objective + 1e-9
    return sol.status, objective, sol.bound


def test_gap1_1_is_solved_to_its_known_optimum() -> None:
    ((name, cost, load, cap),) = list(gap.parse(ROOT / "tests" / "data" / "gap1-1.txt"))
    assert name == "gap1-1" and cost.shape == (5, 15)
    status, objective, bound = solve(cost, load, cap)
    assert (status, objective, bound) == ("optimal", 261, pytest.approx(261))


@pytest.mark.parametrize("seed", range(25))
def test_tiny_random_gap_equals_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(2, 4)), int(rng.integers(3, 7))
    cost = rng.integers(1, 30, (m, n))
    load = rng.integers(1, 10, (m, n))
    cap = rng.integers(int(load.sum() / m / 2), int(load.sum() / m * 1.2) + 2, m)
    expected = brute(cost, load, cap)
    status, objective, _ = solve(cost, load, cap)
    if np.isinf(expected):
        assert status == "infeasible"
    else:
        assert status == "optimal"
        assert objective == expected


def test_lns_keeps_capacities_and_never_worsens() -> None:
    rng = np.random.default_rng(7)
    m, n = 6, 60
    load = rng.integers(1, 100, (m, n))
    cost = 111 - load + rng.integers(-10, 11, (m, n))  # type D: cost anti-correlated with load
    cap = (0.8 * load.sum(axis=1) / m).astype(np.int64)
    model = gap.to_model(cost, load, cap)
    d = _Dense(model)
    # a feasible but poor start: first fit in job order
    used = np.zeros(m)
    start = np.empty(n, dtype=np.int64)
    for j in range(n):
        i = next(i for i in np.argsort(-cost[:, j]) if used[i] + load[i, j] <= cap[i])
        start[j], used[i] = i, used[i] + load[i, j]
    seen = [gap.verify(cost, load, cap, start)]
    import time

    final, rounds = _lns(
        d, start, time.perf_counter() + 3.0, 0, lambda a: seen.append(gap.verify(cost, load, cap, a))
    )
    assert rounds > 0
    assert seen == sorted(seen, reverse=True)  # strictly improving steps
    assert gap.verify(cost, load, cap, final) == seen[-1] < seen[0]


def test_infeasible_gap_is_reported() -> None:
    cost = np.array([[1, 1], [1, 1]])
    load = np.array([[5, 5], [5, 5]])
    status, objective, _ = solve(cost, load, np.array([4, 4]))
    assert status == "infeasible" and objective is None


def test_large_instance_takes_the_lp_path() -> None:
    """Above 800 units: GLOP's LP bound, LP rounding and the LNS; the plan is feasible."""
    rng = np.random.default_rng(3)
    m, n = 10, 900
    load = rng.integers(1, 100, (m, n))
    cost = 111 - load + rng.integers(-10, 11, (m, n))
    cap = (0.8 * load.sum(axis=1) / m).astype(np.int64)
    sol = solve_model(gap.to_model(cost, load, cap), time_limit=6.0, seed=1)
    assert sol.solver == "lp+lns"
    assign = np.full(n, -1)
    assign[sol.move_group] = sol.move_bin
    objective = gap.verify(cost, load, cap, assign)
    assert objective == pytest.approx(sol.objective)
    assert sol.stats["lp_bound"] <= objective
    assert sol.bound <= objective
    assert (objective - sol.bound) / objective < 0.02  # the LP bound is tight on this type
