"""Decision support: why (not) a move, and how much balance each move budget buys.

* :func:`why_not` answers "why is employee E not moved to T?" with either the named rules
  that forbid the move, or the exact cost of forcing it (the problem re-solved with the
  move imposed) and which terms of the objective get worse.
* :func:`frontier` solves the problem for a series of move budgets: the best balance ``B``
  reachable with at most ``K`` moves, each point with its proven lower bound.
"""

from __future__ import annotations

import html
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError, InputProblem
from .problem import Problem
from .result import Result
from .rules import mover_rules_all, target_rules
from .schema import RULES, TERMS
from .terms import plan_terms
from .unit_rules import UnitRules, unit_rules
from .wishes import Wishes, wishes

__all__ = ["Frontier", "WhyNot", "frontier", "why_not"]

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
    verdict : {"forbidden", "in_plan", "costly"}
        ``forbidden``: hard rules forbid it (see ``rules``); ``in_plan``: the plan
        already makes the move; ``costly``: allowed, at the ``cost`` of forcing it (zero
        or more; a plan that is not optimal may even gain).
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

    def worse_terms(self) -> list[str]:
        """Terms that are higher in the forced plan than in the given plan."""
        return [k for k, (a, b) in self.terms.items() if k in TERMS and b > a + 1e-9]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``nan`` as ``None``)."""

        def clean(x: float) -> float | None:
            return None if not math.isfinite(x) else float(x)

        return {
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

    def __repr__(self) -> str:
        return f"WhyNot({self.verdict}: {self.message})"


def _plan_moves(problem: Problem, plan: PlanSource) -> tuple[np.ndarray, np.ndarray]:
    """Employee and target position numbers of a plan's moves."""
    from .io import read_plan

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
    from .planner import build_result, compile_problem
    from .solvers import solve_model

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
    reasons = {c: _forbidding(problem, i, c, w, ur) for c in candidates}
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
    for c in allowed[:max_positions]:
        comp = compile_problem(problem, force=(i, c))
        sol = solve_model(comp.model, time_limit=time_limit)
        res = build_result(problem, comp, sol, t0, lang=lang)
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


@dataclass
class Frontier:
    """Balance reachable per move budget (see :func:`frontier`).

    Attributes
    ----------
    points : DataFrame
        One row per budget: ``budget, moves, balance, bound, objective, status, seconds``;
        ``balance`` is ``B`` of the best plan found with at most ``budget`` moves and
        ``bound`` a proven lower bound on the best ``B`` possible.
    balance_before : float
        ``B`` with nobody moved.
    results : list of Result
        The plan of every point.
    """

    points: pd.DataFrame
    balance_before: float
    results: list[Result] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """``{"points": [{"budget", "moves", "balance", "bound", "objective", "status", "seconds"}]}``."""
        rows = []
        for r in self.points.to_dict(orient="records"):
            rows.append(
                {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
            )
        return {"points": rows}

    def to_json(self, indent: int | None = 2) -> str:
        """The frontier as JSON (see :meth:`to_dict`)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, default=_jsonable)

    def write(self, path: str | PathLike[str]) -> Path:
        """Write the frontier as JSON."""
        from .io import atomic_write_text

        p = Path(path)
        atomic_write_text(p, self.to_json())
        return p

    def plot(self, *, lang: str = "id", ax: Any = None) -> Any:
        """The balance-vs-moves frontier as a matplotlib Figure (needs ``asn-balance[plot]``).

        Parameters
        ----------
        lang : {"id", "en"}
            Language of the labels.
        ax : matplotlib Axes, optional
            Draw into this axes (its figure is returned).

        Returns
        -------
        matplotlib.figure.Figure
            ``B`` of the best plan per number of moves, each point labelled with its
            budget, the proven lower bound dashed and ``B`` now dotted.
        """
        from .plots import plot_frontier

        return plot_frontier(self, lang=lang, ax=ax)

    def _repr_html_(self) -> str:
        return (
            f"<p>asn_balance Frontier (B now {html.escape(f'{self.balance_before:.4f}')})</p>"
            + self.points.to_html(index=False)
        )


def _jsonable(x: Any) -> Any:
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    return str(x)


def frontier(
    problem: Problem,
    budgets: Sequence[int],
    *,
    time_limit: float | None = None,
    seed: int = 0,
    progress: Callable[[int, int, Result], None] | None = None,
) -> Frontier:
    """The best balance ``B`` for each move budget, with proven bounds.

    Each point minimises ``B`` subject to every hard rule of the policy and at most
    ``budget`` moves (soft terms and the move price are set aside, so that the points
    answer "how many moves buy how much balance"; among equal ``B`` the fewest moves).
    Points are solved in increasing budget, and a plan found for a smaller budget is kept
    when a larger budget's search did not beat it, so the balance never increases.

    Parameters
    ----------
    problem : Problem
        Data and policy (its ``max_moves`` is replaced by each budget).
    budgets : sequence of int
        Move budgets (non-negative).
    time_limit : float, optional
        Seconds per point (budget search and CP-SAT).
    seed : int
        Random seed for CP-SAT.
    progress : callable, optional
        ``progress(index, budget, result)`` after each point.

    Returns
    -------
    Frontier
    """
    from .planner import solve

    wanted = sorted({int(b) for b in budgets})
    if any(b < 0 for b in wanted):
        raise InputError([InputProblem("frontier", None, "budgets", str(budgets), "invalid_option",
                                       "budgets must be non-negative integers")])  # fmt: skip
    pure = problem.with_policy(
        move_cost=0.0, preference_weight=0.0, spouse_weight=0.0, fit_weight=0.0, rotation_weight=0.0,
        lexicographic=False, max_moves=None,
    )  # fmt: skip
    rows: list[dict[str, Any]] = []
    results: list[Result] = []
    prev: Result | None = None
    for k, b in enumerate(wanted):
        res = solve(pure.with_policy(max_moves=b), time_limit=time_limit, seed=seed)
        if (
            prev is not None
            and prev.has_plan
            and (not res.has_plan or prev.balance_after < res.balance_after - 1e-12)
        ):
            # the larger budget's bound stays valid; the smaller budget's plan is feasible here
            res = _replace_plan(prev, bound=res.bound if math.isfinite(res.bound) else float("-inf"))
        rows.append(
            {
                "budget": b,
                "moves": res.n_moves if res.has_plan else None,
                "balance": res.balance_after if res.has_plan else float("nan"),
                "bound": res.bound,
                "objective": res.objective,
                "status": res.status,
                "seconds": round(res.seconds, 3),
            }
        )
        results.append(res)
        if res.has_plan:
            prev = res
        if progress is not None:
            progress(k, b, res)
    points = pd.DataFrame(
        rows, columns=["budget", "moves", "balance", "bound", "objective", "status", "seconds"]
    )
    return Frontier(points, problem.balance(), results)


def _replace_plan(prev: Result, bound: float) -> Result:
    """The previous (smaller budget) plan as the answer for a larger budget."""
    from dataclasses import replace

    gap_ok = prev.balance_after - bound <= 1e-6 * max(1.0, abs(prev.balance_after))
    return replace(prev, bound=min(bound, prev.objective), status="optimal" if gap_ok else "feasible")
