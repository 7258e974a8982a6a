"""Tests of the plan outputs: ``Result.write`` to JSON, Excel and a CSV folder.

What is written is read back and compared with :meth:`Result.to_frames` /
:meth:`Result.to_dict`; the column names are the published contract; the EJ bands and
directions are recomputed here from workload, staff and WKE; writes are atomic and the
JSON is strict (no ``NaN``/``Infinity``).

The data: an Analis pair (P1 under-, P2 over-staffed, so the plan moves people), one
position per EJ band A..E and the band edges 1.00, 0.90, 0.70 and 0.50 (each with a
jabatan of its own, so nobody moves there), a vacancy (workload, no staff: EJ infinite)
and an empty position (no workload, no staff: EJ undefined).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from asn_balance import Policy, Problem, Result, check, solve

WKE = 1250.0

MOVES_CONTRACT = ["employee_id", "from_position", "to_position", "from_unit", "to_unit", "reason"]
POSITIONS_CONTRACT = [
    "position_id", "unit_id", "jabatan", "workload_hours", "need_fte", "staff_before", "staff_after",
    "ej_before", "ej_after", "band_before", "band_after",
]  # fmt: skip
UNITS_CONTRACT = [
    "unit_id", "workload_hours", "need_fte", "staff_before", "staff_after", "eu_before", "eu_after",
    "band_before", "band_after",
]  # fmt: skip
SUMMARY_CONTRACT = ["status", "objective", "bound", "gap", "seconds", "moves"]
SHEETS = ["summary", "moves", "positions", "units"]

_serial = iter(range(1, 1000))


def _nip() -> str:
    return f"198001012005011{next(_serial):03d}"


def _tables() -> dict[str, pd.DataFrame]:
    """Positions ``(id, unit, jabatan, workload, staff)`` and their employees (all movable PNS)."""
    spec = [
        ("P1", "U1", "Analis", 5000, 1),
        ("P2", "U2", "Analis", 1250, 4),
        ("BA", "U1", "Jabatan A", 3000, 2),  # EJ 1.20
        ("BB", "U1", "Jabatan B", 2375, 2),  # EJ 0.95
        ("B100", "U2", "Jabatan B100", 2500, 2),  # EJ 1.00 -> B
        ("B090", "U2", "Jabatan B090", 2250, 2),  # EJ 0.90 -> B
        ("BC", "U2", "Jabatan C", 2000, 2),  # EJ 0.80
        ("C070", "U2", "Jabatan C070", 1750, 2),  # EJ 0.70 -> C
        ("C089", "U3", "Jabatan C089", 2225, 2),  # EJ 0.89 -> C
        ("BD", "U3", "Jabatan D", 1500, 2),  # EJ 0.60
        ("D050", "U3", "Jabatan D050", 1250, 2),  # EJ 0.50 -> D
        ("D069", "U3", "Jabatan D069", 1725, 2),  # EJ 0.69 -> D
        ("BE", "U3", "Jabatan E", 1000, 2),  # EJ 0.40
        ("VAC", "U4", "Pranata Komputer", 1250, 0),  # vacancy: EJ inf
        ("NIL", "U4", "Bendahara", 0, 0),  # nothing: EJ nan
    ]
    positions = pd.DataFrame(
        {
            "position_id": [s[0] for s in spec],
            "unit_id": [s[1] for s in spec],
            "unit_name": [f"Unit {s[1]}" for s in spec],
            "jabatan": [s[2] for s in spec],
            "workload_hours": [str(s[3]) for s in spec],
        }
    )
    rows = [(pid, k) for pid, _, _, _, staff in spec for k in range(staff)]
    employees = pd.DataFrame(
        {
            "employee_id": [_nip() for _ in rows],
            "name": [f"Pegawai {pid}-{k}" for pid, k in rows],
            "position_id": [pid for pid, _ in rows],
            "status": "PNS",
            "grade": "III/a",
            "education": "S1",
            "months_in_position": "36",
        }
    )
    return {"employees": employees, "positions": positions}


@pytest.fixture(scope="module")
def problem() -> Problem:
    t = _tables()
    return Problem.from_frames(t["employees"], t["positions"])


@pytest.fixture(scope="module")
def result(problem: Problem) -> Result:
    r = solve(problem)
    assert r.status == "optimal"
    assert r.n_moves == 3
    return r


def band(ej: float) -> str:
    """The published band of an EJ value (two decimals, as published)."""
    if math.isnan(ej):
        return "-"
    x = round(ej, 2) if math.isfinite(ej) else ej
    if x > 1.0:
        return "A"
    if x >= 0.9:
        return "B"
    if x >= 0.7:
        return "C"
    if x >= 0.5:
        return "D"
    return "E"


def strict_json(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def no_temp_files(folder: Path) -> None:
    left = [p.name for p in folder.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".")]
    assert left == []


def is_subsequence(names: list[str], columns: list[str]) -> bool:
    it = iter(columns)
    return all(n in it for n in names)


def _finite(df: pd.DataFrame) -> pd.DataFrame:
    """Infinite floats as NaN (JSON and Excel have no infinity)."""
    return df.replace([np.inf, -np.inf], np.nan)


def _same(read: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        read.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False, check_exact=False
    )


# --------------------------------------------------------------------------- contract


def test_column_contract(result: Result) -> None:
    frames = result.to_frames()
    assert list(frames) == SHEETS
    assert is_subsequence(MOVES_CONTRACT, list(frames["moves"].columns)), list(frames["moves"].columns)
    assert is_subsequence(POSITIONS_CONTRACT, list(frames["positions"].columns))
    assert {"direction_before", "direction_after"} <= set(frames["positions"].columns)
    assert frames["units"].columns[0] == "unit_id"
    assert {*UNITS_CONTRACT, "direction_before", "direction_after", "unit_name"} <= set(
        frames["units"].columns
    )
    assert list(frames["summary"].columns) == ["key", "value"]
    keys = list(frames["summary"]["key"])
    assert is_subsequence(SUMMARY_CONTRACT, keys)
    summary = result.summary()
    assert set(SUMMARY_CONTRACT) <= set(summary)
    assert summary["moves"] == 3 and summary["status"] == "optimal"
    assert summary["objective"] == pytest.approx(result.objective)
    assert summary["bound"] <= summary["objective"] + 1e-9
    assert 0.0 <= summary["gap"] <= 1e-6


def test_empty_moves_keep_their_columns(problem: Problem, tmp_path: Path) -> None:
    r = solve(problem.with_policy(move_cost=1000.0))
    assert r.n_moves == 0
    assert is_subsequence(MOVES_CONTRACT, list(r.moves.columns))
    r.write(tmp_path / "plan")
    header = (tmp_path / "plan" / "moves.csv").read_text(encoding="utf-8").splitlines()
    assert len(header) == 1 and is_subsequence(MOVES_CONTRACT, header[0].split(","))
    r.write(tmp_path / "plan.xlsx")
    ws = load_workbook(tmp_path / "plan.xlsx")["moves"]
    assert is_subsequence(MOVES_CONTRACT, [c.value for c in ws[1]]) and ws.max_row == 1
    r.write(tmp_path / "plan.json")
    assert strict_json((tmp_path / "plan.json").read_text(encoding="utf-8"))["moves"] == []


# --------------------------------------------------------------------------- metrics


def test_positions_metrics_and_bands(problem: Problem, result: Result) -> None:
    pos = result.positions.set_index("position_id")
    work = {r.position_id: float(r.workload_hours) for r in problem.positions.itertuples()}
    staff = problem.employees["position_id"].value_counts()
    expected_band = {
        "BA": "A", "BB": "B", "B100": "B", "B090": "B", "BC": "C", "C070": "C", "C089": "C",
        "BD": "D", "D050": "D", "D069": "D", "BE": "E", "VAC": "A", "NIL": "-", "P1": "A", "P2": "E",
    }  # fmt: skip
    assert pos["band_before"].to_dict() == expected_band
    for pid, row in pos.iterrows():
        n = int(staff.get(pid, 0))
        w = work[str(pid)]
        assert row["workload_hours"] == pytest.approx(w)
        assert row["need_fte"] == pytest.approx(w / WKE)
        assert row["staff_before"] == n
        for when in ("before", "after"):
            s = int(row[f"staff_{when}"])
            ej = row[f"ej_{when}"]
            if s == 0 and w == 0:
                assert math.isnan(ej)
            elif s == 0:
                assert ej == math.inf
            else:
                assert ej == pytest.approx(w / (s * WKE))
            assert row[f"band_{when}"] == band(ej)
            gap = s - w / WKE
            want = "kurang" if gap < -0.05 else "lebih" if gap > 0.05 else "pas"
            assert row[f"direction_{when}"] == want
            if want == "kurang":
                assert ej > 1.0  # EJ above 1 means under-staffed
            if want == "lebih":
                assert ej < 1.0
    # the plan: three Analis from P2 to P1, nothing else changes
    assert pos.loc["P1", "staff_after"] == 4 and pos.loc["P2", "staff_after"] == 1
    assert pos.loc["P1", "band_after"] == "B" and pos.loc["P1", "direction_after"] == "pas"
    others = pos.drop(index=["P1", "P2"])
    assert (others["staff_after"] == others["staff_before"]).all()


def test_units_metrics(result: Result) -> None:
    pos = result.positions
    units = result.units.set_index("unit_id")
    agg = pos.groupby("unit_id")[["workload_hours", "need_fte", "staff_before", "staff_after"]].sum()
    assert sorted(units.index) == sorted(agg.index)
    for uid, row in units.iterrows():
        a = agg.loc[uid]
        assert row["workload_hours"] == pytest.approx(a["workload_hours"])
        assert row["need_fte"] == pytest.approx(a["workload_hours"] / WKE)
        for when in ("before", "after"):
            s = int(row[f"staff_{when}"])
            assert s == a[f"staff_{when}"]
            eu = a["workload_hours"] / (s * WKE) if s else math.inf
            assert row[f"eu_{when}"] == pytest.approx(eu)
            assert row[f"band_{when}"] == band(eu)
    assert units.loc["U4", "eu_before"] == math.inf and units.loc["U4", "band_before"] == "A"
    assert units.loc["U4", "direction_before"] == "kurang"


def test_moves_table(problem: Problem, result: Result) -> None:
    mv = result.moves
    emp = problem.employees.set_index("employee_id")
    pos = problem.positions.set_index("position_id")
    assert mv["employee_id"].is_unique
    for r in mv.itertuples():
        assert emp.loc[r.employee_id, "position_id"] == r.from_position
        assert pos.loc[r.from_position, "unit_id"] == r.from_unit
        assert pos.loc[r.to_position, "unit_id"] == r.to_unit
        assert r.from_position == "P2" and r.to_position == "P1"
        assert isinstance(r.reason, str) and r.reason
    assert check(problem, result).ok


# --------------------------------------------------------------------------- JSON


def test_write_json_round_trip(result: Result, tmp_path: Path) -> None:
    path = result.write(tmp_path / "out" / "plan.json")
    assert path == tmp_path / "out" / "plan.json"
    text = path.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    doc = strict_json(text)
    assert list(doc) == SHEETS
    frames = result.to_frames()
    summary = doc["summary"]
    assert is_subsequence(SUMMARY_CONTRACT, list(summary))
    assert summary == strict_json(json.dumps(result.summary(), allow_nan=False))
    _same(pd.DataFrame(doc["moves"]), frames["moves"])
    for name in ("positions", "units"):
        read = pd.DataFrame(doc[name])
        assert list(read.columns) == list(frames[name].columns)
        _same(read.fillna(np.nan).infer_objects(), _finite(frames[name]))
    # the vacancy's EJ (infinite) and the empty position's (undefined) are null
    by = {p["position_id"]: p for p in doc["positions"]}
    assert by["VAC"]["ej_before"] is None and by["NIL"]["ej_before"] is None
    assert by["VAC"]["band_before"] == "A" and by["NIL"]["band_before"] == "-"
    assert doc == strict_json(result.to_json())
    no_temp_files(tmp_path)


def test_json_of_infeasible_result_is_strict(problem: Problem, tmp_path: Path) -> None:
    t = _tables()
    t["positions"]["min_staff"] = ["9" if p == "P1" else "0" for p in t["positions"]["position_id"]]
    r = solve(Problem.from_frames(t["employees"], t["positions"]))
    assert r.status == "infeasible"
    assert any("P1" in d and "min_staff" in d for d in r.diagnosis)
    r.write(tmp_path / "inf.json")
    doc = strict_json((tmp_path / "inf.json").read_text(encoding="utf-8"))
    assert doc["summary"]["status"] == "infeasible"
    assert doc["summary"]["objective"] is None and doc["summary"]["gap"] is None
    assert doc["moves"] == []
    assert doc["summary"]["diagnosis"] == r.diagnosis


# --------------------------------------------------------------------------- Excel


def test_write_xlsx_round_trip(result: Result, tmp_path: Path) -> None:
    path = result.write(tmp_path / "plan.xlsx")
    assert load_workbook(path, read_only=True).sheetnames == SHEETS
    frames = result.to_frames()
    read = pd.read_excel(path, sheet_name=None, dtype={"employee_id": str, "value": str})
    assert list(read) == SHEETS
    read["summary"] = pd.read_excel(path, sheet_name="summary", dtype=str, keep_default_na=False)
    for name in SHEETS:
        assert list(read[name].columns) == list(frames[name].columns), name
    _same(read["summary"], frames["summary"])
    _same(read["moves"], frames["moves"])
    for name in ("positions", "units"):
        got = read[name]
        want = _finite(frames[name])
        _same(got, want)
    no_temp_files(tmp_path)


# --------------------------------------------------------------------------- CSV folder


@pytest.mark.parametrize("name", ["plan", "plan_dir.out", "PLAN.Folder"])
def test_write_folder_round_trip(result: Result, tmp_path: Path, name: str) -> None:
    path = result.write(tmp_path / name)
    assert path.is_dir()
    assert sorted(p.name for p in path.iterdir()) == sorted(f"{s}.csv" for s in SHEETS)
    frames = result.to_frames()
    for sheet in SHEETS:
        read = pd.read_csv(path / f"{sheet}.csv", dtype={"employee_id": str, "value": str},
                           keep_default_na=sheet != "summary")  # fmt: skip
        assert list(read.columns) == list(frames[sheet].columns), sheet
        _same(read, frames[sheet])
    no_temp_files(tmp_path)


def test_write_suffix_case_insensitive(result: Result, tmp_path: Path) -> None:
    result.write(tmp_path / "PLAN.JSON")
    assert list(strict_json((tmp_path / "PLAN.JSON").read_text(encoding="utf-8"))) == SHEETS
    result.write(tmp_path / "PLAN.XLSX")
    assert load_workbook(tmp_path / "PLAN.XLSX", read_only=True).sheetnames == SHEETS


def test_write_csv_suffix_gives_folder(result: Result, tmp_path: Path) -> None:
    path = result.write(tmp_path / "plan.csv")
    assert (path / "moves.csv").is_file()


# --------------------------------------------------------------------------- atomic writes


@pytest.mark.parametrize("name", ["plan.json", "plan.xlsx", "plan"])
def test_overwrite_is_atomic(
    result: Result, tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / name
    result.write(target)
    files = sorted(target.rglob("*")) if target.is_dir() else [target]
    before = {p: p.read_bytes() for p in files}
    result.write(target)  # a plain overwrite works
    assert {p: p.read_bytes() for p in files}.keys() == before.keys()

    def refuse(src: Any, dst: Any) -> None:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="simulated"):
        result.write(target)
    monkeypatch.undo()
    # the old files are intact and no temporary file is left behind
    assert {p: p.read_bytes() for p in files} == before
    no_temp_files(tmp_path)


def test_failed_json_write_keeps_old_file(
    result: Result, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "plan.json"
    target.write_text('{"old": true}\n', encoding="utf-8")

    def refuse(src: Any, dst: Any) -> None:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="simulated"):
        result.write(target)
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == '{"old": true}\n'
    no_temp_files(tmp_path)


def test_other_policy_values_in_summary(problem: Problem, tmp_path: Path) -> None:
    r = solve(problem.with_policy(Policy(effective_hours=1200.0, move_cost=0.0)))
    r.write(tmp_path / "p.json")
    doc = strict_json((tmp_path / "p.json").read_text(encoding="utf-8"))
    assert doc["summary"]["policy"]["effective_hours"] == 1200.0
    need = {p["position_id"]: p["need_fte"] for p in doc["positions"]}
    assert need["P1"] == pytest.approx(5000 / 1200)
