"""The training plan: what each mover must learn to meet the target's competency standard."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..compile.eligibility import column, competency_shortfall
from ..model.problem import Problem

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
    rows = []
    ei = np.asarray(employee_idx, dtype=np.int64).tolist()
    ti = np.asarray(to_idx, dtype=np.int64).tolist()
    for e, j in zip(ei, ti, strict=True):
        for k, have, want in competency_shortfall(comp[e], std[j]):
            rows.append(
                {
                    "employee_id": emp["employee_id"].iloc[e],
                    "name": emp["name"].iloc[e],
                    "to_position": pos["position_id"].iloc[j],
                    "to_unit": pos["unit_id"].iloc[j],
                    "competency": k,
                    "level": have,
                    "standard": want,
                    "gap": want - have,
                }
            )
    cols = ["employee_id", "name", "to_position", "to_unit", "competency", "level", "standard", "gap"]
    training = pd.DataFrame(rows, columns=cols)
    totals = (
        training.groupby(["to_unit", "competency"], as_index=False)
        .agg(people=("employee_id", "nunique"), levels=("gap", "sum"))
        .rename(columns={"to_unit": "unit_id"})
        if len(training)
        else pd.DataFrame(columns=["unit_id", "competency", "people", "levels"])
    )
    return training, totals
