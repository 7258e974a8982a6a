"""Evaluate a set of moves: the one place that turns moves into a :class:`Result`.

Staff after the plan, per-position and per-unit EJ, bands and directions, the objective term
by term, a reason for every move (Indonesian and English) and the training plan. Used by
:func:`asn_balance.solve` for the engine's plan, by the report for a plan read from a file,
by why-not and by compare; nothing else assembles a Result.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..compile.eligibility import column
from ..compile.wishes import Wishes, wishes
from ..model import abk
from ..model.problem import Problem
from .reasons import move_reasons, phrase_text
from .result import Result
from .terms import plan_terms
from .training import training_plan

__all__ = ["evaluate", "evaluate_moves"]

IntArray = npt.NDArray[np.int64]


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("asn-balance", "ortools", "numpy", "pandas", "pydantic"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "unknown"
    return out


def evaluate(problem: Problem, moves: pd.DataFrame, *, lang: str = "id") -> Result:
    """The :class:`Result` of a set of moves on ``problem``, without solving.

    Parameters
    ----------
    problem : Problem
        Data and policy.
    moves : DataFrame
        ``employee_id`` and ``to_position`` per move (as :func:`asn_balance.io.read_plan`
        returns them). A row that moves an employee to their current position is no move.
    lang : {"id", "en"}
        Language of the move reasons.

    Returns
    -------
    Result
        Status ``feasible`` (a plan, nothing proven) and no bound; whether the moves keep
        the rules is not judged here: run :func:`asn_balance.check`.

    Raises
    ------
    InputError
        A move names an employee or a position that is not in the data.
    """
    t0 = time.perf_counter()
    e, t = problem.move_indices(moves)
    real = problem.employee_position[e] != t
    return evaluate_moves(
        problem, e[real], t[real], status="feasible", lang=lang, started=t0,
        extra={"ignored_rows": int((~real).sum())},
    )  # fmt: skip


def evaluate_moves(
    problem: Problem,
    employee_idx: npt.ArrayLike,
    to_idx: npt.ArrayLike,
    *,
    status: str,
    bound: float = float("nan"),
    solver: str = "given plan",
    solver_seconds: float = 0.0,
    solver_stats: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
    diagnosis: Sequence[str] = (),
    wishes_: Wishes | None = None,
    lang: str = "id",
    started: float | None = None,
) -> Result:
    """Assemble the :class:`Result` of the moves ``employee_idx[i] -> to_idx[i]``.

    Parameters
    ----------
    problem : Problem
        Data and policy.
    employee_idx, to_idx : array-like of int
        Employee numbers and target position numbers, in the order the moves are listed
        (ignored without a plan: ``status`` neither ``optimal`` nor ``feasible``).
    status : str
        One of :data:`~asn_balance.evaluate.result.STATUSES`.
    bound : float
        The proven lower bound, ``nan`` if none.
    solver, solver_seconds, solver_stats
        What found the plan, for ``info``.
    extra : mapping, optional
        Further ``info`` entries (run parameters, notes).
    diagnosis : sequence of str
        Why there is no plan (infeasible runs).
    wishes_ : Wishes, optional
        The problem's wishes if already read.
    lang : {"id", "en"}
        Language of the ``reason`` column (both are kept as ``reason_id``/``reason_en``).
    started : float, optional
        :func:`time.perf_counter` at the start of the run, for ``seconds``.
    """
    t0 = time.perf_counter() if started is None else started
    pos = problem.positions
    emp = problem.employees
    wke = problem.policy.effective_hours
    need = problem.need
    work = problem.workload
    has_plan = status in ("optimal", "feasible")
    ei = np.asarray(employee_idx, dtype=np.int64) if has_plan else np.zeros(0, dtype=np.int64)
    ti = np.asarray(to_idx, dtype=np.int64) if has_plan else np.zeros(0, dtype=np.int64)
    fi = problem.employee_position[ei]
    before = problem.staff
    after = problem.staff_after(ei, ti)
    heads = (problem.headcount, problem.headcount_after(ei, ti))
    m_b = abk.staffing(work, before, need, wke)
    m_a = abk.staffing(work, after, need, wke)
    positions = pd.DataFrame(
        {
            "position_id": pos["position_id"],
            "unit_id": pos["unit_id"],
            "unit_name": pos["unit_name"],
            "jabatan": pos["jabatan"],
            "workload_hours": work,
            "need_fte": need,
            "staff_before": before,
            "staff_after": after,
            "headcount_before": heads[0],
            "headcount_after": heads[1],
            "gap_before": m_b["gap"],
            "gap_after": m_a["gap"],
            "ej_before": m_b["ej"],
            "ej_after": m_a["ej"],
            "band_before": m_b["band"],
            "band_after": m_a["band"],
            "direction_before": m_b["direction"],
            "direction_after": m_a["direction"],
        }
    )
    units = abk.unit_metrics(pos["unit_id"], work, before, after, wke, heads)
    names = pos.drop_duplicates("unit_id").set_index("unit_id")["unit_name"]
    units.insert(1, "unit_name", units["unit_id"].map(names))
    pid = pos["position_id"].to_numpy(dtype=object)
    uid = pos["unit_id"].to_numpy(dtype=object)
    jab = pos["jabatan"].to_numpy(dtype=object)
    moves = pd.DataFrame(
        {
            "employee_id": emp["employee_id"].to_numpy(dtype=object)[ei],
            "name": emp["name"].to_numpy(dtype=object)[ei],
            "from_position": pid[fi],
            "to_position": pid[ti],
            "from_unit": uid[fi],
            "to_unit": uid[ti],
            "jabatan_from": jab[fi],
            "jabatan_to": jab[ti],
        }
    )
    w = wishes_ if wishes_ is not None else wishes(problem)
    mv = pd.DataFrame({"employee_idx": ei, "from_idx": fi, "to_idx": ti})
    reasons = {
        lg: move_reasons(
            mv,
            emp,
            pos,
            m_b["gap"],
            m_b["ej"],
            m_b["band"],
            lang=lg,
            extras=phrase_text(problem, w, ei, ti, lg),
        )
        for lg in ("id", "en")
    }
    moves["reason"] = reasons["en" if lang == "en" else "id"]
    moves["reason_id"] = reasons["id"]
    moves["reason_en"] = reasons["en"]
    terms_b = plan_terms(problem, [], [], w)
    terms_a = plan_terms(problem, ei, ti, w)
    objective = terms_a["objective"] if has_plan else float("nan")
    has_standard = bool((column(pos, "competency_standard", "").fillna("").astype(str) != "").any())
    training, totals = training_plan(problem, ei, ti) if has_standard else (None, None)
    # the bound as the solver computed it, never clipped to the objective: a solver's bound
    # may exceed the plan's objective by its rounding tolerance at most, which
    # planner.evaluate_solution checks (Result.gap shows such a gap as 0)
    bound = bound if np.isfinite(bound) else float("nan")
    info: dict[str, Any] = {
        "solver": solver,
        "solver_seconds": round(solver_seconds, 3),
        "input_sha256": problem.input_sha256,
        "input_tables": problem.input_tables,  # rows and SHA-256 per table: what changed
        # the policy as run, its plan date resolved (today when none was given): rerunnable as is
        "policy": problem.policy.as_run().model_dump(),
        "plan_date": problem.policy.date().isoformat(),
        "versions": _versions(),
    }
    info.update(extra or {})
    info["solver_stats"] = dict(solver_stats or {})
    return Result(
        status=status,
        objective=objective,
        bound=bound,
        seconds=time.perf_counter() - t0,
        balance_before=problem.balance(before),
        balance_after=problem.balance(after) if has_plan else float("nan"),
        moves=moves,
        positions=positions,
        units=units,
        diagnosis=list(diagnosis),
        info=info,
        breakdown={"before": terms_b, "after": terms_a} if has_plan else {"before": terms_b},
        training=training,
        training_totals=totals,
    )
