"""Word an infeasible engine outcome in the problem's terms: which positions, units and rules
cannot all hold together, each line ending with its rule name."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..engine.model import EngineSolution
from ..model.problem import Problem
from .compiler import Compiled

__all__ = ["diagnosis"]

IntArray = npt.NDArray[np.int64]


def diagnosis(problem: Problem, comp: Compiled, sol: EngineSolution) -> list[str]:
    pos = problem.positions
    m = comp.model
    # who could possibly be there: fixed + home movers + movers with an arc into its class
    reach = m.fixed.astype(np.int64).copy()
    np.add.at(reach, m.group_home, m.group_size)
    class_in = np.zeros(m.n_classes, dtype=np.int64)
    np.add.at(class_in, m.arc_class, m.group_size[m.arc_group])
    reach += class_in[comp.eligibility.position_class]
    stuck = m.fixed.astype(np.int64)
    out = []
    if sol.conflicts:
        return _conflict_lines(problem, comp, sol.conflicts, reach)
    for b, kind, have, bound in sol.infeasible_bins:
        if b < 0:
            out.append(
                f"the positions' min_staff add up to {bound} but there are only {have} employees [min_staff]"
            )
            continue
        pid = pos["position_id"].to_numpy(dtype=object)[b]
        if kind == "min_staff":
            out.append(
                f"position {pid} needs min_staff {bound}; at most {have} can be placed there "
                f"({int(reach[b])} employees could reach it by the rules, others are needed elsewhere) "
                "[min_staff]"
            )
        else:
            out.append(
                f"position {pid} allows max_staff {bound}; at least {have} must stay or end there "
                f"({int(stuck[b])} cannot move by the mover rules or have no eligible target) [max_staff]"
            )
    if problem.policy.max_moves is not None and not out:
        out.append(
            f"no plan within max_moves {problem.policy.max_moves} meets the staffing bounds [max_moves]"
        )
    return out


def _conflict_lines(
    problem: Problem, comp: Compiled, conflicts: list[tuple[str, str]], reach: IntArray
) -> list[str]:
    """Word a conflicting set of constraints found by CP-SAT, one line each."""
    pos = problem.positions
    pid = pos["position_id"].to_numpy(dtype=object)
    m = comp.model
    lines = []
    for kind, index in conflicts:
        i = int(index)
        if kind == "min_staff":
            lines.append(
                f"position {pid[i]} needs min_staff {int(m.min_staff[i])} "
                f"({int(reach[i])} employees could reach it by the rules) [min_staff]"
            )
        elif kind == "max_staff":
            lines.append(
                f"position {pid[i]} allows max_staff {int(m.max_staff[i])} "
                f"({int(m.fixed[i])} cannot move) [max_staff]"
            )
        elif kind == "side":
            row = m.side[i]
            if row.rule == "coverage":
                lines.append(f"{row.subject}: the unit must keep {row.lo} such staff, "
                             f"{row.constant} work there now [coverage]")  # fmt: skip
            else:
                lines.append(f"{row.subject} allows {row.rule} {row.hi} [{row.rule}]")
        elif kind == "pair":
            pair = m.pairs[i]
            lines.append(f"spouses {pair.subject} must stay in one unit [spouse_same_unit]")
        elif kind == "max_moves":
            lines.append(f"the plan may move at most {problem.policy.max_moves} employees [max_moves]")
    return ["these rules cannot all hold together:", *lines] if lines else []
