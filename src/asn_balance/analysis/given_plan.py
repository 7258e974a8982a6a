"""A plan given as a file (or a table, or a Result) re-evaluated on the data, without solving.

:func:`plan_result` reads the moves, checks them with the independent checker and evaluates
them with :func:`~asn_balance.evaluate.evaluation.evaluate_moves`, so a report or a
comparison shows exactly the given moves under the problem's policy.
"""

from __future__ import annotations

import math
import time
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from ..check.verifier import check
from ..evaluate.evaluation import evaluate_moves
from ..evaluate.result import Result
from ..io.plans import read_plan, read_plan_document
from ..model.errors import InputError
from ..model.problem import Problem

__all__ = ["plan_result"]


def _plan_summary(plan: Any) -> dict[str, Any]:
    """The summary a plan file carries (status, objective, bound, ...), or ``{}``."""
    try:
        return dict(read_plan_document(plan).summary)
    except (InputError, TypeError, ValueError, OSError):
        return {}


def _finite(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return float("nan")
    return v if math.isfinite(v) else float("nan")


def plan_result(problem: Problem, plan: Any, *, lang: str = "id") -> Result:
    """The :class:`Result` of a given plan on ``problem``, without solving.

    The moves are read with :func:`asn_balance.io.read_plan` and evaluated on the data and
    policy of ``problem``: per-position and per-unit metrics, objective terms, reasons and
    training needs exactly as :func:`asn_balance.solve` reports them, for these moves. A row
    that moves an employee to their current position is no move and is left out. The status
    is the plan's own (``optimal`` with its bound) only when the plan's claim is verified:
    the independent check passes on the input the plan records (``input_sha256``), under
    the policy it records, and recomputes the objective it claims; otherwise ``feasible``
    without a bound, the claim kept in ``info["planned"]``. ``info["check"]`` holds the
    verdict (:meth:`~asn_balance.check.CheckReport.verdict`: ``ok``, ``violations``,
    ``verified``, ``doubts``, ...); ``info["policy_differences"]`` every field where the
    plan's recorded policy and ``problem.policy`` differ, ``info["input_changes"]`` what
    changed in the input (run :func:`asn_balance.check` for the details).

    Parameters
    ----------
    problem : Problem
        Data and policy.
    plan : path, DataFrame, mapping or Result
        A plan written by ``asn-balance plan --out`` (``.json``, ``.xlsx``, folder or a moves
        ``.csv``), a moves table (``employee_id``, ``to_position``), a mapping with a
        ``moves`` table, or a Result.
    lang : {"id", "en"}
        Language of the move reasons.

    Returns
    -------
    Result

    Raises
    ------
    InputError
        The plan cannot be read, or names an employee (``unknown_employee``) or a position
        (``unknown_position``) that is not in the data.
    """
    t0 = time.perf_counter()
    if isinstance(plan, Result):
        frame = plan.moves[["employee_id", "to_position"]].astype(str).reset_index(drop=True)
        summary: dict[str, Any] = plan.summary()
        source = "Result"
    else:
        frame = read_plan(plan)
        summary = _plan_summary(plan) if isinstance(plan, (str, PathLike)) else {}
        source = str(plan) if isinstance(plan, (str, PathLike)) else type(plan).__name__
    e, t = problem.move_indices(frame)
    real = problem.employee_position[e] != t
    e, t = e[real].astype(np.int64), t[real].astype(np.int64)
    moves = pd.DataFrame(
        {
            "employee_id": problem.employee_index[e].astype(str),
            "to_position": problem.position_index[t].astype(str),
        }
    )
    # the rules under the problem's policy; the claim against the plan's record
    report = check(problem, moves, recorded=summary, policy="problem", allow_changed_input=True)
    planned = str(summary.get("status", "") or "")
    same = planned in ("optimal", "feasible") and report.verified
    extra: dict[str, Any] = {
        "source": source,
        "planned": {
            key: summary.get(key)
            for key in ("status", "objective", "bound", "solver", "plan_date")
            if key in summary
        },
        "check": report.verdict(),
        "policy_differences": [
            {"name": d.name, "plan": d.plan, "other": d.other} for d in report.policy_differences
        ],
        "input_changes": list(report.input_changes),
        "ignored_rows": int((~real).sum()),
    }
    return evaluate_moves(
        problem,
        e,
        t,
        status=planned if same else "feasible",
        bound=_finite(summary.get("bound")) if same else float("nan"),
        extra=extra,
        lang=lang,
        started=t0,
    )
