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

import math
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..compile.horizon import HorizonData, compile_horizon, horizon_columns
from ..engine import control
from ..engine.horizon import solve_horizon, solve_myopic
from ..engine.horizon_large import is_large
from ..evaluate.horizon import HorizonResult, evaluate_horizon, evaluate_horizon_moves
from ..model.problem import Problem
from ..planner import solve

__all__ = [
    "plan_horizon",
    "plan_paths",
    "plan_year_by_year",
    "plan_years_greedily",
    "round_problem",
    "round_state",
]


def plan_horizon(
    problem: Problem,
    years: int = 5,
    hires: int | Sequence[int] | None = None,
    *,
    time_limit: float | None = None,
    warm_start: bool = True,
    year_by_year: bool | None = None,
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
        Give the MIP the plan made round by round by its own model as the plan to beat.
    year_by_year : bool, optional
        Also make the plan year by year with :func:`asn_balance.solve`
        (:func:`plan_year_by_year`, up to 40 % of ``time_limit``) and only look for better
        plans; it is returned, with the MIP's bound, when none is found. ``None`` (default):
        only for a model too large for one MIP.

    Returns
    -------
    HorizonResult
        Status, objective, a valid lower bound, the rounds and the formasi.

    Raises
    ------
    InputError
        Bad quotas or bad ``hire_allowed``/``max_hires``/``workload_growth`` cells.

    Notes
    -----
    The plan runs in its own stop scope (:func:`asn_balance.engine.control.solving`, nested
    in the caller's if one is open): :func:`asn_balance.request_stop` stops it, and the stop
    of another plan or solve running in another thread does not.
    """
    with control.solving():  # this plan's own stop: another's overrun or stop is not its
        return _plan_horizon(problem, years, hires, time_limit, warm_start, year_by_year)


def _plan_horizon(
    problem: Problem,
    years: int,
    hires: int | Sequence[int] | None,
    time_limit: float | None,
    warm_start: bool,
    year_by_year: bool | None,
) -> HorizonResult:
    """:func:`plan_horizon` within its stop scope."""
    t0 = time.perf_counter()
    data = compile_horizon(problem, years, hires)
    t_compile = time.perf_counter() - t0
    large = is_large(data.model)
    baseline = None
    if year_by_year or (year_by_year is None and large):
        share = None if time_limit is None else 0.4 * max(0.1, time_limit - t_compile)
        baseline = plan_year_by_year(problem, years, hires, time_limit=share)
        if not baseline.has_plan:
            baseline = None
    seed = None if baseline is None or not large else plan_paths(problem, data, baseline)
    # the plan is followed employee by employee after the solve: that time is kept back,
    # measured on the year-by-year plan (its evaluation, twice, plus 0.2 s)
    reserve = 0.0 if baseline is None else 0.2 + 2 * float(baseline.summary.get("evaluate_seconds", 0.0))
    elapsed = time.perf_counter() - t0
    left = None if time_limit is None else max(0.1, time_limit - elapsed - reserve)
    cutoff = baseline.objective if baseline is not None else None
    sol = solve_horizon(data.model, time_limit=left, warm=warm_start, cutoff=cutoff, seed=seed)
    extra = {
        "solver": sol.solver,
        "solver_seconds": round(sol.seconds, 3),
        "compile_seconds": round(t_compile, 3),
        "solver_stats": sol.stats,
        "time_limit": time_limit,
        "reserve_seconds": round(reserve, 3),
        "notes": list(data.notes),
    }
    if baseline is not None and (
        sol.status == "no_better"
        or (sol.status in ("optimal", "feasible") and sol.objective >= baseline.objective)
    ):
        # the plan made year by year is the best known: it is the plan, with the engine's bound
        bound = min(sol.bound, baseline.objective)
        obj = baseline.objective
        close = obj - bound <= 1e-6 * max(1.0, abs(obj)) + 1e-7
        baseline.status = "optimal" if close else "feasible"
        baseline.bound = bound
        baseline.gap = (obj - bound) / max(1.0, abs(obj)) if math.isfinite(bound) else float("nan")
        extra["solver"] = "year_by_year+" + sol.solver
        baseline.summary.update(extra)
        baseline.summary.update({"status": baseline.status, "bound": bound, "gap": baseline.gap})
        baseline.summary["seconds"] = round(time.perf_counter() - t0, 3)
        return baseline
    if sol.status == "no_better":  # no baseline plan to fall back on cannot happen here
        sol.status = "time_limit"
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
    with control.solving():
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
        summary={"solver": sol.solver, "solver_seconds": round(sol.seconds, 3), "notes": list(data.notes)},
    )
    result.summary["seconds"] = round(time.perf_counter() - t0, 3)
    return result


def _present(data: HorizonData, cur: np.ndarray, gone: np.ndarray, t: int) -> np.ndarray:
    """Who is gone from round ``t`` on (the BUP of the position held), updating ``gone``."""
    leaving = ~gone & (data.exit_round[np.arange(len(cur)), data.age_code[cur]] <= t)
    gone |= leaving
    return gone


def round_problem(
    problem: Problem,
    data: HorizonData,
    t: int,
    cur: np.ndarray,
    gone: np.ndarray,
    last_move: np.ndarray,
    hired: np.ndarray,
) -> Problem:
    """The ordinary one-round :class:`Problem` of round ``t``.

    The employees still there in the positions ``cur`` they hold, months in position carried
    (``months + 12 t`` without a move, ``12 (t - s)`` after a move at round ``s``), the hires
    so far (``hired[b, s]`` at position ``b`` in round ``s``) as locked staff, the workload of
    year ``t`` and the policy at the round's date.
    """
    pol = problem.policy
    emp = problem.employees.drop(columns=["source_row"], errors="ignore")
    pos = problem.positions.drop(columns=["source_row"], errors="ignore")
    pid = pos["position_id"].astype(str).to_numpy()
    months0 = emp["months_in_position"].to_numpy(dtype=float)
    here = ~gone
    emp_t = emp[here].copy()
    emp_t["position_id"] = pid[cur[here]]
    carried = np.where(last_move < 0, months0 + 12 * t, 12.0 * (t - last_move))
    emp_t["months_in_position"] = carried[here]
    if "spouse_id" in emp_t.columns:  # a spouse gone (retired) is no longer in the tables
        spouse = emp_t["spouse_id"].fillna("").astype(str).str.strip()
        emp_t["spouse_id"] = spouse.where(spouse.isin(set(emp_t["employee_id"].astype(str))), "")
    b_idx, s_idx = np.nonzero(hired[:, : t + 1])
    counts = hired[b_idx, s_idx]
    if counts.sum():
        bb, ss = np.repeat(b_idx, counts), np.repeat(s_idx, counts)
        new = pd.DataFrame(
            {
                "employee_id": [
                    f"HIRE-{s}-{pid[b]}-{k}" for k, (b, s) in enumerate(zip(bb, ss, strict=True))
                ],
                "position_id": pid[bb],
                "status": "PNS",
                "months_in_position": 12.0 * (t - ss),
                "locked": True,
            }
        )
        emp_t = pd.concat([emp_t, new], ignore_index=True)
    pos_t = pos.copy()
    pos_t["workload_hours"] = data.need[t] * pol.effective_hours
    policy_t = pol.model_copy(update={"plan_date": data.dates[t]})
    units = None if problem.units is None else problem.units.drop(columns=["source_row"], errors="ignore")
    return Problem.from_frames(emp_t, pos_t, None, policy_t, units=units)


def plan_year_by_year(
    problem: Problem,
    years: int = 5,
    hires: int | Sequence[int] | None = None,
    *,
    time_limit: float | None = None,
) -> HorizonResult:
    """The plan a leader makes without this library: today's :func:`~asn_balance.solve` each
    year, never looking ahead.

    Round by round: the retirements of the year are applied, the round's hires go one at a
    time to the position with the largest shortage (``need - staff``, at least one whole
    FTE; ``hire_allowed``, ``max_hires`` and ``max_staff`` respected), then the round is
    planned by :func:`~asn_balance.solve` on the round's tables (:func:`round_problem`)
    with every rule of the policy at the round's date. Its ``bound`` is ``-inf``.

    Parameters are those of :func:`plan_horizon`; ``time_limit`` is shared by the rounds.
    """
    t0 = time.perf_counter()
    data = compile_horizon(problem, years, hires)
    T, B = data.model.n_rounds, data.model.n_bins
    hire_ok, hire_max, _ = horizon_columns(problem)
    max_staff = problem.positions["max_staff"].to_numpy(dtype=float)
    cur = problem.employee_position.astype(np.int64).copy()
    gone = np.zeros(len(cur), dtype=bool)
    last_move = np.full(len(cur), -1, dtype=np.int64)
    hired = np.zeros((B, T), dtype=np.int64)
    fte = problem.fte
    index = {e: i for i, e in enumerate(problem.employees["employee_id"].astype(str))}
    pos_index = {p: j for j, p in enumerate(problem.positions["position_id"].astype(str))}
    per_round: list[list[tuple[int, int]]] = []
    status = "feasible"
    for t in range(T):
        _present(data, cur, gone, t)
        staff = np.bincount(cur[~gone], weights=fte[~gone], minlength=B) + hired.sum(axis=1)
        need = data.need[t]
        for _ in range(int(data.hires[t])):
            room = hire_ok & ((hire_max < 0) | (hired[:, t] < hire_max))
            room &= np.isnan(max_staff) | (staff + 1 <= max_staff + 1e-9)
            short = np.where(room, need - staff, -math.inf)
            b = int(np.argmax(short))
            if short[b] < 1.0:
                break
            hired[b, t] += 1
            staff[b] += 1
        left = None if time_limit is None else max(1.0, (t0 + time_limit - time.perf_counter()) / (T - t))
        res = solve(round_problem(problem, data, t, cur, gone, last_move, hired), time_limit=left)
        if not res.has_plan:
            status = res.status if res.status in ("infeasible", "time_limit") else "infeasible"
            per_round += [[] for _ in range(T - t)]
            break
        moves = [
            (index[str(e)], pos_index[str(p)])
            for e, p in zip(res.moves["employee_id"], res.moves["to_position"], strict=True)
        ]
        for e, b in moves:
            cur[e] = b
            last_move[e] = t
        per_round.append(moves)
    t_eval = time.perf_counter()
    result = evaluate_horizon_moves(
        problem,
        data,
        per_round,
        hired.T.copy(),
        status=status,
        bound=-math.inf,
        summary={"solver": "solve per round"},
    )
    result.summary["evaluate_seconds"] = round(time.perf_counter() - t_eval, 3)
    result.summary["seconds"] = round(time.perf_counter() - t0, 3)
    return result


def plan_paths(
    problem: Problem, data: HorizonData, plan: HorizonResult
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """A plan of employees as the engine's unit paths (the seed of
    :func:`~asn_balance.engine.horizon_large.solve_large`).

    Returns, for every employee of a group (``data.employee_group >= 0``), the pair they start
    in and their position per round after its moves (``-1`` from the round they are gone: the
    BUP of the position held), and the hires ``(T, B)``; ``None`` when the plan moves
    fixed staff, names an unknown id or puts someone where their group has no pair.
    """
    m = data.model
    T, B = m.n_rounds, m.n_bins
    emp_index = pd.Index(problem.employees["employee_id"].astype(str))
    pos_index = pd.Index(problem.positions["position_id"].astype(str))
    cur = problem.employee_position.astype(np.int64).copy()
    gone = np.zeros(len(cur), dtype=bool)
    bins = np.full((len(cur), T), -1, dtype=np.int64)
    hires = np.zeros((T, B), dtype=np.int64)
    grp = data.employee_group
    for t in range(T):
        _present(data, cur, gone, t)
        rd = plan.rounds[t]
        e = emp_index.get_indexer(rd.moves["employee_id"].astype(str))
        b = pos_index.get_indexer(rd.moves["to_position"].astype(str))
        hb = pos_index.get_indexer(rd.hires["position_id"].astype(str))
        if (e < 0).any() or (b < 0).any() or (hb < 0).any() or (grp[e] < 0).any():
            return None
        cur[e] = b
        bins[:, t] = np.where(gone, -1, cur)
        np.add.at(hires[t], hb, rd.hires["count"].to_numpy(dtype=np.int64))
    mover = np.flatnonzero(grp >= 0)
    codes = m.pair_group * B + m.pair_bin
    order = np.argsort(codes)
    code = grp[mover] * B + problem.employee_position[mover]
    at = order[np.minimum(np.searchsorted(codes[order], code), len(order) - 1)]
    if (codes[at] != code).any():
        return None
    return at.astype(np.int64), bins[mover], hires


def round_state(
    problem: Problem, data: HorizonData, plan: HorizonResult, t: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where everybody stands at round ``t`` of ``plan`` before its moves: positions held,
    who is gone, the round of each one's last move (``-1``: none) and the hires so far
    (``(B, T)``, round ``t``'s included).

    Raises
    ------
    InputError
        A move or hire of the plan names an unknown employee or position (table ``plan``).
    """
    from ..model.errors import InputError, InputProblem

    emp_index = {e: i for i, e in enumerate(problem.employees["employee_id"].astype(str))}
    pos_index = {p: j for j, p in enumerate(problem.positions["position_id"].astype(str))}
    T, B = data.model.n_rounds, data.model.n_bins
    cur = problem.employee_position.astype(np.int64).copy()
    gone = np.zeros(len(cur), dtype=bool)
    last_move = np.full(len(cur), -1, dtype=np.int64)
    hired = np.zeros((B, T), dtype=np.int64)
    for s in range(t + 1):
        _present(data, cur, gone, s)
        rd = plan.rounds[s]
        for pid, count in zip(rd.hires["position_id"].astype(str), rd.hires["count"], strict=True):
            if pid not in pos_index:
                raise InputError(
                    [InputProblem("plan", None, "position_id", pid, "unknown_position", "no such position")]
                )
            hired[pos_index[pid], s] += int(count)
        if s == t:
            break
        for eid, to in zip(
            rd.moves["employee_id"].astype(str), rd.moves["to_position"].astype(str), strict=True
        ):
            if eid not in emp_index or to not in pos_index:
                raise InputError(
                    [
                        InputProblem(
                            "plan", None, "moves", f"{eid} -> {to}", "unknown_id", f"round {s}: unknown id"
                        )
                    ]
                )
            cur[emp_index[eid]] = pos_index[to]
            last_move[emp_index[eid]] = s
    return cur, gone, last_move, hired
