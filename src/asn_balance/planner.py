"""The planner: compile a :class:`Problem`, solve the engine model, evaluate the plan.

``solve`` runs the three layers in turn: :func:`~asn_balance.compile.compiler.compile_problem`
builds the generic model, the engine's dispatcher (or the lexicographic passes) solves it in a
worker thread that Ctrl-C and :func:`~asn_balance.request_stop` can end with the best plan so
far, and :func:`~asn_balance.evaluate.evaluation.evaluate_moves` turns the engine's group moves
into a :class:`Result`. After the solve, each group's moves go to its longest-serving members
first (then by employee id), which is deterministic and in the spirit of rotation.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .compile.compiler import Compiled, compile_problem
from .compile.diagnosis import diagnosis
from .engine import control
from .engine.backends.lexicographic import solve_lexicographic
from .engine.clock import deterministic_search
from .engine.dispatch import Progress, solve_model
from .engine.model import EngineSolution
from .evaluate.evaluation import evaluate_moves
from .evaluate.result import Result
from .model.errors import InternalError
from .model.problem import Problem

__all__ = ["Compiled", "compile_problem", "evaluate_solution", "solve"]


def _pick_movers(problem: Problem, comp: Compiled, sol: EngineSolution) -> pd.DataFrame:
    """Turn group moves into employee moves: longest in position first, then by id."""
    emp = problem.employees
    grp = comp.employee_group
    members = np.flatnonzero(grp >= 0)
    months = emp["months_in_position"].to_numpy(dtype=float)[members]
    ids = emp["employee_id"].to_numpy(dtype=object)[members]
    id_rank = pd.Index(ids).argsort()
    rank_of = np.empty(len(ids), dtype=np.int64)
    rank_of[id_rank] = np.arange(len(ids))
    order = np.lexsort((rank_of, -months, grp[members]))
    members = members[order]
    g_sorted = grp[members]
    g_start = np.searchsorted(g_sorted, np.arange(comp.model.n_groups + 1))
    o = np.argsort(sol.move_group, kind="stable")
    mg, mb, mc = sol.move_group[o], sol.move_bin[o], sol.move_count[o]
    # offset of each move row inside its group's member list
    cum = np.cumsum(mc)
    grp_first_cum = np.zeros(len(mg), dtype=np.int64)
    if len(mg):
        new = np.concatenate([[True], mg[1:] != mg[:-1]])
        starts_cum = np.where(new, cum - mc, 0)
        grp_first_cum = np.maximum.accumulate(starts_cum)
    offset = cum - mc - grp_first_cum
    rows = np.repeat(np.arange(len(mg)), mc)
    within = np.arange(int(mc.sum()), dtype=np.int64) - np.repeat(cum - mc, mc) + offset[rows]
    emp_idx = members[g_start[mg[rows]] + within]
    return pd.DataFrame(
        {
            "employee_idx": emp_idx,
            "from_idx": problem.employee_position[emp_idx],
            "to_idx": mb[rows],
        }
    ).sort_values("employee_idx", kind="stable", ignore_index=True)


def _interruptible(work: Callable[[], EngineSolution]) -> tuple[EngineSolution, bool]:
    """Run a solve so that Ctrl-C (or :func:`~asn_balance.solvers.control.request_stop` from
    another thread) stops it with the best plan found so far.

    In the main thread the solve runs in a worker thread (same context variables) while the
    main thread waits; a KeyboardInterrupt there requests the stop and waits for the plan.
    """
    control.reset()
    if threading.current_thread() is not threading.main_thread():
        sol = work()
        return sol, control.stop_requested()
    box: dict[str, Any] = {}
    ctx = contextvars.copy_context()

    done = threading.Event()

    def run() -> None:
        try:
            box["sol"] = ctx.run(work)
        except BaseException as e:  # re-raised in the caller's thread
            box["error"] = e
        finally:
            done.set()

    thread = threading.Thread(target=run, name="asn-balance-solve", daemon=True)
    thread.start()
    interrupted = False
    # an Event, not Thread.join: a KeyboardInterrupt inside join() can leave is_alive() wrong
    while not done.is_set():
        try:
            done.wait(0.2)
        except KeyboardInterrupt:
            interrupted = True
            control.request_stop()
    if "error" in box:
        raise box["error"]
    return box["sol"], interrupted or control.stop_requested()


def solve(
    problem: Problem,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
    lang: str = "id",
    deterministic: bool = False,
    deadline: float | None = None,
) -> Result:
    """Plan the transfers of a problem.

    Parameters
    ----------
    problem : Problem
        Data and policy.
    time_limit : float, optional
        Seconds for compiling and solving, counted from the call: the search (move budget,
        unit rules, spouses, lexicographic passes), its repairs and, after an infeasible
        search, the naming of the conflicting rules all end by then (CP-SAT calls stop
        within about half a second of it). The exact flow is polynomial and always runs
        to its end; the evaluation of the plan comes after. ``None``: 60 s for the search.
    deadline : float, optional
        The end as an absolute :func:`time.perf_counter` value instead, for a caller whose
        clock started earlier (the CLI counts reading the files). ``time_limit`` still sets
        the budget of a ``deterministic`` search.
    seed : int
        Random seed for CP-SAT (the flow path is deterministic).
    workers : int, optional
        CP-SAT workers (default 1, deterministic; more run a parallel portfolio that is not).
    progress : callable, optional
        ``progress(elapsed, objective, bound)``.
    lang : {"id", "en"}
        Language of the move reasons.
    deterministic : bool
        A search that does not depend on the wall clock (CP-SAT path): one CP-SAT worker
        stopped by its deterministic time (``time_limit``, 60 by default) instead of
        seconds, solver loops bounded by rounds only. The same input, policy and seed then
        give the same plan on any machine and load, at the price of runs that may exceed
        ``time_limit`` seconds. The flow path is deterministic either way.

    Returns
    -------
    Result
        Status, objective, bound, moves with reasons, per-position and per-unit tables.

    Raises
    ------
    InternalError
        The engine's objective and the objective recomputed from the moves disagree, or
        the bound exceeds the objective, beyond the engine's rounding tolerance (a bug).
    """
    t0 = time.perf_counter()
    if deadline is None and time_limit is not None:
        deadline = t0 + float(time_limit)
    comp = compile_problem(problem)
    t_compile = time.perf_counter() - t0

    def work() -> EngineSolution:
        with deterministic_search(deterministic, time_limit):
            # a deterministic search ignores the wall clock: its budget is time_limit
            end = None if deterministic else deadline
            if problem.policy.lexicographic and not comp.model.has_side:
                left = time_limit if end is None else max(0.0, end - time.perf_counter())
                return solve_lexicographic(
                    comp.model, tolerance=problem.policy.balance_tolerance, time_limit=left
                )
            return solve_model(
                comp.model, time_limit=time_limit, seed=seed, workers=workers, progress=progress, deadline=end
            )

    sol, interrupted = _interruptible(work)
    extra: dict[str, Any] = {
        "compile_seconds": round(t_compile, 3),
        "seed": seed,
        "time_limit": time_limit,
        "workers": 1 if deterministic or not workers else int(workers),
        "deterministic": bool(deterministic),
        "lang": lang,
    }
    if interrupted:
        extra["interrupted"] = True
        sol.stats["stopped_by"] = "interrupt"
    if problem.policy.lexicographic and comp.model.has_side:
        extra["note"] = (
            "lexicographic priorities are not combined with unit caps, coverage or hard spouses yet: "
            "the weighted objective was used"
        )
    return _checked(problem, evaluate_solution(problem, comp, sol, lang=lang, extra=extra, started=t0))


def evaluate_solution(
    problem: Problem,
    comp: Compiled,
    sol: EngineSolution,
    *,
    lang: str = "id",
    extra: dict[str, Any] | None = None,
    started: float | None = None,
) -> Result:
    """The :class:`Result` of an engine solution of a compiled problem.

    The engine's group moves become employee moves (:func:`_pick_movers`), an infeasible
    outcome is worded (:func:`~asn_balance.compile.diagnosis.diagnosis`), and
    :func:`~asn_balance.evaluate.evaluation.evaluate_moves` does the rest. The engine's
    objective must agree with the one recomputed from the moves, and the bound must not
    exceed it, within the engine's rounding tolerance (``info["tolerance"]``, plus
    floating-point noise of 1e-9 relative): otherwise :class:`InternalError`.
    """
    if sol.status in ("optimal", "feasible"):
        mv = _pick_movers(problem, comp, sol)
        ei, ti = mv["employee_idx"].to_numpy(np.int64), mv["to_idx"].to_numpy(np.int64)
    else:
        ei = ti = np.zeros(0, dtype=np.int64)
    result = evaluate_moves(
        problem,
        ei,
        ti,
        status=sol.status,
        bound=sol.bound,
        solver=sol.solver,
        solver_seconds=sol.seconds,
        solver_stats=sol.stats,
        extra={**(extra or {}), "tolerance": float(sol.tolerance)},
        diagnosis=diagnosis(problem, comp, sol) if sol.status == "infeasible" else (),
        wishes_=comp.wishes,
        lang=lang,
        started=started,
    )
    if result.has_plan:
        _verify_figures(sol, result.objective)
    return result


def _verify_figures(sol: EngineSolution, recomputed: float) -> None:
    """The engine's objective against the recomputed one, and its bound against both."""
    allowed = float(sol.tolerance) + 1e-9 * max(1.0, abs(recomputed))
    if not abs(sol.objective - recomputed) <= allowed:
        raise InternalError(
            "the engine's objective and the objective recomputed from the moves disagree",
            sol.objective, recomputed, sol.solver, allowed,
        )  # fmt: skip
    if np.isfinite(sol.bound) and sol.bound > recomputed + allowed:
        raise InternalError(
            "the bound exceeds the objective recomputed from the moves",
            sol.bound, recomputed, sol.solver, allowed,
        )  # fmt: skip


def _checked(problem: Problem, result: Result) -> Result:
    """The result with the independent check's verdict in ``info["check"]`` (a plan only).

    :func:`asn_balance.check` runs on the plan, under the policy and on the input the result
    records (the problem's own), and its :meth:`~asn_balance.check.CheckReport.verdict`
    (``ok``, ``violations``, ``verified``, ``doubts``, ...) lets a card, a report or the CLI
    call the plan proven optimal only when the check confirms it.
    """
    if not result.has_plan:
        return result
    from .check.verifier import check
    from .model.errors import InputError

    try:
        verdict = check(problem, result).verdict()
    except InputError as e:  # the checker reads the tables more strictly than validation
        verdict = {"ok": False, "verified": False, "doubts": ["not_checked"], "error": str(e)}
    result.info["check"] = verdict
    return result
