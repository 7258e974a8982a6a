"""The revision against an exact MIP of its own (HiGHS), on small synthetic scenarios.

The MIP is written here from the checker alone: which single moves the rules allow (the
independent ``check`` of a plan with every candidate move as a row), the per-move terms of
the objective (``check`` of each allowed single move), the balance from the checker's need
and staff, the staffing bounds, unit caps and the move budget as rows. Its objective is
the revision's: the plan's objective plus ``change_cost`` per silent employee whose
outcome differs from the draft plus the preference weight per request refused, under the
pins (accepts, overruled objections) and locks (objections). The MIP's own plan is checked
too, so a modelling slip here shows as a mismatch with the checker, not as a false verdict.

On the flow path the revision must be optimal and equal to the MIP; with unit caps or a
budget (side constraints) its status and bound must be honest: bound <= MIP optimum <=
the revision's objective, and equality when it says ``optimal``.
"""

from __future__ import annotations

import re
from typing import Any

import highspy
import numpy as np
import pandas as pd
import pytest

import asn_balance as ab
from asn_balance.analysis.revise import revise
from asn_balance.datasets import synth

#: Rules of the whole plan (not of one move): the MIP states the first ones as rows.
PLAN_LEVEL = {"min_staff", "max_staff", "max_moves", "max_moves_out", "max_moves_in", "voluntary_first",
              "duplicate_move", "coverage", "spouse_same_unit"}  # fmt: skip
WHO = re.compile(r"^employee (\S+) moved to ([^\s,;:]+)")


def scenario(n: int, seed: int, *, units: bool, max_moves: int | None, pw: float = 0.2) -> ab.Problem:
    t = synth.generate(n, seed=seed, policy_columns=True, imbalance=0.8)
    u = t.pop("units")
    u["coverage"] = ""  # coverage is not stated in this MIP
    pol = ab.Policy(
        plan_date="2026-01-15", spouse_weight=0.0, max_moves=max_moves, allow_pppk=True, preference_weight=pw
    )
    return ab.Problem.from_frames(t["employees"], t["positions"], t["tasks"], pol, units=u if units else None)


def allowed_moves(problem: ab.Problem) -> dict[int, list[int]]:
    """Per employee the positions the per-move rules allow (one check, every candidate a row)."""
    ids = problem.employee_index.astype(str).to_numpy()
    pids = problem.position_index.astype(str).to_numpy()
    home = problem.employee_position
    jab = problem.positions["jabatan"].astype(str).to_numpy()
    e, j = np.nonzero(jab[home][:, None] == jab[None, :])
    keep = j != home[e]
    e, j = e[keep], j[keep]
    rep = ab.check(problem, pd.DataFrame({"employee_id": ids[e], "to_position": pids[j]}))
    bad = set()
    for v in rep.violations:
        if v.rule in PLAN_LEVEL:
            continue
        m = WHO.match(v.message)
        assert m, v.message
        bad.add((m.group(1), m.group(2)))
    out: dict[int, list[int]] = {}
    for a, b in zip(e.tolist(), j.tolist(), strict=True):
        if (ids[a], pids[b]) not in bad:
            out.setdefault(a, []).append(b)
    return out


def single_costs(
    problem: ab.Problem, moves: dict[int, list[int]]
) -> tuple[float, dict[tuple[int, int], float]]:
    """The objective's terms other than balance: of the empty plan, and per single move its change."""
    ids = problem.employee_index.astype(str).to_numpy()
    pids = problem.position_index.astype(str).to_numpy()

    def other_terms(plan: dict[str, str]) -> float:
        rep = ab.check(problem, plan)
        return float(sum(v for k, v in rep.terms.items() if k != "balance"))

    base = other_terms({})
    return base, {(e, j): other_terms({ids[e]: pids[j]}) - base for e, js in moves.items() for j in js}


class Mip:
    """A small MIP through highspy's column and row calls."""

    def __init__(self) -> None:
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("mip_rel_gap", 1e-9)
        self.h.setOptionValue("mip_abs_gap", 1e-9)
        self.n = 0

    def cols(self, cost: list[float], lo: list[float], hi: list[float], integer: bool) -> list[int]:
        k = len(cost)
        self.h.addCols(k, np.array(cost), np.array(lo), np.array(hi), 0, np.zeros(0, np.int32),
                       np.zeros(0, np.int32), np.zeros(0))  # fmt: skip
        idx = list(range(self.n, self.n + k))
        if integer:
            self.h.changeColsIntegrality(k, np.array(idx, np.int32),
                                         np.array([highspy.HighsVarType.kInteger] * k))  # fmt: skip
        self.n += k
        return idx

    def row(self, lo: float, hi: float, idx: list[int], val: list[float]) -> None:
        self.h.addRow(lo, hi, len(idx), np.array(idx, np.int32), np.array(val, float))

    def solve(self) -> tuple[str, float, np.ndarray]:
        self.h.run()
        status = self.h.modelStatusToString(self.h.getModelStatus())
        if status != "Optimal":
            return status, np.inf, np.zeros(0)
        return (
            status,
            float(self.h.getInfo().objective_function_value),
            np.array(self.h.getSolution().col_value),
        )


def revision_mip(
    problem: ab.Problem,
    moves: dict[int, list[int]],
    draft: np.ndarray,
    kind: np.ndarray,
    target: np.ndarray,
    over: set[int],
    cc: float,
) -> tuple[str, float, np.ndarray]:
    """The best revision's objective and its assignment (position per employee)."""
    n, m = problem.n_employees, problem.n_positions
    home = problem.employee_position
    pol = problem.policy
    pw = float(pol.preference_weight)
    base, cost = single_costs(problem, moves)
    empty = ab.check(problem, {})
    need = empty.need.to_numpy(float)
    staff0 = empty.staff_before.to_numpy(float)
    mip = Mip()
    const = base
    var: dict[tuple[int, int], int] = {}
    for e in range(n):
        opts = [home[e], *moves.get(e, [])]
        fix: set[int] | None = None
        if kind[e] == "accept" or e in over:
            fix = {draft[e]}
        elif kind[e] == "object":
            fix = {home[e]}
        elif kind[e] == "request":  # its target or the draft's outcome, pw when refused
            fix = {draft[e], target[e]} if target[e] in opts else {draft[e]}
        assert draft[e] in opts
        opts = [j for j in opts if fix is None or j in fix]
        c = [cost.get((e, j), 0.0) for j in opts]
        for i, j in enumerate(opts):
            if kind[e] == "silent" and j != draft[e]:
                c[i] += cc
            if kind[e] == "request" and j != target[e]:
                c[i] += pw
        cols = mip.cols(c, [0.0] * len(opts), [1.0] * len(opts), True)
        mip.row(1.0, 1.0, cols, [1.0] * len(cols))
        var.update({(e, j): k for j, k in zip(opts, cols, strict=True)})
    mobile = np.zeros(n, dtype=bool)  # whose position is the MIP's to choose (or a pinned move)
    for e, j in var:
        mobile[e] |= j != home[e]
    assert (problem.fte[mobile] == 1.0).all()
    pos = problem.positions
    lo = pd.to_numeric(pos["min_staff"], errors="coerce").fillna(0).to_numpy(float)
    hi = pd.to_numeric(pos["max_staff"], errors="coerce").fillna(np.inf).to_numpy(float)
    for j in range(m):
        x = [k for (e, jj), k in var.items() if jj == j and mobile[e]]
        b = staff0[j] - float((mobile & (home == j)).sum())  # staff of those who cannot move
        f = (b + np.arange(len(x) + 1) - need[j]) ** 2 / max(need[j], 1.0)  # balance by count
        const += float(f[0])
        y = mip.cols(np.diff(f).tolist(), [0.0] * len(x), [1.0] * len(x), False)
        mip.row(0.0, 0.0, x + y, [1.0] * len(x) + [-1.0] * len(y))  # convex: y fill in order
        mip.row(lo[j] - b - 1e-9, hi[j] - b + 1e-9, x, [1.0] * len(x))
    moved = {k: (e, j) for (e, j), k in var.items() if j != home[e]}
    if pol.max_moves is not None:
        mip.row(0.0, float(pol.max_moves), list(moved), [1.0] * len(moved))
    unit = pos["unit_id"].astype(str).to_numpy()
    units = getattr(problem, "units", None)
    if units is not None and len(units):
        for r in units.itertuples(index=False):
            for col, side in (("max_moves_out", 0), ("max_moves_in", 1)):
                cap = pd.to_numeric(pd.Series([getattr(r, col, None)]), errors="coerce").iloc[0]
                if pd.isna(cap):
                    continue
                ks = [k for k, (e, j) in moved.items() if unit[(home[e], j)[side]] == r.unit_id]
                mip.row(0.0, float(cap), ks, [1.0] * len(ks))
    status, obj, sol = mip.solve()
    if status != "Optimal":
        return status, np.inf, home.copy()
    after = home.copy()
    for (e, j), k in var.items():
        if sol[k] > 0.5:
            after[e] = j
    return status, obj + const, after


def responses_for(problem: ab.Problem, draft: np.ndarray, moves: dict[int, list[int]], seed: int) -> Any:
    rng = np.random.default_rng(seed)
    n = problem.n_employees
    home = problem.employee_position
    vol = problem.employees["volunteer"].astype(bool).to_numpy()
    kind = np.full(n, "silent", dtype=object)
    target = np.full(n, -1, dtype=np.int64)
    asked = np.flatnonzero((draft != home) | vol | (rng.random(n) < 0.08))
    for e in asked:
        r = rng.random()
        if r < 0.35:
            continue
        if r < 0.6:
            kind[e] = "accept"
        elif r < 0.8:
            kind[e] = "object"
        else:
            others = [j for j in range(problem.n_positions) if j != home[e]]
            ok = moves.get(e, [])
            target[e] = int(rng.choice(ok)) if ok and rng.random() < 0.7 else int(rng.choice(others))
            kind[e] = "request"
    objecting = np.flatnonzero(kind == "object")
    over = {int(objecting[0])} if len(objecting) else set()
    ids = problem.employee_index.astype(str).to_numpy()
    pids = problem.position_index.astype(str).to_numpy()
    e = np.flatnonzero(kind != "silent")
    frame = pd.DataFrame(
        {
            "employee_id": ids[e],
            "response": kind[e],
            "target_position": [pids[target[i]] if target[i] >= 0 else "" for i in e],
        }
    )
    return frame, kind, target, over


@pytest.mark.parametrize(
    ("n", "seed", "units", "max_moves", "cc", "pw"),
    [
        (80, 31, False, None, 1.0, 3.0),  # the flow path: exact (requests worth granting)
        (90, 33, True, None, 0.3, 0.2),  # unit caps: side constraints
        (90, 34, False, 4, 0.5, 1.0),  # a move budget
    ],
)
def test_revision_against_an_exact_mip(
    n: int, seed: int, units: bool, max_moves: int | None, cc: float, pw: float
) -> None:
    problem = scenario(n, seed, units=units, max_moves=max_moves, pw=pw)
    if units:  # caps that bind: at most one move out of each unit
        problem = ab.Problem.from_frames(
            problem.employees, problem.positions, problem.tasks, problem.policy,
            units=problem.units.assign(max_moves_out=1),
        )  # fmt: skip
    draft_result = ab.solve(problem)
    assert ab.check(problem, draft_result).ok
    home = problem.employee_position
    draft = home.astype(np.int64).copy()
    if len(draft_result.moves):
        draft[problem.employee_index.get_indexer(draft_result.moves["employee_id"])] = (
            problem.position_index.get_indexer(draft_result.moves["to_position"])
        )
    moves = allowed_moves(problem)
    frame, kind, target, over = responses_for(problem, draft, moves, seed)
    ids = problem.employee_index.astype(str).to_numpy()
    rv = revise(problem, draft_result, frame, change_cost=cc, overrule=[ids[e] for e in over], time_limit=30)
    status, best, after = revision_mip(problem, moves, draft, kind, target, over, cc)
    if status != "Optimal":
        assert not rv.result.has_plan, (status, rv)
        return
    # the MIP's plan, checked: its objective is the checker's (a slip in this MIP shows here)
    mine = np.flatnonzero(after != home)
    rep = ab.check(
        problem, pd.DataFrame({"employee_id": ids[mine], "to_position": problem.position_index[after[mine]]})
    )
    assert not {v.rule for v in rep.violations} - {"voluntary_first"}, str(rep)
    pw = float(problem.policy.preference_weight)
    extra = cc * int(((kind == "silent") & (after != draft)).sum()) + pw * int(
        ((kind == "request") & (after != target)).sum()
    )
    assert rep.objective + extra == pytest.approx(best, rel=1e-9, abs=1e-7)
    # the revision: a plan that passes check, honest about its status and bound
    assert rv.result.has_plan
    assert ab.check(problem, rv.result).ok
    info = rv.info
    tol = 1e-6 * max(1.0, abs(best))
    assert info["objective"] >= best - tol
    assert info["bound"] is not None and info["bound"] <= best + tol
    if info["status"] == "optimal":
        assert info["objective"] == pytest.approx(best, rel=1e-9, abs=1e-6)
    if not units and max_moves is None:
        assert info["status"] == "optimal"  # the flow path is exact
