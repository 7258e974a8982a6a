"""What the verifier reads: the problem and plan protocols, the plan as a frame, the
workload of each position (ABK, re-derived from the tasks) and the optional units table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, TypeAlias

import numpy as np
import pandas as pd

from ..model.domain import PERIOD_FACTORS
from ..model.errors import InputError, InputProblem
from ..model.policy import Policy
from .frames import _Float, _ids, _num, _rows, _text

__all__ = ["HasMoves", "PlanLike", "ProblemLike"]


class ProblemLike(Protocol):
    """What :func:`check` needs of a problem: the canonical tables and the policy.

    A problem may also carry a ``units`` table (``unit_id``, ``max_moves_out``,
    ``max_moves_in``, ``coverage``); :func:`check` reads it when present and applies no unit
    rule otherwise. The policy columns of employees and positions are optional likewise.
    """

    @property
    def employees(self) -> pd.DataFrame:
        """Canonical employees table."""
        ...

    @property
    def positions(self) -> pd.DataFrame:
        """Canonical positions table."""
        ...

    @property
    def tasks(self) -> pd.DataFrame:
        """Canonical ABK tasks table (may be empty)."""
        ...

    @property
    def policy(self) -> Policy:
        """The mutasi policy."""
        ...


class HasMoves(Protocol):
    """An object carrying a plan as a ``moves`` table, such as a solver result."""

    @property
    def moves(self) -> pd.DataFrame:
        """One row per moved employee, with columns ``employee_id`` and ``to_position``."""
        ...


#: A plan: a table ``employee_id, to_position``, an object with such a ``moves`` table,
#: or a mapping employee_id -> to_position.
PlanLike: TypeAlias = "pd.DataFrame | HasMoves | Mapping[str, str]"


# --------------------------------------------------------------------- tables


def _plan_frame(plan: PlanLike) -> pd.DataFrame:
    """The plan as a frame with str columns ``employee_id`` and ``to_position``."""
    if isinstance(plan, pd.DataFrame):
        frame = plan
    elif isinstance(plan, Mapping):
        frame = pd.DataFrame({"employee_id": list(plan.keys()), "to_position": list(plan.values())})
    elif isinstance(getattr(plan, "moves", None), pd.DataFrame):
        frame = plan.moves
    else:
        raise TypeError(
            "plan must be a DataFrame with columns employee_id and to_position, an object with "
            f"such a .moves DataFrame, or a mapping employee_id -> to_position; got {type(plan).__name__}"
        )
    if frame.empty and len(frame.columns) == 0:
        frame = pd.DataFrame({"employee_id": [], "to_position": []}, dtype=object)
    missing = [c for c in ("employee_id", "to_position") if c not in frame.columns]
    if missing:
        raise InputError(
            InputProblem("plan", None, c, None, "missing_column", f"the plan has no column {c!r}")
            for c in missing
        )
    ids = {"employee_id": _ids(frame["employee_id"]), "to_position": _ids(frame["to_position"])}
    out: pd.DataFrame = pd.DataFrame(ids)
    return out


def _workload(
    positions: pd.DataFrame,
    pos_ids: pd.Index,
    tasks: pd.DataFrame | None,
    days_per_year: int = 250,
    weeks_per_year: int = 50,
) -> _Float:
    """Workload hours per position (in positions order); see the module docstring. The
    ``minggu`` and ``hari`` periods repeat ``weeks_per_year`` and ``days_per_year`` times."""
    n = len(pos_ids)
    problems: list[InputProblem] = []
    hours = np.zeros(n)
    has_tasks = np.zeros(n, dtype=bool)
    if tasks is not None and len(tasks) > 0:
        t_pos = pos_ids.get_indexer(pd.Index(_ids(tasks["position_id"]), dtype=object))
        period = _text(tasks["period"])
        per_year = {**PERIOD_FACTORS, "minggu": weeks_per_year, "hari": days_per_year}
        p_codes, p_distinct = pd.factorize(pd.Series(period, dtype=object), use_na_sentinel=False)
        per_distinct = np.array([per_year.get(p.lower(), np.nan) for p in p_distinct.tolist()], dtype=float)
        factor = per_distinct[p_codes]
        rows = _rows(tasks)
        for i in np.flatnonzero(np.isnan(factor)):
            msg = f"period {period[i]!r} is not one of {', '.join(PERIOD_FACTORS)}"
            problems.append(InputProblem("tasks", rows[i], "period", period[i], "unknown_period", msg))
        task_hours = _num(tasks["volume"]) * factor * _num(tasks["norm_minutes"]) / 60.0
        known = t_pos >= 0
        np.add.at(hours, t_pos[known], np.nan_to_num(task_hours[known], nan=0.0))
        has_tasks[t_pos[known]] = True
    given = _num(positions["workload_hours"])
    workload = np.where(has_tasks, hours, given)
    rows = _rows(positions)
    for i in np.flatnonzero(np.isnan(workload)):
        msg = f"position {pos_ids[int(i)]!r} has neither workload_hours nor tasks"
        problems.append(InputProblem("positions", rows[i], "workload_hours", None, "missing_workload", msg))
    if problems:
        raise InputError(problems)
    return workload


def _units_table(problem: ProblemLike) -> pd.DataFrame | None:
    """The problem's units table, or ``None`` when it has none (no unit rule)."""
    units = getattr(problem, "units", None)
    if not isinstance(units, pd.DataFrame) or "unit_id" not in units.columns or len(units) == 0:
        return None
    return units
