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
    # the engine counts whole units; staff and its bounds are FTE: the fixed staff's
    # remainder (part-timers) was folded into the target, need - target
    frac = problem.need - m.target
    lows = pos["min_staff"].to_numpy(dtype=float)
    highs = pos["max_staff"].to_numpy(dtype=float)
    for b, kind, have, _bound in sol.infeasible_bins:
        if b < 0:
            n, total = problem.n_employees, float(problem.staff.sum())
            there = f"{n} employees" if total == n else f"{_fte(total)} FTE of staff ({n} employees)"
            out.append(f"the positions' min_staff add up to {_fte(lows.sum())} but there are only {there} "
                       "[min_staff]")  # fmt: skip
            continue
        pid = pos["position_id"].to_numpy(dtype=object)[b]
        if kind == "min_staff":
            out.append(
                f"position {pid} needs min_staff {_fte(lows[b])}; at most {_fte(have + frac[b])} can be "
                f"placed there ({int(reach[b])} employees could reach it by the rules, others are needed "
                "elsewhere) [min_staff]"
            )
        else:
            out.append(
                f"position {pid} allows max_staff {_fte(highs[b])}; at least {_fte(have + frac[b])} must "
                f"stay or end there ({int(stuck[b])} cannot move by the mover rules or have no eligible "
                "target) [max_staff]"
            )
    if problem.policy.max_moves is not None and not out:
        out.append(
            f"no plan within max_moves {problem.policy.max_moves} meets the staffing bounds [max_moves]"
        )
    if not out and sol.stats.get("conflict_search"):
        out.append(
            "no plan meets the unit rules, spouse rules and staffing bounds together; the rules in "
            "conflict were not named within the time limit (give more --time-limit)"
        )
    return out


def _fte(x: float) -> str:
    """A staff figure in FTE: ``3``, ``2.5`` (sums such as 0.1 + 0.2 rounded)."""
    return f"{round(float(x), 6):.10g}"


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
                f"position {pid[i]} needs min_staff {_fte(pos['min_staff'].to_numpy(dtype=float)[i])} "
                f"({int(reach[i])} employees could reach it by the rules) [min_staff]"
            )
        elif kind == "max_staff":
            lines.append(
                f"position {pid[i]} allows max_staff {_fte(pos['max_staff'].to_numpy(dtype=float)[i])} "
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
