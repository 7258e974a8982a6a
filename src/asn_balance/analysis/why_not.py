"""Why (not) a move: :func:`why_not` answers "why is employee E not moved to T?" with either
the named rules that forbid the move, or the exact cost of forcing it (the problem re-solved
with the move imposed) and which terms of the objective get worse.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from ..compile.eligibility import mover_rules_all, target_rules
from ..compile.unit_rules import UnitRules, unit_rules
from ..compile.wishes import Wishes, wishes
from ..evaluate.result import Result
from ..evaluate.terms import plan_terms
from ..model.errors import InputError, InputProblem
from ..model.policy import RULES, TERMS
from ..model.problem import Problem

__all__ = ["WhyNot", "why_not", "why_not_horizon", "why_not_rounds"]

PlanSource = Result | str | PathLike[str] | Mapping[str, Any] | pd.DataFrame


_WORDS = {
    "id": {
        "forbidden": "{e} tidak dapat dipindahkan ke {t}: {rules}.",
        "in_plan": "{e} sudah dipindahkan ke {t} dalam rencana ini.",
        "costly": "{e} dapat dipindahkan ke {t}, tetapi fungsi tujuan naik {cost} ({obj0} -> {obj1}); "
        "memburuk: {worse}.",
        "free": "{e} dapat dipindahkan ke {t} tanpa memperburuk rencana ({obj0} -> {obj1}).",
        "none": "tidak ada",
    },
    "en": {
        "forbidden": "{e} cannot move to {t}: {rules}.",
        "in_plan": "{e} already moves to {t} in this plan.",
        "costly": "{e} can move to {t}, but the objective rises by {cost} ({obj0} -> {obj1}); "
        "worse: {worse}.",
        "free": "{e} can move to {t} without making the plan worse ({obj0} -> {obj1}).",
        "none": "none",
    },
}


@dataclass
class WhyNot:
    """The answer of :func:`why_not`.

    Attributes
    ----------
    employee_id, target : str
        The question.
    target_kind : {"position", "unit"}
        What ``target`` names.
    verdict : {"forbidden", "in_plan", "costly", "retired"}
        ``forbidden``: hard rules forbid it (see ``rules``); ``in_plan``: the plan
        already makes the move; ``costly``: allowed, at the ``cost`` of forcing it (zero
        or more; a plan that is not optimal may even gain); ``retired`` (a round of a
        five-year plan only, :func:`why_not_rounds`): the employee is gone by that round.
    rules : list of (str, str)
        The rules that forbid the move, with details.
    objective_plan, objective_forced : float
        Objective of the given plan (recomputed under the problem's policy) and of the
        best plan that makes the move (``nan`` if forbidden).
    cost : float
        ``objective_forced - objective_plan`` (``nan`` if forbidden).
    terms : dict
        ``term -> (plan value, forced value)`` for every term of the objective.
    status : str
        Solver status of the forced solve (``"-"`` when none ran).
    position : str
        The position the forced plan moves the employee to (for a unit target).
    message : str
        The answer in words.
    forced : Result or None
        The forced plan.
    horizon : dict
        For a round of a five-year plan (:func:`why_not_horizon`, :func:`why_not_rounds`):
        ``round``, ``date``, ``position`` held at the round (before its moves),
        ``months_in_position`` at the round's date (carried across the rounds),
        ``last_move_round`` (``None``: not moved since the data), ``retires_round`` (the
        first round the employee is gone, ``None``: not within the plan) and ``moved_to``
        (the position the plan moves the employee to at this round, ``None``: none).
        Empty for a plan of one round.
    """

    employee_id: str
    target: str
    target_kind: str
    verdict: str
    rules: list[tuple[str, str]] = field(default_factory=list)
    objective_plan: float = float("nan")
    objective_forced: float = float("nan")
    cost: float = float("nan")
    terms: dict[str, tuple[float, float]] = field(default_factory=dict)
    status: str = "-"
    position: str = ""
    message: str = ""
    forced: Result | None = None
    horizon: dict[str, Any] = field(default_factory=dict)

    def worse_terms(self) -> list[str]:
        """Terms that are higher in the forced plan than in the given plan."""
        return [k for k, (a, b) in self.terms.items() if k in TERMS and b > a + 1e-9]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``nan`` as ``None``)."""

        def clean(x: float) -> float | None:
            return None if not math.isfinite(x) else float(x)

        out: dict[str, Any] = {
            "employee_id": self.employee_id,
            "target": self.target,
            "target_kind": self.target_kind,
            "verdict": self.verdict,
            "rules": [{"rule": r, "detail": d} for r, d in self.rules],
            "objective_plan": clean(self.objective_plan),
            "objective_forced": clean(self.objective_forced),
            "cost": clean(self.cost),
            "terms": {k: {"plan": clean(a), "forced": clean(b)} for k, (a, b) in self.terms.items()},
            "worse": self.worse_terms(),
            "status": self.status,
            "position": self.position,
            "message": self.message,
        }
        if self.horizon:
            out["horizon"] = dict(self.horizon)
        return out

    def __repr__(self) -> str:
        return f"WhyNot({self.verdict}: {self.message})"


def _plan_moves(problem: Problem, plan: PlanSource) -> tuple[np.ndarray, np.ndarray]:
    """Employee and target position numbers of a plan's moves."""
    from ..io.plans import read_plan

    if isinstance(plan, Result):
        frame = plan.moves[["employee_id", "to_position"]].astype(str)
    elif isinstance(plan, pd.DataFrame):
        frame = read_plan(plan)
    elif isinstance(plan, Mapping):
        moves = plan.get("moves", [])
        frame = read_plan(moves if isinstance(moves, pd.DataFrame) else pd.DataFrame(list(moves)))
    else:
        frame = read_plan(plan)
    return problem.move_indices(frame)


def _forbidding(problem: Problem, i: int, j: int, w: Wishes, ur: UnitRules) -> list[tuple[str, str]]:
    """Every hard rule that forbids employee ``i`` to move to position ``j``."""
    pol = problem.policy
    out: list[tuple[str, str]] = [(r, RULES.get(r, "")) for r in mover_rules_all(problem, i)]
    if int(problem.employee_position[i]) == j:
        out.append(("same_position", "the employee already works there"))
        return out
    out += target_rules(problem, i, j)
    listed = w.rank_of(np.array([i]), np.array([j]))[0] > 0
    if pol.volunteers_only_to_preferences and w.volunteer[i] and w.n_listed[i] > 0 and not listed:
        out.append(("volunteers_only_to_preferences", "the volunteer did not list this place"))
    home_u = int(ur.position_unit[problem.employee_position[i]])
    to_u = int(ur.position_unit[j])
    if ur.max_out[home_u] == 0:
        out.append(("max_moves_out", f"unit {ur.unit_ids[home_u]} allows no moves out"))
    if ur.max_in[to_u] == 0:
        out.append(("max_moves_in", f"unit {ur.unit_ids[to_u]} allows no moves in"))
    if pol.spouses_hard and home_u != to_u:
        for a, b in zip(w.spouse_first.tolist(), w.spouse_second.tolist(), strict=True):
            if i in (a, b):
                partner = b if i == a else a
                if mover_rules_all(problem, partner):
                    out.append(("spouse_same_unit", f"spouse {problem.employee_index[partner]} cannot move"))
    return out


def _fmt(x: float, lang: str) -> str:
    s = f"{x:.4f}"
    return s.replace(".", ",") if lang == "id" else s


def why_not(
    problem: Problem,
    plan: PlanSource,
    employee_id: str,
    target: str,
    *,
    time_limit: float | None = None,
    lang: str = "id",
    max_positions: int = 10,
) -> WhyNot:
    """Why is ``employee_id`` not moved to ``target`` in ``plan``?

    Parameters
    ----------
    problem : Problem
        Data and policy.
    plan : Result, path, mapping or DataFrame
        The plan asked about (its moves are read; its objective is recomputed under the
        problem's policy).
    employee_id : str
        The employee.
    target : str
        A ``position_id``, or a ``unit_id`` (then the best allowed position of the unit).
    time_limit : float, optional
        Seconds for each forced solve (the flow path needs none).
    lang : {"id", "en"}
        Language of the message.
    max_positions : int
        For a unit target, at most this many allowed positions are tried.

    Returns
    -------
    WhyNot

    Raises
    ------
    InputError
        Unknown employee or target (rules ``unknown_employee``, ``unknown_target``).
    """
    return _why_not(
        problem, plan, employee_id, target, time_limit=time_limit, lang=lang, max_positions=max_positions
    )


def _why_not(
    problem: Problem,
    plan: PlanSource,
    employee_id: str,
    target: str,
    *,
    time_limit: float | None = None,
    lang: str = "id",
    max_positions: int = 10,
    extra: Sequence[tuple[str, str]] = (),
    deadline: float | None = None,
) -> WhyNot:
    """:func:`why_not`, with ``extra`` rules that forbid every target (the rules a five-year
    plan adds) and a ``deadline`` (``time.perf_counter()``) shared by the forced solves."""
    from ..compile.compiler import compile_problem
    from ..engine.dispatch import solve_model
    from ..planner import evaluate_solution

    lang = "en" if lang == "en" else "id"
    words = _WORDS[lang]
    employee_id, target = str(employee_id), str(target)
    i = int(problem.employee_index.get_indexer(pd.Index([employee_id]))[0])
    problems = []
    if i < 0:
        problems.append(InputProblem("why-not", None, "employee", employee_id, "unknown_employee",
                                     "no employee has this id"))  # fmt: skip
    j = int(problem.position_index.get_indexer(pd.Index([target]))[0])
    units = problem.positions["unit_id"].to_numpy(dtype=object)
    kind = "position"
    if j >= 0:
        candidates = [j]
    else:
        kind = "unit"
        candidates = np.flatnonzero(units == target).tolist()
        if not candidates:
            problems.append(InputProblem("why-not", None, "target", target, "unknown_target",
                                         "neither a position_id nor a unit_id"))  # fmt: skip
    if problems:
        raise InputError(problems)
    pe, pt = _plan_moves(problem, plan)
    w = wishes(problem)
    base = plan_terms(problem, pe, pt, w)
    answer = WhyNot(employee_id, target, kind, "costly", objective_plan=base["objective"])
    moved = pt[pe == i]
    if len(moved) and int(moved[0]) in candidates:
        answer.verdict = "in_plan"
        answer.position = str(problem.position_index[int(moved[0])])
        answer.terms = {k: (base[k], base[k]) for k in (*TERMS, "objective")}
        answer.objective_forced, answer.cost = base["objective"], 0.0
        answer.message = words["in_plan"].format(e=employee_id, t=target)
        return answer
    ur = unit_rules(problem)
    reasons = {c: [*extra, *_forbidding(problem, i, c, w, ur)] for c in candidates}
    allowed = [c for c in candidates if not reasons[c]]
    if not allowed:
        seen: dict[tuple[str, str], None] = {}
        for c in candidates:
            for r, d in reasons[c]:
                detail = d if kind == "position" else f"{problem.position_index[c]}: {d}".rstrip(": ")
                seen[(r, detail)] = None
        answer.verdict = "forbidden"
        answer.rules = list(seen)
        names = ", ".join(dict.fromkeys(r for r, _ in answer.rules))
        answer.message = words["forbidden"].format(e=employee_id, t=target, rules=names)
        return answer
    best: Result | None = None
    best_j = -1
    t0 = time.perf_counter()
    failures: list[tuple[str, str]] = []
    tried = allowed[:max_positions]
    for k, c in enumerate(tried):
        limit = time_limit
        if deadline is not None:
            share = max(0.1, (deadline - time.perf_counter()) / (len(tried) - k))
            limit = share if limit is None else min(limit, share)
        comp = compile_problem(problem, force=(i, c))
        sol = solve_model(comp.model, time_limit=limit)
        res = evaluate_solution(problem, comp, sol, lang=lang, started=t0)
        if not res.has_plan:
            failures += [(_rule_of(line), line) for line in res.diagnosis if _rule_of(line)]
            continue
        if best is None or res.objective < best.objective:
            best, best_j = res, c
    if best is None:
        answer.verdict = "forbidden"
        answer.rules = failures or [("infeasible", "no plan with this move meets the hard rules")]
        names = ", ".join(dict.fromkeys(r for r, _ in answer.rules))
        answer.message = words["forbidden"].format(e=employee_id, t=target, rules=names)
        return answer
    after = best.breakdown.get("after", {})
    answer.forced = best
    answer.status = best.status
    answer.position = str(problem.position_index[best_j])
    answer.objective_forced = best.objective
    answer.cost = best.objective - base["objective"]
    answer.terms = {k: (base[k], float(after.get(k, float("nan")))) for k in (*TERMS, "objective")}
    worse = answer.worse_terms()
    o0, o1 = _fmt(base["objective"], lang), _fmt(best.objective, lang)
    if answer.cost > 1e-9:
        answer.message = words["costly"].format(
            e=employee_id, t=target, cost=_fmt(answer.cost, lang), obj0=o0, obj1=o1,
            worse=", ".join(worse) or words["none"],
        )  # fmt: skip
    else:
        answer.message = words["free"].format(e=employee_id, t=target, obj0=o0, obj1=o1)
    return answer


def _rule_of(line: str) -> str:
    if line.endswith("]") and "[" in line:
        return line[line.rindex("[") + 1 : -1]
    return ""


_ROUND_WORDS = {
    "id": {
        "retired": "{e} sudah pensiun pada putaran {t} ({date}): purna tugas sejak putaran {s}.",
        "within": " Dihitung dalam putaran {t} ({date}): B tahun itu dan mutasi putaran itu; "
        "putaran berikutnya tidak direncanakan ulang.",
    },
    "en": {
        "retired": "{e} has retired by round {t} ({date}): gone from round {s} on.",
        "within": " Priced within round {t} ({date}): that year's B and the round's moves; "
        "the later rounds are not re-planned.",
    },
}


class _Horizon:
    """A five-year plan with its compiled horizon, built once for every round asked about."""

    def __init__(self, problem: Problem, plan: Any) -> None:
        from ..compile.horizon import compile_horizon
        from ..evaluate.horizon import HorizonResult
        from ..io.horizon_plans import horizon_from_document, read_horizon_plan

        self.problem = problem
        if not isinstance(plan, HorizonResult):
            plan = horizon_from_document(read_horizon_plan(plan))
        self.plan = plan
        self.T = len(self.plan.rounds)
        quotas = self.plan.summary.get("hire_quotas")
        self.data = compile_horizon(problem, max(self.T, 1), list(quotas) if quotas is not None else None)
        self.ids = problem.employees["employee_id"].astype(str).tolist()
        self.pid = problem.positions["position_id"].astype(str).to_numpy()

    def check_round(self, t: int) -> None:
        if not 0 <= t < self.T:
            raise InputError(
                [
                    InputProblem(
                        "options",
                        None,
                        "round",
                        t,
                        "invalid_option",
                        f"the plan has rounds 0 .. {self.T - 1}",
                    )
                ]
            )

    def retires_round(self, employee_id: str) -> int | None:
        """The round the plan says the employee is gone from (``None``: not within the plan)."""
        for rd in self.plan.rounds:
            if "employee_ids" in rd.retirements.columns:
                for ids in rd.retirements["employee_ids"]:
                    if employee_id in [str(x) for x in (ids if isinstance(ids, (list, tuple)) else [])]:
                        return int(rd.round)
        return None

    def held(self, i: int) -> list[tuple[str, str]]:
        """The rules that keep employee ``i`` in place in every round of a five-year plan,
        beyond those of a single round (the horizon does not model wishes and spouses)."""
        if self.data.employee_group[i] >= 0:
            return []
        pol = self.problem.policy
        e = self.problem.employees.iloc[i]
        out: list[tuple[str, str]] = []
        listed = bool(str(e.get("preferences", "") or "").strip())
        if pol.volunteers_only_to_preferences and bool(e.get("volunteer", False)) and listed:
            out.append(("volunteers_only_to_preferences",
                        "a volunteer with a preference list stays in place in every round "
                        "of a five-year plan (the plan does not model wishes)"))  # fmt: skip
        spouse = e.get("spouse_id", "")
        spouse_s = "" if spouse is None or (isinstance(spouse, float) and math.isnan(spouse)) else str(spouse)
        if pol.spouses_hard and (
            spouse_s.strip()
            or self.ids[i] in set(self.problem.employees.get("spouse_id", pd.Series(dtype=str)).astype(str))
        ):
            out.append(("spouse_same_unit",
                        "with spouses_hard, an employee with a spouse in the data stays in place in "
                        "every round of a five-year plan"))  # fmt: skip
        return out

    def ask(
        self,
        employee_id: str,
        target: str,
        t: int,
        *,
        time_limit: float | None,
        lang: str,
        max_positions: int,
        deadline: float | None = None,
        retired_answer: bool = False,
    ) -> WhyNot:
        from .horizon import round_problem, round_state

        self.check_round(t)
        problem, data, plan = self.problem, self.data, self.plan
        lang = "en" if lang == "en" else "id"
        cur, gone, last_move, hired = round_state(problem, data, plan, t)
        date = data.dates[t].isoformat()
        i = self.ids.index(employee_id) if employee_id in self.ids else -1
        if i >= 0 and gone[i]:
            s = self.retires_round(employee_id)
            s = t if s is None else s
            if not retired_answer:
                msg = f"employee {employee_id} has retired by round {t}"
                raise InputError([InputProblem("options", None, "employee_id", employee_id, "retired", msg)])
            return WhyNot(
                employee_id, target, "position", "retired",
                rules=[("retirement_round", f"gone from round {s} ({data.dates[s].isoformat()}) on")],
                message=_ROUND_WORDS[lang]["retired"].format(e=employee_id, t=t, date=date, s=s),
                horizon={"round": t, "date": date, "retires_round": s},
            )  # fmt: skip
        rp = round_problem(problem, data, t, cur, gone, last_move, hired).with_policy(
            preference_weight=0.0, spouse_weight=0.0, fit_weight=0.0, rotation_weight=0.0, lexicographic=False
        )  # the horizon's objective: B of the year and the moves (hires are fixed here)
        moves = plan.rounds[t].moves
        moves = (
            moves[["employee_id", "to_position"]].astype(str).reset_index(drop=True)
            if len(moves)
            else pd.DataFrame({"employee_id": pd.Series(dtype=str), "to_position": pd.Series(dtype=str)})
        )
        answer = _why_not(
            rp, moves, employee_id, target, time_limit=time_limit, lang=lang, max_positions=max_positions,
            extra=self.held(i) if i >= 0 else [], deadline=deadline,
        )  # fmt: skip
        pos = str(self.pid[cur[i]])
        months0 = float(problem.employees["months_in_position"].iloc[i])
        moved_at = int(last_move[i])
        months = months0 + 12 * t if moved_at < 0 else 12.0 * (t - moved_at)
        mine = moves[moves["employee_id"] == employee_id]["to_position"].tolist()
        answer.horizon = {
            "round": t,
            "date": date,
            "position": pos,
            "months_in_position": months,
            "last_move_round": moved_at if moved_at >= 0 else None,
            "retires_round": self.retires_round(employee_id),
            "moved_to": mine[0] if mine else None,
        }
        pol = problem.policy
        details = {
            "min_months_in_position": (
                f"{months:g} months in position {pos} at round {t} ({date}), "
                f"{pol.min_months_in_position} needed"
                + (f"; moved there at round {moved_at}" if moved_at >= 0 else "")
            ),
            "retirement_buffer": (
                f"at round {t} ({date}) within {pol.retirement_buffer_months} months of the "
                f"retirement age (BUP) of position {pos}"
            ),
        }
        answer.rules = [(r, details.get(r, d)) for r, d in answer.rules]
        if answer.verdict == "costly":
            answer.message += _ROUND_WORDS[lang]["within"].format(t=t, date=date)
        return answer


def why_not_horizon(
    problem: Problem,
    plan: Any,
    employee_id: str,
    target: str,
    round: int,
    *,
    time_limit: float | None = None,
    lang: str = "id",
    max_positions: int = 10,
) -> WhyNot:
    """Why is ``employee_id`` not moved to ``target`` at round ``round`` of a five-year plan?

    The round is asked about as one ordinary plan: the tables of that round as the plan
    leaves them (:func:`asn_balance.analysis.horizon.round_problem`: the people still there
    in the positions the plan gives them, months in position carried across the rounds, the
    hires so far as locked staff, the year's workload, every rule of the policy at the
    round's date) and the plan's moves of that round, priced as the five-year objective
    prices a round (``B`` of the year and the move price; the preference, spouse, fit and
    rotation terms are not in it). Someone moved at the round before (with the 24-month
    rule) gets ``min_months_in_position``; a volunteer with a preference list (under
    ``volunteers_only_to_preferences``) or an employee with a spouse (under ``spouses_hard``),
    whom the five-year plan keeps in place, gets that rule. A rule answer (``forbidden``) is
    exact for the round; a cost answer re-plans that round with the move forced, the rounds
    before as the plan made them, and prices that year only, not its effect on later years.
    The answer's ``horizon`` holds the round's facts (date, position held, months carried,
    last move, retirement).

    Parameters
    ----------
    problem : Problem
        Data and policy of the plan.
    plan : HorizonResult, mapping or path
        The five-year plan (:func:`asn_balance.plan_horizon`), its JSON document, or a file
        or folder :meth:`HorizonResult.write` wrote (``.json``, ``.xlsx``, folder).
    employee_id, target : str
        The employee, and a ``position_id`` or ``unit_id``.
    round : int
        The round asked about (0 is today's round).
    time_limit, lang, max_positions
        As for :func:`why_not`.

    Returns
    -------
    WhyNot

    Raises
    ------
    InputError
        Unknown round, employee or target, an unreadable plan, or an employee gone
        (retired) by that round (rule ``retired``).
    """
    h = _Horizon(problem, plan)
    return h.ask(
        str(employee_id), str(target), int(round), time_limit=time_limit, lang=lang,
        max_positions=max_positions,
    )  # fmt: skip


def why_not_rounds(
    problem: Problem,
    plan: Any,
    employee_id: str,
    target: str,
    rounds: Sequence[int] | None = None,
    *,
    time_limit: float | None = None,
    lang: str = "id",
    max_positions: int = 10,
) -> list[WhyNot]:
    """:func:`why_not_horizon` at every round of a five-year plan (or at ``rounds``).

    An employee gone by a round gets the verdict ``retired`` there (rule
    ``retirement_round``) instead of an error. ``time_limit`` is for the whole answer: the
    forced solves share what is left of it.

    Returns
    -------
    list of WhyNot
        One answer per round, in the order of ``rounds``.

    Raises
    ------
    InputError
        Unknown round, employee or target, or an unreadable plan.
    """
    start = time.perf_counter()
    h = _Horizon(problem, plan)
    wanted = list(range(h.T)) if rounds is None else [int(t) for t in rounds]
    bad = [t for t in wanted if not 0 <= t < h.T]
    if bad:
        h.check_round(bad[0])
    deadline = None if time_limit is None else start + time_limit
    answers = []
    for k, t in enumerate(wanted):
        share = None if deadline is None else (deadline - time.perf_counter()) / (len(wanted) - k)
        stop = None if share is None else time.perf_counter() + max(0.1, share)
        answer = h.ask(
            str(employee_id), str(target), t, time_limit=None, lang=lang, max_positions=max_positions,
            deadline=stop, retired_answer=True,
        )  # fmt: skip
        answers.append(answer)
    return answers
