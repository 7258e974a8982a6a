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
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from ..control import stop_requested
from ..model import AssignmentModel, EngineSolution
from .flow import solve_flow

__all__ = ["lagrangian_side", "repair"]

FloatArray = npt.NDArray[np.float64]


def _bounds(model: AssignmentModel) -> tuple[FloatArray, FloatArray]:
    """Lower and upper sides of every row (``-inf`` / ``inf`` where open)."""
    lo = np.array([-np.inf if r.lo is None else r.lo for r in model.side], dtype=float)
    hi = np.array([np.inf if r.hi is None else r.hi for r in model.side], dtype=float)
    return lo, hi


def _values(model: AssignmentModel, sol: EngineSolution) -> FloatArray:
    flow, inflow = model.plan_flows(sol)
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
    lo, hi = _bounds(model)
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
        # only caps on inflow price bins; keep the flow's in-costs >= 0 (a reward for moving in
        # could be collected by a move home). Clipped prices are not L(pi): no bound then.
        clipped = bool(np.any(in_cost < 0))
        if clipped:
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
        sol.tolerance = tol
        plans.append(sol)
        if not clipped and value > best + 1e-9 * max(1.0, abs(best) if np.isfinite(best) else 1.0):
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


class _Undo:
    """A plan as units per (arc, target bin), with the side rows' values, undone unit by unit."""

    def __init__(self, model: AssignmentModel, sol: EngineSolution) -> None:
        self.model = model
        flow, inflow = model.plan_flows(sol)
        self.staff = sol.staff.astype(np.int64).copy()
        self.by_arc: dict[int, list[tuple[int, int]]] = {}
        self.by_bin: dict[int, list[tuple[int, int]]] = {}
        assert sol.move_arc is not None
        # only moved arcs and their target bins can be undone: index the rows' terms on them
        on_arc = np.zeros(len(model.arc_group), dtype=bool)
        on_arc[sol.move_arc] = True
        on_bin = np.zeros(model.n_bins, dtype=bool)
        on_bin[sol.move_bin] = True
        for r, row in enumerate(model.side):
            sel = on_arc[row.arcs]
            for a, c in zip(row.arcs[sel].tolist(), row.arc_coef[sel].tolist(), strict=True):
                self.by_arc.setdefault(a, []).append((r, c))
            sel = on_bin[row.in_bins]
            for b, c in zip(row.in_bins[sel].tolist(), row.in_coef[sel].tolist(), strict=True):
                self.by_bin.setdefault(b, []).append((r, c))
        self.value = np.array([row.value(flow, inflow) for row in model.side], dtype=np.int64)
        big = np.iinfo(np.int64)
        self.lo = np.array([big.min if r.lo is None else r.lo for r in model.side], dtype=np.int64)
        self.hi = np.array([big.max if r.hi is None else r.hi for r in model.side], dtype=np.int64)
        assert sol.move_arc is not None
        self.moves: dict[tuple[int, int], int] = {}
        for a, b, c in zip(
            sol.move_arc.tolist(), sol.move_bin.tolist(), sol.move_count.tolist(), strict=True
        ):
            self.moves[(a, b)] = self.moves.get((a, b), 0) + c
        self.max_staff = np.where(model.max_staff >= 0, model.max_staff, big.max)

    def broken(self) -> npt.NDArray[np.intp]:
        return np.flatnonzero((self.value < self.lo) | (self.value > self.hi))

    def _f(self, b: int, k: int) -> float:
        m = self.model
        return float((k - m.target[b]) ** 2 / m.weight[b]) if np.isfinite(m.weight[b]) else 0.0

    def cheapest(self, accept: Callable[[dict[int, int]], bool]) -> tuple[int, int] | None:
        """The moved unit whose undoing raises the objective least, among those that keep
        the staffing bounds and whose effect on the rows ``accept`` takes."""
        m, staff = self.model, self.staff
        best: tuple[float, int, int] | None = None
        for (a, b), n in self.moves.items():
            if n <= 0:
                continue
            home = int(m.group_home[m.arc_group[a]])
            if home < 0 or staff[b] - 1 < m.min_staff[b] or staff[home] + 1 > self.max_staff[home]:
                continue
            effect = {rr: -c for rr, c in self.by_arc.get(a, [])}
            for rr, c in self.by_bin.get(b, []):
                effect[rr] = effect.get(rr, 0) - c
            if not accept(effect):
                continue
            delta = (
                self._f(home, staff[home] + 1) - self._f(home, staff[home])
                + self._f(b, staff[b] - 1) - self._f(b, staff[b])
                - (m.move_cost + float(m.arc_cost[a]))
            )  # fmt: skip
            if best is None or delta < best[0]:
                best = (delta, a, b)
        return None if best is None else (best[1], best[2])

    def undo(self, a: int, b: int) -> None:
        home = int(self.model.group_home[self.model.arc_group[a]])
        self.moves[(a, b)] -= 1
        self.staff[home] += 1
        self.staff[b] -= 1
        for rr, c in self.by_arc.get(a, []):
            self.value[rr] -= c
        for rr, c in self.by_bin.get(b, []):
            self.value[rr] -= c

    def solution(self) -> EngineSolution | None:
        m = self.model
        keys = [(a, b, n) for (a, b), n in self.moves.items() if n > 0]
        arcs = np.array([k[0] for k in keys], dtype=np.int64)
        bins = np.array([k[1] for k in keys], dtype=np.int64)
        counts = np.array([k[2] for k in keys], dtype=np.int64)
        groups = m.arc_group[arcs].astype(np.int64) if len(arcs) else np.zeros(0, dtype=np.int64)
        pair_total, hard = m.pair_cost(groups, bins)
        if hard:
            return None
        arc_total = float(np.sum(m.arc_cost[arcs] * counts)) if len(arcs) else 0.0
        moved = int(counts.sum())
        return EngineSolution(
            status="feasible",
            objective=m.objective(self.staff, moved, arc_total, pair_total),
            bound=-np.inf,
            staff=self.staff,
            move_group=groups,
            move_bin=bins,
            move_count=counts,
            move_arc=arcs,
            seconds=0.0,
            solver="repair",
            moves=moved,
            arc_cost_total=arc_total,
        )


def repair(model: AssignmentModel, sol: EngineSolution) -> EngineSolution | None:
    """Make a nearly feasible plan feasible by undoing moves, cheapest first.

    While a side row is broken, undo one unit of a move that helps it (its arc or target
    bin has a coefficient of the right sign), keeping staffing bounds and every other row
    (or bringing a broken one nearer); then, while the plan moves more than ``max_moves``,
    undo the cheapest unit that keeps every row. ``None`` when no move can be undone (e.g.
    a coverage row that needs more moves, or a hard pair).
    """
    if sol.move_arc is None:
        return None
    plan = _Undo(model, sol)
    lo, hi, value = plan.lo, plan.hi, plan.value
    for _ in range(int(sol.moves) + 1):
        broken = plan.broken()
        if len(broken) == 0:
            break
        r = int(broken[0])
        down = value[r] > hi[r]

        def helps(effect: dict[int, int], r: int = r, down: bool = down, broken: Any = broken) -> bool:
            d = effect.get(r, 0)
            if (down and d >= 0) or (not down and d <= 0):
                return False
            return all(
                lo[rr] <= value[rr] + e <= hi[rr]
                or (
                    rr in broken
                    and abs(value[rr] + e - _mid(lo[rr], hi[rr])) <= abs(value[rr] - _mid(lo[rr], hi[rr]))
                )
                for rr, e in effect.items()
                if rr != r
            )

        pick = plan.cheapest(helps)
        if pick is None:
            return None
        plan.undo(*pick)
    if len(plan.broken()):
        return None
    total = sum(plan.moves.values())
    while model.max_moves is not None and total > model.max_moves:
        pick = plan.cheapest(
            lambda effect: all(lo[rr] <= value[rr] + e <= hi[rr] for rr, e in effect.items())
        )
        if pick is None:
            return None
        plan.undo(*pick)
        total -= 1
    return plan.solution()


def _mid(lo: int, hi: int) -> float:
    big = np.iinfo(np.int64).max // 2
    if lo < -big:
        return float(hi) - 1e18
    if hi > big:
        return float(lo) + 1e18
    return 0.5 * (lo + hi)
