"""HiGHS on the compact MIP (``engine/backends/highs.py``) and the side path that uses it.

Random tiny models with side rows, pairs (soft and hard), budgets, negative arc prices and
staffing bounds are solved by HiGHS and by exhaustive enumeration of every plan; the optimum,
the status (infeasible included) and the honesty of the figures must agree. The listed cuts
are exercised with no margin at all, so that plans leave them and the cuts get certified.
Then the dispatcher: a tight-cap synthetic scenario through the planner (the plan passes
``check``, the engine's objective equals the recomputed one), the forced old path, a
deterministic search, and an infeasible model with its conflict named.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from asn_balance import AssignmentModel, EngineSolution, Problem, check, planner
from asn_balance.datasets import synth
from asn_balance.engine import dispatch
from asn_balance.engine.backends import highs
from asn_balance.engine.backends.highs import solve_highs
from asn_balance.engine.clock import deterministic_search
from asn_balance.engine.dispatch import side_holds, solve_model
from asn_balance.engine.model import Pair, SideConstraint

E = np.zeros(0, dtype=np.int64)
N_RANDOM = 60


def random_model(seed: int) -> AssignmentModel:
    """A tiny model: 2-4 bins, 2-4 groups of 1-2 units, random classes and arcs, sometimes
    side rows, a pair, a budget, staffing bounds, bins without cost and negative prices."""
    rng = np.random.default_rng(seed)
    nb = int(rng.integers(2, 5))
    ng = int(rng.integers(2, 5))
    target = rng.integers(0, 4, nb) + rng.choice([0.0, 0.5], nb)
    weight = rng.choice([1.0, 2.0, 3.0, math.inf], nb, p=[0.4, 0.3, 0.2, 0.1])
    fixed = rng.integers(0, 2, nb)
    min_staff = np.where(rng.random(nb) < 0.2, 1, 0)
    max_staff = np.where(rng.random(nb) < 0.3, rng.integers(1, 4, nb), -1)
    size = np.where(rng.random(ng) < 0.7, 1, 2)
    home = rng.integers(0, nb, ng)
    nc = int(rng.integers(1, 4))
    classes = [
        sorted(rng.choice(nb, int(rng.integers(1, min(nb, 2) + 1)), replace=False).tolist())
        for _ in range(nc)
    ]
    indptr = np.cumsum([0] + [len(c) for c in classes])
    cbins = np.array([b for c in classes for b in c], dtype=np.int64)
    arc_group, arc_class, arc_cost = [], [], []
    for g in range(ng):
        for c in rng.choice(nc, int(rng.integers(1, nc + 1)), replace=False).tolist():
            holds_home = int(home[g]) in classes[c]
            price = float(rng.choice([0.0, 0.05, 0.3, -0.25]))
            if holds_home and price < 0:
                price = 0.0
            arc_group.append(g)
            arc_class.append(c)
            arc_cost.append(price)
    na = len(arc_group)
    side = []
    for k in range(int(rng.integers(0, 3))):
        arcs = np.unique(rng.integers(0, na, int(rng.integers(1, na + 1)))).astype(np.int64)
        bins = np.unique(rng.integers(0, nb, int(rng.integers(0, 2)))).astype(np.int64)
        hi = int(rng.integers(0, 3))
        lo = None if rng.random() < 0.7 else int(rng.integers(-1, 2))
        side.append(
            SideConstraint("row", f"r{k}", arcs, rng.choice([1, -1], len(arcs)).astype(np.int64), bins,
                           np.ones(len(bins), dtype=np.int64), 0, lo, hi if lo is None or hi >= lo else lo)
        )  # fmt: skip
    pairs: tuple[Pair, ...] = ()
    block = None
    singles = np.flatnonzero(size == 1)
    if len(singles) >= 2 and rng.random() < 0.5:
        a, b = rng.choice(singles, 2, replace=False).tolist()
        w = math.inf if rng.random() < 0.4 else float(rng.choice([0.2, 1.5]))
        pairs = (Pair("spouse", "p", int(a), int(b), w),)
        block = rng.integers(0, 2, nb).astype(np.int64)
    budget = int(rng.integers(0, 3)) if rng.random() < 0.3 else None
    return AssignmentModel(
        target=target, weight=weight, min_staff=min_staff.astype(np.int64),
        max_staff=max_staff.astype(np.int64), fixed=fixed.astype(np.int64),
        group_size=size.astype(np.int64), group_home=home.astype(np.int64),
        class_indptr=indptr.astype(np.int64), class_bins=cbins, arc_group=np.array(arc_group, dtype=np.int64),
        arc_class=np.array(arc_class, dtype=np.int64), arc_cost=np.array(arc_cost), move_cost=0.1,
        max_moves=budget, side=tuple(side), pairs=pairs, bin_block=block, offset=0.7,
    )  # fmt: skip


Plan = tuple[float, list[tuple[int, int]]]


def plans_of(model: AssignmentModel) -> list[Plan]:
    """Every plan that keeps every rule: its objective and the (arc, bin) of each moved unit."""
    options = []
    for g in range(model.n_groups):
        moves: list[tuple[int, int] | None] = [None]
        for a in np.flatnonzero(model.arc_group == g).tolist():
            c = int(model.arc_class[a])
            for b in model.class_bins[model.class_indptr[c] : model.class_indptr[c + 1]].tolist():
                if b != model.group_home[g]:
                    moves.append((a, int(b)))
        options.extend([(g, moves)] * int(model.group_size[g]))
    out: list[Plan] = []
    lo = model.min_staff
    hi = np.where(model.max_staff >= 0, model.max_staff, 10**9)
    for choice in itertools.product(*(m for _, m in options)):
        mv = [(g, c) for (g, _), c in zip(options, choice, strict=True) if c is not None]
        mg = np.array([g for g, _ in mv], dtype=np.int64)
        ma = np.array([c[0] for _, c in mv], dtype=np.int64)
        mb = np.array([c[1] for _, c in mv], dtype=np.int64)
        staff = model.initial_staff().copy()
        np.add.at(staff, mb, 1)
        np.subtract.at(staff, model.group_home[mg], 1)
        if np.any(staff < lo) or np.any(staff > hi):
            continue
        if model.max_moves is not None and len(mv) > model.max_moves:
            continue
        sol = EngineSolution("feasible", 0.0, 0.0, staff, mg, mb, np.ones(len(mv), dtype=np.int64), 0.0, "bf",
                             moves=len(mv), move_arc=ma)  # fmt: skip
        if not side_holds(model, sol):
            continue
        pair_cost, _ = model.pair_cost(mg, mb)
        obj = model.objective(staff, len(mv), float(model.arc_cost[ma].sum()), pair_cost)
        out.append((obj, [c for _, c in mv]))  # type: ignore[misc]
    return out


def brute_force(model: AssignmentModel) -> float:
    """The least objective over every plan that keeps every rule (``inf`` if none)."""
    return min((obj for obj, _ in plans_of(model)), default=math.inf)


def assert_honest(model: AssignmentModel, sol: EngineSolution) -> None:
    """A plan's figures: the objective recomputed from its moves, a bound below it."""
    assert side_holds(model, sol)
    staff = model.initial_staff().copy()
    np.add.at(staff, sol.move_bin, sol.move_count)
    np.subtract.at(staff, model.group_home[sol.move_group], sol.move_count)
    assert np.array_equal(staff, sol.staff)
    arc_total = float(np.sum(model.arc_cost[sol.move_arc] * sol.move_count))
    pair_cost, hard = model.pair_cost(sol.move_group, sol.move_bin)
    assert hard == 0
    exact = model.objective(staff, int(sol.move_count.sum()), arc_total, pair_cost)
    assert sol.objective == pytest.approx(exact, rel=1e-12, abs=1e-12)
    assert sol.bound <= sol.objective + sol.tolerance + 1e-9


@pytest.mark.parametrize("margin", [0, 2])
def test_highs_equals_brute_force(margin: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Margin 0 lists only the cuts between each bin's target and current staff, so many
    plans leave them: the certification must add the missing ones before it claims anything."""
    monkeypatch.setattr(highs, "_CUT_MARGIN", margin)
    seen = {"infeasible": 0, "optimal": 0, "pairs": 0, "side": 0, "rounds>1": 0}
    for seed in range(N_RANDOM):
        model = random_model(seed)
        best = brute_force(model)
        sol = solve_highs(model, hint=None, lower=-math.inf, deadline=math.inf)
        if math.isinf(best):
            assert sol.status == "infeasible", (seed, sol.status, sol.objective)
            seen["infeasible"] += 1
            continue
        assert sol.status == "optimal", (seed, sol.status, sol.stats)
        assert sol.objective == pytest.approx(best, abs=1e-7), seed
        assert_honest(model, sol)
        assert sol.objective - sol.bound <= max(1e-6 * max(1.0, abs(sol.objective)), 2 * sol.tolerance)
        seen["optimal"] += 1
        seen["pairs"] += bool(model.pairs)
        seen["side"] += bool(model.side)
        seen["rounds>1"] += int(sol.stats.get("highs_rounds", 1)) > 1
    assert seen["infeasible"] >= 3 and seen["optimal"] >= 30 and seen["pairs"] >= 5 and seen["side"] >= 10, (
        seen
    )
    if margin == 0:
        assert seen["rounds>1"] >= 1, seen


def _two_units_pair(weight: float) -> AssignmentModel:
    """Groups 0 and 1 (one unit each) live in block 0 (bins 0, 1); bin 2 (block 1) needs one
    person badly and only group 0 may go there. Apart they cost ``weight``."""
    return AssignmentModel(
        target=np.array([1.0, 1.0, 1.0]), weight=np.array([1.0, 1.0, 0.5]),
        min_staff=np.zeros(3, dtype=np.int64), max_staff=np.full(3, -1, dtype=np.int64),
        fixed=np.array([1, 0, 0]), group_size=np.array([1, 1]), group_home=np.array([0, 1]),
        class_indptr=np.array([0, 1]), class_bins=np.array([2]), arc_group=np.array([0]),
        arc_class=np.array([0]), arc_cost=np.array([0.0]), move_cost=0.1,
        pairs=(Pair("spouse", "g0+g1", 0, 1, weight),), bin_block=np.array([0, 0, 1]),
    )  # fmt: skip


@pytest.mark.parametrize(("weight", "moves"), [(0.5, 1), (5.0, 0), (math.inf, 0)])
def test_pairs_soft_and_hard(weight: float, moves: int) -> None:
    model = _two_units_pair(weight)
    # moving group 0 gains 2 (bin 2 filled) less 0.1, and costs the pair's weight
    sol = solve_highs(model, hint=None, lower=-math.inf, deadline=math.inf)
    assert sol.status == "optimal" and sol.moves == moves
    assert sol.objective == pytest.approx(brute_force(model))
    assert_honest(model, sol)
    via = solve_model(model, time_limit=10)
    assert via.solver == "flow+highs" and via.objective == pytest.approx(sol.objective)


def test_a_budget_and_a_warm_start() -> None:
    """Three under-staffed bins, four movers in a crowded one, a budget of two."""
    model = AssignmentModel(
        target=np.array([1.0, 2.0, 2.0, 2.0]), weight=np.array([1.0, 2.0, 2.0, 1.0]),
        min_staff=np.zeros(4, dtype=np.int64), max_staff=np.full(4, -1, dtype=np.int64),
        fixed=np.array([1, 1, 1, 1]), group_size=np.array([4]), group_home=np.array([0]),
        class_indptr=np.array([0, 3]), class_bins=np.array([1, 2, 3]), arc_group=np.array([0]),
        arc_class=np.array([0]), arc_cost=np.array([0.0]), move_cost=0.1, max_moves=2,
    )  # fmt: skip
    sol = solve_highs(model, hint=None, lower=-math.inf, deadline=math.inf)
    assert sol.status == "optimal" and sol.moves == 2
    assert sol.objective == pytest.approx(brute_force(model))
    assert 3 in sol.move_bin.tolist()  # bin 3 has the heaviest weight of shortage
    assert_honest(model, sol)
    warm = solve_highs(model, hint=sol, lower=sol.bound, deadline=math.inf)
    assert warm.status == "optimal" and warm.objective == pytest.approx(sol.objective)


def test_an_infeasible_model_is_infeasible_and_named() -> None:
    """A coverage-like row asks for two moves into bin 1, which only one unit can reach."""
    base = _two_units_pair(1.0)
    row = SideConstraint("coverage", "unit B", E, E, np.array([2]), np.array([1]), 0, 2, None)
    from dataclasses import replace

    model = replace(base, side=(row,))
    sol = solve_highs(model, hint=None, lower=-math.inf, deadline=math.inf)
    assert sol.status == "infeasible" and math.isnan(sol.objective)
    via = solve_model(model, time_limit=10)
    assert via.status == "infeasible" and via.solver == "flow+highs"
    assert ("side", "0") in via.conflicts


# ------------------------------------------------------------------ the planner and the dispatcher


def tight(n: int, seed: int, **policy: Any) -> Problem:
    """A synthetic scenario with every policy column, each unit cap cut to a third (at least
    one) and every unit capped: the relaxation's plan breaks rows, the side path decides."""
    t = synth.generate(n, seed=seed, policy_columns=True)
    units = t["units"].copy()
    for col in ("max_moves_out", "max_moves_in"):
        cap = units[col].astype("Float64")
        units[col] = (cap.fillna(6) // 3).clip(lower=1).astype("Int64")
    problem = Problem.from_frames(t["employees"], t["positions"], t["tasks"], units=units)
    return problem.with_policy(**policy) if policy else problem


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    original = planner._verify_figures

    def record(sol: EngineSolution, recomputed: float) -> None:
        seen.append({"objective": sol.objective, "bound": sol.bound, "tolerance": sol.tolerance,
                     "recomputed": recomputed, "solver": sol.solver})  # fmt: skip
        original(sol, recomputed)

    monkeypatch.setattr(planner, "_verify_figures", record)
    return seen


def test_a_tight_scenario_goes_through_highs(figures: list[dict[str, Any]]) -> None:
    problem = tight(600, 5)
    result = planner.solve(problem, time_limit=30)
    assert result.info["solver"] == "flow+highs", result.info["solver"]
    assert result.status == "optimal"
    report = check(problem, result)
    assert report.ok, str(report)
    assert report.objective == pytest.approx(result.objective, rel=1e-9)
    (fig,) = figures
    noise = 1e-9 * max(1.0, abs(result.objective))
    assert abs(fig["objective"] - fig["recomputed"]) <= fig["tolerance"] + noise
    assert result.bound <= result.objective + fig["tolerance"] + noise
    assert result.objective - result.bound <= max(1e-6 * abs(result.objective), 2 * fig["tolerance"])
    stats = result.info["solver_stats"]
    assert stats["highs_status"] == "Optimal" and stats["relaxation_bound"] <= result.objective


def test_the_old_path_can_be_forced_and_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    comp = planner.compile_problem(tight(300, 7))
    new = solve_model(comp.model, time_limit=20)
    monkeypatch.setattr(dispatch, "USE_HIGHS", False)
    old = solve_model(comp.model, time_limit=20)
    assert new.solver == "flow+highs" and "highs" not in old.solver
    assert new.status == "optimal"
    assert new.objective <= old.objective + new.tolerance + 1e-9
    if old.status == "optimal":
        assert new.objective == pytest.approx(old.objective, rel=1e-6, abs=1e-6)


def test_a_deterministic_search_uses_highs_on_a_node_limit() -> None:
    comp = planner.compile_problem(tight(300, 7))
    runs = []
    for _ in range(2):
        with deterministic_search(True, 5.0):
            runs.append(solve_model(comp.model, time_limit=5.0))
    assert [r.solver for r in runs] == ["flow+highs"] * 2
    assert runs[0].objective == runs[1].objective
    assert np.array_equal(runs[0].staff, runs[1].staff)
    assert side_holds(comp.model, runs[0])
