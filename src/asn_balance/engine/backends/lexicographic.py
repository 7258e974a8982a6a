"""Lexicographic priorities: balance first, then the fewest moves within a tolerance.

Pass 1 solves for the best balance ``B*`` (moves free, exact flow). Pass 2 looks for the
fewest moves among plans with ``B <= B* (1 + tol) + 1e-9``: a price ``c`` per move turns it
into the flow ``min B + c * moves``, whose balance grows and whose moves fall as ``c``
grows; the largest price that keeps the balance within the limit is found by bisection,
each flow starting from the previous caps. Every price also proves a lower bound on the
moves of any plan within the limit: ``moves >= (L(c) - limit) / c`` with ``L(c)`` the
flow's optimum. The pass is optimal when the plan's moves meet that bound; the plan then
also has the least balance among plans with as few moves (it minimised ``B + c * moves``).
"""

from __future__ import annotations

import math
import time

import numpy as np

from ..control import stop_requested
from ..model import AssignmentModel, EngineSolution
from .flow import solve_flow
from .tiebreak import settle_ties

__all__ = ["solve_lexicographic"]


def solve_lexicographic(
    model: AssignmentModel, *, tolerance: float = 0.0, time_limit: float | None = None
) -> EngineSolution:
    """Best balance, then fewest moves with the balance within ``tolerance`` of its optimum.

    Parameters
    ----------
    model : AssignmentModel
        A flow-shaped model without a move budget; its ``move_cost`` is ignored here.
    tolerance : float
        Relative slack on the balance allowed to save moves (0.01 = 1 %).
    time_limit : float, optional
        Seconds for the second pass (default 60).

    Returns
    -------
    EngineSolution
        ``stats`` holds ``balance_optimum``, ``balance_limit`` and ``moves_lower_bound``;
        ``objective`` and ``bound`` are in the model's own terms (balance plus
        ``move_cost`` per move).
    """
    if not model.flow_shaped or model.max_moves is not None:
        raise ValueError("lexicographic priorities need a flow-shaped model without max_moves")
    t0 = time.perf_counter()
    deadline = t0 + (60.0 if time_limit is None else float(time_limit))
    free = _with_cost(model, 0.0)
    first = solve_flow(free)
    if first.status != "optimal":
        return first
    b_star = free.staffing_cost(first.staff) + first.arc_cost_total
    limit = b_star * (1.0 + max(0.0, tolerance)) + 1e-9 * max(1.0, b_star)
    best = first
    moves_lb = 0.0
    caps = np.maximum(first.staff, model.initial_staff())
    lo, hi = 0.0, 1.0
    flows = 1

    def price(c: float) -> EngineSolution:
        nonlocal best, moves_lb, flows
        sol = solve_flow(free, price=c, caps=caps)
        flows += 1
        bal = free.staffing_cost(sol.staff) + sol.arc_cost_total
        value = bal + c * sol.moves - float(sol.stats.get("rounding_tolerance", 0.0))
        moves_lb = max(moves_lb, (value - limit) / c)
        if bal <= limit and sol.moves < best.moves:
            best = sol
        return sol

    # grow the price until the balance leaves the limit (or moves reach their bound)
    while time.perf_counter() < deadline and not stop_requested():
        sol = price(hi)
        if free.staffing_cost(sol.staff) + sol.arc_cost_total > limit and hi < 1e9:
            break
        lo, hi = hi, hi * 4.0
        if sol.moves == 0 or hi >= 1e9:
            break
    for _ in range(50):
        if (
            time.perf_counter() >= deadline
            or best.moves <= math.ceil(moves_lb - 1e-9)
            or hi - lo < 1e-12 * hi
        ):
            break
        mid = 0.5 * (lo + hi)
        sol = price(mid)
        if free.staffing_cost(sol.staff) + sol.arc_cost_total <= limit:
            lo = mid
        else:
            hi = mid
    lb_moves = max(0, math.ceil(moves_lb - 1e-9))
    objective = model.objective(best.staff, best.moves, best.arc_cost_total)
    optimal = best.moves <= lb_moves
    tol = max(first.tolerance, best.tolerance)
    # The bound bounds what is reported: the objective (balance, the other terms and
    # move_cost per move) of the plan that is optimal in the lexicographic order (fewest
    # moves within the balance limit, then the least balance), not the weighted optimum,
    # which may move more. Optimal: no plan within the limit has fewer moves, and the plan
    # minimised B + c * moves for some price c, so none with as few moves has a lower
    # balance: the plan is that lexicographic optimum and its objective (less the rounding
    # tolerance) is the bound. Otherwise that optimum has at least lb_moves moves and a
    # balance of at least B* (less the first flow's tolerance).
    bound = (
        objective - best.tolerance
        if optimal
        else model.offset + b_star - first.tolerance + model.move_cost * lb_moves
    )
    sol = EngineSolution(
        status="optimal" if optimal else "feasible",
        objective=objective,
        bound=bound,
        staff=best.staff,
        move_group=best.move_group,
        move_bin=best.move_bin,
        move_count=best.move_count,
        move_arc=best.move_arc,
        seconds=time.perf_counter() - t0,
        solver="flow+lexicographic",
        moves=best.moves,
        arc_cost_total=best.arc_cost_total,
        tolerance=tol,
        stats={
            "balance_optimum": b_star,
            "balance_limit": limit,
            "moves_lower_bound": lb_moves,
            "flows": flows,
        },
    )
    return settle_ties(model, sol)


def _with_cost(model: AssignmentModel, move_cost: float) -> AssignmentModel:
    from dataclasses import replace

    return replace(model, move_cost=move_cost)
