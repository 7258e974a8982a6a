"""The five-year plan's engine for models too large for one MIP (engine/horizon_large.py):
the column generation's bound never above brute force or the exact MIP, its price-and-branch
plans checked against the whole model's rows and by the independent horizon checker."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import asn_balance as ab
from asn_balance.compile.horizon import compile_horizon
from asn_balance.engine import horizon_large
from asn_balance.engine.horizon import evaluate_plan, plan_violations, solve_horizon
from asn_balance.engine.horizon_large import _colgen, colgen_bound, price_and_branch
from test_horizon import brute_force, tiny


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    years=st.integers(2, 3),
    hire=st.integers(0, 1),
    smooth=st.sampled_from([None, 0.0, 0.7]),
)
def test_colgen_bound_and_its_plan_against_brute_force(
    seed: int, years: int, hire: int, smooth: float | None
) -> None:
    """Adaptive or fixed smoothing: the bound never exceeds the brute-force optimum; the
    price-and-branch plan, when there is one, is a plan of the model no better than it."""
    problem = tiny(seed, 2, 3, growth=0.1)
    quotas = [0] + [hire] * (years - 1)
    exact = brute_force(problem, years, quotas)
    model = compile_horizon(problem, years, quotas).model
    bound, stats = colgen_bound(model, smooth=smooth)
    assert bound <= exact + 1e-7
    assert all(b <= exact + 1e-3 for _, _, b in stats["colgen_trace"])  # rounded to 3 decimals
    _, _, master = _colgen(model, time_limit=None, upper=None, rel_gap=1e-4, max_rounds=200, smooth=smooth)
    found = price_and_branch(model, master, time_limit=10.0, cutoff=None)
    if found is not None:
        held, hires = found
        assert plan_violations(model, held, hires) == 0
        assert evaluate_plan(model, held, hires)[0] >= exact - 1e-7


def _forced_large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every model takes the large-model path (column generation and price-and-branch)."""
    monkeypatch.setattr(horizon_large, "MAX_MIP_COLUMNS", 0)


@pytest.mark.parametrize("seed", [3, 11])
def test_large_path_plan_is_checked_and_its_bound_valid(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """On a small city the large-model path gives a plan the independent checker accepts, its
    objective recomputed per employee, not below the exact MIP's proven optimum, and a bound
    not above it."""
    problem = tiny(seed, 40, 8, growth=0.05, locked=False)
    quotas = [0, 3, 3, 3]
    exact = ab.plan_horizon(problem, 4, quotas)
    assert exact.status == "optimal"
    _forced_large(monkeypatch)
    plan = ab.plan_horizon(problem, 4, quotas, time_limit=30, year_by_year=False)
    assert plan.summary["solver"].startswith("colgen+price_and_branch")
    assert plan.has_plan
    report = ab.check_horizon(problem, plan)
    assert report.ok, report.messages()
    assert plan.objective >= exact.objective - 1e-6
    assert plan.bound <= exact.objective + 1e-6
    assert plan.bound <= plan.objective + 1e-9
    # the relaxation is tight here: the large path proves (nearly) the same optimum
    assert plan.objective <= exact.objective * 1.01


def test_large_path_with_a_cutoff_says_no_better(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the optimum as the plan to beat, the large path finds nothing better and keeps a
    valid bound."""
    problem = tiny(5, 30, 6, growth=0.05, locked=False)
    model = compile_horizon(problem, 3, [0, 2, 2]).model
    exact = solve_horizon(model)
    assert exact.status == "optimal"
    _forced_large(monkeypatch)
    sol = solve_horizon(model, time_limit=20, cutoff=exact.objective)
    assert sol.status in ("no_better", "feasible", "optimal")
    assert sol.bound <= exact.objective + 1e-6
    if sol.status != "no_better":
        assert sol.objective >= exact.objective - 1e-6


def test_plan_violations_names_broken_plans() -> None:
    """The exact MIP's plan breaks no row; a unit taken away and hires above the quota do."""
    problem = tiny(7, 20, 5, growth=0.05, locked=False)
    model = compile_horizon(problem, 3, [0, 2, 2]).model
    sol = solve_horizon(model)
    assert plan_violations(model, sol.held, sol.hires) == 0
    lost = sol.held.copy()
    p = int(np.flatnonzero(lost[:, 1] > 0)[0])
    lost[p, 1:] -= 1  # a unit vanishes: conservation
    assert plan_violations(model, lost, sol.hires) > 0
    hires = sol.hires.copy()
    hires[1, 0] += int(model.hire_cap[1]) + 1  # above the round's quota
    assert plan_violations(model, sol.held, hires) > 0
