"""End to end: the "hidden scenario" shape, planned by the console script, proven optimal here.

A generated 600-employee scenario (workload from ABK tasks for most positions, extra columns
the planner must ignore) is written as a CSV folder and planned with
``asn-balance plan DIR --out plan.json --move-cost 0``. The plan must pass
``asn-balance check`` and :func:`asn_balance.check`, and its balance ``B`` must equal the
optimum ``B*`` computed here independently:

* eligibility is re-derived in this file from the canonical frames (status, locked, months
  in position, jabatan, grade range, education, competencies), not taken from the package;
* with ``move_cost = 0`` the problem is a convex separable cost over staff vectors reachable
  by eligible moves. Interchangeable movers (same home position and same profile) form one
  supply node, each with arcs to its eligible targets and a "stay" arc home; each position
  sends its staff to the sink over unit arcs priced with the marginal cost
  ``f(s + 1) - f(s)`` of ``f(s) = (s - need)**2 / max(need, 1)``, increasing by convexity.
  The constraint matrix is a network matrix, so the LP optimum is integral: it is ``B*``;
* a second LP minimises the number of moves subject to a staffing cost ``<= B* + 1e-7``; the
  plan's moves must not exceed it (solved as a MIP when that LP is fractional).

The LPs are solved with ``highspy`` (or SciPy's ``linprog`` if only SciPy is installed); the
tests are skipped when neither is.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from asn_balance import Policy, Problem, check, datasets, solve
from asn_balance.datasets import synth

try:
    import highspy
except ImportError:  # pragma: no cover - depends on the environment
    highspy = None
try:
    from scipy import optimize as sp_optimize
    from scipy import sparse as sp_sparse
except ImportError:  # pragma: no cover - depends on the environment
    sp_optimize = None
    sp_sparse = None

needs_lp = pytest.mark.skipif(highspy is None and sp_optimize is None, reason="needs highspy or scipy")

GRADES = [f"{major}/{minor}" for major in ("I", "II", "III", "IV") for minor in "abcd"] + ["IV/e"]
GRADE_RANK = {g: i for i, g in enumerate(GRADES)}
PPPK_GRADES = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
               "XVI", "XVII"]  # fmt: skip
PPPK_RANK = {g: i for i, g in enumerate(PPPK_GRADES)}
EDU_RANK = {e: i for i, e in enumerate(["SD", "SMP", "SMA", "D1", "D2", "D3", "D4", "S1", "S2", "S3"])}
PERIOD = {"tahun": 1, "bulan": 12, "minggu": 50, "hari": 250}

DEMO_PRESENT = (datasets.demo_path() / "employees.csv").is_file()
DEMO_MISSING = "the demo data is not packaged: src/asn_balance/datasets/plaju/ holds no CSV files"


# --------------------------------------------------------------------------- the console script


def console_script() -> list[str]:
    exe = shutil.which("asn-balance") or shutil.which("asn-balance", path=str(Path(sys.executable).parent))
    if exe:
        return [exe]
    return [sys.executable, "-c", "from asn_balance.apps.cli import main; main()"]


def run(*args: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [*console_script(), *(str(a) for a in args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=300,
    )


# --------------------------------------------------------------------------- independent model


def _levels(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in str(text).split(";"):
        if item.strip():
            name, level = item.split(":")
            out[name.strip()] = int(level)
    return out


def workload_of(problem: Problem) -> np.ndarray:
    """Workload hours per position: sum over tasks where a position has some, else workload_hours."""
    pos = problem.positions
    tasks = problem.tasks
    hours = dict(zip(pos["position_id"], pos["workload_hours"].astype(float), strict=True))
    if len(tasks):
        per = (
            (
                tasks["volume"].astype(float)
                * tasks["period"].map(PERIOD).astype(float)
                * tasks["norm_minutes"].astype(float)
                / 60.0
            )
            .groupby(tasks["position_id"])
            .sum()
        )
        hours.update(per.to_dict())
    return np.nan_to_num(np.array([hours[p] for p in pos["position_id"]], dtype=float))


def fits(emp: Any, pos: Any, current_jabatan: str, policy: Policy) -> bool:
    """Whether a mover fits a target position (target rules)."""
    if not policy.allow_jabatan_change and pos.jabatan != current_jabatan:
        return False
    # grade bounds of the mover's scale: PNS golongan/ruang for PNS, PPPK golongan I..XVII for PPPK
    pppk = emp.status in ("PPPK", "PPPK Paruh Waktu")
    ranks = PPPK_RANK if pppk else GRADE_RANK
    low, high = (pos.min_grade_pppk, pos.max_grade_pppk) if pppk else (pos.min_grade, pos.max_grade)
    g = ranks.get(emp.grade)
    if low and (g is None or g < ranks[low]):
        return False
    if high and (g is None or g > ranks[high]):
        return False
    d4_meets = policy.d4_equals_s1 and emp.education == "D4" and pos.min_education == "S1"  # "S-1/D-IV"
    if pos.min_education and not d4_meets:
        e = EDU_RANK.get(emp.education)
        if e is None or e < EDU_RANK[pos.min_education]:
            return False
    have = _levels(emp.competencies)
    return all(have.get(k, 0) >= v for k, v in _levels(pos.required_competencies).items())


def movable(emp: Any, policy: Policy) -> bool:
    """Mover rules: only PNS (PPPK if allowed), not locked, enough months in position."""
    if emp.status in ("CPNS", "PPPK Paruh Waktu") or (emp.status == "PPPK" and not policy.allow_pppk):
        return False
    if bool(emp.locked):
        return False
    return float(emp.months_in_position) >= policy.min_months_in_position


@dataclass
class Network:
    """The aggregated flow model as an LP in equality form ``A x = b``, ``lo <= x <= hi``."""

    cost: np.ndarray  # staffing cost of each column (marginal costs on the unit arcs)
    moves: np.ndarray  # 1 on the move arcs
    lo: np.ndarray
    hi: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    b: np.ndarray
    const: float  # sum of f(L_j)
    y_pos: np.ndarray  # position of each unit arc (-1 for other columns)
    low: np.ndarray  # L_j
    need: np.ndarray


def build_network(problem: Problem) -> Network:
    policy = problem.policy
    pos = problem.positions.reset_index(drop=True)
    emp = problem.employees.reset_index(drop=True)
    n_pos = len(pos)
    index = {p: j for j, p in enumerate(pos["position_id"])}
    need = workload_of(problem) / policy.effective_hours
    weight = np.maximum(need, 1.0)
    home = emp["position_id"].map(index).to_numpy(dtype=int)
    jab = pos["jabatan"].to_numpy(dtype=object)
    can = np.array([movable(e, policy) for e in emp.itertuples()], dtype=bool)
    fixed = np.bincount(home[~can], minlength=n_pos)

    movers = emp[can].assign(home=home[can])
    keys = ["home", "status", "grade", "education", "competencies"]
    groups = movers.groupby(keys, sort=True).size().reset_index(name="size")
    pos_rows = list(pos.itertuples())
    targets: list[list[int]] = []
    for g in groups.itertuples():
        cur = jab[g.home]
        targets.append([j for j, p in enumerate(pos_rows) if j != g.home and fits(g, p, cur, policy)])

    size = groups["size"].to_numpy(dtype=int)
    g_home = groups["home"].to_numpy(dtype=int)
    inflow = np.zeros(n_pos, dtype=int)
    for s, ts in zip(size, targets, strict=True):
        inflow[ts] += s
    low = pos["min_staff"].to_numpy(dtype=int)
    reach = fixed + np.bincount(g_home, weights=size, minlength=n_pos).astype(int) + inflow
    max_staff = pos["max_staff"].to_numpy(dtype=float)
    high = np.where(np.isnan(max_staff), reach, np.minimum(reach, np.nan_to_num(max_staff))).astype(int)
    assert (high >= low).all(), "the scenario is infeasible"

    def f(s: np.ndarray | float, j: int) -> Any:
        return (s - need[j]) ** 2 / weight[j]

    n_groups = len(groups)
    cost: list[float] = []
    moves: list[float] = []
    lo: list[float] = []
    hi: list[float] = []
    y_pos: list[int] = []
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []

    def column(c: float, m: float, upper: float, entries: list[tuple[int, float]], yp: int = -1) -> None:
        k = len(cost)
        cost.append(c)
        moves.append(m)
        lo.append(0.0)
        hi.append(upper)
        y_pos.append(yp)
        for r, v in entries:
            rows.append(r)
            cols.append(k)
            vals.append(v)

    # rows 0..n_groups-1: supply of each group (sign flipped: a network matrix)
    # rows n_groups..n_groups+n_pos-1: conservation at each position
    for g in range(n_groups):
        column(0.0, 0.0, float(size[g]), [(g, -1.0), (n_groups + g_home[g], 1.0)])  # stay
        for j in targets[g]:
            column(0.0, 1.0, float(size[g]), [(g, -1.0), (n_groups + j, 1.0)])  # move
    for j in range(n_pos):
        marg = f(np.arange(low[j] + 1, high[j] + 1), j) - f(np.arange(low[j], high[j]), j)
        for c in marg:
            column(float(c), 0.0, 1.0, [(n_groups + j, -1.0)], j)
    b = np.concatenate([-size.astype(float), (low - fixed).astype(float)])
    const = float(sum(f(low[j], j) for j in range(n_pos)))
    return Network(
        np.array(cost), np.array(moves), np.array(lo), np.array(hi), np.array(rows), np.array(cols),
        np.array(vals), b, const, np.array(y_pos), low, need,
    )  # fmt: skip


def solve_lp(
    net: Network, c: np.ndarray, extra: tuple[np.ndarray, float] | None = None, integer: bool = False
) -> tuple[float, np.ndarray]:
    """Minimise ``c x`` over the network (plus ``extra_row x <= rhs``); returns (objective, x)."""
    n = len(c)
    m = len(net.b)
    rows, cols, vals = net.rows, net.cols, net.vals
    row_lo = list(net.b)
    row_hi = list(net.b)
    if extra is not None:
        coef, rhs = extra
        nz = np.flatnonzero(coef)
        rows = np.concatenate([rows, np.full(len(nz), m)])
        cols = np.concatenate([cols, nz])
        vals = np.concatenate([vals, coef[nz]])
        row_lo.append(-math.inf)
        row_hi.append(rhs)
        m += 1
    if highspy is not None:
        order = np.lexsort((rows, cols))
        rows, cols, vals = rows[order], cols[order], vals[order]
        lp = highspy.HighsLp()
        lp.num_col_ = n
        lp.num_row_ = m
        lp.col_cost_ = np.asarray(c, dtype=float)
        lp.col_lower_ = net.lo
        lp.col_upper_ = net.hi
        lp.row_lower_ = np.array(row_lo)
        lp.row_upper_ = np.array(row_hi)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.searchsorted(cols, np.arange(n + 1)).astype(np.int32)
        lp.a_matrix_.index_ = rows.astype(np.int32)
        lp.a_matrix_.value_ = vals
        if integer:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * n
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("primal_feasibility_tolerance", 1e-9)
        h.setOptionValue("dual_feasibility_tolerance", 1e-9)
        if not integer:
            h.setOptionValue("solver", "simplex")
        else:
            h.setOptionValue("mip_rel_gap", 0.0)
            h.setOptionValue("time_limit", 60.0)
        h.passModel(lp)
        h.run()
        assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal, h.modelStatusToString(
            h.getModelStatus()
        )
        x = np.array(h.getSolution().col_value)
        return float(h.getInfo().objective_function_value), x
    a = sp_sparse.coo_matrix((vals, (rows, cols)), shape=(m, n)).tocsr()
    eq = np.isfinite(np.array(row_lo))
    res = sp_optimize.linprog(
        c,
        A_eq=a[np.flatnonzero(eq)],
        b_eq=np.array(row_lo)[eq],
        A_ub=a[np.flatnonzero(~eq)] if (~eq).any() else None,
        b_ub=np.array(row_hi)[~eq] if (~eq).any() else None,
        bounds=np.column_stack([net.lo, net.hi]),
        method="highs-ds",
        integrality=np.ones(n) if integer else None,
    )
    assert res.status == 0, res.message
    return float(res.fun), np.asarray(res.x)


@dataclass
class Optimum:
    balance: float  # B*
    min_moves: int  # fewest moves of a plan with B = B*
    staff: np.ndarray


def exact_optimum(problem: Problem) -> Optimum:
    net = build_network(problem)
    obj, x = solve_lp(net, net.cost)
    assert np.allclose(x, np.round(x), atol=1e-6), "the network LP should have an integral optimum"
    x = np.round(x)
    is_y = net.y_pos >= 0
    staff = net.low + np.bincount(net.y_pos[is_y], weights=x[is_y], minlength=len(net.low))
    b_star = float(np.sum((staff - net.need) ** 2 / np.maximum(net.need, 1.0)))
    assert b_star == pytest.approx(net.const + obj, rel=1e-7, abs=1e-7)
    moves_lp, x2 = solve_lp(net, net.moves, extra=(net.cost, obj + 1e-7))
    if not np.allclose(x2, np.round(x2), atol=1e-6):
        moves_lp, x2 = solve_lp(net, net.moves, extra=(net.cost, obj + 1e-7), integer=True)
    return Optimum(b_star, math.ceil(moves_lp - 1e-6), staff)


# --------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tables = synth.generate(600, seed=7)
    folder = synth.write_csv_folder(tables, tmp_path_factory.mktemp("hidden") / "data")
    return folder


def test_scenario_has_the_hidden_shape(scenario: Path) -> None:
    problem = Problem.read(scenario)
    assert problem.n_employees == 600
    assert len(problem.tasks) > 0
    with_tasks = problem.positions["position_id"].isin(problem.tasks["position_id"])
    assert with_tasks.mean() > 0.5
    assert problem.positions.loc[with_tasks, "workload_hours"].isna().all()
    assert any("extra column" in w for w in problem.warnings)
    assert (problem.employees["status"] != "PNS").any()
    assert problem.employees["locked"].any()
    assert (problem.employees["months_in_position"] < 24).any()
    assert problem.positions["min_grade"].ne("").any()
    assert problem.positions["required_competencies"].ne("").any()


def _plan_and_verify(data: Path, out: Path, *cli: str) -> None:
    """Plan with the console script, check it twice, compare with the independent optimum."""
    proc = run(*cli, "--out", out, "--move-cost", "0", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert set(doc) == {"summary", "moves", "positions", "units"}
    summary = doc["summary"]
    assert summary["status"] == "optimal"

    proc = run("check", data, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("OK")

    problem = Problem.read(data, Policy(move_cost=0.0))
    plan = pd.DataFrame(doc["moves"], columns=["employee_id", "to_position"]).astype(str)
    report = check(problem, plan)
    assert report.ok, str(report)
    assert report.moves == summary["moves"] == len(doc["moves"])
    assert report.balance == pytest.approx(summary["balance_after"], rel=1e-9, abs=1e-9)
    assert report.objective == pytest.approx(summary["objective"], rel=1e-9, abs=1e-9)

    best = exact_optimum(problem)
    b = report.balance
    assert abs(b - best.balance) <= 1e-5 * max(1.0, best.balance), (b, best.balance)
    assert report.moves <= best.min_moves, (report.moves, best.min_moves)
    assert summary["bound"] <= best.balance + 1e-6 * max(1.0, best.balance)


@needs_lp
def test_hidden_scenario_cli_plan_is_exactly_optimal(scenario: Path, tmp_path: Path) -> None:
    _plan_and_verify(scenario, tmp_path / "plan.json", "plan", scenario)


@needs_lp
@pytest.mark.xfail(not DEMO_PRESENT, strict=True, reason=DEMO_MISSING)
def test_demo_cli_plan_is_exactly_optimal(tmp_path: Path) -> None:
    _plan_and_verify(datasets.demo_path(), tmp_path / "demo.json", "demo")


@needs_lp
@pytest.mark.parametrize(
    ("seed", "changes"),
    [
        (7, {"effective_hours": 1200.0}),
        (11, {"allow_jabatan_change": True}),
        (13, {"allow_pppk": True, "min_months_in_position": 12}),
    ],
    ids=["wke1200", "jabatan_change", "pppk_12_months"],
)
def test_other_policies_are_exactly_optimal(seed: int, changes: dict[str, Any]) -> None:
    """The same comparison in-process under other policies (smaller scenarios, quick)."""
    tables = synth.generate(300, seed=seed)
    problem = Problem.from_frames(
        tables["employees"], tables["positions"], tables["tasks"], Policy(move_cost=0.0, **changes)
    )
    result = solve(problem)
    assert result.status == "optimal"
    report = check(problem, result)
    assert report.ok, str(report)
    best = exact_optimum(problem)
    assert abs(report.balance - best.balance) <= 1e-5 * max(1.0, best.balance)
    assert result.balance_after == pytest.approx(report.balance, rel=1e-9, abs=1e-9)
    assert report.moves <= best.min_moves


@needs_lp
@pytest.mark.parametrize("move_cost", [0.1, 0.5])
def test_priced_moves_are_exactly_optimal(scenario: Path, move_cost: float) -> None:
    """With a price per move the objective is still a network LP (move arcs cost the price)."""
    problem = Problem.read(scenario, Policy(move_cost=move_cost))
    result = solve(problem)
    assert result.status == "optimal"
    report = check(problem, result)
    assert report.ok, str(report)
    net = build_network(problem)
    obj, x = solve_lp(net, net.cost + move_cost * net.moves)
    assert np.allclose(x, np.round(x), atol=1e-6)
    best = net.const + obj
    assert abs(report.objective - best) <= 1e-5 * max(1.0, best), (report.objective, best)
    assert result.objective == pytest.approx(report.objective, rel=1e-9, abs=1e-9)
    free = exact_optimum(problem.with_policy(move_cost=0.0))
    assert report.balance >= free.balance - 1e-9
    assert report.moves <= free.min_moves
