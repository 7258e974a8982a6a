"""The dispatcher: pick the backend that fits the model, and the side-constraint path.

* no side rows, flow-shaped, no budget (or a budget the optimum keeps): the exact convex
  min-cost flow (:mod:`.backends.flow`);
* a move budget: the Lagrangian over exact flows, then CP-SAT (:mod:`.backends.budget`);
* side rows or pairs: the relaxation without them bounds; HiGHS on the compact MIP decides
  (:mod:`.backends.highs`), warm-started from the repaired relaxation, when the MIP has at
  most :data:`HIGHS_MAX_ENTRIES` integer columns (:data:`HIGHS_DETERMINISTIC_ENTRIES` in a
  deterministic search); otherwise, on large models a Lagrangian on the rows
  (:mod:`.backends.side`) and neighbourhoods (:mod:`.backends.neighbourhoods`: sub-MIPs
  solved by HiGHS; by CP-SAT in a deterministic search or when HiGHS on the whole model
  follows them, as it does when the time limit leaves room for it); on smaller ones CP-SAT
  decides, warm-started from the repaired relaxation (:mod:`.backends.cpsat`);
* not flow-shaped (loads): the GAP search (:mod:`.gap.loaded`).
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import replace

import numpy as np

from . import control
from .backends.budget import PROOF_TOL, solve_budget
from .backends.cpsat import BUILD_SECONDS_PER_ARC, find_conflict, solve_cpsat
from .backends.flow import solve_flow
from .backends.highs import compact_entries, solve_highs
from .backends.neighbourhoods import restricted
from .backends.netlp import network_lp
from .backends.side import lagrangian_side, repair
from .backends.tiebreak import settle_ties
from .clock import Progress, deterministic_search, in_deterministic_search
from .gap.loaded import solve_loaded
from .model import AssignmentModel, EngineSolution

__all__ = [
    "HIGHS_DETERMINISTIC_ENTRIES",
    "HIGHS_MAX_ENTRIES",
    "Progress",
    "deterministic_search",
    "side_holds",
    "solve_model",
]

#: The side path hands a model to HiGHS when its compact MIP has at most this many integer
#: columns (arc-bin pairs): 3,000 employees (32,000) are proven in 2-5 s. The 10,000-employee
#: city (400,000) was proven in 24 s on an idle machine, but on a loaded one HiGHS overran a
#: 58 s deadline by 24 s (its root LP and a re-solve after missed cuts do not stop in time), so
#: it keeps the Lagrangian path until that is fixed.
HIGHS_MAX_ENTRIES = 100_000

#: The same in a deterministic search, where HiGHS runs on a node limit without a wall clock
#: (its root LP alone takes ~10 s on the city): smaller models only.
HIGHS_DETERMINISTIC_ENTRIES = 60_000

#: Larger models (up to this many integer columns) get HiGHS after the neighbourhoods, as an
#: improvement stage warm-started from their plan, when the time limit leaves at least
#: :data:`HIGHS_AFTER_MIN_SECONDS` for it: the plan of the neighbourhoods stands whatever HiGHS
#: does, and HiGHS's dual bound (its root LP at least) replaces the Lagrangian one when higher.
#: The city (400,000 columns) is proven in about 25-60 s this way.
HIGHS_AFTER_ENTRIES = 1_500_000
HIGHS_AFTER_MIN_SECONDS = 15.0
#: HiGHS is given the deadline minus this share of the limit (at least 3 s): its root LP and
#: the build of a second round after missed cuts can overrun its own limit by seconds.
HIGHS_AFTER_MARGIN = 0.10

#: Models with side rows too large for HiGHS even after the neighbourhoods get the bound of
#: the network LP (:mod:`.backends.netlp`: the LP relaxation on the flow's signature network,
#: by column generation, its safe bound recomputed from the duals) instead of the subgradient
#: Lagrangian, when it can run until ``NETLP_SHARE`` of the limit for at least
#: ``NETLP_MIN_SECONDS`` (the 90,000-employee province: 70-135 s to its first converged LP on
#: 2 shared cores). The neighbourhoods get the rest.
NETLP_SHARE = 0.7
NETLP_MIN_SECONDS = 45.0

#: The subgradient Lagrangian of a large side model runs until this share of the time limit
#: when HiGHS solves the neighbourhoods that follow it (until 95 % of the limit): its bound and
#: its repaired plans improve with every step. On the 10,000-employee city (5.5 s for the
#: engine) the subgradient bound rose from 725-733 after 1.5 s to 739 after 2.7 s (the optimum
#: is about 745 there), and one HiGHS neighbourhood takes its repaired plan from 769 to about
#: 750. Before CP-SAT's neighbourhoods, and when HiGHS on the whole model follows the
#: neighbourhoods (:data:`HIGHS_AFTER_MIN_SECONDS`), the Lagrangian keeps 30 % and the
#: neighbourhoods (CP-SAT's) end by 95 % and 40 %: with HiGHS's neighbourhoods and the network
#: LP's bound instead, HiGHS on the whole city overran its deadline past the planner's grace in
#: 2 of 3 runs at 60 s where it had proven the optimum in 3 of 3 (paired, load 2-2.8).
LAGRANGE_SHARE = 0.5

#: The solver named for the plans of the Lagrangian and neighbourhood path (CP-SAT's or HiGHS's
#: neighbourhoods: ``stats["side_lns_solver"]`` says which).
LNS_SOLVER = "flow+lagrange+cpsat-lns"

#: Set to ``False`` (or the environment variable ``ASN_BALANCE_SIDE_SOLVER=cpsat``, which
#: reaches a CLI subprocess) to force the CP-SAT/Lagrangian side path: benchmarks compare
#: both, and tests of that path use it.
USE_HIGHS = True


def solve_model(
    model: AssignmentModel,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    deadline: float | None = None,
) -> EngineSolution:
    """Solve an assignment model as well as the time limit allows.

    Parameters
    ----------
    model : AssignmentModel
        The model.
    time_limit : float, optional
        Seconds for the whole solve (the budget search, CP-SAT, the repairs and, after an
        infeasible CP-SAT run, the search for the conflicting rows); ``None`` = 60 s for
        the CP-SAT part. The exact flow path ignores it (it is polynomial).
    deadline : float, optional
        The same as an absolute :func:`time.perf_counter` value (the limit of a run that
        started earlier, e.g. before reading and compiling); replaces ``time_limit``.
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
        Its ``tolerance`` is the rounding tolerance of the solvers behind its plan and
        bound; a plan's tie-break exchanges are settled (:mod:`.backends.tiebreak`).
    """
    t0 = time.perf_counter()
    if deadline is not None:
        time_limit = max(0.0, deadline - t0)
    return settle_ties(model, _dispatch(model, t0, time_limit, seed, workers, progress))


def _dispatch(
    model: AssignmentModel,
    t0: float,
    time_limit: float | None,
    seed: int,
    workers: int | None,
    progress: Progress | None,
) -> EngineSolution:
    if model.has_side:
        return _solve_side(model, t0, time_limit, seed, workers, progress)
    if not model.flow_shaped:
        return solve_loaded(model, time_limit=time_limit, seed=seed, workers=workers, progress=progress)
    base = solve_flow(model)
    within = model.max_moves is None or base.moves <= model.max_moves
    if progress is not None and base.status == "optimal" and within:
        progress(time.perf_counter() - t0, base.objective, base.bound)
    if base.status != "optimal" or within:
        base.seconds = time.perf_counter() - t0
        return base
    return solve_budget(model, base, t0, time_limit, seed, workers, progress)


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
    """Side constraints and pairs: the relaxation's optimum bounds, CP-SAT decides.

    Every step counts against one deadline, ``t0 + time_limit``: the relaxation, the
    Lagrangian, the neighbourhoods, the repairs, CP-SAT and, after an infeasible CP-SAT run,
    the search for the conflicting rows, which gets what is left (at least half a second, and
    none when its model could not even be built in that time). On a large model, CP-SAT on
    the whole model is skipped when building it would outlast the deadline.
    """
    limit = 60.0 if time_limit is None else float(time_limit)
    deadline = t0 + limit
    relax = _dispatch(model.without_side(), time.perf_counter(), 0.3 * limit, seed, workers, None)
    if relax.status == "infeasible":
        relax.seconds = time.perf_counter() - t0
        return relax
    lower = relax.bound if np.isfinite(relax.bound) else -np.inf
    tol = relax.tolerance  # the rounding tolerance behind the bound
    if side_holds(model, relax):
        pair_total, _ = model.pair_cost(relax.move_group, relax.move_bin)
        relax.objective += pair_total
        if pair_total == 0 and relax.status == "optimal":
            relax.seconds = time.perf_counter() - t0
            relax.solver += "+side"
            return relax
    hint = relax if relax.status in ("optimal", "feasible") else None
    if _highs_fits(model):
        return _solve_side_highs(model, relax, hint, lower, tol, t0, deadline, progress)
    plans: list[EngineSolution] = []
    large = len(model.arc_group) > 20_000
    lp_stats: dict[str, float | int | str] = {}
    if model.side and hint is not None and large and _netlp_fits(model, t0, limit):
        # models too large for HiGHS even after the neighbourhoods: the network LP's safe bound
        # (the best Lagrangian bound, in one LP) instead of the subgradient steps
        lp = network_lp(model, deadline=t0 + NETLP_SHARE * limit, plans=[relax])
        if lp is not None:
            lp_stats = {"netlp_status": lp.status, "netlp_bound": float(lp.bound),
                        "netlp_seconds": round(lp.seconds, 2), "netlp_rounds": lp.rounds,
                        "netlp_columns": lp.priced_columns}  # fmt: skip
            if np.isfinite(lp.bound):
                lower = max(lower, lp.bound)
    elif model.side and hint is not None and large:
        # a deterministic search runs every subgradient step (no wall-clock deadline)
        share = 0.3  # before CP-SAT's neighbourhoods, and before HiGHS on the whole model
        if not _highs_after(model, deadline - time.perf_counter()) and _highs_neighbourhoods(model):
            share = LAGRANGE_SHARE
        lag_deadline = math.inf if in_deterministic_search() else t0 + share * limit
        lag, plans = lagrangian_side(model, deadline=lag_deadline)
        if np.isfinite(lag):
            lower = max(lower, lag)
            tol = max([tol, *(p.tolerance for p in plans)])
    if hint is not None and large:
        # large models: neighbourhoods of the relaxed plans; the whole model is too big for CP-SAT
        after = _highs_after(model, deadline - time.perf_counter())
        lns_end = t0 + (0.4 if after else 0.95) * limit
        bound_now, tol_now, stats_now = lower, tol, dict(lp_stats)

        def offer(plan: EngineSolution) -> None:  # the best plan so far, should a round overrun
            stats = {**plan.stats, **stats_now, "relaxation_bound": float(bound_now)}
            tolerance = max(tol_now, plan.tolerance)
            _offer(model, replace(plan, bound=bound_now, tolerance=tolerance, stats=stats, solver=LNS_SOLVER))

        use_highs = _highs_neighbourhoods(model) and not after  # see LAGRANGE_SHARE
        start = restricted(model, relax, plans[-5:], lns_end, seed, use_highs, offer)
        if start is not None and side_holds(model, start):
            start.bound = lower  # as computed (the planner checks it against the plan)
            start.tolerance = max(tol, start.tolerance)
            start.solver = LNS_SOLVER
            start.stats["relaxation_bound"] = float(lower)
            start.stats.update(lp_stats)
            start.status = "feasible"
            _offer(model, start)  # the planner's fallback should the next stage overrun the deadline
            if after:
                start = _improve_with_highs(
                    model, start, lower, deadline - max(3.0, HIGHS_AFTER_MARGIN * limit)
                )
            gap_ok = start.objective - start.bound <= max(
                PROOF_TOL * max(1.0, abs(start.objective)),
                2 * start.tolerance if "highs" in start.solver else 0.0,
            )
            start.status = "optimal" if gap_ok else "feasible"
            start.seconds = time.perf_counter() - t0
            return start
    repaired = None
    if hint is not None and model.side:
        repaired = repair(model, relax, deadline=deadline)  # a feasible start for CP-SAT, and a fallback plan
        if repaired is not None:
            hint = repaired
    left = deadline - time.perf_counter()
    if large and not in_deterministic_search() and left < BUILD_SECONDS_PER_ARC * len(model.arc_group):
        # building CP-SAT's model of the whole large model alone would outlast the time limit
        empty = np.zeros(0, dtype=np.int64)
        sol = EngineSolution("time_limit", float("nan"), lower, model.initial_staff(), empty, empty, empty,
                             0.0, "cpsat", stats={"cpsat_status": "skipped: no time left"})  # fmt: skip
    else:
        sol = solve_cpsat(
            model,
            hint=hint,
            lower=lower,
            time_limit=max(0.5, left),
            seed=seed,
            workers=workers,
            progress=(lambda e, o, b: progress(time.perf_counter() - t0, o, b)) if progress else None,
        )
    if sol.status == "time_limit" and repaired is not None and side_holds(model, repaired):
        sol = repaired  # CP-SAT found nothing better in time: the repaired relaxation stands
        sol.bound = lower
    sol.tolerance = max(tol, sol.tolerance)
    if sol.status == "infeasible":
        _name_conflict(model, sol, deadline, sol.build_seconds)
    sol.seconds = time.perf_counter() - t0
    sol.solver = "flow+cpsat"
    sol.stats["relaxation_bound"] = float(lower)
    return sol


def _name_conflict(model: AssignmentModel, sol: EngineSolution, deadline: float, build: float) -> None:
    """After an infeasible solve: the search for the conflicting rows, in what is left of the
    time limit (a deterministic search counts CP-SAT's own time); the search builds CP-SAT's
    model first, which takes about ``build`` seconds."""
    left = 20.0 if in_deterministic_search() else min(20.0, deadline - time.perf_counter())
    build = 0.0 if in_deterministic_search() else build
    conflict = find_conflict(model, time_limit=max(0.5, left)) if left >= build + 0.1 else None
    sol.conflicts = [(kind, str(i)) for kind, i in conflict] if conflict else []
    if not conflict:
        sol.stats["conflict_search"] = "no conflict named within the time limit"


def _offer(model: AssignmentModel, sol: EngineSolution) -> None:
    """Offer a verified plan, its tie-break exchanges settled, as the solve's best so far
    (:func:`.control.offer`): what the planner returns if a later stage overruns."""
    copy = replace(sol, stats=dict(sol.stats), status="feasible")
    control.offer(settle_ties(model, copy))


def _highs_after(model: AssignmentModel, left: float) -> bool:
    """Whether a large model gets HiGHS after its neighbourhoods (see :data:`HIGHS_AFTER_ENTRIES`)."""
    if not USE_HIGHS or os.environ.get("ASN_BALANCE_SIDE_SOLVER") == "cpsat" or not model.flow_shaped:
        return False
    if in_deterministic_search() or left < HIGHS_AFTER_MIN_SECONDS:
        return False
    return compact_entries(model) <= HIGHS_AFTER_ENTRIES


def _highs_neighbourhoods(model: AssignmentModel) -> bool:
    """Whether the neighbourhoods of a large side model are solved by HiGHS (not CP-SAT)."""
    if not USE_HIGHS or os.environ.get("ASN_BALANCE_SIDE_SOLVER") == "cpsat" or not model.flow_shaped:
        return False
    return not in_deterministic_search()


def _netlp_fits(model: AssignmentModel, t0: float, limit: float) -> bool:
    """Whether a large side model gets the network LP's bound (see :data:`NETLP_MIN_SECONDS`)."""
    if in_deterministic_search() or not model.flow_shaped or not model.side:
        return False
    if t0 + NETLP_SHARE * limit - time.perf_counter() < NETLP_MIN_SECONDS:
        return False
    return not _highs_after(model, t0 + limit - time.perf_counter())


def _improve_with_highs(
    model: AssignmentModel, start: EngineSolution, lower: float, until: float
) -> EngineSolution:
    """HiGHS on the compact MIP from ``start`` until ``until``: its plan if better and valid,
    else ``start``; the bound is the higher of ``lower`` and HiGHS's (a relaxation's) bound."""
    sol = solve_highs(model, hint=start, lower=lower, deadline=until)
    bound = max(lower, sol.bound) if np.isfinite(sol.bound) else lower
    better = (
        sol.status in ("optimal", "feasible")
        and side_holds(model, sol)
        and sol.objective < start.objective - 1e-9 * max(1.0, abs(start.objective))
    )
    best = sol if better else start
    best.stats = {**start.stats, **sol.stats, "lns_objective": float(start.objective)}
    best.bound = bound
    best.tolerance = max(start.tolerance, sol.tolerance)
    best.solver = "flow+lagrange+cpsat-lns+highs"
    return best


def _highs_fits(model: AssignmentModel) -> bool:
    """Whether the side path gives the model to HiGHS (see :data:`HIGHS_MAX_ENTRIES`)."""
    if not USE_HIGHS or os.environ.get("ASN_BALANCE_SIDE_SOLVER") == "cpsat" or not model.flow_shaped:
        return False
    limit = HIGHS_DETERMINISTIC_ENTRIES if in_deterministic_search() else HIGHS_MAX_ENTRIES
    return compact_entries(model) <= limit


def _solve_side_highs(
    model: AssignmentModel,
    relax: EngineSolution,
    hint: EngineSolution | None,
    lower: float,
    tol: float,
    t0: float,
    deadline: float,
    progress: Progress | None,
) -> EngineSolution:
    """HiGHS on the compact MIP, warm-started from the repaired relaxation; the repaired plan
    stands when HiGHS finds nothing better in time, and an infeasible model gets the
    conflict search."""
    repaired = repair(model, relax, deadline=deadline) if hint is not None and model.side else None
    if repaired is not None and side_holds(model, repaired):
        hint = repaired
    elif hint is not None and not side_holds(model, hint):
        hint = None  # the relaxation's plan breaks a row or a hard pair: no start
    if hint is not None:  # verified: the planner's fallback should HiGHS overrun
        hint.bound, hint.tolerance = lower, max(tol, hint.tolerance)
        _offer(model, hint)
    sol = solve_highs(
        model,
        hint=hint,
        lower=lower,
        # a margin as after the neighbourhoods (HiGHS's root LP can overrun its own limit)
        deadline=deadline - min(3.0, max(0.5, HIGHS_AFTER_MARGIN * (deadline - t0))),
        progress=(lambda e, o, b: progress(time.perf_counter() - t0, o, b)) if progress else None,
    )
    if sol.status in ("optimal", "feasible") and not side_holds(model, sol):  # never: HiGHS checks
        sol.status = "time_limit"
    if sol.status in ("time_limit", "infeasible") and hint is not None and side_holds(model, hint):
        start = hint  # HiGHS found nothing better in time (or misjudged): the start plan stands
        start.stats.update(sol.stats)
        start.bound = sol.bound if np.isfinite(sol.bound) else lower
        start.tolerance = max(start.tolerance, sol.tolerance)  # HiGHS's bound holds up to its own
        start.status = "feasible"
        sol = start
    elif (
        sol.status == "feasible"
        and hint is not None
        and side_holds(model, hint)
        and hint.objective < sol.objective
    ):
        hint.bound, hint.stats = sol.bound, {**hint.stats, **sol.stats}
        hint.tolerance = max(hint.tolerance, sol.tolerance)
        sol = hint
    sol.tolerance = max(tol, sol.tolerance)
    if sol.status == "infeasible":
        _name_conflict(model, sol, deadline, BUILD_SECONDS_PER_ARC * len(model.arc_group))
    gap_ok = sol.status in ("optimal", "feasible") and sol.objective - sol.bound <= max(
        PROOF_TOL * max(1.0, abs(sol.objective)), 2 * sol.tolerance
    )
    if gap_ok:
        sol.status = "optimal"
    sol.seconds = time.perf_counter() - t0
    sol.solver = "flow+highs"
    sol.stats["relaxation_bound"] = float(lower)
    return sol
