"""The column generation of the horizon's large models (:mod:`asn_balance.engine.horizon_large`):
its master LP over unit paths in HiGHS (:class:`_Master`), the rounds that price paths at
smoothed prices and at the master's duals (:func:`_colgen`) and the bound it gives
(:func:`colgen_bound`). The paths are priced by :mod:`asn_balance.engine.horizon_paths`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .control import stop_requested
from .horizon import _INF, FloatArray, HorizonModel, IntArray, _init
from .horizon_paths import _lagrangian

__all__ = ["colgen_bound"]


@dataclass
class _Master:
    """The master LP of :func:`_colgen`, kept for price-and-branch (:func:`price_and_branch`)."""

    h: Any
    src: IntArray  # the starting pairs, one convexity row each
    hire_tb: IntArray  # (k, 2) round and bin of each hire column
    hire_first: int  # the master column of the first hire
    art_first: int  # the first artificial column (one per staff row)
    path_first: int  # the master column of the first path
    path_src: list[IntArray] = field(default_factory=list)  # per batch, the row in ``src``
    path_bins: list[IntArray] = field(default_factory=list)  # per batch, the bin per round
    offset: float = 0.0
    seg_start: IntArray | None = None  # per staff row, its first segment column
    seg_count: IntArray | None = None  # per staff row, its segments
    seg_open: npt.NDArray[np.bool_] | None = None  # per staff row, the last segment unbounded
    lo: FloatArray | None = None  # (T, B) the least staff, the segments' origin
    seg_len: FloatArray | None = None  # per segment, its units (the last open one: to its end)
    seed_first: int = -1  # the master column of the first seeded path (-1: no seed)
    seed_units: IntArray | None = None  # units on each seeded path
    resume: Callable[[float | None], tuple[float, dict[str, Any]]] | None = None  # more rounds
    last_x: FloatArray | None = None  # the master's last LP solution (its columns then)
    last_rc: FloatArray | None = None  # and their reduced costs


def _colgen(
    m: HorizonModel,
    *,
    time_limit: float | None,
    upper: float | None,
    rel_gap: float,
    max_rounds: int,
    smooth: float | None,
    seed: tuple[IntArray, IntArray] | None = None,
    at_duals: bool = True,
) -> tuple[float, dict[str, Any], _Master]:
    """The column generation of :func:`colgen_bound`; also returns its master. ``seed``: the
    paths of a known plan (as :func:`seed_plan` reads them), in the master from the start. ``at_duals``:
    each round also price at the master's duals (not only at the smoothed point) and add the
    paths found there."""
    from .backends.highs import _new_highs

    t_start = time.perf_counter()
    T, B = m.n_rounds, m.n_bins
    starts = _init(m)
    src = np.flatnonzero(starts > 0)
    S = len(src)
    lo = np.maximum(m.min_units, m.fixed).astype(float)
    hi = np.where(m.max_units >= 0, m.max_units, np.iinfo(np.int64).max // 4).astype(float)
    hi = np.maximum(hi, lo)
    hmax = np.where(m.hire_ok, np.where(m.hire_max >= 0, m.hire_max, np.iinfo(np.int64).max // 4), 0)
    alive = m.pair_exit[:, None] > np.arange(T)[None, :]
    now = m.fixed.astype(float).copy()
    for t in range(T):
        now[t] += np.bincount(m.pair_bin, weights=np.where(alive[:, t], starts, 0), minlength=B)
    # the stability centre, the best prices so far, starts at the better of no price (each
    # position at its best staff: the bin-by-bin bound) and the marginal costs without moves
    marginal = 2 * (now - m.target) / m.weight
    best, _, _, _, (_, bins, moves) = _lagrangian(m, marginal, starts, lo, hi, hmax)
    center = marginal
    zero = np.zeros((T, B))
    value = _lagrangian(m, zero, starts, lo, hi, hmax)[0]
    if value > best:
        best, center = value, zero

    h: Any = _new_highs()
    h.setOptionValue("output_flag", False)
    n_staff = T * B
    row_lo = np.concatenate([m.fixed.ravel() - lo.ravel(), starts[src].astype(float), np.full(T, -_INF)])
    row_hi = np.concatenate(
        [m.fixed.ravel() - lo.ravel(), starts[src].astype(float), m.hire_cap.astype(float)]
    )
    h.addRows(len(row_lo), row_lo, row_hi, 0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
    # staff segments: n = lo + sum of unit segments, priced by the chords
    # chords to twice the target or the staff without moves (the last segment open beyond)
    cap = np.minimum(hi, np.maximum(np.ceil(2 * m.target) + 4, now + 4))
    cap = np.maximum(cap, lo + 1)
    n_seg = (cap - lo).astype(np.int64).ravel()
    rows = np.repeat(np.arange(n_staff), n_seg)
    k = (
        np.repeat(lo.ravel(), n_seg)
        + np.arange(int(n_seg.sum()))
        - np.repeat(np.cumsum(n_seg) - n_seg, n_seg)
    )
    seg_len = np.ones(len(rows))
    tgt, w = m.target.ravel()[rows], m.weight.ravel()[rows]
    slope = ((k + 1 - tgt) ** 2 - (k - tgt) ** 2) / w
    last = np.cumsum(n_seg) - 1
    seg_hi = np.ones(len(rows))
    open_end = (hi.ravel() > cap.ravel())[rows] & np.isin(np.arange(len(rows)), last)
    seg_hi[open_end] = _INF
    seg_hi[k + 1 > hi.ravel()[rows]] = 0.0  # no unit beyond max_units
    h.addCols(
        len(rows), slope, np.zeros(len(rows)), seg_hi, len(rows),
        np.arange(len(rows), dtype=np.int32), rows.astype(np.int32), np.ones(len(rows)),
    )  # fmt: skip
    # hires: -1 in the staff rows of their round and after, +1 in the quota row of their round
    tb = np.array(
        [(t, b) for t in range(T) if m.hire_cap[t] > 0 for b in np.flatnonzero(hmax > 0).tolist()],
        dtype=np.int64,
    ).reshape(-1, 2)
    hire_first = len(rows)
    if len(tb):
        per = T - tb[:, 0] + 1
        col_start = np.concatenate([[0], np.cumsum(per)[:-1]]).astype(np.int32)
        rr = np.repeat(np.arange(len(tb)), per)
        s_ = tb[rr, 0] + np.arange(len(rr)) - np.repeat(col_start, per)  # rounds t .. T, T: quota
        quota = s_ == T
        idx = np.where(quota, n_staff + S + tb[rr, 0], np.minimum(s_, T - 1) * B + tb[rr, 1])
        ub = np.minimum(hmax[tb[:, 1]], m.hire_cap[tb[:, 0]]).astype(float)
        h.addCols(
            len(tb), np.full(len(tb), m.hire_cost), np.zeros(len(tb)), ub, len(idx),
            col_start, idx.astype(np.int32), np.where(quota, 1.0, -1.0),
        )  # fmt: skip
    # artificial units per staff row (a master that min_staff makes infeasible stays solvable)
    art_first = hire_first + len(tb)
    h.addCols(
        n_staff, np.full(n_staff, 1e4), np.zeros(n_staff), np.full(n_staff, _INF), n_staff,
        np.arange(n_staff, dtype=np.int32), np.arange(n_staff, dtype=np.int32), -np.ones(n_staff),
    )  # fmt: skip
    ms = _Master(h, src, tb, hire_first, art_first, art_first + n_staff,
                 offset=float(((lo - m.target) ** 2 / m.weight).sum()),
                 seg_start=(np.cumsum(n_seg) - n_seg).astype(np.int64), seg_count=n_seg,
                 seg_open=(hi.ravel() > cap.ravel()), lo=lo, seg_len=seg_len)  # fmt: skip

    def add_paths(which: IntArray, b_: IntArray, mv: IntArray) -> None:
        """Paths from the starting pairs ``which`` (rows of ``src``), their bins per round
        ``b_`` and moves ``mv``: +1 in their convexity row, -1 per round held."""
        here = b_ >= 0
        idx_ = np.concatenate([(n_staff + which)[:, None], np.arange(T)[None, :] * B + b_], axis=1)
        mask = np.concatenate([np.ones((len(which), 1), dtype=bool), here], axis=1)
        val_ = np.where(np.arange(T + 1)[None, :] == 0, 1.0, -1.0)
        col_start = np.concatenate([[0], np.cumsum(mask.sum(axis=1))[:-1]]).astype(np.int32)
        h.addCols(
            len(which), m.move_cost * mv.astype(float), np.zeros(len(which)),
            np.full(len(which), _INF), int(mask.sum()), col_start, idx_[mask].astype(np.int32),
            np.broadcast_to(val_, mask.shape)[mask],
        )  # fmt: skip
        ms.path_src.append(which.copy())
        ms.path_bins.append(b_.copy())

    stay = np.where(alive[src], m.pair_bin[src][:, None], -1)
    add_paths(np.arange(S), stay, np.zeros(S, dtype=np.int64))
    add_paths(np.arange(S), bins, moves)
    seeded = _seed_columns(m, src, starts, seed)
    if seeded is not None:
        ms.seed_first = int(h.getNumCol())
        ms.seed_units = seeded[2]
        if len(seeded[0]):
            add_paths(*seeded[:2], _path_moves(m, src, *seeded[:2]))
    alpha = 0.5 if smooth is None else smooth
    master = _INF
    n_rounds, n_new, seconds, status, done = 0, 0, 0.0, "", False
    lp_seconds = price_seconds = 0.0
    trace: list[tuple[float, float, float]] = []

    def rounds(limit: float | None) -> tuple[float, dict[str, Any]]:
        """Column generation rounds for ``limit`` seconds (or to convergence); the bound and
        the statistics so far. Called again, it goes on from where it stopped."""
        nonlocal best, center, alpha, master, n_rounds, n_new, seconds, status, done
        nonlocal lp_seconds, price_seconds
        t_run = time.perf_counter()
        while not done and n_rounds < max_rounds and not stop_requested():
            if limit is not None:
                left = limit - (time.perf_counter() - t_run)
                if left <= 0.05:
                    break
                # an LP's time_limit is checked against HiGHS's run clock, which adds up over
                # the runs of an instance (a MIP's against its own clock: see price_and_branch)
                h.setOptionValue("time_limit", float(h.getRunTime()) + left)
            n_rounds += 1
            t_lp = time.perf_counter()
            h.run()
            lp_seconds += time.perf_counter() - t_lp
            status = h.modelStatusToString(h.getModelStatus()).lower()
            if status != "optimal":
                break
            master = float(h.getInfo().objective_function_value) + ms.offset
            solution = h.getSolution()
            dual = np.asarray(solution.row_dual, dtype=float)
            ms.last_x = np.asarray(solution.col_value, dtype=float)
            ms.last_rc = np.asarray(solution.col_dual, dtype=float)
            lam, mu = dual[:n_staff].reshape(T, B), dual[n_staff : n_staff + S]
            # Wentges smoothing: price at a point between the stability centre and the duals
            at, smoothed = alpha * center + (1 - alpha) * lam, alpha > 0
            t_price = time.perf_counter()
            value, held, n, hires, (_, bins, moves) = _lagrangian(m, at, starts, lo, hi, hmax)
            if smooth is None:
                # the subgradient at the point says which way the bound rises (Pessoa et al.
                # 2018): towards the master's duals, less smoothing; away from them, more
                grad = m.fixed + held + np.cumsum(hires, axis=0) - n
                toward = float((grad * (lam - center)).sum()) > 0
                alpha = max(0.0, alpha - 0.1) if toward else min(0.99, alpha + 0.1)
            # and at the master's own duals: their paths too (the master converges in fewer,
            # dearer rounds), and their Lagrangian is a bound like any other
            found = [(bins, moves)]
            late = limit is not None and time.perf_counter() - t_run > limit
            if at_duals and smoothed and not late:  # (past its time: the first pricing only)
                v_lam, _, _, _, (_, b_lam, m_lam) = _lagrangian(m, lam, starts, lo, hi, hmax)
                found.append((b_lam, m_lam))
                if v_lam > value:
                    value, at = v_lam, lam
            price_seconds += time.perf_counter() - t_price
            if value > best:
                best, center = value, at
            trace.append((round(seconds + time.perf_counter() - t_run, 2), round(master, 3), round(best, 3)))
            if best >= master - rel_gap * max(1.0, abs(master)) and master >= best:
                done = True  # the prices are optimal for the master
                break
            if upper is not None and upper - best <= rel_gap * max(1.0, abs(upper)):
                done = True
                break
            n_new = 0
            for which, b_, mv in _new_paths(m, lam, mu, found):
                add_paths(which, b_, mv)
                n_new += len(which)
            if n_new == 0 and len(found) == 1 and smoothed:  # a mispricing: price at the master's own duals
                value, _, _, _, (w0, bins, moves) = _lagrangian(m, lam, starts, lo, hi, hmax)
                if value > best:
                    best, center = value, lam
                new = np.flatnonzero(w0 - mu < -1e-7)
                n_new = len(new)
                if n_new:
                    add_paths(new, bins[new], moves[new])
            if n_new == 0:
                # no path prices out: the master is the LP's optimum, and the Lagrangian at its
                # duals, evaluated above in every such case, is its certified value (the master's
                # own objective is HiGHS's floating-point figure, not a bound)
                done = True
                break
        seconds += time.perf_counter() - t_run
        return best, {
            "colgen_seeded": 0 if ms.seed_units is None else int(ms.seed_units.sum()),
            "colgen_rounds": n_rounds,
            "colgen_status": status,
            "colgen_converged": done,
            "colgen_new": n_new,
            "colgen_master": master,
            "colgen_paths": sum(len(x) for x in ms.path_src),
            "colgen_seconds": round(setup + seconds, 2),
            "colgen_setup_seconds": round(setup, 2),
            "colgen_lp_seconds": round(lp_seconds, 2),
            "colgen_price_seconds": round(price_seconds, 2),
            "colgen_trace": trace,
        }

    ms.resume = rounds
    setup = time.perf_counter() - t_start
    best, stats = rounds(None if time_limit is None else time_limit - (time.perf_counter() - t_start))
    return best, stats, ms


def _new_paths(
    m: HorizonModel, lam: FloatArray, mu: FloatArray, found: list[tuple[IntArray, IntArray]]
) -> list[tuple[IntArray, IntArray, IntArray]]:
    """The paths of negative reduced cost at the master's duals (``lam`` of the staff rows,
    ``mu`` of the convexity rows) among ``found`` (per batch one path per starting pair: its
    bin per round and its moves), each once: per batch the rows of ``src``, bins and moves."""
    T = m.n_rounds
    out: list[tuple[IntArray, IntArray, IntArray]] = []
    for i, (bins, moves) in enumerate(found):
        held = np.where(bins >= 0, lam[np.arange(T)[None, :], np.maximum(bins, 0)], 0.0).sum(axis=1)
        new = np.flatnonzero(m.move_cost * moves - mu + held < -1e-7)
        for before, _ in found[:i]:  # the same path of the same start found at two prices
            new = new[(bins[new] != before[new]).any(axis=1)]
        out.append((new, bins[new], moves[new]))
    return out


def _path_moves(m: HorizonModel, src: IntArray, which: IntArray, bins: IntArray) -> IntArray:
    """The moves of unit paths: rounds held in another bin than the round before."""
    prev = m.pair_bin[src[which]]
    moves = np.zeros(len(which), dtype=np.int64)
    for t in range(m.n_rounds):
        here = bins[:, t] >= 0
        moves += here & (bins[:, t] != prev)
        prev = np.where(here, bins[:, t], prev)
    return moves


def _seed_columns(
    m: HorizonModel, src: IntArray, starts: IntArray, seed: tuple[IntArray, IntArray] | None
) -> tuple[IntArray, IntArray, IntArray] | None:
    """The distinct paths of a seed plan (``seed``: per unit its starting pair and its bin per
    round, ``-1`` gone) as rows of ``src``, bins and units each; ``None`` when the seed does
    not put every starting unit on exactly one path."""
    if seed is None:
        return None
    pair, bins = np.asarray(seed[0], dtype=np.int64), np.asarray(seed[1], dtype=np.int64)
    if bins.ndim != 2 or bins.shape != (len(pair), m.n_rounds):
        return None
    if len(src) == 0:  # no unit (everybody fixed): the seed is no path, rightly
        empty = np.zeros(0, dtype=np.int64)
        return (empty, bins[:0].copy(), empty) if len(pair) == 0 else None
    row = np.minimum(np.searchsorted(src, pair), len(src) - 1)
    if (src[row] != pair).any() or (np.bincount(row, minlength=len(src)) != starts[src]).any():
        return None
    key, units = np.unique(np.concatenate([row[:, None], bins], axis=1), axis=0, return_counts=True)
    return key[:, 0].copy(), key[:, 1:].copy(), units.astype(np.int64)


def colgen_bound(
    m: HorizonModel,
    *,
    time_limit: float | None = None,
    upper: float | None = None,
    rel_gap: float = 1e-4,
    max_rounds: int = 200,
    smooth: float | None = None,
) -> tuple[float, dict[str, Any]]:
    """A valid lower bound by column generation over unit paths (Dantzig-Wolfe).

    The master LP holds, per starting pair, a convex combination of paths of its units over
    the rounds (each path obeys the rules of a unit: ``horizon_paths._dp``), per round and position the
    staff as unit segments priced by the cost's chords between consecutive integers (the last
    one unbounded at its slope: below the cost beyond, so a relaxation) and the hires under
    their quotas. Unit caps, ``max_moves`` and coverage are left out (a relaxation). The
    paths are priced at a point between the best prices so far (the stability centre) and the
    master's duals (Wentges smoothing; ``smooth`` the weight of the centre, ``None``: adapted
    each round by the direction of the subgradient there). The Lagrangian at that point
    (:func:`_lagrangian`) is a valid bound at every round, the best kept; its paths of
    negative reduced cost enter the master. At convergence the bound is the LP relaxation's
    optimum of the model without the side rows.

    Returns
    -------
    float
        The bound.
    dict
        Statistics: rounds, the master's value, paths, seconds and a trace ``(seconds,
        master, bound)`` per round.
    """
    best, stats, _ = _colgen(
        m, time_limit=time_limit, upper=upper, rel_gap=rel_gap, max_rounds=max_rounds, smooth=smooth
    )
    return best, stats
