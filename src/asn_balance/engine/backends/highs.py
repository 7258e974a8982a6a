"""HiGHS on the compact MIP of an assignment model with side rows and pairs.

The MIP (built from numpy arrays, no Python loop over arcs or entries):

* ``x[e]`` integer, one per *entry* ``e = (a, b)``: arc ``a`` and a bin ``b`` of its class
  other than the group's home (a unit sent "home" through a class simply stays), bounds
  ``0..group_size`` (binary for single-unit groups);
* group rows ``sum_{e of g} x[e] <= size_g`` (``=`` for an unplaced group);
* ``s[b]`` (continuous, integral at integral ``x``) ``= home units - moves out + moves in``,
  within ``max(min_staff, fixed) .. min(max_staff, units that can reach b)``;
* the convex staffing cost by an epigraph variable ``z[b]`` and the lines through
  consecutive integer staff levels ``z >= f(k) + (f(k+1) - f(k)) (s - k)``, exact at integer
  staff. Only the levels near the bin's target, current staff and start plan are listed
  (a relaxation: the line beyond the listed ones under-estimates ``f``); a plan whose staff
  leaves them gets the missing lines and is solved again (*certified cuts*);
* ``move_cost + arc_cost`` per moved unit, the budget row, every side row (an arc's
  coefficient applies to the sum of its entries, a bin's ``in_coef`` to its entries), and
  pairs by block indicators ``u[g, V]`` (``1 - moves out of the home block`` for the home
  block, ``moves into V`` otherwise): a hard pair gets ``u1[V] = u2[V]`` per block, a soft
  one a continuous ``apart >= |u1[V] - u2[V]|`` at its weight;
* loads (``arc_load``/``bin_capacity``) as one capacity row per bin.

The reported objective is recomputed exactly from the integral plan (never HiGHS's float
objective); the bound is HiGHS's dual bound less the stated tolerance (see
:func:`solve_highs`).
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import numpy.typing as npt

from ..clock import in_deterministic_search
from ..control import current, incumbent
from ..model import AssignmentModel, EngineSolution

__all__ = ["HIGHS_NODE_LIMIT", "compact_entries", "cut_levels", "solve_highs"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Branch-and-bound nodes of one HiGHS run in a deterministic search (no wall clock there).
HIGHS_NODE_LIMIT = 5000

#: Staff levels listed on either side of a bin's target, current staff and start plan.
_CUT_MARGIN = 2

#: HiGHS's primal feasibility tolerance used here; the stated tolerance scales it.
_FEAS_TOL = 1e-7

#: HiGHS's relative MIP gap: half the engine's proof tolerance (budget.PROOF_TOL = 1e-6).
_MIP_REL_GAP = 5e-7


_BANNER_LOCK = threading.Lock()
_banner_shown = [False]


def _new_highs() -> Any:
    """A silent ``highspy.Highs``. The first one of a process prints HiGHS's banner on the C
    stdout before any option can be set; it goes to ``/dev/null`` (a CLI's stdout may be JSON)."""
    if _banner_shown[0]:
        return highspy.Highs()  # type: ignore[no-untyped-call]
    with _BANNER_LOCK:
        if _banner_shown[0]:
            return highspy.Highs()  # type: ignore[no-untyped-call]
        try:
            sys.stdout.flush()
            saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
        except (OSError, ValueError, AttributeError):
            _banner_shown[0] = True
            return highspy.Highs()  # type: ignore[no-untyped-call]
        os.dup2(null, 1)
        try:
            h = highspy.Highs()  # type: ignore[no-untyped-call]
            with contextlib.suppress(OSError, AttributeError):
                ctypes.CDLL(None).fflush(None)  # the banner out of C's buffer, into /dev/null
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
            _banner_shown[0] = True
        return h


def compact_entries(model: AssignmentModel) -> int:
    """Integer columns of the compact MIP: arc-bin pairs (an arc's class may hold many bins).

    Parameters
    ----------
    model : AssignmentModel
        The model.

    Returns
    -------
    int
        ``sum over arcs of the size of the arc's class`` (an upper bound on the columns).
    """
    return int(np.diff(model.class_indptr)[model.arc_class].sum()) if len(model.arc_class) else 0


@dataclass
class _Entries:
    arc: IntArray  # arc of each entry
    bin: IntArray  # bin of each entry
    group: IntArray  # group of each entry
    size: IntArray  # group size of each entry


def _entries(model: AssignmentModel) -> _Entries:
    cnt = np.diff(model.class_indptr)[model.arc_class].astype(np.int64)
    arc = np.repeat(np.arange(len(model.arc_class), dtype=np.int64), cnt)
    first = np.repeat(np.cumsum(cnt) - cnt, cnt)
    within_class = np.arange(len(arc), dtype=np.int64) - first
    b = model.class_bins[model.class_indptr[model.arc_class][arc] + within_class].astype(np.int64)
    g = model.arc_group[arc].astype(np.int64)
    keep = model.group_home[g] != b  # a move home is a stay
    arc, b, g = arc[keep], b[keep], g[keep]
    return _Entries(arc, b, g, model.group_size[g].astype(np.int64))


def _f(model: AssignmentModel, b: IntArray, k: npt.ArrayLike) -> FloatArray:
    return np.asarray((np.asarray(k, dtype=float) - model.target[b]) ** 2 / model.weight[b], dtype=float)


class _Rows:
    """Rows as COO triplets, summed and sorted into a row-wise CSR matrix at the end."""

    def __init__(self) -> None:
        self.r: list[IntArray] = []
        self.c: list[IntArray] = []
        self.v: list[FloatArray] = []
        self.lo: list[FloatArray] = []
        self.hi: list[FloatArray] = []
        self.n = 0

    def add(
        self,
        r: IntArray,
        c: IntArray,
        v: npt.ArrayLike,
        lo: npt.ArrayLike,
        hi: npt.ArrayLike,
        count: int | None = None,
    ) -> None:
        """Rows ``self.n + r`` (``r`` local, ``0..count-1``) with entries ``(c, v)``; ``count``
        rows (default ``len(lo)``), ``lo`` and ``hi`` broadcast to them."""
        n = len(np.atleast_1d(lo)) if count is None else int(count)
        self.r.append(np.asarray(r, dtype=np.int64) + self.n)
        self.c.append(np.asarray(c, dtype=np.int64))
        self.v.append(np.broadcast_to(np.asarray(v, dtype=float), np.shape(r)).astype(float))
        self.lo.append(np.broadcast_to(np.asarray(lo, dtype=float), (n,)).astype(float))
        self.hi.append(np.broadcast_to(np.asarray(hi, dtype=float), (n,)).astype(float))
        self.n += n

    def csr(self, n_cols: int) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray]:
        r = np.concatenate(self.r) if self.r else np.zeros(0, dtype=np.int64)
        c = np.concatenate(self.c) if self.c else np.zeros(0, dtype=np.int64)
        v = np.concatenate(self.v) if self.v else np.zeros(0)
        key = r * n_cols + c
        uniq, inv = np.unique(key, return_inverse=True)
        val = np.bincount(inv, weights=v, minlength=len(uniq))
        nz = val != 0
        uniq, val = uniq[nz], val[nz]
        rows, cols = uniq // n_cols, uniq % n_cols
        start = np.searchsorted(rows, np.arange(self.n + 1)).astype(np.int64)
        lo = np.concatenate(self.lo) if self.lo else np.zeros(0)
        hi = np.concatenate(self.hi) if self.hi else np.zeros(0)
        return start, cols, val, lo, hi


@dataclass
class _Mip:
    lp: Any  # highspy.HighsLp
    ent: _Entries
    n_x: int
    s0: int  # first staff column
    z_col: IntArray  # epigraph column per bin (-1: none)
    cut_lo: IntArray  # listed staff levels per bin: cut_lo .. cut_hi
    cut_hi: IntArray
    kmin: IntArray
    kmax: IntArray
    n_rows: int


def cut_levels(
    model: AssignmentModel, kmin: IntArray, kmax: IntArray, hint: EngineSolution | None
) -> tuple[IntArray, IntArray]:
    """The staff levels whose cost lines the compact MIP lists, per bin: from ``_CUT_MARGIN``
    below to ``_CUT_MARGIN`` above the target, the current staff and the start plan's staff,
    within the bin's staff range ``[kmin, kmax]``."""
    init = model.initial_staff()
    anchor_lo = np.minimum(np.floor(model.target).astype(np.int64), init)
    anchor_hi = np.maximum(np.ceil(model.target).astype(np.int64), init)
    if hint is not None and hint.status in ("optimal", "feasible"):
        anchor_lo = np.minimum(anchor_lo, hint.staff)
        anchor_hi = np.maximum(anchor_hi, hint.staff)
    return np.maximum(anchor_lo - _CUT_MARGIN, kmin), np.minimum(anchor_hi + _CUT_MARGIN, kmax)


def _staff_range(model: AssignmentModel, ent: _Entries) -> tuple[IntArray, IntArray]:
    n_units = model.n_units
    lo = np.maximum(model.min_staff, model.fixed).astype(np.int64)
    hi = np.where(model.max_staff >= 0, model.max_staff, n_units).astype(np.int64)
    reach = model.initial_staff().astype(np.int64)
    np.add.at(reach, ent.bin, ent.size)
    return lo, np.minimum(hi, reach)


def _build(model: AssignmentModel, ent: _Entries, cut_lo: IntArray, cut_hi: IntArray) -> _Mip:
    nb = model.n_bins
    n_x = len(ent.arc)
    kmin, kmax = _staff_range(model, ent)
    costly = np.isfinite(model.weight)
    ranged = costly & (kmax > kmin)
    z_col = np.full(nb, -1, dtype=np.int64)
    zb = np.flatnonzero(ranged)
    s0 = n_x
    z0 = s0 + nb
    z_col[zb] = z0 + np.arange(len(zb))
    soft = [k for k, p in enumerate(model.pairs) if np.isfinite(p.weight)]
    a0 = z0 + len(zb)
    n_cols = a0 + len(soft)
    placed = model.group_home >= 0

    unit_price = (model.move_cost + model.arc_cost)[ent.arc]
    cost = np.concatenate([unit_price, np.zeros(nb), np.ones(len(zb)), [model.pairs[k].weight for k in soft]])
    col_lo = np.concatenate([np.zeros(n_x), kmin.astype(float), np.zeros(len(zb)), np.zeros(len(soft))])
    zmin = np.zeros(len(zb))
    if len(zb):  # the least staffing cost over the bin's integer range (convex: near the target)
        t = model.target[zb]
        cand = np.stack([np.clip(np.floor(t), kmin[zb], kmax[zb]), np.clip(np.ceil(t), kmin[zb], kmax[zb])])
        zmin = np.min(np.stack([_f(model, zb, cand[0]), _f(model, zb, cand[1])]), axis=0)
        col_lo[z0 : z0 + len(zb)] = zmin
    col_hi = np.concatenate(
        [ent.size.astype(float), kmax.astype(float), np.full(len(zb), highspy.kHighsInf), np.ones(len(soft))]
    )
    rows = _Rows()
    # group rows (groups with several entries, and unplaced groups: all their units move)
    groups, g_inv, g_count = np.unique(ent.group, return_inverse=True, return_counts=True)
    need_row = (g_count > 1) | ~placed[groups]
    if need_row.any():
        local = np.cumsum(need_row) - 1
        sel = need_row[g_inv]
        size = model.group_size[groups[need_row]].astype(float)
        rows.add(
            local[g_inv[sel]],
            np.flatnonzero(sel),
            1.0,
            np.where(placed[groups[need_row]], -np.inf, size),
            size,
        )
    # staff rows: s_b - inflow_b + outflow_b = home units
    e_idx = np.arange(n_x, dtype=np.int64)
    home = model.group_home[ent.group]
    out = home >= 0
    rows.add(
        np.concatenate([np.arange(nb), ent.bin, home[out]]),
        np.concatenate([s0 + np.arange(nb), e_idx, e_idx[out]]),
        np.concatenate([np.ones(nb), -np.ones(n_x), np.ones(int(out.sum()))]),
        model.initial_staff().astype(float),
        model.initial_staff().astype(float),
    )
    # staffing cuts z - slope s >= f(k) - slope k for k = cut_lo .. cut_hi - 1
    lo_c = np.maximum(cut_lo[zb], kmin[zb])
    hi_c = np.minimum(np.maximum(cut_hi[zb], lo_c + 1), kmax[zb])
    lo_c = np.minimum(lo_c, hi_c - 1)
    n_cut = (hi_c - lo_c).astype(np.int64)
    cb = np.repeat(zb, n_cut)
    ck = np.repeat(lo_c, n_cut) + (np.arange(int(n_cut.sum())) - np.repeat(np.cumsum(n_cut) - n_cut, n_cut))
    f0, f1 = _f(model, cb, ck), _f(model, cb, ck + 1)
    slope = f1 - f0
    nc = len(cb)
    rows.add(
        np.concatenate([np.arange(nc), np.arange(nc)]),
        np.concatenate([z_col[cb], s0 + cb]),
        np.concatenate([np.ones(nc), -slope]),
        f0 - slope * ck,
        np.full(nc, np.inf),
    )
    cut_lo_all = cut_lo.copy()
    cut_hi_all = cut_hi.copy()
    cut_lo_all[zb], cut_hi_all[zb] = lo_c, hi_c
    # the budget
    if model.max_moves is not None:
        rows.add(np.zeros(n_x, dtype=np.int64), e_idx, 1.0, -np.inf, float(model.max_moves))
    # side rows: arc coefficients on every entry of the arc, in_coef on every entry into the bin
    if model.side:
        a_start = np.searchsorted(ent.arc, np.arange(len(model.arc_group) + 1))
        order_b = np.argsort(ent.bin, kind="stable")
        b_start = np.searchsorted(ent.bin[order_b], np.arange(nb + 1))
        r_arc = np.concatenate([np.full(len(r.arcs), k) for k, r in enumerate(model.side)])
        arcs = np.concatenate([r.arcs for r in model.side]).astype(np.int64)
        coef = np.concatenate([r.arc_coef for r in model.side]).astype(float)
        r_in = np.concatenate([np.full(len(r.in_bins), k) for k, r in enumerate(model.side)])
        bins = np.concatenate([r.in_bins for r in model.side]).astype(np.int64)
        icoef = np.concatenate([r.in_coef for r in model.side]).astype(float)
        na = a_start[arcs + 1] - a_start[arcs]
        ea = np.repeat(a_start[arcs], na) + (np.arange(int(na.sum())) - np.repeat(np.cumsum(na) - na, na))
        nbn = b_start[bins + 1] - b_start[bins]
        eb = order_b[
            np.repeat(b_start[bins], nbn) + (np.arange(int(nbn.sum())) - np.repeat(np.cumsum(nbn) - nbn, nbn))
        ]
        const = np.array([r.constant for r in model.side], dtype=float)
        lo = np.array([-np.inf if r.lo is None else r.lo for r in model.side], dtype=float) - const
        hi = np.array([np.inf if r.hi is None else r.hi for r in model.side], dtype=float) - const
        rows.add(
            np.concatenate([np.repeat(r_arc, na), np.repeat(r_in, nbn)]).astype(np.int64),
            np.concatenate([ea, eb]),
            np.concatenate([np.repeat(coef, na), np.repeat(icoef, nbn)]),
            lo,
            hi,
        )
    # pairs
    if model.pairs:
        _add_pairs(model, ent, rows, a0, soft)
    # loads
    if model.arc_load is not None and model.bin_capacity is not None:
        cap = model.bin_capacity.astype(float)
        fin = np.flatnonzero(np.isfinite(cap))
        pos = np.full(nb, -1, dtype=np.int64)
        pos[fin] = np.arange(len(fin))
        use = pos[ent.bin] >= 0
        rows.add(pos[ent.bin][use], e_idx[use], model.arc_load[ent.arc][use], -np.inf, cap[fin])

    start, index, value, row_lo, row_hi = rows.csr(n_cols)
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = rows.n
    lp.col_cost_ = cost
    lp.col_lower_ = col_lo
    lp.col_upper_ = col_hi
    lp.row_lower_ = np.where(np.isfinite(row_lo), row_lo, -highspy.kHighsInf)
    lp.row_upper_ = np.where(np.isfinite(row_hi), row_hi, highspy.kHighsInf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n_cols
    lp.a_matrix_.num_row_ = rows.n
    lp.a_matrix_.start_ = start.astype(np.int32)
    lp.a_matrix_.index_ = index.astype(np.int32)
    lp.a_matrix_.value_ = value
    single = costly & (kmax == kmin)
    lp.offset_ = float(model.offset + np.sum(_f(model, np.flatnonzero(single), kmin[single])))
    integrality = [highspy.HighsVarType.kInteger] * n_x + [highspy.HighsVarType.kContinuous] * (n_cols - n_x)
    lp.integrality_ = integrality
    return _Mip(lp, ent, n_x, s0, z_col, cut_lo_all, cut_hi_all, kmin, kmax, rows.n)


def _add_pairs(model: AssignmentModel, ent: _Entries, rows: _Rows, a0: int, soft: list[int]) -> None:
    """Block indicators of paired groups; ``d_V = u1[V] - u2[V]`` per block ``V``."""
    assert model.bin_block is not None
    block = model.bin_block.astype(np.int64)
    paired = np.unique([g for p in model.pairs for g in (p.first, p.second)])
    sel = np.flatnonzero(np.isin(ent.group, paired))
    by_group: dict[int, IntArray] = {int(g): sel[ent.group[sel] == g] for g in paired.tolist()}
    apart_of = {k: a0 + i for i, k in enumerate(soft)}

    def indicator(g: int) -> dict[int, tuple[float, dict[int, float]]]:
        """Block -> (constant, {entry: coefficient}) of ``u[g, V]``."""
        es = by_group[g]
        blk = block[ent.bin[es]]
        home = int(model.group_home[g])
        h = int(block[home]) if home >= 0 else None
        out: dict[int, tuple[float, dict[int, float]]] = {}
        if h is not None:
            away = es[blk != h]
            out[h] = (1.0, {int(e): -1.0 for e in away.tolist()})
        for v in np.unique(blk).tolist():
            if v != h:
                out[int(v)] = (0.0, {int(e): 1.0 for e in es[blk == v].tolist()})
        return out

    for k, p in enumerate(model.pairs):
        u1, u2 = indicator(p.first), indicator(p.second)
        hard = not np.isfinite(p.weight)
        for v in sorted(set(u1) | set(u2)):
            c1, t1 = u1.get(v, (0.0, {}))
            c2, t2 = u2.get(v, (0.0, {}))
            terms = dict(t1)
            for e, c in t2.items():
                terms[e] = terms.get(e, 0.0) - c
            const = c1 - c2
            cols = np.array(list(terms), dtype=np.int64)
            vals = np.array(list(terms.values()), dtype=float)
            if hard:  # d_V = 0
                rows.add(np.zeros(len(cols), dtype=np.int64), cols, vals, -const, -const)
            else:  # apart - d_V >= 0 and apart + d_V >= 0
                ap = np.array([apart_of[k]], dtype=np.int64)
                rows.add(
                    np.zeros(len(cols) + 1, dtype=np.int64), np.concatenate([ap, cols]),
                    np.concatenate([[1.0], -vals]), const, np.inf,
                )  # fmt: skip
                rows.add(
                    np.zeros(len(cols) + 1, dtype=np.int64), np.concatenate([ap, cols]),
                    np.concatenate([[1.0], vals]), -const, np.inf,
                )  # fmt: skip


def _start_columns(model: AssignmentModel, mip: _Mip, hint: EngineSolution) -> FloatArray | None:
    """The hint plan as a full column vector (``None`` if it uses an entry the MIP lacks)."""
    if hint.move_arc is None:
        return None
    ent = mip.ent
    nb = model.n_bins
    key = ent.arc * (nb + 1) + ent.bin  # entries are sorted by arc, then by class order
    order = np.argsort(key, kind="stable")
    want = hint.move_arc.astype(np.int64) * (nb + 1) + hint.move_bin.astype(np.int64)
    pos = np.searchsorted(key[order], want)
    pos = np.minimum(pos, max(len(order) - 1, 0))
    if len(want) and (len(order) == 0 or np.any(key[order][pos] != want)):
        return None
    x = np.zeros(mip.lp.num_col_)
    np.add.at(x, order[pos], hint.move_count.astype(float))
    staff = _staff_of(model, ent, x[: mip.n_x])
    x[mip.s0 : mip.s0 + nb] = staff
    zb = np.flatnonzero(mip.z_col >= 0)
    x[mip.z_col[zb]] = _f(model, zb, staff[zb])
    soft = [p for p in model.pairs if np.isfinite(p.weight)]
    if soft:
        assert model.bin_block is not None
        where = model.group_home.astype(np.int64).copy()
        where[hint.move_group] = hint.move_bin  # paired groups have one unit: one move at most
        a0 = mip.s0 + nb + len(zb)
        for i, p in enumerate(soft):
            b1, b2 = int(where[p.first]), int(where[p.second])
            x[a0 + i] = float(b1 < 0 or b2 < 0 or model.bin_block[b1] != model.bin_block[b2])
    return x


def _staff_of(model: AssignmentModel, ent: _Entries, xv: FloatArray) -> IntArray:
    staff = model.initial_staff().astype(np.int64)
    xi = np.rint(xv).astype(np.int64)
    np.add.at(staff, ent.bin, xi)
    home = model.group_home[ent.group]
    out = home >= 0
    np.subtract.at(staff, home[out], xi[out])
    return staff


def _tolerance(model: AssignmentModel) -> float:
    """What HiGHS's feasibility tolerance may be worth in objective units (see the docs)."""
    rows = model.n_bins + model.n_groups + len(model.side) + 2 * len(model.pairs) + 1
    price = float(np.max(np.abs(model.move_cost + model.arc_cost), initial=0.0))
    pw = max((p.weight for p in model.pairs if np.isfinite(p.weight)), default=0.0)
    return _FEAS_TOL * rows * max(1.0, price, pw)


def solve_highs(
    model: AssignmentModel,
    *,
    hint: EngineSolution | None,
    lower: float,
    deadline: float,
    progress: Callable[[float, float, float], None] | None = None,
    node_limit: int | None = None,
) -> EngineSolution:
    """Solve the model with its side rows, pairs and budget by HiGHS's MIP solver.

    Parameters
    ----------
    model : AssignmentModel
        The model (side rows, pairs, budget and loads included).
    hint : EngineSolution, optional
        A feasible plan to start from (``setSolution``); it must record ``move_arc``.
    lower : float
        A known valid lower bound (``-inf`` if none); the reported bound is the better one.
    deadline : float
        Absolute :func:`time.perf_counter` value. In a deterministic search it is ignored
        and ``node_limit`` (default :data:`HIGHS_NODE_LIMIT`) ends the search instead.
    progress : callable, optional
        ``(elapsed, objective, bound)`` at each improving solution (HiGHS's figures, of the
        MIP with the listed cuts).
    node_limit : int, optional
        Most branch-and-bound nodes per HiGHS run.

    Returns
    -------
    EngineSolution
        ``solver`` is ``highs``. ``objective`` is recomputed from the integral plan by the
        model; ``bound`` is ``max(lower, HiGHS's dual bound)``, valid up to ``tolerance``; ``status`` is
        ``optimal`` when the plan's objective is within ``PROOF_TOL`` (relative) or twice
        the tolerance of that bound, ``feasible`` otherwise, ``infeasible`` when HiGHS proves
        it, ``time_limit`` without a plan. ``stats`` records the MIP's size, HiGHS's status,
        nodes, its dual bound and the rounds of certified cuts.
    """
    t0 = time.perf_counter()
    deterministic = in_deterministic_search()
    if deterministic and node_limit is None:
        node_limit = HIGHS_NODE_LIMIT
    ent = _entries(model)
    kmin, kmax = _staff_range(model, ent)
    tol = _tolerance(model)
    empty = np.zeros(0, dtype=np.int64)
    stats: dict[str, float | int | str] = {}

    def no_plan(status: str, bound: float) -> EngineSolution:
        return EngineSolution(
            status=status, objective=float("nan"), bound=bound, tolerance=tol, staff=model.initial_staff(),
            move_group=empty, move_bin=empty, move_count=empty, seconds=time.perf_counter() - t0,
            solver="highs", stats=stats, build_seconds=build_seconds,
        )  # fmt: skip

    build_seconds = 0.0
    stuck = (model.group_home < 0) & (model.group_size > 0) & ~np.isin(np.arange(model.n_groups), ent.group)
    if np.any(kmax < kmin) or stuck.any():  # a bin's bounds, or an unplaced group with nowhere to go
        stats["highs_status"] = "bounds cannot hold"
        return no_plan("infeasible", float("nan"))
    cut_lo, cut_hi = cut_levels(model, kmin, kmax, hint)

    stop = current()  # this solve's stop, whichever thread HiGHS calls back from
    holder = incumbent()  # and its best plan so far (control.offer: the planner's on_plan)

    def interrupt(e: Any) -> None:
        if stop.stopped() or (not deterministic and time.perf_counter() > deadline):
            e.interrupt()

    def improving(e: Any) -> None:
        out = e.data_out
        if progress is not None:
            progress(time.perf_counter() - t0, float(out.objective_function_value), float(out.mip_dual_bound))
        if holder is None:
            return
        cand = _plan(model, mip, np.asarray(out.mip_solution, dtype=float), t0)  # verified, or None
        if cand is not None:
            cand.bound, cand.tolerance = (lower if math.isfinite(lower) else float("nan")), tol
            holder.offer(cand, model)

    best: EngineSolution | None = None
    start = hint if hint is not None and hint.status in ("optimal", "feasible") else None
    rounds = 0
    dual = -math.inf
    while True:
        rounds += 1
        if rounds > 1 and not deterministic and deadline - time.perf_counter() < 2.0 * build_seconds + 1.0:
            break  # another round could not be built and searched before the deadline
        tb = time.perf_counter()
        mip = _build(model, ent, cut_lo, cut_hi)
        build_seconds += time.perf_counter() - tb
        stats["highs_columns"] = int(mip.lp.num_col_)
        stats["highs_rows"] = int(mip.n_rows)
        stats["highs_integers"] = int(mip.n_x)
        stats["highs_cuts_listed"] = int(np.sum(mip.cut_hi - mip.cut_lo))
        h = _new_highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", _MIP_REL_GAP)
        h.setOptionValue("mip_abs_gap", 1e-9)
        h.setOptionValue("primal_feasibility_tolerance", _FEAS_TOL)
        h.setOptionValue("mip_feasibility_tolerance", _FEAS_TOL)
        h.setOptionValue("random_seed", 0)
        if node_limit is not None:
            h.setOptionValue("mip_max_nodes", int(node_limit))
        if not deterministic:
            left = deadline - time.perf_counter()
            if left <= 0.05:
                break
            h.setOptionValue("time_limit", float(left))
        h.passModel(mip.lp)
        if start is not None:
            cols = _start_columns(model, mip, start)
            if cols is not None:
                # HiGHS 1.16 misprices a MIP start in presolve's reduced space (its objective
                # there misses the columns presolve fixed, so the incumbent looks cheaper than
                # it is and prunes wrongly): with a start, no presolve
                h.setOptionValue("presolve", "off")
                sol0 = highspy.HighsSolution()
                sol0.col_value = cols.tolist()
                sol0.value_valid = True
                h.setSolution(sol0)

        h.cbMipInterrupt.subscribe(interrupt)
        h.cbSimplexInterrupt.subscribe(interrupt)  # a stop request during the root LP
        if progress is not None or holder is not None:
            h.cbMipImprovingSolution.subscribe(improving)
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        stats["highs_status"] = h.modelStatusToString(status)
        stats["highs_nodes"] = int(info.mip_node_count)
        stats["highs_rounds"] = rounds
        if status == highspy.HighsModelStatus.kInfeasible:
            if rounds == 1 and best is None:
                return no_plan("infeasible", float("nan"))
            break
        bound_r = float(info.mip_dual_bound)
        if mip.n_x == 0:  # no integer column: HiGHS solved an LP, whose optimum is the bound
            opt = status == highspy.HighsModelStatus.kOptimal
            bound_r = float(info.objective_function_value) if opt else -math.inf
        if math.isfinite(bound_r):
            dual = max(dual, bound_r)  # every round's MIP is a relaxation of the model
            stats["highs_dual_bound"] = dual
        if int(info.primal_solution_status) < 2:  # no feasible plan
            break
        x = np.asarray(h.getSolution().col_value, dtype=float)
        cand = _plan(model, mip, x, t0)
        if cand is not None and (best is None or cand.objective < best.objective):
            best = cand
        if cand is None:
            break
        out = (cand.staff < mip.cut_lo) | (cand.staff > mip.cut_hi)
        out &= mip.z_col >= 0
        if not out.any():
            break  # the listed cuts are exact at the plan: certified
        # the plan's staff left the listed cuts: list every level of those bins, solve again
        stats["highs_cut_misses"] = int(stats.get("highs_cut_misses", 0)) + int(out.sum())
        cut_lo[out], cut_hi[out] = kmin[out], kmax[out]
        start = best
        if deterministic and rounds >= 3:
            break
    # as computed, like every other path's bound; valid up to the stated tolerance ``tol``
    bound = max(lower, dual) if math.isfinite(dual) else lower
    if best is None:
        return no_plan("time_limit", bound)
    gap = best.objective - bound
    best.status = "optimal" if gap <= max(1e-6 * max(1.0, abs(best.objective)), 2 * tol) else "feasible"
    best.bound = bound
    best.tolerance = tol
    best.stats.update(stats)
    best.seconds = time.perf_counter() - t0
    best.build_seconds = build_seconds
    return best


def _plan(model: AssignmentModel, mip: _Mip, x: FloatArray, t0: float) -> EngineSolution | None:
    """The integral plan of HiGHS's columns, with its exact objective; ``None`` if it breaks a
    hard rule once rounded (HiGHS's tolerances let a row slip)."""
    ent = mip.ent
    xv = np.rint(x[: mip.n_x]).astype(np.int64)
    if np.any(np.abs(x[: mip.n_x] - xv) > 1e-4):
        return None
    use = np.flatnonzero(xv > 0)
    mg, mb, mc, ma = ent.group[use], ent.bin[use], xv[use], ent.arc[use]
    staff = _staff_of(model, ent, x[: mip.n_x].astype(float))
    if np.any(staff < mip.kmin) or np.any(staff > mip.kmax):
        return None
    out = np.bincount(mg, weights=mc, minlength=model.n_groups)
    placed = model.group_home >= 0
    if np.any(out > model.group_size) or np.any(out[~placed] != model.group_size[~placed]):
        return None
    moves = int(mc.sum())
    arc_total = float(np.sum(model.arc_cost[ma] * mc)) if len(mc) else 0.0
    pair_total, hard = model.pair_cost(mg, mb)
    if hard:
        return None
    sol = EngineSolution(
        status="feasible", objective=model.objective(staff, moves, arc_total, pair_total), bound=-np.inf,
        staff=staff, move_group=mg, move_bin=mb, move_count=mc, move_arc=ma,
        seconds=time.perf_counter() - t0, solver="highs", moves=moves, arc_cost_total=arc_total,
    )  # fmt: skip
    if model.max_moves is not None and moves > model.max_moves:
        return None
    if model.side:
        flow, inflow = model.plan_flows(sol)
        if not all(row.holds(flow, inflow) for row in model.side):
            return None
    if model.arc_load is not None and model.bin_capacity is not None:
        load = np.bincount(mb, weights=model.arc_load[ma] * mc, minlength=model.n_bins)
        if np.any(load > model.bin_capacity + 1e-9):
            return None
    return sol
