"""Tests of the independent plan verifier :mod:`asn_balance.check`.

The problems are tiny and hand-checkable; a stand-in dataclass plays the Problem.
"""

from __future__ import annotations

import ast
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asn_balance.check import CheckReport, Violation, balance_of, check, objective_of
from asn_balance.model.domain import PERIOD_FACTORS, education_rank, grade_rank, parse_competencies
from asn_balance.model.errors import InputError
from asn_balance.model.policy import RULES, Policy

POSITION_COLUMNS = [
    "position_id", "unit_id", "unit_name", "jabatan", "workload_hours", "min_staff", "max_staff",
    "required_competencies", "min_grade", "max_grade", "min_education", "source_row", "extras",
]  # fmt: skip
EMPLOYEE_COLUMNS = [
    "employee_id", "name", "position_id", "status", "grade", "education", "competencies",
    "months_in_position", "locked", "source_row", "extras",
]  # fmt: skip
TASK_COLUMNS = ["position_id", "task", "volume", "period", "norm_minutes"]


def positions(*rows: dict[str, Any]) -> pd.DataFrame:
    """Canonical positions table; unspecified cells get permissive defaults."""
    out = []
    for i, row in enumerate(rows):
        base: dict[str, Any] = {
            "unit_id": "U1", "unit_name": "Bagian Umum", "jabatan": "Analis", "workload_hours": 1250.0,
            "min_staff": 0, "max_staff": np.nan, "required_competencies": "", "min_grade": "",
            "max_grade": "", "min_education": "", "source_row": i + 2, "extras": "",
        }  # fmt: skip
        out.append({**base, **row})
    frame: pd.DataFrame = pd.DataFrame(out, columns=POSITION_COLUMNS)
    frame = frame.astype({"workload_hours": float, "min_staff": int, "max_staff": float})
    return frame


def employees(*rows: dict[str, Any]) -> pd.DataFrame:
    """Canonical employees table; unspecified cells describe a movable PNS."""
    out = []
    for i, row in enumerate(rows):
        base: dict[str, Any] = {
            "name": f"Pegawai {i}", "status": "PNS", "grade": "III/b", "education": "S1",
            "competencies": "", "months_in_position": 36.0, "locked": False, "source_row": i + 2,
            "extras": "",
        }  # fmt: skip
        out.append({**base, **row})
    frame: pd.DataFrame = pd.DataFrame(out, columns=EMPLOYEE_COLUMNS)
    frame = frame.astype({"months_in_position": float, "locked": bool})
    return frame


def tasks(*rows: tuple[str, str, float, str, float]) -> pd.DataFrame:
    """Canonical ABK tasks table from (position_id, task, volume, period, norm_minutes)."""
    frame: pd.DataFrame = pd.DataFrame(list(rows), columns=TASK_COLUMNS)
    frame = frame.astype({"volume": float, "norm_minutes": float})
    return frame


@dataclass
class FakeProblem:
    """Stands in for asn_balance.model.problem.Problem."""

    employees: pd.DataFrame
    positions: pd.DataFrame
    tasks: pd.DataFrame = field(default_factory=lambda: tasks())
    policy: Policy = field(default_factory=Policy)


@dataclass
class FakeResult:
    """Stands in for a solver Result: only ``moves`` matters."""

    moves: pd.DataFrame


def base_problem(
    pos: dict[str, dict[str, Any]] | None = None,
    emp: dict[str, dict[str, Any]] | None = None,
    **policy: Any,
) -> FakeProblem:
    """P1 needs 2.0 and has E1, E2, E3; P2 needs 1.0 and is empty. B = 1/2 + 1/1 = 1.5.

    Moving E1 to P2 makes B = 0. ``pos``/``emp`` override cells by id.
    """
    pos = pos or {}
    emp = emp or {}
    return FakeProblem(
        positions=positions(
            {"position_id": "P1", "workload_hours": 2500.0, **pos.get("P1", {})},
            {"position_id": "P2", "workload_hours": 1250.0, **pos.get("P2", {})},
        ),
        employees=employees(
            *({"employee_id": e, "position_id": "P1", **emp.get(e, {})} for e in ("E1", "E2", "E3"))
        ),
        policy=Policy(**policy),
    )


MOVE = {"E1": "P2"}


# --------------------------------------------------------------------------- valid plans


def test_valid_plan_balance_by_hand() -> None:
    report = check(base_problem(), MOVE)
    assert report.ok, str(report)
    assert report.violations == []
    assert report.moves == 1
    assert report.balance_before == pytest.approx(1.5)
    assert report.balance == pytest.approx(0.0)
    assert report.objective == pytest.approx(0.1)
    assert report.staff_after.to_dict() == {"P1": 2, "P2": 1}
    assert report.staff_before.to_dict() == {"P1": 3, "P2": 0}
    assert report.need.to_dict() == pytest.approx({"P1": 2.0, "P2": 1.0})
    assert report.staff_after.index.name == "position_id"
    assert str(report).startswith("plan OK")
    report.raise_if_failed()


def test_empty_plan_keeps_staffing() -> None:
    plans: list[dict[str, str] | pd.DataFrame] = [
        {},
        pd.DataFrame(),
        pd.DataFrame(columns=["employee_id", "to_position"]),
    ]
    for plan in plans:
        report = check(base_problem(), plan)
        assert report.ok
        assert report.moves == 0
        assert report.balance == pytest.approx(1.5) == report.balance_before
        assert report.objective == pytest.approx(1.5)


def test_need_below_one_is_divided_by_one() -> None:
    problem = base_problem()
    problem.positions = positions(
        {"position_id": "P1", "workload_hours": 2500.0},
        {"position_id": "P2", "workload_hours": 625.0},  # need 0.5
    )
    # staff 3, 0 -> (3-2)^2/2 + (0-0.5)^2/1 = 0.75; after the move 2, 1 -> 0 + 0.25
    report = check(problem, MOVE)
    assert report.balance_before == pytest.approx(0.75)
    assert report.balance == pytest.approx(0.25)


def test_move_cost_and_effective_hours_from_policy() -> None:
    problem = base_problem(effective_hours=1000.0, move_cost=0.5)
    # needs 2.5 and 1.25; staffs 2, 1 after: 0.25/2.5 + 0.0625/1.25 = 0.15
    report = check(problem, MOVE)
    assert report.balance == pytest.approx(0.25 / 2.5 + 0.0625 / 1.25)
    assert report.objective == pytest.approx(report.balance + 0.5)
    assert objective_of(problem, MOVE) == pytest.approx(report.objective)


def test_people_who_stay_are_not_checked() -> None:
    # E2 and E3 break every personal rule, but they stay
    bad = {"status": "CPNS", "locked": True, "months_in_position": 1.0, "grade": "", "education": ""}
    problem = base_problem(
        pos={"P1": {"min_grade": "IV/a", "min_education": "S3", "required_competencies": "hukum:5"}},
        emp={"E2": bad, "E3": {**bad, "status": "PPPK"}},
    )
    assert check(problem, MOVE).ok


# --------------------------------------------------------------------------- each rule alone

CASES: list[tuple[str, dict[str, Any], str, list[str]]] = [
    # (rule, base_problem kwargs, subject, words in the message)
    ("cpns_stays", {"emp": {"E1": {"status": "CPNS"}}}, "E1", ["E1", "P2", "CPNS"]),
    ("pppk_stays", {"emp": {"E1": {"status": "PPPK"}}}, "E1", ["E1", "P2", "PPPK"]),
    ("locked", {"emp": {"E1": {"locked": True}}}, "E1", ["E1", "locked", "P1"]),
    ("min_months_in_position", {"emp": {"E1": {"months_in_position": 23.5}}}, "E1", ["E1", "23.5", "24"]),
    ("same_jabatan", {"pos": {"P2": {"jabatan": "Pranata"}}}, "E1", ["E1", "'Analis'", "'Pranata'"]),
    ("min_grade", {"pos": {"P2": {"min_grade": "III/c"}}}, "E1", ["E1", "P2", "III/b", "below", "III/c"]),
    ("min_grade", {"pos": {"P2": {"min_grade": "II/a"}}, "emp": {"E1": {"grade": ""}}}, "E1", ["no grade"]),
    ("max_grade", {"pos": {"P2": {"max_grade": "III/a"}}}, "E1", ["E1", "P2", "III/b", "above", "III/a"]),
    ("max_grade", {"pos": {"P2": {"max_grade": "IV/e"}}, "emp": {"E1": {"grade": ""}}}, "E1", ["no grade"]),
    ("min_education", {"pos": {"P2": {"min_education": "S2"}}}, "E1", ["E1", "S1", "below", "S2"]),
    (
        "min_education",
        {"pos": {"P2": {"min_education": "SD"}}, "emp": {"E1": {"education": ""}}},
        "E1",
        ["no education", "SD"],
    ),
    (
        "required_competencies",
        {
            "pos": {"P2": {"required_competencies": "keuangan:3;hukum:2"}},
            "emp": {"E1": {"competencies": "keuangan:2"}},
        },
        "E1",
        ["E1", "P2", "hukum level 2 (has 0)", "keuangan level 3 (has 2)"],
    ),
    ("min_staff", {"pos": {"P1": {"min_staff": 3}}}, "P1", ["P1", "2 staff", "min_staff 3", "before"]),
    ("max_staff", {"pos": {"P2": {"max_staff": 0.0}}}, "P2", ["P2", "1 staff", "max_staff 0"]),
    ("max_moves", {"max_moves": 0}, "plan", ["moves 1", "max_moves 0"]),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "kwargs", "subject", "words"), CASES)
def test_each_rule_alone(rule: str, kwargs: dict[str, Any], subject: str, words: list[str]) -> None:
    report = check(base_problem(**kwargs), MOVE)
    assert not report.ok
    assert [v.rule for v in report.violations] == [rule]
    (v,) = report.violations
    assert v.subject == subject
    assert rule in RULES
    for word in words:
        assert word in v.message, (word, v.message)
    with pytest.raises(AssertionError, match=rule):
        report.raise_if_failed()
    # the balance is still computed for a failing plan
    assert report.balance == pytest.approx(0.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"emp": {"E1": {"status": "PPPK"}}, "allow_pppk": True},
        {"emp": {"E1": {"months_in_position": 12.0}}, "min_months_in_position": 12},
        {"pos": {"P2": {"jabatan": "Pranata"}}, "allow_jabatan_change": True},
        {"pos": {"P2": {"min_grade": "III/b", "max_grade": "III/b"}}},  # bounds are inclusive
        {"pos": {"P2": {"min_education": "S1"}}},
        {"pos": {"P2": {"min_education": "D4"}}},
        {
            "pos": {"P2": {"required_competencies": "keuangan:3;hukum:2"}},
            "emp": {"E1": {"competencies": "hukum:4;keuangan:3;lain:1"}},
        },
        {"pos": {"P1": {"min_staff": 2}, "P2": {"max_staff": 1.0}}},
        {"max_moves": 1},
    ],
)
def test_rule_satisfied_at_its_bound(kwargs: dict[str, Any]) -> None:
    report = check(base_problem(**kwargs), MOVE)
    assert report.ok, str(report)


def test_staff_bounds_are_checked_even_if_the_plan_does_not_touch_them() -> None:
    problem = base_problem(pos={"P1": {"max_staff": 1.0}})
    report = check(problem, {})
    assert [(v.rule, v.subject) for v in report.violations] == [("max_staff", "P1")]


# --------------------------------------------------------------------------- plan-level rules


def test_unknown_employee() -> None:
    report = check(base_problem(), {"EX": "P2"})
    assert [(v.rule, v.subject) for v in report.violations] == [("unknown_employee", "EX")]
    assert "'EX'" in report.violations[0].message
    assert report.moves == 0
    assert report.balance == pytest.approx(1.5)


def test_unknown_position() -> None:
    report = check(base_problem(), {"E1": "P9"})
    assert [(v.rule, v.subject) for v in report.violations] == [("unknown_position", "E1")]
    assert "'P9'" in report.violations[0].message
    assert report.moves == 0


def test_duplicate_move_applies_the_last_row() -> None:
    plan = pd.DataFrame({"employee_id": ["E1", "E2", "E1"], "to_position": ["P2", "P2", "P1"]})
    report = check(base_problem(), plan)
    rules = [(v.rule, v.subject) for v in report.violations]
    assert rules == [("duplicate_move", "E1"), ("no_op_move", "E1")]
    assert "2 times" in report.violations[0].message
    assert report.moves == 1  # E1 ends in P1 again, E2 moved
    assert report.staff_after.to_dict() == {"P1": 2, "P2": 1}


def test_no_op_move() -> None:
    report = check(base_problem(), {"E1": "P1"})
    assert [(v.rule, v.subject) for v in report.violations] == [("no_op_move", "E1")]
    assert report.moves == 0
    # a no-op row is not checked as a move
    problem = base_problem(emp={"E1": {"status": "CPNS"}})
    assert check(problem, {"E1": "P1"}).rules == {"no_op_move"}


def test_multiple_violations_in_order() -> None:
    problem = base_problem(
        pos={"P2": {"min_grade": "IV/a", "max_staff": 0.0}},
        emp={"E1": {"status": "CPNS", "locked": True}},
        max_moves=0,
    )
    plan = pd.DataFrame(
        {"employee_id": ["EX", "E1", "E2"], "to_position": ["P2", "P2", "P9"], "reason": ["", "", ""]}
    )
    report = check(problem, plan)
    got = [(v.rule, v.subject) for v in report.violations]
    assert got == [
        ("unknown_employee", "EX"),
        ("cpns_stays", "E1"),
        ("locked", "E1"),
        ("min_grade", "E1"),
        ("unknown_position", "E2"),
        ("max_staff", "P2"),
        ("max_moves", "plan"),
    ]
    text = str(report)
    assert text.startswith("plan FAILED with 7 violations")
    for v in report.violations:
        assert str(v) in text
        assert str(v) == f"{v.message} [{v.rule}]"
    with pytest.raises(AssertionError) as info:
        report.raise_if_failed()
    assert all(v.message in str(info.value) for v in report.violations)
    assert report.rules == {r for r, _ in got}


# --------------------------------------------------------------------------- workload from tasks


def test_workload_from_tasks_with_period_factors() -> None:
    problem = base_problem()
    problem.tasks = tasks(
        ("P1", "surat", 10, "bulan", 60.0),  # 10 * 12 * 60 / 60 = 120 h
        ("P1", "rapat", 2, "minggu", 90.0),  # 2 * 50 * 90 / 60 = 150 h
        ("P1", "absen", 1, "hari", 30.0),  # 1 * 250 * 30 / 60 = 125 h
        ("P1", "laporan", 4, "tahun", 1500.0),  # 4 * 1 * 1500 / 60 = 100 h
        ("P1", "belum dinilai", 3, "tahun", np.nan),  # no norm: contributes nothing
    )
    expected = (120 + 150 + 125 + 100) / 1250
    assert PERIOD_FACTORS == {"tahun": 1, "bulan": 12, "minggu": 50, "hari": 250}
    report = check(problem, MOVE)
    # P1's workload_hours (2500) is ignored because it has tasks; P2 keeps its workload_hours
    assert report.need["P1"] == pytest.approx(expected)
    assert report.need["P2"] == pytest.approx(1.0)
    assert report.balance == pytest.approx((2 - expected) ** 2 / 1.0 + 0.0)


def test_missing_workload_is_an_input_error() -> None:
    problem = base_problem(pos={"P2": {"workload_hours": np.nan}})
    with pytest.raises(InputError) as info:
        check(problem, MOVE)
    assert info.value.problems[0].rule == "missing_workload"
    problem.tasks = tasks(("P2", "x", 1, "tahun", 60.0))
    assert check(problem, MOVE).need["P2"] == pytest.approx(1 / 1250)


def test_unknown_period_is_an_input_error() -> None:
    problem = base_problem()
    problem.tasks = tasks(("P1", "x", 1, "abad", 60.0))
    with pytest.raises(InputError, match="abad"):
        check(problem, MOVE)


# --------------------------------------------------------------------------- plan forms, inputs


def test_plan_forms_agree() -> None:
    problem = base_problem()
    frame = pd.DataFrame({"employee_id": ["E1"], "to_position": ["P2"]})
    result = FakeResult(frame.assign(from_position="P1", reason="balance"))
    reports = [check(problem, plan) for plan in (frame, MOVE, result)]
    for report in reports:
        assert isinstance(report, CheckReport)
        assert report.ok
        assert report.moves == 1
        assert report.balance == pytest.approx(0.0)
        assert report.objective == pytest.approx(0.1)


def test_bad_plan_forms() -> None:
    with pytest.raises(TypeError):
        check(base_problem(), ["E1", "P2"])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="to_position"):
        check(base_problem(), pd.DataFrame({"employee_id": ["E1"], "target": ["P2"]}))


def test_inputs_are_not_modified() -> None:
    problem = base_problem(pos={"P2": {"required_competencies": "keuangan:3"}})
    problem.tasks = tasks(("P1", "surat", 10, "bulan", 60.0))
    plan = pd.DataFrame({"employee_id": ["E1", "E1", "EX"], "to_position": ["P2", "P2", "P9"]})
    before = [f.copy(deep=True) for f in (problem.employees, problem.positions, problem.tasks, plan)]
    check(problem, plan)
    after = (problem.employees, problem.positions, problem.tasks, plan)
    for old, new in zip(before, after, strict=True):
        pd.testing.assert_frame_equal(old, new)


def test_report_is_frozen() -> None:
    report = check(base_problem(), MOVE)
    with pytest.raises(AttributeError):
        report.ok = False  # type: ignore[misc]
    assert Violation("locked", "E1", "m") == Violation("locked", "E1", "m")


# --------------------------------------------------------------------------- balance_of


def test_balance_of() -> None:
    need = pd.Series({"P1": 2.0, "P2": 1.0, "P3": 0.5})
    assert balance_of(pd.Series({"P1": 3, "P2": 0}), need) == pytest.approx(0.5 + 1.0 + 0.25)
    assert balance_of(pd.Series({"P2": 1, "P1": 2, "P3": 0}), need) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="P9"):
        balance_of(pd.Series({"P9": 1}), need)


# --------------------------------------------------------------------------- independence


def test_imports_only_what_is_allowed() -> None:
    """Every module of the checker imports numpy, pandas, itself and the model's codes, policy
    and errors only (relative imports resolved); see also tests/test_architecture.py."""
    folder = Path(__file__).parents[1] / "src" / "asn_balance" / "check"
    modules: set[str] = set()
    for source in sorted(folder.rglob("*.py")):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level == 1:
                    modules.add("asn_balance.check" + (f".{node.module}" if node.module else ""))
                elif node.level == 2:
                    modules.add("asn_balance" + (f".{node.module}" if node.module else ""))
                else:
                    modules.add(node.module or "")
    assert "asn_balance.model.domain" in modules  # the walk sees the relative imports
    allowed = {"asn_balance.model.domain", "asn_balance.model.policy", "asn_balance.model.errors", "numpy",
               "pandas"}  # fmt: skip
    third_party = {
        m
        for m in modules
        if m.split(".")[0] in {"asn_balance", "numpy", "pandas", "ortools", "highspy"}
        and not m.startswith("asn_balance.check")
    }
    assert {m if not m.startswith("numpy.") else "numpy" for m in third_party} <= allowed


# --------------------------------------------------------------------------- against a naive checker


def naive(problem: FakeProblem, plan: dict[str, str]) -> tuple[set[tuple[str, str]], float, int]:
    """A row-by-row re-implementation of the rules, for comparison."""
    pol = problem.policy
    pos = {r["position_id"]: r for r in problem.positions.to_dict("records")}
    emp = {r["employee_id"]: r for r in problem.employees.to_dict("records")}
    where = {e: r["position_id"] for e, r in emp.items()}
    found: set[tuple[str, str]] = set()
    for e, to in plan.items():
        if e not in emp:
            found.add(("unknown_employee", e))
            continue
        if to not in pos:
            found.add(("unknown_position", e))
            continue
        x, src, dst = emp[e], pos[emp[e]["position_id"]], pos[to]
        if to == x["position_id"]:
            found.add(("no_op_move", e))
            continue
        where[e] = to
        if x["status"] == "CPNS":
            found.add(("cpns_stays", e))
        if x["status"] == "PPPK" and not pol.allow_pppk:
            found.add(("pppk_stays", e))
        if x["locked"]:
            found.add(("locked", e))
        if x["months_in_position"] < pol.min_months_in_position:
            found.add(("min_months_in_position", e))
        if src["jabatan"] != dst["jabatan"] and not pol.allow_jabatan_change:
            found.add(("same_jabatan", e))
        if x["status"] not in ("PPPK", "PPPK Paruh Waktu"):  # min_grade/max_grade: the PNS scale only
            g = grade_rank(x["grade"]) if x["grade"] else None
            if dst["min_grade"] and (g is None or g < grade_rank(dst["min_grade"])):
                found.add(("min_grade", e))
            if dst["max_grade"] and (g is None or g > grade_rank(dst["max_grade"])):
                found.add(("max_grade", e))
        ed = education_rank(x["education"]) if x["education"] else None
        if dst["min_education"] and (ed is None or ed < education_rank(dst["min_education"])):
            found.add(("min_education", e))
        have = parse_competencies(x["competencies"])
        need = parse_competencies(dst["required_competencies"])
        assert isinstance(have, dict) and isinstance(need, dict)
        if any(have.get(c, 0) < lv for c, lv in need.items()):
            found.add(("required_competencies", e))
    staff = dict.fromkeys(pos, 0)
    for p in where.values():
        staff[p] += 1
    balance = 0.0
    for p, r in pos.items():
        n = r["workload_hours"] / pol.effective_hours
        balance += (staff[p] - n) ** 2 / max(n, 1.0)
        if staff[p] < r["min_staff"]:
            found.add(("min_staff", p))
        if not np.isnan(r["max_staff"]) and staff[p] > r["max_staff"]:
            found.add(("max_staff", p))
    moves = sum(where[e] != emp[e]["position_id"] for e in emp)
    if pol.max_moves is not None and moves > pol.max_moves:
        found.add(("max_moves", "plan"))
    return found, balance, moves


@pytest.mark.parametrize("seed", range(25))
def test_agrees_with_naive_checker(seed: int) -> None:
    rng = random.Random(seed)
    grades = ["", "II/c", "III/a", "III/b", "III/d", "IV/a"]
    edus = ["", "SMA", "D3", "S1", "S2"]
    comps = ["", "keuangan:2", "keuangan:4;hukum:1", "hukum:3", "it:2;keuangan:1"]
    pos_rows = [
        {
            "position_id": f"P{i}",
            "jabatan": rng.choice(["Analis", "Pranata"]),
            "workload_hours": rng.choice([0.0, 600.0, 1250.0, 3100.0, 6000.0]),
            "min_staff": rng.choice([0, 0, 1, 2]),
            "max_staff": rng.choice([np.nan, np.nan, 2.0, 4.0]),
            "required_competencies": rng.choice(comps),
            "min_grade": rng.choice(grades[:4]),
            "max_grade": rng.choice(["", "", "III/d", "IV/e"]),
            "min_education": rng.choice(edus[:4]),
        }
        for i in range(6)
    ]
    emp_rows = [
        {
            "employee_id": f"E{i:02d}",
            "position_id": f"P{rng.randrange(6)}",
            "status": rng.choice(["PNS", "PNS", "PNS", "CPNS", "PPPK"]),
            "grade": rng.choice(grades),
            "education": rng.choice(edus),
            "competencies": rng.choice(comps),
            "months_in_position": float(rng.choice([6, 24, 30, 100])),
            "locked": rng.random() < 0.15,
        }
        for i in range(20)
    ]
    problem = FakeProblem(
        employees=employees(*emp_rows),
        positions=positions(*pos_rows),
        policy=Policy(
            allow_pppk=rng.random() < 0.5,
            allow_jabatan_change=rng.random() < 0.5,
            max_moves=rng.choice([None, 3, 8]),
        ),
    )
    ids = [f"E{i:02d}" for i in range(22)]  # E20, E21 unknown
    targets = [f"P{i}" for i in range(7)]  # P6 unknown
    plan = {e: rng.choice(targets) for e in rng.sample(ids, rng.randrange(0, 15))}
    report = check(problem, plan)
    found, balance, moves = naive(problem, plan)
    assert {(v.rule, v.subject) for v in report.violations} == found
    assert len(report.violations) == len(found)
    assert report.balance == pytest.approx(balance)
    assert report.moves == moves
    assert report.ok == (not found)
    assert report.objective == pytest.approx(balance + problem.policy.move_cost * moves)


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["P1", "P2", "P9", None]),
            st.one_of(st.none(), st.floats(0, 1e3)),
            st.sampled_from(["tahun", "bulan", "minggu", "hari", "sekali", None, float("nan")]),
            st.one_of(st.none(), st.floats(0, 1e3)),
        ),
        max_size=30,
    ),
    custom=st.booleans(),
)
def test_workload_from_tasks_against_rows(rows: list[tuple[Any, Any, Any, Any]], custom: bool) -> None:
    """Each task row by itself: volume x period factor x norm / 60 summed per position; a row
    with a missing or unknown period, volume or norm adds nothing; positions without tasks
    get nan (each distinct period is looked up once)."""
    from asn_balance.model.abk import workload_from_tasks

    factors = {"tahun": 1.0, "bulan": 12.0, "minggu": 52.0, "hari": 230.0} if custom else None
    table = PERIOD_FACTORS if factors is None else factors
    frame = pd.DataFrame(rows, columns=["position_id", "volume", "period", "norm_minutes"], dtype=object)
    got = workload_from_tasks(frame, pd.Index(["P1", "P2", "P3"]), factors)
    for k, pid in enumerate(["P1", "P2", "P3"]):
        mine = [r for r in rows if r[0] == pid]
        if not mine:
            assert np.isnan(got[k])
            continue
        total = 0.0
        for _, volume, period, norm in mine:
            factor = table.get(period) if isinstance(period, str) else None
            if volume is not None and norm is not None and factor is not None:
                total += volume * factor * norm / 60.0
        assert got[k] == pytest.approx(total, rel=1e-12, abs=1e-9)
