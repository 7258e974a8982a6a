"""Tests of the ``asn-balance`` command line: exit codes, messages, options and formats.

A few key cases run the installed console script in a subprocess; the rest use typer's
``CliRunner`` in-process. Every data set is written here, from :data:`BASE` (a tiny,
hand-checkable organisation), so nothing depends on another test module.

The numbers of :data:`BASE` (WKE 1,250 h):

* ``P1``/``P2`` (jabatan Analis): need 4 and 1, staff 1 and 4 (one of P2's is a CPNS), so
  three moves P2 -> P1 bring their part of B from 11.25 to 0; each is worth far more than
  the default move cost 0.1;
* ``P3`` (Pengelola, workload from one task: 10 x 12 x 625 min = 1,250 h) and ``P4``
  (Pengelola, 2,500 h) are balanced;
* ``P5``/``P6`` (Arsiparis): need 1.52 and 1.48, staff 1 and 2 (one of P6's locked); one
  move lowers B by 0.0533: worth it only when a move costs less than that.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from asn_balance import datasets
from asn_balance.apps.cli import app

# --------------------------------------------------------------------------- data


def nip(birth: str, tmt: str, sex: int, serial: int) -> str:
    """An 18-digit NIP: birth date YYYYMMDD + TMT CPNS YYYYMM + sex + serial."""
    return f"{birth}{tmt}{sex}{serial:03d}"


E = [
    nip("19800101", "200501", 1, 1),
    nip("19820214", "200803", 2, 2),
    nip("19790630", "200402", 1, 3),
    nip("19850912", "201001", 2, 4),
    nip("19990101", "202401", 1, 5),  # the CPNS
    nip("19760505", "200001", 1, 6),
    nip("19881111", "201203", 2, 7),
    nip("19901010", "201501", 1, 8),
    nip("19870707", "201102", 2, 9),
    nip("19860606", "201006", 1, 10),
    nip("19840404", "200907", 2, 11),  # locked
]
CPNS = E[4]

EMP_COLS = [
    "employee_id", "name", "position_id", "status", "grade", "education", "competencies",
    "months_in_position", "locked",
]  # fmt: skip
EMPLOYEES = [
    [E[0], "Budi", "P1", "PNS", "III/b", "S1", "analisis:3", "36", "false"],
    [E[1], "Ani", "P2", "PNS", "III/a", "S1", "analisis:2", "48", "false"],
    [E[2], "Citra", "P2", "PNS", "III/c", "S1", "analisis:3", "30", "false"],
    [E[3], "Dedi", "P2", "PNS", "III/b", "S2", "analisis:2", "60", "false"],
    [E[4], "Eka", "P2", "CPNS", "III/a", "S1", "", "6", "false"],
    [E[5], "Fajar", "P3", "PNS", "II/c", "SMA", "", "40", "false"],
    [E[6], "Gita", "P4", "PNS", "II/d", "D3", "", "40", "false"],
    [E[7], "Hadi", "P4", "PNS", "II/d", "D3", "", "50", "false"],
    [E[8], "Indah", "P5", "PNS", "II/b", "SMA", "", "30", "false"],
    [E[9], "Joko", "P6", "PNS", "II/c", "SMA", "", "30", "false"],
    [E[10], "Kartika", "P6", "PNS", "II/c", "SMA", "", "36", "true"],
]
POS_COLS = [
    "position_id", "unit_id", "unit_name", "jabatan", "workload_hours", "min_staff", "max_staff",
    "required_competencies", "min_grade", "max_grade", "min_education",
]  # fmt: skip
POSITIONS = [
    ["P1", "U1", "Bagian Umum", "Analis", "5000", "0", "", "analisis:2", "III/a", "", "S1"],
    ["P2", "U2", "Bagian Keuangan", "Analis", "1250", "0", "", "", "", "", ""],
    ["P3", "U1", "Bagian Umum", "Pengelola", "", "0", "", "", "", "", ""],
    ["P4", "U2", "Bagian Keuangan", "Pengelola", "2500", "0", "", "", "", "", ""],
    ["P5", "U1", "Bagian Umum", "Arsiparis", "1900", "0", "", "", "", "", ""],
    ["P6", "U2", "Bagian Keuangan", "Arsiparis", "1850", "0", "", "", "", "", ""],
]
TASK_COLS = ["position_id", "task", "volume", "period", "norm_minutes"]
TASKS = [["P3", "Mengelola surat masuk", "10", "bulan", "625"]]

WORKLOAD = {"P1": 5000.0, "P2": 1250.0, "P3": 1250.0, "P4": 2500.0, "P5": 1900.0, "P6": 1850.0}
B_BEFORE = 11.25 + 0.52**2 / 1.52 + 0.52**2 / 1.48
B_P56_AFTER = 0.48**2 / 1.52 + 0.48**2 / 1.48

Tables = dict[str, pd.DataFrame]


def base_tables() -> Tables:
    """Fresh all-text frames of the base data."""
    return {
        "employees": pd.DataFrame(EMPLOYEES, columns=EMP_COLS, dtype=str),
        "positions": pd.DataFrame(POSITIONS, columns=POS_COLS, dtype=str),
        "tasks": pd.DataFrame(TASKS, columns=TASK_COLS, dtype=str),
    }


def write_folder(tables: Tables, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    return folder


def write_xlsx(tables: Tables, path: Path) -> Path:
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, df in tables.items():
            df.to_excel(xw, sheet_name=name, index=False)
    return path


def write_json(tables: Tables, path: Path) -> Path:
    doc = {name: df.to_dict(orient="records") for name, df in tables.items()}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_folder(base_tables(), tmp_path / "data")


# --------------------------------------------------------------------------- running

runner = CliRunner()


def invoke(*args: object) -> Any:
    """Run the app in-process; unexpected exceptions are caught and show in ``exception``."""
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def assert_clean_exit(result: Any, code: int) -> None:
    """Exit code as expected, by ``typer.Exit``/``SystemExit`` and without a traceback."""
    shown = f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}\nexception: {result.exception!r}"
    assert result.exit_code == code, shown
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    assert "Traceback" not in result.output


def console_script() -> list[str]:
    exe = shutil.which("asn-balance") or shutil.which("asn-balance", path=str(Path(sys.executable).parent))
    if exe:
        return [exe]
    return [sys.executable, "-c", "from asn_balance.apps.cli import main; main()"]


def run(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [*console_script(), *(str(a) for a in args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=120,
    )


def plan_json(*args: object, tmp_path: Path, name: str = "plan.json") -> dict[str, Any]:
    """``plan`` in-process with ``--out <json>``; return the parsed document."""
    out = tmp_path / name
    result = invoke("plan", *args, "--out", out, "--quiet")
    assert_clean_exit(result, 0)
    doc: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return doc


DEMO_PRESENT = (datasets.demo_path() / "employees.csv").is_file()
DEMO_MISSING = (
    "the demo data is not packaged: src/asn_balance/datasets/plaju/ holds no CSV files "
    "(employees.csv, positions.csv, tasks.csv), so `asn-balance demo` exits 2"
)


# --------------------------------------------------------------------------- console script


@pytest.mark.xfail(not DEMO_PRESENT, strict=True, reason=DEMO_MISSING)
def test_script_demo_prints_before_after_summary() -> None:
    proc = run("demo")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    out = proc.stdout
    for word in ("before", "after", "balance B", "EJ band A", "status", "moves"):
        assert word in out
    assert re.search(r"status\s+optimal", out)


def test_script_plan_then_check_ok_and_tampered(tmp_path: Path, data: Path) -> None:
    out = tmp_path / "plan.json"
    proc = run("plan", data, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "before" in proc.stdout and "after" in proc.stdout
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert set(doc) == {"summary", "moves", "positions", "units"}
    assert doc["summary"]["status"] == "optimal"
    assert doc["summary"]["moves"] == len(doc["moves"]) == 3
    assert {m["from_position"] for m in doc["moves"]} == {"P2"}
    assert {m["to_position"] for m in doc["moves"]} == {"P1"}

    ok = run("check", data, out)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("OK")
    assert "0 violations" in ok.stdout

    # move the CPNS as well, and send one mover to a position of another jabatan
    bad = dict(doc)
    moves = [dict(m) for m in doc["moves"]]
    moves[0]["to_position"] = "P3"
    moves.append({"employee_id": CPNS, "to_position": "P1"})
    bad["moves"] = moves
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(bad), encoding="utf-8")
    proc = run("check", data, tampered)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stdout.startswith("FAILED")
    assert "[cpns_stays]" in proc.stdout and CPNS in proc.stdout
    assert "[same_jabatan]" in proc.stdout and moves[0]["employee_id"] in proc.stdout


def test_script_bad_input_exit_2_without_traceback(tmp_path: Path) -> None:
    tables = base_tables()
    tables["employees"].loc[0, "grade"] = "V/z"
    tables["positions"].loc[0, "workload_hours"] = "abc"
    folder = write_folder(tables, tmp_path / "bad")
    proc = run("plan", folder, "--out", tmp_path / "plan.json")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert any("'V/z'" in ln and "grade" in ln and "employees" in ln for ln in lines), proc.stderr
    assert any("'abc'" in ln and "workload_hours" in ln and "positions" in ln for ln in lines), proc.stderr
    assert not (tmp_path / "plan.json").exists()


# --------------------------------------------------------------------------- broken inputs

Breaker = Callable[[Tables], None]


def _set(table: str, row: int, column: str, value: str) -> Breaker:
    """Set one cell; ``row`` is the spreadsheet row (header = 1)."""

    def breaker(t: Tables) -> None:
        t[table].loc[row - 2, column] = value

    return breaker


def _drop(table: str, column: str) -> Breaker:
    def breaker(t: Tables) -> None:
        t[table] = t[table].drop(columns=[column])

    return breaker


BAD_NIP = "198013012005011001"  # birth month 13

# (id, breaker, table, row, column, value shown, rule)
BROKEN: list[tuple[str, Breaker, str, int | None, str, str, str]] = [
    ("unknown_position", _set("employees", 2, "position_id", "P9"),
     "employees", 2, "position_id", "'P9'", "unknown_position"),
    ("unknown_task_position", _set("tasks", 2, "position_id", "PX"),
     "tasks", 2, "position_id", "'PX'", "unknown_position"),
    ("duplicate_employee_id", _set("employees", 4, "employee_id", E[1]),
     "employees", 4, "employee_id", f"'{E[1]}'", "duplicate_id"),
    ("duplicate_position_id", _set("positions", 7, "position_id", "P5"),
     "positions", 7, "position_id", "'P5'", "duplicate_id"),
    ("invalid_grade", _set("employees", 2, "grade", "V/z"),
     "employees", 2, "grade", "'V/z'", "invalid_grade"),
    ("invalid_min_grade", _set("positions", 2, "min_grade", "III/x"),
     "positions", 2, "min_grade", "'III/x'", "invalid_grade"),
    ("invalid_education", _set("employees", 3, "education", "S9"),
     "employees", 3, "education", "'S9'", "invalid_education"),
    ("invalid_status", _set("employees", 3, "status", "honorer"),
     "employees", 3, "status", "'honorer'", "invalid_status"),
    ("negative_task_volume", _set("tasks", 2, "volume", "-5"),
     "tasks", 2, "volume", "'-5'", "negative_value"),
    ("negative_workload", _set("positions", 3, "workload_hours", "-100"),
     "positions", 3, "workload_hours", "'-100'", "negative_value"),
    ("invalid_period", _set("tasks", 2, "period", "abad"),
     "tasks", 2, "period", "'abad'", "invalid_period"),
    ("missing_required_column", _drop("employees", "months_in_position"),
     "employees", None, "months_in_position", "months_in_position", "missing_column"),
    ("missing_jabatan_column", _drop("positions", "jabatan"),
     "positions", None, "jabatan", "jabatan", "missing_column"),
    ("non_numeric_workload", _set("positions", 2, "workload_hours", "abc"),
     "positions", 2, "workload_hours", "'abc'", "not_a_number"),
    ("non_numeric_months", _set("employees", 3, "months_in_position", "x"),
     "employees", 3, "months_in_position", "'x'", "not_a_number"),
    ("fractional_min_staff", _set("positions", 4, "min_staff", "1.5"),
     "positions", 4, "min_staff", "'1.5'", "not_an_integer"),
    ("bad_nip", _set("employees", 2, "employee_id", BAD_NIP),
     "employees", 2, "employee_id", f"'{BAD_NIP}'", "invalid_nip"),
    ("bad_boolean", _set("employees", 5, "locked", "mungkin"),
     "employees", 5, "locked", "'mungkin'", "invalid_boolean"),
    ("bad_competencies", _set("employees", 2, "competencies", "analisis:9"),
     "employees", 2, "competencies", "'analisis:9'", "invalid_competencies"),
    ("blank_required_cell", _set("employees", 6, "status", ""),
     "employees", 6, "status", "", "missing_value"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("breaker", "table", "row", "column", "value", "rule"),
    [pytest.param(*case[1:], id=case[0]) for case in BROKEN],
)
def test_broken_input_exit_2(
    tmp_path: Path, breaker: Breaker, table: str, row: int | None, column: str, value: str, rule: str
) -> None:
    tables = base_tables()
    breaker(tables)
    folder = write_folder(tables, tmp_path / "data")
    out = tmp_path / "plan.json"
    result = invoke("plan", folder, "--out", out)
    assert_clean_exit(result, 2)
    assert not out.exists()
    lines = result.stderr.strip().splitlines()
    hits = [ln for ln in lines if f"column {column}" in ln and value in ln and f"[{rule}]" in ln]
    assert hits, result.stderr
    line = hits[0]
    assert line.startswith(table)
    if row is not None:
        assert f"row {row}," in line
    # the same problems from the other commands
    for args in (("abk", folder), ("check", folder, out)):
        other = invoke(*args)
        assert_clean_exit(other, 2)
        assert line in other.stderr


def test_several_problems_all_reported(tmp_path: Path) -> None:
    tables = base_tables()
    for case in BROKEN:
        if case[0] in {"unknown_position", "invalid_education", "non_numeric_workload", "bad_boolean",
                       "negative_task_volume", "bad_nip"}:  # fmt: skip
            case[1](tables)
    folder = write_folder(tables, tmp_path / "data")
    result = invoke("plan", folder)
    assert_clean_exit(result, 2)
    lines = result.stderr.strip().splitlines()
    expected = [
        ("employees", "row 2,", "employee_id", BAD_NIP, "invalid_nip"),
        ("employees", "row 2,", "position_id", "'P9'", "unknown_position"),
        ("employees", "row 3,", "education", "'S9'", "invalid_education"),
        ("employees", "row 5,", "locked", "'mungkin'", "invalid_boolean"),
        ("positions", "row 2,", "workload_hours", "'abc'", "not_a_number"),
        ("tasks", "row 2,", "volume", "'-5'", "negative_value"),
    ]
    for table, row, column, value, rule in expected:
        assert any(
            ln.startswith(table) and row in ln and f"column {column}" in ln and value in ln and rule in ln
            for ln in lines
        ), (table, column, rule, result.stderr)
    assert len(lines) == len(expected), result.stderr


def test_missing_table_reported(tmp_path: Path) -> None:
    folder = write_folder(base_tables(), tmp_path / "data")
    (folder / "positions.csv").unlink()
    result = invoke("plan", folder)
    assert_clean_exit(result, 2)
    assert "positions.csv" in result.stderr and "missing_table" in result.stderr


def test_missing_data_path_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    for args in (("plan", missing), ("abk", missing), ("check", missing, tmp_path / "plan.json")):
        result = invoke(*args)
        assert_clean_exit(result, 2)
        assert str(missing) in result.stderr


def test_missing_plan_path_exit_2(tmp_path: Path, data: Path) -> None:
    result = invoke("check", data, tmp_path / "no_plan.json")
    assert_clean_exit(result, 2)
    assert "no_plan.json" in result.stderr


def test_single_csv_file_is_not_a_data_source(tmp_path: Path, data: Path) -> None:
    result = invoke("plan", data / "employees.csv")
    assert_clean_exit(result, 2)
    assert "employees.csv" in result.stderr


# --------------------------------------------------------------------------- infeasible


def test_infeasible_min_staff_exit_1(tmp_path: Path) -> None:
    tables = base_tables()
    tables["positions"].loc[0, "min_staff"] = "10"
    folder = write_folder(tables, tmp_path / "data")
    out = tmp_path / "plan.json"
    result = invoke("plan", folder, "--out", out)
    assert_clean_exit(result, 1)
    assert "infeasible" in result.stderr
    line = next(ln for ln in result.stderr.splitlines() if "P1" in ln)
    assert "min_staff" in line and "10" in line
    assert not out.exists()


def test_infeasible_max_staff_exit_1(tmp_path: Path) -> None:
    # P2 has 4 staff, one of them a CPNS who cannot move: max_staff 0 is out of reach
    tables = base_tables()
    tables["positions"].loc[1, "max_staff"] = "0"
    folder = write_folder(tables, tmp_path / "data")
    result = invoke("plan", folder, "--quiet")
    assert_clean_exit(result, 1)
    line = next(ln for ln in result.stderr.splitlines() if "P2" in ln)
    assert "max_staff" in line and "0" in line


# --------------------------------------------------------------------------- plan options


def test_plan_default(tmp_path: Path, data: Path) -> None:
    doc = plan_json(data, tmp_path=tmp_path)
    s = doc["summary"]
    assert s["status"] == "optimal"
    assert s["moves"] == 3
    assert s["balance_before"] == pytest.approx(B_BEFORE, rel=1e-9)
    assert s["balance_after"] == pytest.approx(B_BEFORE - 11.25, rel=1e-9)
    assert s["objective"] == pytest.approx(s["balance_after"] + 0.1 * 3, rel=1e-9)
    assert s["gap"] == pytest.approx(0.0, abs=1e-6)
    movers = {m["employee_id"] for m in doc["moves"]}
    assert movers == {E[1], E[2], E[3]}
    assert all(m["reason"] for m in doc["moves"])


def test_move_cost_zero_moves_more_and_balances_better(tmp_path: Path, data: Path) -> None:
    base = plan_json(data, tmp_path=tmp_path, name="a.json")["summary"]
    free = plan_json(data, "--move-cost", "0", tmp_path=tmp_path, name="b.json")
    s = free["summary"]
    assert s["moves"] == base["moves"] + 1 == 4
    assert s["balance_after"] < base["balance_after"]
    assert s["balance_after"] == pytest.approx(B_P56_AFTER, rel=1e-9)
    assert s["objective"] == pytest.approx(s["balance_after"], rel=1e-12)
    assert any(m["from_position"] == "P6" and m["to_position"] == "P5" for m in free["moves"])
    assert all(m["employee_id"] != E[10] for m in free["moves"])  # locked


def test_high_move_cost_moves_nobody(tmp_path: Path, data: Path) -> None:
    s = plan_json(data, "--move-cost", "100", tmp_path=tmp_path)["summary"]
    assert s["moves"] == 0
    assert s["balance_after"] == pytest.approx(s["balance_before"])


def test_max_moves_caps_moves(tmp_path: Path, data: Path) -> None:
    base = plan_json(data, tmp_path=tmp_path, name="a.json")["summary"]
    doc = plan_json(data, "--max-moves", "1", "--time-limit", "10", tmp_path=tmp_path, name="b.json")
    s = doc["summary"]
    assert s["moves"] == len(doc["moves"]) == 1
    assert s["balance_after"] > base["balance_after"]
    # the single best move: P2 -> P1 leaves B = 1.25 * 2**2 on the Analis pair
    assert s["balance_after"] == pytest.approx(5.0 + B_BEFORE - 11.25, rel=1e-9)
    assert s["status"] == "optimal"
    zero = plan_json(data, "--max-moves", "0", tmp_path=tmp_path, name="c.json")["summary"]
    assert zero["moves"] == 0


def test_effective_hours_1200_raises_need(tmp_path: Path, data: Path) -> None:
    base = plan_json(data, tmp_path=tmp_path, name="a.json")
    old = plan_json(data, "--effective-hours", "1200", tmp_path=tmp_path, name="b.json")
    total = sum(WORKLOAD.values())
    assert base["summary"]["need_fte"] == pytest.approx(total / 1250)
    assert old["summary"]["need_fte"] == pytest.approx(total / 1200)
    assert old["summary"]["policy"]["effective_hours"] == 1200
    need = {p["position_id"]: p["need_fte"] for p in old["positions"]}
    assert need == pytest.approx({k: v / 1200 for k, v in WORKLOAD.items()})
    ej_a = {p["position_id"]: p["ej_before"] for p in base["positions"]}
    ej_b = {p["position_id"]: p["ej_before"] for p in old["positions"]}
    assert all(ej_b[k] > ej_a[k] for k in ej_a)


def test_min_months_option(tmp_path: Path, data: Path) -> None:
    # every Analis in P2 has served at most 60 months: a 61-month minimum keeps them all
    s = plan_json(data, "--min-months", "61", tmp_path=tmp_path)["summary"]
    assert s["moves"] == 0
    assert s["policy"]["min_months_in_position"] == 61
    s = plan_json(data, "--min-months", "49", tmp_path=tmp_path, name="b.json")
    assert {m["employee_id"] for m in s["moves"]} == {E[3]}


def test_allow_pppk_option(tmp_path: Path) -> None:
    tables = base_tables()
    tables["employees"].loc[1:3, "status"] = "PPPK"  # the three movable Analis of P2
    folder = write_folder(tables, tmp_path / "data")
    assert plan_json(folder, tmp_path=tmp_path, name="a.json")["summary"]["moves"] == 0
    s = plan_json(folder, "--allow-pppk", tmp_path=tmp_path, name="b.json")["summary"]
    assert s["moves"] == 3 and s["policy"]["allow_pppk"] is True


def test_allow_jabatan_change_option(tmp_path: Path) -> None:
    # P7 (another jabatan) is badly under-staffed; only a change of jabatan can help it
    tables = base_tables()
    tables["positions"].loc[len(tables["positions"])] = ["P7", "U1", "Bagian Umum", "Bendahara", "5000",
                                                         "0", "", "", "", "", ""]  # fmt: skip
    tables["employees"].loc[len(tables["employees"])] = [nip("19800202", "200601", 1, 12), "Lia", "P7",
                                                         "PNS", "III/a", "S1", "", "30", "false"]  # fmt: skip
    folder = write_folder(tables, tmp_path / "data")
    keep = plan_json(folder, "--move-cost", "0", tmp_path=tmp_path, name="a.json")
    assert all(m["to_position"] != "P7" for m in keep["moves"])
    free = plan_json(folder, "--move-cost", "0", "--allow-jabatan-change", tmp_path=tmp_path, name="b.json")
    assert any(m["to_position"] == "P7" for m in free["moves"])
    assert free["summary"]["balance_after"] < keep["summary"]["balance_after"]
    # check uses the policy the plan records; the plan breaks same_jabatan only when the
    # policy is overridden, and the difference is printed
    plan = tmp_path / "b.json"
    assert_clean_exit(invoke("check", folder, plan), 0)
    assert_clean_exit(invoke("check", folder, plan, "--allow-jabatan-change"), 0)
    strict = invoke("check", folder, plan, "--no-allow-jabatan-change")
    assert_clean_exit(strict, 1)
    assert "[same_jabatan]" in strict.stdout
    differs = "policy differs from the plan's: allow_jabatan_change true (plan) -> false (given)"
    assert differs in strict.stdout


def test_lang_en_and_id_reasons(tmp_path: Path, data: Path) -> None:
    id_ = plan_json(data, tmp_path=tmp_path, name="a.json")["moves"]
    en = plan_json(data, "--lang", "en", tmp_path=tmp_path, name="b.json")["moves"]
    assert [m["employee_id"] for m in id_] == [m["employee_id"] for m in en]
    assert all("posisi tujuan" in m["reason"] for m in id_)
    assert all("target" in m["reason"] and "posisi" not in m["reason"] for m in en)


def test_seed_and_quiet(tmp_path: Path, data: Path) -> None:
    out = tmp_path / "plan.json"
    result = invoke("plan", data, "--out", out, "--quiet", "--seed", "3")
    assert_clean_exit(result, 0)
    assert result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["seed"] == 3


def test_plan_prints_summary(data: Path) -> None:
    result = invoke("plan", data)
    assert_clean_exit(result, 0)
    for word in ("before", "after", "balance B", "under-staffed", "EJ band E", "optimal"):
        assert word in result.stdout


@pytest.mark.parametrize(
    ("option", "value", "column"),
    [
        ("--move-cost", "-1", "move_cost"),
        ("--move-cost", "nan", "move_cost"),
        ("--effective-hours", "0", "effective_hours"),
        ("--effective-hours", "-1250", "effective_hours"),
        ("--max-moves", "-1", "max_moves"),
        ("--min-months", "-3", "min_months_in_position"),
    ],
)
def test_bad_option_values_exit_2(tmp_path: Path, data: Path, option: str, value: str, column: str) -> None:
    out = tmp_path / "plan.json"
    result = invoke("plan", data, option, value, "--out", out)
    assert_clean_exit(result, 2)
    assert column in result.stderr
    assert value.lstrip("-") in result.stderr
    assert not out.exists()


def test_bad_option_values_other_commands(tmp_path: Path, data: Path) -> None:
    for args in (
        ("demo", "--move-cost", "-1"),
        ("abk", data, "--effective-hours", "0"),
        ("check", data, tmp_path / "p.json", "--effective-hours", "0"),
    ):
        result = invoke(*args)
        assert_clean_exit(result, 2)
        assert "Traceback" not in result.output


def test_non_number_option_exit_2(data: Path) -> None:
    result = invoke("plan", data, "--move-cost", "abc")
    assert_clean_exit(result, 2)
    assert "--move-cost" in result.output


def test_unknown_lang_exit_2(data: Path) -> None:
    result = invoke("plan", data, "--lang", "fr")
    assert_clean_exit(result, 2)
    assert "fr" in result.output


def test_plan_out_csv_suffix(tmp_path: Path, data: Path) -> None:
    out = tmp_path / "plan.csv"
    result = invoke("plan", data, "--out", out, "--quiet")
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 2)
    if result.exit_code == 0:  # a plan holds four tables: plan.csv is written as the folder plan/
        assert (out.with_suffix("") / "moves.csv").is_file()
    else:
        assert "plan.csv" in result.stderr


def test_plan_out_unwritable(tmp_path: Path, data: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    out = tmp_path / "afile" / "plan.json"
    result = invoke("plan", data, "--out", out, "--quiet")
    assert_clean_exit(result, 2)
    assert "afile" in result.stderr


# --------------------------------------------------------------------------- input formats


def test_excel_input(tmp_path: Path, data: Path) -> None:
    xlsx = write_xlsx(base_tables(), tmp_path / "data.xlsx")
    a = plan_json(data, tmp_path=tmp_path, name="a.json")
    b = plan_json(xlsx, tmp_path=tmp_path, name="b.json")
    assert b["moves"] == a["moves"]
    assert b["positions"] == a["positions"]
    assert_clean_exit(invoke("check", xlsx, tmp_path / "b.json"), 0)


def test_excel_input_bad_cell(tmp_path: Path) -> None:
    tables = base_tables()
    tables["employees"].loc[2, "grade"] = "V/z"
    xlsx = write_xlsx(tables, tmp_path / "data.xlsx")
    result = invoke("plan", xlsx)
    assert_clean_exit(result, 2)
    assert "employees, row 4, column grade: value 'V/z'" in result.stderr


def test_excel_missing_sheet(tmp_path: Path) -> None:
    tables = base_tables()
    del tables["positions"]
    xlsx = write_xlsx(tables, tmp_path / "data.xlsx")
    result = invoke("plan", xlsx)
    assert_clean_exit(result, 2)
    assert "positions" in result.stderr and "missing_table" in result.stderr


def test_json_input(tmp_path: Path, data: Path) -> None:
    doc = write_json(base_tables(), tmp_path / "data.json")
    a = plan_json(data, tmp_path=tmp_path, name="a.json")
    b = plan_json(doc, tmp_path=tmp_path, name="b.json")
    assert b["moves"] == a["moves"]
    assert b["positions"] == a["positions"]
    assert_clean_exit(invoke("check", doc, tmp_path / "b.json"), 0)


def test_json_input_bad_cell_and_broken_json(tmp_path: Path) -> None:
    tables = base_tables()
    tables["positions"].loc[3, "workload_hours"] = "banyak"
    doc = write_json(tables, tmp_path / "data.json")
    result = invoke("plan", doc)
    assert_clean_exit(result, 2)
    assert "positions, row 5, column workload_hours: value 'banyak'" in result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"employees": [', encoding="utf-8")
    result = invoke("plan", broken)
    assert_clean_exit(result, 2)
    assert "broken.json" in result.stderr


@pytest.mark.parametrize("fmt", ["xlsx", "folder", "csv"])
def test_check_reads_every_plan_format(tmp_path: Path, data: Path, fmt: str) -> None:
    out = tmp_path / ("plan.xlsx" if fmt == "xlsx" else "plan")
    assert_clean_exit(invoke("plan", data, "--out", out, "--quiet"), 0)
    target = out / "moves.csv" if fmt == "csv" else out
    result = invoke("check", data, target)
    assert_clean_exit(result, 0)
    assert result.stdout.startswith("OK: 3 moves")


def test_check_empty_plan_and_unknown_ids(tmp_path: Path, data: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("employee_id,to_position\n", encoding="utf-8")
    result = invoke("check", data, empty)
    assert_clean_exit(result, 0)
    assert "0 moves" in result.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(f"employee_id,to_position\n999,P1\n{E[1]},P99\n", encoding="utf-8")
    result = invoke("check", data, bad)
    assert_clean_exit(result, 1)
    assert "[unknown_employee]" in result.stdout and "999" in result.stdout
    assert "[unknown_position]" in result.stdout and "P99" in result.stdout


def test_check_plan_breaking_staff_and_budget(tmp_path: Path) -> None:
    tables = base_tables()
    tables["positions"].loc[1, "min_staff"] = "3"  # P2 keeps at least 3
    folder = write_folder(tables, tmp_path / "data")
    plan = tmp_path / "plan.csv"
    plan.write_text(f"employee_id,to_position\n{E[1]},P1\n{E[2]},P1\n", encoding="utf-8")
    result = invoke("check", folder, plan, "--max-moves", "1")
    assert_clean_exit(result, 1)
    assert "[min_staff]" in result.stdout and "P2" in result.stdout
    assert "[max_moves]" in result.stdout


# --------------------------------------------------------------------------- abk


def test_abk_prints_rows(data: Path) -> None:
    result = invoke("abk", data)
    assert_clean_exit(result, 0)
    for pid in WORKLOAD:
        assert re.search(rf"\b{pid}\b", result.stdout), pid
    assert "Bagian Keuangan" in result.stdout
    assert "kurang" in result.stdout and "lebih" in result.stdout
    assert "WKE 1250" in result.stdout


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".json"])
def test_abk_writes_report(tmp_path: Path, data: Path, suffix: str) -> None:
    out = tmp_path / f"abk{suffix}"
    result = invoke("abk", data, "--out", out, "--effective-hours", "1200", "--quiet")
    assert_clean_exit(result, 0)
    assert result.stdout == ""
    if suffix == ".csv":
        df = pd.read_csv(out, dtype={"position_id": str})
    elif suffix == ".xlsx":
        assert load_workbook(out).sheetnames == ["abk"]
        df = pd.read_excel(out, sheet_name="abk")
    else:
        df = pd.DataFrame(json.loads(out.read_text(encoding="utf-8")))
    assert list(df["position_id"]) == list(WORKLOAD)
    for col in ("unit_id", "jabatan", "workload_hours", "need_fte", "staff", "ej", "band", "direction"):
        assert col in df.columns
    by = df.set_index("position_id")
    assert by["workload_hours"].to_dict() == pytest.approx(WORKLOAD)
    assert by["need_fte"].to_dict() == pytest.approx({k: v / 1200 for k, v in WORKLOAD.items()})
    assert by["staff"].to_dict() == {"P1": 1, "P2": 4, "P3": 1, "P4": 2, "P5": 1, "P6": 2}
    assert by.loc["P1", "band"] == "A" and by.loc["P1", "direction"] == "kurang"
    assert by.loc["P2", "band"] == "E" and by.loc["P2", "direction"] == "lebih"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# --------------------------------------------------------------------------- demo and help


def test_demo_in_process_on_generated_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo command itself, pointed at generated data (independent of the packaged files)."""
    from asn_balance.datasets import synth

    folder = synth.write_csv_folder(synth.generate(150, seed=3), tmp_path / "plaju")
    monkeypatch.setattr(datasets, "demo_path", lambda: folder)
    out = tmp_path / "demo.json"
    result = invoke("demo", "--out", out)
    assert_clean_exit(result, 0)
    assert "before" in result.stdout and "after" in result.stdout and "balance B" in result.stdout
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["summary"]["status"] == "optimal"
    assert doc["summary"]["employees"] == 150


@pytest.mark.xfail(not DEMO_PRESENT, strict=True, reason=DEMO_MISSING)
def test_demo_in_process_writes_plan(tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    result = invoke("demo", "--out", out, "--quiet")
    assert_clean_exit(result, 0)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["summary"]["employees"] == 600
    assert doc["summary"]["status"] == "optimal"
    assert doc["summary"]["balance_after"] < doc["summary"]["balance_before"]


def test_help_lists_commands() -> None:
    result = invoke("--help")
    assert_clean_exit(result, 0)
    for cmd in ("demo", "plan", "check", "abk"):
        assert cmd in result.stdout
    result = invoke()
    assert result.exit_code in (0, 2)
    assert "plan" in result.output


# --------------------------------------------------------------------------- why-not and frontier
#
# The command line is tested against stand-ins for ``why_not`` and ``frontier`` (what it passes
# on, how it prints, its exit codes), then end to end on the real functions.


@dataclass
class FakeWhyNot:
    employee_id: str
    target: str
    target_kind: str
    verdict: str
    rules: list[tuple[str, str]]
    objective_plan: float
    objective_forced: float
    cost: float
    terms: dict[str, tuple[float, float]]
    status: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FakeFrontier:
    points: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {"points": self.points.to_dict(orient="records")}

    def write(self, path: Path) -> Path:
        Path(path).write_text(json.dumps(self.to_dict()), encoding="utf-8")
        return Path(path)


@pytest.fixture
def fake_decision(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Install stand-ins for ``why_not`` and ``frontier``; returns the calls they receive."""
    from asn_balance.model.errors import InputError, InputProblem

    calls: list[dict[str, Any]] = []

    def why_not(problem: Any, plan: Any, employee_id: str, target: str, *, time_limit: float | None = None,
                lang: str = "id") -> FakeWhyNot:  # fmt: skip
        calls.append({"problem": problem, "plan": plan, "employee_id": employee_id, "target": target,
                      "time_limit": time_limit, "lang": lang})  # fmt: skip
        if employee_id == "nobody":
            raise InputError([InputProblem("employees", None, "employee_id", employee_id, "unknown_employee",
                                           "no such employee")])  # fmt: skip
        if employee_id == CPNS:
            return FakeWhyNot(employee_id, target, "position", "forbidden",
                              [("cpns_stays", "a CPNS does not move")], 3.0, math.nan, math.nan, {},
                              "forbidden", "Eka tidak boleh dipindah")  # fmt: skip
        return FakeWhyNot(employee_id, target, "position", "costly", [], 1.0, 2.5, 1.5,
                          {"balance": (0.7, 2.1), "moves": (3.0, 4.0), "preference": (0.25, 0.25)},
                          "optimal", "Forcing it costs 1.5")  # fmt: skip

    def frontier(problem: Any, budgets: list[int], *, time_limit: float | None = None, seed: int = 0,
                 progress: Any = None) -> FakeFrontier:  # fmt: skip
        calls.append({"problem": problem, "budgets": budgets, "time_limit": time_limit, "seed": seed})
        status = "infeasible" if problem.policy.min_months_in_position == 599 else "optimal"
        points = pd.DataFrame(
            {
                "budget": budgets,
                "moves": [min(b, 3) for b in budgets],
                "balance": [10.0 - min(b, 3) for b in budgets],
                "bound": [10.0 - min(b, 3) for b in budgets],
                "objective": [10.0 - 0.9 * min(b, 3) for b in budgets],
                "status": [status] * len(budgets),
                "seconds": [0.01] * len(budgets),
            }
        )
        return FakeFrontier(points)

    import asn_balance.analysis.frontier
    import asn_balance.analysis.why_not

    # the commands import the functions when they run, from these modules
    monkeypatch.setattr(asn_balance.analysis.why_not, "why_not", why_not)
    monkeypatch.setattr(asn_balance.analysis.frontier, "frontier", frontier)
    return calls


def test_why_not_costly_prints_changed_terms(fake_decision: list[dict[str, Any]], tmp_path: Path,
                                             data: Path) -> None:  # fmt: skip
    plan = tmp_path / "plan.json"
    result = invoke(
        "why-not", data, plan, E[0], "P2", "--time-limit", "5", "--lang", "en", "--max-moves", "4"
    )
    assert_clean_exit(result, 0)
    (call,) = fake_decision
    assert (call["plan"], call["employee_id"], call["target"]) == (plan, E[0], "P2")
    assert (call["time_limit"], call["lang"]) == (5.0, "en")
    assert call["problem"].policy.max_moves == 4
    out = result.stdout
    assert "Forcing it costs 1.5" in out
    assert re.search(r"balance\s.*0\.7\s.*2\.1\s.*\+1\.4", out), out
    assert re.search(r"objective\s.*1\s.*2\.5\s.*\+1\.5", out), out
    assert "preference" not in out  # unchanged terms are not shown
    assert "costly" in out


def test_why_not_forbidden_json_and_unknown(fake_decision: list[dict[str, Any]], tmp_path: Path,
                                            data: Path) -> None:  # fmt: skip
    plan = tmp_path / "plan.json"
    result = invoke("why-not", data, plan, CPNS, "P1")
    assert_clean_exit(result, 0)
    assert "Eka tidak boleh dipindah" in result.stdout and "[cpns_stays]" in result.stdout
    result = invoke("why-not", data, plan, CPNS, "P1", "--json")
    assert_clean_exit(result, 0)
    doc = json.loads(result.stdout)
    assert doc["verdict"] == "forbidden" and doc["cost"] is None
    assert doc["rules"] == [["cpns_stays", "a CPNS does not move"]]
    result = invoke("why-not", data, plan, "nobody", "P1")
    assert_clean_exit(result, 2)
    assert "[unknown_employee]" in result.stderr and "nobody" in result.stderr
    assert_clean_exit(invoke("why-not", data, plan, E[0], "P2", "--lang", "fr"), 2)
    assert_clean_exit(invoke("why-not", tmp_path / "nowhere", plan, E[0], "P2"), 2)


@pytest.mark.parametrize("budgets", ["", " , ", "0,x", "-1", "1.5", "0,,2"])
def test_frontier_bad_budgets_exit_2(fake_decision: list[dict[str, Any]], data: Path, budgets: str) -> None:
    result = invoke("frontier", data, "--budgets", budgets)
    assert_clean_exit(result, 2)
    assert "--budgets" in result.stderr and "[invalid_option]" in result.stderr
    assert fake_decision == []


def test_frontier_reports_every_bad_budget(fake_decision: list[dict[str, Any]], data: Path) -> None:
    result = invoke("frontier", data, "--budgets", "0,x,-2,5")
    assert_clean_exit(result, 2)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and "'x'" in lines[0] and "'-2'" in lines[1]


def test_frontier_prints_and_writes(fake_decision: list[dict[str, Any]], tmp_path: Path, data: Path) -> None:
    out = tmp_path / "frontier.json"
    args = ("--budgets", "5, 0,1,1", "--time-limit", "2", "--seed", "4", "--out", out, "--allow-pppk")
    result = invoke("frontier", data, *args)
    assert_clean_exit(result, 0)
    (call,) = fake_decision
    assert call["budgets"] == [0, 1, 5] and call["time_limit"] == 2.0 and call["seed"] == 4
    assert call["problem"].policy.allow_pppk is True
    for word in ("budget", "moves", "balance", "bound", "objective", "status", "seconds", "optimal"):
        assert word in result.stdout
    assert "7.0000" in result.stdout  # balance at budget 5
    assert [p["budget"] for p in json.loads(out.read_text(encoding="utf-8"))["points"]] == [0, 1, 5]
    csv = tmp_path / "frontier.csv"
    assert_clean_exit(invoke("frontier", data, "--budgets", "0,2", "--out", csv, "--quiet"), 0)
    assert list(pd.read_csv(csv)["budget"]) == [0, 2]


def test_frontier_exit_codes(fake_decision: list[dict[str, Any]], data: Path) -> None:
    result = invoke("frontier", data, "--budgets", "0,1", "--min-months", "599")
    assert_clean_exit(result, 1)
    assert "no plan" in result.stderr
    result = invoke("frontier", data, "--budgets", "0,1", "--lexicographic")
    assert_clean_exit(result, 2)
    assert "lexicographic" in result.stderr
    result = invoke("frontier", data, "--budgets", "0,1", "--max-moves", "3")
    assert_clean_exit(result, 0)
    assert "replaced" in result.stderr


def test_why_not_end_to_end(tmp_path: Path, data: Path) -> None:
    plan = tmp_path / "plan.json"
    assert_clean_exit(invoke("plan", data, "--out", plan, "--quiet"), 0)
    forbidden = invoke("why-not", data, plan, CPNS, "P1", "--json")
    assert_clean_exit(forbidden, 0)
    doc = json.loads(forbidden.stdout)
    assert doc["verdict"] == "forbidden" and doc["employee_id"] == CPNS and doc["target"] == "P1"
    assert "cpns_stays" in [r["rule"] for r in doc["rules"]]
    in_plan = json.loads(invoke("why-not", data, plan, E[1], "P1", "--json").stdout)
    assert in_plan["verdict"] == "in_plan"
    costly = invoke("why-not", data, plan, E[0], "P2", "--lang", "en")
    assert_clean_exit(costly, 0)
    assert "costly" in costly.stdout
    doc = json.loads(invoke("why-not", data, plan, E[0], "P2", "--json").stdout)
    assert doc["verdict"] == "costly" and doc["cost"] > 0
    assert doc["cost"] == pytest.approx(doc["objective_forced"] - doc["objective_plan"], rel=1e-9)
    for args in ((data, plan, "999", "P1"), (data, plan, E[0], "P99")):
        result = invoke("why-not", *args)
        assert_clean_exit(result, 2)
        assert args[2] in result.stderr or "P99" in result.stderr


def test_frontier_end_to_end(tmp_path: Path, data: Path) -> None:
    out = tmp_path / "frontier.json"
    result = invoke("frontier", data, "--budgets", "0,1,3", "--out", out, "--time-limit", "10")
    assert_clean_exit(result, 0)
    points = json.loads(out.read_text(encoding="utf-8"))["points"]
    assert [p["budget"] for p in points] == [0, 1, 3]
    assert all(p["moves"] <= p["budget"] for p in points)
    assert set(points[0]) >= {"budget", "moves", "balance", "bound", "objective", "status", "seconds"}
    balance = [p["balance"] for p in points]
    assert balance == pytest.approx([B_BEFORE, 5.0 + B_BEFORE - 11.25, B_BEFORE - 11.25], rel=1e-9)
