"""The five-year plan: moves and hires (formasi) over yearly rounds, one decision.

:func:`plan_horizon` compiles the horizon (:mod:`asn_balance.compile.horizon`), solves its
MIP warm-started from the plan made year by year (:mod:`asn_balance.engine.horizon`), and
follows every employee through the rounds (:mod:`asn_balance.evaluate.horizon`).
:func:`plan_years_greedily` is that year-by-year plan alone, the baseline.

It lives in ``analysis`` because, like :func:`~asn_balance.frontier`, it runs several solves
over compile, engine and evaluate; it belongs beside :func:`~asn_balance.solve` once the
planner layer has room for it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ..compile.horizon import compile_horizon
from ..engine.control import reset
from ..engine.horizon import solve_horizon, solve_myopic
from ..evaluate.horizon import HorizonResult, evaluate_horizon
from ..model.problem import Problem

__all__ = ["plan_horizon", "plan_years_greedily"]


def plan_horizon(
    problem: Problem,
    years: int = 5,
    hires: int | Sequence[int] | None = None,
    *,
    time_limit: float | None = None,
    warm_start: bool = True,
) -> HorizonResult:
    """Plan transfers and hires over ``years`` yearly rounds.

    Round ``t`` takes place on ``plan_date + t`` years (round 0 is today's plan). Every rule
    of the policy holds at every round's date, with months in position carried across the
    rounds (so with 24 months nobody moves in two consecutive rounds), people retiring with
    the BUP of the position they hold, and at most ``hires[t]`` new employees at round ``t``
    (``hire_allowed``/``max_hires`` per position). The objective is ``sum_t B_t + move_cost
    x moves + hire_cost x hires`` with the need of year ``t`` grown by ``workload_growth``.

    Parameters
    ----------
    problem : Problem
        Data and policy.
    years : int
        Number of rounds (default 5).
    hires : int, list of int or None
        Hire quotas: one per round, or ``years - 1`` for rounds 1 on (round 0 then takes none:
        a formasi takes a year), or one number for every round but the first. ``None``: none.
    time_limit : float, optional
        Seconds for the solve (``None``: until proven optimal).
    warm_start : bool
        Start the MIP from the plan made year by year.

    Returns
    -------
    HorizonResult
        Status, objective, a valid lower bound, the rounds and the formasi.

    Raises
    ------
    InputError
        Bad quotas or bad ``hire_allowed``/``max_hires``/``workload_growth`` cells.
    """
    t0 = time.perf_counter()
    reset()
    data = compile_horizon(problem, years, hires)
    t_compile = time.perf_counter() - t0
    left = None if time_limit is None else max(0.1, time_limit - t_compile)
    sol = solve_horizon(data.model, time_limit=left, warm=warm_start)
    extra = {
        "solver": sol.solver,
        "solver_seconds": round(sol.seconds, 3),
        "compile_seconds": round(t_compile, 3),
        "solver_stats": sol.stats,
        "time_limit": time_limit,
    }
    result = evaluate_horizon(
        problem,
        data,
        sol.held,
        sol.hires,
        status=sol.status,
        bound=sol.bound,
        claimed=sol.objective if sol.status in ("optimal", "feasible") else None,
        summary=extra,
    )
    result.summary["seconds"] = round(time.perf_counter() - t0, 3)
    return result


def plan_years_greedily(
    problem: Problem,
    years: int = 5,
    hires: int | Sequence[int] | None = None,
    *,
    time_limit: float | None = None,
) -> HorizonResult:
    """The plan made year by year: each round optimised after the rounds before, never looking
    ahead (the baseline of :func:`plan_horizon`; its ``bound`` is ``-inf``).

    Parameters are those of :func:`plan_horizon`.
    """
    t0 = time.perf_counter()
    reset()
    data = compile_horizon(problem, years, hires)
    sol = solve_myopic(data.model, time_limit=time_limit)
    result = evaluate_horizon(
        problem,
        data,
        sol.held,
        sol.hires,
        status=sol.status,
        bound=sol.bound,
        claimed=sol.objective if sol.status == "feasible" else None,
        summary={"solver": sol.solver, "solver_seconds": round(sol.seconds, 3)},
    )
    result.summary["seconds"] = round(time.perf_counter() - t0, 3)
    return result
