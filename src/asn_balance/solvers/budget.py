"""Solve a model with or without its move budget.

Without ``max_moves`` the model is a convex min-cost flow: :func:`solve_flow` is exact.

With a budget ``K`` the moves get a price ``lam`` (a Lagrange multiplier) searched by
bisection over exact flows. Every ``lam`` gives the valid lower bound
``L(lam) = min_plan [obj(plan) + lam * moves(plan)] - lam * K`` and every flow with at
most ``K`` moves is a feasible plan. What gap remains is closed by CP-SAT on the same
network with the budget as a side constraint, warm-started from the best plan, within
the time limit; the bound reported is the better of the Lagrangian and CP-SAT bounds.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import math
import time
from collections.abc import Callable, Iterator

import numpy as np

from ..engine import AssignmentModel, EngineSolution
from .control import stop_requested
from .flow import solve_flow

__all__ = [
    "Progress",
    "deterministic_limit",
    "deterministic_search",
    "in_deterministic_search",
    "solve_model",
    "spend",
    "within",
]

log = logging.getLogger(__name__)

#: Progress callback: ``(elapsed seconds, best objective, best bound)``.
Progress = Callable[[float, float, float], None]


class _Clock:
    """The deterministic clock of a run: CP-SAT's deterministic time spent against a budget."""

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self.used = 0.0


#: The deterministic clock when the search must not depend on the wall clock (``None``:
#: ordinary search). Set by :func:`deterministic_search`.
_DETERMINISTIC: contextvars.ContextVar[_Clock | None] = contextvars.ContextVar(
    "asn_balance_deterministic", default=None
)
#: The least deterministic time a CP-SAT call gets once the budget is spent (as the
#: wall-clock path gives every call at least half a second).
_FLOOR = 0.5


@contextlib.contextmanager
def deterministic_search(on: bool = True, time_limit: float | None = None) -> Iterator[None]:
    """Within this block, the search does not depend on the wall clock.

    Time is CP-SAT's *deterministic* time (a count of work, calibrated to be roughly
    seconds), summed over every CP-SAT call of the run against the budget
    ``time_limit`` (60 when none is given, as the wall-clock default). CP-SAT runs with
    one worker and ``max_deterministic_time`` only; the solvers' loops end when the
    budget is spent or their round limits are reached, never on a wall-clock deadline.
    So the same model and seed give the same plan on any machine and any load. The price:
    a run may take longer than ``time_limit`` seconds (building the CP-SAT models is not
    counted, and a loaded machine is slower), and each call gets at least 0.5 units.
    """
    if not on:
        yield
        return
    budget = 60.0 if time_limit is None else max(0.1, float(time_limit))
    token = _DETERMINISTIC.set(_Clock(budget))
    try:
        yield
    finally:
        _DETERMINISTIC.reset(token)


def in_deterministic_search() -> bool:
    """Whether the current search must not depend on the wall clock."""
    return _DETERMINISTIC.get() is not None


def deterministic_limit(wanted: float | None) -> float | None:
    """``max_deterministic_time`` for the next CP-SAT call (``None``: not a deterministic search).

    ``wanted`` (the call's own deterministic limit, if any) capped by what is left of the
    budget, but at least 0.5 (or ``wanted`` if smaller).
    """
    clock = _DETERMINISTIC.get()
    if clock is None:
        return None
    left = clock.budget - clock.used
    want = left if wanted is None else min(float(wanted), left)
    floor = _FLOOR if wanted is None else min(float(wanted), _FLOOR)
    return max(want, floor)


def spend(deterministic_seconds: float) -> None:
    """Count a CP-SAT call's deterministic time against the budget (no-op outside one)."""
    clock = _DETERMINISTIC.get()
    if clock is not None:
        clock.used += max(0.0, float(deterministic_seconds))


def within(deadline: float) -> bool:
    """``time.perf_counter() < deadline``; in a deterministic search: budget left; and no
    stop requested (:mod:`.control`)."""
    if stop_requested():
        return False
    clock = _DETERMINISTIC.get()
    if clock is None:
        return time.perf_counter() < deadline
    return clock.used < clock.budget


_REL_TOL = 1e-7  # bisection target
_PROOF_TOL = 1e-6  # relative gap reported as optimal (as the flow's rounding tolerance)


def solve_model(
    model: AssignmentModel,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
) -> EngineSolution:
    """Solve an assignment model as well as the time limit allows.

    Parameters
    ----------
    model : AssignmentModel
        The model.
    time_limit : float, optional
        Seconds for the whole solve (the budget search and CP-SAT); ``None`` = 60 s
        for the CP-SAT part. The exact flow path ignores it (it is polynomial).
    seed : int
        Random seed for CP-SAT.
    workers : int, optional
        CP-SAT workers (default 1: deterministic; more run CP-SAT's parallel portfolio,
        whose plans may differ from run to run).
    progress : callable, optional
        Called with ``(elapsed, objective, bound)`` when either improves.

    Returns
    -------
    EngineSolution
    """
    t0 = time.perf_counter()
    if model.has_side:
        return _solve_side(model, t0, time_limit, seed, workers, progress)
    if not model.flow_shaped:
        from .loaded import solve_loaded

        return solve_loaded(model, time_limit=time_limit, seed=seed, workers=workers, progress=progress)
    base = solve_flow(model)
    within = model.max_moves is None or base.moves <= model.max_moves
    if progress is not None and base.status == "optimal" and within:
        progress(time.perf_counter() - t0, base.objective, base.bound)
    if base.status != "optimal" or within:
        base.seconds = time.perf_counter() - t0
        return base
    return _solve_budget(model, base, t0, time_limit, seed, workers, progress)


def side_holds(model: AssignmentModel, sol: EngineSolution) -> bool:
    """Whether a plan meets the side constraints, the hard pairs and the budget."""
    if sol.status not in ("optimal", "feasible"):
        return False
    if model.max_moves is not None and sol.moves > model.max_moves:
        return False
    if model.side:
        if sol.move_arc is None:
            return False
        flow, inflow = model.plan_flows(sol)
        if not all(row.holds(flow, inflow) for row in model.side):
            return False
    _, hard_apart = model.pair_cost(sol.move_group, sol.move_bin)
    return hard_apart == 0


def _solve_side(
    model: AssignmentModel,
    t0: float,
    time_limit: float | None,
    seed: int,
    workers: int | None,
    progress: Progress | None,
) -> EngineSolution:
    """Side constraints and pairs: the relaxation's optimum bounds, CP-SAT decides."""
    from .cpsat import find_conflict, solve_cpsat

    limit = 60.0 if time_limit is None else float(time_limit)
    relax = solve_model(model.without_side(), time_limit=0.3 * limit, seed=seed, workers=workers)
    if relax.status == "infeasible":
        relax.seconds = time.perf_counter() - t0
        return relax
    lower = relax.bound if np.isfinite(relax.bound) else -np.inf
    if side_holds(model, relax):
        pair_total, _ = model.pair_cost(relax.move_group, relax.move_bin)
        relax.objective += pair_total
        if pair_total == 0 and relax.status == "optimal":
            relax.seconds = time.perf_counter() - t0
            relax.solver += "+side"
            return relax
    hint = relax if relax.status in ("optimal", "feasible") else None
    plans: list[EngineSolution] = []
    large = len(model.arc_group) > 20_000
    if model.side and hint is not None and large:
        from .side import lagrangian_side

        # a deterministic search runs every subgradient step (no wall-clock deadline)
        lag_deadline = math.inf if in_deterministic_search() else t0 + 0.3 * limit
        lag, plans = lagrangian_side(model, deadline=lag_deadline)
        if np.isfinite(lag):
            lower = max(lower, lag)
    if hint is not None and large:
        # large models: neighbourhoods of the relaxed plans; the whole model is too big for CP-SAT
        start = _restricted(model, relax, plans[-5:], t0 + 0.95 * limit, seed)
        if start is not None and side_holds(model, start):
            start.bound = min(lower, start.objective)
            gap_ok = start.objective - lower <= _PROOF_TOL * max(1.0, abs(start.objective))
            start.status = "optimal" if gap_ok else "feasible"
            start.seconds = time.perf_counter() - t0
            start.solver = "flow+lagrange+cpsat-lns"
            start.stats["relaxation_bound"] = float(lower)
            return start
    repaired = None
    if hint is not None and model.side:
        from .side import repair

        repaired = repair(model, relax)  # a feasible start for CP-SAT, and a fallback plan
        if repaired is not None:
            hint = repaired
    remaining = max(0.5, limit - (time.perf_counter() - t0))
    sol = solve_cpsat(
        model,
        hint=hint,
        lower=lower,
        time_limit=remaining,
        seed=seed,
        workers=workers,
        progress=(lambda e, o, b: progress(time.perf_counter() - t0, o, b)) if progress else None,
    )
    if sol.status == "time_limit" and repaired is not None and side_holds(model, repaired):
        sol = repaired  # CP-SAT found nothing better in time: the repaired relaxation stands
        sol.bound = min(lower, sol.objective)
    if sol.status == "infeasible":
        conflict = find_conflict(model, time_limit=min(20.0, max(2.0, 0.5 * limit)))
        sol.conflicts = [(kind, str(i)) for kind, i in conflict] if conflict else []
    sol.seconds = time.perf_counter() - t0
    sol.solver = "flow+cpsat"
    sol.stats["relaxation_bound"] = float(lower)
    return sol


def _sub_solve(
    model: AssignmentModel,
    keep: np.ndarray,
    hint: EngineSolution,
    time_limit: float,
    seed: int,
    deterministic_time: float | None = None,
) -> EngineSolution | None:
    """CP-SAT on the sub-model of the arcs in ``keep`` (others unused), mapped back."""
    from .cpsat import solve_cpsat

    sub, old = model.subset(keep)
    sol = solve_cpsat(
        sub, hint=hint, lower=-np.inf, time_limit=time_limit, seed=seed, deterministic_time=deterministic_time
    )
    if sol.status not in ("optimal", "feasible"):
        return None
    if sol.move_arc is not None:
        sol.move_arc = old[sol.move_arc]
    sol.status = "feasible"  # optimal for the neighbourhood only
    sol.bound = -np.inf
    return sol


def _restricted(
    model: AssignmentModel, relax: EngineSolution, priced: list[EngineSolution], deadline: float, seed: int
) -> EngineSolution | None:
    """A plan from neighbourhoods of the relaxation's plan, for models too large for CP-SAT whole.

    First CP-SAT chooses among the relaxation's own moves (and the arcs of paired groups)
    which to keep under the side constraints; then rounds free, besides the best plan's
    and the relaxation's arcs, every arc into or out of a random part of the bins where
    they differ or a side row binds, keeping what improves.
    """
    if relax.move_arc is None:
        return None
    n_arcs = len(model.arc_group)
    r_flow = model.plan_flows(relax)[0] > 0
    for p_sol in priced:
        if p_sol.move_arc is not None:
            r_flow |= model.plan_flows(p_sol)[0] > 0
    paired = [g for p in model.pairs for g in (p.first, p.second)]
    pair_arc = np.isin(model.arc_group, paired)
    limit = deadline - time.perf_counter()
    if limit < 0.5 and not in_deterministic_search():
        return None
    from .side import repair

    repaired = [x for x in (repair(model, p_sol) for p_sol in [*priced, relax]) if x is not None]
    best: EngineSolution | None = min(repaired, key=lambda x: x.objective) if repaired else None
    if best is None:
        best = _sub_solve(model, r_flow | pair_arc, relax, min(limit, max(2.0, 0.4 * limit)), seed)
    if best is None:
        return None
    home = model.group_home[model.arc_group]
    into = model.class_bins[model.class_indptr[model.arc_class]]
    hot_bin = np.zeros(model.n_bins, dtype=bool)
    hot_bin[relax.move_bin] = True
    hot_bin[model.group_home[relax.move_group].clip(0)] = True
    hot = np.flatnonzero(hot_bin)
    rng = np.random.default_rng(seed)
    rounds = idle = 0
    # in a deterministic search the rounds, not the wall clock, bound the loop
    while len(hot) and within(deadline - 0.5) and idle < 8 and (rounds < 50 or not in_deterministic_search()):
        rounds += 1
        idle += 1
        chosen = np.zeros(model.n_bins, dtype=bool)
        chosen[rng.choice(hot, size=max(1, len(hot) // 8), replace=False)] = True
        b_flow = model.plan_flows(best)[0] > 0 if best.move_arc is not None else np.zeros(n_arcs, dtype=bool)
        keep = r_flow | pair_arc | b_flow | (chosen[home.clip(0)] & (home >= 0)) | chosen[into]
        left = min(10.0, deadline - time.perf_counter())
        sol = _sub_solve(model, keep, best, left, seed + rounds, deterministic_time=2.0)
        if sol is not None and sol.objective < best.objective - 1e-9 * max(1.0, abs(best.objective)):
            best, idle = sol, 0
    best.stats["side_lns_rounds"] = rounds
    return best


def _solve_budget(
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

    def consider(sol: EngineSolution, lam: float) -> None:
        nonlocal best, lower, over
        if sol.moves > budget and (over is None or sol.moves < over.moves):
            over = sol  # the relaxation's plan nearest to the budget
        # sol.objective = staffing + move_cost*moves (+ arc costs); L(lam) adds lam*(moves - K)
        value = sol.objective + lam * sol.moves
        lb = value - lam * budget - float(sol.stats.get("rounding_tolerance", 0.0))
        improved = False
        if lb > lower:
            lower, improved = lb, True
        if sol.moves <= budget and (best is None or sol.objective < best.objective - 1e-12):
            best, improved = sol, True
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
        from .cpsat import solve_cpsat

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
    if gap_abs > 0.1 * _PROOF_TOL * max(1.0, abs(best.objective)) and over is not None:
        best = _lns(model, best, over, t0 + 0.6 * limit, seed,
                    lambda o: progress(time.perf_counter() - t0, o, lower) if progress else None)  # fmt: skip
        gap_abs = best.objective - lower
    remaining = deadline - time.perf_counter()
    if gap_abs > 0.1 * _PROOF_TOL * max(1.0, abs(best.objective)) and (
        remaining > 0.2 or in_deterministic_search()
    ):
        from .cpsat import solve_cpsat

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
        status_cp = sol.status
        proven = sol.status == "optimal" and sol.objective <= best.objective + 1e-9 * max(
            1.0, abs(best.objective)
        )
    else:
        proven = False
        status_cp = "skipped"
    result = EngineSolution(
        status="optimal"
        if proven or best.objective - lower <= _PROOF_TOL * max(1.0, abs(best.objective))
        else "feasible",
        objective=best.objective,
        bound=min(lower, best.objective),
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
    from .cpsat import solve_cpsat

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
    while within(deadline - 0.2) and rounds < 50 and idle < 10:
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
        if sol.status in ("optimal", "feasible") and sol.objective < best.objective - 1e-9 * max(
            1.0, best.objective
        ):
            best, idle = sol, 0
            on_improve(best.objective)
    best.stats["lns_rounds"] = rounds
    return best
