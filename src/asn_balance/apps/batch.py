"""Planning many agencies or scenarios at once: local processes or a Dask cluster.

:func:`solve_many` solves a list of problems in parallel and returns their results in input
order. Each solve is the same call as :func:`asn_balance.solve` with the same seed, so the
plans do not depend on where they ran: a local process pool (the default), any
:class:`concurrent.futures.Executor`, or a :class:`dask.distributed.Client` (optional extra
``dask``).

:func:`plan_agencies` is the engine of ``asn-balance batch``: one sub-folder per agency in,
one plan per agency and a combined summary out; bad input in one agency is reported without
stopping the others.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import math
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, Literal, TypeAlias, overload

import pandas as pd

from .._memory import tune_memory
from ..evaluate.result import Result
from ..model.errors import InputError, InputProblem
from ..model.policy import Policy
from ..model.problem import Problem

__all__ = [
    "SUMMARY_COLUMNS",
    "AgencyOutcome",
    "Source",
    "WorkerError",
    "exit_code",
    "find_agencies",
    "plan_agencies",
    "solve_many",
]

#: What :func:`solve_many` plans: a :class:`~asn_balance.Problem`, a mapping of table name to
#: DataFrame (validated on the worker), or a path read by :meth:`Problem.read` on the worker.
Source: TypeAlias = "Problem | Mapping[str, pd.DataFrame] | str | PathLike[str]"

#: Columns of ``summary.csv`` (and of each record of ``summary.json``).
SUMMARY_COLUMNS = (
    "agency",
    "status",
    "moves",
    "balance_before",
    "balance_after",
    "objective",
    "seconds",
    "error",
)

_RESERVED = {"summary"}


class WorkerError(RuntimeError):
    """A solve failed on a worker for a reason other than bad input; the message holds its traceback."""


# --------------------------------------------------------------------------- one task


@dataclass(frozen=True)
class _Task:
    """One solve, as shipped to a worker (everything in it is picklable)."""

    source: Any
    policy: Policy | None
    time_limit: float | None
    seed: int
    workers: int | None
    lang: str
    deterministic: bool = False


@dataclass
class _Outcome:
    """What a worker sends back: a result, the problems of bad input, or an error text."""

    result: Result | None = None
    problems: list[InputProblem] | None = None
    error: str | None = None
    traceback: str = ""
    seconds: float = 0.0

    def value(self) -> Result | Exception:
        if self.result is not None:
            return self.result
        if self.problems is not None:
            return InputError(self.problems)
        text = self.error or "the solve failed"
        return WorkerError(f"{text}\n\nworker traceback:\n{self.traceback}" if self.traceback else text)


def _run(task: _Task) -> _Outcome:
    """Read (if needed), validate and solve one task; never raises.

    :class:`InputError` does not survive pickling (its only argument is its message), so
    its problems are sent back and the error is rebuilt by the caller.
    """
    from ..planner import solve

    t0 = time.perf_counter()
    try:
        source = task.source
        problem = source if isinstance(source, Problem) else Problem.read(source, task.policy)
        result = solve(problem, time_limit=task.time_limit, seed=task.seed, workers=task.workers,
                       lang=task.lang, deterministic=task.deterministic)  # fmt: skip
        return _Outcome(result=result, seconds=time.perf_counter() - t0)
    except InputError as e:
        return _Outcome(problems=list(e.problems), seconds=time.perf_counter() - t0)
    except Exception as e:
        text = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        return _Outcome(error=f"{type(e).__name__}: {e}", traceback=text, seconds=time.perf_counter() - t0)


# --------------------------------------------------------------------------- executors


def _is_dask_client(executor: object) -> bool:
    return type(executor).__module__.split(".")[0] == "distributed" and hasattr(executor, "gather")


def _default_pool(n_tasks: int, max_workers: int | None) -> cf.ProcessPoolExecutor:
    n = max(1, min(n_tasks, max_workers or os.cpu_count() or 1))
    return cf.ProcessPoolExecutor(
        max_workers=n, mp_context=multiprocessing.get_context("spawn"), initializer=tune_memory
    )


def _outcomes(
    tasks: Sequence[_Task],
    executor: Any,
    max_workers: int | None,
    on_done: Callable[[int, _Outcome], None] | None,
    stop_on_error: bool,
) -> list[_Outcome]:
    """Run the tasks on the executor; outcomes in input order.

    With ``stop_on_error`` the first failure (in completion order) cancels what has not
    started and is returned at once in a list of that one outcome.
    """
    out: list[_Outcome | None] = [None] * len(tasks)
    if not tasks:
        return []
    if executor is not None and _is_dask_client(executor):
        from distributed import as_completed

        futures = [executor.submit(_run, t, pure=False) for t in tasks]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for fut in as_completed(futures):  # type: ignore[no-untyped-call]
                i = index[fut.key]
                try:
                    outcome = fut.result()
                except Exception as e:  # a worker died or the cluster failed
                    outcome = _Outcome(error=f"{type(e).__name__}: {e}")
                out[i] = outcome
                if on_done is not None:
                    on_done(i, outcome)
                if stop_on_error and outcome.result is None:
                    return [outcome]
        finally:
            executor.cancel([f for f in futures if not f.done()])
        return [o if o is not None else _Outcome(error="not run") for o in out]
    own = executor is None
    pool: cf.Executor = _default_pool(len(tasks), max_workers) if own else executor
    if not isinstance(pool, cf.Executor):
        raise TypeError(
            "executor must be a concurrent.futures.Executor or a dask.distributed.Client, "
            f"not {type(executor).__name__}"
        )
    futs: dict[cf.Future[_Outcome], int] = {}
    finished = False
    try:
        futs = {pool.submit(_run, t): i for i, t in enumerate(tasks)}
        for fut in cf.as_completed(futs):
            i = futs[fut]
            try:
                outcome = fut.result()
            except Exception as e:  # BrokenProcessPool, pickling errors, ...
                outcome = _Outcome(error=f"{type(e).__name__}: {e}")
            out[i] = outcome
            if on_done is not None:
                on_done(i, outcome)
            if stop_on_error and outcome.result is None:
                return [outcome]
        finished = True
    finally:
        for f in futs:
            f.cancel()
        if own and finished:
            pool.shutdown(wait=True)
        elif own:  # an early error or an interrupt: do not wait for the solves still running
            _kill(pool)
    return [o if o is not None else _Outcome(error="not run") for o in out]


def _kill(pool: cf.Executor) -> None:
    """Shut our own process pool down at once, terminating the solves still running."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        p.terminate()
    for p in procs:
        p.join(5)


def _tasks(
    sources: Iterable[Any],
    policy: Policy | None,
    time_limit: float | None,
    seed: int,
    workers: int | None,
    lang: str,
    deterministic: bool,
) -> list[_Task]:
    if lang not in ("id", "en"):
        raise ValueError(f"lang must be 'id' or 'en', not {lang!r}")
    return [_Task(s, policy, time_limit, seed, workers, lang, deterministic) for s in sources]


@overload
def solve_many(
    problems: Iterable[Source],
    executor: Any = None,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    workers: int | None = None,
    lang: str = "id",
    deterministic: bool = False,
    policy: Policy | None = None,
    max_workers: int | None = None,
    return_exceptions: Literal[False] = False,
    on_result: Callable[[int, Result | Exception], None] | None = None,
) -> list[Result]: ...


@overload
def solve_many(
    problems: Iterable[Source],
    executor: Any = None,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    workers: int | None = None,
    lang: str = "id",
    deterministic: bool = False,
    policy: Policy | None = None,
    max_workers: int | None = None,
    return_exceptions: Literal[True],
    on_result: Callable[[int, Result | Exception], None] | None = None,
) -> list[Result | Exception]: ...


def solve_many(
    problems: Iterable[Source],
    executor: Any = None,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    workers: int | None = None,
    lang: str = "id",
    deterministic: bool = False,
    policy: Policy | None = None,
    max_workers: int | None = None,
    return_exceptions: bool = False,
    on_result: Callable[[int, Result | Exception], None] | None = None,
) -> list[Result] | list[Result | Exception]:
    """Plan many agencies or scenarios in parallel; results in input order.

    Each item is solved exactly as :func:`asn_balance.solve` would (same ``time_limit``,
    ``seed``, ``workers``, ``lang`` and ``deterministic``), so the plans are the same wherever
    they run: always on the exact flow path, and on the CP-SAT path with the default single
    worker when it ends before its time limit, or with ``deterministic=True``.

    Parameters
    ----------
    problems : iterable of Problem, mapping or path
        :class:`~asn_balance.Problem` objects (pickled to the workers; they keep their own
        policy), mappings of table name to DataFrame, or paths accepted by
        :meth:`Problem.read` (read on the worker, which must see the path). Scenarios of
        one agency: ``[problem.with_policy(max_moves=k) for k in (10, 20, 50)]``.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Where to solve. ``None``: a pool of local processes (``spawn`` start method, at most
        ``max_workers``), created and shut down here; a script calling this needs the usual
        ``if __name__ == "__main__":`` guard. An executor or client given is left open.
    time_limit : float, optional
        Seconds per solve (move budget path), as in :func:`asn_balance.solve`.
    seed : int
        Random seed of every solve.
    workers : int, optional
        CP-SAT workers per solve (default 1: deterministic).
    lang : {"id", "en"}
        Language of the move reasons.
    deterministic : bool
        A search that does not depend on the wall clock (see :func:`asn_balance.solve`): the
        same plans on any machine and load, also on the time-limited CP-SAT path.
    policy : Policy, optional
        Policy for the items given as tables or paths (``None``: the defaults); Problem
        items keep theirs.
    max_workers : int, optional
        Processes of the default pool (default: the number of CPUs, at most one per item).
    return_exceptions : bool
        ``False`` (default): the first failure (bad input: :class:`InputError`; anything
        else: :class:`WorkerError`) is raised and the solves not yet started are cancelled.
        ``True``: failures are returned in place of their results and the others go on.
    on_result : callable, optional
        ``on_result(index, result_or_exception)``, called in this process as each item
        finishes (in completion order).

    Returns
    -------
    list of Result
        One per item, in input order; an infeasible problem is a Result with status
        ``infeasible``, not an error.

    Raises
    ------
    InputError
        If an item's tables are bad (unless ``return_exceptions``).
    WorkerError
        If a solve failed otherwise, e.g. a worker process died (unless
        ``return_exceptions``).

    Examples
    --------
    >>> results = solve_many([problem_a, problem_b], time_limit=30)  # doctest: +SKIP
    >>> from dask.distributed import Client  # doctest: +SKIP
    >>> results = solve_many(problems, Client("tcp://scheduler:8786"))  # doctest: +SKIP
    """
    tasks = _tasks(problems, policy, time_limit, seed, workers, lang, deterministic)
    done = None
    if on_result is not None:
        callback = on_result

        def done(i: int, o: _Outcome) -> None:
            callback(i, o.value())

    outcomes = _outcomes(tasks, executor, max_workers, done, stop_on_error=not return_exceptions)
    values = [o.value() for o in outcomes]
    if not return_exceptions:
        for v in values:
            if isinstance(v, Exception):
                raise v
        return [v for v in values if isinstance(v, Result)]
    return values


# --------------------------------------------------------------------------- agencies


@dataclass
class AgencyOutcome:
    """The outcome of one agency of a batch.

    Attributes
    ----------
    agency : str
        The name of its sub-folder.
    status : str
        The plan's status (``optimal``, ``feasible``, ``infeasible``, ``time_limit``),
        ``input_error`` for bad input, or ``error`` for a failure of the solve itself.
    result : Result or None
        The result, when the agency was solved.
    problems : list of InputProblem
        Every problem of bad input.
    error : str
        Why there is no plan (the problems, the diagnosis or the failure), else ``""``.
    seconds : float
        Wall time of reading, validating and solving it on the worker.
    plan_path : Path or None
        The plan file written.
    traceback : str
        The worker's traceback of a failure (``status == "error"``).
    """

    agency: str
    status: str
    result: Result | None = None
    problems: list[InputProblem] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    plan_path: Path | None = None
    traceback: str = ""

    def row(self) -> dict[str, Any]:
        """The summary row (:data:`SUMMARY_COLUMNS`)."""
        r = self.result

        def num(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        return {
            "agency": self.agency,
            "status": self.status,
            "moves": r.n_moves if r is not None and r.has_plan else None,
            "balance_before": num(r.balance_before) if r is not None else None,
            "balance_after": num(r.balance_after) if r is not None else None,
            "objective": num(r.objective) if r is not None else None,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }


def find_agencies(data: str | PathLike[str]) -> list[Path]:
    """The agency sub-folders of ``data``, sorted by name (hidden folders skipped).

    Raises
    ------
    InputError
        If ``data`` is not a folder or holds no sub-folder.
    """
    root = Path(data)
    if not root.is_dir():
        raise InputError(
            [
                InputProblem(
                    "source",
                    None,
                    None,
                    str(root),
                    "missing_table",
                    f"{str(root)!r} is not a folder of agency sub-folders",
                )
            ]
        )
    found = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name
    )
    if not found:
        raise InputError(
            [
                InputProblem(
                    "source",
                    None,
                    None,
                    str(root),
                    "missing_table",
                    f"{str(root)!r} holds no agency sub-folder",
                )
            ]
        )
    return found


def _problem_text(problems: list[InputProblem], limit: int = 20) -> str:
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more")
    return "; ".join(lines)


def _details(a: AgencyOutcome) -> dict[str, Any]:
    """What ``summary.json`` adds to a row: the problems of bad input, a failure's traceback."""
    out: dict[str, Any] = {}
    if a.problems:
        out["problems"] = [asdict(p) for p in a.problems]
    if a.traceback:
        out["traceback"] = a.traceback
    return out


def plan_agencies(
    data: str | PathLike[str],
    out: str | PathLike[str],
    executor: Any = None,
    *,
    policy: Policy | None = None,
    time_limit: float | None = None,
    seed: int = 0,
    workers: int | None = None,
    lang: str = "id",
    deterministic: bool = False,
    max_workers: int | None = None,
    on_done: Callable[[AgencyOutcome], None] | None = None,
) -> list[AgencyOutcome]:
    """Plan every agency sub-folder of ``data``; write one plan each and a summary to ``out``.

    Each sub-folder is an input as read by :meth:`Problem.read` (a CSV folder). Its tables
    are read here and validated and solved on the workers (so workers need not see the
    files). ``out/<agency>.json`` is written for each agency with a plan (a stale one is
    removed otherwise); ``out/summary.json`` and ``out/summary.csv`` list every agency
    (:data:`SUMMARY_COLUMNS`). Bad input in one agency is reported in the summary and does
    not stop the others.

    Parameters
    ----------
    data : path
        Folder of agency sub-folders.
    out : path
        Output folder (created).
    executor, time_limit, seed, workers, lang, deterministic, policy, max_workers
        As for :func:`solve_many`.
    on_done : callable, optional
        Called with each :class:`AgencyOutcome` as its agency finishes.

    Returns
    -------
    list of AgencyOutcome
        In the order of the agency names.

    Raises
    ------
    InputError
        If ``data`` holds no agency sub-folder.
    """
    from ..io.files import _plain, atomic_write_text
    from ..model.readers import read_tables

    t0 = time.perf_counter()
    folders = find_agencies(data)
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    outcomes: list[AgencyOutcome | None] = [None] * len(folders)
    sources: list[Any] = []
    where: list[int] = []
    for k, folder in enumerate(folders):
        name = folder.name
        if name.lower() in _RESERVED:
            prob = InputProblem(
                "source",
                None,
                None,
                name,
                "reserved_name",
                f"agency folder {name!r} would overwrite the summary {name}.json; rename it",
            )
            outcomes[k] = AgencyOutcome(name, "input_error", problems=[prob], error=str(prob))
            continue
        try:
            sources.append(read_tables(folder))
            where.append(k)
        except InputError as e:
            outcomes[k] = AgencyOutcome(
                name, "input_error", problems=e.problems, error=_problem_text(e.problems)
            )

    def finish(k: int, o: _Outcome) -> AgencyOutcome:
        name = folders[k].name
        if o.result is not None:
            r = o.result
            error = "" if r.has_plan else "; ".join(r.diagnosis) or f"no plan: {r.status}"
            agency = AgencyOutcome(name, r.status, result=r, error=error, seconds=o.seconds)
        elif o.problems is not None:
            agency = AgencyOutcome(
                name, "input_error", problems=o.problems, error=_problem_text(o.problems), seconds=o.seconds
            )
        else:
            error = o.error or "the solve failed"
            agency = AgencyOutcome(name, "error", error=error, seconds=o.seconds, traceback=o.traceback)
        target = out_dir / f"{name}.json"
        if agency.result is not None and agency.result.has_plan:
            agency.plan_path = agency.result.write(target)
        elif target.is_file():
            target.unlink()
        return agency

    for known in outcomes:  # agencies already known to be bad
        if known is not None:
            stale = out_dir / f"{known.agency}.json"
            if known.agency.lower() not in _RESERVED and stale.is_file():
                stale.unlink()
            if on_done is not None:
                on_done(known)

    def done_cb(j: int, o: _Outcome) -> None:
        k = where[j]
        agency = outcomes[k] = finish(k, o)
        if on_done is not None:
            on_done(agency)

    tasks = _tasks(sources, policy, time_limit, seed, workers, lang, deterministic)
    _outcomes(tasks, executor, max_workers, done_cb, stop_on_error=False)
    final = [
        o if o is not None else AgencyOutcome(folders[k].name, "error", error="not run")
        for k, o in enumerate(outcomes)
    ]
    rows = [a.row() for a in final]
    frame = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    frame["moves"] = frame["moves"].astype("Int64")  # blank, not NaN, for agencies without a plan
    counts: dict[str, int] = {}
    for a in final:
        counts[a.status] = counts.get(a.status, 0) + 1
    doc = {
        "agencies": [{**row, **_details(a)} for row, a in zip(rows, final, strict=True)],
        "counts": counts,
        "moves": int(sum(r["moves"] or 0 for r in rows)),
        "seconds": round(time.perf_counter() - t0, 3),
    }
    atomic_write_text(out_dir / "summary.json", json.dumps(_plain(doc), ensure_ascii=False, indent=2) + "\n")
    atomic_write_text(out_dir / "summary.csv", frame.to_csv(index=False, lineterminator="\n"))
    return final


def exit_code(outcomes: Iterable[AgencyOutcome]) -> int:
    """The exit code of a batch: ``2`` if any agency had bad input, else ``1`` if any has no
    plan (infeasible, time limit, failure), else ``0``."""
    statuses = {a.status for a in outcomes}
    if "input_error" in statuses:
        return 2
    if statuses - {"optimal", "feasible"}:
        return 1
    return 0
