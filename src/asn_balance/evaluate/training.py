"""The training plan: what each mover must learn to meet the target's competency standard."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..compile.eligibility import column
from ..model.domain import parse_competencies
from ..model.problem import Problem
from .reasons import per_pair, shortfall

__all__ = ["training_plan"]


def training_plan(
    problem: Problem, employee_idx: npt.ArrayLike, to_idx: npt.ArrayLike
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The training plan of the moves ``employee_idx[k] -> to_idx[k]``: every mover's
    competency below the target's ``competency_standard`` (one row each), and the totals
    per target unit and competency (people, levels missing)."""
    emp = problem.employees
    pos = problem.positions
    comp = emp["competencies"].to_numpy(dtype=object)
    std = column(pos, "competency_standard", "").to_numpy(dtype=object)
    e = np.asarray(employee_idx, dtype=np.int64)
    j = np.asarray(to_idx, dtype=np.int64)
    short = per_pair(comp[e], std[j], shortfall, parse_competencies)  # once per distinct pair
    count = np.fromiter(map(len, short.tolist()), dtype=np.int64, count=len(short))
    at = np.repeat(np.arange(len(e)), count)
    flat = [x for s in short.tolist() for x in s]
    have = np.array([x[1] for x in flat], dtype=np.int64)
    want = np.array([x[2] for x in flat], dtype=np.int64)
    rows = {
        "employee_id": emp["employee_id"].to_numpy(dtype=object)[e[at]],
        "name": emp["name"].to_numpy(dtype=object)[e[at]],
        "to_position": pos["position_id"].to_numpy(dtype=object)[j[at]],
        "to_unit": pos["unit_id"].to_numpy(dtype=object)[j[at]],
        "competency": np.array([x[0] for x in flat], dtype=object),
        "level": have,
        "standard": want,
        "gap": want - have,
    }
    cols = ["employee_id", "name", "to_position", "to_unit", "competency", "level", "standard", "gap"]
    training = pd.DataFrame(rows, columns=cols) if len(flat) else pd.DataFrame([], columns=cols)
    totals = (
        training.groupby(["to_unit", "competency"], as_index=False)
        .agg(people=("employee_id", "nunique"), levels=("gap", "sum"))
        .rename(columns={"to_unit": "unit_id"})
        if len(training)
        else pd.DataFrame(columns=["unit_id", "competency", "people", "levels"])
    )
    return training, totals
