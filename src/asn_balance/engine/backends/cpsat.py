"""CP-SAT on the aggregated network, for side constraints a flow cannot express.

Same network as :mod:`.flow` (group -> class hub -> bin), with integer arc flows, the
convex staffing cost as its tangent lines (exact at integer staff), and the side
constraints (today: the move budget). Warm-started from a flow plan; the caller passes
the best known lower bound so the reported bound is the better of both.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from ..clock import deterministic_limit, spend, within
from ..control import running
from ..model import AssignmentModel, EngineSolution
from .flow import decompose

__all__ = ["solve_cpsat"]

IntArray = npt.NDArray[np.int64]

#: A first guess of the wall seconds :func:`solve_cpsat` spends building its model per arc of
#: the model (about 4e-5 measured on a 10,000-employee city, 2 cores), for loops that must not
#: start a call whose model alone would outlast their deadline; they replace it by what
#: ``EngineSolution.build_seconds`` measures.
BUILD_SECONDS_PER_ARC = 5e-5


def _set_limits(solver: cp_model.CpSolver, seconds: float, deterministic_time: float | None) -> None:
    """The solver's stopping rule: wall-clock seconds, or in a deterministic search its
    deterministic time only (see :func:`~asn_balance.engine.clock.deterministic_search`)."""
    limit = deterministic_limit(deterministic_time)
    if limit is None:
        solver.parameters.max_time_in_seconds = seconds
        if deterministic_time is not None:
            solver.parameters.max_deterministic_time = float(deterministic_time)
        return
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = float(limit)


class _Progress(cp_model.CpSolverSolutionCallback):  # type: ignore[misc]
    def __init__(self, fn: Callable[[float, float, float], None], scale: float, offset: float) -> None:
        super().__init__()
        self._fn, self._scale, self._offset, self._t0 = fn, scale, offset, time.perf_counter()

    def on_solution_callback(self) -> None:
        self._fn(
            time.perf_counter() - self._t0,
            (self.objective_value + self._offset) / self._scale,
            (self.best_objective_bound + self._offset) / self._scale,
        )


@dataclass
class _Built:
    m: cp_model.CpModel
    x: list[cp_model.IntVar]
    y: list[cp_model.IntVar]
    staff: list[cp_model.IntVar]
    scale: float
    offset: int
    tol: float
    cls_of: IntArray
    hb_bin: IntArray


def _build(model: AssignmentModel, assumptions: list[tuple[Any, str, int]] | None = None) -> _Built:
    """The CP-SAT model; with ``assumptions`` a feasibility model whose bounds, side
    constraints, hard pairs and budget are each enforced by a literal appended there."""
    nb, nc = model.n_bins, model.n_classes
    n_units = model.n_units
    lo = model.min_staff.astype(np.int64)
    hi = np.where(model.max_staff >= 0, model.max_staff, n_units).astype(np.int64)
    cls_of = np.repeat(np.arange(nc, dtype=np.int64), np.diff(model.class_indptr))
    hb_bin = model.class_bins.astype(np.int64)

    placed = model.group_home >= 0
    home_units = model.initial_staff()
    class_in = np.zeros(nc, dtype=np.int64)
    np.add.at(class_in, model.arc_class, model.group_size[model.arc_group])
    reach = home_units.copy()
    np.add.at(reach, hb_bin, class_in[cls_of])
    kmax = np.minimum(hi, reach)
    kmin = np.maximum(lo, model.fixed.astype(np.int64))

    def fcost(b: IntArray, k: IntArray) -> npt.NDArray[np.float64]:
        return (k - model.target[b]) ** 2 / model.weight[b]

    costly = np.isfinite(model.weight)
    b_all = np.flatnonzero(costly).astype(np.int64)
    peak = float(
        np.max(
            np.maximum(fcost(b_all, kmin[b_all]), fcost(b_all, np.maximum(kmax, kmin)[b_all])), initial=1.0
        )
    )
    unit = model.move_cost + model.arc_cost
    peak = max(peak, float(np.max(unit, initial=0.0)) * max(1, n_units), 1.0)
    integral = not costly.any() and bool(np.all(unit == np.rint(unit)))
    n_placed = int(model.group_size[placed].sum())
    # integral costs: scale so that all tie-break ticks together stay below one unit
    scale = (
        float(model.max_tick * n_placed + 1)
        if integral
        else float(10 ** math.floor(math.log10(max(1.0, min(1e7, 1e11 / peak)))))
    )

    m = cp_model.CpModel()
    x = [m.new_int_var(0, int(model.group_size[g]), f"x{a}") for a, g in enumerate(model.arc_group)]
    y = [m.new_int_var(0, int(min(class_in[c], n_units)), f"y{e}") for e, c in enumerate(cls_of)]
    # group outflow within its size
    by_group: dict[int, list[int]] = {}
    for a, g in enumerate(model.arc_group.tolist()):
        by_group.setdefault(g, []).append(a)
    for g, arcs in by_group.items():
        if not placed[g]:  # unplaced units must all be assigned
            m.add(sum(x[a] for a in arcs) == int(model.group_size[g]))
        elif len(arcs) > 1:
            m.add(sum(x[a] for a in arcs) <= int(model.group_size[g]))
    if model.arc_load is not None and model.bin_capacity is not None:
        _add_loads(m, model, x)
    # hub conservation
    in_c: dict[int, list[int]] = {}
    for a, c in enumerate(model.arc_class.tolist()):
        in_c.setdefault(c, []).append(a)
    out_c: dict[int, list[int]] = {}
    for e, c in enumerate(cls_of.tolist()):
        out_c.setdefault(c, []).append(e)
    for c in range(nc):
        m.add(sum(x[a] for a in in_c.get(c, [])) == sum(y[e] for e in out_c.get(c, [])))
    # staff per bin
    out_b: dict[int, list[int]] = {}
    for a, g in enumerate(model.arc_group.tolist()):
        if placed[g]:
            out_b.setdefault(int(model.group_home[g]), []).append(a)
    in_b: dict[int, list[int]] = {}
    for e, b in enumerate(hb_bin.tolist()):
        in_b.setdefault(b, []).append(e)
    staff = []
    cost_terms = []
    offset = 0
    for b in range(nb):
        lo_b, hi_b = int(kmin[b]), int(max(kmax[b], kmin[b]))
        if assumptions is not None:  # bounds as assumptions, so a conflict can name them
            lo_b = int(model.fixed[b])
            hi_b = max(int(reach[b]), lo_b)
        s = m.new_int_var(lo_b, hi_b, f"s{b}")
        m.add(
            s == int(home_units[b]) - sum(x[a] for a in out_b.get(b, [])) + sum(y[e] for e in in_b.get(b, []))
        )
        staff.append(s)
        if assumptions is not None:
            if lo[b] > lo_b:
                lit_lo = m.new_bool_var(f"min{b}")
                m.add(s >= int(lo[b])).only_enforce_if(lit_lo)
                assumptions.append((lit_lo, "min_staff", b))
            if hi[b] < hi_b:
                lit_hi = m.new_bool_var(f"max{b}")
                m.add(s <= int(hi[b])).only_enforce_if(lit_hi)
                assumptions.append((lit_hi, "max_staff", b))
            continue
        if not costly[b]:
            continue
        ks = np.arange(lo_b, hi_b + 1, dtype=np.int64)
        big_f = np.rint(scale * fcost(np.full(len(ks), b, dtype=np.int64), ks)).astype(np.int64)
        if len(ks) == 1:
            offset += int(big_f[0])
            continue
        z = m.new_int_var(int(big_f.min()), int(big_f.max()), f"z{b}")
        slopes = np.diff(big_f)
        for i in range(len(ks) - 1):
            # z >= F(k) + (F(k+1) - F(k)) * (s - k)
            m.add(z >= int(big_f[i]) + int(slopes[i]) * (s - int(ks[i])))
        cost_terms.append(z)
    # side constraints over arc flows and bin inflows
    for k, row in enumerate(model.side):
        expr = int(row.constant) + sum(
            int(c) * x[a] for a, c in zip(row.arcs.tolist(), row.arc_coef.tolist(), strict=True)
        )
        expr += sum(
            int(c) * y[e]
            for b, c in zip(row.in_bins.tolist(), row.in_coef.tolist(), strict=True)
            for e in in_b.get(b, [])
        )
        lit = None
        if assumptions is not None:
            lit = m.new_bool_var(f"side{k}")
            assumptions.append((lit, "side", k))
        if row.lo is not None:
            ct = m.add(expr >= int(row.lo))
            if lit is not None:
                ct.only_enforce_if(lit)
        if row.hi is not None:
            ct = m.add(expr <= int(row.hi))
            if lit is not None:
                ct.only_enforce_if(lit)
    pair_terms = _add_pairs(m, model, x, scale, assumptions)
    # one tick per move from a home breaks ties towards fewer moves
    move_coef = (np.rint(scale * unit).astype(np.int64) + placed[model.arc_group] * model.ticks()).tolist()
    if model.max_moves is not None:
        ct = m.add(sum(x) <= int(model.max_moves))
        if assumptions is not None:
            lit_b = m.new_bool_var("budget")
            ct.only_enforce_if(lit_b)
            assumptions.append((lit_b, "max_moves", -1))
    if assumptions is None:
        m.minimize(
            sum(cost_terms) + sum(int(c) * v for c, v in zip(move_coef, x, strict=True)) + sum(pair_terms)
        )
    # rounding per costly bin, per move and per soft pair, plus the tie-break ticks (all that
    # integral costs leave)
    tick = model.max_tick
    soft_pairs = sum(1 for p in model.pairs if np.isfinite(p.weight))
    tol = (
        tick * n_placed / scale
        if integral
        else (0.5 * int(costly.sum()) + (0.5 + tick) * n_placed + 0.5 * soft_pairs) / scale
    )
    return _Built(m, x, y, staff, scale, offset, tol, cls_of, hb_bin)


def solve_cpsat(
    model: AssignmentModel,
    *,
    hint: EngineSolution | None,
    lower: float,
    time_limit: float,
    seed: int = 0,
    workers: int | None = None,
    progress: Callable[[float, float, float], None] | None = None,
    free_arcs: npt.NDArray[np.bool_] | None = None,
    deterministic_time: float | None = None,
) -> EngineSolution:
    """Solve the model with its side constraints by CP-SAT.

    Parameters
    ----------
    model : AssignmentModel
        The model, budget included.
    hint : EngineSolution, optional
        A feasible plan to start from.
    lower : float
        A known valid lower bound (``-inf`` if none).
    time_limit : float
        Seconds.
    seed, workers : int
        CP-SAT random seed and number of workers (default 1, which is deterministic).
    progress : callable, optional
        ``(elapsed, objective, bound)`` at each improving solution.
    free_arcs : ndarray of bool, optional
        A neighbourhood: arcs outside it keep their value in ``hint`` (large-neighbourhood
        search). The bound is then that of the neighbourhood, not of the model.
    deterministic_time : float, optional
        A limit in CP-SAT's deterministic time as well, so that a run ends at the same
        point whatever the machine's load (``time_limit`` stays as a wall-clock guard).
    """
    t0 = time.perf_counter()
    built = _build(model)
    m, x, y, staff, scale, offset, tol = (
        built.m, built.x, built.y, built.staff, built.scale, built.offset, built.tol
    )  # fmt: skip
    cls_of, hb_bin = built.cls_of, built.hb_bin
    if hint is not None:
        xv = _add_hint(m, model, x, y, cls_of, hint)
        if free_arcs is not None:
            for a in np.flatnonzero(~free_arcs).tolist():
                m.add(x[a] == int(xv[a]))

    build_seconds = time.perf_counter() - t0  # what the time limit pays before the search
    solver = cp_model.CpSolver()
    # One worker by default: the network LP is tight, a single worker with LP is fast here, and
    # its search is deterministic (same input and seed, same plan, unless the wall clock stops
    # it). Several workers run CP-SAT's parallel portfolio, which is not deterministic.
    solver.parameters.num_workers = int(workers) if workers else 1
    solver.parameters.random_seed = int(seed)
    # in a deterministic search: one worker and deterministic time only (see deterministic_search)
    _set_limits(solver, max(0.1, float(time_limit) - (time.perf_counter() - t0)), deterministic_time)
    cb = _Progress(progress, scale, offset + model.offset * scale) if progress is not None else None
    with running(solver):
        status = solver.solve(m, cb) if cb is not None else solver.solve(m)
    spend(solver.deterministic_time)
    seconds = time.perf_counter() - t0
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        xv = np.array([solver.value(v) for v in x], dtype=np.int64)
        yv = np.array([solver.value(v) for v in y], dtype=np.int64)
        sv = np.array([solver.value(v) for v in staff], dtype=np.int64)
        mg, mb, mc, ma = decompose(model.arc_group, model.arc_class, xv, cls_of, hb_bin, yv, model.group_home)
        moves = int(mc.sum())
        arc_total = float(np.sum(model.arc_cost[ma] * mc)) if len(mc) else 0.0
        pair_total, _ = model.pair_cost(mg, mb)
        obj = model.objective(sv, moves, arc_total, pair_total)
        if free_arcs is not None:  # optimal for the neighbourhood only: no bound on the model
            proven, bound = False, lower
        else:
            cp_bound = (solver.best_objective_bound + offset) / scale - tol + model.offset
            bound = max(lower, cp_bound)  # as computed: the caller checks it against obj
            proven = status == cp_model.OPTIMAL or obj - bound <= 1e-6 * max(1.0, abs(obj))
        return EngineSolution(
            status="optimal" if proven else "feasible",
            objective=obj,
            bound=bound,
            tolerance=tol,
            staff=sv,
            move_group=mg,
            move_bin=mb,
            move_count=mc,
            move_arc=ma,
            seconds=seconds,
            solver="cpsat",
            moves=moves,
            arc_cost_total=arc_total,
            stats={"scale": scale, "cpsat_status": solver.status_name(status)},
            build_seconds=build_seconds,
        )
    empty = np.zeros(0, dtype=np.int64)
    infeasible = status == cp_model.INFEASIBLE
    return EngineSolution(
        status="infeasible" if infeasible else "time_limit",
        objective=float("nan"),
        bound=float("nan") if infeasible else lower,  # no plan in time: the best bound known
        tolerance=tol,
        staff=model.initial_staff(),
        move_group=empty,
        move_bin=empty,
        move_count=empty,
        seconds=seconds,
        solver="cpsat",
        stats={"cpsat_status": solver.status_name(status)},
        build_seconds=build_seconds,
    )


def _add_pairs(
    m: cp_model.CpModel,
    model: AssignmentModel,
    x: list[cp_model.IntVar],
    scale: float,
    assumptions: list[tuple[Any, str, int]] | None,
) -> list[Any]:
    """Pairs of single-unit groups in the same block: ``u[g, V]`` says group ``g`` ends in
    block ``V``; a pair is apart when the two indicator vectors differ."""
    if not model.pairs:
        return []
    assert model.bin_block is not None
    block = model.bin_block.astype(np.int64)
    first_bin = model.class_bins[model.class_indptr[:-1]]
    cls_of = np.repeat(np.arange(model.n_classes, dtype=np.int64), np.diff(model.class_indptr))
    blk_min = np.full(model.n_classes, np.iinfo(np.int64).max)
    blk_max = np.full(model.n_classes, -1)
    np.minimum.at(blk_min, cls_of, block[model.class_bins])
    np.maximum.at(blk_max, cls_of, block[model.class_bins])
    arcs_of: dict[int, list[int]] = {}
    for p in model.pairs:
        arcs_of.setdefault(p.first, [])
        arcs_of.setdefault(p.second, [])
    for a, g in enumerate(model.arc_group.tolist()):
        if g in arcs_of:
            arcs_of[g].append(a)

    def indicators(g: int) -> dict[int, Any]:
        by_block: dict[int, list[int]] = {}
        for a in arcs_of[g]:
            c = int(model.arc_class[a])
            if blk_min[c] != blk_max[c]:
                raise ValueError("arcs of paired groups must lead into classes within one block")
            by_block.setdefault(int(block[first_bin[c]]), []).append(a)
        home = int(model.group_home[g])
        out: dict[int, Any] = {}
        if home >= 0:
            away = [a for v, arcs in by_block.items() if v != block[home] for a in arcs]
            out[int(block[home])] = 1 - sum(x[a] for a in away)
        for v, arcs in by_block.items():
            if home < 0 or v != block[home]:
                out[v] = sum(x[a] for a in arcs)
        return out

    terms: list[Any] = []
    for k, p in enumerate(model.pairs):
        u1, u2 = indicators(p.first), indicators(p.second)
        hard = not np.isfinite(p.weight)
        lit: Any = None
        if hard and assumptions is not None:
            lit = m.new_bool_var(f"pair{k}")
            assumptions.append((lit, "pair", k))
        apart = None if hard else m.new_bool_var(f"apart{k}")
        for v in set(u1) | set(u2):
            d = u1.get(v, 0) - u2.get(v, 0)
            if hard:
                ct = m.add(d == 0)
                if lit is not None:
                    ct.only_enforce_if(lit)
            else:
                m.add(apart >= d)
                m.add(apart >= -d)
        if apart is not None:
            terms.append(int(np.rint(scale * p.weight)) * apart)
    return terms


def find_conflict(model: AssignmentModel, *, time_limit: float = 10.0) -> list[tuple[str, int]] | None:
    """A small set of constraints that cannot hold together.

    Every staffing bound, side constraint, hard pair and the budget is enforced by an
    assumption literal; CP-SAT returns a set of assumptions that is infeasible, which is
    then shrunk by dropping one member at a time while the rest stays infeasible.

    Returns
    -------
    list of (kind, index) or None
        ``kind`` is ``min_staff`` or ``max_staff`` (index a bin), ``side`` (index into
        ``model.side``), ``pair`` (index into ``model.pairs``) or ``max_moves``; ``None``
        when the model is feasible or the time ran out.
    """
    t0 = time.perf_counter()
    floor = [0.5]  # the first call gets at least half a second, the shrinking steps what is left

    def infeasible_core(active: list[int]) -> list[int] | None:
        lits: list[tuple[Any, str, int]] = []
        built = _build(model, lits)
        on = set(active)
        for k, (lit, _, _) in enumerate(lits):
            if k not in on:
                built.m.add(lit == 0)
        built.m.add_assumptions([lits[k][0] for k in active])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        _set_limits(solver, max(floor[0], time_limit - (time.perf_counter() - t0)), None)
        floor[0] = 0.05
        with running(solver):
            status = solver.solve(built.m)
        spend(solver.deterministic_time)
        if status != cp_model.INFEASIBLE:
            return None
        idx = {lits[k][0].index: k for k in active}
        core = {idx[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in idx}
        return sorted(core) if core else list(active)

    probe: list[tuple[Any, str, int]] = []
    _build(model, probe)
    names = [(kind, i) for _, kind, i in probe]
    core = infeasible_core(list(range(len(probe))))
    if core is None:
        return None
    k = 0
    while k < len(core) and within(t0 + time_limit):
        trial = core[:k] + core[k + 1 :]
        smaller = infeasible_core(trial) if trial else None
        if smaller is not None:
            core = smaller
        else:
            k += 1
    return [names[i] for i in core]


def _add_loads(m: cp_model.CpModel, model: AssignmentModel, x: list[cp_model.IntVar]) -> None:
    """Capacity rows ``sum load * x <= capacity`` per bin (classes hold one bin each).

    Fractional loads are scaled by 1000, loads rounded up and capacities down, so every
    plan that meets the integer rows meets the true ones.
    """
    assert model.arc_load is not None and model.bin_capacity is not None
    load = model.arc_load.astype(float)
    cap = model.bin_capacity.astype(float)
    fin = np.isfinite(cap)
    mult = 1.0 if np.all(load == np.rint(load)) and np.all(cap[fin] == np.rint(cap[fin])) else 1000.0
    iload = np.ceil(load * mult - 1e-9).astype(np.int64)
    bin_of_arc = model.class_bins[model.class_indptr[model.arc_class]]
    order = np.argsort(bin_of_arc, kind="stable")
    starts = np.searchsorted(bin_of_arc[order], np.arange(model.n_bins + 1))
    for b in np.flatnonzero(fin):
        arcs = order[starts[b] : starts[b + 1]]
        if len(arcs):
            m.add(sum(int(iload[a]) * x[a] for a in arcs.tolist()) <= int(np.floor(cap[b] * mult + 1e-9)))


def _add_hint(
    m: cp_model.CpModel,
    model: AssignmentModel,
    x: list[cp_model.IntVar],
    y: list[cp_model.IntVar],
    cls_of: IntArray,
    hint: EngineSolution,
) -> IntArray:
    arc_of: dict[tuple[int, int], int] = {
        (int(g), int(c)): a for a, (g, c) in enumerate(zip(model.arc_group, model.arc_class, strict=True))
    }
    entry_of: dict[tuple[int, int], int] = {
        (int(c), int(b)): e for e, (c, b) in enumerate(zip(cls_of, model.class_bins, strict=True))
    }
    classes_of_bin: dict[int, list[int]] = {}
    for e, (c, b) in enumerate(zip(cls_of.tolist(), model.class_bins.tolist(), strict=True)):
        del e
        classes_of_bin.setdefault(b, []).append(c)
    xv = np.zeros(len(x), dtype=np.int64)
    yv = np.zeros(len(y), dtype=np.int64)
    for g, b, n in zip(
        hint.move_group.tolist(), hint.move_bin.tolist(), hint.move_count.tolist(), strict=True
    ):
        for c in classes_of_bin.get(b, []):
            a = arc_of.get((g, c))
            if a is not None:
                xv[a] += n
                yv[entry_of[(c, b)]] += n
                break
    for v, val in zip(x, xv.tolist(), strict=True):
        m.add_hint(v, val)
    for v, val in zip(y, yv.tolist(), strict=True):
        m.add_hint(v, val)
    return xv
