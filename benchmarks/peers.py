"""Peers of asn_balance on the same scenario, each run in its own process by ``run.py``.

``python benchmarks/peers.py PEER DIR --out result.json [--max-moves K] [--time-limit T]``

* ``cpsat``: the plain CP-SAT model as the OR-Tools samples teach it: one boolean per
  eligible (movable employee, target position) pair plus one "stays" boolean per movable
  employee, exactly one per employee, staff per position an integer variable equal to
  a linear expression, the convex cost ``(s - need)^2 / max(need, 1)`` as an integer cost
  variable above its chords between consecutive integer staff levels (exact at integer
  staff; costs scaled to integers), ``move_cost`` per move, optional budget. 2 workers,
  no hint, no tuning.
* ``highs``: the same MIP in highspy (binary x, continuous cost variables above the
  chords, costs in float), built as sparse arrays.
* ``flow``: the floor. asn_balance's own compile + solver with OR-Tools'
  ``SimpleMinCostFlow`` wrapped so that only ``solve()`` (and, separately, loading the
  arcs) is timed: no Python driver around that network can be faster than this.

Eligibility comes from :func:`asn_balance.compile.eligibility.eligibility` (profiles x classes) and is
expanded to employee x position pairs with numpy. Every peer reads the same CSV folder
with :meth:`Problem.read`, like the ``asn-balance`` CLI, and writes its moves so that the
parent verifies them with :func:`asn_balance.check.check`, as it does asn_balance's plan.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from asn_balance.compile.eligibility import eligibility
from asn_balance.model.policy import Policy
from asn_balance.model.problem import Problem

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


# --------------------------------------------------------------------------- pairs


@dataclass
class Pairs:
    """Employee x position candidate pairs of a problem (moves only; staying is separate)."""

    movers: IntArray  # employees who have at least one move pair
    home: IntArray  # their current positions
    pair_emp: IntArray  # index into movers, sorted
    pair_pos: IntArray  # target position (never the home position)
    fixed: IntArray  # per position: staff who cannot move anywhere
    lo: IntArray  # per position: staff domain
    hi: IntArray

    @property
    def n_pairs(self) -> int:
        return len(self.pair_emp)


def count_pairs(problem: Problem) -> int:
    """Number of (movable employee, eligible position) pairs, home included, without building them."""
    el = eligibility(problem)
    csize = np.diff(el.class_indptr)
    per_prof = np.bincount(el.arc_profile, weights=csize[el.arc_class], minlength=el.n_profiles)
    prof = el.profile[el.profile >= 0]
    return int(per_prof[prof].sum()) if len(prof) else 0


def build_pairs(problem: Problem) -> Pairs:
    """Expand profile x class eligibility into employee x position pairs, vectorised."""
    el = eligibility(problem)
    n_pos = problem.n_positions
    home_all = problem.employee_position
    csize = np.diff(el.class_indptr).astype(np.int64)
    # positions reachable per profile (classes partition the positions: no duplicates)
    arc_len = csize[el.arc_class]
    total = int(arc_len.sum())
    offs = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(arc_len) - arc_len, arc_len)
    prof_positions = el.class_positions[np.repeat(el.class_indptr[el.arc_class], arc_len) + offs]
    prof_cnt = np.bincount(el.arc_profile, weights=arc_len, minlength=el.n_profiles).astype(np.int64)
    prof_ptr = np.concatenate([[0], np.cumsum(prof_cnt)]).astype(np.int64)
    # per movable employee
    cand = np.flatnonzero(el.profile >= 0)
    cnt = prof_cnt[el.profile[cand]]
    emp_rep = np.repeat(np.arange(len(cand), dtype=np.int64), cnt)
    offs = np.arange(int(cnt.sum()), dtype=np.int64) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    pos = prof_positions[np.repeat(prof_ptr[el.profile[cand]], cnt) + offs].astype(np.int64)
    keep = pos != home_all[cand][emp_rep]
    emp_rep, pos = emp_rep[keep], pos[keep]
    # employees with no move pair are fixed staff
    has = np.bincount(emp_rep, minlength=len(cand)) > 0
    renum = np.cumsum(has) - 1
    movers = cand[has]
    pair_emp = renum[emp_rep].astype(np.int64)
    home = home_all[movers].astype(np.int64)
    is_mover = np.zeros(problem.n_employees, dtype=bool)
    is_mover[movers] = True
    fixed = np.bincount(home_all[~is_mover], minlength=n_pos).astype(np.int64)
    reach = fixed + np.bincount(home, minlength=n_pos) + np.bincount(pos, minlength=n_pos)
    posf = problem.positions
    min_staff = posf["min_staff"].to_numpy(dtype=np.int64)
    max_staff = posf["max_staff"].to_numpy(dtype=float)
    cap = np.where(np.isnan(max_staff), reach, np.minimum(reach, np.nan_to_num(max_staff))).astype(np.int64)
    lo = np.maximum(min_staff, fixed)
    hi = np.maximum(cap, lo)
    return Pairs(movers, home, pair_emp, pair_pos=pos, fixed=fixed, lo=lo, hi=hi)


def _cost(problem: Problem, b: IntArray, k: IntArray) -> FloatArray:
    need = problem.need
    return (k - need[b]) ** 2 / np.maximum(need[b], 1.0)


def _chords(problem: Problem, pr: Pairs) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Per chord ``k -> k+1`` of each position's staff domain: bin, k, F(k), slope."""
    width = np.maximum(pr.hi - pr.lo, 0)
    b = np.repeat(np.arange(len(width), dtype=np.int64), width)
    k = (
        np.repeat(pr.lo, width)
        + np.arange(len(b), dtype=np.int64)
        - np.repeat(np.cumsum(width) - width, width)
    )
    f0 = _cost(problem, b, k)
    f1 = _cost(problem, b, k + 1)
    return b, k, f0, f1 - f0


def _moves_of(problem: Problem, pr: Pairs, chosen: IntArray) -> dict[str, list[str]]:
    emp = problem.employees["employee_id"].to_numpy(dtype=object)
    pid = problem.positions["position_id"].to_numpy(dtype=object)
    e = pr.movers[pr.pair_emp[chosen]]
    return {
        "employee_id": [str(x) for x in emp[e]],
        "to_position": [str(x) for x in pid[pr.pair_pos[chosen]]],
    }


def _float_objective(problem: Problem, pr: Pairs, chosen: IntArray) -> float:
    staff = problem.staff.astype(np.int64).copy()
    np.add.at(staff, pr.home[pr.pair_emp[chosen]], -1)
    np.add.at(staff, pr.pair_pos[chosen], 1)
    return problem.balance(staff) + float(problem.policy.move_cost) * len(chosen)


# --------------------------------------------------------------------------- CP-SAT


def run_cpsat(problem: Problem, pr: Pairs, time_limit: float, workers: int, seed: int) -> dict[str, Any]:
    """The plain CP-SAT model (see the module docstring)."""
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    pol = problem.policy
    nb = problem.n_positions
    cb, ck, cf0, cslope = _chords(problem, pr)
    # integer scale: largest cost at a domain end times the scale stays near 1e12
    b_all = np.arange(nb, dtype=np.int64)
    peak = float(np.max(np.maximum(_cost(problem, b_all, pr.lo), _cost(problem, b_all, pr.hi)), initial=1.0))
    scale = float(10 ** math.floor(math.log10(max(1.0, min(1e6, 1e12 / max(peak, 1.0))))))

    def big(v: FloatArray) -> IntArray:
        return np.rint(scale * v).astype(np.int64)

    m = cp_model.CpModel()
    n_mov = len(pr.movers)
    x = [m.new_bool_var(f"x{i}") for i in range(pr.n_pairs)]
    stay = [m.new_bool_var(f"stay{i}") for i in range(n_mov)]
    # exactly one option per movable employee (pairs are sorted by employee)
    starts = np.searchsorted(pr.pair_emp, np.arange(n_mov + 1)).tolist()
    for i in range(n_mov):
        m.add_exactly_one([stay[i], *x[starts[i] : starts[i + 1]]])
    # staff per position
    in_order = np.argsort(pr.pair_pos, kind="stable")
    in_ptr = np.searchsorted(pr.pair_pos[in_order], np.arange(nb + 1)).tolist()
    home_order = np.argsort(pr.home, kind="stable")
    home_ptr = np.searchsorted(pr.home[home_order], np.arange(nb + 1)).tolist()
    in_order_l, home_order_l = in_order.tolist(), home_order.tolist()
    lo_l, hi_l, fixed_l = pr.lo.tolist(), pr.hi.tolist(), pr.fixed.tolist()
    chord_ptr = np.searchsorted(cb, np.arange(nb + 1)).tolist()
    f0_big, f1_big = big(cf0), big(cf0 + cslope)
    const = 0
    cost_vars = []
    for b in range(nb):
        terms = [x[j] for j in in_order_l[in_ptr[b] : in_ptr[b + 1]]]
        terms += [stay[i] for i in home_order_l[home_ptr[b] : home_ptr[b + 1]]]
        if lo_l[b] == hi_l[b]:
            m.add(cp_model.LinearExpr.sum(terms) == lo_l[b] - fixed_l[b])
            const += int(big(_cost(problem, np.array([b]), np.array([lo_l[b]])))[0])
            continue
        s = m.new_int_var(lo_l[b], hi_l[b], f"s{b}")
        m.add(s == fixed_l[b] + cp_model.LinearExpr.sum(terms))
        a, e = chord_ptr[b], chord_ptr[b + 1]
        zlo, zhi = (
            int(min(f0_big[a:e].min(), f1_big[a:e].min())),
            int(max(f0_big[a:e].max(), f1_big[a:e].max())),
        )
        z = m.new_int_var(zlo, zhi, f"z{b}")
        for j in range(a, e):
            # z >= F(k) + (F(k+1) - F(k)) * (s - k), through the rounded points
            d = int(f1_big[j] - f0_big[j])
            m.add(z >= int(f0_big[j]) + d * (s - int(ck[j])))
        cost_vars.append(z)
    move_coef = round(scale * pol.move_cost)
    if pol.max_moves is not None:
        m.add(cp_model.LinearExpr.sum(x) <= int(pol.max_moves))
    m.minimize(cp_model.LinearExpr.sum(cost_vars) + move_coef * cp_model.LinearExpr.sum(x))
    build_s = time.perf_counter() - t0

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = int(seed)
    solver.parameters.log_search_progress = bool(os.environ.get("PEERS_CPSAT_LOG"))
    t1 = time.perf_counter()
    status = solver.solve(m)
    solve_s = time.perf_counter() - t1
    # rounding: each position's cost is within 0.5/scale of the true one at integer staff
    tol = (nb * 0.5 + n_mov * abs(move_coef - scale * pol.move_cost)) / scale
    bound = (solver.best_objective_bound + const) / scale - tol
    searched = solver.num_branches > 0 or solver.num_conflicts > 0
    out: dict[str, Any] = {
        "status": solver.status_name(status).lower(),
        # without a solution and without any search (presolve used the whole limit) the
        # reported bound refers to a half-presolved objective: not reported as a bound
        "bound": bound if math.isfinite(bound) and (searched or status != cp_model.UNKNOWN) else None,
        "raw_bound": bound if math.isfinite(bound) else None,
        "branches": int(solver.num_branches),
        "conflicts": int(solver.num_conflicts),
        "build_seconds": build_s,
        "solve_seconds": solve_s,
        "int_scale": scale,
        "rounding_tolerance": tol,
        "variables": pr.n_pairs + n_mov + len(cost_vars),
        "chords": len(cb),
        "workers": int(workers),
    }
    if status == cp_model.UNKNOWN and not searched:
        out["note"] = "no solution: CP-SAT was still in presolve at the time limit"
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        vals = np.fromiter((solver.boolean_value(v) for v in x), dtype=bool, count=pr.n_pairs)
        chosen = np.flatnonzero(vals)
        out["objective"] = _float_objective(problem, pr, chosen)
        out["moves"] = len(chosen)
        out["plan"] = _moves_of(problem, pr, chosen)
    return out


# --------------------------------------------------------------------------- HiGHS


def run_highs(problem: Problem, pr: Pairs, time_limit: float, mip_rel_gap: float) -> dict[str, Any]:
    """The same MIP with highspy, built row-wise from numpy arrays."""
    import highspy

    t0 = time.perf_counter()
    pol = problem.policy
    nb = problem.n_positions
    n_x, n_mov = pr.n_pairs, len(pr.movers)
    cb, ck, cf0, cslope = _chords(problem, pr)
    var = pr.lo < pr.hi
    # columns: x (pairs) | stay (movers) | s (positions) | z (positions)
    c_stay, c_s, c_z = n_x, n_x + n_mov, n_x + n_mov + nb
    n_col = c_z + nb
    cost = np.zeros(n_col)
    cost[:n_x] = pol.move_cost
    cost[c_z:] = np.where(var, 1.0, 0.0)
    col_lo = np.zeros(n_col)
    col_hi = np.ones(n_col)
    col_lo[c_s:c_z], col_hi[c_s:c_z] = pr.lo, pr.hi
    col_lo[c_z:], col_hi[c_z:] = 0.0, highspy.kHighsInf
    integ = np.zeros(n_col, dtype=np.int32)
    integ[:c_s] = 1  # binaries; s and z continuous (s is integral through them)
    offset = float(np.sum(_cost(problem, np.flatnonzero(~var), pr.lo[~var])))

    rows_idx: list[IntArray] = []
    rows_val: list[FloatArray] = []
    rows_len: list[IntArray] = []
    rlo: list[FloatArray] = []
    rhi: list[FloatArray] = []
    # 1) each mover: stay + sum x = 1   (pairs are sorted by employee)
    order = np.lexsort((np.arange(n_x), pr.pair_emp))
    cnt = np.bincount(pr.pair_emp, minlength=n_mov)
    idx = np.empty(n_x + n_mov, dtype=np.int64)
    ptr = np.concatenate([[0], np.cumsum(cnt + 1)])
    idx[ptr[:-1]] = c_stay + np.arange(n_mov)
    slot = np.ones(n_x + n_mov, dtype=bool)
    slot[ptr[:-1]] = False
    idx[slot] = order
    rows_idx.append(idx)
    rows_val.append(np.ones(len(idx)))
    rows_len.append(cnt + 1)
    rlo.append(np.ones(n_mov))
    rhi.append(np.ones(n_mov))
    # 2) each position: s - sum x_in - sum stay_home = fixed
    ent_row = np.concatenate([np.arange(nb), pr.pair_pos, pr.home])
    ent_col = np.concatenate([c_s + np.arange(nb), np.arange(n_x), c_stay + np.arange(n_mov)])
    ent_val = np.concatenate([np.ones(nb), -np.ones(n_x), -np.ones(n_mov)])
    o = np.argsort(ent_row, kind="stable")
    rows_idx.append(ent_col[o])
    rows_val.append(ent_val[o])
    rows_len.append(np.bincount(ent_row, minlength=nb))
    rlo.append(pr.fixed.astype(float))
    rhi.append(pr.fixed.astype(float))
    # 3) chords: z_b - slope * s_b >= F(k) - slope * k
    n_ch = len(cb)
    rows_idx.append(np.column_stack([c_z + cb, c_s + cb]).ravel())
    rows_val.append(np.column_stack([np.ones(n_ch), -cslope]).ravel())
    rows_len.append(np.full(n_ch, 2, dtype=np.int64))
    rlo.append(cf0 - cslope * ck)
    rhi.append(np.full(n_ch, highspy.kHighsInf))
    # 4) budget
    if pol.max_moves is not None:
        rows_idx.append(np.arange(n_x))
        rows_val.append(np.ones(n_x))
        rows_len.append(np.array([n_x]))
        rlo.append(np.array([-highspy.kHighsInf]))
        rhi.append(np.array([float(pol.max_moves)]))

    lens = np.concatenate(rows_len)
    lp = highspy.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = len(lens)
    lp.col_cost_ = cost
    lp.col_lower_ = col_lo
    lp.col_upper_ = col_hi
    lp.row_lower_ = np.concatenate(rlo)
    lp.row_upper_ = np.concatenate(rhi)
    lp.offset_ = offset
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n_col
    lp.a_matrix_.num_row_ = len(lens)
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(lens)]).astype(np.int32)
    lp.a_matrix_.index_ = np.concatenate(rows_idx).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate(rows_val)
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integ
    ]
    h = highspy.Highs()
    h.setOptionValue("output_flag", bool(os.environ.get("PEERS_HIGHS_LOG")))
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("random_seed", 0)
    h.passModel(lp)
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    h.run()
    solve_s = time.perf_counter() - t1
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus()).lower()
    bound = float(info.mip_dual_bound)
    out: dict[str, Any] = {
        "status": status,
        "bound": bound if math.isfinite(bound) else None,
        "build_seconds": build_s,
        "solve_seconds": solve_s,
        "variables": n_col,
        "rows": len(lens),
        "nonzeros": int(lens.sum()),
        "chords": n_ch,
        "mip_rel_gap_option": mip_rel_gap,
        "mip_nodes": int(info.mip_node_count),
    }
    if int(info.primal_solution_status) == 2:  # kSolutionStatusFeasible
        xv = np.asarray(h.getSolution().col_value[:n_x])
        chosen = np.flatnonzero(xv > 0.5)
        out["objective"] = _float_objective(problem, pr, chosen)
        out["solver_objective"] = float(info.objective_function_value)
        out["moves"] = len(chosen)
        out["plan"] = _moves_of(problem, pr, chosen)
    return out


# --------------------------------------------------------------------------- flow floor


class _TimedFlow:
    """A SimpleMinCostFlow whose ``solve()`` and arc loading are timed."""

    solve_times: list[float] = []  # noqa: RUF012
    load_times: list[float] = []  # noqa: RUF012

    def __init__(self) -> None:
        from ortools.graph.python import min_cost_flow

        self._m = min_cost_flow.SimpleMinCostFlow()

    def add_arcs_with_capacity_and_unit_cost(self, *args: Any) -> Any:
        t = time.perf_counter()
        r = self._m.add_arcs_with_capacity_and_unit_cost(*args)
        _TimedFlow.load_times.append(time.perf_counter() - t)
        return r

    def solve(self) -> Any:
        t = time.perf_counter()
        r = self._m.solve()
        _TimedFlow.solve_times.append(time.perf_counter() - t)
        return r

    def __getattr__(self, name: str) -> Any:
        return getattr(self._m, name)


def run_flow(problem: Problem, time_limit: float, workers: int, seed: int) -> dict[str, Any]:
    """asn_balance's compile and solve with only the OR-Tools flow calls timed."""
    import asn_balance.engine.backends.flow as flow_mod
    from asn_balance.engine.dispatch import solve_model
    from asn_balance.planner import compile_problem

    flow_mod.min_cost_flow = types.SimpleNamespace(SimpleMinCostFlow=_TimedFlow)  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    comp = compile_problem(problem)
    compile_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    sol = solve_model(comp.model, time_limit=time_limit, seed=seed, workers=workers)
    solve_model_s = time.perf_counter() - t1
    st = _TimedFlow.solve_times
    m = comp.model
    return {
        "status": sol.status,
        "objective": float(sol.objective),
        "bound": float(sol.bound) if math.isfinite(sol.bound) else None,
        "moves": int(sol.moves),
        "flow_solves": len(st),
        "floor_seconds": float(sum(st)),
        "first_solve_seconds": float(st[0]) if st else None,
        "load_seconds": float(sum(_TimedFlow.load_times)),
        "compile_seconds": compile_s,
        "solve_model_seconds": solve_model_s,
        "solver": sol.solver,
        "nodes": int(sol.stats.get("nodes", 0)) or None,
        "arcs": int(sol.stats.get("arcs", 0)) or None,
        "groups": m.n_groups,
        "classes": m.n_classes,
        "engine_arcs": len(m.arc_group),
    }


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("peer", choices=["cpsat", "highs", "flow"])
    ap.add_argument("data", type=Path, help="CSV folder of the scenario")
    ap.add_argument("--out", type=Path, required=True, help="JSON result file")
    ap.add_argument("--max-moves", type=int, default=None)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-pairs", type=int, default=1_500_000)
    ap.add_argument("--mip-rel-gap", type=float, default=1e-6)
    a = ap.parse_args(argv)

    t0 = time.perf_counter()
    policy = Policy(max_moves=a.max_moves) if a.max_moves is not None else Policy()
    problem = Problem.read(a.data, policy)
    res: dict[str, Any] = {"peer": a.peer, "read_seconds": time.perf_counter() - t0}
    try:
        if a.peer == "flow":
            res.update(run_flow(problem, a.time_limit, a.workers, a.seed))
        else:
            t1 = time.perf_counter()
            n = count_pairs(problem)
            res["pairs"] = n
            if n > a.max_pairs:
                res.update(status="skipped", note=f"skipped: {n:,} pairs > --peer-max-pairs {a.max_pairs:,}")
            else:
                pr = build_pairs(problem)
                res["pairs_seconds"] = time.perf_counter() - t1
                res["move_pairs"] = pr.n_pairs
                res["movers"] = len(pr.movers)
                if a.peer == "cpsat":
                    res.update(run_cpsat(problem, pr, a.time_limit, a.workers, a.seed))
                else:
                    try:
                        import highspy  # noqa: F401
                    except ImportError:
                        res.update(status="skipped", note="skipped: highspy is not installed")
                    else:
                        res.update(run_highs(problem, pr, a.time_limit, a.mip_rel_gap))
    except MemoryError:
        res.update(status="skipped", note="skipped: out of memory while building the model")
    res["seconds_in_process"] = time.perf_counter() - t0
    a.out.write_text(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
