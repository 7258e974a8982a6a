"""Tests of :mod:`asn_balance.io`: reading CSV folders, workbooks and JSON; atomic writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from asn_balance.io import atomic_write_bytes, atomic_write_text, read_plan, read_tables, write_frames
from asn_balance.model.errors import InputError
from asn_balance.model.tables import validate_tables

NIP1 = "198001012005011001"
NIP2 = "198502142010012003"

EMPLOYEES_CSV = f"""employee_id,name,position_id,status,grade,months_in_position,locked
{NIP1},Budi,P1,PNS,III/b,36,
{NIP2},Ani,P2,PNS,31,"12,5",ya
"""
POSITIONS_CSV = """position_id,unit_id,unit_name,jabatan,workload_hours,max_staff
P1,U1,Bagian Umum,Analis,2500,
P2,U1,Bagian Umum,Analis,"1.250,5",2
"""


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def csv_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    write(folder / "employees.csv", EMPLOYEES_CSV)
    write(folder / "positions.csv", POSITIONS_CSV)
    return folder


def rules_of(exc: pytest.ExceptionInfo[InputError]) -> list[tuple[str, str]]:
    return [(p.table, p.rule) for p in exc.value.problems]


# --------------------------------------------------------------------------- CSV


def test_csv_folder_is_read_as_text(tmp_path: Path) -> None:
    raw = read_tables(csv_folder(tmp_path))
    assert set(raw) == {"employees", "positions"}
    emp = raw["employees"]
    assert emp["employee_id"].tolist() == [NIP1, NIP2]
    assert emp["locked"].tolist() == ["", "ya"]
    assert emp["months_in_position"].tolist() == ["36", "12,5"]
    assert all(pd.api.types.is_string_dtype(t) for t in emp.dtypes)
    tables = validate_tables(raw)
    assert tables.employees["employee_id"].tolist() == [NIP1, NIP2]
    assert tables.employees["months_in_position"].tolist() == [36.0, 12.5]
    assert tables.positions["workload_hours"].tolist() == [2500.0, 1250.5]


def test_semicolon_csv_with_bom_and_crlf(tmp_path: Path) -> None:
    folder = tmp_path / "bom"
    emp = EMPLOYEES_CSV.replace(",", ";").replace('"12;5"', "12,5").replace("\n", "\r\n")
    pos = POSITIONS_CSV.replace(",", ";").replace('"1.250;5"', "1.250,5")
    write(folder / "employees.csv", "\ufeff" + emp)
    write(folder / "positions.csv", "\ufeff" + pos)
    raw = read_tables(folder)
    assert raw["employees"].columns[0] == "employee_id"
    tables = validate_tables(raw)
    assert tables.employees["employee_id"].tolist() == [NIP1, NIP2]
    assert tables.employees["months_in_position"].tolist() == [36.0, 12.5]
    assert tables.positions["workload_hours"].tolist() == [2500.0, 1250.5]


def test_latin1_fallback(tmp_path: Path) -> None:
    folder = csv_folder(tmp_path)
    write(
        folder / "positions.csv", POSITIONS_CSV.replace("Bagian Umum", "Dinas Caf\u00e9"), encoding="latin-1"
    )
    tables = validate_tables(read_tables(folder))
    assert tables.positions["unit_name"].tolist() == ["Dinas Caf\u00e9"] * 2


def test_optional_tables_and_case_insensitive_names(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    write(folder / "Employees.CSV", EMPLOYEES_CSV)
    write(folder / "positions.csv", POSITIONS_CSV)
    write(folder / "tasks.csv", "position_id,task,volume,period,norm_minutes\nP1,Rapat,2,minggu,60\n")
    write(folder / "units.csv", "unit_id,unit_name\nU1,Bagian Umum\n")
    raw = read_tables(folder)
    assert set(raw) == {"employees", "positions", "tasks", "units"}
    assert validate_tables(raw).tasks["period"].tolist() == ["minggu"]


def test_blank_lines_keep_row_numbers(tmp_path: Path) -> None:
    folder = csv_folder(tmp_path)
    lines = EMPLOYEES_CSV.splitlines()
    lines.insert(2, "")
    lines.insert(3, ",,,,,,")
    write(folder / "employees.csv", "\n".join(lines).replace("Ani,P2,PNS", "Ani,P2,honorer") + "\n")
    with pytest.raises(InputError) as info:
        validate_tables(read_tables(folder))
    ((problem),) = info.value.problems
    assert (problem.table, problem.row, problem.column, problem.rule) == (
        "employees",
        5,
        "status",
        "invalid_status",
    )


def test_missing_file_and_source(tmp_path: Path) -> None:
    folder = tmp_path / "only"
    write(folder / "employees.csv", EMPLOYEES_CSV)
    with pytest.raises(InputError) as info:
        read_tables(folder)
    assert rules_of(info) == [("positions", "missing_table")]
    assert "positions.csv" in str(info.value)
    with pytest.raises(InputError) as info:
        read_tables(tmp_path / "nowhere")
    assert rules_of(info) == [("source", "missing_table")]
    with pytest.raises(InputError) as info:
        read_tables(tmp_path / "nothing")
    assert "nothing" in str(info.value)


def test_ragged_csv_is_unreadable(tmp_path: Path) -> None:
    folder = csv_folder(tmp_path)
    write(folder / "positions.csv", 'position_id,unit_id\nP1,U1\nP2,U1,x,y\n"P3,U1\n')
    with pytest.raises(InputError) as info:
        read_tables(folder)
    assert rules_of(info) == [("positions", "unreadable_file")]


def test_empty_csv_gives_empty_table(tmp_path: Path) -> None:
    folder = csv_folder(tmp_path)
    write(folder / "employees.csv", "")
    raw = read_tables(folder)
    assert raw["employees"].shape == (0, 0)
    with pytest.raises(InputError) as info:
        validate_tables(raw)
    assert ("employees", "empty_table") in rules_of(info)


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = write(tmp_path / "data.txt", "x")
    with pytest.raises(InputError) as info:
        read_tables(path)
    assert rules_of(info) == [("source", "unreadable_file")]


def test_mapping_source_is_shallow_copied() -> None:
    frames = {"employees": pd.DataFrame({"a": [1]}), "positions": pd.DataFrame({"b": [2]})}
    out = read_tables(frames)
    assert out is not frames
    assert out == frames
    assert out["employees"] is frames["employees"]


# --------------------------------------------------------------------------- Excel


def test_excel_round_trip(tmp_path: Path) -> None:
    tables = validate_tables(read_tables(csv_folder(tmp_path)))
    frames = {"employees": tables.employees, "positions": tables.positions, "tasks": tables.tasks}
    path = write_frames(frames, tmp_path / "out.xlsx")
    assert path == tmp_path / "out.xlsx"
    raw = read_tables(path)
    assert raw["employees"]["employee_id"].tolist() == [NIP1, NIP2]
    again = validate_tables(raw)
    pd.testing.assert_frame_equal(again.employees, tables.employees)
    pd.testing.assert_frame_equal(again.positions, tables.positions)
    assert len(again.tasks) == 0
    wb = load_workbook(path)
    assert wb.sheetnames == ["employees", "positions", "tasks"]
    ws = wb["employees"]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width >= len(NIP1)


def test_excel_sheet_names_case_insensitive_and_formula_text(tmp_path: Path) -> None:
    emp = pd.DataFrame({"NIP": [NIP1], "Nama": ["=HYPERLINK(1)"], "Posisi": ["P1"], "Status": ["PNS"],
                        "Masa Jabatan Bulan": [24], "Kunci": [True]})  # fmt: skip
    pos = pd.DataFrame(
        {"Kode Posisi": ["P1"], "Unor ID": ["U1"], "Nama Jabatan": ["Analis"], "Beban Kerja": [1250.5]}
    )
    path = write_frames({"Pegawai": emp.iloc[:0], "Employees": emp, "POSITIONS": pos}, tmp_path / "book.xlsx")
    tables = validate_tables(read_tables(path))
    assert tables.employees["name"].tolist() == ["=HYPERLINK(1)"]
    assert tables.employees["locked"].tolist() == [True]
    assert tables.employees["employee_id"].tolist() == [NIP1]
    assert tables.positions["workload_hours"].tolist() == [1250.5]


def test_excel_reads_values_not_formulas(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "employees"
    ws.append(["employee_id", "months_in_position"])
    ws.append(["E1", "=12*2"])
    wb.create_sheet("positions").append(["position_id"])
    path = tmp_path / "formula.xlsx"
    wb.save(path)
    # openpyxl stores no cached value: the cell would read as blank, so it is an error naming it
    with pytest.raises(InputError) as info:
        read_tables(path)
    assert [(p.table, p.row, p.value, p.rule) for p in info.value.problems] == [
        ("employees", 2, "employees!B2", "formula_without_value")
    ]


def test_excel_missing_sheet_and_bad_file(tmp_path: Path) -> None:
    path = write_frames({"employees": pd.DataFrame({"a": ["1"]})}, tmp_path / "one.xlsx")
    with pytest.raises(InputError) as info:
        read_tables(path)
    assert rules_of(info) == [("positions", "missing_table")]
    assert "one.xlsx" in str(info.value)
    bad = write(tmp_path / "bad.xlsx", "not a zip")
    with pytest.raises(InputError) as info:
        read_tables(bad)
    assert [p.rule for p in info.value.problems] == ["unreadable_file"]


def test_excel_number_nip_flagged(tmp_path: Path) -> None:
    emp = pd.DataFrame({"employee_id": [float(NIP1)], "position_id": ["P1"], "status": ["PNS"],
                        "months_in_position": [1]})  # fmt: skip
    pos = pd.DataFrame({"position_id": ["P1"], "unit_id": ["U1"], "jabatan": ["A"], "workload_hours": [1]})
    path = write_frames({"employees": emp, "positions": pos}, tmp_path / "nip.xlsx")
    with pytest.raises(InputError) as info:
        validate_tables(read_tables(path))
    (problem,) = info.value.problems
    assert (problem.table, problem.row, problem.column, problem.rule) == (
        "employees",
        2,
        "employee_id",
        "nip_as_number",
    )
    assert "format the column as text" in problem.message


# --------------------------------------------------------------------------- JSON


def test_json_document(tmp_path: Path) -> None:
    doc = {
        "employees": [
            {"nip": int(NIP1), "nama": "Budi", "posisi": "P1", "status": "PNS", "masa_jabatan_bulan": 24,
             "kunci": None},
            {"nip": NIP2, "posisi": "P1", "status": "PNS", "masa_jabatan_bulan": 6.5, "kunci": True},
        ],
        "positions": [{"position_id": "P1", "unit_id": 7, "jabatan": "Analis", "workload_hours": 1250}],
        "tasks": None,
    }  # fmt: skip
    path = write(tmp_path / "in.json", json.dumps(doc))
    raw = read_tables(path)
    assert set(raw) == {"employees", "positions"}
    assert raw["employees"]["nip"].tolist() == [NIP1, NIP2]
    assert raw["employees"]["nama"].tolist() == ["Budi", ""]
    tables = validate_tables(raw)
    assert tables.employees["months_in_position"].tolist() == [24.0, 6.5]
    assert tables.employees["locked"].tolist() == [False, True]
    assert tables.positions["unit_id"].tolist() == ["7"]


def test_json_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_tables(write(tmp_path / "a.json", json.dumps({"employees": []})))
    assert rules_of(info) == [("positions", "missing_table")]
    with pytest.raises(InputError) as info:
        read_tables(write(tmp_path / "b.json", "{not json"))
    assert [p.rule for p in info.value.problems] == ["unreadable_file"]
    with pytest.raises(InputError) as info:
        read_tables(write(tmp_path / "c.json", json.dumps({"employees": "x", "positions": []})))
    assert rules_of(info) == [("employees", "unreadable_file")]


def test_write_json_with_extra(tmp_path: Path) -> None:
    moves = pd.DataFrame({"employee_id": [NIP1], "gap": [np.nan], "note": ["Perpindahan ke Dinas Caf\u00e9"]})
    path = write_frames(
        {"moves": moves}, tmp_path / "plan.json", json_extra={"summary": {"gap": np.float64(np.inf)}}
    )
    text = path.read_text(encoding="utf-8")
    assert "Caf\u00e9" in text
    doc = json.loads(text)
    assert list(doc) == ["summary", "moves"]
    assert doc["summary"] == {"gap": None}
    assert doc["moves"] == [{"employee_id": NIP1, "gap": None, "note": "Perpindahan ke Dinas Caf\u00e9"}]
    with pytest.raises(ValueError, match="moves"):
        write_frames({"moves": moves}, tmp_path / "x.json", json_extra={"moves": 1})


def test_json_round_trip(tmp_path: Path) -> None:
    tables = validate_tables(read_tables(csv_folder(tmp_path)))
    path = write_frames({"employees": tables.employees, "positions": tables.positions}, tmp_path / "t.json")
    again = validate_tables(read_tables(path))
    pd.testing.assert_frame_equal(again.employees, tables.employees)
    pd.testing.assert_frame_equal(again.positions, tables.positions)


# --------------------------------------------------------------------------- CSV writing and atomic writes


def test_write_csv_folder_round_trip(tmp_path: Path) -> None:
    tables = validate_tables(read_tables(csv_folder(tmp_path)))
    out = write_frames({"employees": tables.employees, "positions": tables.positions}, tmp_path / "out")
    assert sorted(p.name for p in out.iterdir()) == ["employees.csv", "positions.csv"]
    again = validate_tables(read_tables(out))
    pd.testing.assert_frame_equal(again.employees, tables.employees)
    pd.testing.assert_frame_equal(again.positions, tables.positions)


def test_write_single_csv(tmp_path: Path) -> None:
    path = write_frames(
        {"moves": pd.DataFrame({"employee_id": [NIP1], "to_position": ["P2"]})}, tmp_path / "m.csv"
    )
    assert path.read_text(encoding="utf-8") == f"employee_id,to_position\n{NIP1},P2\n"
    with pytest.raises(ValueError):
        write_frames({"a": pd.DataFrame(), "b": pd.DataFrame()}, tmp_path / "two.csv")


def test_atomic_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "sub" / "f.txt"
    assert atomic_write_text(target, "satu\n") == target
    atomic_write_bytes(target, b"dua\n")
    assert target.read_bytes() == b"dua\n"
    assert os.listdir(target.parent) == ["f.txt"]

    def boom(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(target, "tiga\n")
    assert target.read_text() == "dua\n"
    assert os.listdir(target.parent) == ["f.txt"]


# --------------------------------------------------------------------------- plans


def test_read_plan_sources(tmp_path: Path) -> None:
    moves = pd.DataFrame({"NIP": [NIP1, NIP2], "Posisi Tujuan": ["P2", "P1"], "reason": ["a", "b"]})
    expected = pd.DataFrame({"employee_id": [NIP1, NIP2], "to_position": ["P2", "P1"]}, dtype=object)
    json_path = write_frames({"moves": moves}, tmp_path / "plan.json", json_extra={"summary": {"n": 2}})
    xlsx_path = write_frames({"summary": pd.DataFrame({"n": [2]}), "Moves": moves}, tmp_path / "plan.xlsx")
    folder = write_frames({"moves": moves}, tmp_path / "plan")
    csv_path = write_frames({"moves": moves}, tmp_path / "moves.csv")
    for source in (json_path, xlsx_path, folder, csv_path, moves, {"moves": moves}):
        got = read_plan(source)
        pd.testing.assert_frame_equal(got, expected)
        assert all(type(v) is str for v in got["employee_id"])


def test_read_plan_aliases_and_blank_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", f"nip_baru;to_position_id\n{NIP1};P2\n;\n")
    got = read_plan(path)
    assert got.to_dict("records") == [{"employee_id": NIP1, "to_position": "P2"}]


def test_read_plan_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_plan(write(tmp_path / "a.csv", "employee_id,tujuan\nE1,P1\n"))
    assert [(p.table, p.column, p.rule) for p in info.value.problems] == [
        ("moves", "to_position", "missing_column")
    ]
    with pytest.raises(InputError) as info:
        read_plan(write(tmp_path / "b.csv", "employee_id,to_position\nE1,P1\nE1,P2\nE2,\n"))
    got = [(p.row, p.column, p.rule) for p in info.value.problems]
    assert got == [(3, "employee_id", "duplicate_id"), (4, "to_position", "missing_value")]
    with pytest.raises(InputError) as info:
        read_plan(write(tmp_path / "c.json", json.dumps({"summary": {}})))
    assert rules_of(info) == [("moves", "missing_table")]
    with pytest.raises(InputError) as info:
        read_plan(tmp_path / "none")
    assert rules_of(info) == [("moves", "missing_table")]
    with pytest.raises(InputError) as info:
        read_plan(write_frames({"other": pd.DataFrame({"a": [1]})}, tmp_path / "d.xlsx"))
    assert rules_of(info) == [("moves", "missing_table")]


def test_a_plan_where_nobody_moves_reads_back(tmp_path: Path) -> None:
    """A plan document with ``"moves": []`` (the standing plan) reads as an empty plan."""
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"summary": {"status": "feasible"}, "moves": []}), encoding="utf-8")
    plan = read_plan(path)
    assert len(plan) == 0
    assert {"employee_id", "to_position"} <= set(plan.columns)
