"""The LP relaxation of a side-constrained model on the aggregated network, and a safe bound.

The compact MIP of :mod:`.highs` has one column per arc and bin (37 million on a
90,000-employee province), far too many for an LP solver. Its LP relaxation, with the pairs
left out, is bounded below by the LP of the *network* of :mod:`.flow`, where groups with the
same move arcs share one signature node:

* ``y[g]`` units of group ``g`` leaving home, ``0 .. size`` (``= size`` for an unplaced group);
* ``w[S, c]`` units of signature ``S`` into class ``c`` at ``move_cost + arc_cost``;
* ``v[c, b]`` units of class ``c`` into its bin ``b``;
* ``s[b]`` staff and ``z[b]`` the staffing cost's epigraph (lines through consecutive
  integer levels near the target and the current staff: below the convex cost elsewhere);
* conservation at bins, signatures and class hubs, the budget, and every side row.

A side row must then be written on these columns. Each row's coefficient on an arc of group
``g`` is split into a part constant over the group's arcs (on ``y[g]``; e.g. a cap on moves
out of a unit, or a qualified unit leaving a unit with a coverage row) and a residual (on
``w``; e.g. a qualified unit entering that unit). Groups of one flow signature whose residuals
differ arc by arc get signatures of their own, so the aggregation is exact: every plan of the
model is a flow of this LP at the same or a higher cost (pairs cost nothing here), and the
LP's optimum is a lower bound.

The LP has millions of signature-class columns on a province (4.9 million at 90,000
employees), too many for HiGHS at once, so it is solved by **column generation**: a restricted
LP (the columns of the given plans, elastic slacks on the rows that may need moves) is solved,
every column is priced with its duals in numpy, the most negative ones are added (warm start),
until none is left. Then staffing lines are added where the LP's staff left the listed levels
(row generation), and the columns are priced again. HiGHS's clock is shared by these rounds.

The bound reported is not HiGHS's objective value but the *safe* bound of Neumaier and
Shcherbina, recomputed in numpy from HiGHS's row duals ``y``: with the reduced costs
``d = c - A^T y``, every point with ``rl <= A x <= ru`` and ``l <= x <= u`` has
``c x >= sum_r min(y_r rl_r, y_r ru_r) + sum_j min(d_j l_j, d_j u_j)``, whatever ``y``
(each column has finite bounds, so a slightly infeasible dual costs a hair of the bound,
never its validity; a signature's class columns together count as at most its units, the
Lasdon bound, so a restricted LP's duals already bound). The same terms give
**reduced-cost fixing**: a plan of objective below ``U`` uses an arc-bin pair only if the
positive reduced costs of its path (``y[g]``, ``w[S, c]``, ``v[c, b]``) sum to less than
``U - bound`` (:meth:`NetLP.pair_rc`; ``tests/test_netlp.py`` checks it on every plan of
random tiny models).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt

from ..clock import in_deterministic_search
from ..control import current
from ..model import AssignmentModel, EngineSolution
from .flow import _mix, _signatures
from .highs import _new_highs
from .safe_bound import _ranges, _safe_colwise, safe_bound

__all__ = ["NetLP", "network_lp", "safe_bound"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Staff levels listed beyond a bin's target and current staff (the lines continue beyond).
_LEVEL_MARGIN = 2


@dataclass
class NetLP:
    """The network LP's outcome.

    Attributes
    ----------
    status : str
        HiGHS's model status (``Optimal``, ``Time limit reached``, ...).
    bound : float
        The safe lower bound on the model's optimum (``-inf`` without duals).
    value : float
        HiGHS's objective value (for information; not a proven bound).
    arc_rc : ndarray of float
        Per model arc, the positive reduced costs of ``y[g]`` and ``w[S, c]`` (the group
        leaving home and entering the class).
    entry_rc : ndarray of float
        Per class-bin entry (``class_bins`` order), the positive reduced cost of ``v[c, b]``.
    side_dual : ndarray of float
        HiGHS's dual of every side row.
    columns, rows : int
        The LP's size.
    seconds : float
        Wall seconds (build and solve).
    rounds : int
        LP solves (column generation rounds).
    priced_columns, signature_arcs : int
        Signature-class columns in the last restricted LP, and in the whole LP.
    support : ndarray of bool, optional
        Per model arc, whether the last LP's solution moves units of its group on it (the
        arcs of a sub-MIP that looks for a plan near the LP's optimum).
    """

    status: str
    bound: float
    value: float
    arc_rc: FloatArray
    entry_rc: FloatArray
    side_dual: FloatArray
    columns: int
    rows: int
    seconds: float
    rounds: int = 0
    priced_columns: int = 0
    signature_arcs: int = 0
    support: BoolArray | None = None

    def pair_rc(self, model: AssignmentModel, arcs: IntArray, bins: IntArray) -> FloatArray:
        """The reduced cost of one unit moving on ``arcs[i]`` into ``bins[i]`` (vectorised).

        Parameters
        ----------
        model : AssignmentModel
            The model the LP was built for.
        arcs, bins : ndarray of int
            Arc-bin pairs (each bin in the arc's class).

        Returns
        -------
        ndarray of float
            ``arc_rc[a] + entry_rc[(class(a), b)]``.
        """
        cls = model.arc_class[arcs]
        pos = _entry_position(model, cls, bins)
        return np.asarray(self.arc_rc[arcs] + self.entry_rc[pos], dtype=float)


def _entry_position(model: AssignmentModel, classes: IntArray, bins: IntArray) -> IntArray:
    """Position in ``class_bins`` of bin ``bins[i]`` in class ``classes[i]`` (it must be there)."""
    start = model.class_indptr[classes]
    size = model.class_indptr[classes + 1] - start
    if not len(classes) or int(size.max()) == 1:
        return start.astype(np.int64)
    cls_of = np.repeat(np.arange(model.n_classes, dtype=np.int64), np.diff(model.class_indptr))
    key = cls_of * (model.n_bins + 1) + model.class_bins
    order = np.argsort(key, kind="stable")
    q = classes.astype(np.int64) * (model.n_bins + 1) + bins
    return order[np.searchsorted(key[order], q)].astype(np.int64)


def network_lp(
    model: AssignmentModel,
    *,
    deadline: float,
    plans: Sequence[EngineSolution] = (),
    add_per_round: int = 100_000,
    max_rounds: int = 30,
) -> NetLP | None:
    """Build and solve the network LP of a model with side rows (see the module docstring).

    Parameters
    ----------
    model : AssignmentModel
        A flow-shaped model (no loads); its side rows, budget and staffing bounds are kept,
        its pairs left out.
    deadline : float
        Absolute :func:`time.perf_counter` value; HiGHS stops there (the best duals so far
        still give a valid, weaker bound).
    plans : sequence of EngineSolution
        Plans whose arcs start the column generation (e.g. the relaxation's).
    add_per_round : int
        Most signature-class columns of negative reduced cost added per round.
    max_rounds : int
        Most rounds in a deterministic search (no wall clock there).

    Returns
    -------
    NetLP or None
        ``None`` when the model has loads or no time is left.
    """
    t0 = time.perf_counter()
    if not model.flow_shaped or (not in_deterministic_search() and deadline - t0 < 1.0):
        return None
    nb, ng = model.n_bins, model.n_groups
    sig = _signatures(model)
    arc_group = model.arc_group.astype(np.int64, copy=False)
    n_arcs_g = np.bincount(arc_group, minlength=ng).astype(np.int64)
    order = sig.order
    gstart = sig.group_start

    def arcs_of(groups: IntArray) -> tuple[IntArray, IntArray]:
        """All arcs of ``groups`` (group by group) and, per arc, its index into ``groups``."""
        cnt = n_arcs_g[groups]
        rep = np.repeat(np.arange(len(groups), dtype=np.int64), cnt)
        at = np.repeat(gstart[groups] - (np.cumsum(cnt) - cnt), cnt) + np.arange(
            int(cnt.sum()), dtype=np.int64
        )
        return (at if order is None else order[at]), rep

    # --- the side rows split into a per-group constant and per-arc residuals
    n_rows = len(model.side)
    r_idx = np.concatenate(
        [np.full(len(r.arcs), k, dtype=np.int64) for k, r in enumerate(model.side)] or [np.zeros(0, np.int64)]
    )
    r_arc = np.concatenate([r.arcs for r in model.side] or [np.zeros(0, np.int64)]).astype(np.int64)
    r_coef = np.concatenate([r.arc_coef for r in model.side] or [np.zeros(0, np.int64)]).astype(np.int64)
    r_grp = arc_group[r_arc]
    key = r_idx * ng + r_grp
    o = np.argsort(key, kind="stable")
    key, r_arc, r_coef, r_idx, r_grp = key[o], r_arc[o], r_coef[o], r_idx[o], r_grp[o]
    del o
    uk, first, count = np.unique(key, return_index=True, return_counts=True)
    kmin_c = np.minimum.reduceat(r_coef, first) if len(first) else np.zeros(0, np.int64)
    kmax_c = np.maximum.reduceat(r_coef, first) if len(first) else np.zeros(0, np.int64)
    k_row, k_grp = uk // ng, uk % ng
    full = count == n_arcs_g[k_grp]
    const = np.where(full, kmin_c, np.minimum(kmin_c, 0)).astype(np.int64)
    uniform = full & (kmin_c == kmax_c)  # every arc of the group the same: the constant only
    # residual entries: listed arcs (coef - const) and, where const != 0, the group's unlisted
    # arcs (-const); summed per (row, arc)
    lk = np.repeat(~uniform, count)
    res_row = [r_idx[lk]]
    res_arc = [r_arc[lk]]
    res_val = [r_coef[lk] - np.repeat(const, count)[lk]]
    extra = np.flatnonzero(~uniform & (const != 0) & ~full)
    if len(extra):
        ea, ei = arcs_of(k_grp[extra])
        # the listed arcs of those (row, group) already carry coef - const: only unlisted ones
        sel_key = uk[extra]
        mark = np.isin(key, sel_key)
        listed = (r_idx[mark] * np.int64(len(model.arc_group)) + r_arc[mark]).astype(np.int64)
        cand = k_row[extra][ei] * np.int64(len(model.arc_group)) + ea
        unl = ~np.isin(cand, listed)
        res_row.append(k_row[extra][ei][unl])
        res_arc.append(ea[unl])
        res_val.append(-const[extra][ei][unl])
    e_row = np.concatenate(res_row)
    e_arc = np.concatenate(res_arc)
    e_val = np.concatenate(res_val).astype(np.int64)
    nz = e_val != 0
    e_row, e_arc, e_val = e_row[nz], e_arc[nz], e_val[nz]
    c_sel = const != 0
    c_row, c_grp, c_val = k_row[c_sel], k_grp[c_sel], const[c_sel]
    del key, r_arc, r_coef, r_idx, r_grp, uk, first, count, kmin_c, kmax_c, k_row, k_grp, lk
    # --- per arc: a hash of its residuals; per group: of its arcs' hashes by rank
    n_arcs = len(model.arc_group)
    h_arc = np.zeros(n_arcs, dtype=np.uint64)
    with np.errstate(over="ignore"):
        if len(e_arc):
            hv = _mix(
                e_row.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
                + (e_val + (1 << 20)).astype(np.uint64)
            )
            np.add.at(h_arc, e_arc, hv)
            del hv
        moving = sig.moving_groups
        touched = np.zeros(ng, dtype=bool)
        touched[arc_group[e_arc]] = True
        tg = np.flatnonzero(touched)
        g_hash = np.zeros(ng, dtype=np.uint64)
        if len(tg):
            ta, ti = arcs_of(tg)
            rank = (
                np.arange(len(ta), dtype=np.int64)
                - np.repeat(np.cumsum(n_arcs_g[tg]) - n_arcs_g[tg], n_arcs_g[tg])
            ).astype(np.uint64)
            hv = _mix(h_arc[ta] + rank * np.uint64(0x165667B19E3779F9) + np.uint64(7))
            g_hash[tg] = np.add.reduceat(hv, np.cumsum(n_arcs_g[tg]) - n_arcs_g[tg])
            del ta, ti, rank, hv
    frame = np.rec.fromarrays([sig.sig_of[moving], g_hash[moving]])
    _, rep_first, inv = np.unique(frame, return_index=True, return_inverse=True)
    inv = inv.ravel().astype(np.int64)
    cand = moving[rep_first[inv]]
    # verify arc by arc (hash collisions): a group that differs keeps a signature of its own
    if len(tg):
        diff = moving[cand != moving]
        diff = diff[touched[diff] | touched[cand[cand != moving]]]
        if len(diff):
            cd = cand[np.searchsorted(moving, diff)]
            a1, _ = arcs_of(diff)
            a2, _ = arcs_of(cd)
            same = h_arc[a1] == h_arc[a2]
            bad = ~np.logical_and.reduceat(same, np.cumsum(n_arcs_g[diff]) - n_arcs_g[diff])
            cand[np.searchsorted(moving, diff[bad])] = diff[bad]
    reps, lsig_m = np.unique(cand, return_inverse=True)
    lsig_of = np.full(ng, -1, dtype=np.int64)
    lsig_of[moving] = lsig_m.ravel()
    n_ls = len(reps)
    ls_size = np.bincount(lsig_of[moving], weights=model.group_size[moving], minlength=n_ls)
    w_arc, w_ls = arcs_of(reps)  # the representatives' arcs: one w column each
    n_w = len(w_arc)
    w_start = np.concatenate([[0], np.cumsum(n_arcs_g[reps])]).astype(np.int64)
    del g_hash, touched

    # --- bins: staff range and listed levels
    init = model.initial_staff().astype(np.int64)
    n_units = model.n_units
    kmin = np.maximum(model.min_staff, model.fixed).astype(np.int64)
    into_class = np.bincount(
        model.arc_class, weights=model.group_size[arc_group].astype(float), minlength=model.n_classes
    )
    cls_of = np.repeat(np.arange(model.n_classes, dtype=np.int64), np.diff(model.class_indptr))
    reach = init + np.bincount(model.class_bins, weights=into_class[cls_of], minlength=nb).astype(np.int64)
    kmax = np.minimum(np.where(model.max_staff >= 0, model.max_staff, n_units), np.minimum(reach, n_units))
    kmax = np.maximum(kmax, kmin).astype(np.int64)
    costly = np.isfinite(model.weight)
    zb = np.flatnonzero(costly & (kmax > kmin))
    t = model.target
    lo_l = np.clip(np.minimum(np.floor(t), init) - _LEVEL_MARGIN, kmin, kmax).astype(np.int64)
    hi_l = np.clip(np.maximum(np.ceil(t), init) + _LEVEL_MARGIN, kmin, kmax).astype(np.int64)
    hi_l = np.maximum(hi_l, np.minimum(lo_l + 1, kmax))
    lo_l = np.minimum(lo_l, hi_l - 1)

    def f(b: IntArray, k: npt.ArrayLike) -> FloatArray:
        return np.asarray((np.asarray(k, dtype=float) - t[b]) ** 2 / model.weight[b], dtype=float)

    # --- columns: y (moving groups), w, v (class-bin entries), s (bins), z (costly ranged bins)
    n_y = len(moving)
    y0, w0 = 0, n_y
    v0 = w0 + n_w
    n_v = len(model.class_bins)
    s0 = v0 + n_v
    z0 = s0 + nb
    n_cols = z0 + len(zb)
    placed_m = model.group_home[moving] >= 0
    size_m = model.group_size[moving].astype(float)
    zlo = np.minimum(
        f(zb, np.clip(np.floor(t[zb]), kmin[zb], kmax[zb])),
        f(zb, np.clip(np.ceil(t[zb]), kmin[zb], kmax[zb])),
    )
    zhi = np.maximum(f(zb, kmin[zb]), f(zb, kmax[zb]))
    cost = np.concatenate(
        [
            np.zeros(n_y),
            model.move_cost + model.arc_cost[w_arc],
            np.zeros(n_v),
            np.zeros(nb),
            np.ones(len(zb)),
        ]
    )
    col_lo = np.concatenate(
        [np.where(placed_m, 0.0, size_m), np.zeros(n_w), np.zeros(n_v), kmin.astype(float), zlo]
    )
    v_hi = into_class[cls_of]
    col_hi = np.concatenate([size_m, ls_size[w_ls], v_hi, kmax.astype(float), zhi])
    ypos = np.full(ng, -1, dtype=np.int64)
    ypos[moving] = np.arange(n_y, dtype=np.int64)

    rr: list[IntArray] = []
    rc: list[IntArray] = []
    rv: list[FloatArray] = []
    rlo: list[FloatArray] = []
    rhi: list[FloatArray] = []
    n_r = 0

    def add(r: IntArray, c: IntArray, v: npt.ArrayLike, lo: npt.ArrayLike, hi: npt.ArrayLike, n: int) -> None:
        nonlocal n_r
        rr.append(np.asarray(r, dtype=np.int64) + n_r)
        rc.append(np.asarray(c, dtype=np.int64))
        rv.append(np.broadcast_to(np.asarray(v, dtype=float), np.shape(r)).astype(float))
        rlo.append(np.broadcast_to(np.asarray(lo, dtype=float), (n,)).astype(float))
        rhi.append(np.broadcast_to(np.asarray(hi, dtype=float), (n,)).astype(float))
        n_r += n

    # bins: s_b + (units of b's groups leaving) - (units entering) = initial staff
    home_m = model.group_home[moving]
    pm = np.flatnonzero(placed_m)
    add(
        np.concatenate([np.arange(nb), home_m[pm], model.class_bins]),
        np.concatenate([s0 + np.arange(nb), y0 + pm, v0 + np.arange(n_v)]),
        np.concatenate([np.ones(nb), np.ones(len(pm)), -np.ones(n_v)]),
        init,
        init,
        nb,
    )
    # signatures: groups in = arcs out
    add(
        np.concatenate([lsig_of[moving], w_ls]),
        np.concatenate([y0 + np.arange(n_y), w0 + np.arange(n_w)]),
        np.concatenate([np.ones(n_y), -np.ones(n_w)]),
        0.0,
        0.0,
        n_ls,
    )
    # class hubs: arcs in = bins out
    add(
        np.concatenate([model.arc_class[w_arc], cls_of]),
        np.concatenate([w0 + np.arange(n_w), v0 + np.arange(n_v)]),
        np.concatenate([np.ones(n_w), -np.ones(n_v)]),
        0.0,
        0.0,
        model.n_classes,
    )
    # staffing lines z - slope s >= f(k) - slope k: rows of their own, added to HiGHS after the
    # others, and more of them wherever the LP's staff leaves the listed levels
    n_cut = (hi_l[zb] - lo_l[zb]).astype(np.int64)
    cut_b = np.repeat(zb, n_cut)
    cut_k = np.repeat(lo_l[zb], n_cut) + (
        np.arange(int(n_cut.sum())) - np.repeat(np.cumsum(n_cut) - n_cut, n_cut)
    )
    zpos = np.full(nb, -1, dtype=np.int64)
    zpos[zb] = z0 + np.arange(len(zb))
    side0 = n_r
    if model.side:
        # w coefficients: the representatives' residuals, found by each residual's (group, rank)
        w_of_arc = np.full(n_arcs, -1, dtype=np.int64)
        w_of_arc[w_arc] = np.arange(n_w, dtype=np.int64)
        # a residual of a non-representative group counts through its representative's arc
        e_w = w_of_arc[e_arc]
        keep = e_w >= 0
        in_r = np.concatenate([np.full(len(r.in_bins), k, dtype=np.int64) for k, r in enumerate(model.side)])
        in_b = np.concatenate([r.in_bins for r in model.side]).astype(np.int64)
        in_c = np.concatenate([r.in_coef for r in model.side]).astype(float)
        # an inflow term on bin b applies to every v[c, b]
        o_b = np.argsort(model.class_bins, kind="stable")
        b_start = np.searchsorted(model.class_bins[o_b], np.arange(nb + 1))
        nbn = b_start[in_b + 1] - b_start[in_b]
        ev = o_b[
            np.repeat(b_start[in_b], nbn) + (np.arange(int(nbn.sum())) - np.repeat(np.cumsum(nbn) - nbn, nbn))
        ]
        s_const = np.array([r.constant for r in model.side], dtype=float)
        s_lo = np.array([-np.inf if r.lo is None else r.lo for r in model.side], dtype=float) - s_const
        s_hi = np.array([np.inf if r.hi is None else r.hi for r in model.side], dtype=float) - s_const
        gy = ypos[c_grp]
        add(
            np.concatenate([c_row[gy >= 0], e_row[keep], np.repeat(in_r, nbn)]),
            np.concatenate([y0 + gy[gy >= 0], w0 + e_w[keep], v0 + ev]),
            np.concatenate([c_val[gy >= 0].astype(float), e_val[keep].astype(float), np.repeat(in_c, nbn)]),
            s_lo,
            s_hi,
            n_rows,
        )
    if model.max_moves is not None:
        add(np.zeros(len(pm), dtype=np.int64), y0 + pm, 1.0, -np.inf, float(model.max_moves), 1)
    del h_arc, e_row, e_arc, e_val, c_row, c_grp, c_val
    r_all = np.concatenate(rr)
    c_all = np.concatenate(rc)
    v_all = np.concatenate(rv)
    rr.clear()
    rc.clear()
    rv.clear()
    # column-wise, duplicates summed
    keyc = c_all * np.int64(n_r) + r_all
    del r_all, c_all
    uniq, inv2 = np.unique(keyc, return_inverse=True)
    del keyc
    val = np.bincount(inv2.ravel(), weights=v_all, minlength=len(uniq))
    del inv2, v_all
    nzv = val != 0
    uniq, val = uniq[nzv], val[nzv]
    nz_col, nz_row = uniq // n_r, uniq % n_r
    del uniq
    col_start = np.searchsorted(nz_col, np.arange(n_cols + 1)).astype(np.int64)
    row_lo = np.concatenate(rlo)
    row_hi = np.concatenate(rhi)
    single = costly & (kmax == kmin)
    offset = float(model.offset + np.sum(f(np.flatnonzero(single), kmin[single])))

    # --- column generation over the w columns, from the given plans' arcs
    active = np.ones(n_cols, dtype=bool)
    active[w0:v0] = False
    rank_all = np.empty(n_arcs, dtype=np.int64)
    ordered = np.arange(n_arcs, dtype=np.int64) if order is None else order
    rank_all[ordered] = np.arange(n_arcs, dtype=np.int64) - np.repeat(gstart[:-1], n_arcs_g)
    ls_arc = lsig_of[arc_group]
    wcol = np.where(ls_arc >= 0, w_start[ls_arc.clip(0)] + rank_all, -1)
    del rank_all, ls_arc
    for plan in plans:
        if plan.move_arc is not None and len(plan.move_arc):
            wc = wcol[plan.move_arc]
            active[w0 + wc[wc >= 0]] = True

    def columns(sel: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
        cnt = col_start[sel + 1] - col_start[sel]
        at = np.repeat(col_start[sel] - (np.cumsum(cnt) - cnt), cnt) + np.arange(
            int(cnt.sum()), dtype=np.int64
        )
        return np.concatenate([[0], np.cumsum(cnt)]).astype(np.int64), nz_row[at], val[at]

    sel = np.flatnonzero(active)
    s_, i_, v_ = columns(sel)
    # elastic slacks (restricted LP only), so that it always has a point:
    big = 1e4 * max(1.0, float(np.max(np.abs(cost), initial=0.0)))
    # on the bins, the signatures (unplaced groups) and the side rows, both ways
    el_rows = np.concatenate([np.arange(nb + n_ls), side0 + np.arange(n_rows)]).astype(np.int64)
    n_sl = 2 * len(el_rows)
    sl_rows = np.concatenate([el_rows, el_rows])
    sl_val = np.concatenate([np.ones(len(el_rows)), -np.ones(len(el_rows))])
    lp = highspy.HighsLp()
    lp.num_col_ = len(sel) + n_sl
    lp.num_row_ = n_r
    lp.col_cost_ = np.concatenate([cost[sel], np.full(n_sl, big)])
    lp.col_lower_ = np.concatenate([col_lo[sel], np.zeros(n_sl)])
    lp.col_upper_ = np.concatenate([col_hi[sel], np.full(n_sl, highspy.kHighsInf)])
    lp.row_lower_ = np.where(np.isfinite(row_lo), row_lo, -highspy.kHighsInf)
    lp.row_upper_ = np.where(np.isfinite(row_hi), row_hi, highspy.kHighsInf)
    lp.offset_ = offset
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = len(sel) + n_sl
    lp.a_matrix_.num_row_ = n_r
    lp.a_matrix_.start_ = np.concatenate([s_, s_[-1] + 1 + np.arange(n_sl)]).astype(np.int32)
    lp.a_matrix_.index_ = np.concatenate([i_, sl_rows]).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate([v_, sl_val])
    del s_, i_, v_
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 0)
    deterministic = in_deterministic_search()

    stop = current()  # this solve's stop, whichever thread HiGHS calls back from

    def interrupt(e: object) -> None:
        if stop.stopped() or (not deterministic and time.perf_counter() > deadline):
            e.interrupt()  # type: ignore[attr-defined]

    h.passModel(lp)
    h.cbSimplexInterrupt.subscribe(interrupt)
    first_sel = sel.copy()  # HiGHS's first columns: every column but the signature-class ones
    cuts_b: list[IntArray] = []
    cuts_k: list[IntArray] = []

    def add_cuts(b: IntArray, k: IntArray) -> None:
        f0 = f(b, k)
        slope = f(b, k + 1) - f0
        n = len(b)
        zh = np.searchsorted(first_sel, zpos[b])
        sh = np.searchsorted(first_sel, s0 + b)
        idx = np.stack([zh, sh], axis=1).ravel().astype(np.int32)
        vals = np.stack([np.ones(n), -slope], axis=1).ravel()
        h.addRows(n, f0 - slope * k, np.full(n, highspy.kHighsInf), 2 * n,
                  np.arange(0, 2 * n, 2, dtype=np.int32), idx, vals)  # fmt: skip
        cuts_b.append(b)
        cuts_k.append(k)

    add_cuts(cut_b, cut_k)
    hcols = np.concatenate([sel, np.full(n_sl, -1, dtype=np.int64)])  # HiGHS's columns: full column or slack
    best_bound, best_d, best_y = -np.inf, np.zeros(n_cols), np.zeros(n_r)
    x_full = np.zeros(n_cols)
    status, value, rounds = "not run", float("nan"), 0
    sign = 0.0
    while True:
        if not deterministic:
            left = deadline - time.perf_counter()
            if left <= 0.05:
                break
            # HiGHS counts its time limit on the clock of all its runs so far
            h.setOptionValue("time_limit", float(h.getRunTime() + left))
        h.run()
        rounds += 1
        status = h.modelStatusToString(h.getModelStatus())
        solution = h.getSolution()
        if not solution.dual_valid:
            break
        y = np.asarray(solution.row_dual, dtype=float)
        value = float(h.getInfo().objective_function_value)
        if sign == 0.0:  # HiGHS's sign convention (col_dual = c - A^T y), checked on its columns
            real = (hcols >= 0) & (hcols < s0)  # (staff and cost columns meet the cuts too)
            cd = np.asarray(solution.col_dual, dtype=float)[: len(hcols)][real]
            _, dp = _safe_colwise(
                cost, col_lo, col_hi, col_start, nz_row, val, row_lo, row_hi, y[:n_r], offset
            )
            _, dm = _safe_colwise(
                cost, col_lo, col_hi, col_start, nz_row, val, row_lo, row_hi, -y[:n_r], offset
            )
            sign = 1.0 if np.abs(dp[hcols[real]] - cd).max() <= np.abs(dm[hcols[real]] - cd).max() else -1.0
        y = sign * y
        cb_all, ck_all = np.concatenate(cuts_b), np.concatenate(cuts_k)
        c_f0 = f(cb_all, ck_all)
        c_slope = f(cb_all, ck_all + 1) - c_f0
        b, d = _safe_colwise(
            cost, col_lo, col_hi, col_start, nz_row, val, row_lo, row_hi, y[:n_r], offset,
            (zpos[cb_all], s0 + cb_all, c_slope, c_f0 - c_slope * ck_all, y[n_r:]),
            (w0, w_start, ls_size.astype(float)),
        )  # fmt: skip
        if b > best_bound:
            best_bound, best_d, best_y = b, d, y
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        xv = np.asarray(solution.col_value, dtype=float)  # the last optimal restricted LP's point
        real = hcols >= 0
        x_full = np.zeros(n_cols)
        x_full[hcols[real]] = xv[real]
        cand = np.flatnonzero(~active & (d < -1e-9))
        cand = cand[(cand >= w0) & (cand < v0)]
        # the LP's staff beyond the listed levels: the lines there under-estimate; list more
        sv = x_full[s0 + zb]
        up = sv > hi_l[zb] + 1e-7
        down = sv < lo_l[zb] - 1e-7
        # (once the columns have converged: each bound on the way is valid, and the first
        # converged one comes soonest this way)
        if not len(cand) and (up.any() or down.any()):
            new_hi = np.where(up, np.minimum(kmax[zb], np.ceil(sv - 1e-7).astype(np.int64) + 2), hi_l[zb])
            new_lo = np.where(down, np.maximum(kmin[zb], np.floor(sv + 1e-7).astype(np.int64) - 2), lo_l[zb])
            n_up = new_hi - hi_l[zb]
            n_dn = lo_l[zb] - new_lo
            nb_ = np.concatenate([np.repeat(zb, n_up), np.repeat(zb, n_dn)])
            nk_ = np.concatenate([_ranges(hi_l[zb], n_up), _ranges(new_lo, n_dn)]).astype(np.int64)
            hi_l[zb], lo_l[zb] = new_hi, new_lo
            if len(nb_):
                add_cuts(nb_.astype(np.int64), nk_)
                if deterministic and rounds >= max_rounds:
                    break
                continue
        if not len(cand) or (deterministic and rounds >= max_rounds):
            break
        if len(cand) > add_per_round:
            cand = cand[np.argpartition(d[cand], add_per_round)[:add_per_round]]
        cand = np.sort(cand)
        active[cand] = True
        s_, i_, v_ = columns(cand)
        h.addCols(
            len(cand),
            cost[cand],
            col_lo[cand],
            col_hi[cand],
            len(i_),
            s_[:-1].astype(np.int32),
            i_.astype(np.int32),
            v_,
        )
        hcols = np.concatenate([hcols, cand])
    dpos = np.maximum(best_d, 0.0)
    ypos_arc = ypos[arc_group]
    arc_rc = np.where(
        wcol >= 0, dpos[y0 + ypos_arc.clip(0)] * placed_m[ypos_arc.clip(0)] + dpos[w0 + wcol.clip(0)], np.inf
    )
    # the last LP's support: arcs whose group leaves home and whose signature column carries flow
    support = (wcol >= 0) & (x_full[y0 + ypos_arc.clip(0)] > 1e-9) & (x_full[w0 + wcol.clip(0)] > 1e-9)
    return NetLP(
        status,
        best_bound,
        value,
        arc_rc,
        dpos[v0 : v0 + n_v],
        best_y[side0 : side0 + n_rows],
        n_cols,
        n_r,
        time.perf_counter() - t0,
        rounds,
        int(active[w0:v0].sum()),
        n_w,
        support,
    )
