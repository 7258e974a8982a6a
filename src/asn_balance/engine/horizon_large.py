"""The horizon's models too large for one MIP (:data:`MAX_MIP_COLUMNS`): a restricted MIP
whose plans are plans of the whole model, a bound computed bin by bin, and the LP bound.

:func:`solve_large` is called by :func:`~asn_balance.engine.horizon.solve_horizon`; the plan
it returns is feasible, its bound valid but weak (it ignores the moves and hires the staff
must come from), so the gap it reports is honest, not small.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .control import stop_requested
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

__all__ = [
    "bin_bound",
    "colgen_bound",
    "is_large",
    "lagrangian_bound",
    "lp_bound",
    "price_and_branch",
    "restrict",
    "solve_large",
]


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
) -> HorizonSolution:
    """A model too large for one MIP: the bound by column generation over unit paths
    (:func:`colgen_bound`, ``colgen_share`` of the time), then the plan by price-and-branch
    (:func:`price_and_branch`: the paths it made, whole units, ``cutoff`` as the objective
    bound). Without a plan from there and without a ``cutoff`` plan of the caller, the MIP of a
    restricted model (:func:`restrict`) makes one. The bound is the best of the column
    generation's and the bin-by-bin one (:func:`bin_bound`): an honest gap."""

    def left() -> float | None:
        return None if time_limit is None else max(0.1, time_limit - (time.perf_counter() - t_start))

    share = left()
    cg, cg_stats, master = _colgen(
        m,
        time_limit=None if share is None else colgen_share * share,
        upper=cutoff,
        rel_gap=1e-4,
        max_rounds=10_000 if time_limit is not None else 200,
        smooth=None,
    )
    stats.update(cg_stats)
    rest = left()  # HiGHS stops a little after its interrupt, and the plan is checked after it
    rest = None if rest is None or time_limit is None else max(0.1, rest - min(3.0, 0.05 * time_limit))
    found = price_and_branch(m, master, time_limit=rest, cutoff=cutoff, stats=stats)
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


def _dp(
    m: HorizonModel, lam: FloatArray, starts: IntArray
) -> tuple[float, FloatArray, FloatArray, IntArray, IntArray]:
    """The cheapest path of one unit from each pair, under prices ``lam[t, b]`` per unit held
    and ``move_cost`` per move, by the rules of a unit (first round, last round, exit, enter,
    lock). Returns ``sum_p starts[p] x cost(p)``, the units held per round and bin, and per
    starting pair (``starts > 0``, in order) the path's cost, its bin per round (``-1``:
    gone) and its moves."""
    T, B, P = m.n_rounds, m.n_bins, m.n_pairs
    G = len(m.size)
    pg, pb = m.pair_group, m.pair_bin
    first = m.first[pg]
    L = max(1, int(m.lock))
    START = T  # the arrival state of a unit there from the start
    # W[t][a]: cost from round t on of a unit that held pair p in round t-1, last arrival a
    W = np.zeros((T + 1, T + 1, P))
    best_move = np.zeros((T, G))
    best_pair = np.zeros((T, G), dtype=np.int64)
    for t in range(T - 1, -1, -1):
        alive = m.pair_exit > t
        # arriving at p' in round t: price, then the cost to go with arrival t
        arrive = np.where(alive & m.pair_enter, lam[t, pb] + W[t + 1, t], _INF)
        order = np.lexsort((arrive, pg))
        first_of = np.searchsorted(pg[order], np.arange(G))
        ok = first_of < P
        best_pair[t] = np.where(ok, order[np.minimum(first_of, P - 1)], -1)
        best_move[t] = np.where(ok, arrive[best_pair[t]] + m.move_cost, _INF)
        best_move[t][~ok] = _INF
        for a in [START, *range(t)]:
            stay = lam[t, pb] + W[t + 1, a]
            may = (t <= m.pair_last) & ((first <= t) if a == START else (t - a >= L))
            value = np.where(may, np.minimum(stay, best_move[t][pg]), stay)
            W[t, a] = np.where(alive, value, 0.0)
    total = float(starts @ W[0, START])
    # the units held: follow the path of each start
    held = np.zeros((T, B))
    src = np.flatnonzero(starts > 0)
    bins = np.full((len(src), T), -1, dtype=np.int64)
    moves = np.zeros(len(src), dtype=np.int64)
    cur, arr = src.copy(), np.full(len(src), START)
    here = np.ones(len(src), dtype=bool)
    for t in range(T):
        here &= m.pair_exit[cur] > t
        g = pg[cur]
        may = (t <= m.pair_last[cur]) & np.where(arr == START, first[cur] <= t, t - arr >= L)
        stay = lam[t, pb[cur]] + W[t + 1, arr, cur]
        move = here & may & (best_move[t][g] < stay - 1e-12)
        cur = np.where(move, best_pair[t][g], cur)
        arr = np.where(move, t, arr)
        moves += move
        bins[here, t] = pb[cur[here]]
        np.add.at(held[t], pb[cur[here]], starts[src[here]])
    return total, held, W[0, START][src], bins, moves


def _lagrangian(
    m: HorizonModel, lam: FloatArray, starts: IntArray, lo: FloatArray, hi: FloatArray, hmax: IntArray
) -> tuple[float, FloatArray, FloatArray, FloatArray, tuple[FloatArray, IntArray, IntArray]]:
    """The Lagrangian's value at prices ``lam`` (a valid lower bound), the units held, the
    best staff ``n``, the hires, and the paths of :func:`_dp`."""
    T, B = m.n_rounds, m.n_bins
    units_cost, held, w0, bins, moves = _dp(m, lam, starts)
    nc = m.target + lam * m.weight / 2
    cand = np.stack([np.clip(np.floor(nc), lo, hi), np.clip(np.ceil(nc), lo, hi)])
    val = (cand - m.target) ** 2 / m.weight - lam * cand
    k = np.argmin(val, axis=0)
    n = np.take_along_axis(cand, k[None], axis=0)[0]
    staff_cost = float(np.take_along_axis(val, k[None], axis=0).sum())
    reduced = m.hire_cost + np.cumsum(lam[::-1], axis=0)[::-1]
    hires = np.zeros((T, B))
    hire_cost = 0.0
    for t in range(T):
        left = int(m.hire_cap[t])
        for b in np.argsort(reduced[t]).tolist():
            if left <= 0 or reduced[t, b] >= 0:
                break
            take = min(left, int(hmax[b]))
            if take <= 0:
                continue
            hires[t, b] = take
            hire_cost += take * reduced[t, b]
            left -= take
    value = units_cost + staff_cost + hire_cost + float((lam * m.fixed).sum())
    return value, held, n, hires, (w0, bins, moves)


def lagrangian_bound(
    m: HorizonModel,
    *,
    time_limit: float | None = None,
    upper: float | None = None,
    iterations: int = 400,
) -> tuple[float, dict[str, Any]]:
    """A valid lower bound by Lagrangian relaxation of the staff rows.

    With a price ``lam[t, b]`` on ``n[t, b] = fixed + units + hires so far`` the problem falls
    apart into one shortest path over the rounds per unit (the same for all units of a group
    starting in the same position: :func:`_dp`), one best staff level per round and position
    (``min_n (n - target)^2 / w - lam n`` within its bounds, the exact quadratic) and the best
    hires of each round under its quota (the most negative ``hire_cost + sum_{s >= t} lam``).
    Unit caps, ``max_moves`` and coverage are left out (a relaxation: still a bound). Every
    value of the Lagrangian is a bound; the prices move by subgradient steps (Polyak's step to
    ``upper``, the objective of a known plan, halved when the bound stalls), starting from the
    marginal costs at the staff without moves.
    """
    t_start = time.perf_counter()
    T, B = m.n_rounds, m.n_bins
    starts = _init(m)
    lo = np.maximum(m.min_units, m.fixed).astype(float)
    hi = np.where(m.max_units >= 0, m.max_units, np.iinfo(np.int64).max // 4).astype(float)
    hi = np.maximum(hi, lo)
    alive = m.pair_exit[:, None] > np.arange(T)[None, :]
    now = m.fixed.astype(float).copy()
    for t in range(T):
        now[t] += np.bincount(m.pair_bin, weights=np.where(alive[:, t], starts, 0), minlength=B)
    lam = 2 * (now - m.target) / m.weight  # marginal cost at the staff without moves
    hmax = np.where(m.hire_ok, np.where(m.hire_max >= 0, m.hire_max, np.iinfo(np.int64).max // 4), 0)
    best, theta, stall = -_INF, 1.0, 0
    it = 0
    for it in range(iterations):  # noqa: B007
        if time_limit is not None and time.perf_counter() - t_start > time_limit:
            break
        value, held, n, hires, _ = _lagrangian(m, lam, starts, lo, hi, hmax)
        if not np.isfinite(best) or value > best + 1e-9 * max(1.0, abs(best)):
            best, stall = value, 0
        else:
            stall += 1
            if stall >= 8:
                theta, stall = theta / 2, 0
        if upper is not None and upper - best <= 1e-4 * max(1.0, abs(upper)):
            break
        grad = m.fixed + held + np.cumsum(hires, axis=0) - n
        norm = float((grad**2).sum())
        if norm <= 1e-12:
            break  # the relaxed plan is feasible for the staff rows: the bound is tight
        target = upper if upper is not None and upper > value else value + 0.05 * max(1.0, abs(value))
        lam = lam + theta * (target - value) / norm * grad
    return best, {
        "lagrangian_iterations": it + 1,
        "lagrangian_seconds": round(time.perf_counter() - t_start, 2),
    }


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


def _colgen(
    m: HorizonModel,
    *,
    time_limit: float | None,
    upper: float | None,
    rel_gap: float,
    max_rounds: int,
    smooth: float | None,
) -> tuple[float, dict[str, Any], _Master]:
    """The column generation of :func:`colgen_bound`; also returns its master."""
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
    best, _, _, _, (w0, bins, moves) = _lagrangian(m, marginal, starts, lo, hi, hmax)
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
                 offset=float(((lo - m.target) ** 2 / m.weight).sum()))  # fmt: skip

    def add_paths(which: IntArray, b_: IntArray, mv: IntArray) -> None:
        """Paths of the starting pairs ``which``: +1 in their convexity row, -1 per round held."""
        here = b_[which] >= 0
        idx_ = np.concatenate([(n_staff + which)[:, None], np.arange(T)[None, :] * B + b_[which]], axis=1)
        mask = np.concatenate([np.ones((len(which), 1), dtype=bool), here], axis=1)
        val_ = np.where(np.arange(T + 1)[None, :] == 0, 1.0, -1.0)
        col_start = np.concatenate([[0], np.cumsum(mask.sum(axis=1))[:-1]]).astype(np.int32)
        h.addCols(
            len(which), m.move_cost * mv[which].astype(float), np.zeros(len(which)),
            np.full(len(which), _INF), int(mask.sum()), col_start, idx_[mask].astype(np.int32),
            np.broadcast_to(val_, mask.shape)[mask],
        )  # fmt: skip
        ms.path_src.append(which.copy())
        ms.path_bins.append(b_[which].copy())

    stay = np.where(alive[src], m.pair_bin[src][:, None], -1)
    add_paths(np.arange(S), stay, np.zeros(S, dtype=np.int64))
    add_paths(np.arange(S), bins, moves)
    alpha = 0.5 if smooth is None else smooth
    master = _INF
    it = 0
    status, new = "", np.zeros(0, dtype=np.int64)
    trace: list[tuple[float, float, float]] = []
    for it in range(max_rounds):  # noqa: B007
        if time_limit is not None:
            left = time_limit - (time.perf_counter() - t_start)
            if left <= 0.05:
                break
            h.setOptionValue("time_limit", float(h.getRunTime()) + left)  # its clock runs across runs
        h.run()
        status = h.modelStatusToString(h.getModelStatus()).lower()
        if status != "optimal":
            break
        master = float(h.getInfo().objective_function_value) + ms.offset
        dual = np.asarray(h.getSolution().row_dual, dtype=float)
        lam, mu = dual[:n_staff].reshape(T, B), dual[n_staff : n_staff + S]
        # Wentges smoothing: price at a point between the stability centre and the master's duals
        at = alpha * center + (1 - alpha) * lam
        value, held, n, hires, (w0, bins, moves) = _lagrangian(m, at, starts, lo, hi, hmax)
        if smooth is None:
            # the subgradient at the point says which way the bound rises (Pessoa et al. 2018):
            # towards the master's duals, less smoothing; away from them, more
            grad = m.fixed + held + np.cumsum(hires, axis=0) - n
            toward = float((grad * (lam - center)).sum()) > 0
            alpha = max(0.0, alpha - 0.1) if toward else min(0.99, alpha + 0.1)
        if value > best:
            best, center = value, at
        trace.append((round(time.perf_counter() - t_start, 2), round(master, 3), round(best, 3)))
        if best >= master - rel_gap * max(1.0, abs(master)) and master >= best:
            break  # the prices are optimal for the master (beyond the chords' caps it may be lower)
        if upper is not None and upper - best <= rel_gap * max(1.0, abs(upper)):
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
        if len(new) == 0:
            best = max(best, master)  # no path prices out: the master is the relaxation's optimum
            break
        add_paths(new, bins, moves)
    stats = {
        "colgen_rounds": it + 1,
        "colgen_status": status,
        "colgen_new": len(new),
        "colgen_master": master,
        "colgen_paths": sum(len(x) for x in ms.path_src),
        "colgen_seconds": round(time.perf_counter() - t_start, 2),
        "colgen_trace": trace,
    }
    return best, stats, ms


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
    the rounds (each path obeys the rules of a unit: :func:`_dp`), per round and position the
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


def price_and_branch(
    m: HorizonModel,
    ms: _Master,
    *,
    time_limit: float | None,
    cutoff: float | None,
    stats: dict[str, Any] | None = None,
) -> tuple[IntArray, IntArray] | None:
    """A plan from the paths the column generation made: its master with whole units on every
    path and whole hires (no artificial units), solved by HiGHS as a MIP with ``cutoff`` (the
    objective of a known plan) as the objective bound. The plan is turned into units held per
    pair and round and returned only if it breaks no row of the whole model
    (:func:`~asn_balance.engine.horizon.plan_violations`: the side rows the master leaves out
    are checked there). ``None``: no plan, or none better than ``cutoff``. ``stats`` gets the
    status, seconds, and the plan's objective and violations."""
    h = ms.h
    stats = {} if stats is None else stats
    t_start = time.perf_counter()
    n_cols = int(h.getNumCol())
    T, B = m.n_rounds, m.n_bins
    whole = np.concatenate([np.arange(ms.hire_first, ms.art_first), np.arange(ms.path_first, n_cols)]).astype(
        np.int32
    )
    h.changeColsIntegrality(len(whole), whole, np.ones(len(whole), dtype=np.uint8))
    art = np.arange(ms.art_first, ms.path_first, dtype=np.int32)
    h.changeColsBounds(len(art), art, np.zeros(len(art)), np.zeros(len(art)))
    h.setOptionValue("mip_rel_gap", 1e-6)
    if cutoff is not None:
        h.setOptionValue("objective_bound", float(cutoff) - ms.offset)
    deadline = None if time_limit is None else t_start + time_limit
    if time_limit is not None:
        h.setOptionValue("time_limit", float(h.getRunTime()) + max(0.05, time_limit))

    def interrupt(e: Any) -> None:
        if stop_requested() or (deadline is not None and time.perf_counter() > deadline):
            e.interrupt()

    h.cbMipInterrupt.subscribe(interrupt)
    h.cbSimplexInterrupt.subscribe(interrupt)  # the root LP too
    h.run()
    status = h.modelStatusToString(h.getModelStatus()).lower()
    sol = h.getSolution()
    stats.update({"pnb_status": status, "pnb_seconds": round(time.perf_counter() - t_start, 2)})
    if not sol.value_valid:
        return None
    x = np.rint(np.asarray(sol.col_value, dtype=float))
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
