"""From a :class:`Problem` to a :class:`Result`: compile into the engine, solve, report.

Compilation: movers with the same current position and the same eligible classes are
interchangeable and become one engine *group*; everybody else is *fixed* staff of their
position. After the solve, each group's moves go to its longest-serving members first
(then by employee id), which is deterministic and in the spirit of rotation.
"""

from __future__ import annotations

import contextvars
import platform
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import abk
from .domain import band_of, direction_of
from .engine import AssignmentModel, EngineSolution, Pair, SideConstraint
from .explain import move_reasons
from .problem import Problem
from .result import Result
from .rules import Eligibility, column, competency_matrix, competency_shortfall, eligibility
from .solvers import control, solve_model
from .solvers.budget import Progress, deterministic_search
from .solvers.lexicographic import solve_lexicographic
from .tables import canonical_hash
from .terms import plan_terms
from .unit_rules import UnitRules, unit_rules
from .wishes import Wishes, wishes

__all__ = ["Compiled", "compile_problem", "solve"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Compiled:
    """An engine model and the maps back to the problem's employees and positions."""

    model: AssignmentModel
    eligibility: Eligibility
    employee_group: IntArray  # per employee: engine group, -1 if fixed
    pair_employees: list[tuple[int, int]] = field(default_factory=list)
    wishes: Wishes | None = None  # the problem's wishes, read once for compile and report


class _Classes:
    """Base classes of the eligibility plus derived ones (unit parts, single bins, minus home)."""

    def __init__(self, indptr: IntArray, bins: IntArray, position_unit: IntArray) -> None:
        self.lists: list[IntArray] = [bins[indptr[c] : indptr[c + 1]] for c in range(len(indptr) - 1)]
        self.unit = position_unit
        self.cache: dict[tuple[object, ...], int] = {}

    def derived(self, key: tuple[object, ...], bins: IntArray) -> int:
        c = self.cache.get(key)
        if c is None:
            c = self.cache[key] = len(self.lists)
            self.lists.append(np.asarray(bins, dtype=np.int64))
        return c

    def single(self, b: int) -> int:
        return self.derived(("bin", b), np.array([b], dtype=np.int64))

    def unit_parts(self, c: int) -> list[int]:
        bins = self.lists[c]
        units = self.unit[bins]
        return [self.derived(("unit", c, int(u)), bins[units == u]) for u in np.unique(units)]

    def minus(self, c: int, home: int) -> int | None:
        bins = self.lists[c]
        rest = bins[bins != home]
        if len(rest) == len(bins):
            return c
        return self.derived(("minus", c, home), rest) if len(rest) else None

    def csr(self) -> tuple[IntArray, IntArray]:
        sizes = np.array([len(x) for x in self.lists], dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        bins = np.concatenate(self.lists).astype(np.int64) if self.lists else np.zeros(0, dtype=np.int64)
        return indptr, bins


def _qualified(problem: Problem, keys: list[tuple[str, int]]) -> npt.NDArray[np.bool_]:
    """Per employee and coverage key ``(competency, level)``: level reached."""
    names = sorted({name for name, _ in keys})  # a competency may come with several levels
    levels = competency_matrix(problem.employees["competencies"], names)
    cols = [names.index(name) for name, _ in keys]
    return levels[:, cols] >= np.array([level for _, level in keys], dtype=np.int64)


def stay_costs(problem: Problem, w: Wishes) -> npt.NDArray[np.float64]:
    """Per employee, the objective cost of staying: rotation due and unmet volunteer wish."""
    pol = problem.policy
    months = problem.employees["months_in_position"].to_numpy(dtype=float)
    overdue = months > pol.max_months_in_position
    return pol.rotation_weight * overdue + w.stay_cost(pol.preference_weight)


def compile_problem(problem: Problem, *, force: tuple[int, int] | None = None) -> Compiled:
    """Compile a problem into an :class:`~asn_balance.engine.AssignmentModel`.

    Parameters
    ----------
    problem : Problem
        The problem.
    force : (employee, position), optional
        Employee number and position number of a move the plan must make (why-not).
    """
    el = eligibility(problem)
    pol = problem.policy
    w = wishes(problem)
    ur = unit_rules(problem)
    pos_of = problem.employee_position
    n_pos = problem.n_positions
    n_emp = problem.n_employees
    unit_of = ur.position_unit
    movable = el.profile >= 0
    stay = stay_costs(problem, w)
    offset = float(stay.sum())
    fit_w = float(pol.fit_weight)
    # voluntary_first: a non-volunteer's move carries the engine's larger tie-break tick, so
    # among plans of equal objective volunteers move first (the objective itself is unchanged)
    tick = 2 if pol.voluntary_first else 1

    # who needs individual arcs: wishes, spouses, the forced move
    in_pair = np.zeros(n_emp, dtype=bool)
    in_pair[w.spouse_first] = True
    in_pair[w.spouse_second] = True
    custom = movable & (w.volunteer | (w.n_listed > 0) | in_pair)
    if force is not None:
        custom[force[0]] = True
    cov_keys = sorted({(c.competency, c.level) for c in ur.coverage})
    qual = _qualified(problem, cov_keys) if cov_keys else np.zeros((n_emp, 0), dtype=bool)
    qual_code = (qual * (1 << np.arange(len(cov_keys), dtype=np.int64))).sum(axis=1).astype(np.int64)
    classes = _Classes(el.class_indptr, el.class_positions, unit_of)

    # regular movers: grouped by home, arc signature of the profile, stay cost and coverage mask
    n_prof = el.n_profiles
    starts = np.searchsorted(el.arc_profile, np.arange(n_prof + 1))
    sig_of = np.full(n_prof, -1, dtype=np.int64)
    seen: dict[bytes, int] = {}
    for p in range(n_prof):
        if starts[p + 1] > starts[p]:
            key = (
                el.arc_class[starts[p] : starts[p + 1]].tobytes()
                + el.arc_shortfall[starts[p] : starts[p + 1]].tobytes()
            )
            sig_of[p] = seen.setdefault(key, len(seen))
    regular = movable & ~custom
    reg = np.flatnonzero(regular)
    reg = reg[sig_of[el.profile[reg]] >= 0]
    stay_code, _ = pd.factorize(stay[reg], sort=True)
    key_frame = pd.DataFrame(
        {"home": pos_of[reg], "sig": sig_of[el.profile[reg]], "stay": stay_code, "qual": qual_code[reg]}
    )
    grp_reg = key_frame.groupby(list(key_frame.columns), sort=True).ngroup().to_numpy(np.int64)
    n_reg_groups = int(grp_reg.max()) + 1 if len(grp_reg) else 0
    first = np.zeros(n_reg_groups, dtype=np.int64)
    first[grp_reg[::-1]] = reg[::-1]
    sizes = np.bincount(grp_reg, minlength=n_reg_groups).astype(np.int64)
    employee_group = np.full(n_emp, -1, dtype=np.int64)
    employee_group[reg] = grp_reg

    g_home: list[IntArray] = [pos_of[first]]
    g_size: list[IntArray] = [sizes]
    # arcs of regular groups, vectorised over the profile's arcs
    prof_rep = el.profile[first]
    per = (starts[prof_rep + 1] - starts[prof_rep]).astype(np.int64)
    arc_g = np.repeat(np.arange(n_reg_groups, dtype=np.int64), per)
    offs = np.arange(len(arc_g), dtype=np.int64) - np.repeat(np.cumsum(per) - per, per)
    src = np.repeat(starts[prof_rep], per) + offs
    arc_c = el.arc_class[src].astype(np.int64)
    arc_cost = fit_w * el.arc_shortfall[src] - stay[first][arc_g]
    tracked = qual_code[first] > 0
    if tracked.any():  # coverage needs the unit a qualified mover goes to: split its classes by unit
        keep = ~tracked[arc_g]
        new_g, new_c, new_cost = [arc_g[keep]], [arc_c[keep]], [arc_cost[keep]]
        for a in np.flatnonzero(~keep).tolist():
            parts = classes.unit_parts(int(arc_c[a]))
            new_g.append(np.full(len(parts), arc_g[a]))
            new_c.append(np.asarray(parts, dtype=np.int64))
            new_cost.append(np.full(len(parts), arc_cost[a]))
        arc_g = np.concatenate(new_g).astype(np.int64)
        arc_c = np.concatenate(new_c).astype(np.int64)
        arc_cost = np.concatenate(new_cost).astype(float)
    arcs_g: list[IntArray] = [arc_g]
    arcs_c: list[IntArray] = [arc_c]
    arcs_cost: list[npt.NDArray[np.float64]] = [arc_cost]
    arcs_tick: list[IntArray] = [np.full(len(arc_g), tick, dtype=np.int64)]  # regular movers: no volunteers

    # custom movers: one group each, one arc per admissible position
    cust = np.flatnonzero(custom)
    pair_partner: dict[int, int] = {}
    for a_, b_ in zip(w.spouse_first.tolist(), w.spouse_second.tolist(), strict=True):
        pair_partner[a_] = b_
        pair_partner[b_] = a_
    next_group = n_reg_groups
    homes_c: list[int] = []
    for e in cust.tolist():
        home = int(pos_of[e])
        if force is not None and e == force[0]:
            bins = np.array([force[1]], dtype=np.int64)
            p = int(el.profile[e])
            short_of = _shortfall_map(el, starts, p) if p >= 0 else {}
        else:
            p = int(el.profile[e])
            short_of = _shortfall_map(el, starts, p)
            bins = np.array(
                sorted(b for c in short_of for b in classes.lists[c].tolist() if b != home), dtype=np.int64
            )
            if len(bins) and pol.volunteers_only_to_preferences and w.volunteer[e] and w.n_listed[e] > 0:
                bins = bins[w.rank_of(np.full(len(bins), e), bins) > 0]
            partner = pair_partner.get(e)
            if partner is not None and not movable[partner] and pol.spouses_hard and len(bins):
                bins = bins[unit_of[bins] == unit_of[home]]
        if len(bins) == 0:
            continue
        cls_short = {b: s for c, s in short_of.items() for b in classes.lists[c].tolist()}
        cost = fit_w * np.array([cls_short.get(int(b), 0) for b in bins.tolist()], dtype=float)
        cost += w.move_cost(np.full(len(bins), e), bins, pol.preference_weight)
        partner = pair_partner.get(e)
        if partner is not None and not movable[partner] and not pol.spouses_hard:
            cost += pol.spouse_weight * (unit_of[bins] != unit_of[home])
        cost -= stay[e]
        g = next_group
        next_group += 1
        employee_group[e] = g
        homes_c.append(-1 if force is not None and e == force[0] else home)
        arcs_g.append(np.full(len(bins), g, dtype=np.int64))
        arcs_c.append(np.array([classes.single(int(b)) for b in bins.tolist()], dtype=np.int64))
        arcs_cost.append(cost)
        arcs_tick.append(np.full(len(bins), 1 if w.volunteer[e] else tick, dtype=np.int64))
    g_home.append(np.asarray(homes_c, dtype=np.int64))
    g_size.append(np.ones(len(homes_c), dtype=np.int64))
    group_home = np.concatenate(g_home).astype(np.int64)
    group_size = np.concatenate(g_size).astype(np.int64)
    arc_group = np.concatenate(arcs_g).astype(np.int64)
    arc_class = np.concatenate(arcs_c).astype(np.int64)
    arc_costs = np.concatenate(arcs_cost).astype(float)
    arc_ticks = np.concatenate(arcs_tick).astype(np.int64)

    # a reward for moving must not be collectable by a move home: take the home out of the class
    move_cost = float(pol.move_cost)
    neg = np.flatnonzero(move_cost + arc_costs < 0)
    if len(neg):
        keep = np.ones(len(arc_group), dtype=bool)
        for a in neg.tolist():
            home = int(group_home[arc_group[a]])
            c = classes.minus(int(arc_class[a]), home) if home >= 0 else int(arc_class[a])
            if c is None:
                keep[a] = False
            else:
                arc_class[a] = c
        arc_group, arc_class, arc_costs, arc_ticks = (
            arc_group[keep],
            arc_class[keep],
            arc_costs[keep],
            arc_ticks[keep],
        )
    indptr, class_bins = classes.csr()

    grouped = employee_group >= 0
    fixed = np.bincount(pos_of[~grouped], minlength=n_pos).astype(np.int64)
    # (a group left without arcs keeps its units at home, which the engine treats as staying)

    side = _side_rows(problem, ur, cov_keys, qual, employee_group, group_home, group_size, arc_group,
                      arc_class, indptr, class_bins, fixed, force)  # fmt: skip
    pairs: list[Pair] = []
    pair_employees: list[tuple[int, int]] = []
    for a_, b_ in zip(w.spouse_first.tolist(), w.spouse_second.tolist(), strict=True):
        ga, gb = int(employee_group[a_]), int(employee_group[b_])
        if ga >= n_reg_groups and gb >= n_reg_groups and (pol.spouses_hard or pol.spouse_weight > 0):
            weight = float("inf") if pol.spouses_hard else float(pol.spouse_weight)
            subject = f"{problem.employee_index[a_]} & {problem.employee_index[b_]}"
            pairs.append(Pair("spouse_same_unit", subject, ga, gb, weight))
            pair_employees.append((a_, b_))

    need = problem.need
    pos = problem.positions
    max_staff = pos["max_staff"].to_numpy(dtype=float)
    model = AssignmentModel(
        target=need.astype(float),
        weight=np.maximum(need, 1.0).astype(float),
        min_staff=pos["min_staff"].to_numpy(dtype=np.int64),
        max_staff=np.where(np.isnan(max_staff), -1, max_staff).astype(np.int64),
        fixed=fixed,
        group_size=group_size,
        group_home=group_home,
        class_indptr=indptr,
        class_bins=class_bins,
        arc_group=arc_group,
        arc_class=arc_class,
        arc_cost=arc_costs,
        # ticks only where they tell volunteers from others (uniform ticks change nothing)
        arc_tick=arc_ticks if len(np.unique(arc_ticks)) > 1 else None,
        move_cost=move_cost,
        max_moves=pol.max_moves,
        side=tuple(side),
        pairs=tuple(pairs),
        bin_block=unit_of.astype(np.int64) if pairs else None,
        offset=offset,
    )
    return Compiled(model, el, employee_group, pair_employees, w)


def _shortfall_map(el: Eligibility, starts: IntArray, p: int) -> dict[int, int]:
    """Class -> competency shortfall for the arcs of profile ``p``."""
    if p < 0:
        return {}
    sl = slice(int(starts[p]), int(starts[p + 1]))
    return dict(zip(el.arc_class[sl].tolist(), el.arc_shortfall[sl].tolist(), strict=True))


def _side_rows(
    problem: Problem,
    ur: UnitRules,
    cov_keys: list[tuple[str, int]],
    qual: npt.NDArray[np.bool_],
    employee_group: IntArray,
    group_home: IntArray,
    group_size: IntArray,
    arc_group: IntArray,
    arc_class: IntArray,
    indptr: IntArray,
    class_bins: IntArray,
    fixed: IntArray,
    force: tuple[int, int] | None,
) -> list[SideConstraint]:
    """Unit caps and coverage as linear rows over the arcs."""
    if not ur.any:
        return []
    unit_of = ur.position_unit
    pos_of = problem.employee_position
    # the unit a group's units leave from (the forced employee's real home, too)
    row_home = group_home.copy()
    if force is not None and employee_group[force[0]] >= 0:
        row_home[employee_group[force[0]]] = pos_of[force[0]]
    arc_from_unit = unit_of[row_home[arc_group].clip(0)]
    arc_from_unit = np.where(row_home[arc_group] >= 0, arc_from_unit, -1)
    first_bin = class_bins[indptr[arc_class]]
    arc_to_unit = unit_of[first_bin]
    rows: list[SideConstraint] = []
    e0 = np.zeros(0, dtype=np.int64)
    for u in np.flatnonzero(ur.max_out >= 0).tolist():
        arcs = np.flatnonzero(arc_from_unit == u).astype(np.int64)
        ones = np.ones(len(arcs), np.int64)
        subject = f"unit {ur.unit_ids[u]}"
        rows.append(SideConstraint("max_moves_out", subject, arcs, ones, e0, e0, 0, None, int(ur.max_out[u])))
    for u in np.flatnonzero(ur.max_in >= 0).tolist():
        bins = np.flatnonzero(unit_of == u).astype(np.int64)
        rows.append(SideConstraint("max_moves_in", f"unit {ur.unit_ids[u]}", e0, e0, bins,
                                   np.ones(len(bins), np.int64), 0, None, int(ur.max_in[u])))  # fmt: skip
    if ur.coverage:
        grouped = employee_group >= 0
        emp_unit = unit_of[pos_of]
        n_groups = len(group_home)
        for cov in ur.coverage:
            k = cov_keys.index((cov.competency, cov.level))
            q = qual[:, k]
            const = int(np.sum(q & (emp_unit == cov.unit)))  # everybody qualified there now
            g_q = np.zeros(n_groups, dtype=bool)
            g_q[employee_group[grouped & q]] = True
            qa = g_q[arc_group]
            coef = (qa & (arc_to_unit == cov.unit)).astype(np.int64) - (
                qa & (arc_from_unit == cov.unit)
            ).astype(np.int64)
            nz = np.flatnonzero(coef != 0).astype(np.int64)
            rows.append(
                SideConstraint(
                    "coverage",
                    f"unit {cov.unit_id} {cov.competency}>={cov.level} x{cov.count}",
                    nz,
                    coef[nz],
                    e0,
                    e0,
                    const,
                    int(cov.count),
                    None,
                )
            )
    return rows


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
    out = {"python": platform.python_version()}
    for pkg in ("asn-balance", "ortools", "numpy", "pandas", "pydantic"):
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
    if sol.conflicts:
        return _conflict_lines(problem, comp, sol.conflicts, reach)
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


def _conflict_lines(
    problem: Problem, comp: Compiled, conflicts: list[tuple[str, str]], reach: IntArray
) -> list[str]:
    """Word a conflicting set of constraints found by CP-SAT, one line each."""
    pos = problem.positions
    pid = pos["position_id"].to_numpy(dtype=object)
    m = comp.model
    lines = []
    for kind, index in conflicts:
        i = int(index)
        if kind == "min_staff":
            lines.append(
                f"position {pid[i]} needs min_staff {int(m.min_staff[i])} "
                f"({int(reach[i])} employees could reach it by the rules) [min_staff]"
            )
        elif kind == "max_staff":
            lines.append(
                f"position {pid[i]} allows max_staff {int(m.max_staff[i])} "
                f"({int(m.fixed[i])} cannot move) [max_staff]"
            )
        elif kind == "side":
            row = m.side[i]
            if row.rule == "coverage":
                lines.append(f"{row.subject}: the unit must keep {row.lo} such staff, "
                             f"{row.constant} work there now [coverage]")  # fmt: skip
            else:
                lines.append(f"{row.subject} allows {row.rule} {row.hi} [{row.rule}]")
        elif kind == "pair":
            pair = m.pairs[i]
            lines.append(f"spouses {pair.subject} must stay in one unit [spouse_same_unit]")
        elif kind == "max_moves":
            lines.append(f"the plan may move at most {problem.policy.max_moves} employees [max_moves]")
    return ["these rules cannot all hold together:", *lines] if lines else []


def _interruptible(work: Callable[[], EngineSolution]) -> tuple[EngineSolution, bool]:
    """Run a solve so that Ctrl-C (or :func:`~asn_balance.solvers.control.request_stop` from
    another thread) stops it with the best plan found so far.

    In the main thread the solve runs in a worker thread (same context variables) while the
    main thread waits; a KeyboardInterrupt there requests the stop and waits for the plan.
    """
    control.reset()
    if threading.current_thread() is not threading.main_thread():
        sol = work()
        return sol, control.stop_requested()
    box: dict[str, Any] = {}
    ctx = contextvars.copy_context()

    done = threading.Event()

    def run() -> None:
        try:
            box["sol"] = ctx.run(work)
        except BaseException as e:  # re-raised in the caller's thread
            box["error"] = e
        finally:
            done.set()

    thread = threading.Thread(target=run, name="asn-balance-solve", daemon=True)
    thread.start()
    interrupted = False
    # an Event, not Thread.join: a KeyboardInterrupt inside join() can leave is_alive() wrong
    while not done.is_set():
        try:
            done.wait(0.2)
        except KeyboardInterrupt:
            interrupted = True
            control.request_stop()
    if "error" in box:
        raise box["error"]
    return box["sol"], interrupted or control.stop_requested()


def solve(
    problem: Problem,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    lang: str = "id",
    deterministic: bool = False,
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
    deterministic : bool
        A search that does not depend on the wall clock (CP-SAT path): one CP-SAT worker
        stopped by its deterministic time (``time_limit``, 60 by default) instead of
        seconds, solver loops bounded by rounds only. The same input, policy and seed then
        give the same plan on any machine and load, at the price of runs that may exceed
        ``time_limit`` seconds. The flow path is deterministic either way.

    Returns
    -------
    Result
        Status, objective, bound, moves with reasons, per-position and per-unit tables.
    """
    t0 = time.perf_counter()
    comp = compile_problem(problem)
    t_compile = time.perf_counter() - t0

    def work() -> EngineSolution:
        with deterministic_search(deterministic, time_limit):
            if problem.policy.lexicographic and not comp.model.has_side:
                return solve_lexicographic(
                    comp.model, tolerance=problem.policy.balance_tolerance, time_limit=time_limit
                )
            return solve_model(
                comp.model, time_limit=time_limit, seed=seed, workers=workers, progress=progress
            )

    sol, interrupted = _interruptible(work)
    extra: dict[str, Any] = {
        "compile_seconds": round(t_compile, 3),
        "seed": seed,
        "time_limit": time_limit,
        "workers": 1 if deterministic or not workers else int(workers),
        "deterministic": bool(deterministic),
        "lang": lang,
    }
    if interrupted:
        extra["interrupted"] = True
        sol.stats["stopped_by"] = "interrupt"
    if problem.policy.lexicographic and comp.model.has_side:
        extra["note"] = (
            "lexicographic priorities are not combined with unit caps, coverage or hard spouses yet: "
            "the weighted objective was used"
        )
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
        }
    )
    w = comp.wishes if comp.wishes is not None else wishes(problem)
    reasons = {
        lg: move_reasons(
            mv, emp, pos, before - need, ej_b, band_b, lang=lg, extras=_extras(problem, w, mv, lg)
        )
        for lg in ("id", "en")
    }
    moves["reason"] = reasons["en" if lang == "en" else "id"]
    moves["reason_id"] = reasons["id"]
    moves["reason_en"] = reasons["en"]
    bal_b = problem.balance(before)
    bal_a = problem.balance(after)
    terms_b = plan_terms(problem, [], [], w)
    terms_a = plan_terms(problem, ei, ti, w)
    objective = terms_a["objective"] if has_plan else float("nan")
    has_standard = bool((column(pos, "competency_standard", "").fillna("").astype(str) != "").any())
    training, totals = _training(problem, mv) if has_standard else (None, None)
    bound = sol.bound if np.isfinite(sol.bound) else float("nan")
    if has_plan and np.isfinite(bound):
        bound = min(bound, objective)
    info: dict[str, Any] = {
        "solver": sol.solver,
        "solver_seconds": round(sol.seconds, 3),
        "input_sha256": canonical_hash(problem.employees, problem.positions, problem.tasks, problem.units),
        # the policy as run, its plan date resolved (today when none was given): rerunnable as is
        "policy": {**problem.policy.model_dump(), "plan_date": problem.policy.date()},
        "plan_date": problem.policy.date().isoformat(),
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
        breakdown={"before": terms_b, "after": terms_a} if has_plan else {"before": terms_b},
        training=training,
        training_totals=totals,
    )


_EXTRA = {
    "id": {
        "volunteer": "atas permintaan sendiri",
        "rank": "pilihan ke-{r} dari {k}",
        "rotation": "masa jabatan {m:g} bulan > {mx}",
        "training": "perlu pengembangan kompetensi {items}",
        "spouse": "bersama pasangan",
    },
    "en": {
        "volunteer": "at own request",
        "rank": "choice {r} of {k}",
        "rotation": "{m:g} months in position > {mx}",
        "training": "needs training in {items}",
        "spouse": "together with spouse",
    },
}


def _extras(problem: Problem, w: Wishes, mv: pd.DataFrame, lang: str) -> list[list[str]]:
    """Per move, the phrases beyond staffing and requirements: wishes, rotation, training."""
    t = _EXTRA[lang]
    pol = problem.policy
    ei = mv["employee_idx"].to_numpy(np.int64)
    ti = mv["to_idx"].to_numpy(np.int64)
    ranks = w.rank_of(ei, ti)
    months = problem.employees["months_in_position"].to_numpy(dtype=float)
    comp = problem.employees["competencies"].to_numpy(dtype=object)
    std = column(problem.positions, "competency_standard", "").to_numpy(dtype=object)
    partner: dict[int, int] = {}
    for a, b in zip(w.spouse_first.tolist(), w.spouse_second.tolist(), strict=True):
        partner[a], partner[b] = b, a
    moved_to = dict(zip(ei.tolist(), ti.tolist(), strict=True))
    unit = problem.positions["unit_id"].to_numpy(dtype=object)
    out: list[list[str]] = []
    for e, j, r in zip(ei.tolist(), ti.tolist(), ranks.tolist(), strict=True):
        parts: list[str] = []
        if w.volunteer[e]:
            parts.append(t["volunteer"])
        if r > 0:
            parts.append(t["rank"].format(r=r, k=int(w.n_listed[e])))
        if months[e] > pol.max_months_in_position:
            parts.append(t["rotation"].format(m=months[e], mx=pol.max_months_in_position))
        p = partner.get(e)
        if p is not None and p in moved_to and unit[moved_to[p]] == unit[j]:
            parts.append(t["spouse"])
        short = competency_shortfall(comp[e], std[j])
        if short:
            parts.append(t["training"].format(items=", ".join(f"{k} {h} -> {s}" for k, h, s in short)))
        out.append(parts)
    return out


def _training(problem: Problem, mv: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The training plan: movers' competencies below the target's standard."""
    emp = problem.employees
    pos = problem.positions
    comp = emp["competencies"].to_numpy(dtype=object)
    std = column(pos, "competency_standard", "").to_numpy(dtype=object)
    rows = []
    for e, j in zip(mv["employee_idx"].tolist(), mv["to_idx"].tolist(), strict=True):
        for k, have, want in competency_shortfall(comp[e], std[j]):
            rows.append(
                {
                    "employee_id": emp["employee_id"].iloc[e],
                    "name": emp["name"].iloc[e],
                    "to_position": pos["position_id"].iloc[j],
                    "to_unit": pos["unit_id"].iloc[j],
                    "competency": k,
                    "level": have,
                    "standard": want,
                    "gap": want - have,
                }
            )
    cols = ["employee_id", "name", "to_position", "to_unit", "competency", "level", "standard", "gap"]
    training = pd.DataFrame(rows, columns=cols)
    totals = (
        training.groupby(["to_unit", "competency"], as_index=False)
        .agg(people=("employee_id", "nunique"), levels=("gap", "sum"))
        .rename(columns={"to_unit": "unit_id"})
        if len(training)
        else pd.DataFrame(columns=["unit_id", "competency", "people", "levels"])
    )
    return training, totals
