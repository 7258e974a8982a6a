"""The rule ``voluntary_first``: a non-volunteer moves only when no volunteer of the same
position who stays could take the move at no higher objective (see :mod:`.verifier`)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from .frames import _Bool, _few, _Int, _levels
from .movers import _check_mover_rules, _Movers
from .objective import _overdue, _shortfall, _wish_cost
from .people import _Context
from .report import _Found


def _swap_not_worse(
    ctx: _Context,
    swap: tuple[_Int, _Int, _Int, _Int],
    after_pos: _Int,
    spouses: tuple[_Int, _Int],
    asks: pd.DataFrame,
    cover_after: npt.NDArray[np.int64],
) -> _Bool:
    """Whether volunteer ``v[i]`` may take the move of non-volunteer ``n[i]`` from ``p[i]`` to
    ``t[i]`` (``n`` stays, ``v`` moves) without making the plan worse.

    The swap keeps the staffing, the number of moves and every cap. It may change the
    preferences, fit and rotation terms, the spouse pairs of ``n`` (``v`` has no spouse link)
    and the coverage of the two units: the swap counts when the objective does not rise, no
    spouse pair of ``n`` is newly split under ``spouses_hard``, and no coverage item of the two
    units falls below its count through it.
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
    parts = (
        float(pol.preference_weight) * d_pref,
        float(pol.fit_weight) * d_fit,
        float(pol.rotation_weight) * d_rot,
        float(pol.spouse_weight) * d_sp,
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
) -> None:
    """voluntary_first: a non-volunteer moves from P to T only if no volunteer of P who stays
    could make the same move (movable, fit for T, allowed to T by their preferences, no spouse
    link) without making the plan worse (see :func:`_swap_not_worse`)."""
    people = ctx.people
    cur_pos, after_pos = positions
    if not ctx.policy.voluntary_first or not people.volunteer.any():
        return
    linked = np.zeros(len(cur_pos), dtype=bool)
    linked[people.link_a] = True
    linked[people.link_b] = True
    vol = np.flatnonzero(people.volunteer & (after_pos == cur_pos) & ~linked & (cur_pos >= 0))
    m = np.flatnonzero(~people.volunteer[mv.emp] & (mv.frm >= 0))
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
    could[c] = _swap_not_worse(ctx, swap, after_pos, spouses, asks, cover_after)
    names = pd.Series(ctx.emp_id[cv[could]], dtype=object).groupby(cm[could], sort=True).agg(list)
    k = names.index.to_numpy(dtype=np.intp)
    msgs = [
        f"{mv.who[i]} is not a volunteer, but {'volunteers' if len(vs) > 1 else 'volunteer'} "
        f"{_few(vs)} of the same position {ctx.pid[mv.frm[i]]}, who {'stay' if len(vs) > 1 else 'stays'}, "
        "could make this move instead at no higher objective"
        for i, vs in zip(k, names, strict=True)
    ]
    mv.add(found, "voluntary_first", k, msgs)
