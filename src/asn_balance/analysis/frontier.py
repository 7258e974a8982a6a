"""The move-budget frontier: :func:`frontier` solves the problem for a series of move
budgets, the best balance ``B`` reachable with at most ``K`` moves, each point with its proven
lower bound.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import _outputs
from ..evaluate.result import Result
from ..model.errors import InputError, InputProblem
from ..model.problem import Problem

__all__ = ["HIRES_COLUMNS", "Frontier", "HiresFrontier", "frontier", "hires_frontier"]


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
        from ..io.files import atomic_write_text

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
        return _outputs.output("frontier_plot")(self, lang=lang, ax=ax)

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
    from ..planner import solve

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


#: The columns of :attr:`HiresFrontier.points`.
HIRES_COLUMNS = (
    "hires_per_year", "status", "objective", "bound", "gap", "balance", "balance_last", "moves", "hires",
    "seconds", "check", "plan_of",
)  # fmt: skip


@dataclass
class HiresFrontier:
    """The five-year plan for several hire quotas per year (:func:`hires_frontier`).

    Attributes
    ----------
    points : DataFrame
        One row per quota: ``hires_per_year``, ``status``, ``objective``, ``bound`` (a proven
        lower bound on the best objective with that quota), ``gap``, ``balance`` (the sum of
        ``B`` over the years), ``balance_last`` (``B`` of the last year), ``moves``, ``hires``
        (used), ``seconds``, ``check`` (``ok``, the rules :func:`asn_balance.check_horizon`
        finds broken, or ``-`` without a plan or a check) and ``plan_of`` (the quota whose
        plan this is: a smaller quota's plan when the search for this one found none better).
        Figures of a point without a plan are missing.
    plans : list of HorizonResult
        The plans, in the order of ``points``.
    years : int
        Rounds of each plan.
    first_round : int
        Hire quota of round 0 in every plan.
    """

    points: pd.DataFrame
    plans: list[Any] = field(default_factory=list)
    years: int = 5
    first_round: int = 0

    def plot(self, *, lang: str = "id", ax: Any = None) -> Any:
        """Sum of ``B`` over the years against the hires per year, with the lower bound of
        the objective (:func:`asn_balance.reports.horizon.plot_hires_frontier`)."""
        return _outputs.output("hires_frontier_plot")(self, lang=lang, ax=ax)

    def to_dict(self) -> dict[str, Any]:
        """``{"years", "first_round", "points": [{column: value}]}`` (missing figures as ``None``)."""
        rows = [
            {k: (None if _missing(v) else v) for k, v in r.items()}
            for r in self.points.to_dict(orient="records")
        ]
        return {"years": self.years, "first_round": self.first_round, "points": rows}

    def to_json(self, indent: int | None = 2) -> str:
        """The frontier as JSON (see :meth:`to_dict`)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, default=_jsonable)

    def write(self, path: str | PathLike[str]) -> Path:
        """Write the frontier as JSON (whole or not at all)."""
        from ..io.files import atomic_write_text

        p = Path(path)
        atomic_write_text(p, self.to_json())
        return p

    def _repr_html_(self) -> str:
        return f"<p>asn_balance HiresFrontier ({self.years} years)</p>" + self.points.to_html(index=False)


def _missing(v: Any) -> bool:
    if v is None or v is pd.NA:
        return True
    return isinstance(v, (float, np.floating)) and not math.isfinite(float(v))


def _carried(prev: Any, quotas: list[int], bound: float) -> Any:
    """A smaller quota's plan as the plan of a larger quota (it hires no more than either
    allows), with the larger quota's bound (valid for it) and the status that bound proves."""
    from dataclasses import replace

    obj = float(prev.objective)
    bound = min(bound, obj) if math.isfinite(bound) else -math.inf
    close = obj - bound <= 1e-6 * max(1.0, abs(obj)) + 1e-7
    gap = (obj - bound) / max(1.0, abs(obj)) if math.isfinite(bound) else math.nan
    status = "optimal" if close else "feasible"
    summary = {**prev.summary, "hire_quotas": quotas, "status": status, "bound": bound, "gap": gap}
    return replace(prev, status=status, bound=bound, gap=gap, summary=summary)


def hires_frontier(
    problem: Problem,
    per_year: Sequence[int],
    *,
    years: int = 5,
    time_limit: float | None = None,
    total_time_limit: float | None = None,
    first_round: int = 0,
    check: bool = True,
    progress: Callable[[int, int, Any], None] | None = None,
) -> HiresFrontier:
    """ "With 10 more hires a year, how much better?": the five-year plan
    (:func:`asn_balance.plan_horizon`) for each hire quota per year, with its proven bound.

    Round 0 takes ``first_round`` hires (0 by default: a formasi takes a year), rounds 1 on
    take the quota. The quotas are planned in increasing order; a quota's plan allows at
    most as many hires as any larger quota, so when the search for a larger quota finds no
    better plan (a time limit) the smaller quota's plan is kept for it, with the larger
    quota's bound: the objective never increases along the points. Each plan goes through
    :func:`asn_balance.check_horizon` (column ``check``).

    Parameters
    ----------
    problem : Problem
        Data and policy (``hire_cost`` prices each hire in the objective).
    per_year : sequence of int
        Hire quotas per year to compare (non-negative; duplicates dropped).
    years : int
        Rounds of each plan.
    time_limit : float, optional
        Seconds per plan.
    total_time_limit : float, optional
        Seconds for the whole frontier, checks included: each plan gets what is left
        divided by the plans still to make, less the most a point has taken beyond its
        solver time so far (compile, evaluation, check), at least 0.1 s (and at most
        ``time_limit``). Too short a limit is overrun by that fixed time of each point.
    first_round : int
        Hire quota of round 0 (non-negative).
    check : bool
        Check every plan with :func:`asn_balance.check_horizon`.
    progress : callable, optional
        ``progress(index, quota, plan)`` after each point.

    Returns
    -------
    HiresFrontier

    Raises
    ------
    InputError
        A negative quota (table ``options``, column ``per_year`` or ``first_round``), or bad
        ``hire_allowed``/``max_hires``/``workload_growth`` cells.
    """
    import time

    from ..check.horizon import check_horizon
    from .horizon import plan_horizon

    start = time.perf_counter()
    problems = [
        InputProblem("options", None, "per_year", q, "invalid_option", "a hire quota is 0 or more")
        for q in per_year
        if int(q) < 0
    ]
    if int(first_round) < 0:
        problems.append(
            InputProblem("options", None, "first_round", first_round, "invalid_option", "0 or more")
        )
    if problems:
        raise InputError(problems)
    wanted = sorted({int(q) for q in per_year})
    rows: list[dict[str, Any]] = []
    plans: list[Any] = []
    prev: Any = None
    prev_q = -1
    beyond = 0.0  # the most a point took beyond its solver time (compile, evaluation, check)
    for k, q in enumerate(wanted):
        limit = time_limit
        if total_time_limit is not None:
            left = start + total_time_limit - time.perf_counter()
            share = max(0.1, left / (len(wanted) - k) - beyond)
            limit = share if limit is None else min(limit, share)
        quotas = [int(first_round)] + [q] * (years - 1)
        t0 = time.perf_counter()
        plan = plan_horizon(problem, years, quotas[:years], time_limit=limit)
        plan_of = q
        if prev is not None and (not plan.has_plan or prev.objective < plan.objective - 1e-9):
            plan = _carried(prev, quotas[:years], plan.bound)
            plan_of = prev_q
        verdict = "-"
        if check and plan.has_plan:
            report = check_horizon(problem, plan)
            broken = sorted({v.rule for _, v in report.violations})
            verdict = "ok" if report.ok else "failed: " + ", ".join(broken)
        s = plan.summary
        has = plan.has_plan
        rows.append(
            {
                "hires_per_year": q,
                "status": plan.status,
                "objective": plan.objective,
                "bound": plan.bound,
                "gap": plan.gap,
                "balance": float(sum(s.get("balance", []))) if has else math.nan,
                "balance_last": float(s["balance"][-1]) if has and s.get("balance") else math.nan,
                "moves": int(s.get("moves", 0)) if has else None,
                "hires": int(s.get("hires", 0)) if has else None,
                "seconds": round(time.perf_counter() - t0, 3),
                "check": verdict,
                "plan_of": plan_of if has else None,
            }
        )
        plans.append(plan)
        if limit is not None:
            beyond = max(beyond, rows[-1]["seconds"] - limit)
        if has:
            prev, prev_q = plan, plan_of
        if progress is not None:
            progress(k, q, plan)
    points = pd.DataFrame(rows, columns=list(HIRES_COLUMNS))
    for c in ("moves", "hires", "plan_of"):  # whole numbers, missing without a plan
        points[c] = points[c].astype("Int64")
    return HiresFrontier(points, plans, years=years, first_round=int(first_round))
