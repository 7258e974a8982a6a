"""The planner: compile a :class:`Problem`, solve the engine model, evaluate the plan.

``solve`` runs the three layers in turn: :func:`~asn_balance.compile.compiler.compile_problem`
builds the generic model, the engine's dispatcher (or the lexicographic passes) solves it in a
worker thread that Ctrl-C and :func:`~asn_balance.request_stop` can end with the best plan so
far, and :func:`~asn_balance.evaluate.evaluation.evaluate_moves` turns the engine's group moves
into a :class:`Result`. After the solve, each group's moves go to its longest-serving members
first (then by employee id), which is deterministic and in the spirit of rotation.

While the engine searches, a watcher thread (:class:`_PlanWatch`) can hand each better plan
the solve holds (the standing plan, then every verified plan the engine offers through
:func:`~asn_balance.engine.control.offer`) to the caller's ``on_plan``, evaluated into a
:class:`Result` by the same :func:`evaluate_solution` as the final plan.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .compile.compiler import Compiled, compile_problem
from .compile.diagnosis import diagnosis
from .engine import control
from .engine.backends.lexicographic import solve_lexicographic
from .engine.backends.side import repair
from .engine.backends.tiebreak import settle_ties
from .engine.clock import deterministic_search
from .engine.dispatch import Progress, side_holds, solve_model
from .engine.model import AssignmentModel, EngineSolution
from .evaluate.evaluation import evaluate_moves
from .evaluate.result import Result
from .model.errors import InternalError
from .model.problem import Problem

if TYPE_CHECKING:
    from .check.verifier import CheckInputs

__all__ = ["PLAN_EVERY", "Compiled", "compile_problem", "evaluate_solution", "solve"]

log = logging.getLogger(__name__)


def _pick_movers(problem: Problem, comp: Compiled, sol: EngineSolution) -> pd.DataFrame:
    """Turn group moves into employee moves: longest in position first, then by id."""
    emp = problem.employees
    grp = comp.employee_group
    moved = np.zeros(comp.model.n_groups, dtype=bool)
    moved[sol.move_group] = True
    members = np.flatnonzero(grp >= 0)
    members = members[moved[grp[members]]]  # the members of groups that move someone
    months = emp["months_in_position"].to_numpy(dtype=float)[members]
    ids = emp["employee_id"].to_numpy(dtype=object)[members]
    text = len(ids) > 0 and pd.api.types.infer_dtype(ids, skipna=False) == "string"
    width = max(map(len, ids.tolist())) if text else 0
    # short ids as fixed-width text sort in C, in the order of Python's str comparison
    id_rank = np.argsort(ids.astype(str), kind="stable") if 0 < width <= 64 else pd.Index(ids).argsort()
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


#: Seconds past the deadline after which the planner asks the engine to stop (it should have
#: ended by itself: CP-SAT calls get at least half a second), and after which it stops waiting
#: for it and returns the best plan it holds (the worker thread is left to end on its own).
_STOP_GRACE = 0.5
_GIVE_UP_GRACE = 1.5
#: Seconds the planner waits for the engine after Ctrl-C or a stop request before it returns
#: the best plan it holds itself (every loop and CP-SAT stop within a fraction of a second;
#: this bounds a step that does not).
_INTERRUPT_GRACE = 5.0


class _Run:
    """What a solve holds so far, shared with its worker thread: the compiled problem, the
    standing plan (or the repaired one) and whether the clock or a stop ended the run."""

    def __init__(self) -> None:
        self.comp: Compiled | None = None
        self.standing: EngineSolution | None = None
        self.t_compile: float | None = None
        self.compile_stopped = False
        self.timed_out = False
        self.incumbent: control.Incumbent | None = None


#: Seconds between two looks of a solve's plan watcher for a better plan (``on_plan`` of
#: :func:`solve`). After a plan is evaluated and handed over, the next look waits at least
#: four times as long as that took, so the watcher takes at most about a fifth of the run.
PLAN_EVERY = 1.0
#: No plan is evaluated for ``on_plan`` with less than this many seconds, plus twice what the
#: last evaluation and call took, left before the deadline: the final plan is near.
_PLAN_MARGIN = 1.0


class _PlanWatch:
    """The watcher of a running solve behind ``on_plan``: in a thread of its own, every
    :data:`PLAN_EVERY` seconds or more, it takes the best plan the solve holds (the standing
    plan or the engine's best offer, verified against the model's hard rows), evaluates it
    with :func:`evaluate_solution` when it is better than the last one handed over, and calls
    ``on_plan`` with the :class:`Result`; an exception there is logged, never raised. It
    stops near the deadline, and :meth:`close` ends it: no call starts after that."""

    def __init__(
        self,
        on_plan: Callable[[Result], None],
        problem: Problem,
        run: _Run,
        info: Callable[[], dict[str, Any]],
        end: float | None,
        started: float,
    ) -> None:
        self.on_plan = on_plan
        self.problem = problem
        self.run = run
        self.info = info
        self.end = end
        self.started = started
        self._last = np.inf  # the engine objective of the last plan handed over (or tried)
        self._cost = 0.0  # seconds the last evaluation and call took
        self._closed = False
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="asn-balance-plans", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        """Stop the watcher: no call of ``on_plan`` starts after this returns. A call (or an
        evaluation) in progress is waited for until a little after the deadline
        (``_STOP_GRACE``; ``_INTERRUPT_GRACE`` seconds without a deadline), never longer."""
        with self._lock:
            self._closed = True
        self._done.set()
        now = time.perf_counter()
        wait = _INTERRUPT_GRACE if self.end is None else max(0.0, self.end + _STOP_GRACE - now)
        self._thread.join(wait)
        if self._thread.is_alive():
            log.warning("on_plan did not return before the solve ended; it was not waited for")

    def _candidate(self) -> tuple[Compiled, EngineSolution] | None:
        """The best plan held, if better than the last one handed over."""
        comp, run = self.run.comp, self.run
        if comp is None or run.compile_stopped:
            return None
        offered = None if run.incumbent is None else run.incumbent.best
        best: EngineSolution | None = None
        for sol in (run.standing, offered):
            if sol is None or sol.status not in ("optimal", "feasible") or not np.isfinite(sol.objective):
                continue
            if best is None or sol.objective < best.objective:
                best = sol
        if best is None or not best.objective < self._last - 1e-9 * max(1.0, abs(best.objective)):
            return None
        return comp, best

    def _loop(self) -> None:
        wait = PLAN_EVERY
        while not self._done.wait(wait):
            found = self._candidate()
            if found is None:
                continue
            t = time.perf_counter()
            if self.end is not None and t + 2 * self._cost + _PLAN_MARGIN > self.end:
                return  # too near the deadline: the final plan comes soon
            comp, sol = found
            self._last = sol.objective  # tried once, whatever comes of it
            if not side_holds(comp.model, sol):  # never: every offer is verified
                log.error("a plan offered during the search (%s) breaks a hard row", sol.solver)
                continue
            try:
                plan_from = "standing" if sol is self.run.standing else "search"
                # the tie-break exchanges settled, as in every plan the engine returns
                sol = settle_ties(comp.model, replace(sol, stats={**sol.stats, "plan_from": plan_from}))
                extra = {**self.info(), "note": (
                    f"the best plan the solve held {t - self.started:.1f} s after it started, while it "
                    "was still running (on_plan): its final plan may be better")}  # fmt: skip
                result = evaluate_solution(self.problem, comp, sol, lang=extra["lang"], extra=extra,
                                           started=self.started)  # fmt: skip
            except Exception:
                log.exception("a plan reached during the search could not be evaluated for on_plan")
                continue
            with self._lock:
                if self._closed:
                    return
            try:
                self.on_plan(result)
            except Exception:  # the caller's bug must not break the solve
                log.exception("on_plan raised an exception; the solve goes on")
            self._cost = time.perf_counter() - t
            wait = max(PLAN_EVERY, 4 * self._cost)


#: Employees from which :func:`solve` does the input-side work of the evaluation and of the
#: independent check in a thread beside the engine (:class:`_Beside`): a flow from
#: :data:`~asn_balance.engine.backends.mcf.SEPARATE_ARCS` arcs runs in a child process that
#: leaves the interpreter free. At 5,000,000 employees the hashing (about 6 s) and the check's
#: input side (about 6 s) hide in the flow's child (about 10 s). Beside the compile the hashing
#: slowed it by about 4 s (the two take turns at the interpreter lock): two pairs of national
#: runs took 80.3 / 82.5 s with the hashing beside the flow against 86.3 / 84.1 s beside the
#: compile.
FINGERPRINT_BESIDE = 100_000


class _Beside:
    """The input-side work of a large solve, in a thread beside it, once the interpreter is
    free: when the engine waits for its flow's child process
    (:data:`~asn_balance.engine.backends.mcf.SEPARATE_ARCS` arcs and more; :attr:`idle`, set
    through :func:`~asn_balance.engine.control.waiting`), else after the solve. It makes the
    input's fingerprint (``problem.input_sha256``, cached on the problem for the evaluation),
    then the independent check's inputs (:func:`~asn_balance.check.verifier.check_inputs`)
    under the policy the result will record. A failure here is only logged: the evaluation and
    the check do the work again and raise where they always did."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.inputs: CheckInputs | None = None
        self.idle = threading.Event()
        self.skip = False  # the solve failed: no check to prepare for
        self.thread = threading.Thread(target=self._run, name="asn-balance-fingerprint", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from .check.verifier import check_inputs

        self.idle.wait()  # not beside the compile or an in-process flow: they would wait for the lock
        if self.skip:
            return
        try:
            self.problem.input_sha256  # noqa: B018 - cached on the problem for the evaluation
        except Exception:
            log.debug("fingerprint beside the solve failed", exc_info=True)
        if self.skip:  # the solve failed meanwhile
            return
        try:
            self.inputs = check_inputs(self.problem, self.problem.policy.as_run())
        except Exception:
            log.debug("the check's inputs beside the solve failed", exc_info=True)

    def join(self, skip: bool = False) -> None:
        """Wait for the thread; ``skip``: without making the check's inputs if not begun."""
        self.skip = self.skip or skip
        self.idle.set()
        self.thread.join()


def _fingerprint_beside(problem: Problem) -> _Beside | None:
    """The input-side work started beside the solve; ``None`` when the problem is small or
    already hashed."""
    if problem.n_employees < FINGERPRINT_BESIDE or "_fingerprint" in vars(problem):
        return None
    return _Beside(problem)


def _interruptible(
    work: Callable[[], EngineSolution | None], give_up: float | None = None
) -> tuple[EngineSolution | None, bool, bool]:
    """Run a solve in its own stop scope so that Ctrl-C (or
    :func:`~asn_balance.engine.control.request_stop` from another thread) stops it with the
    best plan found so far, and so that its deadline stops it, and it alone.

    The solve runs in a worker thread started from this context (its stop scope and its
    incumbent holder included) while the calling thread waits; in the main thread a
    KeyboardInterrupt during the wait requests the stop and waits for the plan. ``give_up``
    (a :func:`time.perf_counter` value, the deadline) bounds the wait: a little after it this
    solve's own stop is requested (never another solve's), a little later the wait ends
    without the worker's solution (``None``), and the caller returns the best plan it holds.

    Returns
    -------
    solution : EngineSolution or None
        The worker's solution, ``None`` if it gave none or was not waited for.
    interrupted : bool
        Ctrl-C or a stop request from outside (of this solve or of an enclosing scope).
    timed_out : bool
        The wait ended before the worker did (at ``give_up``, or after a stop request).
    """
    with control.solving() as stop:
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

        thread = threading.Thread(target=run, name=control.SOLVE_THREAD, daemon=True)
        thread.start()
        interrupted = clock_stop = timed_out = False
        stopped_at: float | None = None  # when a stop from outside was first seen
        # an Event, not Thread.join: a KeyboardInterrupt inside join() can leave is_alive() wrong
        while not done.is_set():
            try:
                done.wait(0.2)
            except KeyboardInterrupt:  # Ctrl-C in the main thread: it stops every solve
                interrupted = True
                control.request_stop()
            if done.is_set():
                break
            now = time.perf_counter()
            if stop.stopped() and not clock_stop:
                stopped_at = now if stopped_at is None else stopped_at
                if now > stopped_at + _INTERRUPT_GRACE:
                    timed_out = True
                    break
            if give_up is not None:
                if now > give_up + _STOP_GRACE and not stop.stopped():
                    clock_stop = True  # the engine overran its deadline: stop it (this solve only)
                    stop.stop()
                if now > give_up + _GIVE_UP_GRACE:
                    timed_out = True
                    break
        outside = interrupted or (stop.stopped() and not clock_stop)
    if "error" in box:
        raise box["error"]
    return box.get("sol"), outside, timed_out


def _standing(model: AssignmentModel, deadline: float | None) -> EngineSolution | None:
    """The plan where nobody moves, if it keeps every hard rule of the model (the side rows,
    the staffing bounds, the hard pairs); else that plan repaired by moves (coverage short
    before the plan filled, :func:`~asn_balance.engine.backends.side.repair`), if that
    works. ``None`` otherwise, or when a group must move (an unplaced group)."""
    if len(model.group_home) and int(model.group_home.min()) < 0:
        return None
    staff = model.initial_staff()
    if np.any(staff < model.min_staff) or np.any((model.max_staff >= 0) & (staff > model.max_staff)):
        return None
    e = np.zeros(0, dtype=np.int64)
    pair_total, hard = model.pair_cost(e, e)
    sol = EngineSolution("feasible", model.objective(staff, 0, 0.0, pair_total), float("nan"), staff, e, e, e,
                         0.0, "standing", move_arc=e.copy())  # fmt: skip
    rows_hold = all(
        (r.lo is None or r.constant >= r.lo) and (r.hi is None or r.constant <= r.hi) for r in model.side
    )
    if rows_hold and hard == 0:
        return sol
    if not model.side or hard:
        return None
    fixed = repair(model, sol, deadline=deadline)
    if fixed is None or not side_holds(model, fixed):
        return None
    fixed = settle_ties(model, fixed)
    fixed.bound = float("nan")
    fixed.solver = "standing+repair"
    return fixed


def _best(
    sol: EngineSolution | None, standing: EngineSolution | None, weighted: bool
) -> EngineSolution | None:
    """The engine's solution, or the standing plan where it is better: when the engine has no
    plan, or (weighted objective) a plan not proven optimal with a higher objective. The
    standing plan then takes the engine's bound (a bound on the model's optimum) if any."""
    if standing is None:
        return sol
    has_plan = sol is not None and sol.status in ("optimal", "feasible")
    if has_plan:
        assert sol is not None
        if sol.status == "optimal" or not weighted:
            return sol
        if not standing.objective < sol.objective - 1e-9 * max(1.0, abs(sol.objective)):
            return sol
    kept = replace(standing, move_arc=None if standing.move_arc is None else standing.move_arc.copy())
    kept.status = "feasible"
    kept.stats = dict(sol.stats) if sol is not None else {}
    kept.stats["plan_from"] = kept.solver
    if sol is not None:
        kept.bound = sol.bound if np.isfinite(sol.bound) else float("nan")
        kept.tolerance = max(float(sol.tolerance), float(standing.tolerance))
        kept.seconds = sol.seconds
        kept.solver = f"{sol.solver}; plan: {standing.solver}"
    return kept


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
    on_plan: Callable[[Result], None] | None = None,
) -> Result:
    """Plan the transfers of a problem.

    Parameters
    ----------
    problem : Problem
        Data and policy.
    time_limit : float, optional
        Seconds for compiling and solving, counted from the call: the compile (checked
        between its phases), the search (move budget, unit rules, spouses, lexicographic
        passes), its repairs and, after an infeasible search, the naming of the conflicting
        rules all end by then (CP-SAT calls stop within about half a second of it). The
        exact flow is polynomial and always runs to its end; the evaluation of the plan
        comes after. ``None``: 60 s for the search.
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
    on_plan : callable, optional
        ``on_plan(result)``: called while the solve runs with each better plan it holds,
        evaluated into a :class:`Result` like the final one (status ``feasible``, a valid
        bound when the engine had one, ``info["note"]`` saying when the solve held it,
        ``info["solver_stats"]["plan_from"]`` ``"standing"`` or ``"search"``): the standing
        plan, then each plan the engine verified on its way (the stages of the move-budget
        and unit-rule paths and each improving solution of HiGHS, not the solutions inside
        one CP-SAT search), so that a caller can keep the best plan so far should its
        process die. Plans are true plans
        (every hard rule holds; they are not run through :func:`~asn_balance.check`, which a
        caller may do), their objectives strictly decrease, and they are looked for at most
        every :data:`PLAN_EVERY` seconds (less often when evaluating and the call take long)
        from a thread of the solve's own, never from the engine's. None is evaluated close
        to the deadline, the final plan is not passed (it is returned), no call starts after
        ``solve`` returns, and a call still running at the deadline (plus half a second) is
        not waited for. An exception raised by ``on_plan`` is logged and the solve goes on.

    Returns
    -------
    Result
        Status, objective, bound, moves with reasons, per-position and per-unit tables.
        Whenever the plan where nobody moves keeps every hard rule (or a repair of it by a
        few moves does), the run has a plan however short the limit: that *standing plan*
        is the first incumbent, replaced by the engine's plan when that is better. When the
        compile itself does not finish in time (or a stop is requested during it), the
        standing plan is returned if the independent check accepts it (status
        ``feasible``, no bound), else no plan (``time_limit``); ``info["note"]`` says so.

    Raises
    ------
    InternalError
        The engine's objective and the objective recomputed from the moves disagree, or
        the bound exceeds the objective, beyond the engine's rounding tolerance (a bug).
    """
    t0 = time.perf_counter()
    if deadline is None and time_limit is not None:
        deadline = t0 + float(time_limit)
    # a deterministic search ignores the wall clock: its budget is time_limit
    end = None if deterministic else deadline
    run = _Run()
    beside: _Beside | None = None  # the input-side work beside the solve (started below)

    def work() -> EngineSolution | None:
        with deterministic_search(deterministic, time_limit):
            try:
                comp = compile_problem(problem, deadline=end)
            except TimeoutError:  # the compile's signal: out of time, or a stop was requested
                run.compile_stopped = True
                run.t_compile = time.perf_counter() - t0
                return None
            run.t_compile = time.perf_counter() - t0
            if run.incumbent is not None:  # offers of plans of a relaxation are not kept
                run.incumbent.model = comp.model
            run.comp = comp
            run.standing = _standing(comp.model, end)
            if control.stop_requested() or (end is not None and time.perf_counter() >= end):
                return None  # no time left for the engine: the standing plan, if any, stands
            if problem.policy.lexicographic and not comp.model.has_side:
                left = time_limit if end is None else max(0.0, end - time.perf_counter())
                return solve_lexicographic(
                    comp.model, tolerance=problem.policy.balance_tolerance, time_limit=left
                )
            with nullcontext() if beside is None else control.idle_beside(beside.idle):
                return solve_model(
                    comp.model,
                    time_limit=time_limit,
                    seed=seed,
                    workers=workers,
                    progress=progress,
                    deadline=end,
                )

    def info() -> dict[str, Any]:
        return {
            "compile_seconds": None if run.t_compile is None else round(run.t_compile, 3),
            "seed": seed,
            "time_limit": time_limit,
            "workers": 1 if deterministic or not workers else int(workers),
            "deterministic": bool(deterministic),
            "lang": lang,
        }

    watch = None if on_plan is None else _PlanWatch(on_plan, problem, run, info, end, t0)
    with control.tracking() as incumbent:  # the engine's verified plans, should it overrun
        run.incumbent = incumbent
        if watch is not None:
            watch.start()
        failed = True
        try:
            beside = _fingerprint_beside(problem)
            sol, interrupted, timed_out = _interruptible(work, give_up=end)
            failed = False
        finally:
            if watch is not None:
                watch.close()
            if beside is not None:  # the fingerprint (for the evaluation) and the check's inputs
                beside.join(skip=failed)
    from_incumbent = sol is None and incumbent.best is not None
    if from_incumbent and run.comp is not None:
        # the engine did not end in time (or was stopped): its best so far, ties settled
        sol = settle_ties(run.comp.model, replace(incumbent.best, stats=dict(incumbent.best.stats)))
    extra: dict[str, Any] = info()
    stopped_by = "interrupt" if interrupted else "time_limit"
    if interrupted:
        extra["interrupted"] = True
    comp = None if run.compile_stopped else run.comp
    if comp is None:  # the compile was stopped (or not waited for)
        extra["note"] = (
            "the compile did not finish before the stop: the plan, if any, is the standing plan "
            "(nobody moves)"
            if interrupted
            else "the compile did not finish within the time limit: the plan, if any, is the standing plan "
            "(nobody moves)"
        )
        return _standing_result(
            problem, extra, lang, t0, stopped_by, None if beside is None else beside.inputs
        )
    weighted = not (problem.policy.lexicographic and not comp.model.has_side)
    best = _best(sol, run.standing, weighted)
    if best is None:  # nothing from the engine in time, and no standing plan
        empty = np.zeros(0, dtype=np.int64)
        staff = comp.model.initial_staff()
        best = EngineSolution("time_limit", float("nan"), float("nan"), staff, empty, empty, empty,
                              time.perf_counter() - t0, "none")  # fmt: skip
        extra["note"] = (
            "the engine found no plan within the time limit, and the plan where nobody moves breaks a rule"
        )
    elif best is sol and from_incumbent:
        extra["note"] = (
            "the engine did not end within the time limit (and 1.5 s): the plan is the best one it had "
            "verified before then"
        )
    elif best is not sol and sol is None and timed_out:
        extra["note"] = (
            "the engine did not end within the time limit (and 1.5 s): the plan is the standing plan "
            "(nobody moves, or the few moves that meet the unit rules)"
        )
    elif best is not sol:
        extra["note"] = (
            "the plan where nobody moves keeps every hard rule and is the best plan found"
            if best.stats.get("plan_from") == "standing"
            else "the plan where nobody moves, with the few moves that meet the unit rules, is the best "
            "plan found"
        )
    if best is not sol or timed_out or from_incumbent:
        best.stats.setdefault("stopped_by", stopped_by)
    if interrupted:
        best.stats["stopped_by"] = "interrupt"
    if problem.policy.lexicographic and comp.model.has_side:
        extra["note"] = (
            "lexicographic priorities are not combined with unit caps, coverage or hard spouses yet: "
            "the weighted objective was used"
        )
    result = evaluate_solution(problem, comp, best, lang=lang, extra=extra, started=t0)
    return _checked(problem, result, None if beside is None else beside.inputs)


def _standing_result(
    problem: Problem,
    extra: dict[str, Any],
    lang: str,
    started: float,
    stopped_by: str,
    inputs: CheckInputs | None = None,
) -> Result:
    """The result when the compile did not finish: the plan where nobody moves if the
    independent check accepts it (status ``feasible``, no bound), else no plan (``time_limit``)."""
    empty = np.zeros(0, dtype=np.int64)
    stats: dict[str, float | int | str] = {"stopped_by": stopped_by, "plan_from": "standing"}
    result = evaluate_moves(problem, empty, empty, status="feasible", solver="standing", solver_stats=stats,
                            extra={**extra, "tolerance": 0.0}, lang=lang, started=started)  # fmt: skip
    verdict = _verdict(problem, result, inputs)
    if verdict.get("ok"):
        result.info["check"] = verdict
        return result
    stats["plan_from"] = "none"
    return evaluate_moves(problem, empty, empty, status="time_limit", solver="none", solver_stats=stats,
                          extra={**extra, "tolerance": 0.0}, lang=lang, started=started)  # fmt: skip


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


def _checked(problem: Problem, result: Result, inputs: CheckInputs | None = None) -> Result:
    """The result with the independent check's verdict in ``info["check"]`` (a plan only).

    :func:`asn_balance.check` runs on the plan, under the policy and on the input the result
    records (the problem's own), and its :meth:`~asn_balance.check.CheckReport.verdict`
    (``ok``, ``violations``, ``verified``, ``doubts``, ...) lets a card, a report or the CLI
    call the plan proven optimal only when the check confirms it.
    """
    if not result.has_plan:
        return result
    result.info["check"] = _verdict(problem, result, inputs)
    return result


def _verdict(problem: Problem, result: Result, inputs: CheckInputs | None) -> dict[str, Any]:
    """:func:`asn_balance.check`'s verdict on the result's plan; ``not_checked`` when the
    checker, which reads the tables more strictly than validation, refuses them."""
    from .check.verifier import check
    from .model.errors import InputError

    try:
        return check(problem, result, inputs=inputs).verdict()
    except InputError as e:
        return {"ok": False, "verified": False, "doubts": ["not_checked"], "error": str(e)}
