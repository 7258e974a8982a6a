"""Large neighbourhood search on the engine's own model: a sub-model of chosen arcs solved
from the best plan, mapped back (used by the side path). The sub-models are solved by HiGHS
(:func:`highs_sub_solve`, the arcs of each sized to what a round can solve) or, in a
deterministic search or when HiGHS is not used, by CP-SAT (:func:`sub_solve`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from ..clock import in_deterministic_search, within
from ..model import AssignmentModel, EngineSolution
from .cpsat import BUILD_SECONDS_PER_ARC, solve_cpsat
from .highs import solve_highs
from .side import repair

__all__ = [
    "GUIDE_FIRST_SHARE",
    "GUIDE_ROUND_ARCS",
    "HIGHS_ROUND_ARCS",
    "HIGHS_ROUND_SECONDS",
    "highs_sub_solve",
    "restricted",
    "sub_solve",
]

#: Wall seconds of one HiGHS neighbourhood at most, and the arcs of its first neighbourhood
#: (the relaxation's, the priced flows' and the best plan's arcs included; the paired groups'
#: arcs only in the round's bins, as every other arc). A neighbourhood
#: HiGHS solves to optimality in under half the round grows by half for the next round, one
#: it proves without improvement by a quarter, one it does not finish shrinks by a third. On
#: the 10,000-employee city (397,516 arcs) rounds of 15,000-45,000 arcs take 1-4 s each on 2
#: shared cores, while CP-SAT does not even return its start plan on 16,000 arcs in 8 s.
HIGHS_ROUND_SECONDS = 4.0
HIGHS_ROUND_ARCS = 20_000

#: With a guide (the arcs a relaxation's optimum uses, e.g. the network LP's support), the first
#: HiGHS round takes the guide's arcs with the plans' (the best plan's, the relaxation's and the
#: priced flows') when the guide has at most this many arcs, else the plans' arcs alone; it may
#: run for up to :data:`GUIDE_FIRST_SHARE` of the time left, not :data:`HIGHS_ROUND_SECONDS`.
#: On the 30,000-employee scenario with every policy column (3.8 M arcs) the network LP's
#: support after 60 s (19,353 arcs; 21,585 with the plans') took the plan from 2921.7 (the
#: repaired relaxation) to 2704.4 in 60 s, 1.0 % above the LP's converged bound (2676.5). On
#: the province (36 M arcs) the support after 100 s holds 135,000 arcs, on which HiGHS found
#: nothing better than its start in 123 s; the arcs of the relaxation's plan and of four priced flows of
#: the Lagrangian (49,000 arcs) took the best repaired plan from 7530.3 to 7296.7 in 25 s
#: (root LP about 20 s) and 7288.8 in 40 s with 8,000 arcs more, 0.6 % above the Lagrangian
#: bound (7245.2).
GUIDE_ROUND_ARCS = 60_000
GUIDE_FIRST_SHARE = 0.8

#: The first guess of a round's overrun of its deadline (HiGHS, then the checks of its plan and
#: the offer on the whole model), in seconds per arc of the model (plus a quarter second): 1.8 s
#: on the province's 36 M arcs, where HiGHS kept its deadline within 0.5 s and the checks and
#: the offer of a plan took 1-8 s in a lab, 8-18 s in engine runs at load 3.7-5 (2 shared
#: cores); measured from the start plan's and round by round after that. (An
#: overrun of 10-14 s there came from the MIP's build, 25-33 s, when every neighbourhood held
#: all 530,000 arcs of the paired groups: they are now freed only in a round's bins.)
ROUND_OVERRUN_PER_ARC = 5e-8


def sub_solve(
    model: AssignmentModel,
    keep: np.ndarray,
    hint: EngineSolution,
    time_limit: float,
    seed: int,
    deterministic_time: float | None = None,
) -> EngineSolution | None:
    """CP-SAT on the sub-model of the arcs in ``keep`` (others unused), mapped back."""
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


def highs_sub_solve(
    model: AssignmentModel, keep: np.ndarray, hint: EngineSolution, deadline: float
) -> EngineSolution | None:
    """HiGHS on the sub-model of the arcs in ``keep`` (others unused) from ``hint``, mapped back.

    Parameters
    ----------
    model : AssignmentModel
        The model.
    keep : ndarray of bool
        Per arc, whether the sub-model has it; it must hold every arc of ``hint``.
    hint : EngineSolution
        A plan of the model that keeps its rules, with ``move_arc``: HiGHS's start.
    deadline : float
        Absolute :func:`time.perf_counter` value for HiGHS.

    Returns
    -------
    EngineSolution or None
        HiGHS's plan, its arcs those of ``model``, status ``feasible`` and no bound (it is
        optimal for the neighbourhood only; ``stats["highs_status"]`` says whether HiGHS
        proved that), or ``None`` without a plan.
    """
    if hint.move_arc is None or not np.all(keep[hint.move_arc]):
        return None
    sub, old = model.subset(keep)
    # the hint's arcs in the sub-model: their ranks among the kept arcs (no map over every arc)
    start = replace(hint, move_arc=np.searchsorted(old, hint.move_arc).astype(np.int64), stats={})
    sol = solve_highs(sub, hint=start, lower=-np.inf, deadline=deadline)
    if sol.status not in ("optimal", "feasible") or sol.move_arc is None:
        return None
    sol.move_arc = old[sol.move_arc]
    sol.status = "feasible"  # optimal for the neighbourhood only
    sol.bound = -np.inf
    return sol


def _sized_bins(
    hot: np.ndarray, arcs_per_bin: np.ndarray, want: float, rng: np.random.Generator
) -> np.ndarray:
    """A random prefix of the ``hot`` bins whose arcs (into or out of them) add up to about ``want``."""
    order = rng.permutation(hot)
    total = np.cumsum(arcs_per_bin[order])
    return order[: max(1, int(np.searchsorted(total, want)))]


def restricted(
    model: AssignmentModel,
    relax: EngineSolution,
    priced: list[EngineSolution],
    deadline: float,
    seed: int,
    use_highs: bool = False,
    offer: Callable[[EngineSolution], None] | None = None,
    guide: np.ndarray | None = None,
) -> EngineSolution | None:
    """A plan from neighbourhoods of the relaxation's plan, for models too large to solve whole.

    The best repaired plan (of the relaxation and the priced flows) starts; without one,
    CP-SAT chooses among the relaxation's own moves (and the arcs of paired groups) which to
    keep under the side constraints. Then rounds free, besides the best plan's and the
    relaxation's arcs (and the priced flows'), every arc into or out of a random part of the
    bins where they differ or a side row binds, keeping what improves (CP-SAT's rounds keep
    every arc of the paired groups besides). With ``use_highs`` (and outside a
    deterministic search) HiGHS solves the rounds, each at most :data:`HIGHS_ROUND_SECONDS`
    and its part of the bins sized to :data:`HIGHS_ROUND_ARCS` arcs (adapted round by
    round); else CP-SAT does, on an eighth of the bins. ``stats["side_lns_rounds"]`` counts
    the rounds, ``stats["side_lns_solver"]`` names their solver. ``offer`` is called with the
    HiGHS rounds' start plan and each plan that improves on it (each keeps every rule), so
    that a caller keeps the best plan so far should a round overrun the deadline;
    ``stats["side_lns_start_objective"]`` is the start plan's objective,
    ``stats["side_lns_overrun"]`` the most seconds a round ended past its deadline (its
    checks and offer included), ``stats["side_lns_highs_overrun"]`` HiGHS's share of that.

    ``guide`` (per arc, bool; HiGHS's rounds only) marks the arcs a relaxation's optimum uses,
    e.g. the network LP's support (:attr:`.netlp.NetLP.support`): the first round keeps them
    with the plans' arcs (the plans' arcs alone when the guide holds more than
    :data:`GUIDE_ROUND_ARCS`) and runs for up to :data:`GUIDE_FIRST_SHARE` of the time left;
    when the guide did not fit in one round, every other round after it takes the guide's arcs
    in a random part of its bins. With a guide, the relaxation's plan is not repaired once a
    priced flow's is (it is the far worse start). The guide only chooses neighbourhoods: every
    plan still keeps every rule.
    """
    if relax.move_arc is None:
        return None
    n_arcs = len(model.arc_group)
    r_flow = _arcs_of(n_arcs, relax)
    for p_sol in priced:
        if p_sol.move_arc is not None:
            r_flow |= _arcs_of(n_arcs, p_sol)
    paired = np.zeros(model.n_groups, dtype=bool)
    paired[[g for p in model.pairs for g in (p.first, p.second)]] = True
    pair_arc = paired[model.arc_group]  # (a mask: np.isin over 36 M arcs takes seconds)
    limit = deadline - time.perf_counter()
    if limit < 0.5 and not in_deterministic_search():
        return None
    # repairs count against the deadline: once it has passed, the plans repaired so far serve
    repaired: list[EngineSolution] = []
    for p_sol in [*priced, relax]:
        if repaired and not within(deadline):
            break
        if p_sol is relax and repaired and guide is not None:
            break  # priced flows near the LP's optimum repaired: the relaxation's is far worse
        fixed = repair(model, p_sol, deadline=deadline)
        if fixed is not None:
            repaired.append(fixed)
    best: EngineSolution | None = min(repaired, key=lambda x: x.objective) if repaired else None
    if best is None:
        best = sub_solve(model, r_flow | pair_arc, relax, min(limit, max(2.0, 0.4 * limit)), seed)
    if best is None:
        return None
    home = model.group_home[model.arc_group]
    into = model.class_bins[model.class_indptr[model.arc_class]]
    hot_bin = np.zeros(model.n_bins, dtype=bool)
    hot_bin[relax.move_bin] = True
    hot_bin[model.group_home[relax.move_group].clip(0)] = True
    hot = np.flatnonzero(hot_bin)
    rng = np.random.default_rng(seed)
    if use_highs and not in_deterministic_search() and best.move_arc is not None:
        # (the paired groups' arcs only where a round frees their bins: all of them, 0.5 M arcs
        # on the province, made every round's MIP ten times larger)
        return _highs_rounds(model, best, r_flow, hot, home, into, deadline, rng, offer, guide)
    rounds = idle = 0
    per_arc = BUILD_SECONDS_PER_ARC  # seconds of building a sub-model per kept arc, measured as rounds go
    # in a deterministic search the rounds, not the wall clock, bound the loop
    while len(hot) and idle < 8 and (rounds < 50 or not in_deterministic_search()):
        chosen = np.zeros(model.n_bins, dtype=bool)
        chosen[rng.choice(hot, size=max(1, len(hot) // 8), replace=False)] = True
        b_flow = _arcs_of(n_arcs, best)
        keep = r_flow | pair_arc | b_flow | (chosen[home.clip(0)] & (home >= 0)) | chosen[into]
        # the round ends by the deadline: building its model (seconds on a large model) comes
        # before the search, which gets the rest
        kept = int(keep.sum())
        if not within(deadline - 0.5 - per_arc * kept):
            break
        rounds += 1
        idle += 1
        left = min(10.0, deadline - time.perf_counter())
        sol = sub_solve(model, keep, best, left, seed + rounds, deterministic_time=2.0)
        if sol is not None:
            per_arc = max(per_arc, sol.build_seconds / max(kept, 1))
        if sol is not None and sol.objective < best.objective - 1e-9 * max(1.0, abs(best.objective)):
            best, idle = sol, 0
    best.stats["side_lns_rounds"] = rounds
    best.stats["side_lns_solver"] = "cpsat"
    return best


def _highs_rounds(
    model: AssignmentModel,
    best: EngineSolution,
    base: np.ndarray,
    hot: np.ndarray,
    home: np.ndarray,
    into: np.ndarray,
    deadline: float,
    rng: np.random.Generator,
    offer: Callable[[EngineSolution], None] | None,
    guide: np.ndarray | None = None,
) -> EngineSolution:
    """The neighbourhood rounds of :func:`restricted` by HiGHS, until ``deadline``: a round
    starts with at least a second left besides the largest overrun of a round past its own
    deadline seen so far (HiGHS, then the checks of its plan on the whole model and the
    offer), and its deadline keeps that overrun back. With a ``guide``, the first round (and,
    when the guide is larger than one round, every other one) takes the guide's arcs (see
    :func:`restricted`)."""
    nb = model.n_bins
    arcs_per_bin = np.bincount(home[home >= 0], minlength=nb) + np.bincount(into, minlength=nb)
    want = float(HIGHS_ROUND_ARCS)
    if guide is not None and not guide.any():
        guide = None
    g_bins = np.zeros(0, dtype=np.int64)
    g_per_bin = np.zeros(nb, dtype=np.int64)
    g_big = False
    if guide is not None:
        g_home, g_into = home[guide], into[guide]
        g_per_bin = np.bincount(g_home[g_home >= 0], minlength=nb) + np.bincount(g_into, minlength=nb)
        g_bins = np.flatnonzero(g_per_bin)
        g_big = int(guide.sum()) > GUIDE_ROUND_ARCS
    rounds = improved = guided_rounds = guided_improved = 0
    highs_late = 0.0  # seconds HiGHS itself (with the sub-MIP's build) ended past a round's deadline
    # seconds a round ended past its deadline, at most (see ROUND_OVERRUN_PER_ARC); at least
    # what the start plan's checks and offer took (a round's plan gets the same after HiGHS)
    overrun = 0.25 + ROUND_OVERRUN_PER_ARC * len(model.arc_group)
    checked = time.perf_counter()
    if offer is not None and _keeps_rules(model, best):
        offer(best)
    overrun = max(overrun, 0.25 + time.perf_counter() - checked)
    first_objective = best.objective
    while len(hot):
        left = deadline - time.perf_counter() - overrun
        if left < 1.0 or not within(deadline):
            break
        fixed = base | _arcs_of(len(home), best)
        chosen = np.zeros(model.n_bins, dtype=bool)
        guided = guide is not None and (rounds == 0 or (g_big and rounds % 2 == 1))
        cap = min(HIGHS_ROUND_SECONDS, left)
        if guide is not None and guided:
            if rounds == 0:
                cap = max(cap, GUIDE_FIRST_SHARE * left)
                # a guide larger than a round: the plans' arcs alone (the priced flows' arcs
                # hold most of a near-optimal plan: see GUIDE_FIRST_SHARE)
                keep = fixed if g_big else fixed | guide
            else:
                chosen[_sized_bins(g_bins, g_per_bin, want, rng)] = True
                keep = fixed | (guide & ((chosen[home.clip(0)] & (home >= 0)) | chosen[into]))
        else:
            chosen[_sized_bins(hot, arcs_per_bin, max(0.0, want - fixed.sum()), rng)] = True
            keep = fixed | (chosen[home.clip(0)] & (home >= 0)) | chosen[into]
        rounds += 1
        guided_rounds += guided
        started = time.perf_counter()
        sol = highs_sub_solve(model, keep, best, started + cap)
        took = time.perf_counter() - started
        highs_late = max(highs_late, took - cap)
        proved = sol is not None and sol.stats.get("highs_status") == "Optimal"
        better = sol is not None and sol.objective < best.objective - 1e-9 * max(1.0, abs(best.objective))
        if better and sol is not None and _keeps_rules(model, sol):
            best = sol
            improved += 1
            guided_improved += guided
            if offer is not None:
                offer(best)
        # the round's overrun counts its checks and its offer (seconds on a large model)
        overrun = max(overrun, time.perf_counter() - started - cap)
        if not (guided and rounds == 1):  # (the guide's first round is sized by the guide)
            if proved and took < 0.5 * cap:
                want *= 1.5  # solved with time to spare: a larger neighbourhood next
            elif not proved:
                want = max(2_000.0, want / 1.5)
            elif not better:
                want *= 1.25  # a local optimum of neighbourhoods of this size: look wider
            want = min(want, float(len(model.arc_group)))
    best.stats["side_lns_rounds"] = rounds
    best.stats["side_lns_improved"] = improved
    best.stats["side_lns_overrun"] = round(overrun, 3)
    best.stats["side_lns_highs_overrun"] = round(highs_late, 3)
    best.stats["side_lns_start_objective"] = float(first_objective)
    if guide is not None:
        best.stats["side_lns_guided"] = guided_rounds
        best.stats["side_lns_guided_improved"] = guided_improved
    best.stats["side_lns_solver"] = "highs"
    return best


def _arcs_of(n_arcs: int, sol: EngineSolution) -> np.ndarray:
    """Per arc of a model with ``n_arcs`` arcs, whether the plan ``sol`` moves units along it
    (a scatter over the plan's moves: on 36 M arcs 0.003 s and 34 MB, against 0.13 s and
    589 MB for ``plan_flows(sol)[0] > 0``, which counts over every arc)."""
    used = np.zeros(n_arcs, dtype=bool)
    if sol.move_arc is not None:
        used[sol.move_arc[sol.move_count > 0]] = True
    return used


def _keeps_rules(model: AssignmentModel, sol: EngineSolution) -> bool:
    """Whether a neighbourhood's plan keeps the model's budget, side rows and hard pairs
    (HiGHS's tolerances are checked again on the whole model)."""
    if model.max_moves is not None and sol.moves > model.max_moves:
        return False
    if model.side:
        flow, inflow = model.plan_flows(sol)
        if not all(row.holds(flow, inflow) for row in model.side):
            return False
    return model.pair_cost(sol.move_group, sol.move_bin)[1] == 0
