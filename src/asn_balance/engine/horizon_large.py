"""The horizon's models too large for one MIP (:data:`MAX_MIP_COLUMNS`): a restricted MIP
whose plans are plans of the whole model, a bound computed bin by bin, and the LP bound.

:func:`solve_large` is called by :func:`~asn_balance.engine.horizon.solve_horizon`; the plan
it returns is feasible, its bound valid but weak (it ignores the moves and hires the staff
must come from), so the gap it reports is honest, not small.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .control import current
from .horizon import (
    _INF,
    MAX_MIP_COLUMNS,
    RESTRICTED_COLUMNS,
    FloatArray,
    HorizonModel,
    HorizonSolution,
    IntArray,
    _build,
    _init,
    _past,
    _run,
    evaluate_plan,
    plan_violations,
    solve_horizon,
)
from .horizon_paths import _lagrangian, lagrangian_bound

__all__ = [
    "bin_bound",
    "colgen_bound",
    "is_large",
    "lagrangian_bound",
    "lp_bound",
    "price_and_branch",
    "restrict",
    "seed_plan",
    "solve_large",
]


#: Seconds past its deadline before price-and-branch stops waiting for HiGHS (the watchdog).
WATCHDOG_GRACE = 0.5


def is_large(m: HorizonModel) -> bool:
    """Whether the model is above :data:`MAX_MIP_COLUMNS` (solved restricted, bound apart)."""
    return 3 * (m.n_pairs + m.n_bins) * m.n_rounds > MAX_MIP_COLUMNS


def bin_bound(m: HorizonModel) -> float:
    """A valid lower bound computed bin by bin: each round's cost of each bin at its best
    reachable number of units (between its fixed staff and all units that may be there),
    moves and hires free. Weak, but always there."""
    T, B = m.n_rounds, m.n_bins
    total = 0.0
    reach_hires = np.cumsum(m.hire_cap)
    for t in range(T):
        alive = m.pair_exit > t
        could = np.bincount(m.pair_bin[alive], weights=m.size[m.pair_group[alive]], minlength=B)
        lo = np.maximum(m.min_units[t], m.fixed[t]).astype(float)
        hi = m.fixed[t] + could + np.where(m.hire_ok, reach_hires[t], 0)
        hi = np.where(m.max_units[t] >= 0, np.minimum(hi, m.max_units[t]), hi)
        hi = np.maximum(hi, lo)
        tgt, w = m.target[t], m.weight[t]
        best = np.full(B, _INF)
        for n in (np.floor(tgt), np.ceil(tgt)):
            n = np.clip(n, lo, hi)
            best = np.minimum(best, (n - tgt) ** 2 / w)
        total += float(best.sum())
    return total


def restrict(m: HorizonModel, max_columns: int = MAX_MIP_COLUMNS) -> tuple[HorizonModel, IntArray]:
    """A smaller model whose plans are plans of ``m``: every home pair, and per group the
    enterable pairs into the bins most short of staff (``target - staff`` without moves,
    largest over the rounds) while the MIP stays under ``max_columns``. Returns the model and
    the indices of the kept pairs."""
    T = m.n_rounds
    init = _init(m)
    home = init > 0
    alive = m.pair_exit[:, None] > np.arange(T)[None, :]
    staff = m.fixed.astype(float).copy()
    for t in range(T):
        w = np.where(alive[:, t], init, 0)
        staff[t] += np.bincount(m.pair_bin, weights=w, minlength=m.n_bins)
    short = (m.target - staff).max(axis=0)
    over = (staff - m.target).max(axis=0)
    g_over = np.full(len(m.size), -np.inf)
    np.maximum.at(g_over, m.pair_group[home], over[m.pair_bin[home]])
    useful = m.pair_enter & ~home & (short[m.pair_bin] > 0.5) & (g_over[m.pair_group] > 0.5)
    budget = max(0, max_columns // (3 * T) - m.n_bins - int(home.sum()))
    G = len(m.size)
    k = 1
    cand = np.flatnonzero(useful)
    order = np.lexsort((-short[m.pair_bin[cand]], m.pair_group[cand]))
    cand = cand[order]
    rank = np.arange(len(cand)) - np.searchsorted(m.pair_group[cand], m.pair_group[cand])
    while k < 64 and int((rank < 2 * k).sum()) <= budget and 2 * k <= max(1, int(rank.max(initial=0)) + 1):
        k *= 2
    keep = np.sort(np.concatenate([np.flatnonzero(home), cand[rank < k]]))
    del G
    sub = HorizonModel(
        target=m.target,
        weight=m.weight,
        fixed=m.fixed,
        min_units=m.min_units,
        max_units=m.max_units,
        size=m.size,
        home=m.home,
        first=m.first,
        pair_group=m.pair_group[keep],
        pair_bin=m.pair_bin[keep],
        pair_exit=m.pair_exit[keep],
        pair_last=m.pair_last[keep],
        pair_enter=m.pair_enter[keep],
        hire_cap=m.hire_cap,
        hire_ok=m.hire_ok,
        hire_max=m.hire_max,
        lock=m.lock,
        move_cost=m.move_cost,
        hire_cost=m.hire_cost,
        block=m.block,
        block_max_out=m.block_max_out,
        block_max_in=m.block_max_in,
        max_moves=m.max_moves,
        cover_block=m.cover_block,
        cover_need=m.cover_need,
        cover_group=m.cover_group,
        pair_init=init[keep],
    )
    return sub, keep.astype(np.int64)


def solve_large(
    m: HorizonModel,
    *,
    time_limit: float | None,
    warm: bool,
    gap: float,
    stats: dict[str, Any],
    t_start: float,
    cutoff: float | None = None,
    colgen_share: float = 0.6,
    seed: tuple[IntArray, IntArray, IntArray] | None = None,
) -> HorizonSolution:
    """A model too large for one MIP: the bound by column generation over unit paths
    (:func:`colgen_bound`, ``colgen_share`` of the time), then the plan by price-and-branch
    (:func:`price_and_branch`: the paths it made, whole units, ``cutoff`` as the objective
    bound). Without a plan from there and without a ``cutoff`` plan of the caller, the MIP of a
    restricted model (:func:`restrict`) makes one. The bound is the best of the column
    generation's and the bin-by-bin one (:func:`bin_bound`): an honest gap.

    ``seed``: a plan known elsewhere (the plan made year by year) as unit paths and hires:
    per unit its starting pair and its bin per round (``-1``: gone), and hires ``(T, B)``. If
    it breaks no row of the model (:func:`plan_violations`) its paths are in the master from
    the start and it is price-and-branch's first incumbent; the time that check took, twice,
    plus 0.5 s is kept back from price-and-branch for checking its plan."""

    def left() -> float | None:
        return None if time_limit is None else max(0.1, time_limit - (time.perf_counter() - t_start))

    margin = None if time_limit is None else min(3.0, 0.05 * time_limit)
    start = None
    if seed is not None:
        t_check = time.perf_counter()
        held0 = seed_plan(m, (seed[0], seed[1]))
        hires0 = np.asarray(seed[2], dtype=np.int64)
        bad = -1 if held0 is None else plan_violations(m, held0, hires0)
        t_check = time.perf_counter() - t_check
        stats["seed_violations"], stats["seed_check_seconds"] = bad, round(t_check, 3)
        if held0 is not None and bad == 0:
            start = (held0, hires0)
            stats["seed_objective"] = evaluate_plan(m, held0, hires0)[0]
            margin = None if time_limit is None else 0.5 + 2 * t_check
        else:
            seed = None
    share = left()
    cg, cg_stats, master = _colgen(
        m,
        time_limit=None if share is None else colgen_share * share,
        upper=cutoff,
        rel_gap=1e-4,
        max_rounds=10_000 if time_limit is not None else 200,
        smooth=None,
        seed=None if seed is None else (seed[0], seed[1]),
    )
    stats.update(cg_stats)
    rest = left()  # HiGHS stops a little after its interrupt, and the plan is checked after it
    rest = None if rest is None or margin is None else max(0.1, rest - margin)
    stats["pnb_margin"] = margin
    found = price_and_branch(m, master, time_limit=rest, cutoff=cutoff, stats=stats, start=start)
    more = left()
    if (
        master.resume is not None
        and not stats["colgen_converged"]
        and stats.get("pnb_status") != "watchdog"  # HiGHS may still be stopping in its thread
        and more is not None
        and more > 1.5
    ):
        # price-and-branch ended early: the rest of the time goes on with the bound (less
        # 0.5 s for the plan's objective and the result)
        cg, cg_stats = master.resume(more - 0.5)
        stats.update(cg_stats)
        stats["colgen_resumed"] = True
    del master
    bb = bin_bound(m)
    bound = max(bb, cg)
    stats["bin_bound"], stats["colgen_bound"] = bb, cg
    bound = bound if cutoff is None else min(bound, cutoff)
    held = np.zeros((m.n_pairs, m.n_rounds), dtype=np.int64)
    if found is not None:
        held, hires = found
        solver = "colgen+price_and_branch"
    elif cutoff is not None:
        return HorizonSolution(
            "no_better", float("nan"), bound, held, np.zeros((m.n_rounds, m.n_bins), dtype=np.int64),
            "colgen+price_and_branch", time.perf_counter() - t_start, stats,
        )  # fmt: skip
    else:
        sub, keep = restrict(m, RESTRICTED_COLUMNS)
        stats["mip"] = f"restricted to {len(keep)} of {m.n_pairs} pairs"
        sol = solve_horizon(sub, time_limit=left(), warm=warm, gap=gap, restrict=False)
        stats["restricted"] = {"status": sol.status, "bound": sol.bound, **sol.stats}
        if sol.status not in ("optimal", "feasible"):
            return HorizonSolution(
                "infeasible" if sol.status == "infeasible" else "time_limit", float("nan"), bound,
                held, sol.hires, "restricted", time.perf_counter() - t_start, stats,
            )  # fmt: skip
        held[keep] = sol.held
        hires, solver = sol.hires, "restricted+" + sol.solver
    obj, _, _ = evaluate_plan(m, held, hires)
    bound = min(bound, obj)
    close = obj - bound <= gap * max(1.0, abs(obj)) + 1e-7
    return HorizonSolution(
        "optimal" if close else "feasible", obj, bound, held, hires, solver,
        time.perf_counter() - t_start, stats,
    )  # fmt: skip


def lp_bound(m: HorizonModel, *, time_limit: float | None = None) -> float:
    """The LP relaxation's optimum (a valid lower bound), ``-inf`` if not solved in time."""
    prev, arrived, hired = _past(m, np.zeros((m.n_pairs, m.n_rounds), dtype=np.int64), 0)
    b, _ = _build(m, 0, m.n_rounds, prev, arrived, hired, None)
    status, _, bound, _ = _run(m, b, mip=False, time_limit=time_limit, start=None)
    return bound if status == "optimal" else -_INF


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
    seed_first: int = -1  # the master column of the first seeded path (-1: no seed)
    seed_units: IntArray | None = None  # units on each seeded path
    resume: Callable[[float | None], tuple[float, dict[str, Any]]] | None = None  # more rounds


def _colgen(
    m: HorizonModel,
    *,
    time_limit: float | None,
    upper: float | None,
    rel_gap: float,
    max_rounds: int,
    smooth: float | None,
    seed: tuple[IntArray, IntArray] | None = None,
) -> tuple[float, dict[str, Any], _Master]:
    """The column generation of :func:`colgen_bound`; also returns its master. ``seed``: the
    paths of a known plan (:func:`seed_paths`), in the master from the start."""
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
                 seg_open=(hi.ravel() > cap.ravel()), lo=lo)  # fmt: skip

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
        add_paths(*seeded[:2], _path_moves(m, src, *seeded[:2]))
    alpha = 0.5 if smooth is None else smooth
    master = _INF
    n_rounds, n_new, seconds, status, done = 0, 0, 0.0, "", False
    trace: list[tuple[float, float, float]] = []

    def rounds(limit: float | None) -> tuple[float, dict[str, Any]]:
        """Column generation rounds for ``limit`` seconds (or to convergence); the bound and
        the statistics so far. Called again, it goes on from where it stopped."""
        nonlocal best, center, alpha, master, n_rounds, n_new, seconds, status, done
        t_run = time.perf_counter()
        while not done and n_rounds < max_rounds:
            if limit is not None:
                left = limit - (time.perf_counter() - t_run)
                if left <= 0.05:
                    break
                # an LP's time_limit is checked against HiGHS's run clock, which adds up over
                # the runs of an instance (a MIP's against its own clock: see price_and_branch)
                h.setOptionValue("time_limit", float(h.getRunTime()) + left)
            n_rounds += 1
            h.run()
            status = h.modelStatusToString(h.getModelStatus()).lower()
            if status != "optimal":
                break
            master = float(h.getInfo().objective_function_value) + ms.offset
            dual = np.asarray(h.getSolution().row_dual, dtype=float)
            lam, mu = dual[:n_staff].reshape(T, B), dual[n_staff : n_staff + S]
            # Wentges smoothing: price at a point between the stability centre and the duals
            at = alpha * center + (1 - alpha) * lam
            value, held, n, hires, (w0, bins, moves) = _lagrangian(m, at, starts, lo, hi, hmax)
            if smooth is None:
                # the subgradient at the point says which way the bound rises (Pessoa et al.
                # 2018): towards the master's duals, less smoothing; away from them, more
                grad = m.fixed + held + np.cumsum(hires, axis=0) - n
                toward = float((grad * (lam - center)).sum()) > 0
                alpha = max(0.0, alpha - 0.1) if toward else min(0.99, alpha + 0.1)
            if value > best:
                best, center = value, at
            trace.append((round(seconds + time.perf_counter() - t_run, 2), round(master, 3), round(best, 3)))
            if best >= master - rel_gap * max(1.0, abs(master)) and master >= best:
                done = True  # the prices are optimal for the master
                break
            if upper is not None and upper - best <= rel_gap * max(1.0, abs(upper)):
                done = True
                break
            rc = (
                m.move_cost * moves
                - mu
                + np.where(bins >= 0, lam[np.arange(T)[None, :], np.maximum(bins, 0)], 0).sum(1)
            )
            new = np.flatnonzero(rc < -1e-7)
            if len(new) == 0 and at is not lam:  # a mispricing: price at the master's own duals
                value, _, _, _, (w0, bins, moves) = _lagrangian(m, lam, starts, lo, hi, hmax)
                if value > best:
                    best, center = value, lam
                new = np.flatnonzero(w0 - mu < -1e-7)
            n_new = len(new)
            if n_new == 0:
                best = max(best, master)  # no path prices out: the master is the LP's optimum
                done = True
                break
            add_paths(new, bins[new], moves[new])
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
            "colgen_trace": trace,
        }

    ms.resume = rounds
    setup = time.perf_counter() - t_start
    best, stats = rounds(None if time_limit is None else time_limit - (time.perf_counter() - t_start))
    return best, stats, ms


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
    if bins.ndim != 2 or bins.shape != (len(pair), m.n_rounds) or len(src) == 0:
        return None
    row = np.minimum(np.searchsorted(src, pair), len(src) - 1)
    if (src[row] != pair).any() or (np.bincount(row, minlength=len(src)) != starts[src]).any():
        return None
    key, units = np.unique(np.concatenate([row[:, None], bins], axis=1), axis=0, return_counts=True)
    return key[:, 0].copy(), key[:, 1:].copy(), units.astype(np.int64)


def seed_plan(m: HorizonModel, seed: tuple[IntArray, IntArray]) -> IntArray | None:
    """Units held per pair and round (``(P, T)``) of a plan given as unit paths (``seed``: per
    unit its starting pair and its bin per round, ``-1``: gone); ``None`` when a unit holds a
    bin that is no pair of its group."""
    pair, bins = np.asarray(seed[0], dtype=np.int64), np.asarray(seed[1], dtype=np.int64)
    B = m.n_bins
    codes = m.pair_group * B + m.pair_bin
    order = np.argsort(codes)
    held = np.zeros((m.n_pairs, m.n_rounds), dtype=np.int64)
    g = m.pair_group[pair]
    for t in range(m.n_rounds):
        here = bins[:, t] >= 0
        code = g[here] * B + bins[here, t]
        at = order[np.minimum(np.searchsorted(codes[order], code), len(order) - 1)]
        if (codes[at] != code).any():
            return None
        np.add.at(held[:, t], at, 1)
    return held


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


def _master_start(
    m: HorizonModel, ms: _Master, held: IntArray, hires: IntArray, n_cols: int
) -> FloatArray | None:
    """The master's columns of its seed plan (units held ``held``, ``hires``): its paths, its
    hires and the staff segments filled in order; ``None`` when it has no seed or a hire or a
    staff level has no column."""
    if ms.seed_units is None or ms.seg_start is None or ms.seg_count is None or ms.seg_open is None:
        return None
    x = np.zeros(n_cols)
    x[ms.seed_first : ms.seed_first + len(ms.seed_units)] = ms.seed_units
    hv = hires[ms.hire_tb[:, 0], ms.hire_tb[:, 1]] if len(ms.hire_tb) else np.zeros(0, dtype=np.int64)
    if int(hv.sum()) != int(hires.sum()):
        return None
    x[ms.hire_first : ms.art_first] = hv
    _, n, _ = evaluate_plan(m, held, hires)
    assert ms.lo is not None
    v = (n - ms.lo).ravel()
    over = v - ms.seg_count
    if (v < 0).any() or ((over > 0) & ~ms.seg_open).any():
        return None
    rows = np.repeat(np.arange(len(v)), ms.seg_count)
    k = np.arange(len(rows)) - ms.seg_start[rows]
    x[: len(rows)] = k < v[rows]
    last = ms.seg_start + ms.seg_count - 1
    x[last] += np.maximum(over, 0)
    return x


def price_and_branch(
    m: HorizonModel,
    ms: _Master,
    *,
    time_limit: float | None,
    cutoff: float | None,
    stats: dict[str, Any] | None = None,
    start: tuple[IntArray, IntArray] | None = None,
) -> tuple[IntArray, IntArray] | None:
    """A plan from the paths the column generation made: its master with whole units on every
    path and whole hires (no artificial units), solved by HiGHS as a MIP with ``cutoff`` (the
    objective of a known plan) as the objective bound. The plan is turned into units held per
    pair and round and returned only if it breaks no row of the whole model
    (:func:`~asn_balance.engine.horizon.plan_violations`: the side rows the master leaves out
    are checked there). ``None``: no plan, or none better than ``cutoff``. ``stats`` gets the
    status, seconds, and the plan's objective and violations. ``start``: the units held and
    hires of the seed plan of the master (:func:`_colgen`'s ``seed``), HiGHS's first
    incumbent (presolve off: HiGHS 1.16 misprices a start in presolve's space); without it
    ``cutoff`` bounds the objective. HiGHS's ``time_limit`` is ``time_limit`` (per run) and a
    callback interrupts it at the same wall-clock deadline."""
    from .backends.highs import _new_highs

    stats = {} if stats is None else stats
    t_start = time.perf_counter()
    # a copy: the master stays an LP, the column generation can go on after
    h: Any = _new_highs()
    h.setOptionValue("output_flag", False)
    h.passModel(ms.h.getModel())
    n_cols = int(h.getNumCol())
    T, B = m.n_rounds, m.n_bins
    whole = np.concatenate([np.arange(ms.hire_first, ms.art_first), np.arange(ms.path_first, n_cols)]).astype(
        np.int32
    )
    h.changeColsIntegrality(len(whole), whole, np.ones(len(whole), dtype=np.uint8))
    art = np.arange(ms.art_first, ms.path_first, dtype=np.int32)
    h.changeColsBounds(len(art), art, np.zeros(len(art)), np.zeros(len(art)))
    h.setOptionValue("mip_rel_gap", 1e-6)
    if cutoff is not None:  # the master's objective leaves out ``offset``: a gap in the plan's units
        h.setOptionValue("mip_abs_gap", 5e-5 * max(1.0, abs(cutoff)))
    x0 = None if start is None else _master_start(m, ms, *start, n_cols)
    if x0 is not None:
        h.setOptionValue("presolve", "off")
        h.setSolution(n_cols, np.arange(n_cols, dtype=np.int32), x0)
        stats["pnb_start"] = float(x0 @ np.asarray(h.getLp().col_cost_, dtype=float)) + ms.offset
    elif cutoff is not None:
        h.setOptionValue("objective_bound", float(cutoff) - ms.offset)
    deadline = None if time_limit is None else t_start + time_limit
    if time_limit is not None:
        # a MIP checks time_limit against its own clock, started by this run (an LP against
        # the run clock of the instance, which adds up over runs: the column generation's)
        h.setOptionValue("time_limit", max(0.05, time_limit))

    stop = current()  # this solve's stop: HiGHS calls back from a thread of its own

    def interrupt(e: Any) -> None:
        if stop.stopped() or (deadline is not None and time.perf_counter() > deadline):
            e.interrupt()

    incumbent: list[FloatArray] = []

    def improving(e: Any) -> None:
        incumbent[:] = [np.array(e.data_out.mip_solution, dtype=float)]

    h.cbMipInterrupt.subscribe(interrupt)
    h.cbSimplexInterrupt.subscribe(interrupt)  # the root LP too
    h.cbMipImprovingSolution.subscribe(improving)
    # the watchdog: HiGHS runs in a thread (it releases the GIL) and is waited for until the
    # deadline plus WATCHDOG_GRACE; past that, its last incumbent is taken and the thread left
    # to stop at its next interrupt check (some phases of HiGHS's MIP check rarely)
    worker = threading.Thread(target=h.run, daemon=True)
    worker.start()
    worker.join(None if deadline is None else max(0.0, deadline + WATCHDOG_GRACE - time.perf_counter()))
    if worker.is_alive():
        status, x = "watchdog", (incumbent[0] if incumbent else None)
    else:
        status = h.modelStatusToString(h.getModelStatus()).lower()
        sol = h.getSolution()
        x = np.asarray(sol.col_value, dtype=float) if sol.value_valid else None
    stats.update({"pnb_status": status, "pnb_seconds": round(time.perf_counter() - t_start, 2)})
    if x is None or len(x) != n_cols:
        return None
    x = np.rint(x)
    units = x[ms.path_first :].astype(np.int64)
    ps, pbins = np.concatenate(ms.path_src), np.concatenate(ms.path_bins)
    used = np.flatnonzero(units > 0)
    codes = m.pair_group * B + m.pair_bin
    order = np.argsort(codes)
    held = np.zeros((m.n_pairs, T), dtype=np.int64)
    g = m.pair_group[ms.src[ps[used]]]
    for t in range(T):
        here = pbins[used, t] >= 0
        code = g[here] * B + pbins[used[here], t]
        pair = order[np.searchsorted(codes[order], code)]
        np.add.at(held[:, t], pair, units[used[here]])
    hires = np.zeros((T, B), dtype=np.int64)
    np.add.at(hires, (ms.hire_tb[:, 0], ms.hire_tb[:, 1]), x[ms.hire_first : ms.art_first].astype(np.int64))
    stats["pnb_violations"] = plan_violations(m, held, hires)
    stats["pnb_objective"] = evaluate_plan(m, held, hires)[0]
    if stats["pnb_violations"]:
        return None
    return held, hires
