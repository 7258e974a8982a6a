"""Lagrangian relaxation of the side constraints over exact flows.

Each side row ``lo <= const + a.x + b.inflow <= hi`` gets a multiplier ``pi_r`` (positive
for a binding upper side, negative for a lower side). The rows then become prices: ``a^T pi``
on the arcs and ``b^T pi`` on the inflow of the bins. For any multipliers, the exact flow of
the priced model gives the valid lower bound

``L(pi) = min_plan [obj(plan) + sum_r pi_r (row_r(plan) - side_r)]``

of the side-constrained optimum (pairs and the budget are left out: their costs are never
negative, and a relaxation only lowers the minimum). Subgradient steps on ``pi`` raise the
bound; the priced plans on the way are nearly feasible and seed the CP-SAT repair.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from ..engine import AssignmentModel, EngineSolution
from .control import stop_requested
from .flow import solve_flow

__all__ = ["lagrangian_side", "repair"]

FloatArray = npt.NDArray[np.float64]


def _rows(model: AssignmentModel) -> tuple[FloatArray, FloatArray, list[FloatArray], list[FloatArray]]:
    lo = np.array([-np.inf if r.lo is None else r.lo for r in model.side], dtype=float)
    hi = np.array([np.inf if r.hi is None else r.hi for r in model.side], dtype=float)
    return lo, hi, [], []


def _values(model: AssignmentModel, sol: EngineSolution) -> FloatArray:
    n_arcs = len(model.arc_group)
    assert sol.move_arc is not None
    flow = np.bincount(sol.move_arc, weights=sol.move_count, minlength=n_arcs).astype(np.int64)
    inflow = np.bincount(sol.move_bin, weights=sol.move_count, minlength=model.n_bins).astype(np.int64)
    return np.array([row.value(flow, inflow) for row in model.side], dtype=float)


def lagrangian_side(
    model: AssignmentModel,
    *,
    deadline: float,
    upper: float = np.inf,
    iterations: int = 60,
) -> tuple[float, list[EngineSolution]]:
    """Subgradient ascent on the multipliers of the side rows.

    Parameters
    ----------
    model : AssignmentModel
        The model with side rows (pairs and budget are ignored here).
    deadline : float
        ``time.perf_counter()`` value to stop at.
    upper : float
        Objective of a known feasible plan (for the step size), ``inf`` if none.
    iterations : int
        Most subgradient steps.

    Returns
    -------
    bound : float
        The best Lagrangian lower bound found.
    plans : list of EngineSolution
        The priced flows' plans (with objectives of the original model), most violated
        last, for the repair to start from.
    """
    base = model.relaxation()
    lo, hi, _, _ = _rows(model)
    n_rows = len(model.side)
    pi = np.zeros(n_rows)  # > 0 prices an upper side, < 0 a lower side
    best = -np.inf
    theta = 1.0
    stall = 0
    plans: list[EngineSolution] = []
    movable = float(model.group_size.sum())
    rows = model.side
    for _ in range(iterations):
        if time.perf_counter() > deadline or stop_requested():
            break
        extra = np.zeros(len(model.arc_group))
        in_cost = np.zeros(model.n_bins)
        const = 0.0
        for r, row in enumerate(rows):
            if pi[r] == 0.0:
                continue
            np.add.at(extra, row.arcs, pi[r] * row.arc_coef)
            np.add.at(in_cost, row.in_bins, pi[r] * row.in_coef)
            side = hi[r] if pi[r] > 0 else lo[r]
            const += pi[r] * (row.constant - side)
        if np.any(in_cost < 0):  # only caps on inflow price bins; keep the flow's in-costs >= 0
            in_cost = np.maximum(in_cost, 0.0)
        try:
            priced = replace(base, arc_cost=base.arc_cost + extra)
        except ValueError:  # a price would reward a move home: stop here
            break
        sol = solve_flow(priced, bin_in_cost=in_cost if in_cost.any() else None)
        if sol.status != "optimal":
            break
        tol = float(sol.stats.get("rounding_tolerance", 0.0)) + movable / float(sol.stats.get("scale", 1e9))
        value = sol.objective + float(sol.stats.get("in_cost", 0.0)) + const - tol
        # the plan's own objective under the original prices
        arc_total = (
            float(np.sum(model.arc_cost[sol.move_arc] * sol.move_count)) if sol.move_arc is not None else 0.0
        )
        sol.objective = model.objective(sol.staff, sol.moves, arc_total)
        sol.arc_cost_total = arc_total
        plans.append(sol)
        if value > best + 1e-9 * max(1.0, abs(best) if np.isfinite(best) else 1.0):
            best, stall = value, 0
        else:
            stall += 1
            if stall >= 4:
                theta, stall = theta / 2, 0
        vals = _values(model, sol)
        g_hi = np.where(np.isfinite(hi), vals - hi, -np.inf)
        g_lo = np.where(np.isfinite(lo), lo - vals, -np.inf)
        # subgradient of the active side, projected on the sign constraints
        g = np.where(pi > 0, g_hi, np.where(pi < 0, -g_lo, 0.0))
        g = np.where((pi == 0) & (g_hi > 0), g_hi, g)
        g = np.where((pi == 0) & (g_lo > 0), -g_lo, g)
        if not np.any(g):
            break  # the priced plan is feasible and complementary: optimal for the rows
        target = upper if np.isfinite(upper) else best + max(1.0, 0.05 * abs(best))
        step = theta * max(target - value, 1e-6) / float(np.dot(g, g))
        new = pi + step * g
        # keep each multiplier on its side (upper rows >= 0, lower rows <= 0)
        new = np.where(np.isfinite(hi) & ~np.isfinite(lo), np.maximum(new, 0.0), new)
        new = np.where(np.isfinite(lo) & ~np.isfinite(hi), np.minimum(new, 0.0), new)
        pi = new
        if theta < 1e-4:
            break
    return best, plans


def repair(model: AssignmentModel, sol: EngineSolution) -> EngineSolution | None:
    """Make a nearly feasible plan feasible by undoing moves, cheapest first.

    While a side row is broken, undo one unit of a move that helps it (its arc or target
    bin has a coefficient of the right sign), keeping staffing bounds and every other row;
    among the candidates the one whose undoing raises the objective least. ``None`` when no
    move can be undone (e.g. a coverage row that needs more moves, or a hard pair).
    """
    if sol.move_arc is None:
        return None
    n_arcs = len(model.arc_group)
    flow = np.bincount(sol.move_arc, weights=sol.move_count, minlength=n_arcs).astype(np.int64)
    inflow = np.bincount(sol.move_bin, weights=sol.move_count, minlength=model.n_bins).astype(np.int64)
    staff = sol.staff.astype(np.int64).copy()
    rows = model.side
    by_arc: dict[int, list[tuple[int, int]]] = {}
    by_bin: dict[int, list[tuple[int, int]]] = {}
    for r, row in enumerate(rows):
        for a, c in zip(row.arcs.tolist(), row.arc_coef.tolist(), strict=True):
            by_arc.setdefault(a, []).append((r, c))
        for b, c in zip(row.in_bins.tolist(), row.in_coef.tolist(), strict=True):
            by_bin.setdefault(b, []).append((r, c))
    value = np.array([row.value(flow, inflow) for row in rows], dtype=np.int64)
    lo = np.array([np.iinfo(np.int64).min if r.lo is None else r.lo for r in rows], dtype=np.int64)
    hi = np.array([np.iinfo(np.int64).max if r.hi is None else r.hi for r in rows], dtype=np.int64)
    # units moved, per (arc, target bin)
    moves: dict[tuple[int, int], int] = {}
    for a, b, c in zip(sol.move_arc.tolist(), sol.move_bin.tolist(), sol.move_count.tolist(), strict=True):
        moves[(a, b)] = moves.get((a, b), 0) + c
    max_staff = np.where(model.max_staff >= 0, model.max_staff, np.iinfo(np.int64).max)
    costly = np.isfinite(model.weight)

    def f(b: int, k: int) -> float:
        return float((k - model.target[b]) ** 2 / model.weight[b]) if costly[b] else 0.0

    for _ in range(int(sol.moves) + 1):
        broken = np.flatnonzero((value < lo) | (value > hi))
        if len(broken) == 0:
            break
        r = int(broken[0])
        need_down = value[r] > hi[r]
        best: tuple[float, int, int] | None = None
        for (a, b), n in moves.items():
            if n <= 0:
                continue
            effect = {rr: -c for rr, c in by_arc.get(a, [])}
            for rr, c in by_bin.get(b, []):
                effect[rr] = effect.get(rr, 0) - c
            d = effect.get(r, 0)
            if (need_down and d >= 0) or (not need_down and d <= 0):
                continue
            home = int(model.group_home[model.arc_group[a]])
            if home < 0 or staff[b] - 1 < model.min_staff[b] or staff[home] + 1 > max_staff[home]:
                continue
            ok = all(
                lo[rr] <= value[rr] + e <= hi[rr]
                or (
                    rr in broken
                    and abs(value[rr] + e - _mid(lo[rr], hi[rr])) <= abs(value[rr] - _mid(lo[rr], hi[rr]))
                )
                for rr, e in effect.items()
                if rr != r
            )
            if not ok:
                continue
            delta = (
                f(home, staff[home] + 1) - f(home, staff[home]) + f(b, staff[b] - 1) - f(b, staff[b])
                - (model.move_cost + float(model.arc_cost[a]))
            )  # fmt: skip
            if best is None or delta < best[0]:
                best = (delta, a, b)
        if best is None:
            return None
        _, a, b = best
        home = int(model.group_home[model.arc_group[a]])
        moves[(a, b)] -= 1
        staff[home] += 1
        staff[b] -= 1
        for rr, c in by_arc.get(a, []):
            value[rr] -= c
        for rr, c in by_bin.get(b, []):
            value[rr] -= c
    if np.any((value < lo) | (value > hi)):
        return None
    # the move budget: undo the cheapest moves that keep every row
    total = sum(moves.values())
    while model.max_moves is not None and total > model.max_moves:
        pick: tuple[float, int, int] | None = None
        for (a, b), n in moves.items():
            if n <= 0:
                continue
            home = int(model.group_home[model.arc_group[a]])
            if home < 0 or staff[b] - 1 < model.min_staff[b] or staff[home] + 1 > max_staff[home]:
                continue
            effect = {rr: -c for rr, c in by_arc.get(a, [])}
            for rr, c in by_bin.get(b, []):
                effect[rr] = effect.get(rr, 0) - c
            if not all(lo[rr] <= value[rr] + e <= hi[rr] for rr, e in effect.items()):
                continue
            delta = (
                f(home, staff[home] + 1) - f(home, staff[home]) + f(b, staff[b] - 1) - f(b, staff[b])
                - (model.move_cost + float(model.arc_cost[a]))
            )  # fmt: skip
            if pick is None or delta < pick[0]:
                pick = (delta, a, b)
        if pick is None:
            return None
        _, a, b = pick
        home = int(model.group_home[model.arc_group[a]])
        moves[(a, b)] -= 1
        staff[home] += 1
        staff[b] -= 1
        total -= 1
        for rr, c in by_arc.get(a, []):
            value[rr] -= c
        for rr, c in by_bin.get(b, []):
            value[rr] -= c
    keys = [(a, b, n) for (a, b), n in moves.items() if n > 0]
    arcs = np.array([k[0] for k in keys], dtype=np.int64)
    bins = np.array([k[1] for k in keys], dtype=np.int64)
    counts = np.array([k[2] for k in keys], dtype=np.int64)
    groups = model.arc_group[arcs].astype(np.int64) if len(arcs) else np.zeros(0, dtype=np.int64)
    pair_total, hard = model.pair_cost(groups, bins)
    if hard:
        return None
    arc_total = float(np.sum(model.arc_cost[arcs] * counts)) if len(arcs) else 0.0
    moved = int(counts.sum())
    return EngineSolution(
        status="feasible",
        objective=model.objective(staff, moved, arc_total, pair_total),
        bound=-np.inf,
        staff=staff,
        move_group=groups,
        move_bin=bins,
        move_count=counts,
        move_arc=arcs,
        seconds=0.0,
        solver="repair",
        moves=moved,
        arc_cost_total=arc_total,
    )


def _mid(lo: int, hi: int) -> float:
    big = np.iinfo(np.int64).max // 2
    if lo < -big:
        return float(hi) - 1e18
    if hi > big:
        return float(lo) + 1e18
    return 0.5 * (lo + hi)
