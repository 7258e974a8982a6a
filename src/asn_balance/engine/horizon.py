"""A multi-round assignment model and its exact MIP (HiGHS), with a myopic round-by-round plan.

It knows nothing of ASN. **Bins** ``b`` have, per round ``t``, ``fixed[t, b]`` units that never
move, a convex cost ``(n - target[t, b])^2 / weight[t, b]`` of their ``n`` units and bounds
``min_units``/``max_units``. **Groups** ``g`` of ``size[g]`` interchangeable units start in
``home[g]`` (or spread over several bins, ``pair_init[p]`` units per pair); a group may hold
units in its admissible bins, the **pairs** ``p = (g, b)`` (the starting bins among them).
A unit of ``g`` in ``b``:

* is gone from round ``exit[p]`` on (it leaves with the bin it held the round before);
* may leave ``b`` at round ``t`` only if ``first[g] <= t <= last[p]`` and it arrived at
  ``b`` at least ``lock`` rounds before (a unit at home since the start is free from
  ``first[g]`` on);
* may arrive at ``b`` by a move only if ``enter[p]``.

Up to ``hire_cap[t]`` new units may enter at round ``t`` (``hire_max[b]`` per bin and round,
none where ``hire_ok[b]`` is false); they stay to the end. ``block[b]`` groups bins for the
per-round caps ``block_max_out``/``block_max_in`` on units leaving/entering a block,
``max_moves`` caps the moves of each round, and a **cover** row ``c`` asks for at least
``cover_need[t, c]`` units of the groups marked in ``cover_group[:, c]`` in the bins of block
``cover_block[c]`` at every round.

Objective: ``sum_t sum_b cost_tb(n) + move_cost x moves + hire_cost x hires``.

Variables per pair and round: ``y`` (integer units held), ``a`` (arrivals), ``d``
(departures); per round and bin ``h`` (integer hires), ``n`` (units) and ``z`` (the cost's
epigraph). Moving a group's units from one distribution to another takes at least the sum of
the increases, and since all units of a group are interchangeable and a move's price does
not depend on its origin, that many moves suffice: ``a >= y_t - y_{t-1}`` is exact. The lock
is ``d[p, t] <= y[p, t-1] - sum_{s = t-lock+1}^{t-1} a[p, s]``: the units that arrived in the
last ``lock - 1`` rounds are all still there (they could not leave) and may not leave now.
The cost is the lines through consecutive integer points of ``n``, exact at integers. With the
lines listed only up to a cap the model is a relaxation; a plan above a cap grows it and the
MIP is solved again, so the final plan is exact and HiGHS's dual bound is always valid.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from .backends.highs import _Rows
from .control import stop_requested

__all__ = [
    "HorizonModel",
    "HorizonSolution",
    "evaluate_plan",
    "plan_violations",
    "solve_horizon",
    "solve_myopic",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
_INF = float("inf")
#: Above this many columns the MIP is not tried: the myopic plan and the LP bound are reported.
MAX_MIP_COLUMNS = 600_000
#: Columns of the restricted MIP of a model above :data:`MAX_MIP_COLUMNS`.
RESTRICTED_COLUMNS = 400_000


@dataclass(frozen=True)
class HorizonModel:
    """A multi-round model (see the module docstring); arrays per round are ``(T, B)``."""

    target: FloatArray
    weight: FloatArray
    fixed: IntArray
    min_units: IntArray
    max_units: IntArray  # -1: no cap
    size: IntArray
    home: IntArray
    first: IntArray
    pair_group: IntArray
    pair_bin: IntArray
    pair_exit: IntArray
    pair_last: IntArray
    pair_enter: npt.NDArray[np.bool_]
    hire_cap: IntArray
    hire_ok: npt.NDArray[np.bool_]
    hire_max: IntArray  # -1: no cap
    lock: int = 1
    move_cost: float = 0.1
    hire_cost: float = 0.5
    block: IntArray | None = None
    block_max_out: IntArray | None = None  # per block, -1: no cap
    block_max_in: IntArray | None = None
    max_moves: int = -1  # per round, -1: no cap
    cover_block: IntArray | None = None  # per cover row c, the block it counts in
    cover_need: IntArray | None = None  # (T, C) units of qualified groups the block needs
    cover_group: npt.NDArray[np.bool_] | None = None  # (G, C) the group counts for row c
    pair_init: IntArray | None = None  # units per pair before round 0 (default: size at home)

    @property
    def n_rounds(self) -> int:
        """Number of rounds T."""
        return int(self.target.shape[0])

    @property
    def n_bins(self) -> int:
        """Number of bins B."""
        return int(self.target.shape[1])

    @property
    def n_pairs(self) -> int:
        """Number of admissible (group, bin) pairs."""
        return len(self.pair_group)

    def cost(self, units: npt.ArrayLike) -> FloatArray:
        """Per round and bin, the staffing cost of ``units`` (``(T, B)``)."""
        n = np.asarray(units, dtype=float)
        return np.asarray((n - self.target) ** 2 / self.weight, dtype=float)


@dataclass
class HorizonSolution:
    """A plan of a :class:`HorizonModel`.

    Attributes
    ----------
    status : str
        ``optimal``, ``feasible``, ``infeasible`` or ``time_limit``.
    objective, bound : float
        The plan's objective (recomputed) and a proven lower bound on the optimum.
    held : ndarray of int, shape (P, T)
        Units of each pair during each round.
    hires : ndarray of int, shape (T, B)
        New units per round and bin.
    """

    status: str
    objective: float
    bound: float
    held: IntArray
    hires: IntArray
    solver: str = "highs"
    seconds: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)


def _init(m: HorizonModel) -> IntArray:
    """Units of each pair before round 0: ``pair_init``, else the group's size at home."""
    if m.pair_init is not None:
        return np.asarray(m.pair_init, dtype=np.int64)
    return np.where(m.pair_bin == m.home[m.pair_group], m.size[m.pair_group], 0).astype(np.int64)


def evaluate_plan(m: HorizonModel, held: IntArray, hires: IntArray) -> tuple[float, IntArray, IntArray]:
    """Objective, units ``n`` (T, B) and moves per round of a plan (no feasibility check)."""
    T, B = m.n_rounds, m.n_bins
    prev = np.concatenate([_init(m)[:, None], held[:, :-1]], axis=1)
    alive = m.pair_exit[:, None] > np.arange(T)[None, :]
    inc = np.where(alive, np.maximum(held - prev, 0), 0)
    n = m.fixed.copy()
    for t in range(T):
        n[t] += np.bincount(m.pair_bin, weights=held[:, t], minlength=B).astype(np.int64)
    n += np.cumsum(hires, axis=0)
    moves = inc.sum(axis=0).astype(np.int64)
    obj = float(m.cost(n).sum() + m.move_cost * moves.sum() + m.hire_cost * hires.sum())
    return obj, n, moves


@dataclass
class _Built:
    """Column layout of one MIP over rounds ``t0 .. t1-1``."""

    t0: int
    t1: int
    n_cols: int
    lower: FloatArray
    upper: FloatArray
    cost: FloatArray
    integer: npt.NDArray[np.bool_]
    rows: _Rows
    cap: IntArray  # (R, B) the last integer point listed in the cost lines


def _build(
    m: HorizonModel,
    t0: int,
    t1: int,
    prev: IntArray,
    arrived: FloatArray,
    hired: IntArray,
    cap: IntArray | None,
) -> tuple[_Built, dict[str, Any]]:
    """The MIP of rounds ``t0 .. t1-1`` after a fixed past: ``prev`` units per pair held in
    round ``t0 - 1`` (or before round 0), ``arrived[p, s]`` arrivals of rounds ``s < t0``, and
    ``hired[b]`` units hired before ``t0``."""
    P, B, R = m.n_pairs, m.n_bins, t1 - t0
    rounds = np.arange(t0, t1)
    pg, pb = m.pair_group, m.pair_bin
    size = m.size[pg].astype(float)
    # column blocks: y, a, d (P x R each), h, n, z (B x R each)
    base = {k: k * P * R for k in range(3)}
    base.update({3 + k: 3 * P * R + k * B * R for k in range(3)})
    n_cols = 3 * P * R + 3 * B * R

    def pc(k: int, p: IntArray, t: IntArray) -> IntArray:
        return base[k] + np.asarray(p, np.int64) * R + (np.asarray(t, np.int64) - t0)

    def bc(k: int, t: IntArray, b: IntArray) -> IntArray:
        return base[k] + (np.asarray(t, np.int64) - t0) * B + np.asarray(b, np.int64)

    grid = np.meshgrid(np.arange(P), rounds, indexing="ij")
    PP, TT = grid[0].ravel(), grid[1].ravel()
    alive = m.pair_exit[PP] > TT
    lower = np.zeros(n_cols)
    upper = np.zeros(n_cols)
    cost = np.zeros(n_cols)
    integer = np.zeros(n_cols, dtype=bool)
    s_pt = size[PP]
    upper[pc(0, PP, TT)] = np.where(alive, s_pt, 0)
    integer[pc(0, PP, TT)] = True
    g_first = m.first[pg][PP]
    upper[pc(1, PP, TT)] = np.where(alive & m.pair_enter[PP] & (g_first <= TT), s_pt, 0)
    cost[pc(1, PP, TT)] = m.move_cost
    upper[pc(2, PP, TT)] = np.where(alive & (g_first <= TT) & (m.pair_last[PP] >= TT), s_pt, 0)
    grid = np.meshgrid(np.arange(B), rounds, indexing="ij")
    BB, TB = grid[0].ravel(), grid[1].ravel()
    hmax = np.where(m.hire_max[BB] >= 0, np.minimum(m.hire_max[BB], m.hire_cap[TB]), m.hire_cap[TB])
    upper[bc(3, TB, BB)] = np.where(m.hire_ok[BB], hmax, 0)
    integer[bc(3, TB, BB)] = True
    cost[bc(3, TB, BB)] = m.hire_cost
    lower[bc(4, TB, BB)] = np.maximum(m.min_units[TB, BB], m.fixed[TB, BB])
    upper[bc(4, TB, BB)] = np.where(m.max_units[TB, BB] >= 0, m.max_units[TB, BB], _INF)
    upper[bc(5, TB, BB)] = _INF
    cost[bc(5, TB, BB)] = 1.0

    rows = _Rows()
    # conservation per (group, round): sum over live pairs of y_t = sum over them of y_{t-1}
    G = len(m.size)
    for t in rounds.tolist():
        live = np.flatnonzero(m.pair_exit > t)
        cols = [pc(0, live, np.full(len(live), t))]
        vals = [np.ones(len(live))]
        rr = [pg[live]]
        if t > t0:
            cols.append(pc(0, live, np.full(len(live), t - 1)))
            vals.append(-np.ones(len(live)))
            rr.append(pg[live])
            rhs: FloatArray = np.zeros(G)
        else:
            rhs = np.bincount(pg[live], weights=prev[live], minlength=G).astype(float)
        rows.add(np.concatenate(rr), np.concatenate(cols), np.concatenate(vals), rhs, rhs, G)
    # increases and decreases per live (pair, round)
    lp, lt = PP[alive], TT[alive]
    k = np.arange(len(lp))
    first = lt == t0
    y_prev_const = np.where(first, prev[lp], 0.0)
    # a - d - y_t + y_{t-1} = 0: one row per live (pair, round); the move cost keeps a pair
    # from taking units in and sending units out in the same round
    nf = np.flatnonzero(~first)
    rows.add(
        np.concatenate([k, k, k, nf]),
        np.concatenate([pc(1, lp, lt), pc(2, lp, lt), pc(0, lp, lt), pc(0, lp[nf], lt[nf] - 1)]),
        np.concatenate([np.ones(len(k)), -np.ones(len(k)), -np.ones(len(k)), np.ones(len(nf))]),
        -y_prev_const,
        -y_prev_const,
        len(k),
    )
    # lock: d_t + sum of arrivals in the last lock-1 rounds - y_{t-1} <= 0
    if m.lock >= 2:
        sel = np.flatnonzero(lt >= 1)
        p_, t_ = lp[sel], lt[sel]
        kk = np.arange(len(sel))
        r_ = [kk]
        c_ = [pc(2, p_, t_)]
        v_ = [np.ones(len(kk))]
        const = np.zeros(len(kk))
        for back in range(1, m.lock):
            s = t_ - back
            ok = s >= 0
            var = ok & (s >= t0)
            r_.append(kk[var])
            c_.append(pc(1, p_[var], s[var]))
            v_.append(np.ones(int(var.sum())))
            past = ok & (s < t0)
            const[past] += arrived[p_[past], s[past]]
        var = t_ - 1 >= t0
        r_.append(kk[var])
        c_.append(pc(0, p_[var], t_[var] - 1))
        v_.append(-np.ones(int(var.sum())))
        const[~var] -= prev[p_[~var]]
        rows.add(np.concatenate(r_), np.concatenate(c_), np.concatenate(v_), -_INF, -const, len(kk))
    # staff: n - sum y - hires so far = fixed + hired before t0
    kb = (TB - t0) * B + BB
    r_ = [kb]
    c_ = [bc(4, TB, BB)]
    v_ = [np.ones(len(kb))]
    for t in rounds.tolist():
        r_.append((t - t0) * B + pb)
        c_.append(pc(0, np.arange(P), np.full(P, t)))
        v_.append(-np.ones(P))
        for s_ in range(t0, t + 1):
            r_.append((t - t0) * B + np.arange(B))
            c_.append(bc(3, np.full(B, s_), np.arange(B)))
            v_.append(-np.ones(B))
    rhs = (m.fixed[TB, BB] + hired[BB]).astype(float)
    order = np.argsort(kb)
    rows.add(np.concatenate(r_), np.concatenate(c_), np.concatenate(v_), rhs[order], rhs[order], B * R)
    # cost lines between consecutive integer points, from the least possible units to the cap
    lo_u = lower[bc(4, TB, BB)].astype(np.int64)
    reach = np.bincount(pb, weights=size, minlength=B)[BB] + hired[BB] + np.cumsum(m.hire_cap)[TB]
    top = np.floor(m.fixed[TB, BB] + reach).astype(np.int64)
    top = np.where(m.max_units[TB, BB] >= 0, np.minimum(top, m.max_units[TB, BB]), top)
    if cap is None:
        # a first guess (grown if a plan goes beyond): twice the target, or the staff at the start
        now = np.bincount(pb, weights=prev, minlength=B)[BB] + hired[BB]
        soft = np.maximum(np.ceil(2 * m.target[TB, BB]) + 2, m.fixed[TB, BB] + now + 2)
        cap_flat = np.minimum(top, np.maximum(soft.astype(np.int64), lo_u + 1))
    else:
        cap_flat = np.minimum(top, cap[TB - t0, BB])
    cap_flat = np.maximum(cap_flat, lo_u + 1)
    n_lines = cap_flat - lo_u
    li = np.repeat(np.arange(len(BB)), n_lines)
    kpt = (
        np.repeat(lo_u, n_lines)
        + np.arange(int(n_lines.sum()))
        - np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    )
    tgt, w = m.target[TB[li], BB[li]], m.weight[TB[li], BB[li]]
    f0 = (kpt - tgt) ** 2 / w
    slope = (kpt + 1 - tgt) ** 2 / w - f0
    nl = np.arange(len(li))
    rows.add(
        np.concatenate([nl, nl]),
        np.concatenate([bc(5, TB[li], BB[li]), bc(4, TB[li], BB[li])]),
        np.concatenate([np.ones(len(nl)), -slope]),
        f0 - slope * kpt,
        _INF,
        len(nl),
    )
    # hires per round
    hr = np.repeat(np.arange(R), B)
    rows.add(hr, bc(3, t0 + hr, np.tile(np.arange(B), R)), 1.0, -_INF, m.hire_cap[rounds].astype(float), R)
    # caps per block and round on departures and arrivals
    if m.block is not None:
        for kind, caps in ((2, m.block_max_out), (1, m.block_max_in)):
            if caps is None or not (caps >= 0).any():
                continue
            capped = np.flatnonzero(caps >= 0)
            slot = np.full(len(caps), -1)
            slot[capped] = np.arange(len(capped))
            sl = slot[m.block[pb[lp]]]
            ok = sl >= 0
            rows.add(
                sl[ok] * R + (lt[ok] - t0),
                pc(kind, lp[ok], lt[ok]),
                1.0,
                -_INF,
                np.repeat(caps[capped].astype(float), R),
                len(capped) * R,
            )
    # moves per round
    if m.max_moves >= 0:
        rows.add(lt - t0, pc(1, lp, lt), 1.0, -_INF, float(m.max_moves), R)
    # cover rows: qualified units of a block per round
    if m.cover_block is not None and m.cover_need is not None and m.cover_group is not None:
        C = len(m.cover_block)
        blk = m.block if m.block is not None else np.zeros(B, dtype=np.int64)
        for c in range(C):
            sel = np.flatnonzero((blk[pb[lp]] == m.cover_block[c]) & m.cover_group[pg[lp], c])
            rows.add(
                lt[sel] - t0,
                pc(0, lp[sel], lt[sel]),
                1.0,
                m.cover_need[rounds, c].astype(float),
                _INF,
                R,
            )
    cap_out = cap_flat.reshape(B, R).T.copy()
    built = _Built(t0, t1, n_cols, lower, upper, cost, integer, rows, cap_out)
    return built, {"pc": pc, "bc": bc}


def _columns(
    m: HorizonModel, b: _Built, f: dict[str, Any], held: IntArray, hires: IntArray, prev: IntArray
) -> FloatArray:
    """The column values of a plan (rounds ``b.t0 .. b.t1-1`` of ``held``/``hires``)."""
    t0, t1 = b.t0, b.t1
    P, B = m.n_pairs, m.n_bins
    x = np.zeros(b.n_cols)
    hp = np.concatenate([prev[:, None], held[:, t0:t1]], axis=1)
    alive = m.pair_exit[:, None] > np.arange(t0, t1)[None, :]
    pp, tt = np.meshgrid(np.arange(P), np.arange(t0, t1), indexing="ij")
    x[f["pc"](0, pp.ravel(), tt.ravel())] = held[:, t0:t1].ravel()
    x[f["pc"](1, pp.ravel(), tt.ravel())] = np.where(alive, np.maximum(hp[:, 1:] - hp[:, :-1], 0), 0).ravel()
    x[f["pc"](2, pp.ravel(), tt.ravel())] = np.where(alive, np.maximum(hp[:, :-1] - hp[:, 1:], 0), 0).ravel()
    _, n, _ = evaluate_plan(m, held, hires)
    bb, tb = np.meshgrid(np.arange(B), np.arange(t0, t1), indexing="ij")
    x[f["bc"](3, tb.ravel(), bb.ravel())] = hires[tb.ravel(), bb.ravel()]
    x[f["bc"](4, tb.ravel(), bb.ravel())] = n[tb.ravel(), bb.ravel()]
    x[f["bc"](5, tb.ravel(), bb.ravel())] = m.cost(n)[tb.ravel(), bb.ravel()]
    return x


def plan_violations(m: HorizonModel, held: IntArray, hires: IntArray, tol: float = 1e-6) -> int:
    """How many column bounds and rows of the MIP a plan breaks (0: a plan of ``m``).

    The plan is written as the columns of the MIP (:func:`_build`) of the pairs it uses and the
    pairs units start in, so a plan made another way (the paths of the column generation) is
    held to the one statement of the rules. Integrality holds by construction.
    """
    T = m.n_rounds
    init = _init(m)
    keep = np.flatnonzero((held != 0).any(axis=1) | (init > 0))
    sub = _subset(m, keep)
    b, f = _build(sub, 0, T, init[keep], np.zeros((len(keep), T)), np.zeros(m.n_bins, np.int64), None)
    x = _columns(sub, b, f, held[keep], hires, init[keep])
    bad = int(((x < b.lower - tol) | (x > b.upper + tol)).sum())
    row_start, cols, value, lo, hi = b.rows.csr(b.n_cols)
    row = np.repeat(np.arange(len(lo)), np.diff(row_start))
    ax = np.bincount(row, weights=value * x[cols], minlength=len(lo))
    scale = tol * np.maximum(1.0, np.abs(ax))
    return bad + int(((ax < lo - scale) | (ax > hi + scale)).sum())


def _subset(m: HorizonModel, keep: IntArray) -> HorizonModel:
    """The model with only the pairs ``keep`` (their starting units kept)."""
    return replace(
        m,
        pair_group=m.pair_group[keep],
        pair_bin=m.pair_bin[keep],
        pair_exit=m.pair_exit[keep],
        pair_last=m.pair_last[keep],
        pair_enter=m.pair_enter[keep],
        pair_init=_init(m)[keep],
    )


def _run(
    m: HorizonModel,
    b: _Built,
    *,
    mip: bool,
    time_limit: float | None,
    start: FloatArray | None,
    gap: float = 1e-6,
    cutoff: float | None = None,
) -> tuple[str, FloatArray | None, float, dict[str, Any]]:
    """Solve a built model with HiGHS: status, column values, dual bound, stats."""
    from .backends.highs import _new_highs

    # HiGHS's thread scheduler is global to the process: no instance sets ``threads`` (one
    # that asks for another count than the first run's fails with "scheduler already
    # initialized"), and every instance comes from the engine's silent constructor
    h: Any = _new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 0)
    if time_limit is not None:
        h.setOptionValue("time_limit", max(0.05, float(time_limit)))
    h.setOptionValue("mip_rel_gap", gap)
    h.setOptionValue("mip_abs_gap", 1e-7)
    n = b.n_cols
    h.addVars(n, b.lower, b.upper)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), b.cost)
    if mip and b.integer.any():
        idx = np.flatnonzero(b.integer).astype(np.int32)
        h.changeColsIntegrality(len(idx), idx, np.ones(len(idx), dtype=np.uint8))
    row_start, cols, value, lo, hi = b.rows.csr(b.n_cols)
    starts, index = row_start[:-1].astype(np.int32), cols.astype(np.int32)
    h.addRows(len(lo), lo, hi, len(value), starts, index, value)
    if start is not None and mip:
        # HiGHS 1.16 misprices a MIP start in presolve's reduced space (see backends/highs.py):
        # with a start, no presolve
        h.setOptionValue("presolve", "off")
        h.setSolution(n, np.arange(n, dtype=np.int32), start)
    if cutoff is not None and mip:
        # a known plan's objective prunes the search (presolve stays on: faster than a start)
        h.setOptionValue("objective_bound", float(cutoff) + 1e-6 * max(1.0, abs(cutoff)))

    def interrupt(e: Any) -> None:
        if stop_requested():
            e.interrupt()

    h.cbMipInterrupt.subscribe(interrupt)
    h.cbSimplexInterrupt.subscribe(interrupt)
    h.run()
    ms = h.modelStatusToString(h.getModelStatus()).lower()
    info = h.getInfo()
    stats = {"columns": n, "rows": len(lo), "nonzeros": len(value), "highs_status": ms}
    sol = h.getSolution()
    has = bool(sol.value_valid)
    x = np.asarray(sol.col_value, dtype=float) if has else None
    if mip:
        bound = float(info.mip_dual_bound)
        stats["nodes"] = int(info.mip_node_count)
    else:
        bound = float(info.objective_function_value) if ms == "optimal" else -_INF
    if "infeasible" in ms:
        return "infeasible", None, _INF, stats
    if ms == "optimal":
        return "optimal", x, bound, stats
    return ("feasible" if has else "time_limit"), x, bound, stats


def _extract(
    m: HorizonModel, b: _Built, f: dict[str, Any], x: FloatArray, held: IntArray, hires: IntArray
) -> None:
    P, B = m.n_pairs, m.n_bins
    for t in range(b.t0, b.t1):
        held[:, t] = np.rint(x[f["pc"](0, np.arange(P), np.full(P, t))]).astype(np.int64)
        hires[t] = np.rint(x[f["bc"](3, np.full(B, t), np.arange(B))]).astype(np.int64)


def _past(m: HorizonModel, held: IntArray, t0: int) -> tuple[IntArray, FloatArray, IntArray]:
    """``prev`` (units held in round ``t0-1``) and ``arrived[p, s]`` for ``s < t0``."""
    init = _init(m)
    prev = init if t0 == 0 else held[:, t0 - 1]
    hp = np.concatenate([init[:, None], held[:, :t0]], axis=1)
    alive = m.pair_exit[:, None] > np.arange(t0)[None, :]
    arrived = np.zeros((m.n_pairs, m.n_rounds))
    arrived[:, :t0] = np.where(alive, np.maximum(hp[:, 1:] - hp[:, :-1], 0), 0)
    return prev, arrived, np.zeros(m.n_bins, dtype=np.int64)


def _solve_exact(
    m: HorizonModel,
    t0: int,
    t1: int,
    held: IntArray,
    hires: IntArray,
    *,
    deadline: float | None,
    start: tuple[IntArray, IntArray] | None,
    gap: float = 1e-6,
    cutoff: float | None = None,
) -> tuple[str, float, dict[str, Any]]:
    """Solve rounds ``t0 .. t1-1`` after ``held``/``hires`` of the rounds before, into them.

    The cost lines are listed to a cap; a plan above a cap grows it (at most 6 times).
    ``cutoff``: the objective of a known plan; HiGHS looks only for better ones (status
    ``infeasible`` then means none is better). Returns the status, the dual bound (of these
    rounds' cost, the past's cost excluded) and the stats.
    """
    prev, arrived, _ = _past(m, held, t0)
    hired = hires[:t0].sum(axis=0).astype(np.int64)
    cap = None
    stats: dict[str, Any] = {}
    bound = -_INF
    for attempt in range(7):
        b, f = _build(m, t0, t1, prev, arrived, hired, cap)
        left = None if deadline is None else max(0.05, deadline - time.perf_counter())
        x0 = _columns(m, b, f, start[0], start[1], prev) if start is not None else None
        status, x, bound, stats = _run(
            m, b, mip=True, time_limit=left, start=x0, gap=gap, cutoff=cutoff if start is None else None
        )
        stats["cap_rounds"] = attempt + 1
        if x is None:
            return status, bound, stats
        _extract(m, b, f, x, held, hires)
        bb, tb = np.meshgrid(np.arange(m.n_bins), np.arange(t0, t1), indexing="ij")
        n = np.rint(x[f["bc"](4, tb.ravel(), bb.ravel())]).reshape(m.n_bins, t1 - t0).T
        over = n > b.cap
        if not over.any():
            return status, bound, stats
        cap = np.where(over, 2 * n - b.cap + 2, b.cap).astype(np.int64)  # whole points
        start = (held.copy(), hires.copy())
    return status, bound, stats


def solve_myopic(m: HorizonModel, *, time_limit: float | None = None) -> HorizonSolution:
    """Round by round: each round's cost and moves minimised after the rounds before (exactly,
    by HiGHS), never looking ahead. The baseline of a plan made year by year.

    The ``bound`` is not a bound on the horizon's optimum (``-inf``): the plan is greedy.
    """
    t_start = time.perf_counter()
    T = m.n_rounds
    held = np.zeros((m.n_pairs, T), dtype=np.int64)
    hires = np.zeros((T, m.n_bins), dtype=np.int64)
    deadline = None if time_limit is None else t_start + time_limit
    for t in range(T):
        status, _, _ = _solve_exact(m, t, t + 1, held, hires, deadline=deadline, start=None)
        if status in ("infeasible", "time_limit"):
            return HorizonSolution(
                status,
                float("nan"),
                -_INF,
                held,
                hires,
                "myopic",
                time.perf_counter() - t_start,
                {"failed_round": t},
            )
    obj, _, _ = evaluate_plan(m, held, hires)
    return HorizonSolution("feasible", obj, -_INF, held, hires, "myopic", time.perf_counter() - t_start)


def solve_horizon(
    m: HorizonModel,
    *,
    time_limit: float | None = None,
    warm: bool = True,
    gap: float = 1e-6,
    cutoff: float | None = None,
    restrict: bool = True,
    seed: tuple[IntArray, IntArray, IntArray] | None = None,
) -> HorizonSolution:
    """The horizon's MIP, warm-started from the myopic plan; HiGHS's dual bound.

    Parameters
    ----------
    m : HorizonModel
        The model.
    time_limit : float, optional
        Seconds for the whole solve (myopic start included).
    warm : bool
        Start from the myopic plan (:func:`solve_myopic`).
    gap : float
        Relative gap at which HiGHS stops.
    cutoff : float, optional
        The objective of a plan known elsewhere (the plan made year by year by the caller):
        only better plans are looked for. When none is found the status is ``no_better``
        with no plan and a valid bound (``cutoff`` itself when the search proved that no
        better plan exists).
    restrict : bool
        Solve a model above :data:`MAX_MIP_COLUMNS` restricted
        (:func:`~asn_balance.engine.horizon_large.solve_large`); ``False``: as it is.
    seed : tuple of arrays, optional
        For a model above :data:`MAX_MIP_COLUMNS`: the plan of ``cutoff`` as unit paths (per
        unit its starting pair and its bin per round, ``-1`` gone) and hires ``(T, B)``; the
        column generation starts from its paths (see ``solve_large``).

    Returns
    -------
    HorizonSolution
        ``optimal`` within ``gap`` (or proven), ``feasible`` with a valid bound otherwise.
    """
    t_start = time.perf_counter()
    deadline = None if time_limit is None else t_start + time_limit
    T = m.n_rounds
    stats: dict[str, Any] = {"pairs": m.n_pairs, "groups": len(m.size), "bins": m.n_bins, "rounds": T}
    from .horizon_large import is_large, solve_large

    if restrict and is_large(m):
        return solve_large(
            m, time_limit=time_limit, warm=warm, gap=gap, stats=stats, t_start=t_start, cutoff=cutoff,
            seed=seed,
        )  # fmt: skip
    greedy = None
    if warm:
        left = None if deadline is None else 0.4 * (deadline - t_start)
        greedy = solve_myopic(m, time_limit=left)
        stats["myopic_objective"] = greedy.objective
        stats["myopic_seconds"] = round(greedy.seconds, 3)
        if greedy.status != "feasible":
            greedy = None
    held = np.zeros((m.n_pairs, T), dtype=np.int64)
    hires = np.zeros((T, m.n_bins), dtype=np.int64)
    # the year-by-year plan is the incumbent HiGHS must beat (an objective cutoff, with
    # presolve: three times faster on the Plaju demo than a MIP start without presolve)
    if greedy is not None and cutoff is not None and greedy.objective >= cutoff:
        greedy = None  # the caller's plan is better: it is the one to beat
    limit = greedy.objective if greedy is not None else cutoff
    status, bound, st = _solve_exact(
        m, 0, T, held, hires, deadline=deadline, start=None, gap=gap, cutoff=limit
    )
    stats.update(st)
    seconds = time.perf_counter() - t_start
    if greedy is None and cutoff is not None and status in ("infeasible", "time_limit"):
        proven = status == "infeasible"  # nothing better than the caller's plan exists
        return HorizonSolution(
            "no_better",
            float("nan"),
            cutoff if proven else min(bound, cutoff),
            held,
            hires,
            "highs",
            seconds,
            stats,
        )
    if greedy is not None:
        # nothing better than the cutoff exists beyond HiGHS's bound: the least of the two is valid
        bound = min(bound, greedy.objective)
        if status == "infeasible":  # proven: no plan better than the year-by-year one
            return HorizonSolution(
                "optimal",
                greedy.objective,
                greedy.objective,
                greedy.held,
                greedy.hires,
                "myopic+highs",
                seconds,
                stats,
            )
    if status in ("infeasible", "time_limit"):
        if greedy is not None and status == "time_limit":
            return HorizonSolution(
                "feasible", greedy.objective, bound, greedy.held, greedy.hires, "myopic+highs", seconds, stats
            )
        return HorizonSolution(status, float("nan"), bound, held, hires, "highs", seconds, stats)
    obj, _, _ = evaluate_plan(m, held, hires)
    if greedy is not None and greedy.objective < obj - 1e-9:  # HiGHS stopped above its start
        held, hires, obj = greedy.held, greedy.hires, greedy.objective
    if obj < bound <= obj + 1e-6 * max(1.0, abs(obj)):  # HiGHS's own tolerances, not a bug
        bound = obj
    close = obj - bound <= gap * max(1.0, abs(obj)) + 1e-7
    return HorizonSolution(
        "optimal" if close else "feasible",
        obj,
        bound,
        held,
        hires,
        "myopic+highs" if greedy is not None else "highs",
        seconds,
        stats,
    )
