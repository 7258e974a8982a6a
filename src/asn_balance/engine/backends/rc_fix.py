"""Reduced-cost fixing on the compact MIP of :mod:`.highs`: its LP relaxation, a safe bound
from the LP's duals, and a sub-MIP of the arc-bin entries whose reduced costs are small.

The LP is the compact MIP of :mod:`.highs` with integrality dropped (the same columns, rows,
listed staffing lines and pairs), solved by HiGHS's dual simplex without presolve; where the
LP's staff leaves a bin's listed levels (beyond them the last line under-estimates the cost)
the missing lines are added and the LP is solved again from its basis, each round a
relaxation of the model (on the city, one LP with the levels near the targets and current
staff only gives 684.9, and 740.33 after 11 rounds in 60 s; with the repaired relaxation's
levels listed too, as the dispatcher does, 740.684 after 3 rounds in 5-10 s). Its bound
is not HiGHS's objective value but the *safe* bound of Neumaier and Shcherbina
(:func:`.safe_bound.safe_bound`), recomputed in numpy from HiGHS's row duals ``y``: with the
reduced costs ``d = c - A^T y``, every point with ``rl <= A x <= ru`` and ``l <= x <= u``
has ``c x + offset >= L := offset + sum_r min(y_r rl_r, y_r ru_r) + sum_j min(d_j l_j, d_j u_j)``,
whatever ``y`` (an interrupted LP's duals still bound). The epigraph column ``z[b]`` of a
bin's staffing cost has no upper bound in the MIP; here it gets ``max(f(kmin), f(kmax))``,
the most that ``f`` reaches on the bin's staff range, which every plan keeps.

**Why fixing is exact.** A plan of the model is a point of that box and those rows at which
``c x + offset`` is its objective (``z[b] = f(staff)``, exact at integer staff; the lines
under-estimate ``f`` between and beyond the listed levels; ``apart`` of a soft pair is 1 when
the pair is apart). Writing ``c x = y A x + d x`` and bounding each row and column term by its
minimum, each column ``j`` adds ``d_j x_j - min(d_j l_j, d_j u_j) >= 0`` above ``L``; an entry
(integer, lower bound 0) that a plan uses at least once adds at least ``d_e``. So **a plan of
objective below ``L + t`` uses no entry with ``d_e >= t``**: the sub-MIP without those entries
holds every such plan, and with ``B`` a valid bound of the sub-MIP (HiGHS's dual bound),
``max(L, min(B, L + t))`` bounds the whole model (:func:`fixed_bound`); when the sub-MIP's
optimum is below ``L + t`` and proven, it is the whole model's optimum. ``t`` is chosen
(:func:`fixing_threshold`) as ``U - L`` for the best known plan ``U`` (every better plan is
kept), or smaller when that would keep most entries: the proof then holds only if the
optimum lies below ``L + t``, and the bound is ``L + t`` otherwise.

On the 10,000-employee city with the full policy the LP takes 5-10 s on 2 shared cores and
gives 740.684 against the optimum 740.781; its support (about 1,200 entries, 14 fractional)
holds a plan of 740.790, and the entries below ``t = 0.0999`` (108,000 of 406,000) a sub-MIP
that HiGHS solves at its root in about 12 s, proving 740.781 optimal for the whole model.
Most entries' reduced costs sit at the move cost (0.1), so a larger ``t`` keeps half of them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import highspy
import numpy as np
import numpy.typing as npt

from ..clock import in_deterministic_search
from ..control import current
from ..model import AssignmentModel, EngineSolution
from .highs import _build, _entries, _f, _new_highs, _staff_range, _tolerance, cut_levels, solve_highs
from .safe_bound import _ranges, safe_bound

__all__ = ["CompactLP", "compact_lp", "fixed_bound", "fixing_threshold", "solve_fixed", "support_arcs"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class CompactLP:
    """The LP relaxation of the compact MIP and its safe bound.

    Attributes
    ----------
    status : str
        HiGHS's model status (``Optimal``, ``Time limit reached``, ...).
    bound : float
        The safe lower bound on the model's optimum (``-inf`` without duals).
    arc, bin : ndarray of int
        The MIP's integer entries: a unit moving on ``arc[e]`` into ``bin[e]``.
    reduced : ndarray of float
        Per entry, the reduced cost ``d_e`` with the duals of ``bound``: a plan that uses
        entry ``e`` has an objective of at least ``bound + d_e``.
    value : ndarray of float or None
        Per entry, the value in the last LP that HiGHS solved to optimality (``None`` if
        none: a later round's LP, with more staffing lines, may have been interrupted).
    seconds : float
        Wall seconds (build and solve).
    rounds : int
        LP solves: after each optimal one, staffing lines are added where the LP's staff left
        the listed levels (the lines under-estimate the cost there), and the LP is solved again.
    """

    status: str
    bound: float
    arc: IntArray
    bin: IntArray
    reduced: FloatArray
    value: FloatArray | None
    seconds: float
    rounds: int = 0


def compact_lp(
    model: AssignmentModel,
    hint: EngineSolution | None,
    deadline: float,
    *,
    build_seconds_per_entry: float = 0.0,
) -> CompactLP | None:
    """Solve the LP relaxation of the compact MIP and recompute its safe bound.

    Parameters
    ----------
    model : AssignmentModel
        A model with side rows, pairs or a budget (the compact MIP of :mod:`.highs`).
    hint : EngineSolution, optional
        A plan whose staff levels are listed among the staffing lines (as
        :func:`.highs.solve_highs` lists its start's): the LP is tighter near it.
    deadline : float
        Absolute :func:`time.perf_counter` value; HiGHS stops there, and the duals it has
        then still give a valid (weaker) bound. Ignored in a deterministic search.
    build_seconds_per_entry : float
        The expected seconds per (group, bin) entry of building the LP, which cannot be
        interrupted: when the build would not end before ``deadline``, nothing is built.

    Returns
    -------
    CompactLP or None
        ``None`` when a bin's staffing bounds cannot hold or no time is left.
    """
    t0 = time.perf_counter()
    deterministic = in_deterministic_search()
    if not deterministic and deadline - t0 < 0.5:
        return None
    ent = _entries(model)
    if not deterministic and build_seconds_per_entry * len(ent.bin) > deadline - time.perf_counter():
        return None
    kmin, kmax = _staff_range(model, ent)
    if np.any(kmax < kmin):
        return None
    cut_lo, cut_hi = cut_levels(model, kmin, kmax, hint)
    mip = _build(model, ent, cut_lo, cut_hi)
    lp = mip.lp
    lp.integrality_ = []
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")  # the city's LP: 5 s without presolve, 10 s with it
    h.setOptionValue("solver", "simplex")
    h.setOptionValue("random_seed", 0)
    if not deterministic:
        h.setOptionValue("time_limit", max(0.05, deadline - time.perf_counter()))
    stop = current()

    def interrupt(e: object) -> None:
        if stop.stopped() or (not deterministic and time.perf_counter() > deadline):
            e.interrupt()  # type: ignore[attr-defined]

    h.passModel(lp)
    h.cbSimplexInterrupt.subscribe(interrupt)
    n_x = mip.n_x
    zb = np.flatnonzero(mip.z_col >= 0)
    col_hi = np.asarray(lp.col_upper_, dtype=float).copy()
    col_hi[mip.z_col[zb]] = np.maximum(_f(model, zb, kmin[zb]), _f(model, zb, kmax[zb]))
    a = lp.a_matrix_
    cost, col_lo = np.asarray(lp.col_cost_, dtype=float), np.asarray(lp.col_lower_, dtype=float)
    rows = _RowsCsr(
        np.asarray(a.start_, dtype=np.int64), np.asarray(a.index_, dtype=np.int64),
        np.asarray(a.value_, dtype=float), np.asarray(lp.row_lower_, dtype=float),
        np.asarray(lp.row_upper_, dtype=float),
    )  # fmt: skip
    lo_l, hi_l = mip.cut_lo.copy(), mip.cut_hi.copy()  # the listed levels: lines exact between
    best, best_d, value, status, rounds = -math.inf, np.zeros(n_x), None, "not run", 0
    while True:
        rounds += 1
        h.run()
        status = h.modelStatusToString(h.getModelStatus())
        solution = h.getSolution()
        if not solution.dual_valid:
            break
        y = np.asarray(solution.row_dual, dtype=float)
        args = (cost, col_lo, col_hi, *rows.arrays())
        # HiGHS's sign convention of the row duals, whichever it is: both bounds are valid
        bound, d = safe_bound(*args, y, float(lp.offset_))
        other, d_other = safe_bound(*args, -y, float(lp.offset_))
        if not bound >= other:
            bound, d = other, d_other
        if bound > best:
            best, best_d = bound, d[:n_x].copy()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal or not solution.value_valid:
            break  # (an earlier round's optimum, if any, still guides the support's sub-MIP)
        x = np.asarray(solution.col_value, dtype=float)
        value = x[:n_x].copy()
        # the LP's staff beyond the listed levels, where the lines under-estimate: list more
        sv = x[mip.s0 + zb]
        new_hi = np.where(
            sv > hi_l[zb] + 1e-7, np.minimum(kmax[zb], np.ceil(sv - 1e-7).astype(np.int64) + 2), hi_l[zb]
        )
        new_lo = np.where(
            sv < lo_l[zb] - 1e-7, np.maximum(kmin[zb], np.floor(sv + 1e-7).astype(np.int64) - 2), lo_l[zb]
        )
        n_up, n_dn = new_hi - hi_l[zb], lo_l[zb] - new_lo
        if not (n_up.sum() + n_dn.sum()) or (deterministic and rounds >= 5):
            break
        if not deterministic and time.perf_counter() > deadline:
            break
        cb = np.concatenate([np.repeat(zb, n_up), np.repeat(zb, n_dn)]).astype(np.int64)
        ck = np.concatenate([_ranges(hi_l[zb], n_up), _ranges(new_lo, n_dn)]).astype(np.int64)
        hi_l[zb], lo_l[zb] = new_hi, new_lo
        f0 = _f(model, cb, ck)
        slope = _f(model, cb, ck + 1) - f0
        n = len(cb)
        idx = np.stack([mip.z_col[cb], mip.s0 + cb], axis=1).ravel()
        vals = np.stack([np.ones(n), -slope], axis=1).ravel()
        rlo = f0 - slope * ck
        h.addRows(n, rlo, np.full(n, highspy.kHighsInf), 2 * n,
                  np.arange(0, 2 * n, 2, dtype=np.int32), idx.astype(np.int32), vals)  # fmt: skip
        rows.add(idx, vals, rlo)
        if not deterministic:
            h.setOptionValue("time_limit", max(0.05, h.getRunTime() + deadline - time.perf_counter()))
    return CompactLP(status, best if math.isfinite(best) else -math.inf, ent.arc, ent.bin, best_d, value,
                     time.perf_counter() - t0, rounds)  # fmt: skip


class _RowsCsr:
    """The LP's rows as a row-wise CSR matrix, with ``>=`` rows of two entries appended."""

    def __init__(self, start: IntArray, index: IntArray, value: FloatArray, lo: FloatArray, hi: FloatArray):
        self.start, self.index, self.value, self.lo, self.hi = start, index, value, lo, hi

    def add(self, index: IntArray, value: FloatArray, lo: FloatArray) -> None:
        n = len(lo)
        self.start = np.concatenate([self.start, self.start[-1] + 2 * np.arange(1, n + 1, dtype=np.int64)])
        self.index = np.concatenate([self.index, index.astype(np.int64)])
        self.value = np.concatenate([self.value, value])
        self.lo = np.concatenate([self.lo, lo])
        self.hi = np.concatenate([self.hi, np.full(n, np.inf)])

    def arrays(self) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray]:
        return self.start, self.index, self.value, self.lo, self.hi


def support_arcs(model: AssignmentModel, lp: CompactLP) -> BoolArray:
    """Per arc, whether the LP's optimum moves units on one of its entries (none without it)."""
    keep = np.zeros(len(model.arc_group), dtype=bool)
    if lp.value is not None:
        keep[lp.arc[lp.value > 1e-9]] = True
    return keep


def fixing_threshold(lp: CompactLP, upper: float, max_share: float) -> float:
    """The threshold ``t`` of the entries a sub-MIP keeps (``d_e < t``).

    Parameters
    ----------
    lp : CompactLP
        The LP (finite bound).
    upper : float
        The objective of the best known plan: ``t = upper - bound`` keeps every plan below it.
    max_share : float
        Most entries kept, as a share of all: when ``upper - bound`` keeps more, ``t`` is
        lowered to the least reduced cost that this share leaves out (the proof of the
        sub-MIP's optimum then holds only when it lies below ``bound + t``).

    Returns
    -------
    float
        ``t`` (``inf`` keeps every entry).
    """
    t = upper - lp.bound
    n = len(lp.reduced)
    if not math.isfinite(t) or n == 0:
        return math.inf
    cap = int(max_share * n)
    if cap >= n or int(np.count_nonzero(lp.reduced < t)) <= cap:
        return float(t)
    # the cap-th smallest reduced cost, less a hair: entries tied with it (many share the
    # move cost) are all left out rather than some of them
    kth = float(np.partition(lp.reduced, cap)[cap])
    return kth - 1e-7 * max(1.0, abs(kth))


def fixed_bound(lower: float, threshold: float, sub_bound: float) -> float:
    """The whole model's bound from the sub-MIP of the entries below ``threshold``.

    Parameters
    ----------
    lower : float
        The LP's safe bound ``L``.
    threshold : float
        ``t``: the sub-MIP keeps every entry with ``d_e < t``.
    sub_bound : float
        A valid lower bound of the sub-MIP (``nan`` or ``-inf`` if none).

    Returns
    -------
    float
        ``max(L, min(B, L + t - eps))``: every plan below ``L + t`` is a plan of the
        sub-MIP, so it costs at least ``B``; every other plan at least ``L + t``. ``eps``
        (``1e-9 max(1, |L|)``) covers the rounding of ``L`` and ``d`` in floating point.
    """
    if not math.isfinite(lower):
        return lower
    if not sub_bound >= lower:  # nan, -inf or weaker than the LP
        return lower
    eps = 1e-9 * max(1.0, abs(lower))
    return max(lower, min(sub_bound, lower + threshold - eps))


def solve_fixed(
    model: AssignmentModel,
    lp: CompactLP,
    threshold: float,
    start: EngineSolution | None,
    deadline: float,
    extra: BoolArray | None = None,
) -> tuple[EngineSolution | None, float]:
    """HiGHS on the sub-MIP of the entries with reduced cost below ``threshold``.

    Parameters
    ----------
    model : AssignmentModel
        The model of ``lp``.
    lp : CompactLP
        The LP whose reduced costs choose the entries (its bound must be finite).
    threshold : float
        ``t``: entries with ``d_e < t`` are kept (:func:`fixing_threshold`); ``inf`` keeps all.
    start : EngineSolution, optional
        A plan of the model (with ``move_arc``): its arcs are kept and it starts HiGHS.
    deadline : float
        Absolute :func:`time.perf_counter` value for HiGHS.
    extra : ndarray of bool, optional
        Per arc, more arcs to keep (e.g. :func:`support_arcs`).

    Returns
    -------
    plan : EngineSolution or None
        HiGHS's plan, its arcs those of ``model`` (status ``feasible``: the verdict is the
        caller's), or ``None`` without one.
    bound : float
        A valid lower bound on the **whole** model's optimum (:func:`fixed_bound`), ``lp.bound``
        when the sub-MIP says nothing more.
    """
    keep = np.zeros(len(model.arc_group), dtype=bool)
    keep[lp.arc[lp.reduced < threshold]] = True
    if extra is not None:
        keep |= extra
    if start is not None and start.move_arc is not None:
        keep[start.move_arc] = True
    if keep.all():
        sub, old = model, np.arange(len(keep), dtype=np.int64)
        hint = start
    else:
        sub, old = model.subset(keep)
        new_of = np.full(len(keep), -1, dtype=np.int64)
        new_of[old] = np.arange(len(old), dtype=np.int64)
        hint = None
        if start is not None and start.move_arc is not None:
            hint = replace(start, move_arc=new_of[start.move_arc], stats={})
    sol = solve_highs(sub, hint=hint, lower=lp.bound, deadline=deadline)
    sub_bound = sol.bound if sol.status != "infeasible" else -math.inf  # (never: the start is in it)
    if keep.all() and math.isfinite(sub_bound):
        bound = max(lp.bound, sub_bound)  # no entry fixed: HiGHS's bound is the whole model's
    else:
        bound = fixed_bound(lp.bound, threshold, sub_bound)
    if sol.status not in ("optimal", "feasible") or sol.move_arc is None:
        return None, bound
    sol.move_arc = old[sol.move_arc]
    sol.status = "feasible"
    sol.bound = bound
    sol.tolerance = max(sol.tolerance, _tolerance(model))
    sol.stats["rcfix_kept_arcs"] = int(keep.sum())
    return sol, bound
