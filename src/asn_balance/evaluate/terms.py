"""The objective of a plan, term by term (see docs/objective.md).

``objective = balance + moves + preferences + spouses + fit + rotation`` where

* ``balance`` = ``B = sum (staff - need)^2 / max(need, 1)`` after the plan;
* ``moves`` = ``move_cost`` x number of moves;
* ``preferences`` = ``preference_weight`` x (volunteers who stay + for every mover with a
  list: ``(r - 1) / k`` at rank ``r`` of ``k`` places, 1 if the place is not listed);
* ``spouses`` = ``spouse_weight`` x spouse pairs in one unit before and in two after;
* ``fit`` = ``fit_weight`` x competency levels movers fall short of the target's
  ``competency_standard``;
* ``rotation`` = ``rotation_weight`` x employees over ``max_months_in_position`` who stay.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..compile.eligibility import column
from ..compile.wishes import Wishes, wishes
from ..model.domain import parse_competencies
from ..model.policy import TERMS
from ..model.problem import Problem
from .reasons import per_pair, shortfall

__all__ = ["plan_terms"]

IntArray = npt.NDArray[np.int64]


def plan_terms(
    problem: Problem, employee_idx: npt.ArrayLike, to_idx: npt.ArrayLike, w: Wishes | None = None
) -> dict[str, float]:
    """Every term of the objective for the moves ``employee_idx[i] -> to_idx[i]``.

    Parameters
    ----------
    problem : Problem
        The problem.
    employee_idx, to_idx : array-like of int
        Employee numbers and target position numbers of the moves (empty: no move).
    w : Wishes, optional
        Precomputed wishes of the problem.

    Returns
    -------
    dict
        ``{term: value}`` for :data:`~asn_balance.model.policy.TERMS`, plus ``"objective"``.
    """
    pol = problem.policy
    w = w if w is not None else wishes(problem)
    e = np.asarray(employee_idx, dtype=np.int64)
    t = np.asarray(to_idx, dtype=np.int64)
    pos_of = problem.employee_position
    staff = problem.staff_after(e, t)
    moved = np.zeros(problem.n_employees, dtype=bool)
    moved[e] = True
    out: dict[str, float] = dict.fromkeys(TERMS, 0.0)
    out["balance"] = problem.balance(staff)
    out["moves"] = float(pol.move_cost) * len(e)
    pref = float(np.sum(w.move_cost(e, t, 1.0))) + float(np.sum(w.volunteer & ~moved))
    out["preferences"] = float(pol.preference_weight) * pref
    where = pos_of.copy()
    where[e] = t
    unit = problem.positions["unit_id"].to_numpy(dtype=object)
    apart = unit[where[w.spouse_first]] != unit[where[w.spouse_second]]
    out["spouses"] = float(pol.spouse_weight) * float(np.sum(apart))
    if len(e) and "competency_standard" in problem.positions.columns:
        comp = problem.employees["competencies"].to_numpy(dtype=object)
        std = column(problem.positions, "competency_standard", "").to_numpy(dtype=object)

        def levels_short(have: dict[str, int] | str, want: dict[str, int] | str) -> int:
            return sum(s - h for _, h, s in shortfall(have, want))

        levels = per_pair(comp[e], std[t], levels_short, parse_competencies)
        out["fit"] = float(pol.fit_weight) * float(sum(levels.tolist()))
    months = problem.employees["months_in_position"].to_numpy(dtype=float)
    out["rotation"] = float(pol.rotation_weight) * float(
        np.sum((months > pol.max_months_in_position) & ~moved)
    )
    out["objective"] = float(sum(out[k] for k in TERMS))
    return out
