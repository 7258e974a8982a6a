"""The rule ``voluntary_first``: a non-volunteer moves only when no volunteer of the same
position who stays could take the move at no higher objective (see :mod:`.verifier`).

A revised plan (``asn-balance revise``) records its consultation round: who answered and
how their answer ended (``revision.outcomes``), the silent employees whose draft outcome
changed (``revision.changed``), the price of such a change (``change_cost``) and the hash
of the draft's moves (``draft_sha256``). Its objective is the plan's plus ``change_cost``
per silent employee whose outcome differs from the draft's, and its answers settle their
employees' outcomes (an accept or an overruled objection pins the draft outcome, an
objection keeps the employee home, a request ends at its position or the draft's). The
rule is then judged as the round left it open: between employees who did not answer, and
at no higher objective of the revision (the change costs of the swap included). The record
is used only when it describes the plan checked: every row's current and revised position
are the employee's, and the draft it implies (the answers' and the changed rows'
``draft_position``, everybody else's position after the plan) hashes to ``draft_sha256``.
Otherwise the plain rule applies and a note says why.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .frames import _Bool, _few, _Float, _Int, _levels
from .movers import _check_mover_rules, _Movers
from .objective import _overdue, _shortfall, _wish_cost
from .people import _Context
from .report import _Found

_REVISION = " of the revision (its change costs included; neither answered the notice)"


@dataclass(frozen=True)
class _Round:
    """A consultation round as a revised plan records it, per employee."""

    answered: _Bool  # answered the notice: their outcome is settled by the answer
    draft: _Int  # position after the draft
    change_cost: float  # price of a silent employee's outcome changed from the draft's


def _moves_hash(emp_id: npt.NDArray[np.object_], pid: npt.NDArray[np.object_], e: _Int, t: _Int) -> str:
    """SHA-256 of a plan's moves, as a revision records its draft's (``draft_sha256``)."""
    rows = sorted(zip((str(x) for x in emp_id[e]), (str(x) for x in pid[t]), strict=True))
    text = "asn-balance moves v1\n" + "".join(f"{a}\t{b}\n" for a, b in rows)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _round_of(
    record: Mapping[str, Any] | None, ctx: _Context, cur_pos: _Int, after_pos: _Int
) -> tuple[_Round | None, str | None]:
    """The round a revised plan records, or ``None`` and why it cannot be used (``None``
    too for a plan that records no round)."""
    if record is None:
        return None, None
    why = "the plan's revision record does not describe it ({}): voluntary_first checked without it"
    outcomes, changed = record.get("outcomes"), record.get("changed", [])
    cc, sha = record.get("change_cost"), record.get("draft_sha256")
    if not isinstance(outcomes, list) or not isinstance(changed, list):
        return None, why.format("no outcomes and changed lists")
    if isinstance(cc, bool) or not isinstance(cc, (int, float)) or not (math.isfinite(cc) and cc >= 0):
        return None, why.format("no change_cost >= 0")
    if not isinstance(sha, str):
        return None, why.format("no draft_sha256")
    if not all(isinstance(r, Mapping) for r in [*outcomes, *changed]):
        return None, why.format("a row is not a table row")
    cols = ["employee_id", "from_position", "draft_position", "revised_position"]
    emp_ix, pos_ix = pd.Index(ctx.emp_id, dtype=object), pd.Index(ctx.pid, dtype=object)
    n = len(cur_pos)
    draft = after_pos.astype(np.intp).copy()
    answered = np.zeros(n, dtype=bool)
    for rows, is_answer in ((outcomes, True), (changed, False)):
        frame = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols, dtype=object)
        e = emp_ix.get_indexer(pd.Index(frame["employee_id"].astype(str), dtype=object))
        f, d, v = (pos_ix.get_indexer(pd.Index(frame[c].astype(str), dtype=object)) for c in cols[1:])
        if np.any(e < 0) or np.any(d < 0):
            return None, why.format("an employee or a draft position unknown here")
        if np.any(f != cur_pos[e]) or np.any(v != after_pos[e]):
            return None, why.format("a current or revised position is not the employee's")
        if len(np.unique(e)) < len(e) or np.any(answered[e]) or (not is_answer and np.any(d == v)):
            return None, why.format("an employee twice, or a change that is none")
        draft[e] = d
        answered[e] = is_answer
    moved = np.flatnonzero(draft != cur_pos)
    if _moves_hash(ctx.emp_id, ctx.pid, moved, draft[moved]) != sha:
        return None, why.format("the draft it implies does not hash to its draft_sha256")
    return _Round(answered, draft, float(cc)), None


def _swap_not_worse(
    ctx: _Context,
    swap: tuple[_Int, _Int, _Int, _Int],
    after_pos: _Int,
    spouses: tuple[_Int, _Int],
    asks: pd.DataFrame,
    cover_after: npt.NDArray[np.int64],
    round_: _Round | None = None,
) -> _Bool:
    """Whether volunteer ``v[i]`` may take the move of non-volunteer ``n[i]`` from ``p[i]`` to
    ``t[i]`` (``n`` stays, ``v`` moves) without making the plan worse.

    The swap keeps the staffing, the number of moves and every cap. It may change the
    preferences, fit and rotation terms, the spouse pairs of ``n`` (``v`` has no spouse link)
    and the coverage of the two units: the swap counts when the objective does not rise, no
    spouse pair of ``n`` is newly split under ``spouses_hard``, and no coverage item of the two
    units falls below its count through it. In a revision (``round_``) the objective is the
    revision's: ``change_cost`` per employee whose outcome differs from the draft's.
    """
    n, v, p, t = swap
    pol, people, unit, size = ctx.policy, ctx.people, ctx.unit, len(n)
    # preferences: the volunteer no longer stays (1) but meets the target's cost; n stays free
    d_pref = _wish_cost(people, v, t, ctx.pid, unit) - 1.0 - _wish_cost(people, n, t, ctx.pid, unit)
    d_fit = _shortfall(ctx, v, t) - _shortfall(ctx, n, t)
    overdue = _overdue(ctx)
    d_rot = overdue[n].astype(float) - overdue[v].astype(float)
    # n's spouse pairs: n in t's unit with the plan, in p's unit with the swap
    a, b = spouses
    partner = pd.DataFrame({"x": np.concatenate([a, b]), "s": np.concatenate([b, a])})
    links = pd.DataFrame({"c": np.arange(size), "x": n}).merge(partner, on="x")
    c = links["c"].to_numpy(dtype=np.intp)
    s_unit = unit[after_pos[links["s"].to_numpy(dtype=np.intp)]]
    apart_now, apart_swap = s_unit != unit[t[c]], s_unit != unit[p[c]]
    d_sp = np.bincount(c, weights=apart_swap.astype(float) - apart_now.astype(float), minlength=size)
    split = np.zeros(size, dtype=bool)
    if pol.spouses_hard:
        split[c[apart_swap & ~apart_now]] = True
    d_change: _Float = np.zeros(size, dtype=float)
    if round_ is not None:  # n back home, v to t: their outcomes against the draft's
        dn, dv = round_.draft[n], round_.draft[v]
        d_change = ((p != dn).astype(float) - (t != dn)) + ((t != dv).astype(float) - (p != dv))
    parts = (
        float(pol.preference_weight) * d_pref,
        float(pol.fit_weight) * d_fit,
        float(pol.rotation_weight) * d_rot,
        float(pol.spouse_weight) * d_sp,
        (round_.change_cost if round_ is not None else 0.0) * d_change,
    )
    delta = np.sum(parts, axis=0)
    tolerance = 1e-9 * (1.0 + np.sum(np.abs(parts), axis=0))
    # coverage: n comes back to p's unit and v leaves it; the reverse in t's unit
    uncovered = np.zeros(size, dtype=bool)
    if len(asks):
        items = asks.assign(item=np.arange(len(asks)))[["item", "unit", "comp", "level", "count"]]
        cross = np.flatnonzero(unit[p] != unit[t])
        for side, sign in ((p, 1), (t, -1)):
            q = pd.DataFrame({"c": cross, "unit": unit[side[cross]]}).merge(items, on="unit")
            qc = q["c"].to_numpy(dtype=np.intp)
            comp, level = q["comp"].to_numpy(dtype=object), q["level"].to_numpy(dtype=float)
            change = sign * (
                (_levels(ctx.emp, n[qc], comp) >= level).astype(np.int64)
                - (_levels(ctx.emp, v[qc], comp) >= level).astype(np.int64)
            )
            count = cover_after[q["item"].to_numpy(dtype=np.intp)] + change
            uncovered[qc[(change < 0) & (count < q["count"].to_numpy(dtype=np.int64))]] = True
    ok: _Bool = (delta <= tolerance) & ~split & ~uncovered
    return ok


def _check_voluntary_first(
    found: _Found,
    mv: _Movers,
    ctx: _Context,
    positions: tuple[_Int, _Int],
    spouses: tuple[_Int, _Int],
    asks: pd.DataFrame,
    cover_after: npt.NDArray[np.int64],
    round_: _Round | None = None,
) -> None:
    """voluntary_first: a non-volunteer moves from P to T only if no volunteer of P who stays
    could make the same move (movable, fit for T, allowed to T by their preferences, no spouse
    link) without making the plan worse (see :func:`_swap_not_worse`). In a revision
    (``round_``) the employees who answered are left out on both sides: their answers settle
    their outcomes."""
    people = ctx.people
    cur_pos, after_pos = positions
    if not ctx.policy.voluntary_first or not people.volunteer.any():
        return
    linked = np.zeros(len(cur_pos), dtype=bool)
    linked[people.link_a] = True
    linked[people.link_b] = True
    held = round_.answered if round_ is not None else np.zeros(len(cur_pos), dtype=bool)
    vol = np.flatnonzero(people.volunteer & (after_pos == cur_pos) & ~linked & (cur_pos >= 0) & ~held)
    m = np.flatnonzero(~people.volunteer[mv.emp] & (mv.frm >= 0) & ~held[mv.emp])
    if len(vol) == 0 or len(m) == 0:
        return
    pairs = pd.DataFrame({"m": m, "p": mv.frm[m]}).merge(pd.DataFrame({"v": vol, "p": cur_pos[vol]}), on="p")
    pairs = pairs.sort_values(["m", "v"], kind="stable")
    cm = pairs["m"].to_numpy(dtype=np.intp)
    cv = pairs["v"].to_numpy(dtype=np.intp)
    if len(cm) == 0:
        return
    # the volunteer instead of the mover: checked by the same per-mover rules ...
    to = mv.to[cm]
    instead = _Movers(
        rows=np.arange(len(cm), dtype=np.intp),
        emp=cv,
        to=to,
        frm=cur_pos[cv],
        subject=[str(ctx.emp_id[v]) for v in cv],
        who=[f"volunteer {ctx.emp_id[v]} moved to {ctx.pid[t]}" for v, t in zip(cv, to, strict=True)],
    )
    scratch = _Found()
    _check_mover_rules(scratch, instead, ctx)
    could = np.ones(len(cm), dtype=bool)
    could[[item[1] for item in scratch.items]] = False
    # ... and by what the swap does to the objective, the spouses and the coverage
    c = np.flatnonzero(could)
    swap = (mv.emp[cm[c]], cv[c], mv.frm[cm[c]], to[c])
    could[c] = _swap_not_worse(ctx, swap, after_pos, spouses, asks, cover_after, round_)
    names = pd.Series(ctx.emp_id[cv[could]], dtype=object).groupby(cm[could], sort=True).agg(list)
    k = names.index.to_numpy(dtype=np.intp)
    msgs = [
        f"{mv.who[i]} is not a volunteer, but {'volunteers' if len(vs) > 1 else 'volunteer'} "
        f"{_few(vs)} of the same position {ctx.pid[mv.frm[i]]}, who {'stay' if len(vs) > 1 else 'stays'}, "
        f"could make this move instead at no higher objective{_REVISION if round_ is not None else ''}"
        for i, vs in zip(k, names, strict=True)
    ]
    mv.add(found, "voluntary_first", k, msgs)
