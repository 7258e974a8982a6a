"""The planner against exhaustive enumeration on many random tiny problems.

Every assignment of each employee to any position (staying included) is enumerated and
judged by the independent verifier :func:`asn_balance.check` alone, never by the rule
builders of :mod:`asn_balance.compile.eligibility`. To keep that affordable, ``check`` is asked once per
target position about a plan moving *everybody* there: its per-row violations (status,
lock, months, jabatan, grade, education, competencies) say which single moves are allowed,
and the staffing and budget rules are then applied to every assignment in numpy. A sample
of whole assignments is re-checked with ``check`` to confirm that this decomposition agrees
with it, objective included.

The optimum is the least objective; among plans within 1e-9 of it, the fewest moves.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from asn_balance import RULES, Problem, check
from asn_balance.model.domain import GRADES, PERIOD_FACTORS
from conftest import make_problem, solve_checked

N_CASES = 150
N_CHAIN = 40
TIE = 1e-9
OBJ_TOL = 1e-7

STAFF_RULES = {"min_staff", "max_staff", "max_moves"}
ROW_RULES = set(RULES) - STAFF_RULES

EMP_GRADES = ["", "II/b", "III/a", "III/b", "III/d", "IV/b"]
POS_GRADES = ["II/a", "III/a", "III/c", "IV/a"]
EDUCATION = ["", "SMA", "D3", "S1", "S2"]
EMP_COMPETENCIES = ["", "keuangan:2", "keuangan:3;hukum:2", "hukum:1", "keuangan:1;hukum:3"]
REQUIREMENTS = ["keuangan:2", "keuangan:3", "hukum:1", "keuangan:2;hukum:2"]
WORKLOADS = [0.0, 625.0, 1250.0, 1875.0, 2500.0, 3750.0]


def random_spec(seed: int) -> dict[str, Any]:
    """Employees, positions, tasks and policy of a random tiny problem."""
    rng = np.random.default_rng(seed)

    def pick(options: list[Any]) -> Any:
        return options[int(rng.integers(len(options)))]

    n_pos = int(rng.integers(1, 5))
    n_emp = int(rng.integers(3, 8))
    with_tasks = rng.random() < 0.4
    positions: list[dict[str, Any]] = []
    tasks: list[tuple[str, str, float, str, float]] = []
    for j in range(n_pos):
        pid = f"P{j + 1}"
        row: dict[str, Any] = {"position_id": pid, "unit_id": f"U{1 + int(rng.integers(2))}"}
        row["jabatan"] = "A" if rng.random() < 0.75 else "B"
        row["workload_hours"] = (
            pick(WORKLOADS) if rng.random() < 0.5 else round(float(rng.uniform(0.0, 5000.0)), 1)
        )
        lo = int(pick([0] * 10 + [1, 1, 2]))
        row["min_staff"] = lo
        row["max_staff"] = float(rng.integers(lo, 4)) if rng.random() < 0.2 else math.nan
        if rng.random() < 0.3:
            row["min_grade"] = pick(POS_GRADES)
        if rng.random() < 0.2:
            floor = GRADES.index(row.get("min_grade", "I/a"))
            row["max_grade"] = pick([g for g in POS_GRADES if GRADES.index(g) >= floor])
        if rng.random() < 0.25:
            row["min_education"] = pick(EDUCATION[1:])
        if rng.random() < 0.3:
            row["required_competencies"] = pick(REQUIREMENTS)
        if with_tasks and rng.random() < 0.5:
            for k in range(1 + int(rng.integers(2))):
                period = pick(list(PERIOD_FACTORS))
                tasks.append((pid, f"t{k}", float(rng.integers(1, 10)), period, float(rng.integers(5, 400))))
            if rng.random() < 0.5:
                row["workload_hours"] = math.nan  # the tasks are the only source
        positions.append(row)
    employees: list[dict[str, Any]] = []
    for i in range(n_emp):
        employees.append(
            {
                "employee_id": f"E{i + 1}",
                # half of them crowd into P1, so that there is something to balance
                "position_id": "P1" if rng.random() < 0.5 else f"P{1 + int(rng.integers(n_pos))}",
                "status": pick(["PNS"] * 15 + ["CPNS"] + ["PPPK"] * 4),
                "months_in_position": pick([6.0, 23.5, 24.0, 36.0, 36.0, 60.0, 60.0]),
                "locked": bool(rng.random() < 0.06),
                "grade": pick(EMP_GRADES),
                "education": pick(EDUCATION),
                "competencies": pick(EMP_COMPETENCIES),
            }
        )
    policy = {
        "allow_pppk": bool(rng.random() < 0.5),
        "allow_jabatan_change": bool(rng.random() < 0.4),
        "min_months_in_position": pick([0, 24, 24, 24, 36]),
        "move_cost": pick([0.0, 0.0, 0.1, 0.1, 0.5, round(float(rng.uniform(0.0, 2.0)), 3)]),
        "effective_hours": pick([1250.0, 1250.0, 1200.0]),
    }
    return {"employees": employees, "positions": positions, "tasks": tasks or None, "policy": policy}


def build(spec: dict[str, Any]) -> Problem:
    return make_problem(spec["employees"], spec["positions"], spec["tasks"], **spec["policy"])


def hand_need(spec: dict[str, Any]) -> npt.NDArray[np.float64]:
    """Need per position straight from the spec (tasks win over workload_hours)."""
    out = []
    for row in spec["positions"]:
        rows = [t for t in spec["tasks"] or [] if t[0] == row["position_id"]]
        hours = (
            sum(v * PERIOD_FACTORS[p] * n / 60.0 for _, _, v, p, n in rows) if rows else row["workload_hours"]
        )
        out.append(hours / spec["policy"]["effective_hours"])
    return np.array(out)


@dataclass
class Enumeration:
    """Every assignment whose single moves ``check`` allows, with its figures."""

    plans: npt.NDArray[np.int64]  # (n_plans, n_employees) position index per employee
    feasible: npt.NDArray[np.bool_]  # staffing bounds hold
    objective: npt.NDArray[np.float64]
    moves: npt.NDArray[np.int64]
    allowed: npt.NDArray[np.bool_]  # (n_employees, n_positions) single move allowed or stay
    current: npt.NDArray[np.int64]
    need: npt.NDArray[np.float64]

    def optimum(self, budget: int | None = None) -> tuple[float, int] | None:
        """Least objective and the fewest moves among plans within TIE of it."""
        ok = self.feasible if budget is None else self.feasible & (self.moves <= budget)
        if not ok.any():
            return None
        best = float(self.objective[ok].min())
        near = ok & (self.objective <= best + TIE)
        return best, int(self.moves[near].min())


def enumerate_plans(problem: Problem) -> Enumeration:
    emp, pos = problem.employees, problem.positions
    eids = emp["employee_id"].tolist()
    pids = pos["position_id"].tolist()
    n_emp, n_pos = len(eids), len(pids)
    current = np.array([pids.index(p) for p in emp["position_id"]], dtype=np.int64)
    allowed = np.zeros((n_emp, n_pos), dtype=bool)
    allowed[np.arange(n_emp), current] = True
    for j, pid in enumerate(pids):
        report = check(problem, {e: pid for e in eids})
        bad = {v.subject for v in report.violations if v.rule in ROW_RULES}
        for i, e in enumerate(eids):
            if current[i] != j and e not in bad:
                allowed[i, j] = True
    options = [np.flatnonzero(allowed[i]).tolist() for i in range(n_emp)]
    plans = np.array(list(itertools.product(*options)), dtype=np.int64).reshape(-1, n_emp)
    staff = np.stack([(plans == j).sum(axis=1) for j in range(n_pos)], axis=1)
    need = check(problem, {}).need.to_numpy(dtype=float)
    low = pos["min_staff"].to_numpy(dtype=float)
    high = np.nan_to_num(pos["max_staff"].to_numpy(dtype=float), nan=np.inf)
    feasible = ((staff >= low) & (staff <= high)).all(axis=1)
    balance = ((staff - need) ** 2 / np.maximum(need, 1.0)).sum(axis=1)
    moves = (plans != current).sum(axis=1)
    objective = balance + problem.policy.move_cost * moves
    return Enumeration(plans, feasible, objective, moves, allowed, current, need)


def as_plan(problem: Problem, assignment: npt.NDArray[np.int64]) -> dict[str, str]:
    eids = problem.employees["employee_id"].tolist()
    pids = problem.positions["position_id"].tolist()
    cur = problem.employees["position_id"].tolist()
    return {e: pids[j] for e, j, c in zip(eids, assignment.tolist(), cur, strict=True) if pids[j] != c}


def confirm_decomposition(problem: Problem, en: Enumeration, rng: np.random.Generator) -> None:
    """Whole assignments judged by ``check`` agree with the enumeration, objective included."""
    n_emp, n_pos = en.allowed.shape
    low = problem.positions["min_staff"].to_numpy(dtype=float)
    high = np.nan_to_num(problem.positions["max_staff"].to_numpy(dtype=float), nan=np.inf)
    samples = [rng.integers(0, n_pos, size=n_emp) for _ in range(2)]
    samples += [en.plans[int(rng.integers(len(en.plans)))]]
    budget = problem.policy.max_moves
    for a in samples:
        staff = np.bincount(a, minlength=n_pos)
        moves = int((a != en.current).sum())
        predicted = bool(
            en.allowed[np.arange(n_emp), a].all()
            and (staff >= low).all()
            and (staff <= high).all()
            and (budget is None or moves <= budget)
        )
        report = check(problem, as_plan(problem, a))
        assert report.ok == predicted, (a, str(report))
        obj = (
            float(((staff - en.need) ** 2 / np.maximum(en.need, 1.0)).sum())
            + problem.policy.move_cost * moves
        )
        assert report.moves == moves
        assert report.objective == pytest.approx(obj, rel=1e-12, abs=1e-12)


def assert_matches(problem: Problem, en: Enumeration, budget: int | None) -> None:
    result = solve_checked(problem, time_limit=20.0, seed=1)
    truth = en.optimum(budget)
    if truth is None:
        assert result.status == "infeasible", result
        assert result.diagnosis
        return
    best, fewest = truth
    assert result.status == "optimal", (result, truth)
    assert abs(result.objective - best) <= OBJ_TOL, (result.objective, best)
    assert result.n_moves == fewest, (result.moves, truth)
    assert result.bound <= best + OBJ_TOL
    if budget is None:  # the brute-force optimum itself passes check with the same objective
        k = int(np.flatnonzero(en.feasible & (en.objective <= best + TIE) & (en.moves == fewest))[0])
        report = check(problem, as_plan(problem, en.plans[k]))
        assert report.ok, str(report)
        assert report.objective == pytest.approx(en.objective[k], rel=1e-12, abs=1e-12)


def chain_spec(seed: int) -> dict[str, Any]:
    """A ring of positions, each requiring its own competency; people mostly fit the next one.

    Moves then come in chains (P1 -> P2 only helps if someone moves P2 -> P3 too), so the
    best objective under a budget of K moves is often not convex in K, which leaves a
    Lagrangian duality gap for CP-SAT to close.
    """
    rng = np.random.default_rng(10_000 + seed)
    n_pos = int(rng.integers(3, 5))
    n_emp = int(rng.integers(4, 8))
    comps = [f"k{j}" for j in range(n_pos)]
    positions = [
        {
            "position_id": f"P{j + 1}",
            "required_competencies": f"{comps[j]}:1",
            "workload_hours": float(rng.choice(WORKLOADS)),
            "min_staff": int(rng.random() < 0.1),
        }
        for j in range(n_pos)
    ]
    employees = []
    for i in range(n_emp):
        j = int(rng.integers(n_pos))
        have = [comps[(j + 1) % n_pos]] if rng.random() < 0.8 else []
        if rng.random() < 0.2:
            have.append(comps[(j + 2) % n_pos])
        employees.append(
            {
                "employee_id": f"E{i + 1}",
                "position_id": f"P{j + 1}",
                "competencies": ";".join(f"{c}:1" for c in have),
            }
        )
    policy = {"move_cost": float(rng.choice([0.0, 0.05, 0.1, 0.3]))}
    return {"employees": employees, "positions": positions, "tasks": None, "policy": policy}


@functools.cache
def case(seed: int, family: str = "random") -> tuple[dict[str, Any], Problem, Enumeration]:
    spec = random_spec(seed) if family == "random" else chain_spec(seed)
    problem = build(spec)
    return spec, problem, enumerate_plans(problem)


def nobody_movable(spec: dict[str, Any]) -> bool:
    """Whether every employee is kept in place by a mover rule (status, lock, months)."""
    pol = spec["policy"]
    return all(
        e["status"] == "CPNS"
        or (e["status"] == "PPPK" and not pol["allow_pppk"])
        or e["locked"]
        or e["months_in_position"] < pol["min_months_in_position"]
        for e in spec["employees"]
    )


@pytest.mark.parametrize("seed", range(N_CASES))
def test_solve_equals_brute_force(seed: int) -> None:
    spec, problem, en = case(seed)
    np.testing.assert_allclose(en.need, hand_need(spec), rtol=1e-12)
    assert_matches(problem, en, None)
    for budget in (0, 1, 2):
        capped = problem.with_policy(max_moves=budget)
        if budget == 1:
            confirm_decomposition(capped, en, np.random.default_rng(seed))
        assert_matches(capped, en, budget)


@pytest.mark.parametrize("seed", range(N_CHAIN))
def test_chain_budgets_equal_brute_force(seed: int) -> None:
    _, problem, en = case(seed, "chain")
    assert_matches(problem, en, None)
    for budget in (1, 2, 3):
        assert_matches(problem.with_policy(max_moves=budget), en, budget)


def test_chain_family_has_lagrangian_gaps() -> None:
    """Some chain problems have a best-objective-by-budget curve f(K) above its convex hull."""
    gaps = 0
    for seed in range(N_CHAIN):
        en = case(seed, "chain")[2]
        n = int(en.moves.max())
        f = {k: v[0] for k in range(n + 1) if (v := en.optimum(k)) is not None}
        for k in (1, 2, 3):
            hull = min(
                ((f[i] * (j - k) + f[j] * (k - i)) / (j - i) for i in f for j in f if i < k < j),
                default=math.inf,
            )
            if k in f and f[k] > hull + 1e-6:
                gaps += 1
                break
    assert gaps >= 4, gaps


def test_generator_covers_the_interesting_cases() -> None:
    """The random instances include infeasible ones, ties at zero move cost and budgets that bind."""
    infeasible = binding = zero_cost_moves = with_tasks = nobody = 0
    for seed in range(N_CASES):
        spec, _, en = case(seed)
        free = en.optimum()
        with_tasks += spec["tasks"] is not None
        nobody += nobody_movable(spec)
        if free is None:
            infeasible += 1
            continue
        capped = en.optimum(1)
        binding += capped is None or capped[0] > free[0] + TIE
        zero_cost_moves += spec["policy"]["move_cost"] == 0.0 and free[1] > 0
    assert infeasible >= 5, infeasible
    assert binding >= 20, binding
    assert zero_cost_moves >= 10, zero_cost_moves
    assert with_tasks >= 30, with_tasks
    assert nobody >= 3, nobody  # the degenerate "nobody may move" problem is covered too
