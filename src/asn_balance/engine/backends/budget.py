"""The move budget: a price on moves (a Lagrange multiplier) searched by bisection over
exact flows, then CP-SAT to close the gap.

With a budget ``K`` the moves get a price ``lam``. Every ``lam`` gives the valid lower bound
``L(lam) = min_plan [obj(plan) + lam * moves(plan)] - lam * K`` and every flow with at
most ``K`` moves is a feasible plan. What gap remains is closed by CP-SAT on the same
network with the budget as a side constraint, warm-started from the best plan, within
the time limit; the bound reported is the better of the Lagrangian and CP-SAT bounds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from .. import control
from ..clock import Progress, in_deterministic_search, within
from ..model import AssignmentModel, EngineSolution
from .cpsat import BUILD_SECONDS_PER_ARC, solve_cpsat
from .flow import solve_flow

__all__ = ["PROOF_TOL", "solve_budget"]

log = logging.getLogger(__name__)

_REL_TOL = 1e-7  # bisection target
#: relative gap reported as optimal (as the flow's rounding tolerance)
PROOF_TOL = 1e-6


def solve_budget(
    model: AssignmentModel,
    base: EngineSolution,
    t0: float,
    time_limit: float | None,
    seed: int,
    workers: int | None,
    progress: Progress | None,
) -> EngineSolution:
    assert model.max_moves is not None
    budget = model.max_moves
    limit = 60.0 if time_limit is None else float(time_limit)
    deadline = t0 + limit
    caps = base.staff
    best: EngineSolution | None = None
    lower = -np.inf
    flows = 1

    over: EngineSolution | None = None
    tol = base.tolerance  # the largest rounding tolerance of the flows behind plan and bound

    def consider(sol: EngineSolution, lam: float) -> None:
        nonlocal best, lower, over, tol
        if sol.moves > budget and (over is None or sol.moves < over.moves):
            over = sol  # the relaxation's plan nearest to the budget
        # sol.objective = staffing + move_cost*moves (+ arc costs); L(lam) adds lam*(moves - K)
        value = sol.objective + lam * sol.moves
        lb = value - lam * budget - sol.tolerance
        tol = max(tol, sol.tolerance)
        improved = False
        if lb > lower:
            lower, improved = lb, True
        if sol.moves <= budget and (best is None or sol.objective < best.objective - 1e-12):
            best, improved = sol, True
            _offer(model, best, lower)  # the solve's best so far (the planner's on_plan and fallback)
        if improved and progress is not None and best is not None:
            progress(time.perf_counter() - t0, best.objective, lower)

    consider(base, 0.0)
    # find an upper price at which the budget holds
    hi = max(1.0, 2.0 * model.move_cost)
    sol_hi = solve_flow(model, price=hi, caps=caps)
    flows += 1
    while sol_hi.status == "optimal" and sol_hi.moves > budget and within(deadline):
        if hi > 1e7:
            break
        hi *= 4.0
        sol_hi = solve_flow(model, price=hi, caps=caps)
        flows += 1
    if sol_hi.status != "optimal" or sol_hi.moves > budget:
        # even a huge price cannot bring the moves within the budget: min_staff forces more
        remaining = max(0.5, deadline - time.perf_counter())
        sol = solve_cpsat(model, hint=None, lower=-np.inf, time_limit=remaining, seed=seed, workers=workers)
        sol.seconds = time.perf_counter() - t0
        sol.stats["flows"] = flows
        return sol
    consider(sol_hi, hi)
    lo_p = 0.0
    # bisection on the price; moves(lam) is non-increasing
    for _ in range(40):
        if not within(deadline) or best is None:
            break
        if best.objective - lower <= _REL_TOL * max(1.0, abs(best.objective)):
            break
        mid = 0.5 * (lo_p + hi)
        sol = solve_flow(model, price=mid, caps=caps)
        flows += 1
        consider(sol, mid)
        if sol.moves > budget:
            lo_p = mid
        else:
            hi = mid
        if hi - lo_p < 1e-9 * max(1.0, hi):
            break
    assert best is not None
    gap_abs = best.objective - lower
    if gap_abs > 0.1 * PROOF_TOL * max(1.0, abs(best.objective)) and over is not None:
        best = _lns(model, best, over, t0 + 0.6 * limit, seed,
                    lambda o: progress(time.perf_counter() - t0, o, lower) if progress else None)  # fmt: skip
        gap_abs = best.objective - lower
    remaining = deadline - time.perf_counter()
    # CP-SAT on the whole model only if building it leaves time for a search
    fits = remaining > 0.2 + BUILD_SECONDS_PER_ARC * len(model.arc_group)
    if gap_abs > 0.1 * PROOF_TOL * max(1.0, abs(best.objective)) and (fits or in_deterministic_search()):
        sol = solve_cpsat(
            model,
            hint=best,
            lower=lower,
            time_limit=remaining,
            seed=seed,
            workers=workers,
            progress=(lambda e, o, b: progress(time.perf_counter() - t0, o, b)) if progress else None,
        )
        if sol.status in ("optimal", "feasible") and sol.objective < best.objective - 1e-12:
            best = sol
        lower = max(lower, sol.bound) if np.isfinite(sol.bound) else lower
        tol = max(tol, sol.tolerance)
        status_cp = sol.status
        proven = sol.status == "optimal" and sol.objective <= best.objective + 1e-9 * max(
            1.0, abs(best.objective)
        )
    else:
        proven = False
        status_cp = "skipped"
    result = EngineSolution(
        status="optimal"
        if proven or best.objective - lower <= PROOF_TOL * max(1.0, abs(best.objective))
        else "feasible",
        objective=best.objective,
        bound=lower,  # as computed: a Lagrangian or CP-SAT bound, never clipped to the plan
        staff=best.staff,
        move_group=best.move_group,
        move_bin=best.move_bin,
        move_count=best.move_count,
        move_arc=best.move_arc,
        seconds=time.perf_counter() - t0,
        solver="flow+lagrange"
        + ("+lns" if best.stats.get("lns_rounds", 0) else "")
        + ("+cpsat" if status_cp != "skipped" else ""),
        moves=best.moves,
        arc_cost_total=best.arc_cost_total,
        tolerance=max(tol, best.tolerance),
        stats={
            "flows": flows,
            "price": hi,
            "cpsat": status_cp,
            "lns_rounds": best.stats.get("lns_rounds", 0),
        },
    )
    if result.status == "feasible" and not within(deadline - 1e-3):
        result.stats["stopped_by"] = "time_limit"
    return result


def _lns(
    model: AssignmentModel,
    best: EngineSolution,
    over: EngineSolution,
    deadline: float,
    seed: int,
    on_improve: Callable[[float], None],
) -> EngineSolution:
    """Large-neighbourhood search where the relaxation says moves pay.

    The bins whose staff differs between the best plan within the budget and the
    relaxation's plan just above it are where moves matter. Each round frees the arcs
    into or out of a random part of those bins (everything else keeps its value in the
    best plan) and lets CP-SAT re-optimise them under the global budget.
    """
    hot = np.flatnonzero(best.staff != over.staff)
    moved = np.union1d(best.move_bin, model.group_home[best.move_group]) if len(best.move_group) else hot
    hot = np.union1d(hot, moved).astype(np.int64)
    if len(hot) == 0:
        return best
    rng = np.random.default_rng(seed)
    arc_bins_in = model.class_bins[model.class_indptr[model.arc_class]]  # first bin of the class
    member = np.zeros(model.n_bins, dtype=bool)
    cls_of = np.repeat(np.arange(model.n_classes), np.diff(model.class_indptr))
    rounds = idle = 0
    # a fixed number of rounds, each with a deterministic-time limit: reproducible plans
    # (the wall-clock deadline only guards an overloaded machine)
    per_arc = BUILD_SECONDS_PER_ARC  # each round builds the whole model: measured as rounds go
    while within(deadline - 0.2 - per_arc * len(model.arc_group)) and rounds < 50 and idle < 10:
        rounds += 1
        idle += 1
        size = min(len(hot), max(4, int(len(hot) * rng.uniform(0.2, 0.6))))
        member[:] = False
        member[rng.choice(hot, size=size, replace=False)] = True
        # an arc is free if its group lives in, or its class reaches, a chosen bin
        reach = np.zeros(model.n_classes, dtype=bool)
        np.logical_or.at(reach, cls_of, member[model.class_bins])
        free = (
            member[model.group_home[model.arc_group].clip(0)] | reach[model.arc_class] | member[arc_bins_in]
        )
        limit = min(5.0, deadline - time.perf_counter())
        sol = solve_cpsat(
            model,
            hint=best,
            lower=-np.inf,
            time_limit=limit,
            seed=seed + rounds,
            free_arcs=free,
            deterministic_time=0.5,
        )
        per_arc = max(per_arc, sol.build_seconds / max(1, len(model.arc_group)))
        if sol.status in ("optimal", "feasible") and sol.objective < best.objective - 1e-9 * max(
            1.0, best.objective
        ):
            best, idle = sol, 0
            _offer(model, best, float("nan"))  # a neighbourhood's bound is not the model's
            on_improve(best.objective)
    best.stats["lns_rounds"] = rounds
    return best


def _offer(model: AssignmentModel, sol: EngineSolution, bound: float) -> None:
    """Offer a plan of ``model`` within the budget as the solve's best so far
    (:func:`..control.offer`: ignored when ``model`` is a relaxation of the solve's model, as
    on the side path), with a bound valid for the model (``nan`` if none)."""
    bound = bound if np.isfinite(bound) else float("nan")
    control.offer(replace(sol, status="feasible", bound=bound, stats=dict(sol.stats)), model)
