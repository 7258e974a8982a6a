"""Models with loads (capacities per bin): CP-SAT, column generation and a large-neighbourhood search.

With loads the model is no longer a flow (the Generalized Assignment Problem is NP-hard).
The search runs in stages within the time limit:

1. CP-SAT on the whole model for a short while: the first plan and a proven bound, and
   on easy instances a proof of optimality;
2. set-partitioning column generation (:mod:`.colgen`): the Lagrangian bound of the
   knapsack relaxation, much tighter than the compact LP on hard instances, and, when its
   master converges in time, LP dives that give plans close to that bound;
3. large-neighbourhood search from the best plan: free every unit in a few bins (bins
   chosen at random, or bins whose units have cheap alternatives in each other) or a random
   set of units, and re-solve that small sub-model exactly with CP-SAT, keeping what
   improves;
4. CP-SAT on the whole model again, warm-started from the best plan, for the bound (skipped
   once the plan meets the bound).

The LNS applies when every group is one unit and the staffing cost is off (the GAP shape);
otherwise CP-SAT alone runs for the whole time. Above 800 units CP-SAT's own LP does not
finish in time, so large instances take the LP relaxation from GLOP instead (the bound, and
on the public instances an almost integral optimum), round it (largest share, then repair
overloaded bins by the cheapest moves per unit of load, then shift descent) and run the LNS
on that for the whole time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from ..backends.cpsat import solve_cpsat
from ..control import running, stop_requested
from ..model import AssignmentModel, EngineSolution
from .colgen import DP_CELL_LIMIT, Master, dive

__all__ = ["solve_loaded"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
_DENSE_LIMIT = 5_000_000
SUB_WORKERS = 1


def _lns_applies(model: AssignmentModel) -> bool:
    return (
        model.arc_load is not None
        and bool(np.all(model.group_size == 1))
        and bool(np.all(model.group_home < 0))
        and not bool(np.isfinite(model.weight).any())
        and bool(np.all(model.min_staff == 0))
        and bool(np.all(model.max_staff < 0))
        and model.max_moves is None
        and model.n_groups * model.n_bins <= _DENSE_LIMIT
    )


class _Dense:
    """Dense cost/load matrices of a GAP-shaped model (``inf`` cost where no arc)."""

    def __init__(self, model: AssignmentModel) -> None:
        assert model.arc_load is not None and model.bin_capacity is not None
        n, m = model.n_groups, model.n_bins
        bins = model.class_bins[model.class_indptr[model.arc_class]]
        self.cost = np.full((n, m), np.inf)
        self.load = np.zeros((n, m))
        self.cost[model.arc_group, bins] = model.move_cost + model.arc_cost
        self.load[model.arc_group, bins] = model.arc_load
        self.cap = model.bin_capacity.astype(float)
        self.home = model.group_home.astype(np.int64)
        integral = np.all(np.isfinite(self.cost) <= (self.cost == np.rint(self.cost)))
        self.scale = 1.0 if integral else 1e4
        self.icost = np.where(np.isfinite(self.cost), np.rint(self.cost * self.scale), 0).astype(np.int64)
        fin = np.isfinite(self.cap)
        exact = np.all(self.load == np.rint(self.load)) and np.all(self.cap[fin] == np.rint(self.cap[fin]))
        self.lmult = 1.0 if exact else 1000.0
        self.iload = np.ceil(self.load * self.lmult - 1e-9).astype(np.int64)
        self.icap = np.where(fin, np.floor(self.cap * self.lmult + 1e-9), np.iinfo(np.int64).max // 4).astype(
            np.int64
        )

    def total(self, assign: IntArray) -> float:
        return float(self.cost[np.arange(len(assign)), assign].sum())


def _sub_solve(
    d: _Dense,
    jobs: IntArray,
    bins: IntArray,
    room: IntArray,
    assign: IntArray,
    limit: float,
    seed: int,
    workers: int = 1,
    mask: npt.NDArray[np.bool_] | None = None,
) -> IntArray | None:
    """Optimal re-assignment of ``jobs`` to ``bins`` (with ``room`` left in each), or None.

    ``mask`` (jobs x bins) restricts which pairs may be used.
    """
    allowed = np.isfinite(d.cost[np.ix_(jobs, bins)])
    if mask is not None:
        allowed &= mask
    m = cp_model.CpModel()
    xs: dict[tuple[int, int], cp_model.IntVar] = {}
    for r, c in zip(*np.nonzero(allowed), strict=True):
        xs[(int(r), int(c))] = m.new_bool_var("")
    rows: list[list[cp_model.IntVar]] = [[] for _ in jobs]
    cols: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in bins]
    for (r, c), v in xs.items():
        rows[r].append(v)
        cols[c].append((int(d.iload[jobs[r], bins[c]]), v))
    for vs in rows:
        if not vs:
            return None
        m.add_exactly_one(vs)
    for c, items in enumerate(cols):
        if items:
            m.add(sum(w * v for w, v in items) <= int(room[c]))
    m.minimize(sum(int(d.icost[jobs[r], bins[c]]) * v for (r, c), v in xs.items()))
    for (r, c), v in xs.items():
        m.add_hint(v, bool(bins[c] == assign[jobs[r]]))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    with running(solver):
        status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    out = np.empty(len(jobs), dtype=np.int64)
    for (r, c), v in xs.items():
        if solver.value(v):
            out[r] = bins[c]
    return out


def _greedy(d: _Dense, key: FloatArray | None = None) -> IntArray | None:
    """Regret construction: the unit with the largest gap between its best and second best
    bin with room (by ``key``, default the cost) goes to its best; ``None`` if one finds no room.
    """
    n, m = d.cost.shape
    room = d.icap.astype(np.int64).copy()
    assign = np.full(n, -1, dtype=np.int64)
    left = np.arange(n, dtype=np.int64)
    base = d.cost if key is None else np.where(np.isfinite(d.cost), key, np.inf)
    cost_t = np.where(np.isfinite(base), base, np.inf).T  # bins x units
    load_t = d.iload.T
    while len(left):
        fits = load_t[:, left] <= room[:, None]
        c = np.where(fits, cost_t[:, left], np.inf)
        if m >= 2:
            two = np.partition(c, 1, axis=0)[:2]
            first, second = two[0], two[1]
        else:
            first, second = c[0], np.full(len(left), np.inf)
        if np.isinf(first).any():
            return None
        regret = np.where(np.isinf(second), np.inf, second - first)
        r = int(np.argmax(regret))
        j = int(left[r])
        b = int(np.argmin(c[:, r]))
        assign[j] = b
        room[b] -= d.iload[j, b]
        left = np.delete(left, r)
    return assign


def _lp(d: _Dense) -> tuple[FloatArray, float, FloatArray] | None:
    """LP relaxation (GLOP): fractional assignment ``x[unit, bin]``, its value and the duals
    of the assignment rows (one per unit), or None."""
    from ortools.linear_solver.python import model_builder as mb

    n, m = d.cost.shape
    ok = np.isfinite(d.cost)
    import pandas as pd

    model = mb.Model()  # type: ignore[no-untyped-call]
    idx = pd.RangeIndex(n * m)
    series = model.new_var_series(
        name="x",
        index=idx,
        lower_bounds=0.0,
        upper_bounds=pd.Series(np.where(ok, 1.0, 0.0).ravel(), index=idx),
        is_integral=False,
    )
    x = series.to_numpy().reshape(n, m)
    cost = np.where(ok, d.cost, 0.0)
    rows = pd.Series([model.add(mb.LinearExpr.sum(x[j, :]) == 1.0) for j in range(n)])
    fin = np.isfinite(d.cap)
    for b in np.flatnonzero(fin):
        model.add(mb.LinearExpr.weighted_sum(x[:, b], d.load[:, b].tolist()) <= float(d.cap[b]))
    model.minimize(mb.LinearExpr.weighted_sum(x.ravel(), cost.ravel().tolist()))
    solver = mb.Solver("GLOP")
    if solver.solve(model) != mb.SolveStatus.OPTIMAL:
        return None
    values = solver.values(series).to_numpy(dtype=float).reshape(n, m)
    duals = solver.dual_values(rows).to_numpy(dtype=float)
    return values, float(solver.objective_value), duals


def _lp_round(d: _Dense, x: FloatArray, deadline: float) -> IntArray | None:
    """Each unit to its largest LP share, then overloaded bins shed the units whose move to a
    bin with room costs least per unit of load; ``None`` if some overload cannot be undone.
    """
    n, m = d.cost.shape
    assign = np.argmax(x, axis=1).astype(np.int64)
    used = np.zeros(m, dtype=np.int64)
    np.add.at(used, assign, d.iload[np.arange(n), assign])
    cost = np.where(np.isfinite(d.cost), d.cost, np.inf)
    while time.perf_counter() < deadline and not stop_requested():
        over = np.flatnonzero(used > d.icap)
        if len(over) == 0:
            return assign
        b = int(over[np.argmax(used[over] - d.icap[over])])
        jobs = np.flatnonzero(assign == b)
        room = d.icap - used
        fits = d.iload[jobs] <= room[None, :]
        fits[:, b] = False
        delta = (
            np.where(fits, cost[jobs] - cost[jobs, b][:, None], np.inf)
            / np.maximum(d.iload[jobs, b], 1)[:, None]
        )
        if not np.isfinite(delta).any():
            return None
        r, k = divmod(int(np.argmin(delta)), m)
        j = int(jobs[r])
        used[b] -= d.iload[j, b]
        used[k] += d.iload[j, k]
        assign[j] = k
    return None


def _construct(d: _Dense, deadline: float) -> IntArray | None:
    """The best of a few regret constructions, each polished by shift descent."""
    rel = d.iload / np.maximum(d.icap, 1)[None, :]
    best: IntArray | None = None
    for key in (np.where(np.isfinite(d.cost), d.cost, 0.0) * rel, rel):
        if time.perf_counter() >= deadline:
            break
        a = _greedy(d, key)
        if a is None:
            continue
        a = _shift_descent(d, a, deadline)
        if best is None or d.total(a) < d.total(best):
            best = a
    return best


def _shift_descent(d: _Dense, assign: IntArray, deadline: float) -> IntArray:
    """Best-improvement single-unit shifts until none improves (or the deadline)."""
    n, m = d.cost.shape
    assign = assign.copy()
    used = np.zeros(m, dtype=np.int64)
    np.add.at(used, assign, d.iload[np.arange(n), assign])
    room = d.icap - used
    cost = np.where(np.isfinite(d.cost), d.cost, np.inf)
    rows = np.arange(n)
    while time.perf_counter() < deadline and not stop_requested():
        delta = cost - cost[rows, assign][:, None]
        delta[d.iload > room[None, :]] = np.inf
        delta[rows, assign] = np.inf
        flat = int(np.argmin(delta))
        j, b = divmod(flat, m)
        if not delta[j, b] < -1e-12:
            break
        room[assign[j]] += d.iload[j, assign[j]]
        room[b] -= d.iload[j, b]
        assign[j] = b
    return assign


@dataclass
class _ColumnGeneration:
    """What the column-generation stage found: the best plan, the Lagrangian bound (in cost
    units), whether the master converged, and the dives made."""

    assign: IntArray
    bound: float
    converged: bool
    dives: int
    dive_best: float
    columns: int
    seconds: float

    def stats(self) -> dict[str, float | int | str]:
        return {
            "colgen_bound": self.bound,
            "colgen_converged": self.converged,
            "colgen_dives": self.dives,
            "colgen_dive_best": self.dive_best,
            "colgen_columns": self.columns,
            "colgen_seconds": round(self.seconds, 3),
        }


def _column_generation(
    d: _Dense,
    assign: IntArray,
    root_deadline: float,
    dive_deadline: float,
    seed: int,
    on_improve: Callable[[IntArray], None],
    on_bound: Callable[[float], None] | None = None,
) -> _ColumnGeneration | None:
    """Set-partitioning column generation (:mod:`.colgen`): its Lagrangian bound, and when
    the master converges before ``root_deadline``, LP dives until ``dive_deadline``, each
    finished exactly by CP-SAT on the units the dive left over. None when the knapsack tables
    would be too large (huge or fractional capacities) or the LP fails."""
    t = time.perf_counter()
    allowed = np.isfinite(d.cost)
    master = Master(d.icost.astype(float), d.iload, d.icap, allowed)
    if master.dp_cells() > DP_CELL_LIMIT or t >= root_deadline:
        return None
    for b in range(d.cost.shape[1]):
        master.add(b, np.flatnonzero(assign == b).astype(np.int64))
    lp = _lp(d)  # its duals, in the scaled costs, start the smoothing (any duals give a valid bound)
    center = None if lp is None else lp[2] * d.scale
    try:
        # a master stuck (degenerate) for a third of its time will not converge in time
        stall = max(2.0, (root_deadline - time.perf_counter()) / 3)
        _, lag, converged = master.generate(root_deadline, center=center, stall=stall)
    except RuntimeError:
        return None
    n = d.cost.shape[0]
    # the bound in cost units; integral costs round it up, scaled ones allow for the rounding
    if d.scale == 1.0:
        bound = float(math.ceil(lag - 1e-6))
    else:
        bound = (lag - 0.5 * n) / d.scale - 1e-9 * max(1.0, abs(lag / d.scale))
    if on_bound is not None:
        on_bound(bound)
    best = assign.copy()
    best_total = d.total(best)
    dives = 0
    dive_best = np.inf
    rng = np.random.default_rng(seed)

    def complete(units: IntArray, bins: IntArray) -> IntArray | None:
        limit = min(2.0, dive_deadline - time.perf_counter())
        if limit <= 0.02:
            return None
        return _sub_solve(d, units, bins, d.icap[bins], best, limit, int(rng.integers(1 << 30)))

    while (
        converged
        and best_total > bound + 1e-9
        and time.perf_counter() < dive_deadline
        and not stop_requested()
    ):
        try:
            plan = dive(master, dive_deadline, complete, rng if dives else None)
            dives += 1
            if plan is not None and np.all(plan >= 0):
                used = np.bincount(plan, weights=d.iload[np.arange(n), plan], minlength=len(d.icap))
                total = d.total(plan)
                if np.all(used <= d.icap) and np.isfinite(total):
                    dive_best = min(dive_best, total)
                    if total < best_total - 1e-9:
                        best, best_total = plan, total
                        on_improve(best)
            master.generate(dive_deadline, alpha=0.0)  # back to the root LP for the next dive
        except RuntimeError:
            break
    return _ColumnGeneration(
        best, bound, converged, dives, float(dive_best), len(master.cols), time.perf_counter() - t
    )


def _lns(
    d: _Dense,
    assign: IntArray,
    deadline: float,
    seed: int,
    on_improve: Callable[[IntArray], None],
    target: float | None = None,
) -> tuple[IntArray, int]:
    """Destroy-and-repair on the assignment; sub-models of about ``size`` units, until the
    deadline, stagnation, or a plan of cost ``target`` (a proven lower bound) is found.

    Neighbourhoods: all units of a few bins that trade well with each other (or random
    bins), or a set of units with cheap alternatives (or random ones) with every bin's
    room. The target size grows while the sub-models solve fast and shrinks when slow.
    """
    rng = np.random.default_rng(seed)
    n, m = d.cost.shape
    used = np.zeros(m, dtype=np.int64)
    np.add.at(used, assign, d.iload[np.arange(n), assign])
    size = float(min(n, 40))
    goal = -np.inf if target is None else target + 1e-9
    # large instances gain more from many quick sub-solves, small ones from harder ones
    sub_limit, fast, slow = (0.3, 0.06, 0.25) if n > 800 else (0.5, 0.15, 0.45)
    rounds = 0
    start = last_gain = time.perf_counter()
    # stop early when the search stagnates, leaving the time to the final proof
    patience = max(5.0, 0.5 * (deadline - start))
    finite_cost = np.where(np.isfinite(d.cost), d.cost, np.inf)
    while (
        time.perf_counter() < deadline
        and time.perf_counter() - last_gain < patience
        and not stop_requested()
        and d.total(assign) > goal
    ):
        rounds += 1
        kind = rng.random()
        want = int(size)
        if kind < 0.6 and m > 2:
            b0 = int(rng.integers(m))
            if kind < 0.2:
                order = rng.permutation(m)
            else:  # bins whose units have cheap alternatives among each other
                mine = np.flatnonzero(assign == b0)
                if len(mine) == 0:
                    continue
                regret = finite_cost[mine] - finite_cost[mine, b0][:, None]
                score = np.where(np.isfinite(regret), regret, np.inf).min(axis=0)
                score[b0] = -np.inf
                order = np.argsort(score + rng.random(m) * 1e-6)
            count = np.bincount(assign, minlength=m)[order]
            take = max(2, int(np.searchsorted(np.cumsum(count), want)) + 1)
            bins = np.unique(np.concatenate([[b0], order[:take]])).astype(np.int64)
            jobs = np.flatnonzero(np.isin(assign, bins)).astype(np.int64)
            room = d.icap[bins]
            mask = None
        else:  # units with cheap alternatives (or random ones), all bins with their room
            if kind < 0.8:
                alt = finite_cost - finite_cost[np.arange(n), assign][:, None]
                alt[np.arange(n), assign] = np.inf
                key = alt.min(axis=1) + rng.exponential(
                    max(1.0, float(np.median(d.cost[np.isfinite(d.cost)]))) * 0.2, n
                )
                jobs = np.sort(np.argsort(key)[: min(n, want)]).astype(np.int64)
            else:
                jobs = np.sort(rng.choice(n, size=min(n, want), replace=False)).astype(np.int64)
            # each unit may go back or to one of its cheapest bins: small sub-models
            near = np.argsort(finite_cost[jobs], axis=1)[:, : (m if m <= 24 else 8)]
            bins = np.unique(np.concatenate([near.ravel(), assign[jobs]])).astype(np.int64)
            mask = np.zeros((len(jobs), len(bins)), dtype=bool)
            col = np.searchsorted(bins, near)
            mask[np.arange(len(jobs))[:, None], col] = True
            mask[np.arange(len(jobs)), np.searchsorted(bins, assign[jobs])] = True
            freed = np.zeros(m, dtype=np.int64)
            np.add.at(freed, assign[jobs], d.iload[jobs, assign[jobs]])
            room = (d.icap - used + freed)[bins]
        if len(jobs) == 0:
            continue
        before = int(d.icost[jobs, assign[jobs]].sum())
        limit = min(sub_limit, deadline - time.perf_counter())
        if limit <= 0.02:
            break
        t_sub = time.perf_counter()
        new = _sub_solve(d, jobs, bins, room, assign, limit, int(rng.integers(1 << 30)), SUB_WORKERS, mask)
        spent = time.perf_counter() - t_sub
        if new is not None and int(d.icost[jobs, new].sum()) < before:
            np.add.at(used, assign[jobs], -d.iload[jobs, assign[jobs]])
            assign = assign.copy()
            assign[jobs] = new
            np.add.at(used, assign[jobs], d.iload[jobs, assign[jobs]])
            on_improve(assign)
            last_gain = time.perf_counter()
        # grow neighbourhoods that solve fast, shrink slow ones
        if spent < fast:
            size = min(float(n), size * 1.05)
        elif spent > slow:
            size = max(10.0, size * 0.9)
    return assign, rounds


def solve_loaded(
    model: AssignmentModel,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: Callable[[float, float, float], None] | None = None,
) -> EngineSolution:
    """Solve a model with loads within ``time_limit`` seconds (default 60).

    Parameters
    ----------
    model : AssignmentModel
        A model with ``arc_load`` and ``bin_capacity``.
    time_limit : float, optional
        Seconds for all stages together.
    seed : int
        Random seed of CP-SAT and of the neighbourhood choice.
    workers : int, optional
        CP-SAT workers for the whole-model stages (default 2).
    progress : callable, optional
        ``(elapsed, objective, bound)`` when the plan improves.
    """
    t0 = time.perf_counter()
    limit = 60.0 if time_limit is None else float(time_limit)
    deadline = t0 + limit
    w = int(workers) if workers else 2
    if not _lns_applies(model):
        return solve_cpsat(
            model, hint=None, lower=-np.inf, time_limit=limit, seed=seed, workers=w, progress=progress
        )
    d = _Dense(model)
    if model.n_groups > 800:
        return _solve_large(model, d, t0, deadline, seed, progress)
    start = None  # up to 800 units CP-SAT's own first plan is the better start (measured)
    start_sol = _solution(model, d, start, t0, -np.inf) if start is not None else None
    first = solve_cpsat(
        model,
        hint=start_sol,
        lower=-np.inf,
        time_limit=max(0.5, min(0.15 * limit, 15.0)),
        seed=seed,
        workers=w,
    )
    if first.status in ("optimal", "infeasible"):
        first.seconds = time.perf_counter() - t0
        return first
    if not len(first.move_group) and start is None:  # no plan yet: the whole time to CP-SAT
        rest = max(0.5, deadline - time.perf_counter())
        sol = solve_cpsat(model, hint=None, lower=first.bound, time_limit=rest, seed=seed, workers=w)
        sol.seconds = time.perf_counter() - t0
        return sol
    assign = np.full(model.n_groups, -1, dtype=np.int64)
    if len(first.move_group):
        assign[first.move_group] = first.move_bin
    if start is not None and (not len(first.move_group) or d.total(start) < d.total(assign)):
        assign = start
    bound = first.bound
    best_obj = d.total(assign)

    def on_improve(a: IntArray) -> None:
        nonlocal best_obj
        best_obj = d.total(a)
        if progress is not None:
            progress(time.perf_counter() - t0, best_obj, bound)

    if progress is not None:
        progress(time.perf_counter() - t0, best_obj, bound)

    def on_bound(b: float) -> None:
        nonlocal bound
        bound = max(bound, b)

    cg = _column_generation(d, assign, t0 + 0.45 * limit, t0 + 0.65 * limit, seed, on_improve, on_bound)
    if cg is not None:
        assign = cg.assign
        bound = max(bound, cg.bound)
    lns_deadline = t0 + 0.85 * limit
    target = bound if d.scale == 1.0 else None
    if target is None or d.total(assign) > target + 1e-9:
        assign, rounds = _lns(d, assign, lns_deadline, seed, on_improve, target=target)
    else:
        rounds = 0
    hint = _solution(model, d, assign, t0, bound)
    remaining = deadline - time.perf_counter()
    final = hint
    if remaining > 0.5 and hint.objective - bound > 1e-9 * max(1.0, abs(hint.objective)):
        last = solve_cpsat(model, hint=hint, lower=bound, time_limit=remaining, seed=seed + 1, workers=w)
        if last.status in ("optimal", "feasible"):
            bound = max(bound, last.bound)
            if last.objective < hint.objective - 1e-9:
                final = last
    # the bound as proven (never clipped to the plan: above it beyond noise would be a bug to see)
    final.bound = float(bound)
    final.status = (
        "optimal" if final.objective - final.bound <= 1e-9 * max(1.0, abs(final.objective)) else "feasible"
    )
    final.seconds = time.perf_counter() - t0
    final.solver = "cpsat+colgen+lns" if cg is not None and cg.dives else "cpsat+lns"
    final.stats = {"lns_rounds": rounds, "first_objective": first.objective}
    if cg is not None:
        final.stats |= cg.stats()
    return final


def _solve_large(
    model: AssignmentModel,
    d: _Dense,
    t0: float,
    deadline: float,
    seed: int,
    progress: Callable[[float, float, float], None] | None,
) -> EngineSolution:
    """Large instances: LP bound and LP rounding, else a regret construction; then LNS.

    CP-SAT's own LP does not finish at this size within a minute; GLOP's does in seconds,
    and on these instances its optimum is nearly integral.
    """
    limit = deadline - t0
    lp = _lp(d) if time.perf_counter() < t0 + 0.5 * limit else None
    integral = bool(np.all(d.icost == d.cost * d.scale)) if np.isfinite(d.cost).all() else False
    bound = -np.inf
    assign: IntArray | None = None
    if lp is not None:
        bound = math.ceil(lp[1] - 1e-6) if integral else lp[1] - 1e-6 * max(1.0, abs(lp[1]))
        assign = _lp_round(d, lp[0], t0 + 0.6 * limit)
        if assign is not None:
            assign = _shift_descent(d, assign, t0 + 0.65 * limit)
    fallback = _construct(d, t0 + 0.7 * limit)
    if assign is None or (fallback is not None and d.total(fallback) < d.total(assign)):
        assign = fallback
    if assign is None:  # nothing feasible found by the heuristics: CP-SAT for the rest
        rest = max(0.5, deadline - time.perf_counter())
        sol = solve_cpsat(model, hint=None, lower=bound, time_limit=rest, seed=seed, workers=2)
        sol.seconds = time.perf_counter() - t0
        return sol
    if progress is not None:
        progress(time.perf_counter() - t0, d.total(assign), bound)

    def on_improve(a: IntArray) -> None:
        if progress is not None:
            progress(time.perf_counter() - t0, d.total(a), bound)

    assign, rounds = _lns(d, assign, deadline - 0.05, seed, on_improve)
    sol = _solution(model, d, assign, t0, bound)
    sol.bound = float(bound)  # the LP bound as proven, never clipped to the plan
    sol.status = "optimal" if sol.objective - sol.bound <= 1e-9 * max(1.0, abs(sol.objective)) else "feasible"
    sol.solver = "lp+lns"
    sol.stats = {"lns_rounds": rounds, "lp_bound": float(bound)}
    return sol


def _solution(model: AssignmentModel, d: _Dense, assign: IntArray, t0: float, bound: float) -> EngineSolution:
    groups = np.arange(model.n_groups, dtype=np.int64)
    staff = model.initial_staff()
    np.add.at(staff, assign, 1)
    obj = d.total(assign)
    return EngineSolution(
        status="feasible",
        objective=obj,
        bound=bound,
        staff=staff,
        move_group=groups,
        move_bin=assign.astype(np.int64),
        move_count=np.ones(model.n_groups, dtype=np.int64),
        seconds=time.perf_counter() - t0,
        solver="cpsat+lns",
        moves=model.n_groups,
        arc_cost_total=obj - model.move_cost * model.n_groups,
    )
