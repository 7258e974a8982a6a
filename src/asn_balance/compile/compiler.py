"""Compile a :class:`~asn_balance.model.problem.Problem` into a generic
:class:`~asn_balance.engine.AssignmentModel`.

Movers with the same current position and the same eligible classes are interchangeable and
become one engine *group*; everybody else is *fixed* staff of their position. Employees with
wishes or a spouse get a group of their own. Unit rules become side rows, spouses pairs; the
objective's per-move terms (fit, preferences, spouses) become arc costs and its per-stay terms
(rotation due, unmet volunteer wish) stay costs folded into the arcs and an offset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..engine.model import AssignmentModel, Pair, SideConstraint
from ..model.problem import Problem
from .eligibility import Eligibility, competency_matrix, eligibility, group_numbers
from .unit_rules import UnitRules, unit_rules
from .wishes import Wishes, wishes

__all__ = ["Compiled", "compile_problem", "stay_costs"]

IntArray = npt.NDArray[np.int64]
#: Tolerance on sums of FTE (e.g. 0.1 + 0.2): below it a remainder is taken as whole.
_FTE_EPS = 1e-9


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


def compile_problem(
    problem: Problem, *, force: tuple[int, int] | None = None, deadline: float | None = None
) -> Compiled:
    """Compile a problem into an :class:`~asn_balance.engine.AssignmentModel`.

    Parameters
    ----------
    problem : Problem
        The problem.
    force : (employee, position), optional
        Employee number and position number of a move the plan must make (why-not).
    deadline : float, optional
        A :func:`time.perf_counter` value: between its phases (eligibility, wishes and unit
        rules, the movers' arcs, the side rows, the model) the compile stops once it has
        passed, or once :func:`~asn_balance.engine.control.request_stop` was called.

    Raises
    ------
    TimeoutError
        The compile stopped at ``deadline`` or on a stop request (the planner's signal to
        return the best plan it holds).
    """
    import time

    from ..engine.control import stop_requested

    def due(phase: str) -> None:
        if stop_requested():
            raise TimeoutError(f"compile stopped on request {phase}")
        if deadline is not None and time.perf_counter() >= deadline:
            raise TimeoutError(f"compile stopped at the deadline {phase}")

    due("before eligibility")
    el = eligibility(problem)
    pol = problem.policy
    due("after eligibility")
    w = wishes(problem)
    ur = unit_rules(problem)
    due("after wishes and unit rules")
    pos_of = problem.employee_position
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
    grp_reg = group_numbers(key_frame)
    n_reg_groups = int(grp_reg.max()) + 1 if len(grp_reg) else 0
    first = np.zeros(n_reg_groups, dtype=np.int64)
    first[grp_reg[::-1]] = reg[::-1]
    sizes = np.bincount(grp_reg, minlength=n_reg_groups).astype(np.int64)
    employee_group = np.full(n_emp, -1, dtype=np.int64)
    employee_group[reg] = grp_reg

    # groups of one arc signature and one stay cost get the same arcs (the flow need not
    # compare them): their key, -1 for a group whose arcs are changed below
    stay_of_group, _ = pd.factorize(stay[first], sort=True)
    group_key = group_numbers(pd.DataFrame({"sig": sig_of[el.profile[first]], "stay": stay_of_group}))
    group_key = group_key.astype(np.int64, copy=True)
    g_home: list[IntArray] = [pos_of[first]]
    g_size: list[IntArray] = [sizes]
    # arcs of regular groups, vectorised over the profile's arcs
    prof_rep = el.profile[first]
    per = (starts[prof_rep + 1] - starts[prof_rep]).astype(np.int64)
    arc_g, src, arc_cost = _spread(per, starts[prof_rep])
    arc_c = el.arc_class.astype(np.int64, copy=False).take(src)
    priced = el.arc_shortfall.astype(float) * fit_w  # priced per profile arc, then spread
    if priced.any():
        arc_cost = priced[src]
        arc_cost -= stay[first][arc_g]  # fit_w * shortfall - stay of the group's movers
    else:  # no arc priced (no standard, or no fit weight): zero - stay, without the gather
        # (into the buffer that held the sources, which are no longer needed)
        np.take(stay[first].astype(float), arc_g, out=arc_cost, mode="clip")  # (valid: no buffered copy)
        np.subtract(fit_w * 0.0, arc_cost, out=arc_cost)  # the zero's sign as the gather's
    del src, priced
    tracked = qual_code[first] > 0
    if tracked.any():  # coverage needs the unit a qualified mover goes to: split its classes by unit
        group_key[tracked] = -1
        keep = ~tracked[arc_g]
        split = np.flatnonzero(~keep)
        # each class split once, in the order its arcs first come (the derived class numbers)
        cls, first_at, inverse = np.unique(arc_c[split], return_index=True, return_inverse=True)
        parts_of: list[list[int]] = [[] for _ in range(len(cls))]
        for k in np.argsort(first_at, kind="stable").tolist():
            parts_of[k] = classes.unit_parts(int(cls[k]))
        n_parts = np.array([len(x) for x in parts_of], dtype=np.int64)
        flat = np.array([c for x in parts_of for c in x], dtype=np.int64)
        part_start = np.concatenate([[0], np.cumsum(n_parts)]).astype(np.int64)
        inverse = inverse.ravel()
        reps = n_parts[inverse]
        within = np.arange(int(reps.sum()), dtype=np.int64) - np.repeat(np.cumsum(reps) - reps, reps)
        arc_g = np.concatenate([arc_g[keep], np.repeat(arc_g[split], reps)]).astype(np.int64)
        arc_c = np.concatenate([arc_c[keep], flat[np.repeat(part_start[inverse], reps) + within]]).astype(
            np.int64
        )
        arc_cost = np.concatenate([arc_cost[keep], np.repeat(arc_cost[split], reps)]).astype(float)
    arcs_g: list[IntArray] = [arc_g]
    arcs_c: list[IntArray] = [arc_c]
    arcs_cost: list[npt.NDArray[np.float64]] = [arc_cost]
    # ticks are 1 or 2: one byte each until the model takes them
    arcs_tick: list[npt.NDArray[np.int8]] = [np.full(len(arc_g), tick, dtype=np.int8)]  # no volunteers
    del arc_g, arc_c, arc_cost

    due("after the regular movers' arcs")
    # custom movers: one group each, one arc per admissible position
    cust = np.flatnonzero(custom)
    next_group = n_reg_groups
    # every admissible (custom mover, position) pair at once: the profile's arcs expanded by
    # their classes' positions, the home left out, sorted by employee then position
    base_sizes = np.diff(el.class_indptr).astype(np.int64)
    forced_e = force[0] if force is not None else -1
    cand = cust[(cust != forced_e) & (el.profile[cust] >= 0)]
    n_arc = (starts[el.profile[cand] + 1] - starts[el.profile[cand]]).astype(np.int64)
    e1 = np.repeat(cand, n_arc)
    a1 = np.repeat(starts[el.profile[cand]], n_arc) + (
        np.arange(int(n_arc.sum()), dtype=np.int64) - np.repeat(np.cumsum(n_arc) - n_arc, n_arc)
    )
    c1 = el.arc_class[a1].astype(np.int64)
    per = base_sizes[c1]
    pe = np.repeat(e1, per)
    pb = el.class_positions[
        np.repeat(el.class_indptr[c1], per)
        + (np.arange(int(per.sum()), dtype=np.int64) - np.repeat(np.cumsum(per) - per, per))
    ].astype(np.int64)
    ps = np.repeat(el.arc_shortfall[a1], per).astype(np.int64)
    keep = pb != pos_of[pe]
    pe, pb, ps = pe[keep], pb[keep], ps[keep]
    order = np.lexsort((pb, pe))
    pe, pb, ps = pe[order], pb[order], ps[order]
    if pol.volunteers_only_to_preferences and len(pe):
        listed_only = w.volunteer[pe] & (w.n_listed[pe] > 0)
        if listed_only.any():
            ok = ~listed_only
            ok[listed_only] = w.rank_of(pe[listed_only], pb[listed_only]) > 0
            pe, pb, ps = pe[ok], pb[ok], ps[ok]
    # a spouse can move only if some position is open to them: one movable by the mover rules
    # but with no eligible target stays like fixed staff, so the partner's arcs must carry the
    # spouse cost (or, with spouses_hard, keep the unit)
    can_move = movable.copy()
    pair_member = custom & in_pair
    if forced_e >= 0:
        pair_member[forced_e] = False
    can_move[pair_member] = False
    can_move[np.unique(pe[pair_member[pe]])] = True
    partner_of = np.full(n_emp, -1, dtype=np.int64)
    partner_of[w.spouse_first] = w.spouse_second
    partner_of[w.spouse_second] = w.spouse_first
    partner = partner_of[pe]
    alone = (partner >= 0) & ~can_move[np.maximum(partner, 0)]
    if pol.spouses_hard and alone.any():
        ok = ~alone | (unit_of[pb] == unit_of[pos_of[pe]])
        pe, pb, ps, alone = pe[ok], pb[ok], ps[ok], alone[ok]
    if forced_e >= 0 and custom[forced_e]:  # the forced move: its one arc, wherever it is allowed
        fb = int(force[1])  # type: ignore[index]
        short = _shortfall_map(el, starts, int(el.profile[forced_e]))
        f_class = int(el.position_class[fb])
        at = int(np.searchsorted(pe, forced_e))
        pe = np.insert(pe, at, forced_e)
        pb = np.insert(pb, at, fb)
        ps = np.insert(ps, at, short.get(f_class, 0))
        mate = int(partner_of[forced_e])
        alone = np.insert(alone, at, mate >= 0 and not can_move[mate])
    cost = fit_w * ps.astype(float)
    cost += w.move_cost(pe, pb, pol.preference_weight)
    if not pol.spouses_hard:
        cost += pol.spouse_weight * (alone & (unit_of[pb] != unit_of[pos_of[pe]]))
    cost -= stay[pe]
    # one group per custom mover with an arc, numbered in employee order
    movers_c = np.unique(pe)
    group_of = np.full(n_emp, -1, dtype=np.int64)
    group_of[movers_c] = next_group + np.arange(len(movers_c), dtype=np.int64)
    employee_group[movers_c] = group_of[movers_c]
    homes_c = np.where(movers_c == forced_e, -1, pos_of[movers_c]).astype(np.int64)
    # single-position classes, made in the order their positions first appear
    single = np.full(problem.n_positions, -1, dtype=np.int64)
    seen_bins, first_at = np.unique(pb, return_index=True)
    for b in seen_bins[np.argsort(first_at, kind="stable")].tolist():
        single[b] = classes.single(int(b))
    arcs_g.append(group_of[pe])
    arcs_c.append(single[pb])
    arcs_cost.append(cost)
    arcs_tick.append(np.where(w.volunteer[pe], 1, tick).astype(np.int8))
    g_home.append(homes_c)
    g_size.append(np.ones(len(homes_c), dtype=np.int64))
    group_home = np.concatenate(g_home).astype(np.int64, copy=False)
    group_size = np.concatenate(g_size).astype(np.int64, copy=False)
    # one array at a time, its pieces freed before the next (each is as long as the arcs; a
    # lone piece, the regular arcs when nobody has wishes or a spouse, is taken as it is)
    arc_group = _joined(arcs_g).astype(np.int64, copy=False)
    del arcs_g
    arc_class = _joined(arcs_c).astype(np.int64, copy=False)
    del arcs_c
    arc_costs = _joined(arcs_cost).astype(float, copy=False)
    del arcs_cost
    arc_ticks = _joined(arcs_tick)
    del arcs_tick

    # a reward for moving must not be collectable by a move home: take the home out of the class
    move_cost = float(pol.move_cost)
    neg = np.flatnonzero(arc_costs < -move_cost)  # move_cost + cost < 0, without a sum per arc
    if len(neg):
        keep = np.ones(len(arc_group), dtype=bool)
        homes = group_home[arc_group[neg]]
        neg = neg[homes >= 0]  # a group with no home (the forced mover) keeps its class
        group_key[arc_group[neg][arc_group[neg] < n_reg_groups]] = -1
        # one derived class per distinct (class, home), not one lookup per arc
        # (derived in the order the arcs first name them, so the numbering is as arc by arc)
        pairs_ch, first, inverse = np.unique(
            np.stack([arc_class[neg], group_home[arc_group[neg]]], axis=1),
            axis=0, return_index=True, return_inverse=True,
        )  # fmt: skip
        derived = np.full(len(pairs_ch), -1, dtype=np.int64)
        for u in np.argsort(first, kind="stable").tolist():
            c = classes.minus(int(pairs_ch[u, 0]), int(pairs_ch[u, 1]))
            derived[u] = -1 if c is None else c
        less = derived[inverse.reshape(-1)]
        keep[neg[less < 0]] = False
        arc_class[neg[less >= 0]] = less[less >= 0]
        arc_group = arc_group[keep]  # one at a time: each old array freed before the next
        arc_class = arc_class[keep]
        arc_costs = arc_costs[keep]
        arc_ticks = arc_ticks[keep]
    indptr, class_bins = classes.csr()

    grouped = employee_group >= 0
    # (a group left without arcs keeps its units at home, which the engine treats as staying)
    fixed, frac = _fixed_units(problem, ~grouped)
    due("before the side rows")

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

    due("after the side rows")
    need = problem.need
    pos = problem.positions
    max_staff = pos["max_staff"].to_numpy(dtype=float)
    min_staff = pos["min_staff"].to_numpy(dtype=float)
    # min_staff and max_staff bound the staff in FTE: fixed + frac + inflow within them
    max_units = np.floor(np.nan_to_num(max_staff, nan=0.0) - frac + _FTE_EPS)
    mixed_ticks = bool(len(arc_ticks)) and arc_ticks.min() != arc_ticks.max()
    model = AssignmentModel(
        target=(need - frac).astype(float),
        weight=np.maximum(need, 1.0).astype(float),
        min_staff=np.maximum(np.ceil(min_staff - frac - _FTE_EPS), 0.0).astype(np.int64),
        max_staff=np.where(np.isnan(max_staff), -1, max_units).astype(np.int64),
        fixed=fixed,
        group_size=group_size,
        group_home=group_home,
        class_indptr=indptr,
        class_bins=class_bins,
        arc_group=arc_group,
        arc_class=arc_class,
        arc_cost=arc_costs,
        # ticks only where they tell volunteers from others (uniform ticks change nothing)
        arc_tick=arc_ticks.astype(np.int64) if mixed_ticks else None,
        move_cost=move_cost,
        max_moves=pol.max_moves,
        side=tuple(side),
        pairs=tuple(pairs),
        bin_block=unit_of.astype(np.int64) if pairs else None,
        offset=offset,
    )
    model.declare_group_keys(
        np.concatenate([group_key, np.full(model.n_groups - n_reg_groups, -1, dtype=np.int64)])
    )
    return Compiled(model, el, employee_group, pair_employees, w)


def _spread(per: IntArray, first_arc: IntArray) -> tuple[IntArray, IntArray, npt.NDArray[np.float64]]:
    """Group ``g`` takes the ``per[g]`` (at least one) profile arcs from ``first_arc[g]`` on:
    per spread arc its group and its profile arc, and a float buffer of the same length whose
    memory held the profile arcs (for the caller to overwrite once it has gathered them).

    Filled in place by running sums rather than by repeats: at national scale each array holds
    56 million arcs, and every fresh one costs its page faults."""
    total = int(per.sum())
    arc_g = np.zeros(total, dtype=np.int64)
    buffer = np.empty(total, dtype=np.float64)
    src = buffer.view(np.int64)
    if total == 0:
        return arc_g, src, buffer
    if int(per.min()) < 1:
        raise ValueError("every group spread needs an arc")
    begin = np.cumsum(per) - per  # where each group's arcs begin
    arc_g[begin[1:]] = 1
    np.cumsum(arc_g, out=arc_g)
    # the profile arcs run on by one within a group and jump to the next group's first
    src[:] = 1
    src[begin] = first_arc - np.concatenate([[0], first_arc[:-1] + per[:-1] - 1])
    np.cumsum(src, out=src)
    return arc_g, src, buffer


def _joined(pieces: list[npt.NDArray[Any]]) -> npt.NDArray[Any]:
    """The pieces end to end: a lone non-empty piece as it is (no copy)."""
    full = [x for x in pieces if len(x)]
    if len(full) == 1 and len(pieces) > 1:
        return full[0]
    return np.concatenate(pieces)


def _fixed_units(
    problem: Problem, fixed_mask: npt.NDArray[np.bool_]
) -> tuple[IntArray, npt.NDArray[np.float64]]:
    """Per position, the fixed staff as whole engine units and the FTE left over.

    Staff is counted in FTE (:attr:`Problem.fte <asn_balance.model.problem.Problem.fte>`);
    movers are whole FTE (rule ``part_time``), but the fixed staff of a position may hold
    part-timers. The engine counts whole units, so the fixed FTE ``F`` is split into
    ``fixed = floor(F)`` units and a remainder ``frac = F - fixed`` that the compiler folds
    into the bin's target: ``(fixed + frac + k - need)^2 = (fixed + k - (need - frac))^2``,
    exact for every inflow ``k``, so the flow stays exact and its objective is ``B`` in FTE.
    With every employee at 1 FTE, ``frac`` is 0 and nothing changes. A position with
    ``max_staff`` 0 and a fixed remainder takes one unit more (``frac`` below 0), so that
    the engine sees the cap broken rather than a negative cap (which means none).
    """
    pos_of = problem.employee_position
    fte = problem.fte
    n_pos = problem.n_positions
    fixed_fte = np.bincount(pos_of[fixed_mask], weights=fte[fixed_mask], minlength=n_pos)
    fixed = np.floor(fixed_fte + _FTE_EPS)
    frac = fixed_fte - fixed
    frac[np.abs(frac) < _FTE_EPS] = 0.0
    max_staff = problem.positions["max_staff"].to_numpy(dtype=float)
    over = ~np.isnan(max_staff) & (max_staff - frac < -_FTE_EPS)
    fixed[over] += 1.0
    frac[over] -= 1.0
    return fixed.astype(np.int64), frac


def _shortfall_map(el: Eligibility, starts: IntArray, p: int) -> dict[int, int]:
    """Class -> competency shortfall for the arcs of profile ``p``."""
    if p < 0:
        return {}
    sl = slice(int(starts[p]), int(starts[p + 1]))
    return dict(zip(el.arc_class[sl].tolist(), el.arc_shortfall[sl].tolist(), strict=True))


def _by_unit(unit: IntArray, n_units: int, items: IntArray | None = None) -> Callable[[int], IntArray]:
    """``lambda u: items[unit == u]`` (ascending, ``items`` default ``arange``) from one sort."""
    values = np.arange(len(unit), dtype=np.int64) if items is None else np.asarray(items, dtype=np.int64)
    order = np.argsort(unit, kind="stable")
    starts = np.searchsorted(unit[order], np.arange(n_units + 1))
    sorted_values = values[order]

    def of(u: int) -> IntArray:
        return sorted_values[starts[u] : starts[u + 1]]

    return of


class _GroupArcs:
    """The arcs of each group (CSR from one sort of the arcs by group), and the arcs of a set
    of groups per unit, at a cost in the arcs of those groups only (not of all arcs)."""

    def __init__(self, arc_group: IntArray, n_groups: int) -> None:
        self.order = np.argsort(arc_group, kind="stable").astype(np.int64)
        self.start = np.zeros(n_groups + 1, dtype=np.int64)
        np.cumsum(np.bincount(arc_group, minlength=n_groups), out=self.start[1:])

    def of_groups(self, groups: IntArray) -> IntArray:
        """The arcs of ``groups`` (group by group)."""
        first, count = self.start[groups], self.start[groups + 1] - self.start[groups]
        total = int(count.sum())
        at = np.repeat(first - (np.cumsum(count) - count), count) + np.arange(total, dtype=np.int64)
        return self.order[at]

    @staticmethod
    def by_unit(arcs: IntArray, arc_unit: IntArray, n_units: int) -> Callable[[int], IntArray]:
        """``lambda u: arcs[arc_unit[arcs] == u]`` from one sort of ``arcs``."""
        units = arc_unit[arcs]
        order = np.argsort(units, kind="stable")
        arcs, units = arcs[order], units[order]
        starts = np.searchsorted(units, np.arange(n_units + 1))

        def of(u: int) -> IntArray:
            return arcs[starts[u] : starts[u + 1]]

        return of


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
    n_units = len(ur.unit_ids)
    # arcs (and bins) grouped by unit once: each row takes its slice, never a scan of all arcs
    out_arcs = _by_unit(arc_from_unit, n_units)
    for u in np.flatnonzero(ur.max_out >= 0).tolist():
        arcs = out_arcs(u)
        ones = np.ones(len(arcs), np.int64)
        subject = f"unit {ur.unit_ids[u]}"
        rows.append(SideConstraint("max_moves_out", subject, arcs, ones, e0, e0, 0, None, int(ur.max_out[u])))
    unit_bins = _by_unit(unit_of, n_units)
    for u in np.flatnonzero(ur.max_in >= 0).tolist():
        bins = unit_bins(u)
        rows.append(SideConstraint("max_moves_in", f"unit {ur.unit_ids[u]}", e0, e0, bins,
                                   np.ones(len(bins), np.int64), 0, None, int(ur.max_in[u])))  # fmt: skip
    if ur.coverage:
        grouped = employee_group >= 0
        emp_unit = unit_of[pos_of]
        n_groups = len(group_home)
        per_key: dict[int, tuple[IntArray, Callable[[int], IntArray], Callable[[int], IntArray]]] = {}
        group_arcs = _GroupArcs(arc_group, n_groups)
        # per (competency, level): the units with a coverage row for it
        key_of = np.array([cov_keys.index((c.competency, c.level)) for c in ur.coverage], dtype=np.int64)
        row_unit = np.array([c.unit for c in ur.coverage], dtype=np.int64)
        for cov, k in zip(ur.coverage, key_of.tolist(), strict=True):
            if k not in per_key:  # once per (competency, level): qualified staff per unit, their arcs
                q = qual[:, k]
                here = np.bincount(emp_unit[q], minlength=n_units).astype(np.int64)
                g_q = np.unique(employee_group[grouped & q])
                covered = np.zeros(n_units + 1, dtype=bool)  # the last slot: no unit (-1)
                covered[row_unit[key_of == k]] = True
                arcs = group_arcs.of_groups(g_q)
                arcs_in = arcs[covered[arc_to_unit[arcs]]]
                arcs_out = arcs[covered[arc_from_unit[arcs]]]
                into = _GroupArcs.by_unit(arcs_in, arc_to_unit, n_units)
                out_of = _GroupArcs.by_unit(arcs_out, arc_from_unit, n_units)
                per_key[k] = (here, into, out_of)
            here, into, out_of = per_key[k]
            const = int(here[cov.unit])  # everybody qualified there now
            arcs = np.concatenate([into(cov.unit), out_of(cov.unit)])
            signs = np.concatenate(
                [np.ones(len(into(cov.unit)), np.int64), -np.ones(len(out_of(cov.unit)), np.int64)]
            )
            nz, where = np.unique(arcs, return_inverse=True)
            coef = np.bincount(where.ravel(), weights=signs, minlength=len(nz)).astype(np.int64)
            keep = coef != 0  # a move within the unit leaves the count as it is
            rows.append(
                SideConstraint(
                    "coverage",
                    f"unit {cov.unit_id} {cov.competency}>={cov.level} x{cov.count}",
                    nz[keep].astype(np.int64),
                    coef[keep],
                    e0,
                    e0,
                    const,
                    int(cov.count),
                    None,
                )
            )
    return rows
