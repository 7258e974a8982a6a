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
from .backends.rc_fix import compact_lp, fixing_threshold, solve_fixed, support_arcs
from .backends.side import lagrangian_side, lp_multipliers, repair
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

#: Larger models (up to this many integer columns) get, when the time limit leaves at least
#: :data:`HIGHS_AFTER_MIN_SECONDS`, the path of reduced-cost fixing (:mod:`.backends.rc_fix`,
#: :func:`_solve_side_after`): the LP relaxation of the compact MIP and its safe bound, HiGHS on
#: the LP's support, then HiGHS on the entries of small reduced cost, whose optimum (when below
#: the LP's bound plus the threshold) is proven for the whole model. The city (406,000
#: columns) is proven in about 20-25 s of the engine this way, where HiGHS on the whole model
#: (after the Lagrangian and CP-SAT's neighbourhoods) needed 22 s of its own from 24 s on.
HIGHS_AFTER_ENTRIES = 1_500_000
HIGHS_AFTER_MIN_SECONDS = 15.0
#: HiGHS is given the deadline minus this share of the limit (at least 3 s): its root LP and
#: the build of a second round after missed cuts can overrun its own limit by seconds.
HIGHS_AFTER_MARGIN = 0.10
#: The LP relaxation of the compact MIP runs until this share of the limit at most (on the
#: city: 5-10 s on 2 shared cores); an interrupted LP's duals still give a valid bound.
RCFIX_LP_SHARE = 0.5
#: HiGHS on the LP's support (and the start plan's arcs) gets this share of the limit (at
#: least 3 s): on the city about 2,000 arcs, solved in 1-2 s to 740.790 against the optimum
#: 740.781.
RCFIX_SUPPORT_SHARE = 0.1
#: The sub-MIP of reduced-cost fixing keeps at most this share of the entries: on the city,
#: ``U - L`` for the support's plan (0.106) keeps 51 % of them (most reduced costs sit at the
#: move cost, 0.1), and HiGHS took 23 s on those; the entries below 0.0999 (27 %) took 12 s
#: and still hold the optimum (0.096 above the LP's bound), so it is proven.
RCFIX_MAX_SHARE = 0.3
#: A first guess of the seconds to build the fixed sub-MIP per entry kept (the city's whole
#: compact MIP, 406,000 entries, takes about 8 s to set up at load 3.4): the sub-MIP is not
#: started when its build alone would outlast the time left, nor the LP of the whole compact
#: MIP when its build would outlast the LP's deadline (:func:`.backends.rc_fix.compact_lp`).
RCFIX_BUILD_SECONDS_PER_ENTRY = 1e-5

#: Models with side rows too large for HiGHS even after the neighbourhoods get the bound of
#: the network LP (:mod:`.backends.netlp`: the LP relaxation on the flow's signature network,
#: by column generation, its safe bound recomputed from the duals) instead of the subgradient
#: Lagrangian, when it can run until ``NETLP_SHARE`` of the limit for at least
#: ``NETLP_MIN_SECONDS``; then the Lagrangian from its duals (:data:`NETLP_LAGRANGE_SHARE`),
#: and the neighbourhoods get the rest (the 90,000-employee province: ~30 s to build the LP,
#: then 10-15 s per round of column generation on 2 shared cores; 100 s of it gave duals from
#: which four priced flows reached a bound of 7245.2; what counts is the Lagrangian's flows
#: after it: at 300 s, 1 flow after 50 % of the limit bounded at 7137, 3 after 45 % at 7191).
NETLP_SHARE = 0.45
NETLP_MIN_SECONDS = 45.0
#: After the network LP, subgradient steps from its duals (:func:`.backends.side.lp_multipliers`,
#: a first step of ``NETLP_STEP`` of the Polyak step) run until this share of the limit: each
#: priced flow's Lagrangian bound is valid whatever the multipliers, and with a restricted
#: LP's duals far above the LP's safe bound (30,000 employees, duals of 60 s of the LP: safe
#: bound 2236.0, ``L`` of the duals 2621.0, 2673.1 after 10 steps in 20 s, the converged LP
#: 2676.5); their repaired plans start the neighbourhoods, and their arcs are the first
#: neighbourhood's (:data:`.backends.neighbourhoods.GUIDE_FIRST_SHARE`), which needs about a
#: minute at the province (HiGHS's root LP on it takes 20-40 s): the last 25 % of the limit.
NETLP_LAGRANGE_SHARE = 0.7
NETLP_STEP = 0.1

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

#: The solver named for the plans of the reduced-cost fixing path (:func:`_solve_side_after`).
RCFIX_SOLVER = "flow+highs-lp+rcfix"

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
    if hint is not None and large and _highs_after(model, deadline - time.perf_counter()):
        return _solve_side_after(model, relax, lower, tol, t0, deadline, limit)
    lp_stats: dict[str, float | int | str] = {}
    guide = None  # the network LP's support: the first neighbourhood
    if model.side and hint is not None and large and _netlp_fits(model, t0, limit):
        # models too large for HiGHS even after the neighbourhoods: the network LP's safe bound
        # (the best Lagrangian bound, in one LP) instead of the subgradient steps
        lp = network_lp(model, deadline=t0 + NETLP_SHARE * limit, plans=[relax])
        if lp is not None:
            lp_stats = {"netlp_status": lp.status, "netlp_bound": float(lp.bound),
                        "netlp_seconds": round(lp.seconds, 2), "netlp_rounds": lp.rounds,
                        "netlp_columns": lp.priced_columns}  # fmt: skip
            guide = lp.support
            if np.isfinite(lp.bound):
                lower = max(lower, lp.bound)
            # (without duals, an LP stopped before its first solve: L(0) is the relaxation's bound)
            pi = lp_multipliers(lp.side_dual)
            lag = -np.inf
            if lp.rounds and np.any(pi != 0):
                # the first guess of a priced flow's seconds: one flow's, not the relaxation's
                # stage's (with a budget that stage runs several flows: their mean)
                one_flow = relax.seconds / max(1, int(relax.stats.get("flows", 1)))
                lag, plans = lagrangian_side(model, deadline=t0 + NETLP_LAGRANGE_SHARE * limit, start=pi,
                                             step=NETLP_STEP, flow_seconds=one_flow)  # fmt: skip
                lp_stats["netlp_lagrange_bound"] = float(lag)
                lp_stats["netlp_lagrange_steps"] = len(plans)
            if np.isfinite(lag):
                lower = max(lower, lag)
                tol = max([tol, *(p.tolerance for p in plans)])
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
        lns_end = t0 + 0.95 * limit
        bound_now, tol_now, stats_now = lower, tol, dict(lp_stats)

        def offer(plan: EngineSolution) -> None:  # the best plan so far, should a round overrun
            stats = {**plan.stats, **stats_now, "relaxation_bound": float(bound_now)}
            tolerance = max(tol_now, plan.tolerance)
            _offer(model, replace(plan, bound=bound_now, tolerance=tolerance, stats=stats, solver=LNS_SOLVER))

        use_highs = _highs_neighbourhoods(model)  # see LAGRANGE_SHARE
        start = restricted(model, relax, plans[-5:], lns_end, seed, use_highs, offer, guide)
        if start is not None and side_holds(model, start):
            start.bound = lower  # as computed (the planner checks it against the plan)
            start.tolerance = max(tol, start.tolerance)
            start.solver = LNS_SOLVER
            start.stats["relaxation_bound"] = float(lower)
            start.stats.update(lp_stats)
            start.status = "feasible"
            _offer(model, start)  # the planner's fallback should the next stage overrun the deadline
            gap_ok = start.objective - start.bound <= PROOF_TOL * max(1.0, abs(start.objective))
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
    """Whether a large model takes reduced-cost fixing and HiGHS (see :data:`HIGHS_AFTER_ENTRIES`)."""
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
    best.solver = "flow+highs"
    return best


def _solve_side_after(
    model: AssignmentModel,
    relax: EngineSolution,
    lower: float,
    tol: float,
    t0: float,
    deadline: float,
    limit: float,
) -> EngineSolution:
    """Large side models with time for HiGHS: reduced-cost fixing (:mod:`.backends.rc_fix`).

    The repaired relaxation starts (offered to the planner). The LP relaxation of the compact
    MIP gives a safe bound ``L`` and reduced costs (until :data:`RCFIX_LP_SHARE` of the
    limit); HiGHS on the LP's support and the start's arcs gives a plan near the LP's optimum
    (:data:`RCFIX_SUPPORT_SHARE`); HiGHS on the entries of reduced cost below ``t``
    (:func:`.backends.rc_fix.fixing_threshold`: ``U - L`` for the best plan ``U``, lowered to
    keep at most :data:`RCFIX_MAX_SHARE` of them) then bounds the whole model by
    ``max(L, min(B, L + t))``, ``B`` its dual bound: its optimum, when proven and below
    ``L + t``, is the whole model's. Should time remain without a proof (at least
    :data:`HIGHS_AFTER_MIN_SECONDS`), HiGHS runs on the whole model. Every stage ends by the
    deadline less :data:`HIGHS_AFTER_MARGIN` of the limit (at least 3 s); each better plan is
    offered to the planner with the bound known then. Without the LP's duals, HiGHS on the
    whole model from the start plan, as before.
    """
    until = deadline - max(3.0, HIGHS_AFTER_MARGIN * limit)
    best: EngineSolution | None = None
    repaired = repair(model, relax, deadline=until) if model.side else None
    if repaired is not None and side_holds(model, repaired):
        best = repaired
    elif side_holds(model, relax):
        best = relax
    bound = lower
    stats: dict[str, float | int | str] = {"relaxation_bound": float(lower)}

    def better(plan: EngineSolution | None) -> bool:
        if plan is None or not side_holds(model, plan):
            return False
        return best is None or plan.objective < best.objective - 1e-9 * max(1.0, abs(best.objective))

    def proven(plan: EngineSolution | None) -> bool:
        return plan is not None and plan.objective - bound <= max(
            PROOF_TOL * max(1.0, abs(plan.objective)), 2 * max(tol, plan.tolerance)
        )

    def keep(plan: EngineSolution) -> EngineSolution:  # the best plan so far, offered to the planner
        plan.bound, plan.tolerance = bound, max(tol, plan.tolerance)
        plan.stats = {**plan.stats, **stats}
        _offer(model, plan)
        return plan

    if best is not None:
        best = keep(best)
    lp = compact_lp(model, best, deadline=min(until, t0 + RCFIX_LP_SHARE * limit),
                    build_seconds_per_entry=RCFIX_BUILD_SECONDS_PER_ENTRY)  # fmt: skip
    if lp is not None and np.isfinite(lp.bound):
        bound = max(bound, lp.bound)
        stats.update(rcfix_lp_status=lp.status, rcfix_lp_bound=float(lp.bound))
        stats.update(rcfix_lp_seconds=round(lp.seconds, 2), rcfix_lp_rounds=lp.rounds)
        if best is not None:
            best = keep(best)
        if lp.value is not None and not proven(best):
            a_end = min(until, time.perf_counter() + max(3.0, RCFIX_SUPPORT_SHARE * limit))
            plan, _ = solve_fixed(model, lp, -math.inf, best, a_end, extra=support_arcs(model, lp))
            stats["rcfix_support_objective"] = float(plan.objective) if plan is not None else float("nan")
            if better(plan):
                assert plan is not None
                best = keep(plan)
        t = fixing_threshold(lp, best.objective if best is not None else math.inf, RCFIX_MAX_SHARE)
        kept = int(np.count_nonzero(lp.reduced < t))
        # the sub-MIP's build cannot be interrupted: start it only when it fits (and t > 0:
        # at t <= 0 its bound adds nothing to L)
        fits = until - time.perf_counter() > 1.0 + RCFIX_BUILD_SECONDS_PER_ENTRY * kept
        if not proven(best) and t > 0 and fits:
            plan, b = solve_fixed(model, lp, t, best, until)
            bound = max(bound, b)
            stats.update(rcfix_threshold=float(t), rcfix_kept=kept,
                         rcfix_entries=len(lp.reduced), rcfix_bound=float(b))  # fmt: skip
            if plan is not None:
                stats.update({k: v for k, v in plan.stats.items() if k.startswith("highs_")})
            if better(plan):
                assert plan is not None
                best = keep(plan)
            elif best is not None:
                best = keep(best)
    left = until - time.perf_counter()
    if (not proven(best) and left >= HIGHS_AFTER_MIN_SECONDS) or (best is None and left > 1.0):
        if best is not None:  # no proof yet: HiGHS on the whole model with what is left
            best = _improve_with_highs(model, best, bound, until)
            bound = best.bound
        else:
            sol = solve_highs(model, hint=None, lower=bound, deadline=until)
            bound = max(bound, sol.bound) if np.isfinite(sol.bound) else bound
            if sol.status in ("optimal", "feasible") and side_holds(model, sol):
                best = sol
    if best is None:  # no plan at all (the planner's standing plan may still serve)
        empty = np.zeros(0, dtype=np.int64)
        return EngineSolution("time_limit", float("nan"), bound, model.initial_staff(), empty, empty, empty,
                              time.perf_counter() - t0, RCFIX_SOLVER, tolerance=tol, stats=stats)  # fmt: skip
    best.stats = {**best.stats, **stats}
    best.bound = bound
    best.tolerance = max(tol, best.tolerance)
    best.status = "optimal" if proven(best) else "feasible"
    best.solver = RCFIX_SOLVER
    best.seconds = time.perf_counter() - t0
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
