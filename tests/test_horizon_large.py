"""The five-year plan's engine for models too large for one MIP (engine/horizon_large.py):
the column generation's bound never above brute force or the exact MIP, its price-and-branch
plans checked against the whole model's rows and by the independent horizon checker."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import asn_balance as ab
from asn_balance.compile.horizon import compile_horizon
from asn_balance.engine import horizon_large
from asn_balance.engine.horizon import evaluate_plan, plan_violations, solve_horizon
from asn_balance.engine.horizon_colgen import _colgen
from asn_balance.engine.horizon_large import colgen_bound, price_and_branch
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


def test_year_by_year_plan_as_unit_paths_is_the_same_plan() -> None:
    """``plan_paths`` turns the year-by-year plan into unit paths: as units held per pair it
    breaks no row of the model and has the objective recomputed per employee."""
    from asn_balance.analysis.horizon import plan_paths, plan_year_by_year
    from asn_balance.engine.horizon_large import seed_plan

    problem = tiny(11, 40, 8, growth=0.05, locked=False)
    quotas = [0, 3, 3, 3]
    data = compile_horizon(problem, 4, quotas)
    yby = plan_year_by_year(problem, 4, quotas)
    assert yby.has_plan
    seed = plan_paths(problem, data, yby)
    assert seed is not None
    pair, bins, hires = seed
    model = data.model
    assert len(pair) == int(model.size.sum())  # one path per unit
    assert model.pair_init is not None
    assert np.array_equal(np.bincount(pair, minlength=model.n_pairs), model.pair_init)
    held = seed_plan(model, (pair, bins))
    assert held is not None
    assert plan_violations(model, held, hires) == 0
    assert evaluate_plan(model, held, hires)[0] == pytest.approx(yby.objective, rel=1e-9, abs=1e-9)
    # a unit sent where its group has no pair is no plan of the model
    assert seed_plan(model, (pair, np.where(bins >= 0, model.n_bins, bins))) is None


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), years=st.integers(2, 3), hire=st.integers(0, 1))
def test_seeded_column_generation_against_brute_force(seed: int, years: int, hire: int) -> None:
    """Seeded with the year-by-year plan's paths, the bound never exceeds the brute-force
    optimum; the master's start costs the seed's objective; price-and-branch from that start
    returns a plan of the model between the optimum and the seed."""
    from asn_balance.analysis.horizon import plan_paths, plan_year_by_year
    from asn_balance.engine.horizon_large import seed_plan

    problem = tiny(seed, 2, 3, growth=0.1)
    quotas = [0] + [hire] * (years - 1)
    exact = brute_force(problem, years, quotas)
    data = compile_horizon(problem, years, quotas)
    model = data.model
    try:
        yby = plan_year_by_year(problem, years, quotas)
    except ab.InputError:  # everybody retired: a round's tables have no employee
        assume(False)
        return
    assume(yby.has_plan)
    paths = plan_paths(problem, data, yby)
    assert paths is not None
    held0 = seed_plan(model, paths[:2])
    assert held0 is not None
    obj0 = evaluate_plan(model, held0, paths[2])[0]
    assert obj0 >= exact - 1e-7
    bound, stats, master = _colgen(
        model, time_limit=None, upper=None, rel_gap=1e-4, max_rounds=200, smooth=None, seed=paths[:2]
    )
    assert stats["colgen_seeded"] == int(model.size.sum())
    assert bound <= exact + 1e-7
    info: dict[str, object] = {}
    found = price_and_branch(model, master, time_limit=10.0, cutoff=obj0, stats=info, start=(held0, paths[2]))
    # the seed's columns are HiGHS's start, also with no unit to move (seed 952: all fixed)
    assert info["pnb_start"] == pytest.approx(obj0, abs=1e-6)
    assert found is not None  # the start itself is a plan
    held, hires = found
    assert plan_violations(model, held, hires) == 0
    assert exact - 1e-7 <= evaluate_plan(model, held, hires)[0] <= obj0 + 1e-7


@pytest.mark.parametrize("seed", [3, 11])
def test_seeded_large_path_is_checked_and_beats_year_by_year(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """``plan_horizon`` on the large-model path with the year-by-year plan as seed: the plan
    passes the independent checker, is no worse than the year-by-year plan, not below the exact
    MIP's optimum, and its bound is not above that optimum."""
    from asn_balance.analysis.horizon import plan_year_by_year

    problem = tiny(seed, 40, 8, growth=0.05, locked=False)
    quotas = [0, 3, 3, 3]
    exact = ab.plan_horizon(problem, 4, quotas)
    assert exact.status == "optimal"
    yby = plan_year_by_year(problem, 4, quotas)
    _forced_large(monkeypatch)
    plan = ab.plan_horizon(problem, 4, quotas, time_limit=30, year_by_year=True)
    stats = plan.summary["solver_stats"]
    assert stats["seed_violations"] == 0
    assert stats["colgen_seeded"] > 0
    assert plan.has_plan
    report = ab.check_horizon(problem, plan)
    assert report.ok, report.messages()
    assert exact.objective - 1e-6 <= plan.objective <= yby.objective + 1e-6
    assert plan.bound <= exact.objective + 1e-6
    assert plan.bound <= plan.objective + 1e-9


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), years=st.integers(2, 3), hire=st.integers(0, 1))
def test_column_generation_resumed_after_price_and_branch(seed: int, years: int, hire: int) -> None:
    """Stopped before its first round, then price-and-branch on a copy of the master, then
    resumed to the end: the master is still an LP, the bound valid against brute force and the
    same as the column generation's run without a stop."""
    problem = tiny(seed, 2, 3, growth=0.1)
    quotas = [0] + [hire] * (years - 1)
    exact = brute_force(problem, years, quotas)
    model = compile_horizon(problem, years, quotas).model
    whole, _ = colgen_bound(model)
    early, stats, master = _colgen(
        model, time_limit=1e-3, upper=None, rel_gap=1e-4, max_rounds=200, smooth=None
    )
    assert stats["colgen_rounds"] == 0 and not stats["colgen_converged"]
    assert early <= exact + 1e-7
    found = price_and_branch(model, master, time_limit=10.0, cutoff=None)
    if found is not None:
        assert plan_violations(model, *found) == 0
    assert master.resume is not None
    bound, more = master.resume(None)
    assert more["colgen_converged"]
    assert early - 1e-9 <= bound <= exact + 1e-7
    assert bound == pytest.approx(whole, abs=2e-4 * max(1.0, abs(whole)))  # both within rel_gap


def seeded_master(problem: ab.Problem, quotas: tuple[int, ...] = (0, 3, 3, 3)) -> tuple[Any, ...]:
    """A four-round model, its exact solution, the year-by-year plan's paths, their plan and
    objective, and the column generation's master seeded with those paths, run to the end."""
    from asn_balance.analysis.horizon import plan_paths, plan_year_by_year
    from asn_balance.engine.horizon_large import seed_plan

    data = compile_horizon(problem, len(quotas), list(quotas))
    model = data.model
    exact = solve_horizon(model)
    paths = plan_paths(problem, data, plan_year_by_year(problem, len(quotas), list(quotas)))
    assert paths is not None
    held0 = seed_plan(model, paths[:2])
    assert held0 is not None
    obj0 = evaluate_plan(model, held0, paths[2])[0]
    _, _, master = _colgen(
        model, time_limit=None, upper=None, rel_gap=1e-4, max_rounds=200, smooth=None, seed=paths[:2]
    )
    return model, exact, paths, held0, obj0, master


def test_watchdog_takes_highs_last_incumbent(monkeypatch: pytest.MonkeyPatch) -> None:
    """When HiGHS has not come back by the deadline plus the grace, price-and-branch takes the
    last incumbent HiGHS reported: a plan of the model, no better than the optimum, as good as
    the start. (The thread is replaced by one that runs HiGHS to the end and then says it is
    still running, so the watchdog's branch is taken every time.)"""

    class Late:
        def __init__(self, target: object, daemon: bool) -> None:
            self.target = target

        def start(self) -> None:
            self.target()  # type: ignore[operator]

        def join(self, timeout: float | None = None) -> None:
            pass

        def is_alive(self) -> bool:
            return True

    model, exact, paths, held0, obj0, master = seeded_master(tiny(11, 40, 8, growth=0.05, locked=False))
    monkeypatch.setattr("asn_balance.engine.horizon_large.threading.Thread", Late)
    info: dict[str, object] = {}
    found = price_and_branch(model, master, time_limit=10.0, cutoff=obj0, stats=info, start=(held0, paths[2]))
    assert info["pnb_status"] == "watchdog"
    assert found is not None
    held, hires = found
    assert plan_violations(model, held, hires) == 0
    assert exact.objective - 1e-7 <= evaluate_plan(model, held, hires)[0] <= obj0 + 1e-7


def test_a_seed_with_no_unit_to_move_is_the_start() -> None:
    """Hypothesis's seed 952: two employees, both locked, so the model has no unit and the seed
    no path; the master still takes the seed (no path, its staff and hires) and price-and-branch
    starts from it, the plan everybody staying, as good as brute force."""
    from asn_balance.analysis.horizon import plan_paths, plan_year_by_year
    from asn_balance.engine.horizon_large import seed_plan

    problem = tiny(952, 2, 3, growth=0.1)
    data = compile_horizon(problem, 2, [0, 0])
    model = data.model
    paths = plan_paths(problem, data, plan_year_by_year(problem, 2, [0, 0]))
    assert paths is not None and len(paths[0]) == 0 and int(model.size.sum()) == 0
    held0 = seed_plan(model, paths[:2])
    assert held0 is not None
    obj0 = evaluate_plan(model, held0, paths[2])[0]
    _, _, master = _colgen(
        model, time_limit=None, upper=None, rel_gap=1e-4, max_rounds=200, smooth=None, seed=paths[:2]
    )
    assert master.seed_units is not None and len(master.seed_units) == 0
    info: dict[str, object] = {}
    found = price_and_branch(model, master, time_limit=10.0, cutoff=obj0, stats=info, start=(held0, paths[2]))
    assert info["pnb_start"] == pytest.approx(obj0, abs=1e-6)
    assert found is not None
    assert plan_violations(model, *found) == 0
    assert evaluate_plan(model, *found)[0] == pytest.approx(brute_force(problem, 2, [0, 0]), abs=1e-7)
