"""From a :class:`Problem` to a :class:`Result`: compile into the engine, solve, report.

Compilation: movers with the same current position and the same eligible classes are
interchangeable and become one engine *group*; everybody else is *fixed* staff of their
position. After the solve, each group's moves go to its longest-serving members first
(then by employee id), which is deterministic and in the spirit of rotation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import abk
from .domain import band_of, direction_of
from .engine import AssignmentModel, EngineSolution
from .explain import move_reasons
from .problem import Problem
from .result import Result
from .rules import Eligibility, eligibility
from .solvers import solve_model
from .solvers.budget import Progress
from .solvers.lexicographic import solve_lexicographic

__all__ = ["Compiled", "compile_problem", "solve"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Compiled:
    """An engine model and the maps back to the problem's employees and positions."""

    model: AssignmentModel
    eligibility: Eligibility
    employee_group: IntArray  # per employee: engine group, -1 if fixed


def compile_problem(problem: Problem) -> Compiled:
    """Compile a problem into an :class:`~asn_balance.engine.AssignmentModel`."""
    el = eligibility(problem)
    pos_of = problem.employee_position
    n_pos = problem.n_positions
    # profile -> canonical class set id (profiles with equal sets are interchangeable)
    n_prof = el.n_profiles
    has_arc = np.zeros(n_prof, dtype=bool)
    has_arc[el.arc_profile] = True
    starts = np.searchsorted(el.arc_profile, np.arange(n_prof + 1))
    set_id = np.full(n_prof, -1, dtype=np.int64)
    seen: dict[bytes, int] = {}
    set_rep: list[int] = []
    for p in np.flatnonzero(has_arc):
        sig = el.arc_class[starts[p] : starts[p + 1]].tobytes()
        sid = seen.get(sig)
        if sid is None:
            sid = seen[sig] = len(set_rep)
            set_rep.append(int(p))
        set_id[p] = sid
    emp_set = np.full(problem.n_employees, -1, dtype=np.int64)
    has_profile = el.profile >= 0
    emp_set[has_profile] = set_id[el.profile[has_profile]]
    mov = emp_set >= 0
    fixed = np.bincount(pos_of[~mov], minlength=n_pos).astype(np.int64)
    key = pos_of[mov] * (len(set_rep) + 1) + emp_set[mov]
    uniq, grp_of_mov, sizes = np.unique(key, return_inverse=True, return_counts=True)
    group_home = (uniq // (len(set_rep) + 1)).astype(np.int64)
    group_set = (uniq % (len(set_rep) + 1)).astype(np.int64)
    employee_group = np.full(problem.n_employees, -1, dtype=np.int64)
    employee_group[mov] = grp_of_mov
    # arcs: each group to each class of its set
    rep = np.asarray(set_rep, dtype=np.int64)
    counts = starts[rep + 1] - starts[rep] if len(rep) else np.zeros(0, dtype=np.int64)
    per_group = counts[group_set]
    arc_group = np.repeat(np.arange(len(uniq), dtype=np.int64), per_group)
    first = starts[rep][group_set]
    offs = np.arange(len(arc_group), dtype=np.int64) - np.repeat(np.cumsum(per_group) - per_group, per_group)
    arc_class = el.arc_class[np.repeat(first, per_group) + offs]

    need = problem.need
    pos = problem.positions
    max_staff = pos["max_staff"].to_numpy(dtype=float)
    model = AssignmentModel(
        target=need.astype(float),
        weight=np.maximum(need, 1.0).astype(float),
        min_staff=pos["min_staff"].to_numpy(dtype=np.int64),
        max_staff=np.where(np.isnan(max_staff), -1, max_staff).astype(np.int64),
        fixed=fixed,
        group_size=sizes.astype(np.int64),
        group_home=group_home,
        class_indptr=el.class_indptr,
        class_bins=el.class_positions,
        arc_group=arc_group,
        arc_class=arc_class.astype(np.int64),
        arc_cost=np.zeros(len(arc_group)),
        move_cost=float(problem.policy.move_cost),
        max_moves=problem.policy.max_moves,
    )
    return Compiled(model, el, employee_group)


def _pick_movers(problem: Problem, comp: Compiled, sol: EngineSolution) -> pd.DataFrame:
    """Turn group moves into employee moves: longest in position first, then by id."""
    emp = problem.employees
    grp = comp.employee_group
    members = np.flatnonzero(grp >= 0)
    months = emp["months_in_position"].to_numpy(dtype=float)[members]
    ids = emp["employee_id"].to_numpy(dtype=object)[members]
    id_rank = pd.Index(ids).argsort()
    rank_of = np.empty(len(ids), dtype=np.int64)
    rank_of[id_rank] = np.arange(len(ids))
    order = np.lexsort((rank_of, -months, grp[members]))
    members = members[order]
    g_sorted = grp[members]
    g_start = np.searchsorted(g_sorted, np.arange(comp.model.n_groups + 1))
    o = np.argsort(sol.move_group, kind="stable")
    mg, mb, mc = sol.move_group[o], sol.move_bin[o], sol.move_count[o]
    # offset of each move row inside its group's member list
    cum = np.cumsum(mc)
    grp_first_cum = np.zeros(len(mg), dtype=np.int64)
    if len(mg):
        new = np.concatenate([[True], mg[1:] != mg[:-1]])
        starts_cum = np.where(new, cum - mc, 0)
        grp_first_cum = np.maximum.accumulate(starts_cum)
    offset = cum - mc - grp_first_cum
    rows = np.repeat(np.arange(len(mg)), mc)
    within = np.arange(int(mc.sum()), dtype=np.int64) - np.repeat(cum - mc, mc) + offset[rows]
    emp_idx = members[g_start[mg[rows]] + within]
    return pd.DataFrame(
        {
            "employee_idx": emp_idx,
            "from_idx": problem.employee_position[emp_idx],
            "to_idx": mb[rows],
        }
    ).sort_values("employee_idx", kind="stable", ignore_index=True)


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("asn-balance", "ortools"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "unknown"
    return out


def _diagnosis(problem: Problem, comp: Compiled, sol: EngineSolution) -> list[str]:
    pos = problem.positions
    m = comp.model
    # who could possibly be there: fixed + home movers + movers with an arc into its class
    reach = m.fixed.astype(np.int64).copy()
    np.add.at(reach, m.group_home, m.group_size)
    class_in = np.zeros(m.n_classes, dtype=np.int64)
    np.add.at(class_in, m.arc_class, m.group_size[m.arc_group])
    reach += class_in[comp.eligibility.position_class]
    stuck = m.fixed.astype(np.int64)
    out = []
    for b, kind, have, bound in sol.infeasible_bins:
        if b < 0:
            out.append(
                f"the positions' min_staff add up to {bound} but there are only {have} employees [min_staff]"
            )
            continue
        pid = pos["position_id"].to_numpy(dtype=object)[b]
        if kind == "min_staff":
            out.append(
                f"position {pid} needs min_staff {bound}; at most {have} can be placed there "
                f"({int(reach[b])} employees could reach it by the rules, others are needed elsewhere) "
                "[min_staff]"
            )
        else:
            out.append(
                f"position {pid} allows max_staff {bound}; at least {have} must stay or end there "
                f"({int(stuck[b])} cannot move by the mover rules or have no eligible target) [max_staff]"
            )
    if problem.policy.max_moves is not None and not out:
        out.append(
            f"no plan within max_moves {problem.policy.max_moves} meets the staffing bounds [max_moves]"
        )
    return out


def solve(
    problem: Problem,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    lang: str = "id",
) -> Result:
    """Plan the transfers of a problem.

    Parameters
    ----------
    problem : Problem
        Data and policy.
    time_limit : float, optional
        Seconds for the side-constrained part (move budget). The exact flow path needs
        no limit.
    seed : int
        Random seed for CP-SAT (the flow path is deterministic).
    workers : int, optional
        CP-SAT workers (default 1, deterministic; more run a parallel portfolio that is not).
    progress : callable, optional
        ``progress(elapsed, objective, bound)``.
    lang : {"id", "en"}
        Language of the move reasons.

    Returns
    -------
    Result
        Status, objective, bound, moves with reasons, per-position and per-unit tables.
    """
    t0 = time.perf_counter()
    comp = compile_problem(problem)
    t_compile = time.perf_counter() - t0
    if problem.policy.lexicographic:
        sol = solve_lexicographic(
            comp.model, tolerance=problem.policy.balance_tolerance, time_limit=time_limit
        )
    else:
        sol = solve_model(comp.model, time_limit=time_limit, seed=seed, workers=workers, progress=progress)
    extra = {"compile_seconds": round(t_compile, 3), "seed": seed, "time_limit": time_limit}
    return build_result(problem, comp, sol, t0, lang=lang, extra=extra)


def build_result(
    problem: Problem,
    comp: Compiled,
    sol: EngineSolution,
    t0: float,
    *,
    lang: str = "id",
    extra: dict[str, Any] | None = None,
) -> Result:
    """Assemble a :class:`Result` from an engine solution."""
    pos = problem.positions
    emp = problem.employees
    wke = problem.policy.effective_hours
    need = problem.need
    work = problem.workload
    before = problem.staff
    has_plan = sol.status in ("optimal", "feasible")
    if has_plan:
        mv = _pick_movers(problem, comp, sol)
    else:
        mv = pd.DataFrame({"employee_idx": [], "from_idx": [], "to_idx": []}, dtype=np.int64)
    after = before.copy()
    np.add.at(after, mv["from_idx"].to_numpy(np.int64), -1)
    np.add.at(after, mv["to_idx"].to_numpy(np.int64), 1)
    ej_b = abk.efficiency(work, before, wke)
    ej_a = abk.efficiency(work, after, wke)
    band_b = band_of(ej_b)
    positions = pd.DataFrame(
        {
            "position_id": pos["position_id"],
            "unit_id": pos["unit_id"],
            "unit_name": pos["unit_name"],
            "jabatan": pos["jabatan"],
            "workload_hours": work,
            "need_fte": need,
            "staff_before": before,
            "staff_after": after,
            "gap_before": before - need,
            "gap_after": after - need,
            "ej_before": ej_b,
            "ej_after": ej_a,
            "band_before": band_b,
            "band_after": band_of(ej_a),
            "direction_before": direction_of(before, need),
            "direction_after": direction_of(after, need),
        }
    )
    units = abk.unit_metrics(pos["unit_id"], work, before, after, wke)
    names = pos.drop_duplicates("unit_id").set_index("unit_id")["unit_name"]
    units.insert(1, "unit_name", units["unit_id"].map(names))
    ei, fi, ti = (mv[c].to_numpy(np.int64) for c in ("employee_idx", "from_idx", "to_idx"))
    pid = pos["position_id"].to_numpy(dtype=object)
    uid = pos["unit_id"].to_numpy(dtype=object)
    jab = pos["jabatan"].to_numpy(dtype=object)
    moves = pd.DataFrame(
        {
            "employee_id": emp["employee_id"].to_numpy(dtype=object)[ei],
            "name": emp["name"].to_numpy(dtype=object)[ei],
            "from_position": pid[fi],
            "to_position": pid[ti],
            "from_unit": uid[fi],
            "to_unit": uid[ti],
            "jabatan_from": jab[fi],
            "jabatan_to": jab[ti],
            "reason": move_reasons(mv, emp, pos, before - need, ej_b, band_b, lang=lang),
        }
    )
    bal_b = problem.balance(before)
    bal_a = problem.balance(after)
    objective = bal_a + problem.policy.move_cost * len(moves) if has_plan else float("nan")
    bound = sol.bound if np.isfinite(sol.bound) else float("nan")
    if has_plan and np.isfinite(bound):
        bound = min(bound, objective)
    info: dict[str, Any] = {
        "solver": sol.solver,
        "solver_seconds": round(sol.seconds, 3),
        "policy": problem.policy.model_dump(),
        "versions": _versions(),
    }
    info.update(extra or {})
    info["solver_stats"] = {k: v for k, v in sol.stats.items()}
    return Result(
        status=sol.status,
        objective=objective,
        bound=bound,
        seconds=time.perf_counter() - t0,
        balance_before=bal_b,
        balance_after=bal_a if has_plan else float("nan"),
        moves=moves,
        positions=positions,
        units=units,
        diagnosis=_diagnosis(problem, comp, sol) if sol.status == "infeasible" else [],
        info=info,
    )
