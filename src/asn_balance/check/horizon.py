"""An independent check of a five-year (horizon) plan.

:func:`check_horizon` follows every employee through the rounds from the input tables and the
plan's own record alone, with no solver, compile or evaluate code:

* round ``t`` is on ``plan_date + t`` years (29 February becomes 28 February);
* the pension starts on the first day of the month after the birthday at the BUP of the
  position held (its ``retirement_age``, else the BUP of its jabatan, else the policy's); an
  employee counts in year ``t`` only if it comes after round ``t``'s date, and retires at the
  first round where it does not (rule ``retirement_round`` when the plan says otherwise;
  ``retired_moved`` for a move of somebody gone);
* every round is checked by :func:`~asn_balance.check.check` on that round's tables: the
  employees still there in the positions they hold, ``months_in_position`` carried
  (``months + 12 t`` without a move, ``12 (t - s)`` after a move at round ``s``), the
  workload grown by ``(1 + workload_growth)^t``, the hires so far as locked staff, and the
  policy at the round's date. So every mover, target, staff and unit rule holds per round.
  ``voluntary_first`` is not part of the horizon and is not checked;
* hires: at most the round's quota, none where ``hire_allowed`` is false, at most
  ``max_hires`` per position and round (rules ``hire_quota``, ``hire_allowed``, ``max_hires``);
* the objective ``sum_t B_t + move_cost x moves + hire_cost x hires`` is recomputed and
  compared with the plan's (``objective_mismatch``, ``balance_mismatch``), and the bound may
  not exceed it (``bound_above_objective``);
* like :func:`~asn_balance.check.check`, the plan is checked under the policy it records
  (or the problem's, ``policy="problem"``) and on the input it was made from: a problem whose
  ``input_sha256`` differs from the one the plan records fails with ``input_changed``
  (naming the tables that changed) unless ``allow_changed_input``; the round dates are
  recomputed from the policy's ``plan_date`` (``round_date``, also for the summary's
  ``dates``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from ..model.errors import InputError, InputProblem
from ..model.policy import Policy
from .frames import _ids
from .inputs import ProblemLike, _workload
from .people import _fte_of, _retirement
from .recorded import _input_check, _input_message, _policy_differences, _recorded_policy
from .report import PolicyDifference, Violation
from .verifier import check

__all__ = ["HORIZON_RULES", "HorizonCheckReport", "check_horizon"]

#: The rules of the horizon beyond those of :func:`~asn_balance.check.check`.
HORIZON_RULES: dict[str, str] = {
    "retirement_round": "the plan's retirements of a round are not those the birth dates and BUP give",
    "retired_moved": "the plan moves an employee who has retired",
    "wrong_from_position": "a move's from_position is not the position the employee holds then",
    "hire_quota": "a round hires more than its quota",
    "hire_allowed": "a position with hire_allowed false takes hires",
    "max_hires": "a position takes more hires in a round than its max_hires",
    "unknown_position": "a hire names a position that is not in the data",
    "round_date": "a round's date is not plan_date + t years",
    "balance_mismatch": "a round's balance B_t differs from the one recomputed",
    "objective_mismatch": "the plan's objective differs from the one recomputed",
    "bound_above_objective": "the plan's bound exceeds its objective",
    "input_changed": "the input is not the one the plan was made from (its recorded input_sha256)",
}
_TRUE = {"true", "1", "ya", "y", "yes", "benar", "t"}
_FALSE = {"false", "0", "tidak", "n", "no", "salah", "f", "tdk"}


@dataclass
class HorizonCheckReport:
    """The outcome of :func:`check_horizon`.

    Attributes
    ----------
    ok : bool
        No violation.
    violations : list of (round, Violation)
        Every broken rule with its round (``-1``: the whole plan).
    objective : float
        The objective recomputed.
    balance : list of float
        ``B_t`` per round, recomputed.
    moves, hires : int
        Totals.
    policy : Policy or None
        The policy the plan was checked under.
    policy_source : str
        ``"plan"`` (the policy it records) or ``"problem"``.
    policy_differences : list of PolicyDifference
        Fields where the plan's recorded policy and the problem's differ.
    notes : list of str
        What was checked all the same (a changed input with ``allow_changed_input``).
    """

    ok: bool
    violations: list[tuple[int, Violation]] = field(default_factory=list)
    objective: float = float("nan")
    balance: list[float] = field(default_factory=list)
    moves: int = 0
    hires: int = 0
    policy: Policy | None = None
    policy_source: str = "plan"
    policy_differences: list[PolicyDifference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def messages(self) -> list[str]:
        """One line per violation: ``round t: message [rule]``."""
        return [f"{'plan' if t < 0 else f'round {t}'}: {v}" for t, v in self.violations]

    def raise_if_failed(self) -> None:
        """Raise :class:`AssertionError` listing the violations, if any."""
        if not self.ok:
            raise AssertionError("\n".join(self.messages()))


def _doc(plan: Any) -> Mapping[str, Any]:
    if hasattr(plan, "to_dict") and not isinstance(plan, Mapping):
        return dict(plan.to_dict())
    if isinstance(plan, Mapping) and "rounds" in plan:
        return plan
    raise TypeError("a horizon plan is a HorizonResult or its JSON document (summary, rounds, formasi)")


def _dates(start: dt.date, years: int) -> list[dt.date]:
    out = []
    for t in range(years):
        try:
            out.append(start.replace(year=start.year + t))
        except ValueError:
            out.append(start.replace(year=start.year + t, day=28))
    return out


def _opt_column(pos: pd.DataFrame, names: Sequence[str]) -> tuple[pd.Series | None, str]:
    normal = {str(c).strip().lower().replace(" ", "_").replace("-", "_"): c for c in pos.columns}
    for n in names:
        if n in normal:
            return pos[normal[n]], str(normal[n])
    return None, names[0]


def _position_columns(pos: pd.DataFrame, policy: Policy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``hire_allowed``, ``max_hires`` (NaN: none) and ``workload_growth`` per position."""
    n = len(pos)
    problems = []
    allowed = np.ones(n, dtype=bool)
    col, head = _opt_column(pos, ("hire_allowed", "formasi_allowed", "boleh_formasi", "formasi_dibuka"))
    if col is not None:
        for i, v in enumerate(col.tolist()):
            text = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip().lower()
            if text in _FALSE:
                allowed[i] = False
            elif text and text not in _TRUE:
                problems.append(
                    InputProblem("positions", i + 2, head, v, "invalid_bool", "expected true/false")
                )
    col, _ = _opt_column(pos, ("max_hires", "max_formasi", "formasi_max"))
    max_hires = pd.to_numeric(col, errors="coerce").to_numpy(float) if col is not None else np.full(n, np.nan)
    col, _ = _opt_column(pos, ("workload_growth", "pertumbuhan_beban_kerja", "growth"))
    growth = pd.to_numeric(col, errors="coerce").to_numpy(float) if col is not None else np.full(n, np.nan)
    growth = np.where(np.isnan(growth), float(policy.workload_growth), growth)
    if problems:
        raise InputError(problems)
    return allowed, max_hires, growth


def _pension_month(emp: pd.DataFrame, pos: pd.DataFrame, cur: np.ndarray, policy: Policy) -> np.ndarray:
    """Per employee, the month index (``year x 12 + month - 1``) the pension starts with the BUP
    of position ``cur``; a large number without a birth date."""
    birth, age, *_ = _retirement(emp, pos, cur, policy)
    year = birth.dt.year.fillna(0).to_numpy(np.int64)
    month = birth.dt.month.fillna(1).to_numpy(np.int64)
    months = (year + np.floor(age).astype(np.int64)) * 12 + (month - 1) + 1
    return np.where(birth.notna().to_numpy(), months, np.iinfo(np.int64).max)


def check_horizon(
    problem: ProblemLike,
    plan: Any,
    *,
    hires: Sequence[int] | None = None,
    policy: str = "plan",
    allow_changed_input: bool = False,
) -> HorizonCheckReport:
    """Check a horizon plan against the input tables and the policy it records.

    Parameters
    ----------
    problem : ProblemLike
        The input (canonical ``employees``, ``positions``, ``tasks``, optional ``units``).
    plan : HorizonResult or Mapping
        The plan, or its JSON document ``{"summary", "rounds", "formasi"}``.
    hires : list of int, optional
        Hire quotas per round (default: those the plan records).
    policy : {"plan", "problem"}
        Check under the policy the plan records (the problem's when it records none), or
        under the problem's policy; the differences are listed either way.
    allow_changed_input : bool
        Check a plan whose input changed all the same (a note instead of ``input_changed``).

    Returns
    -------
    HorizonCheckReport
        Every violation by round, the recomputed objective and balances.
    """
    if policy not in ("plan", "problem"):
        raise ValueError(f"policy must be 'plan' or 'problem', got {policy!r}")
    doc = _doc(plan)
    summary = dict(doc.get("summary") or {})
    recorded = _recorded_policy(summary)
    source = "plan" if policy == "plan" and recorded is not None else "problem"
    used: Policy = recorded if source == "plan" and recorded is not None else problem.policy
    differences = [] if recorded is None else _policy_differences(recorded, problem.policy)
    rounds = list(doc["rounds"])
    T = len(rounds)
    quotas = list(hires) if hires is not None else list(summary.get("hire_quotas") or [0] * T)
    found: list[tuple[int, Violation]] = []
    notes: list[str] = []

    def bad(t: int, rule: str, subject: str, message: str) -> None:
        found.append((t, Violation(rule, subject, message)))

    plan_sha, sha, changes = _input_check(summary, problem)
    if changes and plan_sha is not None and sha is not None:
        message = _input_message(plan_sha, sha, changes)
        if allow_changed_input:
            notes.append(f"{message}; checked all the same (allow_changed_input)")
        else:
            bad(-1, "input_changed", "plan", message)

    emp, pos = problem.employees, problem.positions
    tasks = problem.tasks
    emp_ids = pd.Index(_ids(emp["employee_id"]), dtype=object)
    pos_ids = pd.Index(_ids(pos["position_id"]), dtype=object)
    cur = pos_ids.get_indexer(pd.Index(_ids(emp["position_id"]), dtype=object))
    workload = _workload(pos, pos_ids, tasks, used.days_per_year, used.weeks_per_year)
    allowed, max_hires, growth = _position_columns(pos, used)
    months0 = pd.to_numeric(emp["months_in_position"], errors="coerce").to_numpy(float)
    last_move = np.full(len(emp), -1, dtype=np.int64)
    gone = np.zeros(len(emp), dtype=bool)
    fte = _fte_of(emp, used)
    dates = _dates(used.date(), T)
    hired = np.zeros(len(pos), dtype=np.int64)
    hire_rows: list[dict[str, Any]] = []
    balances: list[float] = []
    n_moves = n_hires = 0
    base_pos = pos.copy()
    for t, rd in enumerate(rounds):
        date = dates[t]
        if str(rd.get("date", date.isoformat())) != date.isoformat():
            bad(t, "round_date", "plan", f"round {t} is dated {rd.get('date')}, not {date.isoformat()}")
        month_t = date.year * 12 + date.month - 1
        # retirements: the pension of the position held during the year before
        pension = _pension_month(emp, pos, cur, used)
        leaving = ~gone & (pension <= month_t)
        said: set[str] = set()
        for r in rd.get("retirements") or []:
            said.update(str(x) for x in (r.get("employee_ids") or []))
        truth = set(emp_ids[leaving].tolist())
        for eid in sorted(truth - said):
            bad(
                t,
                "retirement_round",
                eid,
                f"employee {eid} retires at round {t} but the plan does not say so",
            )
        for eid in sorted(said - truth):
            bad(t, "retirement_round", eid, f"the plan retires employee {eid} at round {t}, the data do not")
        gone |= leaving
        # hires of this round
        for h in rd.get("hires") or []:
            b = int(pos_ids.get_indexer(pd.Index([str(h["position_id"])], dtype=object))[0])
            pb = str(pos_ids[b]) if b >= 0 else ""
            count = int(h["count"])
            if b < 0:
                bad(
                    t,
                    "unknown_position",
                    str(h["position_id"]),
                    f"hires at unknown position {h['position_id']}",
                )
                continue
            if count > 0 and not allowed[b]:
                bad(
                    t,
                    "hire_allowed",
                    pb,
                    f"position {pos_ids[b]} takes {count} hires but hire_allowed is false",
                )
            if not np.isnan(max_hires[b]) and count > max_hires[b]:
                bad(
                    t,
                    "max_hires",
                    pb,
                    f"position {pos_ids[b]} takes {count} hires, max_hires {max_hires[b]:g}",
                )
            hired[b] += count
            n_hires += count
            hire_rows += [{"position_id": pos_ids[b], "round": t}] * count
        took = sum(int(h["count"]) for h in rd.get("hires") or [])
        if took > (quotas[t] if t < len(quotas) else 0):
            bad(
                t,
                "hire_quota",
                "plan",
                f"round {t} hires {took}, more than its quota {quotas[t] if t < len(quotas) else 0}",
            )
        # moves: the round's tables, checked as one ordinary plan
        mv = pd.DataFrame(rd.get("moves") or [], columns=["employee_id", "from_position", "to_position"])
        e = emp_ids.get_indexer(pd.Index(mv["employee_id"].astype(str), dtype=object))
        keep = np.ones(len(mv), dtype=bool)
        for i in np.flatnonzero(e >= 0):
            k = int(e[i])
            if gone[k]:
                bad(
                    t,
                    "retired_moved",
                    str(emp_ids[k]),
                    f"employee {emp_ids[k]} is moved at round {t} after retiring",
                )
                keep[i] = False
            elif str(mv["from_position"].iloc[i]) != pos_ids[cur[k]]:
                bad(
                    t,
                    "wrong_from_position",
                    str(emp_ids[k]),
                    f"employee {emp_ids[k]} holds {pos_ids[cur[k]]} at round {t}, "
                    f"not {mv['from_position'].iloc[i]}",
                )
        here = ~gone
        emp_t = emp[here].copy()
        emp_t["position_id"] = pos_ids.to_numpy(dtype=object)[cur[here]]
        carried = np.where(last_move < 0, months0 + 12 * t, 12.0 * (t - last_move))
        emp_t["months_in_position"] = carried[here]
        if hire_rows:
            new = pd.DataFrame(
                {
                    "employee_id": [f"__hire_{i}" for i in range(len(hire_rows))],
                    "position_id": [h["position_id"] for h in hire_rows],
                    "status": "PNS",
                    "grade": "",
                    "education": "",
                    "competencies": "",
                    "months_in_position": [12.0 * (t - h["round"]) for h in hire_rows],
                    "locked": True,
                }
            )
            emp_t = pd.concat([emp_t, new], ignore_index=True)
        pos_t = base_pos.copy()
        pos_t["workload_hours"] = workload * (1.0 + growth) ** t
        tasks_t = tasks.iloc[0:0] if tasks is not None else None
        policy_t = used.model_copy(update={"plan_date": date, "voluntary_first": False})
        round_problem = SimpleNamespace(
            employees=emp_t,
            positions=pos_t,
            tasks=tasks_t,
            units=getattr(problem, "units", None),
            policy=policy_t,
        )
        rep = check(
            round_problem,
            mv.loc[keep, ["employee_id", "to_position"]].reset_index(drop=True),
            policy="problem",
        )
        found += [(t, v) for v in rep.violations]
        balances.append(float(rep.balance))
        recorded = rd.get("balance")
        if recorded is not None and not abs(float(recorded) - rep.balance) <= 1e-6 * max(1.0, rep.balance):
            bad(
                t,
                "balance_mismatch",
                "plan",
                f"round {t} claims B {float(recorded):.9g}, recomputed {rep.balance:.9g}",
            )
        n_moves += rep.moves
        t_idx = pos_ids.get_indexer(pd.Index(mv.loc[keep, "to_position"].astype(str), dtype=object))
        ek = e[keep]
        ok = (ek >= 0) & (t_idx >= 0)
        moved = ok & (t_idx != cur[np.maximum(ek, 0)])
        cur[ek[moved]] = t_idx[moved]
        last_move[ek[moved]] = t
    _ = fte  # staff is counted in FTE by check
    objective = float(sum(balances) + used.move_cost * n_moves + used.hire_cost * n_hires)
    claim = summary.get("objective")
    if claim is not None and not abs(float(claim) - objective) <= 1e-6 * max(1.0, abs(objective)):
        bad(
            -1,
            "objective_mismatch",
            "plan",
            f"the plan claims objective {float(claim):.9g}, recomputed {objective:.9g}",
        )
    bound = summary.get("bound")
    if bound is not None and float(bound) > objective + 1e-6 * max(1.0, abs(objective)):
        bad(
            -1,
            "bound_above_objective",
            "plan",
            f"the bound {float(bound):.9g} exceeds the objective {objective:.9g}",
        )
    listed = summary.get("dates")
    if isinstance(listed, list) and [str(d) for d in listed] != [d.isoformat() for d in dates]:
        bad(-1, "round_date", "plan", f"the plan's dates {listed} are not plan_date + t years")
    return HorizonCheckReport(
        not found, found, objective, balances, n_moves, n_hires, used, source, differences, notes
    )
