"""Large neighbourhood search on the engine's own model: CP-SAT on a sub-model of chosen
arcs, warm-started from the best plan, mapped back (used by the budget and side paths)."""

from __future__ import annotations

import time

import numpy as np

from ..clock import in_deterministic_search, within
from ..model import AssignmentModel, EngineSolution
from .cpsat import BUILD_SECONDS_PER_ARC, solve_cpsat
from .side import repair

__all__ = ["restricted", "sub_solve"]


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


def restricted(
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
    # repairs count against the deadline: once it has passed, the plans repaired so far serve
    repaired: list[EngineSolution] = []
    for p_sol in [*priced, relax]:
        if repaired and not within(deadline):
            break
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
    rounds = idle = 0
    per_arc = BUILD_SECONDS_PER_ARC  # seconds of building a sub-model per kept arc, measured as rounds go
    # in a deterministic search the rounds, not the wall clock, bound the loop
    while len(hot) and idle < 8 and (rounds < 50 or not in_deterministic_search()):
        chosen = np.zeros(model.n_bins, dtype=bool)
        chosen[rng.choice(hot, size=max(1, len(hot) // 8), replace=False)] = True
        b_flow = model.plan_flows(best)[0] > 0 if best.move_arc is not None else np.zeros(n_arcs, dtype=bool)
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
    return best
