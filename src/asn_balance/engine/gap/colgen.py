"""Set-partitioning column generation and LP diving for GAP-shaped models.

The Generalized Assignment Problem written over *columns* (one column = one bin with a
set of units that fits its capacity) has a much stronger LP relaxation than the compact
model: it equals the Lagrangian bound of relaxing the assignment rows, where each bin is a
0-1 knapsack. This module

* prices columns by an exact 0-1 knapsack per bin (dynamic programming over integer loads),
* solves the restricted master LP with GLOP, with Wentges dual smoothing around the best
  Lagrangian multipliers found so far (started from the compact LP's duals), so the
  degenerate first phase is short,
* reports the best Lagrangian bound seen, which is valid at every iteration (not only at
  convergence), and
* dives: fixes the column with the largest LP value (and every column at 1), re-generates
  columns for the rest, and repeats until every unit is placed; later dives pick at random
  among the three largest, so repeated dives give different plans. A residual the LP
  cannot cover is handed to an exact completion callback (CP-SAT on the free units and
  bins), undoing the last fixings when that fails.

Costs and loads are the integer (scaled) matrices of the caller; ``allowed`` marks the
arcs that exist. Nothing here knows about employees: :mod:`.loaded` calls it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from ortools.linear_solver import pywraplp  # type: ignore[attr-defined]

from ..control import stop_requested

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Completion = Callable[[IntArray, IntArray], "IntArray | None"]

# total knapsack table cells per pricing round above which column generation is not tried
DP_CELL_LIMIT = 40_000_000
_EPS = 1e-6


def knapsack(profit: FloatArray, weight: IntArray, capacity: int) -> tuple[IntArray, float]:
    """0-1 knapsack by dynamic programming: the items of largest total ``profit`` whose
    ``weight`` sums to at most ``capacity`` (only items of positive profit are considered).

    Returns the chosen item indices (sorted) and their total profit.
    """
    if capacity < 0:
        return np.zeros(0, dtype=np.int64), 0.0
    idx = np.flatnonzero((profit > 1e-9) & (weight <= capacity))
    dp = np.zeros(capacity + 1)
    keep = np.zeros((len(idx), capacity + 1), dtype=bool)
    ws = weight[idx].astype(np.int64)
    ps = profit[idx]
    for r in range(len(idx)):
        w = int(ws[r])
        if w == 0:
            dp += ps[r]
            keep[r] = True
            continue
        cand = dp[:-w] + ps[r]
        better = cand > dp[w:] + 1e-12
        keep[r, w:] = better
        dp[w:] = np.where(better, cand, dp[w:])
    out: list[int] = []
    c = capacity
    for r in range(len(idx) - 1, -1, -1):
        if keep[r, c]:
            out.append(int(idx[r]))
            c -= int(ws[r])
    return np.array(sorted(out), dtype=np.int64), float(dp[capacity])


class Master:
    """The restricted set-partitioning master LP and its pricing.

    Parameters
    ----------
    cost, load : ndarray (units x bins)
        Integer (scaled) cost and load of each arc; ignored where ``allowed`` is False.
    cap : ndarray (bins)
        Integer capacity of each bin (finite).
    allowed : ndarray of bool (units x bins)
        Which arcs exist.
    """

    def __init__(self, cost: FloatArray, load: IntArray, cap: IntArray, allowed: BoolArray) -> None:
        self.n, self.m = cost.shape
        self.cost_t = np.where(allowed, cost, 0.0).T.copy()  # bins x units
        self.load_t = load.T.astype(np.int64).copy()
        self.allowed_t = allowed.T.copy()
        # a bin never needs more room than all its units' loads together
        self.cap = np.minimum(cap.astype(np.int64), np.where(self.allowed_t, self.load_t, 0).sum(axis=1))
        self.cols: list[tuple[int, IntArray]] = []
        self.col_bin: list[int] = []
        self.seen: set[tuple[int, bytes]] = set()
        self.upper: list[float] = []
        self.lower: list[float] = []
        self.free_bin = np.ones(self.m, dtype=bool)
        self.free_unit = np.ones(self.n, dtype=bool)
        self.fixed_cost = 0.0
        self.lp_solves = 0
        self.lam = np.zeros(0)
        self.artificial = np.zeros(self.n)
        lp = pywraplp.Solver.CreateSolver("GLOP")
        assert lp is not None
        self.lp = lp
        inf = lp.infinity()
        self.unit_rows = [lp.Constraint(1.0, 1.0) for _ in range(self.n)]
        self.bin_rows = [lp.Constraint(-inf, 1.0) for _ in range(self.m)]
        self.obj = lp.Objective()
        self.obj.SetMinimization()
        big = float(np.abs(self.cost_t).max(initial=0.0)) * self.n + 1.0
        self.art_vars = []
        for j in range(self.n):  # artificial columns keep every restricted master feasible
            v = lp.NumVar(0.0, inf, "")
            self.unit_rows[j].SetCoefficient(v, 1.0)
            self.obj.SetCoefficient(v, big)
            self.art_vars.append(v)
        self.vars: list[pywraplp.Variable] = []

    def dp_cells(self) -> int:
        """Knapsack table cells of one pricing round (a measure of its cost)."""
        return int(((self.cap + 1) * self.allowed_t.sum(axis=1)).sum())

    def _var(self, i: int, units: IntArray) -> pywraplp.Variable:
        v = self.lp.NumVar(0.0, self.lp.infinity(), "")
        for j in units.tolist():
            self.unit_rows[j].SetCoefficient(v, 1.0)
        self.bin_rows[i].SetCoefficient(v, 1.0)
        self.obj.SetCoefficient(v, float(self.cost_t[i, units].sum()))
        return v

    def add(self, i: int, units: IntArray) -> bool:
        """Add the column (bin ``i``, ``units``) unless it is already there."""
        key = (int(i), units.astype(np.int64).tobytes())
        if key in self.seen:
            return False
        self.seen.add(key)
        self.cols.append((int(i), units.astype(np.int64)))
        self.col_bin.append(int(i))
        self.upper.append(np.inf)
        self.lower.append(0.0)
        self.vars.append(self._var(int(i), units))
        return True

    def price(self, u: FloatArray) -> tuple[list[tuple[int, IntArray]], float]:
        """The best column of every free bin at unit duals ``u``, and the Lagrangian bound
        at ``u`` (fixed columns' cost included)."""
        out: list[tuple[int, IntArray]] = []
        lag = float(u[self.free_unit].sum()) + self.fixed_cost
        for i in np.flatnonzero(self.free_bin).tolist():
            ok = self.free_unit & self.allowed_t[i]
            profit = np.where(ok, u - self.cost_t[i], -1.0)
            units, value = knapsack(profit, self.load_t[i], int(self.cap[i]))
            lag -= value
            out.append((i, units))
        return out, lag

    def _solve(self) -> tuple[float, FloatArray, FloatArray]:
        status = self.lp.Solve()
        self.lp_solves += 1
        if status != pywraplp.Solver.OPTIMAL:  # GLOP's primal simplex can stall: other settings
            for params in ("use_dual_simplex: true", "use_preprocessing: false", "use_scaling: false"):
                self.lp.SetSolverSpecificParametersAsString(params)
                status = self.lp.Solve()
                self.lp.SetSolverSpecificParametersAsString("")
                if status == pywraplp.Solver.OPTIMAL:
                    break
            if status != pywraplp.Solver.OPTIMAL:
                raise RuntimeError("column generation: the master LP did not solve")
        value = self.lp.Objective().Value()
        # primal values now: adding columns later makes the solver's solution stale
        self.lam = np.array([x.solution_value() for x in self.vars], dtype=float)
        self.artificial = np.array([x.solution_value() for x in self.art_vars], dtype=float)
        u = np.array([c.dual_value() for c in self.unit_rows], dtype=float)
        v = np.array([c.dual_value() for c in self.bin_rows], dtype=float)
        return value, u, v

    def generate(
        self,
        deadline: float,
        *,
        center: FloatArray | None = None,
        alpha: float = 0.8,
        max_rounds: int = 10**9,
        stall: float | None = None,
    ) -> tuple[float, float, bool]:
        """Column generation until no column prices out (or the deadline, or ``max_rounds``,
        or ``stall`` seconds in which neither the Lagrangian bound rose nor the LP value fell).

        Returns the master LP value, the best Lagrangian bound seen, and whether it converged.
        """
        best = -np.inf
        if center is not None:
            cols, best = self.price(center)
            for i, units in cols:
                self.add(i, units)
        rounds = 0
        gained = time.perf_counter()
        lowest = np.inf
        while True:
            rounds += 1
            value, u, v = self._solve()
            if value < lowest - _EPS * max(1.0, abs(value)):
                lowest, gained = value, time.perf_counter()
            a = alpha if center is not None else 0.0
            while True:
                pi = a * center + (1.0 - a) * u if (a > 0 and center is not None) else u
                cols, lag = self.price(pi)
                if lag > best + _EPS * max(1.0, abs(best)):
                    gained = time.perf_counter()
                if lag > best:
                    best, center = lag, pi.copy()
                added = 0
                for i, units in cols:
                    reduced = float((self.cost_t[i, units] - u[units]).sum()) - v[i]
                    if reduced < -_EPS and self.add(i, units):
                        added += 1
                if added or a == 0:
                    break
                a = 0.0  # mispricing at the smoothed duals: price at the LP's own
            done = added == 0
            now = time.perf_counter()
            stalled = stall is not None and now - gained > stall
            if done or now > deadline or rounds >= max_rounds or stalled or stop_requested():
                if len(self.lam) < len(self.cols):  # columns added after the last solve
                    self.lam = np.concatenate([self.lam, np.zeros(len(self.cols) - len(self.lam))])
                return value, best, done

    def fix(self, k: int) -> None:
        i, units = self.cols[k]
        self.lower[k] = 1.0
        self.vars[k].SetLb(1.0)
        self.free_bin[i] = False
        self.free_unit[units] = False
        self.fixed_cost += float(self.cost_t[i, units].sum())

    def unfix(self, k: int) -> None:
        i, units = self.cols[k]
        self.lower[k] = 0.0
        self.vars[k].SetLb(0.0)
        self.free_bin[i] = True
        self.free_unit[units] = True
        self.fixed_cost -= float(self.cost_t[i, units].sum())

    def forbid(self, k: int, on: bool) -> None:
        self.upper[k] = 0.0 if on else np.inf
        self.vars[k].SetUb(0.0 if on else self.lp.infinity())


def dive(
    master: Master,
    deadline: float,
    complete: Completion,
    rng: np.random.Generator | None = None,
    *,
    step_rounds: int = 40,
) -> IntArray | None:
    """One LP dive from the master's current (converged) state; the master is restored after.

    ``complete(units, bins)`` assigns the ``units`` left over to the free ``bins`` (their full
    capacity), or returns None. Returns a complete assignment (unit -> bin) or None.
    """
    fixed: list[int] = []
    forbidden: list[int] = []
    try:
        while master.free_unit.any() and time.perf_counter() < deadline and not stop_requested():
            lam = master.lam
            col_bin = np.asarray(master.col_bin, dtype=np.int64)
            ok = master.free_bin[col_bin] & (lam > 1e-6) & (np.asarray(master.upper) > 0)
            if not ok.any():
                break
            cand = np.flatnonzero(ok)
            if rng is None:
                k = int(cand[np.argmax(lam[cand])])
                batch = [k] + [int(q) for q in cand[lam[cand] > 1.0 - 1e-6] if q != k]
            else:
                top = cand[np.argsort(-lam[cand], kind="stable")[:3]]
                k = int(rng.choice(top, p=lam[top] / lam[top].sum()))
                batch = [k]
            for q in batch:
                i, units = master.cols[q]
                if master.free_bin[i] and master.free_unit[units].all():
                    master.fix(q)
                    fixed.append(q)
            master.generate(deadline, alpha=0.0, max_rounds=step_rounds)
            if master.artificial.sum() > 1e-6:  # the rest cannot be covered: undo, forbid, go on
                for q in batch:
                    if q in fixed:
                        master.unfix(q)
                        fixed.remove(q)
                master.forbid(k, True)
                forbidden.append(k)
                master.generate(deadline, alpha=0.0, max_rounds=step_rounds)
                if master.artificial.sum() > 1e-6:
                    break
        return _finish(master, fixed, complete)
    finally:
        for q in fixed:
            master.unfix(q)
        for k in forbidden:
            master.forbid(k, False)


def _finish(master: Master, fixed: list[int], complete: Completion) -> IntArray | None:
    """The plan of the fixed columns, the units left over placed by ``complete``; when that
    fails, the last fixed columns are released into the completion (up to 3 times)."""
    keep = list(fixed)
    for _ in range(4):
        assign = np.full(master.n, -1, dtype=np.int64)
        for q in keep:
            i, units = master.cols[q]
            assign[units] = i
        left = np.flatnonzero(assign < 0).astype(np.int64)
        if len(left) == 0:
            return assign
        used = np.zeros(master.m, dtype=bool)
        used[[master.cols[q][0] for q in keep]] = True
        bins = np.flatnonzero(~used).astype(np.int64)
        if len(bins):
            rest = complete(left, bins)
            if rest is not None:
                assign[left] = rest
                return assign
        if not keep:
            return None
        keep = keep[: max(0, len(keep) - 2)]
    return None
