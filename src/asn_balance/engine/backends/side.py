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

import heapq
import time
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from ..clock import within
from ..control import stop_requested
from ..model import AssignmentModel, EngineSolution
from .flow import solve_flow

__all__ = ["lagrangian_side", "lp_multipliers", "repair"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


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
    start: FloatArray | None = None,
    step: float = 1.0,
    flow_seconds: float = 0.0,
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
    start : ndarray of float, optional
        The first multipliers, one per row (e.g. the network LP's duals, negated:
        :func:`lp_multipliers`), projected on their signs; zero without. Any multipliers
        give a valid bound: the first priced flow's bound is ``L(start)``.
    step : float
        The first step's share of the Polyak step (halved after four steps without a better
        bound); below 1 to stay near a good ``start``.
    flow_seconds : float
        The first guess of a priced flow's seconds (e.g. the relaxation's): a flow that would
        not end by the deadline is not started (then the last flow's seconds).

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
    # > 0 prices an upper side, < 0 a lower side
    pi = np.zeros(n_rows) if start is None else _signed(lo, hi, np.asarray(start, dtype=float))
    best = -np.inf
    theta = float(step)
    stall = 0
    plans: list[EngineSolution] = []
    movable = float(model.group_size.sum())
    rows = model.side
    # seconds of the last priced flow: a flow that cannot end by the deadline is not started
    last = flow_seconds
    for _ in range(iterations):
        if time.perf_counter() + last > deadline or stop_requested():
            break
        started = time.perf_counter()
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
        last = time.perf_counter() - started
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
        size = theta * max(target - value, 1e-6) / float(np.dot(g, g))
        pi = _signed(lo, hi, pi + size * g)
        if theta < 1e-4:
            break
    return best, plans


def _signed(lo: FloatArray, hi: FloatArray, pi: FloatArray) -> FloatArray:
    """Each multiplier on its side: upper rows >= 0, lower rows <= 0 (ranged rows either)."""
    pi = np.where(np.isfinite(hi) & ~np.isfinite(lo), np.maximum(pi, 0.0), pi)
    return np.where(np.isfinite(lo) & ~np.isfinite(hi), np.minimum(pi, 0.0), pi)


def lp_multipliers(side_dual: FloatArray) -> FloatArray:
    """The multipliers of :func:`lagrangian_side` from an LP's duals of the side rows, in the
    convention reduced cost ``= c - A^T y`` (:attr:`.netlp.NetLP.side_dual`): ``pi = -y``
    (a binding cap has ``y <= 0``, and its price on the arcs is ``pi = -y >= 0``). Their
    Lagrangian bound is valid whatever they are; with the duals of a restricted LP it is
    often far above the LP's safe bound (one exact priced flow instead of box bounds per
    column): on the 30,000-employee scenario 2621.0 against 2236.0 after 60 s of the LP, whose
    converged bound is 2676.5."""
    return -np.asarray(side_dual, dtype=float)


class _Plan:
    """A plan being repaired: staff, units per (arc, target bin), the side rows' values, and
    the rows each arc and bin of interest takes part in (indexed in one pass over the rows)."""

    def __init__(self, model: AssignmentModel, sol: EngineSolution) -> None:
        assert sol.move_arc is not None
        self.model = m = model
        big = np.iinfo(np.int64).max
        self.staff = np.asarray(sol.staff, dtype=np.int64).copy()
        self.min_staff = m.min_staff.astype(np.int64)
        self.max_staff = np.where(m.max_staff >= 0, m.max_staff, big).astype(np.int64)
        self.moves: dict[tuple[int, int], int] = {}
        for a, b, c in zip(
            sol.move_arc.tolist(), sol.move_bin.tolist(), sol.move_count.tolist(), strict=True
        ):
            if c > 0:
                self.moves[(a, b)] = self.moves.get((a, b), 0) + c
        self.total = int(sum(self.moves.values()))
        self.moved = np.bincount(
            m.arc_group[sol.move_arc], weights=sol.move_count, minlength=m.n_groups
        ).astype(np.int64)
        flow, inflow = m.plan_flows(sol)
        self.value = np.array([row.value(flow, inflow) for row in m.side], dtype=float)
        self.lo, self.hi = _bounds(m)
        # bins -> (row, coef) for every row's inflow terms (few: one per bin and cap)
        n_rows = len(m.side)
        b_rows = [np.full(len(r.in_bins), i, dtype=np.int64) for i, r in enumerate(m.side)]
        b_all = np.concatenate([r.in_bins for r in m.side] or [np.zeros(0, np.int64)]).astype(np.int64)
        b_coef = np.concatenate([r.in_coef for r in m.side] or [np.zeros(0, np.int64)]).astype(np.int64)
        b_row = np.concatenate(b_rows or [np.zeros(0, np.int64)])
        order = np.argsort(b_all, kind="stable")
        self.bin_ptr = np.searchsorted(b_all[order], np.arange(m.n_bins + 1))
        self.bin_row, self.bin_coef = b_row[order], b_coef[order]
        self.n_rows = n_rows
        self.arc_known = np.zeros(0, dtype=np.int64)
        self.arc_ptr = np.zeros(1, dtype=np.int64)
        self.arc_row = self.arc_coef = np.zeros(0, dtype=np.int64)
        self.row_hits: list[tuple[IntArray, IntArray]] = []
        # hard pairs: partners of each paired group, where each paired group is now
        self.partners: dict[int, list[int]] = {}
        for p in m.pairs:
            if not np.isfinite(p.weight):
                self.partners.setdefault(p.first, []).append(p.second)
                self.partners.setdefault(p.second, []).append(p.first)
        self.where: dict[int, int] = {g: int(m.group_home[g]) for g in self.partners}
        for (a, b), _c in self.moves.items():
            g = int(m.arc_group[a])
            if g in self.where:
                self.where[g] = b
        self._class_arcs: tuple[IntArray, IntArray] | None = None

    # ------------------------------------------------------------------ rows
    def index(self, arcs: IntArray) -> None:
        """Index the rows of ``arcs`` (and of the arcs indexed before): one pass over the rows."""
        known = np.union1d(self.arc_known, arcs).astype(np.int64)
        mark = np.zeros(len(self.model.arc_group), dtype=bool)
        mark[known] = True
        rows, hit_arcs, hit_coefs = [], [], []
        self.row_hits = []
        for i, row in enumerate(self.model.side):
            sel = mark[row.arcs]
            ha, hc = row.arcs[sel].astype(np.int64), row.arc_coef[sel].astype(np.int64)
            o = np.argsort(ha, kind="stable")
            self.row_hits.append((ha[o], hc[o]))
            rows.append(np.full(len(ha), i, dtype=np.int64))
            hit_arcs.append(ha)
            hit_coefs.append(hc)
        ha = np.concatenate(hit_arcs or [np.zeros(0, np.int64)])
        hc = np.concatenate(hit_coefs or [np.zeros(0, np.int64)])
        hr = np.concatenate(rows or [np.zeros(0, np.int64)])
        pos = np.searchsorted(known, ha)
        order = np.argsort(pos, kind="stable")
        self.arc_known = known
        self.arc_ptr = np.searchsorted(pos[order], np.arange(len(known) + 1))
        self.arc_row, self.arc_coef = hr[order], hc[order]

    def effects(self, kind: int, a: int, b: int) -> dict[int, int]:
        """Row -> change of its value when one unit moves on ``(a, b)`` (``kind`` +1) or one
        such move is undone (``kind`` -1)."""
        out: dict[int, int] = {}
        k = int(np.searchsorted(self.arc_known, a))
        if k < len(self.arc_known) and self.arc_known[k] == a:
            lo, hi = int(self.arc_ptr[k]), int(self.arc_ptr[k + 1])
            for r, c in zip(self.arc_row[lo:hi].tolist(), self.arc_coef[lo:hi].tolist(), strict=True):
                out[r] = out.get(r, 0) + kind * c
        lo, hi = int(self.bin_ptr[b]), int(self.bin_ptr[b + 1])
        for r, c in zip(self.bin_row[lo:hi].tolist(), self.bin_coef[lo:hi].tolist(), strict=True):
            out[r] = out.get(r, 0) + kind * c
        return out

    def dist(self, r: int, v: float) -> float:
        return max(self.lo[r] - v, 0.0) + max(v - self.hi[r], 0.0)

    def broken(self) -> IntArray:
        return np.flatnonzero((self.value < self.lo) | (self.value > self.hi)).astype(np.int64)

    # ------------------------------------------------------------------ moves
    def _f(self, b: IntArray | int, k: IntArray | int) -> FloatArray:
        m = self.model
        w = m.weight[b]
        fin = np.isfinite(w)
        return np.where(fin, (np.asarray(k, dtype=float) - m.target[b]) ** 2 / np.where(fin, w, 1.0), 0.0)

    def delta(self, kind: IntArray, a: IntArray, b: IntArray) -> FloatArray:
        """Objective change of each move (``kind`` +1) or undo (-1), vectorised."""
        m, s = self.model, self.staff
        home = m.group_home[m.arc_group[a]].clip(0)
        return (
            self._f(b, s[b] + kind) - self._f(b, s[b])
            + self._f(home, s[home] - kind) - self._f(home, s[home])
            + kind * (m.move_cost + m.arc_cost[a])
        )  # fmt: skip

    def allowed(self, kind: int, a: int, b: int) -> bool:
        """Whether the move or undo is possible now and keeps the staffing bounds and hard pairs."""
        m = self.model
        g = int(m.arc_group[a])
        home = int(m.group_home[g])
        if home < 0 or b == home:
            return False
        if kind > 0:
            if self.moved[g] >= m.group_size[g]:
                return False
        elif self.moves.get((a, b), 0) <= 0:
            return False
        if self.staff[b] + kind < self.min_staff[b] or self.staff[b] + kind > self.max_staff[b]:
            return False
        if self.staff[home] - kind < self.min_staff[home] or self.staff[home] - kind > self.max_staff[home]:
            return False
        if g in self.partners and m.bin_block is not None:
            to = b if kind > 0 else home
            if any(m.bin_block[self.where[q]] != m.bin_block[to] for q in self.partners[g]):
                return False
        return True

    def apply(self, kind: int, a: int, b: int, effects: dict[int, int]) -> None:
        m = self.model
        g = int(m.arc_group[a])
        home = int(m.group_home[g])
        self.moves[(a, b)] = self.moves.get((a, b), 0) + kind
        self.moved[g] += kind
        self.total += kind
        self.staff[b] += kind
        self.staff[home] -= kind
        for r, e in effects.items():
            self.value[r] += e
        if g in self.where:
            self.where[g] = b if kind > 0 else home

    def move_rows(self) -> tuple[IntArray, IntArray]:
        keys = [(a, b) for (a, b), n in self.moves.items() if n > 0]
        arcs = np.array([k[0] for k in keys], dtype=np.int64)
        bins = np.array([k[1] for k in keys], dtype=np.int64)
        return arcs, bins

    def class_arcs(self) -> tuple[IntArray, IntArray]:
        """Arcs sorted by class and the class starts (built on first use)."""
        if self._class_arcs is None:
            m = self.model
            order = np.argsort(m.arc_class, kind="stable").astype(np.int64)
            starts = np.searchsorted(m.arc_class[order], np.arange(m.n_classes + 1)).astype(np.int64)
            self._class_arcs = (order, starts)
        return self._class_arcs

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
            staff=self.staff.copy(),
            move_group=groups,
            move_bin=bins,
            move_count=counts,
            move_arc=arcs,
            seconds=0.0,
            solver="repair",
            moves=moved,
            arc_cost_total=arc_total,
        )


def _expand(indptr: IntArray, items: IntArray, keys: IntArray) -> tuple[IntArray, IntArray]:
    """Every ``(i, item)`` with ``item`` in the CSR list of ``keys[i]``, vectorised."""
    n = (indptr[keys + 1] - indptr[keys]).astype(np.int64)
    rep = np.repeat(np.arange(len(keys), dtype=np.int64), n)
    within = np.arange(int(n.sum()), dtype=np.int64) - np.repeat(np.cumsum(n) - n, n)
    return rep, items[indptr[keys][rep] + within].astype(np.int64)


def _add_candidates(plan: _Plan, broken: IntArray) -> tuple[IntArray, IntArray]:
    """Moves from home that push a broken row the right way: its arcs of the right sign into
    every bin of their class, and every arc into its bins of the right sign."""
    m = plan.model
    arcs: list[IntArray] = []
    bins: list[IntArray] = []
    for r in broken.tolist():
        row = m.side[r]
        up = plan.value[r] < plan.lo[r]
        a = row.arcs[row.arc_coef > 0 if up else row.arc_coef < 0].astype(np.int64)
        if len(a):
            i, b = _expand(m.class_indptr, m.class_bins, m.arc_class[a])
            arcs.append(a[i])
            bins.append(b)
        nb = row.in_bins[row.in_coef > 0 if up else row.in_coef < 0].astype(np.int64)
        if len(nb):
            # the classes holding those bins, then the arcs of those classes
            cls_of = np.repeat(np.arange(m.n_classes, dtype=np.int64), np.diff(m.class_indptr))
            o = np.argsort(m.class_bins, kind="stable")
            b_ptr = np.searchsorted(m.class_bins[o], np.arange(m.n_bins + 1)).astype(np.int64)
            i, c = _expand(b_ptr, cls_of[o], nb)
            order, starts = plan.class_arcs()
            j, a2 = _expand(starts, order, c)
            arcs.append(a2)
            bins.append(nb[i[j]])
    if not arcs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    a_all, b_all = np.concatenate(arcs), np.concatenate(bins)
    key = np.unique(a_all * np.int64(m.n_bins) + b_all)
    a_all, b_all = key // m.n_bins, key % m.n_bins
    g = m.arc_group[a_all]
    home = m.group_home[g]
    hs = home.clip(0)
    ok = (
        (home >= 0)
        & (b_all != home)
        & (plan.moved[g] < m.group_size[g])
        & (plan.staff[hs] - 1 >= plan.min_staff[hs])
        & (plan.staff[b_all] + 1 <= plan.max_staff[b_all])
    )
    return a_all[ok], b_all[ok]


def _fix_rows(plan: _Plan, deadline: float | None) -> bool:
    """Bring every broken row within its bounds by moves and undos, most help first, then
    the cheapest change of the objective; each step keeps the staffing bounds, the hard
    pairs and every row that holds, and brings no broken row farther. ``False`` if a row
    stays broken."""
    m = plan.model
    for _round in range(3):
        broken = plan.broken()
        if not len(broken):
            return True
        ua, ub = plan.move_rows()
        g = m.arc_group[ua]
        home = m.group_home[g]
        hs = home.clip(0)
        keep = (
            (home >= 0)
            & (plan.staff[hs] + 1 <= plan.max_staff[hs])
            & (plan.staff[ub] - 1 >= plan.min_staff[ub])
        )
        ua, ub = ua[keep], ub[keep]
        aa, ab = _add_candidates(plan, broken)
        kind = np.concatenate([-np.ones(len(ua), np.int64), np.ones(len(aa), np.int64)])
        ca, cb = np.concatenate([ua, aa]), np.concatenate([ub, ab])
        plan.index(ca)
        # help of each candidate: the distance to their bounds it takes off the broken rows
        help_ = np.zeros(len(ca))
        for r in broken.tolist():
            ha, hc = plan.row_hits[r]
            coef = np.zeros(len(ca))
            if len(ha):
                p = np.searchsorted(ha, ca).clip(0, len(ha) - 1)
                coef = np.where(ha[p] == ca, hc[p], 0).astype(float)
            row = m.side[r]
            if len(row.in_bins):
                dense = np.zeros(m.n_bins)
                np.add.at(dense, row.in_bins, row.in_coef)
                coef = coef + dense[cb]
            v, lo, hi = plan.value[r], plan.lo[r], plan.hi[r]
            new = v + kind * coef
            help_ += (max(lo - v, 0.0) + max(v - hi, 0.0)) - (
                np.maximum(lo - new, 0.0) + np.maximum(new - hi, 0.0)
            )
        sel = np.flatnonzero(help_ > 0)
        if not len(sel):
            return False
        cost = plan.delta(kind[sel], ca[sel], cb[sel])
        heap = [(-float(h), float(c), int(i)) for h, c, i in zip(help_[sel], cost, sel, strict=True)]
        heapq.heapify(heap)
        progress = False
        pops = 0
        limit = 20 * len(heap) + 1000
        n_broken = len(broken)
        while heap and n_broken and pops < limit:
            pops += 1
            if deadline is not None and pops % 256 == 0 and not within(deadline):
                return False
            key_h, key_c, i = heapq.heappop(heap)
            k, a, b = int(kind[i]), int(ca[i]), int(cb[i])
            if not plan.allowed(k, a, b):
                continue
            eff = plan.effects(k, a, b)
            gain, worse = 0.0, False
            for r, e in eff.items():
                before, after = plan.dist(r, plan.value[r]), plan.dist(r, plan.value[r] + e)
                if after > before:
                    worse = True
                    break
                gain += before - after
            if worse or gain <= 0:
                continue
            c = float(plan.delta(np.array([k]), np.array([a]), np.array([b]))[0])
            if (-gain, c) > (key_h, key_c + 1e-12 * max(1.0, abs(key_c))):
                heapq.heappush(heap, (-gain, c, i))  # its key went stale: in its place again
                continue
            plan.apply(k, a, b, eff)
            progress = True
            n_broken = len(plan.broken())
            heapq.heappush(heap, (key_h, key_c, i))  # it may serve again (re-keyed when popped)
        if not n_broken:
            return True
        if not progress:
            return False
    return not len(plan.broken())


def _fit_budget(plan: _Plan, deadline: float | None) -> bool:
    """Undo the cheapest moves, keeping every row and bound, until the budget holds."""
    m = plan.model
    if m.max_moves is None or plan.total <= m.max_moves:
        return True
    ua, ub = plan.move_rows()
    plan.index(ua)
    kind = -np.ones(len(ua), np.int64)
    cost = plan.delta(kind, ua, ub)
    heap = [(float(c), int(i)) for i, c in enumerate(cost)]
    heapq.heapify(heap)
    pops = 0
    limit = 20 * len(heap) + 1000
    while plan.total > m.max_moves:
        if not heap or pops > limit:
            return False
        pops += 1
        if deadline is not None and pops % 256 == 0 and not within(deadline):
            return False
        key, i = heapq.heappop(heap)
        a, b = int(ua[i]), int(ub[i])
        if not plan.allowed(-1, a, b):
            continue
        eff = plan.effects(-1, a, b)
        if any(plan.dist(r, plan.value[r] + e) > 0 for r, e in eff.items()):
            continue
        c = float(plan.delta(np.array([-1]), np.array([a]), np.array([b]))[0])
        if c > key + 1e-12 * max(1.0, abs(key)):
            heapq.heappush(heap, (c, i))
            continue
        plan.apply(-1, a, b, eff)
        heapq.heappush(heap, (c, i))
    return True


def repair(
    model: AssignmentModel, sol: EngineSolution, *, deadline: float | None = None
) -> EngineSolution | None:
    """Make a nearly feasible plan feasible: add moves where a row needs more, undo moves
    where a row needs less, then undo the cheapest moves until the budget holds.

    Each step moves one unit from its home bin into a bin of an arc's class, or sends one
    moved unit home. Steps are taken most help first (the distance they take off the
    broken rows), then cheapest change of the objective (a heap, re-keyed lazily as the
    staff changes); a step must keep the staffing bounds, the hard pairs and every row that
    holds, and bring no broken row farther from its bounds. So a coverage row short before
    the plan is filled by moving qualified units in, and a cap is met by sending units home.
    The work is one pass over the rows' terms per round (at most three rounds) plus
    ``O(c log c)`` for ``c`` candidate steps (the plan's moves and the moves from home
    along the broken rows' arcs).

    Parameters
    ----------
    model : AssignmentModel
        The model with its side rows, pairs and budget.
    sol : EngineSolution
        A plan that keeps the staffing bounds (e.g. a relaxation's, or nobody moving), with
        its arcs (``move_arc``).
    deadline : float, optional
        ``time.perf_counter()`` value (or :func:`~asn_balance.engine.control.request_stop`)
        that ends the repair without a plan.

    Returns
    -------
    EngineSolution or None
        A plan with status ``feasible`` that keeps every row, staffing bound, hard pair and
        the budget (checked afresh), or ``None`` when the steps cannot get there.
    """
    if sol.move_arc is None or sol.status not in ("optimal", "feasible"):
        return None
    plan = _Plan(model, sol)
    if not _fix_rows(plan, deadline) or not _fit_budget(plan, deadline):
        return None
    out = plan.solution()
    if out is None or not _holds(model, out):
        return None
    return out


def _holds(model: AssignmentModel, sol: EngineSolution) -> bool:
    """Every row, staffing bound and the budget, recomputed from the plan's moves."""
    if model.max_moves is not None and sol.moves > model.max_moves:
        return False
    staff = model.initial_staff()
    placed = model.group_home[sol.move_group]
    np.add.at(staff, sol.move_bin, sol.move_count)
    np.subtract.at(staff, placed[placed >= 0], sol.move_count[placed >= 0])
    if not np.array_equal(staff, sol.staff):
        return False
    if np.any(staff < model.min_staff) or np.any((model.max_staff >= 0) & (staff > model.max_staff)):
        return False
    flow, inflow = model.plan_flows(sol)
    return all(row.holds(flow, inflow) for row in model.side)
