"""The network LP (``engine/backends/netlp.py``): its safe bound and reduced-cost fixing.

Every plan of random tiny models (side rows with mixed signs, inflow terms, budgets, pairs,
staffing bounds, groups that share their move arcs but not their rows' coefficients) is
enumerated. The LP's safe bound must be at most the optimum and at least the optimum of
the model without its side rows less the flow's tolerance (the LP keeps everything the
flow keeps); and for every plan, the reduced costs of the arc-bin pairs it uses, counted
per unit, sum to at most its objective less the bound, which is what makes fixing an
arc-bin pair whose reduced cost reaches ``U - bound`` safe for every plan below ``U``.
"""

from __future__ import annotations

import math
import time

import numpy as np
import numpy.typing as npt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asn_balance import AssignmentModel
from asn_balance.engine.backends.flow import solve_flow
from asn_balance.engine.backends.netlp import network_lp, safe_bound
from asn_balance.engine.model import SideConstraint
from test_highs_backend import plans_of, random_model


def shared_model(seed: int) -> AssignmentModel:
    """Groups with the same move arcs (one flow signature) but rows that treat them apart:
    a cap on the moves out of some homes, coverage-like rows (-1 leaving, +1 entering)."""
    rng = np.random.default_rng(seed)
    nb, ng = 4, int(rng.integers(3, 5))
    classes = [[0], [1], [2, 3]]
    home = rng.integers(0, nb, ng)
    arc_group = np.repeat(np.arange(ng), 3).astype(np.int64)
    arc_class = np.tile(np.arange(3), ng).astype(np.int64)
    unit = np.array([0, 0, 1, 1])
    side = []
    out_unit = int(rng.integers(0, 2))
    mine = np.flatnonzero(unit[home[arc_group]] == out_unit)
    e0 = np.zeros(0, np.int64)
    cap = int(rng.integers(0, 2))
    ones = np.ones(len(mine), dtype=np.int64)
    side.append(SideConstraint("max_moves_out", "u", mine.astype(np.int64), ones, e0, e0, 0, None, cap))
    qual = rng.random(ng) < 0.6
    to_unit = np.array([unit[c[0]] for c in classes])[arc_class]
    from_unit = unit[home[arc_group]]
    u = int(rng.integers(0, 2))
    coef = qual[arc_group] * ((to_unit == u).astype(int) - (from_unit == u).astype(int))
    nz = np.flatnonzero(coef)
    here = int(rng.integers(0, 3))
    side.append(SideConstraint("coverage", "c", nz.astype(np.int64), coef[nz].astype(np.int64),
                               e0, e0, here, max(0, here - 1), None))  # fmt: skip
    two = np.array([2, 3], dtype=np.int64)
    side.append(SideConstraint("max_moves_in", "i", e0, e0, two, np.ones(2, dtype=np.int64), 0, None, 1))
    return AssignmentModel(
        target=rng.integers(0, 3, nb) + 0.5, weight=np.ones(nb), min_staff=np.zeros(nb, dtype=np.int64),
        max_staff=np.full(nb, -1, dtype=np.int64), fixed=rng.integers(0, 2, nb).astype(np.int64),
        group_size=np.ones(ng, dtype=np.int64), group_home=home.astype(np.int64),
        class_indptr=np.array([0, 1, 2, 4], dtype=np.int64), class_bins=np.arange(4, dtype=np.int64),
        arc_group=arc_group, arc_class=arc_class, arc_cost=np.zeros(len(arc_group)), move_cost=0.1,
        side=tuple(side),
    )  # fmt: skip


def assert_bound_and_fixing(model: AssignmentModel) -> None:
    if not model.side:
        return
    lp = network_lp(model, deadline=time.perf_counter() + 30.0, add_per_round=2)
    assert lp is not None
    plans = plans_of(model)
    if not plans:
        return  # an infeasible model: any bound is valid
    best = min(obj for obj, _ in plans)
    assert lp.bound <= best + 1e-7
    relax = solve_flow(model.relaxation())
    if relax.status == "optimal":  # the LP keeps every constraint the flow keeps
        assert lp.bound >= relax.bound - 1e-6
    for obj, moves in plans:
        if not moves:
            continue
        arcs = np.array([a for a, _ in moves], dtype=np.int64)
        bins = np.array([b for _, b in moves], dtype=np.int64)
        rc = lp.pair_rc(model, arcs, bins)
        assert np.all(rc >= 0)
        assert float(rc.sum()) <= obj - lp.bound + 1e-7, (obj, lp.bound, rc)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6))
def test_random_models_bound_and_fixing_against_brute_force(seed: int) -> None:
    assert_bound_and_fixing(random_model(seed))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6))
def test_shared_signatures_split_by_their_rows(seed: int) -> None:
    assert_bound_and_fixing(shared_model(seed))


def test_a_binding_cap_lifts_the_bound_above_the_relaxation() -> None:
    """Two movers want the same understaffed unit; its cap lets one in: the LP knows."""
    model = AssignmentModel(
        target=np.array([0.0, 2.0]), weight=np.ones(2), min_staff=np.zeros(2, dtype=np.int64),
        max_staff=np.full(2, -1, dtype=np.int64), fixed=np.zeros(2, dtype=np.int64),
        group_size=np.array([2], dtype=np.int64), group_home=np.array([0], dtype=np.int64),
        class_indptr=np.array([0, 1], dtype=np.int64), class_bins=np.array([1], dtype=np.int64),
        arc_group=np.array([0], dtype=np.int64), arc_class=np.array([0], dtype=np.int64),
        arc_cost=np.zeros(1), move_cost=0.1,
        side=(SideConstraint("max_moves_in", "u", np.zeros(0, np.int64), np.zeros(0, np.int64),
                             np.array([1], dtype=np.int64), np.ones(1, dtype=np.int64), 0, None, 1),),
    )  # fmt: skip
    lp = network_lp(model, deadline=time.perf_counter() + 30.0)
    assert lp is not None
    # one moves: staff (1, 1): cost 1 + 1 + 0.1
    assert math.isclose(lp.bound, 2.1, abs_tol=1e-7)
    assert solve_flow(model.relaxation()).objective < 0.5


def test_safe_bound_holds_for_any_duals() -> None:
    """The Neumaier-Shcherbina bound is below every feasible point, whatever the duals."""
    rng = np.random.default_rng(3)
    for _ in range(50):
        n, m = 4, 3
        a = rng.integers(-2, 3, (m, n)).astype(float)
        x0 = rng.uniform(0, 2, n)
        row_lo = a @ x0 - rng.uniform(0, 1, m)
        row_hi = np.where(rng.random(m) < 0.5, a @ x0 + rng.uniform(0, 1, m), np.inf)
        cost = rng.normal(size=n)
        start = np.arange(0, m * n + 1, n, dtype=np.int64)
        index = np.tile(np.arange(n, dtype=np.int64), m)
        y = rng.normal(size=m) * 3
        bound, d = safe_bound(cost, np.zeros(n), np.full(n, 2.0), start, index, a.ravel(), row_lo, row_hi, y)
        pts: npt.NDArray[np.float64] = rng.uniform(0, 2, (2000, n))
        ok = np.all((pts @ a.T >= row_lo - 1e-12) & (pts @ a.T <= row_hi + 1e-12), axis=1)
        for p in [x0, *pts[ok]]:
            assert bound <= float(cost @ p) + 1e-9
        assert d.shape == (n,)
