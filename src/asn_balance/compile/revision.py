"""The revision of a draft plan after the employees' responses, as an engine model.

:func:`compile_revision` takes the compiled problem (:func:`~asn_balance.compile.compiler.compile_problem`)
and the draft's outcome of every employee (their position after the draft) and rewrites the
engine model so that its optimum is the best revision:

* **locked** employees (an objection not overruled, an accepted stay, a request refused
  outright) leave their group and become fixed staff of their home bin;
* **pinned** employees (an accepted or overruled move) leave their group and become fixed
  staff of their draft target; the move's price (``move_cost`` plus its arc cost) goes to
  the offset, and its terms in the side rows (unit caps, coverage) to the rows' constants;
  the budget ``max_moves`` shrinks by the pins;
* **silent** employees are split by draft outcome: a group's members whose draft keeps them
  home become one group whose every arc costs ``change_cost`` more; its members whose
  draft moves them to ``X`` become one group per ``X`` with an arc into the single bin
  ``X`` at its price less ``change_cost``, ``X`` taken out of the arc whose class held it,
  and ``change_cost`` per unit added to the offset (staying changes their outcome too);
* a **request** for ``T`` is a group of its own with two outcomes, ``T`` at its price and
  the draft outcome at its price plus ``request_cost`` (the policy's preference weight):
  the flow grants the request exactly when that does not make the plan worse by more than
  ``request_cost``. When both outcomes are moves the group is unplaced (it must move).
  A request the rules do not allow is the draft outcome held, ``request_cost`` in the offset.

Every rewrite is a change of arcs, arc costs, fixed staff or constants, so a model that was
a min-cost flow stays one and its optimum is exact: the revision's objective is the plan's
objective plus ``change_cost`` per silent employee whose outcome changed plus
``request_cost`` per request refused. Spouse pairs with a locked or pinned partner become
arc costs (or, hard, arc bounds) of the other; everything is vectorised over arcs and
groups, never over employees x positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..engine.model import AssignmentModel, Pair, SideConstraint
from ..model.problem import Problem
from .compiler import Compiled

__all__ = ["LOCK", "PIN", "REQUEST", "SILENT", "RevisionCompiled", "compile_revision"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Modes of an employee in a revision.
SILENT, LOCK, PIN, REQUEST = 0, 1, 2, 3


@dataclass(frozen=True)
class RevisionCompiled:
    """The revision's engine model and what maps it back to employees.

    Attributes
    ----------
    compiled : Compiled
        The model, the base eligibility and ``employee_group`` (the revision's groups;
        ``-1`` for fixed, locked and pinned employees).
    mode : ndarray of int
        Per employee, the mode applied (:data:`SILENT`, :data:`LOCK`, :data:`PIN`,
        :data:`REQUEST`): a request that cannot be granted (no arc into its target) or
        that asks for the draft outcome itself is applied as a pin or a lock.
    pinned, pinned_to : ndarray of int
        The pinned employees and their targets (the draft's).
    request_reachable : ndarray of bool
        Per employee: a request whose target the rules let them reach.
    """

    compiled: Compiled
    mode: IntArray
    pinned: IntArray
    pinned_to: IntArray
    request_reachable: BoolArray


def _ranges(start: IntArray, count: IntArray) -> IntArray:
    """``concat(arange(s, s + c))`` over the pairs, vectorised."""
    total = int(count.sum())
    return np.repeat(start - (np.cumsum(count) - count), count) + np.arange(total, dtype=np.int64)


def _arc_into(model: AssignmentModel, groups: IntArray, bins: IntArray) -> IntArray:
    """Per query, the cheapest arc of ``groups[k]`` whose class holds ``bins[k]``; -1 if none."""
    out = np.full(len(groups), -1, dtype=np.int64)
    if not len(groups) or not len(model.arc_group):
        return out
    order = np.argsort(model.arc_group, kind="stable").astype(np.int64)
    start = np.searchsorted(model.arc_group[order], np.arange(model.n_groups + 1)).astype(np.int64)
    ug = np.unique(groups)
    arcs = order[_ranges(start[ug], start[ug + 1] - start[ug])]
    cls = model.arc_class[arcs]
    sizes = (model.class_indptr[cls + 1] - model.class_indptr[cls]).astype(np.int64)
    ab = model.class_bins[_ranges(model.class_indptr[cls].astype(np.int64), sizes)].astype(np.int64)
    aa = np.repeat(arcs, sizes)
    nb = model.n_bins
    key = model.arc_group[aa].astype(np.int64) * nb + ab
    o = np.lexsort((model.arc_cost[aa], key))
    key, aa = key[o], aa[o]
    q = groups.astype(np.int64) * nb + bins.astype(np.int64)
    if not len(key):
        return out
    at = np.minimum(np.searchsorted(key, q), len(key) - 1)
    hit = key[at] == q
    out[hit] = aa[at[hit]]
    return out


class _NewClasses:
    """Classes appended to the model's CSR: single bins and classes less one bin."""

    def __init__(self, model: AssignmentModel) -> None:
        self.indptr = model.class_indptr.astype(np.int64)
        self.bins = model.class_bins.astype(np.int64)
        self.extra: list[IntArray] = []
        self.n = model.n_classes

    def add(self, lists_indptr: IntArray, lists_bins: IntArray) -> IntArray:
        """Append classes given as CSR; returns their numbers."""
        k = len(lists_indptr) - 1
        first = self.n + sum(len(x) - 1 for x in self.extra[::2])
        self.extra += [lists_indptr, lists_bins]
        return first + np.arange(k, dtype=np.int64)

    def singles(self, bins: IntArray) -> IntArray:
        """Class numbers of ``{b}`` for each (unique) bin."""
        b = np.asarray(bins, dtype=np.int64)
        return self.add(np.arange(len(b) + 1, dtype=np.int64), b)

    def minus(self, classes: IntArray, bins: IntArray) -> IntArray:
        """Class numbers of ``class - {bin}`` per (unique) pair; -1 where that is empty."""
        sizes = (self.indptr[classes + 1] - self.indptr[classes]).astype(np.int64)
        members = self.bins[_ranges(self.indptr[classes], sizes)]
        owner = np.repeat(np.arange(len(classes), dtype=np.int64), sizes)
        keep = members != np.repeat(bins, sizes)
        left = np.bincount(owner[keep], minlength=len(classes)).astype(np.int64)
        nonempty = left > 0
        # classes are numbered in the order of the non-empty pairs
        kept_owner = owner[keep]
        kept_bins = members[keep]
        sel = nonempty[kept_owner]
        indptr = np.concatenate([[0], np.cumsum(left[nonempty])]).astype(np.int64)
        numbers = self.add(indptr, kept_bins[sel])
        out = np.full(len(classes), -1, dtype=np.int64)
        out[nonempty] = numbers
        return out

    def csr(self) -> tuple[IntArray, IntArray]:
        indptr, bins = self.indptr, self.bins
        for ip, bs in zip(self.extra[::2], self.extra[1::2], strict=True):
            indptr = np.concatenate([indptr, indptr[-1] + ip[1:]]).astype(np.int64)
            bins = np.concatenate([bins, bs]).astype(np.int64)
        return indptr, bins


def _rows(
    rows: tuple[SideConstraint, ...], src: IntArray, pin_arcs: IntArray, pin_bins: IntArray
) -> list[SideConstraint]:
    """The side rows over the new arcs (each new arc takes its source arc's coefficient),
    the pins' terms moved into the constants."""
    order = np.argsort(src, kind="stable").astype(np.int64)
    s_sorted = src[order]
    out = []
    for r in rows:  # one pass per row (units), each vectorised over its arcs
        arcs = r.arcs.astype(np.int64)
        lo = np.searchsorted(s_sorted, arcs, "left")
        cnt = (np.searchsorted(s_sorted, arcs, "right") - lo).astype(np.int64)
        new_arcs = order[_ranges(lo.astype(np.int64), cnt)]
        coef = np.repeat(r.arc_coef.astype(np.int64), cnt)
        const = int(r.constant)
        if len(pin_arcs) and len(arcs):
            o = np.argsort(arcs)
            at = np.minimum(np.searchsorted(arcs[o], pin_arcs), len(arcs) - 1)
            hit = arcs[o][at] == pin_arcs
            const += int(r.arc_coef[o][at][hit].sum())
        if len(pin_bins) and len(r.in_bins):
            ib = r.in_bins.astype(np.int64)
            o = np.argsort(ib)
            at = np.minimum(np.searchsorted(ib[o], pin_bins), len(ib) - 1)
            hit = ib[o][at] == pin_bins
            const += int(r.in_coef[o][at][hit].sum())
        out.append(SideConstraint(r.rule, r.subject, new_arcs, coef, r.in_bins, r.in_coef, const, r.lo, r.hi))
    return out


def compile_revision(
    problem: Problem,
    base: Compiled,
    draft_to: npt.ArrayLike,
    mode: npt.ArrayLike,
    request_to: npt.ArrayLike,
    *,
    change_cost: float,
    request_cost: float,
) -> RevisionCompiled:
    """The engine model of a revision (see the module docstring).

    Parameters
    ----------
    problem : Problem
        The problem the draft was made for.
    base : Compiled
        ``compile_problem(problem)``.
    draft_to : array-like of int
        Per employee, the position after the draft (the current one when it stays).
    mode : array-like of int
        Per employee: :data:`SILENT`, :data:`LOCK`, :data:`PIN` or :data:`REQUEST`.
    request_to : array-like of int
        Per employee, the position a request asks for (-1 without a request).
    change_cost : float
        Price of changing a silent employee's outcome (>= 0).
    request_cost : float
        Price of refusing a request (>= 0): the policy's ``preference_weight``.

    Returns
    -------
    RevisionCompiled

    Raises
    ------
    ValueError
        A draft move the compiled rules do not allow (an employee who may not move, or not
        to that position), naming the employees.
    """
    m = base.model
    eg = base.employee_group
    home = problem.employee_position.astype(np.int64)
    n = problem.n_employees
    draft = np.asarray(draft_to, dtype=np.int64).copy()
    mode_: IntArray = np.asarray(mode, dtype=np.int64).copy()
    req_to = np.asarray(request_to, dtype=np.int64).copy()
    cc, pw = float(change_cost), float(request_cost)
    grouped = eg >= 0
    moves = draft != home

    # the arc that reaches each draft target, and each request's target
    need_x = moves & (mode_ != LOCK)
    bad = need_x & ~grouped
    a_x = np.full(n, -1, dtype=np.int64)
    q = np.flatnonzero(need_x & grouped)
    a_x[q] = _arc_into(m, eg[q], draft[q])
    bad |= need_x & grouped & (a_x < 0)
    if bad.any():
        ids = ", ".join(map(str, problem.employee_index[np.flatnonzero(bad)][:10]))
        raise ValueError(f"the draft moves employees the rules do not let move there: {ids}")
    is_req = mode_ == REQUEST
    a_t = np.full(n, -1, dtype=np.int64)
    q = np.flatnonzero(is_req & grouped & (req_to >= 0) & (req_to != home))
    a_t[q] = _arc_into(m, eg[q], req_to[q])
    reachable = is_req & (req_to >= 0) & ((req_to == home) | (req_to == draft) | (a_t >= 0))
    # a request refused outright, or asking for the draft outcome: the draft outcome, held
    settle = is_req & (~reachable | (req_to == draft) | ~grouped)
    refused_outright = int((is_req & ~reachable).sum())  # refused whatever the plan: pw each
    mode_[settle] = np.where(moves[settle], PIN, LOCK)
    mode_[(mode_ == PIN) & ~moves] = LOCK
    lock = grouped & (mode_ == LOCK)
    pin = grouped & (mode_ == PIN)

    nb = m.n_bins
    fixed = (
        m.fixed.astype(np.int64)
        + np.bincount(home[lock], minlength=nb).astype(np.int64)
        + np.bincount(draft[pin], minlength=nb).astype(np.int64)
    )
    offset = float(m.offset) + pw * refused_outright
    pins = np.flatnonzero(pin)
    offset += float(np.sum(m.move_cost + m.arc_cost[a_x[pins]]))

    # the revision's groups: (parent group, kind, draft target, requester)
    member = grouped & ((mode_ == SILENT) | (mode_ == REQUEST))
    mem = np.flatnonzero(member)
    kind = np.where(mode_[mem] == REQUEST, 2, np.where(moves[mem], 1, 0)).astype(np.int64)
    keys = pd.DataFrame(
        {
            "g": eg[mem],
            "kind": kind,
            "x": np.where(kind == 1, draft[mem], -1),
            "e": np.where(kind == 2, mem, -1),
        }
    )
    sub = keys.groupby(list(keys.columns), sort=True).ngroup().to_numpy(np.int64) if len(mem) else mem
    n_sub = int(sub.max()) + 1 if len(sub) else 0
    first = np.zeros(n_sub, dtype=np.int64)
    first[sub[::-1]] = mem[::-1]
    s_parent = eg[first]
    s_kind = np.zeros(n_sub, dtype=np.int64)
    s_kind[sub] = kind
    s_size = np.bincount(sub, minlength=n_sub).astype(np.int64)
    s_home = home[first].copy()
    employee_group = np.full(n, -1, dtype=np.int64)
    employee_group[mem] = sub

    classes = _NewClasses(m)
    ticks = m.ticks()
    order = np.argsort(m.arc_group, kind="stable").astype(np.int64)
    g_start = np.searchsorted(m.arc_group[order], np.arange(m.n_groups + 1)).astype(np.int64)

    # silent groups (kinds 0 and 1): every arc of the parent
    copy = np.flatnonzero(s_kind < 2)
    cnt = g_start[s_parent[copy] + 1] - g_start[s_parent[copy]]
    c_src = order[_ranges(g_start[s_parent[copy]], cnt)]
    c_grp = np.repeat(copy, cnt)
    c_cls = m.arc_class[c_src].astype(np.int64)
    c_cost = m.arc_cost[c_src] + np.where(s_kind[c_grp] == 0, cc, 0.0)
    # kind 1: the draft target X only through its own arc {X}
    x_of = np.where(s_kind == 1, draft[first], -1)
    k1 = s_kind[c_grp] == 1
    holds = np.zeros(len(c_src), dtype=bool)
    if k1.any():
        holds[k1] = m.class_holds(c_cls[k1], x_of[c_grp[k1]])
    if holds.any():
        cx = np.stack([c_cls[holds], x_of[c_grp[holds]]], axis=1).astype(np.int64)
        uniq, inv = np.unique(cx, axis=0, return_inverse=True)
        less = classes.minus(uniq[:, 0], uniq[:, 1])
        c_cls[holds] = less[inv.ravel()]
    keep = c_cls >= 0
    c_src, c_grp, c_cls, c_cost = c_src[keep], c_grp[keep], c_cls[keep], c_cost[keep]

    # the single-bin arcs: silent draft targets, requests' two outcomes
    k1g = np.flatnonzero(s_kind == 1)
    x_src = a_x[first[k1g]]
    x_cost = m.arc_cost[x_src] - cc
    offset += cc * float(s_size[k1g].sum())
    k2g = np.flatnonzero(s_kind == 2)
    re = first[k2g]
    r_moves, r_home_t = moves[re], req_to[re] == home[re]
    # request, draft stays: T at its price less pw, pw in the offset
    a1 = k2g[~r_moves]
    offset += pw * len(a1)
    # request, draft moves to X: X at its price plus pw; T (unless home) at its price
    a2 = k2g[r_moves]
    a3 = k2g[r_moves & ~r_home_t]
    s_home[a3] = -1  # both outcomes are moves: it must move
    single_bins = np.concatenate([draft[first[k1g]], req_to[first[a1]], draft[first[a2]], req_to[first[a3]]])
    ub, inv = np.unique(single_bins, return_inverse=True)
    single = classes.singles(ub)[inv.ravel()]
    s_grp = np.concatenate([k1g, a1, a2, a3])
    s_src = np.concatenate([x_src, a_t[first[a1]], a_x[first[a2]], a_t[first[a3]]])
    s_cost = np.concatenate(
        [x_cost, m.arc_cost[a_t[first[a1]]] - pw, m.arc_cost[a_x[first[a2]]] + pw, m.arc_cost[a_t[first[a3]]]]
    )

    arc_group = np.concatenate([c_grp, s_grp]).astype(np.int64)
    arc_class = np.concatenate([c_cls, single]).astype(np.int64)
    arc_cost = np.concatenate([c_cost, s_cost]).astype(float)
    src = np.concatenate([c_src, s_src]).astype(np.int64)
    indptr, class_bins = classes.csr()

    # spouse pairs: both still free -> a pair; one held -> arc costs (or bounds) of the other
    side = list(_rows(m.side, src, a_x[pins], draft[pins]))
    pairs: list[Pair] = []
    block = m.bin_block
    final = np.where(pin, draft, home)
    if m.pairs:
        assert block is not None
        arc_block = block[class_bins[indptr[arc_class]]]
        drop = np.zeros(len(arc_group), dtype=bool)
        for p, (e1, e2) in zip(m.pairs, base.pair_employees, strict=True):
            s1, s2 = int(employee_group[e1]), int(employee_group[e2])
            hard = not np.isfinite(p.weight)
            if s1 >= 0 and s2 >= 0:
                pairs.append(Pair(p.rule, p.subject, s1, s2, p.weight))
                continue
            if s1 < 0 and s2 < 0:
                if block[final[e1]] != block[final[e2]]:
                    if hard:
                        e0 = np.zeros(0, dtype=np.int64)
                        side.append(SideConstraint(p.rule, p.subject, e0, e0, e0, e0, 1, None, 0))
                    else:
                        offset += float(p.weight)
                continue
            s, held = (s1, e2) if s1 >= 0 else (s2, e1)
            u = block[final[held]]
            mine = arc_group == s
            apart = mine & (arc_block != u)
            if hard:
                drop |= apart
                if s_home[s] >= 0 and block[s_home[s]] != u:
                    s_home[s] = -1
            else:
                w = float(p.weight)
                arc_cost[apart] += w
                if s_home[s] >= 0 and block[s_home[s]] != u:  # staying is apart: priced, folded
                    offset += w
                    arc_cost[mine] -= w
        if drop.any():
            keep = ~drop
            old_to_new = np.cumsum(keep) - 1
            arc_group, arc_class, arc_cost, src = arc_group[keep], arc_class[keep], arc_cost[keep], src[keep]
            side = [
                SideConstraint(
                    r.rule,
                    r.subject,
                    old_to_new[r.arcs[keep[r.arcs]]],
                    r.arc_coef[keep[r.arcs]],
                    r.in_bins,
                    r.in_coef,
                    r.constant,
                    r.lo,
                    r.hi,
                )
                for r in side
            ]
    max_moves = m.max_moves
    if max_moves is not None:
        max_moves = int(max_moves) - len(pins)
        if max_moves < 0:
            e0 = np.zeros(0, dtype=np.int64)
            side.append(
                SideConstraint(
                    "max_moves", "accepted moves", e0, e0, e0, e0, len(pins), None, int(m.max_moves or 0)
                )
            )
            max_moves = 0
    arc_tick = ticks[src] if len(src) else np.zeros(0, dtype=np.int64)
    model = AssignmentModel(
        target=m.target,
        weight=m.weight,
        min_staff=m.min_staff,
        max_staff=m.max_staff,
        fixed=fixed,
        group_size=s_size,
        group_home=s_home,
        class_indptr=indptr,
        class_bins=class_bins,
        arc_group=arc_group,
        arc_class=arc_class,
        arc_cost=arc_cost,
        arc_tick=arc_tick.astype(np.int64) if len(np.unique(arc_tick)) > 1 else None,
        move_cost=m.move_cost,
        max_moves=max_moves,
        side=tuple(side),
        pairs=tuple(pairs),
        bin_block=block if pairs else None,
        offset=offset,
    )
    comp = Compiled(model, base.eligibility, employee_group, [], base.wishes)
    return RevisionCompiled(comp, mode_, pins, draft[pins], reachable)
