"""Exact convex min-cost flow for the flow-shaped part of an assignment model.

Network (one direction, no cycles of positive use):

``home bin --(move cost, cap group size)--> signature --(0)--> class hub --(0)--> bin``;
``bin --(marginal staffing costs)--> sink``.

Every unit starts in its home bin. Groups whose move arcs are the same (classes, prices and
ticks) share one *signature* node, so the arcs per group x class of the model become one arc
per group and one per signature x class (at 1,000,000 employees: 11 million arcs become
9,000 plus 400,000). A placed group needs no node: its units leave the home bin on an arc
capped at the group's size (a unit that enters a bin while one of the bin's own movers
leaves is, in the plan, the same staff and the same moves). Levels up to
``max(min_staff, fixed)`` are always filled and get no unit arcs.

The convex staffing cost ``f_b(k)`` becomes unit arcs ``bin -> sink`` whose costs are
the marginals ``F_b(k) - F_b(k-1)`` of the integer-rounded cumulative cost
``F_b(k) = round(S f_b(k))``; rounding the cumulative (not the marginals) keeps the
error of any plan below ``0.5 / S`` per bin. Only marginals up to a cap ``K_b`` are
listed; one more arc per bin carries any further units at the first omitted marginal,
a lower bound of all later ones. If that relaxation ever sends flow on it the caps grow
and the flow is solved again, so the result is exact for the full model. Below, a bin's
held levels (up to its current staff) of low marginal are one block arc priced at their
dearest marginal, also a relaxation, exact when the block is full; a bin whose block is
left partly empty gets its levels listed and the flow is solved again.

``min_staff`` is a lower bound (node demand), ``max_staff`` caps the marginal arcs. When
the bounds cannot all hold, a second flow that minimises the total violation names the
bins that cannot be satisfied.

Each move costs one more unit of ``1 / S`` than its price, so that among plans of equal
objective the one with the fewest moves wins.
"""

from __future__ import annotations

import logging
import math
import time
import weakref
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from .. import control
from ..model import AssignmentModel, EngineSolution
from .mcf import Memo, solve_min_cost_flow

__all__ = ["solve_flow"]

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
_INT64_BUDGET = 8.0e18  # OR-Tools refuses max|cost| * (nodes + 1)^2 >= 2^63 (about 9.22e18).
_MAX_SCALE = 1.0e12
_SIG_CHUNK = 4_000_000  # arcs hashed or compared at a time when grouping by signature
#: The first marginal caps list the levels whose marginal staffing cost is at most this (a
#: position at 175 % of its need when the weight is the need), and never more than
#: ``ceil(2 target) + 2``. A guess, kept exact by the overflow arcs: at 5,000,000 employees
#: it cuts the network from 12.1 to 9.8 million arcs and the flow's CPU time by about 14 %,
#: still in one round (the dearest level used there has a marginal of 1.08).
CAP_MARGINAL = 1.5
#: A bin's levels up to its current staff whose marginal staffing cost is at most this (a
#: position at 75 % of its need) are one *block* arc, priced at the dearest of their
#: marginals: a relaxation (a plan that leaves some of them empty saves at least as much as
#: it truly does), exact when the block is full. A bin whose block is not full in the
#: solution gets its levels listed one by one and the flow is solved again. A guess, like
#: the caps: at 5,000,000 employees it takes 1.3 million arcs off the network, in one round.
FLOOR_MARGINAL = -0.5


def _cumulative(model: AssignmentModel, bins: IntArray, k: IntArray) -> npt.NDArray[np.float64]:
    return (k - model.target[bins]) ** 2 / model.weight[bins]


def solve_flow(
    model: AssignmentModel,
    *,
    price: float = 0.0,
    caps: IntArray | None = None,
    bin_in_cost: npt.NDArray[np.float64] | None = None,
) -> EngineSolution:
    """Solve the model without its move budget, exactly, as a min-cost flow.

    Parameters
    ----------
    model : AssignmentModel
        The model; ``max_moves`` is ignored here.
    price : float
        Extra price per move (a Lagrange multiplier of the budget).
    caps : ndarray of int, optional
        Initial marginal-arc caps per bin (grown automatically when too small).
    bin_in_cost : ndarray of float, optional
        A non-negative price per unit moved into each bin (Lagrange multipliers of caps on
        moves in). Not part of the reported objective; ``stats["in_cost"]`` holds its total.

    Returns
    -------
    EngineSolution
        ``optimal`` with ``bound`` equal to the objective less the rounding tolerance,
        or ``infeasible`` with the bins whose bounds cannot hold.
    """
    t0 = time.perf_counter()
    cur = model.initial_staff()
    # the fixed units never leave: levels up to max(min_staff, fixed) are always filled
    lo = np.maximum(model.min_staff, model.fixed).astype(np.int64)
    hi = np.where(model.max_staff >= 0, model.max_staff, np.iinfo(np.int64).max // 4).astype(np.int64)
    n_units = model.n_units
    if caps is None:
        cap = np.maximum(np.maximum(cur, lo), _first_caps(model))
    else:
        cap = np.maximum(np.maximum(caps.astype(np.int64), lo), cur)
    cap = np.minimum(np.minimum(cap, hi), n_units)
    cap = np.maximum(cap, np.minimum(lo, n_units))

    if lo.sum() > n_units or np.any(lo > hi):
        return _diagnose(model, t0)

    # the levels up to `held` are one block arc (none where held == lo)
    held = np.minimum(np.maximum(lo, np.minimum(cur, _first_floors(model))), cap)
    memo: Memo = {}  # the parts' flows: a round solves the changed parts only
    rounds = 0
    while True:
        rounds += 1
        sol = _solve_once(model, price, lo, hi, cap, cur, n_units, t0, bin_in_cost, held, memo)
        if isinstance(sol, EngineSolution):
            sol.stats["rounds"] = rounds
            return sol
        grow, short = sol  # units over each bin's cap; bins whose block was not filled
        if np.any(grow > 0):
            cap = _grown_caps(model, cap, grow, hi, n_units)
            log.debug("flow: growing marginal caps after %d bins overflowed", int((grow > 0).sum()))
        if len(short):
            held[short] = lo[short]  # list those bins' levels one by one
            log.debug("flow: %d bins left their block of held levels", len(short))


def _level_at_marginal(model: AssignmentModel, tau: float) -> tuple[npt.NDArray[np.float64], BoolArray]:
    """Per bin, the last level whose marginal staffing cost is at most ``tau`` (a float, not
    yet clipped), and which bins have a cost at all (an infinite weight costs nothing at
    any level: its entry is meaningless). The quadratic's marginal at level k is
    ``(2k - 1 - 2 target) / weight``: at most ``tau`` up to
    ``floor(target + 1/2 + tau weight / 2)``."""
    finite = np.isfinite(model.weight)
    with np.errstate(invalid="ignore", over="ignore"):
        level = np.floor(model.target + 0.5 + tau * np.where(finite, model.weight, 0.0) / 2.0)
    return np.nan_to_num(level, nan=0.0), finite


def _first_floors(model: AssignmentModel) -> IntArray:
    """The top of the first blocks of held levels: the levels whose marginal staffing cost
    is at most ``FLOOR_MARGINAL`` (none for a bin without cost)."""
    level, finite = _level_at_marginal(model, FLOOR_MARGINAL)
    return np.where(finite, np.maximum(level, 0.0), 0.0).astype(np.int64)


def _first_caps(model: AssignmentModel) -> IntArray:
    """The first marginal caps: the levels up to marginal ``CAP_MARGINAL``, at most
    ``ceil(2 target) + 2`` (that alone for a bin without cost)."""
    doubled = np.ceil(2 * model.target).astype(np.int64) + 2
    level, finite = _level_at_marginal(model, CAP_MARGINAL)
    # (clipped before the cast: a huge weight must not wrap around)
    return np.where(finite, np.clip(level, 0, doubled).astype(np.int64), doubled)


def _grown_caps(
    model: AssignmentModel, cap: IntArray, grow: IntArray, hi: IntArray, n_units: int
) -> IntArray:
    """The marginal caps after a relaxation that sent ``grow[b]`` units over bin ``b``'s cap.

    An overflow arc is priced at its bin's first omitted marginal, a lower bound of every
    later one: a weak relaxation where a bin's marginals rise slowly (a large weight), so a
    relaxation may pour thousands of units into one such bin, and, were only that bin grown,
    into the next such bin in the next round, one bin per round. So every bin gets the levels
    whose marginal is at most ``tau = theta + max(|theta|, move_cost)``, ``theta`` the dearest
    overflow price that carried flow (at least one more level for each bin that overflowed):
    no bin is then as cheap past its cap as the bins that overflowed, ``tau`` at least
    doubles each round once positive, so the rounds are few, and the marginals listed stay
    near ``tau`` (growing a bin by its overflow instead lists marginals far above any
    saving, which shrinks the integer cost scale and widens the rounding tolerance).
    """
    used = np.flatnonzero(grow > 0)
    k = cap[used] + 1
    theta = float(np.max(_cumulative(model, used, k) - _cumulative(model, used, k - 1)))
    tau = theta + max(abs(theta), float(model.move_cost), 1e-9)
    top = np.minimum(hi, n_units)
    # an infinite weight costs nothing at any level, so such a bin grows by what it took over
    # its cap only (listing all its levels would add up to n_units arcs per bin)
    level, finite = _level_at_marginal(model, tau)
    level = np.clip(np.where(finite, level, cap + grow), 0, top).astype(np.int64)
    new = np.maximum(cap + (grow > 0), level)
    return np.minimum(new, top)


def _solve_once(
    model: AssignmentModel,
    price: float,
    lo: IntArray,
    hi: IntArray,
    cap: IntArray,
    cur: IntArray,
    n_units: int,
    t0: float,
    bin_in_cost: npt.NDArray[np.float64] | None = None,
    held: IntArray | None = None,
    memo: Memo | None = None,
) -> EngineSolution | tuple[IntArray, IntArray]:
    # Nodes: bins, class hubs, signatures (groups with the same move arcs), unplaced groups,
    # the sink. A placed group needs no node of its own: its units start in its home bin with
    # the fixed staff and leave it on an arc bin -> signature capped at the group's size. A
    # unit that enters a bin and "leaves" it again is, in the plan, a unit that stays while
    # one of the bin's own movers goes: same staff, same moves, same cost.
    nb, nc = model.n_bins, model.n_classes
    sig = _signatures(model)
    hub0 = nb
    sig0 = hub0 + nc
    free0 = sig0 + sig.n_sigs
    gs_g = sig.moving_groups
    home = model.group_home[gs_g].astype(np.int64)
    unplaced = np.flatnonzero(home < 0)
    sink = free0 + len(unplaced)
    n_nodes = sink + 1

    # marginal arcs bin -> sink for k = lo+1 .. cap (those up to `held` become one block arc)
    n_marg = np.maximum(cap - lo, 0)
    m_bin = np.repeat(np.arange(nb, dtype=np.int64), n_marg)
    offs = np.arange(len(m_bin), dtype=np.int64) - np.repeat(np.cumsum(n_marg) - n_marg, n_marg)
    m_k = np.repeat(lo, n_marg) + offs + 1
    del offs
    in_block = m_k <= (lo if held is None else held)[m_bin]
    # overflow arcs: bins whose cap is below their hard cap (and below n_units)
    ov_bins = np.flatnonzero((cap < hi) & (cap < n_units)).astype(np.int64)
    ov_cap = np.minimum(hi[ov_bins], n_units) - cap[ov_bins]

    # unscaled costs; every group's arc costs are those of its signature's first group
    rep = sig.arcs
    f_hi = _cumulative(model, m_bin, m_k)
    f_lo = _cumulative(model, m_bin, m_k - 1)
    del m_k
    ov_k = cap[ov_bins] + 1
    ov_marg = _cumulative(model, ov_bins, ov_k) - _cumulative(model, ov_bins, ov_k - 1)
    move_unit = model.move_cost + price + model.arc_cost[rep]
    biggest = max(
        float(np.max(np.abs(f_hi - f_lo), initial=0.0)),
        float(np.max(np.abs(ov_marg), initial=0.0)),
        float(np.max(np.abs(move_unit), initial=0.0)),
        float(np.max(np.abs(bin_in_cost), initial=0.0)) if bin_in_cost is not None else 0.0,
        1e-9,
    )
    tick = model.max_tick
    # the largest integer cost is at most scale * biggest + 0.5 + tick (rounding and tie-break)
    scale = min(_MAX_SCALE, (_INT64_BUDGET / (n_nodes + 1) ** 2 - 0.5 - tick) / biggest)
    if scale >= 100:  # two significant digits: a round price such as 0.1 stays exact
        step = 10.0 ** (math.floor(math.log10(scale)) - 1)
        scale = math.floor(scale / step) * step
    m_cost = np.rint(scale * f_hi).astype(np.int64)
    del f_hi
    m_cost -= np.rint(scale * f_lo).astype(np.int64)
    del f_lo
    # a block of held levels: one arc priced at its dearest marginal (a relaxation, exact
    # when the block is full; its cost then exceeds the levels' by `blk_extra`)
    per_blk = np.bincount(m_bin[in_block], minlength=nb)
    blk_bins = np.flatnonzero(per_blk > 0).astype(np.int64)
    blk_cap = per_blk[blk_bins].astype(np.int64)
    if len(blk_bins):
        blk_levels = m_cost[in_block]
        blk_cost = np.maximum.reduceat(blk_levels, np.cumsum(blk_cap) - blk_cap)
        blk_extra = int(np.dot(blk_cap, blk_cost)) - int(blk_levels.sum())
        del blk_levels
        m_bin, m_cost = m_bin[~in_block], m_cost[~in_block]
    else:
        blk_cost, blk_extra = np.zeros(0, dtype=np.int64), 0
    del in_block
    ov_cost = np.rint(scale * (_cumulative(model, ov_bins, ov_k))).astype(np.int64) - np.rint(
        scale * _cumulative(model, ov_bins, ov_k - 1)
    ).astype(np.int64)

    # arcs: home bin (or unplaced group) -> signature -> class hub -> bin -> sink
    gs_t = home.copy()
    gs_t[unplaced] = free0 + np.arange(len(unplaced), dtype=np.int64)
    gs_h = sig0 + sig.sig_of[gs_g]
    sa_h = hub0 + model.arc_class[rep].astype(np.int64)
    sa_tick = np.ones(len(rep), dtype=np.int64) if model.arc_tick is None else model.arc_tick[rep]
    sa_cost = np.rint(scale * move_unit).astype(np.int64) + sa_tick
    cls_of = np.repeat(np.arange(nc, dtype=np.int64), np.diff(model.class_indptr))
    hb_h = model.class_bins.astype(np.int64)
    sinks = np.full(len(m_bin) + len(blk_bins) + len(ov_bins), sink, dtype=np.int64)
    tails = np.concatenate([gs_t, sig0 + sig.arc_sig, hub0 + cls_of, m_bin, blk_bins, ov_bins])
    heads = np.concatenate([gs_h, sa_h, hb_h, sinks])
    del sinks
    caps_ = np.concatenate(
        [
            model.group_size[gs_g].astype(np.int64),
            sig.sig_size[sig.arc_sig],
            np.full(len(cls_of), n_units, dtype=np.int64),
            np.ones(len(m_bin), dtype=np.int64),
            blk_cap,
            ov_cap,
        ]
    )
    hb_cost = (
        np.zeros(len(cls_of), dtype=np.int64)
        if bin_in_cost is None
        else np.rint(scale * bin_in_cost[hb_h]).astype(np.int64)
    )
    costs = np.concatenate([np.zeros(len(gs_g), dtype=np.int64), sa_cost, hb_cost, m_cost, blk_cost, ov_cost])
    del m_cost
    supply = np.zeros(n_nodes, dtype=np.int64)
    supply[:nb] = cur - lo
    supply[free0:sink] = model.group_size[gs_g[unplaced]]
    supply[sink] = -(n_units - int(lo.sum()))
    unreachable = int(model.group_size[model.group_home < 0].sum()) - int(supply[free0:sink].sum())
    if unreachable > 0:  # an unplaced group without arcs: its units can go nowhere
        return _diagnose(model, t0)

    n_arcs = len(tails)
    network = {"tails": tails, "heads": heads, "caps": caps_, "costs": costs, "supply": supply}
    del tails, heads, caps_, costs  # freed once OR-Tools (or the child's files) holds them
    # in a child process when the caller has work to do beside it (and the network is large)
    on_wait = control.waiting if control.idle_wanted() else None
    status, flows, flow_cost = solve_min_cost_flow(network, on_wait=on_wait, hub=sink, memo=memo)
    if status == "INFEASIBLE":
        return _diagnose(model, t0)
    if status != "OPTIMAL" or flows is None:
        raise RuntimeError(f"min-cost flow failed with status {status!r} (scale {scale:g})")

    a1 = len(gs_g)
    a2 = a1 + len(rep)
    a3 = a2 + len(cls_of)
    a4 = a3 + len(m_bin)
    a5 = a4 + len(blk_bins)
    ov_flow = flows[a5:]
    short = blk_bins[flows[a4:a5] < blk_cap]
    if np.any(ov_flow > 0) or len(short):
        grow = np.zeros(nb, dtype=np.int64)
        grow[ov_bins] = ov_flow
        return grow, short

    staff = lo + np.bincount(m_bin, weights=flows[a3:a4], minlength=nb).astype(np.int64)
    staff[blk_bins] += blk_cap
    hb_flow = flows[a2:a3]
    # at the class hubs: signature arcs in, bins out; at the signature nodes: groups in,
    # (signature arc, bin) pieces out
    n_rep = len(rep)
    p_arc, p_bin, p_amount, _ = decompose(
        np.arange(n_rep, dtype=np.int64), sa_h - hub0, flows[a1:a2], cls_of, hb_h, hb_flow,
        np.full(n_rep, -1, dtype=np.int64),
    )  # fmt: skip
    move_group, piece, move_count, _ = decompose(
        gs_g, sig.sig_of[gs_g], flows[:a1], sig.arc_sig[p_arc], np.arange(len(p_arc), dtype=np.int64),
        p_amount, np.full(model.n_groups, -1, dtype=np.int64),
    )  # fmt: skip
    move_bin = p_bin[piece]
    arc_of_move = sig.arc_of(move_group, sig.arc_rank[p_arc[piece]])
    real = model.group_home[move_group] != move_bin  # a unit routed back home simply stays
    move_group, move_bin, move_count, arc_of_move = (
        move_group[real],
        move_bin[real],
        move_count[real],
        arc_of_move[real],
    )
    moves = int(move_count.sum())
    arc_total = float(np.sum(model.arc_cost[arc_of_move] * move_count)) if len(move_count) else 0.0
    objective = model.objective(staff, moves, arc_total)
    # Any plan's integer cost is S * (true objective) + (per bin, within +-0.5) + (per moved
    # unit, between 0.5 and 0.5 + tick: rounded price and tie-break). Comparing with an optimal
    # plan Q: S * (obj - opt) <= nb + (0.5 + tick) moves(Q) - 0.5 moves. moves(Q) <= movable
    # units, and <= opt / price <= obj / price when moves have a price.
    movable = float(model.group_size.sum())
    unit_price = float(np.min(move_unit, initial=0.0))
    moves_q = min(movable, objective / unit_price) if unit_price > 0 else movable
    tol = max(0.0, nb + (0.5 + tick) * moves_q - 0.5 * moves) / scale
    seconds = time.perf_counter() - t0
    return EngineSolution(
        status="optimal",
        objective=objective,
        bound=objective - tol,
        staff=staff,
        move_group=move_group,
        move_bin=move_bin,
        move_count=move_count,
        move_arc=arc_of_move,
        seconds=seconds,
        solver="flow",
        moves=moves,
        arc_cost_total=arc_total,
        tolerance=tol,
        stats={
            "nodes": n_nodes,
            "arcs": n_arcs,
            "scale": scale,
            "rounding_tolerance": tol,
            "flow_cost": flow_cost - blk_extra,
            "price": price,
            "in_cost": float(np.dot(bin_in_cost[hb_h], hb_flow)) if bin_in_cost is not None else 0.0,
        },
    )


@dataclass(frozen=True)
class _Signatures:
    """Groups with the same move arcs (classes, prices and ticks, in order) share one node.

    ``sig_of[g]`` is the signature of group ``g`` (-1 without arcs); ``arcs`` the model arcs
    of each signature's first group, signature by signature, with ``arc_sig`` and
    ``arc_rank`` (the arc's place in its group's list); ``sig_size`` the units of each
    signature's groups; ``order`` the model arcs sorted by group and ``group_start`` where
    each group's arcs begin in it.
    """

    n_sigs: int
    sig_of: IntArray
    moving_groups: IntArray
    arcs: IntArray
    arc_sig: IntArray
    arc_rank: IntArray
    sig_size: IntArray
    order: IntArray | None
    group_start: IntArray

    def arc_of(self, groups: IntArray, rank: IntArray) -> IntArray:
        """The model arc of ``groups[i]`` at place ``rank[i]`` of its list."""
        at = self.group_start[groups] + rank
        return at if self.order is None else self.order[at]


_SIG_CACHE: list[tuple[weakref.ref[AssignmentModel], _Signatures]] = []


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """A 64-bit finaliser (splitmix64), in place."""
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def _signatures(model: AssignmentModel) -> _Signatures:
    """Group the model's groups by their arc lists (exact).

    Groups the model's maker declared alike (:meth:`AssignmentModel.declare_group_keys`)
    share a signature by their key; the others are hashed, then verified arc by arc.
    """
    for ref, cached in _SIG_CACHE:
        if ref() is model:
            return cached
    ng = model.n_groups
    arc_group = model.arc_group.astype(np.int64, copy=False)
    order: IntArray | None = None
    if len(arc_group) > 1 and np.any(arc_group[1:] < arc_group[:-1]):
        order = np.argsort(arc_group, kind="stable").astype(np.int64)
    group_start = np.searchsorted(arc_group if order is None else arc_group[order], np.arange(ng + 1))
    group_start = group_start.astype(np.int64)
    n_arcs = np.diff(group_start)

    moving = np.flatnonzero(n_arcs > 0).astype(np.int64)

    def arc_values(at: IntArray) -> tuple[npt.NDArray[np.uint64], ...]:
        """Class, cost bits and tick of the arcs at places ``at`` of the group-sorted order."""
        a = at if order is None else order[at]
        cost = np.ascontiguousarray(model.arc_cost[a], dtype=np.float64).view(np.uint64)
        tick = (
            np.ones(len(a), dtype=np.uint64)
            if model.arc_tick is None
            else model.arc_tick[a].astype(np.uint64)
        )
        return model.arc_class[a].astype(np.uint64), cost, tick

    def chunks(groups: IntArray) -> list[tuple[int, int]]:
        """Runs of ``groups[i:j]`` of about _SIG_CHUNK arcs each: the hash and the check hold
        a few arrays per arc, so big models are done a chunk at a time."""
        total = int(n_arcs[groups].sum())
        ends = np.searchsorted(
            np.cumsum(n_arcs[groups]), np.arange(_SIG_CHUNK, total + _SIG_CHUNK, _SIG_CHUNK)
        )
        bounds = np.unique(np.concatenate([[0], np.minimum(ends + 1, len(groups)), [len(groups)]]))
        return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))

    def places(groups: IntArray) -> tuple[IntArray, IntArray]:
        """The places of ``groups``' arcs in the group-sorted order, and each arc's rank."""
        per = n_arcs[groups]
        rank = np.arange(int(per.sum()), dtype=np.int64) - np.repeat(np.cumsum(per) - per, per)
        return np.repeat(group_start[groups], per) + rank, rank

    # groups the model's maker declared alike need no comparison; the rest are hashed
    declared = model.declared_group_keys()
    cand = moving.copy()
    hashed = moving if declared is None else moving[declared[moving] < 0]
    if declared is not None and len(hashed) < len(moving):
        keyed = moving[declared[moving] >= 0]
        _, first, inverse = np.unique(declared[keyed], return_index=True, return_inverse=True)
        cand[np.searchsorted(moving, keyed)] = keyed[first[inverse.ravel()]]
    # one 64-bit key per hashed group: its arcs hashed with their places in its list, and its
    # arc count
    key = np.zeros(len(hashed), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i, j in chunks(hashed):
            at, rank_ = places(hashed[i:j])
            cls, cost, tick = arc_values(at)
            rank = rank_.astype(np.uint64)
            del at, rank_
            h = _mix(cls * np.uint64(0x9E3779B97F4A7C15) + np.uint64(1))
            h += _mix(cost ^ np.uint64(0x632BE59BD9B4E019))
            h = _mix(h + tick * np.uint64(0xC2B2AE3D27D4EB4F) + rank * np.uint64(0x165667B19E3779F9))
            per = n_arcs[hashed[i:j]]
            key[i:j] = np.add.reduceat(h, np.cumsum(per) - per)
            del cls, cost, tick, rank, h
        key = _mix(key + n_arcs[hashed].astype(np.uint64) * np.uint64(0xD6E8FEB86659FD93))
    sig_of = np.full(ng, -1, dtype=np.int64)
    if len(hashed):
        # hashed groups with the same key: the first is the candidate representative
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        h_cand = hashed[first[inverse.ravel()]]
        # verify arc by arc; a group that differs from its candidate keeps a node of its own
        for i, j in chunks(hashed):
            per = n_arcs[hashed[i:j]]
            at, rank_ = places(hashed[i:j])
            a_vals = arc_values(at)
            b_vals = arc_values(np.repeat(group_start[h_cand[i:j]], per) + rank_)
            same = (a_vals[0] == b_vals[0]) & (a_vals[1] == b_vals[1]) & (a_vals[2] == b_vals[2])
            del a_vals, b_vals, at, rank_
            bad = ~np.logical_and.reduceat(same, np.cumsum(per) - per) | (n_arcs[h_cand[i:j]] != per)
            h_cand[i:j][bad] = hashed[i:j][bad]
        cand[np.searchsorted(moving, hashed)] = h_cand
    if len(moving):
        reps, sig_m = np.unique(cand, return_inverse=True)
        sig_of[moving] = sig_m.ravel()
    else:
        reps = np.zeros(0, dtype=np.int64)
    n_sigs = len(reps)
    per_rep = n_arcs[reps]
    arc_sig = np.repeat(np.arange(n_sigs, dtype=np.int64), per_rep)
    arc_rank = np.arange(len(arc_sig), dtype=np.int64) - np.repeat(np.cumsum(per_rep) - per_rep, per_rep)
    pos = np.repeat(group_start[reps], per_rep) + arc_rank
    arcs = pos if order is None else order[pos]
    sig_size = np.bincount(sig_of[moving], weights=model.group_size[moving], minlength=n_sigs)
    sig_size = sig_size.astype(np.int64)
    out = _Signatures(n_sigs, sig_of, moving, arcs, arc_sig, arc_rank, sig_size, order, group_start)
    _SIG_CACHE[:] = [(weakref.ref(model), out)]
    return out


def decompose(
    arc_group: IntArray,
    arc_class: IntArray,
    mv_flow: IntArray,
    hb_class: IntArray,
    hb_bin: IntArray,
    hb_flow: IntArray,
    group_home: IntArray,
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Pair each hub's inflows (groups) with its outflows (bins), vectorised.

    Inflow and outflow arcs are sorted by hub and cut into unit intervals on one common
    axis; as every hub conserves flow, both cumulative sums meet at every hub boundary.
    """
    ia = np.flatnonzero(mv_flow > 0)
    oa = np.flatnonzero(hb_flow > 0)
    if len(ia) == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e, e, e
    ia = ia[np.argsort(arc_class[ia], kind="stable")]
    oa = oa[np.argsort(hb_class[oa], kind="stable")]
    cin = np.cumsum(mv_flow[ia])
    cout = np.cumsum(hb_flow[oa])
    if cin[-1] != cout[-1]:
        raise RuntimeError("flow is not conserved at the hubs")
    cuts = np.union1d(cin, cout)
    starts = np.concatenate([[0], cuts[:-1]])
    amount = cuts - starts
    i_in = ia[np.searchsorted(cin, starts, side="right")]
    i_out = oa[np.searchsorted(cout, starts, side="right")]
    groups = arc_group[i_in].astype(np.int64)
    bins = hb_bin[i_out].astype(np.int64)
    real = group_home[groups] != bins  # a unit routed back home simply stays
    return groups[real], bins[real], amount[real].astype(np.int64), i_in[real].astype(np.int64)


def _diagnose(model: AssignmentModel, t0: float) -> EngineSolution:
    """Minimise total bound violation to name the bins whose bounds cannot hold."""
    nb, nc, ng = model.n_bins, model.n_classes, model.n_groups
    hub0, grp0, sink = nb, nb + nc, nb + nc + ng
    n_units = model.n_units
    lo = model.min_staff.astype(np.int64)
    hi = np.where(model.max_staff >= 0, model.max_staff, n_units).astype(np.int64)
    hi = np.minimum(hi, n_units)
    lo_c = np.minimum(lo, hi)
    cls_of = np.repeat(np.arange(nc, dtype=np.int64), np.diff(model.class_indptr))
    b = np.arange(nb, dtype=np.int64)
    placed = np.flatnonzero(model.group_home >= 0)
    tails = np.concatenate([grp0 + placed, grp0 + model.arc_group, hub0 + cls_of, b, b, b, b]).astype(
        np.int64
    )
    heads = np.concatenate(
        [model.group_home[placed], hub0 + model.arc_class, model.class_bins, np.full(4 * nb, sink)]
    ).astype(np.int64)
    caps = np.concatenate(
        [
            model.group_size[placed],
            model.group_size[model.arc_group],
            np.full(len(cls_of), n_units),
            lo_c,  # meeting the minimum: rewarded
            hi - lo_c,  # within bounds
            np.full(nb, n_units),  # above the maximum: penalised
            np.maximum(lo - lo_c, 0),  # min above max: still rewarded
        ]
    ).astype(np.int64)
    costs = np.concatenate(
        [
            np.zeros(len(placed)),
            np.ones(len(model.arc_group)),  # prefer fewer moves among equal violation
            np.zeros(len(cls_of)),
            np.full(nb, -(n_units + 1) * 4),
            np.zeros(nb),
            np.full(nb, (n_units + 1) * 4),
            np.full(nb, -(n_units + 1) * 4),
        ]
    ).astype(np.int64)
    supply = np.zeros(sink + 1, dtype=np.int64)
    supply[:nb] = model.fixed
    supply[grp0:sink] = model.group_size
    supply[sink] = -n_units
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    mcf.set_nodes_supplies(np.arange(sink + 1, dtype=np.int64), supply)
    status = mcf.solve()
    if status != mcf.OPTIMAL:  # some unplaced unit has no arc at all: nothing to name per bin
        return EngineSolution(
            status="infeasible",
            objective=float("nan"),
            bound=float("nan"),
            staff=model.initial_staff(),
            move_group=np.zeros(0, dtype=np.int64),
            move_bin=np.zeros(0, dtype=np.int64),
            move_count=np.zeros(0, dtype=np.int64),
            seconds=time.perf_counter() - t0,
            solver="flow",
            stats={"diagnosis": "an unplaced group has no eligible bin"},
        )
    flows = mcf.flows(np.arange(len(tails), dtype=np.int64))
    k = len(tails) - 4 * nb
    staff = np.zeros(nb, dtype=np.int64)
    for j in range(4):
        staff += flows[k + j * nb : k + (j + 1) * nb]
    bad: list[tuple[int, str, int, int]] = []
    for i in np.flatnonzero(staff < lo):
        bad.append((int(i), "min_staff", int(staff[i]), int(lo[i])))
    for i in np.flatnonzero((model.max_staff >= 0) & (staff > model.max_staff)):
        bad.append((int(i), "max_staff", int(staff[i]), int(model.max_staff[i])))
    if not bad and lo.sum() > n_units:
        bad.append((-1, "min_staff", n_units, int(lo.sum())))
    return EngineSolution(
        status="infeasible",
        objective=float("nan"),
        bound=float("nan"),
        staff=staff,
        move_group=np.zeros(0, dtype=np.int64),
        move_bin=np.zeros(0, dtype=np.int64),
        move_count=np.zeros(0, dtype=np.int64),
        seconds=time.perf_counter() - t0,
        solver="flow",
        infeasible_bins=bad,
    )
