"""The horizon's models too large for one MIP (:data:`MAX_MIP_COLUMNS`): the bound by column
generation over unit paths (:mod:`asn_balance.engine.horizon_colgen`), the plan by
price-and-branch over the paths it made (after it, or with ``parallel`` in a thread beside
it), a restricted MIP whose plans are plans of the whole model as the fallback, a bound
computed bin by bin, and the LP bound.

:func:`solve_large` is called by :func:`~asn_balance.engine.horizon.solve_horizon`; the plan
it returns breaks no row of the model, its bound is valid, and the gap it reports is honest.
"""

from __future__ import annotations

import contextvars
import threading
import time
from typing import Any

import numpy as np

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
from .horizon_colgen import _colgen, _Master, colgen_bound
from .horizon_paths import lagrangian_bound

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

#: Price-and-branch keeps the paths of reduced cost at most this in the master's last LP
#: (and those in its solution, added after it, of staying and of the seed): a smaller MIP.
PNB_RC_KEEP = 0.0


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
    parallel: bool = False,
) -> HorizonSolution:
    """A model too large for one MIP: the bound by column generation over unit paths
    (:func:`colgen_bound`), the plan by price-and-branch (:func:`price_and_branch`: the
    paths it made, whole units, ``cutoff`` as the objective bound). The column generation
    runs alone for ``colgen_share`` of the time; then, with ``parallel`` and unless it has
    converged, price-and-branch runs in a thread of this solve's context on a copy of the
    master as it is then, while the column generation goes on beside it to the same deadline
    (both release the GIL inside HiGHS); without ``parallel`` one after the other, the column
    generation resumed for the time left. Without a plan from there and without a ``cutoff``
    plan of the caller, the MIP of a restricted model (:func:`restrict`) makes one. The bound
    is the best of the column generation's (the best Lagrangian value seen, or the master's
    LP optimum at convergence) and the bin-by-bin one (:func:`bin_bound`): an honest gap.

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
    if parallel and rest is not None and master.resume is not None and not stats["colgen_converged"]:
        # price-and-branch in a thread (the solve's context: its stop) on the master as it is
        # now, while the column generation goes on with the bound until its deadline
        snap, ctx = _snapshot(master), contextvars.copy_context()
        box: dict[str, Any] = {}
        pnb_stats: dict[str, Any] = {}
        t_pnb = time.perf_counter()

        def work(ms: _Master = master) -> None:
            try:
                box["found"] = price_and_branch(
                    m, ms, time_limit=rest, cutoff=cutoff, stats=pnb_stats, start=start, snapshot=snap
                )
            except BaseException as e:  # re-raised in this thread
                box["error"] = e

        worker = threading.Thread(target=ctx.run, args=(work,), daemon=True)
        worker.start()
        cg, cg_stats = master.resume(max(0.05, rest - (time.perf_counter() - t_pnb)))
        stats.update(cg_stats)
        stats["colgen_parallel"] = True
        worker.join(max(0.0, t_pnb + rest + WATCHDOG_GRACE + 1.0 - time.perf_counter()))
        stats.update(pnb_stats)
        if "error" in box:
            raise box["error"]
        found = box.get("found")
        if worker.is_alive():  # cannot happen (its own watchdog): no plan from it
            stats["pnb_status"] = "watchdog"
    else:
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


def _master_start(
    m: HorizonModel, ms: _Master, held: IntArray, hires: IntArray, n_cols: int
) -> FloatArray | None:
    """The master's columns of its seed plan (units held ``held``, ``hires``): its paths, its
    hires and the staff segments filled in order; ``None`` when it has no seed or a hire or a
    staff level has no column."""
    if (
        ms.seed_units is None
        or ms.seg_start is None
        or ms.seg_count is None
        or ms.seg_open is None
        or ms.seg_len is None
        or ms.lo is None
    ):
        return None
    x = np.zeros(n_cols)
    x[ms.seed_first : ms.seed_first + len(ms.seed_units)] = ms.seed_units
    hv = hires[ms.hire_tb[:, 0], ms.hire_tb[:, 1]] if len(ms.hire_tb) else np.zeros(0, dtype=np.int64)
    if int(hv.sum()) != int(hires.sum()):
        return None
    x[ms.hire_first : ms.art_first] = hv
    _, n, _ = evaluate_plan(m, held, hires)
    v = (n - ms.lo).ravel()
    rows = np.repeat(np.arange(len(v)), ms.seg_count)
    before = np.cumsum(ms.seg_len) - ms.seg_len
    before -= np.repeat(before[ms.seg_start], ms.seg_count)  # the units of the row's segments before
    over = v - np.bincount(rows, weights=ms.seg_len, minlength=len(v))
    if (v < 0).any() or ((over > 0) & ~ms.seg_open).any():
        return None
    x[: len(rows)] = np.clip(v[rows] - before, 0.0, ms.seg_len)  # filled in order
    last = ms.seg_start + ms.seg_count - 1
    x[last] += np.maximum(over, 0)
    return x


def _snapshot(ms: _Master, rc_keep: float | None = PNB_RC_KEEP) -> tuple[Any, IntArray, IntArray, IntArray]:
    """A copy of the master's model (the master stays an LP, the column generation can go
    on) and the starting pair and bins of each of its paths, as they are now. With
    ``rc_keep``, only the paths that may matter to a plan near the LP's: in the last LP
    solution, of reduced cost at most ``rc_keep`` there, added after it, the paths of staying
    and the seed's; the others are left out of the copy. Also returns the master's indices of
    the copy's columns."""
    from .backends.highs import _new_highs

    h: Any = _new_highs()
    h.setOptionValue("output_flag", False)
    h.passModel(ms.h.getModel())
    n = int(h.getNumCol())
    cols = np.arange(n, dtype=np.int64)
    ps, pbins = np.concatenate(ms.path_src), np.concatenate(ms.path_bins)
    if rc_keep is not None and ms.last_x is not None and ms.last_rc is not None:
        seen = len(ms.last_x)
        keep = np.ones(n, dtype=bool)
        x, rc = ms.last_x[ms.path_first :], ms.last_rc[ms.path_first :]
        keep[ms.path_first : seen] = (x > 1e-9) | (rc <= rc_keep)
        keep[ms.path_first : ms.path_first + len(ms.src)] = True  # staying
        if ms.seed_units is not None:
            keep[ms.seed_first : ms.seed_first + len(ms.seed_units)] = True
        drop = np.flatnonzero(~keep).astype(np.int32)
        if len(drop):
            h.deleteCols(len(drop), drop)
            cols = cols[keep]
            path_keep = keep[ms.path_first :]
            ps, pbins = ps[path_keep], pbins[path_keep]
    return h, ps, pbins, cols


def price_and_branch(
    m: HorizonModel,
    ms: _Master,
    *,
    time_limit: float | None,
    cutoff: float | None,
    stats: dict[str, Any] | None = None,
    start: tuple[IntArray, IntArray] | None = None,
    snapshot: tuple[Any, IntArray, IntArray, IntArray] | None = None,
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
    callback interrupts it at the same wall-clock deadline. ``snapshot``: the master as
    :func:`_snapshot` copied it (taken here when ``None``)."""
    stats = {} if stats is None else stats
    t_start = time.perf_counter()
    h, ps, pbins, cols = _snapshot(ms) if snapshot is None else snapshot
    n_cols = int(h.getNumCol())
    stats["pnb_paths"] = len(ps)
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
    x0 = None if start is None else _master_start(m, ms, *start, int(cols[-1]) + 1)
    x0 = None if x0 is None else x0[cols]
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
