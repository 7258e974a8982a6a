"""Unit paths of the horizon's large models: the shortest path of every unit under prices
(:func:`_dp`), the Lagrangian of the staff rows built on it (:func:`_lagrangian`) and the
bound by subgradient steps (:func:`lagrangian_bound`); the column generation of
:mod:`asn_balance.engine.horizon_large` prices its paths here."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .horizon import _INF, FloatArray, HorizonModel, IntArray, _init

__all__ = ["lagrangian_bound"]


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
