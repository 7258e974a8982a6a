"""Tests of :mod:`asn_balance.model.tables`: canonical columns, aliases, types, every problem at once."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from asn_balance.model.errors import InputError, InputProblem
from asn_balance.model.tables import TABLES, Tables, normalise_header, validate_tables

Raw = dict[str, pd.DataFrame]

NIP1 = "198001012005011001"
NIP2 = "198502142010012003"
NIP3 = "199003032015031002"


def text_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    """An all-text frame as read from CSV or Excel."""
    frame: pd.DataFrame = pd.DataFrame(rows, dtype=str)
    return frame


def raw_tables() -> Raw:
    """Small valid all-text tables: positions P1, P2 (tasks), P3; employees on P1 and P2."""
    positions = text_frame(
        [
            {"position_id": "P1", "unit_id": "U1", "unit_name": "Bagian Umum", "jabatan": "Analis SDM",
             "workload_hours": "2500", "min_staff": "1", "max_staff": "3", "min_grade": "III/a",
             "max_grade": "IV/b", "min_education": "S1", "required_competencies": "sdm:2"},
            {"position_id": "P2", "unit_id": "U1", "unit_name": "", "jabatan": "Pengadministrasi",
             "workload_hours": "", "min_staff": "", "max_staff": "", "min_grade": "",
             "max_grade": "", "min_education": "", "required_competencies": ""},
            {"position_id": "P3", "unit_id": "U2", "unit_name": "Dinas Kesehatan", "jabatan": "Analis SDM",
             "workload_hours": "1250", "min_staff": "0", "max_staff": "", "min_grade": "",
             "max_grade": "", "min_education": "", "required_competencies": ""},
        ]
    )  # fmt: skip
    employees = text_frame(
        [
            {"employee_id": NIP1, "name": "Budi", "position_id": "P1", "status": "PNS", "grade": "III/b",
             "education": "S1", "competencies": "sdm:3;keuangan:2", "months_in_position": "36",
             "locked": ""},
            {"employee_id": NIP2, "name": "Ani", "position_id": "P2", "status": "cpns", "grade": "",
             "education": "", "competencies": "", "months_in_position": "6", "locked": "ya"},
            {"employee_id": NIP3, "name": "Citra", "position_id": "P1", "status": "P3K", "grade": "32",
             "education": "D4", "competencies": "", "months_in_position": "12,5", "locked": "tidak"},
        ]
    )  # fmt: skip
    tasks = text_frame(
        [
            {"position_id": "P2", "task": "Mengarsip surat", "volume": "20", "period": "hari",
             "norm_minutes": "15"},
            {"position_id": "P2", "task": "Menyusun laporan", "volume": "1", "period": "Bulan",
             "norm_minutes": "240"},
        ]
    )  # fmt: skip
    return {"employees": employees, "positions": positions, "tasks": tasks}


def problems_of(raw: Raw) -> list[InputProblem]:
    with pytest.raises(InputError) as info:
        validate_tables(raw)
    return info.value.problems


def set_cell(table: str, row: int, column: str, value: Any) -> Callable[[Raw], None]:
    """Mutation setting one cell; ``row`` is the spreadsheet row (first data row = 2)."""

    def mutate(raw: Raw) -> None:
        frame = raw[table].copy()
        frame.loc[row - 2, column] = value
        raw[table] = frame

    return mutate


def drop_column(table: str, column: str) -> Callable[[Raw], None]:
    def mutate(raw: Raw) -> None:
        raw[table] = raw[table].drop(columns=[column])

    return mutate


def add_column(table: str, column: str, values: list[str]) -> Callable[[Raw], None]:
    def mutate(raw: Raw) -> None:
        frame = raw[table].copy()
        frame[column] = values
        raw[table] = frame

    return mutate


def both(*mutations: Callable[[Raw], None]) -> Callable[[Raw], None]:
    def mutate(raw: Raw) -> None:
        for m in mutations:
            m(raw)

    return mutate


def no_tasks(raw: Raw) -> None:
    del raw["tasks"]


# --------------------------------------------------------------------------- valid input


def test_valid_tables_are_canonical() -> None:
    tables = validate_tables(raw_tables())
    assert isinstance(tables, Tables)
    emp, pos, tsk = tables.employees, tables.positions, tables.tasks
    assert list(emp.columns) == [*TABLES["employees"].names, "source_row"]
    assert list(pos.columns) == [*TABLES["positions"].names, "source_row"]
    assert list(tsk.columns) == [*TABLES["tasks"].names, "source_row"]
    assert emp["employee_id"].tolist() == [NIP1, NIP2, NIP3]
    assert emp["status"].tolist() == ["PNS", "CPNS", "PPPK"]
    assert emp["grade"].tolist() == ["III/b", "", "III/b"]
    assert emp["education"].tolist() == ["S1", "", "D4"]
    assert emp["competencies"].tolist() == ["keuangan:2;sdm:3", "", ""]
    assert emp["months_in_position"].tolist() == [36.0, 6.0, 12.5]
    assert emp["locked"].tolist() == [False, True, False]
    assert emp["source_row"].tolist() == [2, 3, 4]
    assert pos["unit_name"].tolist() == ["Bagian Umum", "U1", "Dinas Kesehatan"]
    assert pos["min_staff"].tolist() == [1, 0, 0]
    assert pos["max_staff"].tolist()[0] == 3.0 and np.isnan(pos["max_staff"].tolist()[1])
    assert np.isnan(pos["workload_hours"].iloc[1])
    assert pos["min_grade"].tolist() == ["III/a", "", ""]
    assert pos["required_competencies"].tolist() == ["sdm:2", "", ""]
    assert tsk["period"].tolist() == ["hari", "bulan"]
    assert tables.warnings == []


def test_dtypes() -> None:
    tables = validate_tables(raw_tables())
    for frame, spec in (
        (tables.employees, "employees"),
        (tables.positions, "positions"),
        (tables.tasks, "tasks"),
        (tables.units, "units"),
    ):
        for col in TABLES[spec].columns:
            dtype = frame[col.name].dtype
            if col.kind == "float" or (col.kind == "int" and np.isnan(float(col.default))):
                assert dtype == np.float64, col.name
            elif col.kind == "int":
                assert dtype == np.int64, col.name
            elif col.kind == "bool":
                assert dtype == np.dtype(bool), col.name
            elif col.kind == "date":
                assert dtype == np.dtype("datetime64[ns]"), col.name
            else:
                assert dtype == np.dtype(object), col.name
                assert all(type(v) is str for v in frame[col.name]), col.name
        assert frame["source_row"].dtype == np.int64
        assert frame.index.equals(pd.RangeIndex(len(frame)))


def test_tasks_optional_gives_empty_canonical_frame() -> None:
    raw = raw_tables()
    del raw["tasks"]
    pos = raw["positions"].copy()
    pos.loc[1, "workload_hours"] = "800"
    raw["positions"] = pos
    tables = validate_tables(raw)
    assert len(tables.tasks) == 0
    assert list(tables.tasks.columns) == [*TABLES["tasks"].names, "source_row"]
    assert tables.tasks["volume"].dtype == np.float64


def test_input_frames_not_modified() -> None:
    raw = raw_tables()
    raw["employees"] = raw["employees"].rename(
        columns={"employee_id": "NIP Baru", "status": "Status Pegawai"}
    )
    raw["employees"].loc[1, "name"] = "  Ani  "
    before = copy.deepcopy(raw)
    validate_tables(raw)
    for name, frame in raw.items():
        pd.testing.assert_frame_equal(frame, before[name])
    bad = copy.deepcopy(raw)
    bad["positions"].loc[0, "min_staff"] = "-1"
    before_bad = copy.deepcopy(bad)
    with pytest.raises(InputError):
        validate_tables(bad)
    for name, frame in bad.items():
        pd.testing.assert_frame_equal(frame, before_bad[name])


def test_empty_rows_dropped_and_row_numbers_kept() -> None:
    raw = raw_tables()
    emp = raw["employees"]
    blank = pd.DataFrame([dict.fromkeys(emp.columns, "  ")], dtype=str)
    raw["employees"] = pd.concat([emp.iloc[:1], blank, emp.iloc[1:]], ignore_index=True)
    tables = validate_tables(raw)
    assert tables.employees["source_row"].tolist() == [2, 4, 5]
    raw["employees"].loc[2, "status"] = "honorer"
    (problem,) = problems_of(raw)
    assert (problem.row, problem.column, problem.rule) == (4, "status", "invalid_status")


def test_strings_are_stripped() -> None:
    raw = raw_tables()
    emp = raw["employees"].copy()
    emp.loc[0, "position_id"] = "  P1 "
    emp.loc[0, "name"] = " Budi  "
    raw["employees"] = emp
    tables = validate_tables(raw)
    assert tables.employees["position_id"].iloc[0] == "P1"
    assert tables.employees["name"].iloc[0] == "Budi"


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Unit Kerja", "unit_kerja"),
        ("nipBaru", "nipbaru"),
        (" NIP  (Baru) ", "nip_baru"),
        ("a--b__c", "a_b_c"),
        (7, "7"),
    ],
)
def test_normalise_header(header: object, expected: str) -> None:
    assert normalise_header(header) == expected


def test_indonesian_aliases() -> None:
    raw = raw_tables()
    raw["employees"] = raw["employees"].rename(
        columns={
            "employee_id": "NIP Baru", "name": "Nama Lengkap", "position_id": "Kode Posisi",
            "status": "Kedudukan", "grade": "GolRuang", "education": "Pendidikan Terakhir",
            "competencies": "Kompetensi", "months_in_position": "Masa Jabatan (bulan)", "locked": "Dikunci",
        }
    )  # fmt: skip
    raw["positions"] = raw["positions"].rename(
        columns={
            "position_id": "ID Formasi", "unit_id": "unorId", "unit_name": "Unit Kerja",
            "jabatan": "Nama Jabatan", "workload_hours": "Beban Kerja (jam/tahun)",
            "min_staff": "Min Pegawai",
            "max_staff": "Maksimal Pegawai", "required_competencies": "Syarat Kompetensi",
            "min_grade": "Golongan Min", "max_grade": "Golongan Max", "min_education": "Pendidikan Minimal",
        }
    )  # fmt: skip
    raw["tasks"] = raw["tasks"].rename(
        columns={"position_id": "Posisi ID", "task": "Uraian Tugas", "volume": "Jumlah", "period": "Periode",
                 "norm_minutes": "Norma Waktu (menit)"}
    )  # fmt: skip
    tables = validate_tables(raw)
    expected = validate_tables(raw_tables())
    pd.testing.assert_frame_equal(tables.employees, expected.employees)
    pd.testing.assert_frame_equal(tables.positions, expected.positions)
    pd.testing.assert_frame_equal(tables.tasks, expected.tasks)


def test_extra_columns_kept_after_source_row() -> None:
    raw = raw_tables()
    emp = raw["employees"].copy()
    emp["Catatan"] = ["a", " b ", ""]
    emp["unit lama"] = ["x", "y", "z"]
    raw["employees"] = emp
    tables = validate_tables(raw)
    assert list(tables.employees.columns)[-3:] == ["source_row", "Catatan", "unit lama"]
    assert tables.employees["Catatan"].tolist() == ["a", " b ", ""]
    assert any("Catatan" in w for w in tables.warnings)


def test_table_keys_case_insensitive() -> None:
    raw = raw_tables()
    tables = validate_tables(
        {"Employees": raw["employees"], "POSITIONS": raw["positions"], "tasks": raw["tasks"]}
    )
    assert len(tables.employees) == 3


# --------------------------------------------------------------------------- types


def test_nip_from_int64_column_stays_exact() -> None:
    raw = raw_tables()
    emp = raw["employees"].copy()
    emp["employee_id"] = np.array([int(NIP1), int(NIP2), int(NIP3)], dtype=np.int64)
    raw["employees"] = emp
    tables = validate_tables(raw)
    assert tables.employees["employee_id"].tolist() == [NIP1, NIP2, NIP3]
    assert tables.employees["employee_id"].dtype == object


def test_nip_with_leading_zero_text_kept() -> None:
    raw = raw_tables()
    emp = raw["employees"].copy()
    emp.loc[0, "employee_id"] = "007"
    raw["employees"] = emp
    assert validate_tables(raw).employees["employee_id"].iloc[0] == "007"


def test_numeric_and_bool_dtypes_from_user_frames() -> None:
    positions = pd.DataFrame(
        {"position_id": [101, 102], "unit_id": [1, 1], "jabatan": ["Analis", "Analis"],
         "workload_hours": [1250.0, 2500.5], "min_staff": [1, 0], "max_staff": [3.0, np.nan],
         "min_grade": [31, None]}
    )  # fmt: skip
    employees = pd.DataFrame(
        {"employee_id": np.array([int(NIP1), int(NIP2)], dtype=np.int64), "position_id": [101, 102],
         "status": ["PNS", "PNS"], "grade": [32, 41], "months_in_position": [24, 3],
         "locked": [True, False]}
    )  # fmt: skip
    tables = validate_tables({"employees": employees, "positions": positions})
    emp, pos = tables.employees, tables.positions
    assert emp["position_id"].tolist() == ["101", "102"]
    assert emp["grade"].tolist() == ["III/b", "IV/a"]
    assert emp["months_in_position"].dtype == np.float64
    assert emp["locked"].tolist() == [True, False]
    assert pos["position_id"].tolist() == ["101", "102"]
    assert pos["unit_id"].tolist() == ["1", "1"]
    assert pos["min_staff"].dtype == np.int64
    assert pos["min_grade"].tolist() == ["III/a", ""]


def test_mixed_object_columns() -> None:
    raw = raw_tables()
    emp = raw["employees"].astype(object)
    emp["months_in_position"] = pd.Series([36, None, "12,5"], dtype=object)
    emp["locked"] = pd.Series([True, None, "ya"], dtype=object)
    emp.loc[1, "months_in_position"] = 6.0
    raw["employees"] = emp
    tables = validate_tables(raw)
    assert tables.employees["months_in_position"].tolist() == [36.0, 6.0, 12.5]
    assert tables.employees["locked"].tolist() == [True, False, True]


@pytest.mark.parametrize(
    ("text", "value"),
    [("12,5", 12.5), ("1.250,5", 1250.5), ("1,250.5", 1250.5), ("1.250.000", 1250000.0), ("1250", 1250.0),
     (" 7 ", 7.0), ("0,75", 0.75), ("1e3", 1000.0)],
)  # fmt: skip
def test_decimal_commas(text: str, value: float) -> None:
    raw = raw_tables()
    set_cell("positions", 2, "workload_hours", text)(raw)
    assert validate_tables(raw).positions["workload_hours"].iloc[0] == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("YA", True), ("y", True), ("Yes", True), ("1", True), ("Benar", True),
     ("false", False), ("Tidak", False), ("n", False), ("no", False), ("0", False), ("salah", False),
     ("", False)],
)  # fmt: skip
def test_booleans(text: str, value: bool) -> None:
    raw = raw_tables()
    set_cell("employees", 2, "locked", text)(raw)
    assert validate_tables(raw).employees["locked"].iloc[0] == value


def test_integer_valued_text_in_int_column() -> None:
    raw = raw_tables()
    set_cell("positions", 2, "min_staff", "2.0")(raw)
    assert validate_tables(raw).positions["min_staff"].iloc[0] == 2


# --------------------------------------------------------------------------- bad input, one at a time

CASES: list[tuple[str, Callable[[Raw], object], tuple[str, int | None, str | None, Any, str]]] = [
    ("unknown position", set_cell("employees", 3, "position_id", "P9"),
     ("employees", 3, "position_id", "P9", "unknown_position")),
    ("unknown task position", set_cell("tasks", 2, "position_id", "PX"),
     ("tasks", 2, "position_id", "PX", "unknown_position")),
    ("duplicate position id", set_cell("positions", 4, "position_id", "P1"),
     ("positions", 4, "position_id", "P1", "duplicate_id")),
    ("duplicate employee id", set_cell("employees", 4, "employee_id", NIP1),
     ("employees", 4, "employee_id", NIP1, "duplicate_id")),
    ("blank id", set_cell("positions", 3, "unit_id", "  "),
     ("positions", 3, "unit_id", None, "missing_value")),
    ("invalid grade", set_cell("employees", 2, "grade", "V/z"),
     ("employees", 2, "grade", "V/z", "invalid_grade")),
    ("invalid min_grade", set_cell("positions", 2, "min_grade", "III/f"),
     ("positions", 2, "min_grade", "III/f", "invalid_grade")),
    ("invalid education", set_cell("employees", 2, "education", "S4"),
     ("employees", 2, "education", "S4", "invalid_education")),
    ("invalid competencies", set_cell("employees", 2, "competencies", "sdm:9"),
     ("employees", 2, "competencies", "sdm:9", "invalid_competencies")),
    ("invalid required competencies", set_cell("positions", 2, "required_competencies", "sdm"),
     ("positions", 2, "required_competencies", "sdm", "invalid_competencies")),
    ("invalid status", set_cell("employees", 3, "status", "honorer"),
     ("employees", 3, "status", "honorer", "invalid_status")),
    ("invalid period", set_cell("tasks", 3, "period", "abad"),
     ("tasks", 3, "period", "abad", "invalid_period")),
    ("negative volume", set_cell("tasks", 2, "volume", "-5"),
     ("tasks", 2, "volume", "-5", "negative_value")),
    ("negative months", set_cell("employees", 4, "months_in_position", "-1,5"),
     ("employees", 4, "months_in_position", "-1,5", "negative_value")),
    ("non-numeric number", set_cell("employees", 2, "months_in_position", "dua"),
     ("employees", 2, "months_in_position", "dua", "not_a_number")),
    ("infinite number", set_cell("tasks", 2, "norm_minutes", "inf"),
     ("tasks", 2, "norm_minutes", "inf", "not_a_number")),
    ("blank required number", set_cell("tasks", 2, "norm_minutes", ""),
     ("tasks", 2, "norm_minutes", None, "missing_value")),
    ("float in integer column", set_cell("positions", 2, "min_staff", "1,5"),
     ("positions", 2, "min_staff", "1,5", "not_an_integer")),
    ("bad NIP date", set_cell("employees", 2, "employee_id", "198013012005011001"),
     ("employees", 2, "employee_id", "198013012005011001", "invalid_nip")),
    ("bad NIP sex digit", set_cell("employees", 2, "employee_id", "198001012005013001"),
     ("employees", 2, "employee_id", "198001012005013001", "invalid_nip")),
    ("bad boolean", set_cell("employees", 3, "locked", "mungkin"),
     ("employees", 3, "locked", "mungkin", "invalid_boolean")),
    ("missing required column", drop_column("employees", "status"),
     ("employees", None, "status", None, "missing_column")),
    ("missing task column", drop_column("tasks", "norm_minutes"),
     ("tasks", None, "norm_minutes", None, "missing_column")),
    ("duplicate column alias", add_column("employees", "NIP", [NIP1, NIP2, NIP3]),
     ("employees", None, "employee_id", "NIP", "duplicate_column")),
    ("min staff above max",
     both(set_cell("positions", 2, "min_staff", "4"), set_cell("positions", 2, "max_staff", "3")),
     ("positions", 2, "min_staff", "4", "min_above_max")),
    ("min grade above max", set_cell("positions", 2, "max_grade", "II/d"),
     ("positions", 2, "min_grade", "III/a", "min_above_max")),
    ("missing workload without tasks", no_tasks,
     ("positions", 3, "workload_hours", None, "missing_workload")),
    ("missing table", lambda raw: raw.pop("positions"),
     ("positions", None, None, None, "missing_table")),
    ("empty table", lambda raw: raw.update(employees=raw["employees"].iloc[:0]),
     ("employees", None, None, None, "empty_table")),
]  # fmt: skip


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(
    mutate: Callable[[Raw], object], expected: tuple[str, int | None, str | None, Any, str]
) -> None:
    raw = raw_tables()
    mutate(raw)
    problems = problems_of(raw)
    got = [(p.table, p.row, p.column, p.value, p.rule) for p in problems]
    assert got == [expected]
    assert problems[0].message
    assert expected[4] in str(problems[0])


def test_missing_workload_when_tasks_empty() -> None:
    raw = raw_tables()
    raw["tasks"] = raw["tasks"].iloc[:0]
    got = [(p.table, p.row, p.column, p.rule) for p in problems_of(raw)]
    assert got == [("positions", 3, "workload_hours", "missing_workload")]


def test_missing_columns_one_problem_each() -> None:
    raw = raw_tables()
    raw["positions"] = raw["positions"].drop(columns=["unit_id", "jabatan"])
    got = [(p.table, p.row, p.column, p.rule) for p in problems_of(raw)]
    assert got == [
        ("positions", None, "unit_id", "missing_column"),
        ("positions", None, "jabatan", "missing_column"),
    ]


# --------------------------------------------------------------------------- many problems at once


def test_every_problem_reported_at_once() -> None:
    raw = raw_tables()
    set_cell("employees", 2, "grade", "Z")(raw)
    set_cell("employees", 2, "months_in_position", "abc")(raw)
    set_cell("employees", 4, "position_id", "P404")(raw)
    set_cell("employees", 3, "locked", "kadang")(raw)
    set_cell("positions", 3, "min_staff", "-2")(raw)
    set_cell("tasks", 3, "period", "dekade")(raw)
    raw["tasks"] = raw["tasks"].drop(columns=["task"])
    problems = problems_of(raw)
    got = [(p.table, p.row, p.column, p.rule) for p in problems]
    assert got == [
        ("employees", 2, "grade", "invalid_grade"),
        ("employees", 2, "months_in_position", "not_a_number"),
        ("employees", 3, "locked", "invalid_boolean"),
        ("employees", 4, "position_id", "unknown_position"),
        ("positions", 3, "min_staff", "negative_value"),
        ("tasks", None, "task", "missing_column"),
        ("tasks", 3, "period", "invalid_period"),
    ]
    with pytest.raises(InputError, match="7 problems"):
        validate_tables(raw)


def test_cross_references_skipped_when_positions_invalid() -> None:
    raw = raw_tables()
    raw["positions"] = raw["positions"].drop(columns=["position_id"])
    set_cell("employees", 2, "grade", "Z")(raw)
    got = [(p.table, p.row, p.column, p.rule) for p in problems_of(raw)]
    assert got == [
        ("employees", 2, "grade", "invalid_grade"),
        ("positions", None, "position_id", "missing_column"),
    ]


def test_other_position_problems_do_not_hide_references() -> None:
    raw = raw_tables()
    set_cell("positions", 2, "min_education", "PhD")(raw)
    got = [(p.table, p.row, p.column, p.rule) for p in problems_of(raw)]
    assert got == [("positions", 2, "min_education", "invalid_education")]


def test_both_tables_missing() -> None:
    got = [(p.table, p.rule) for p in problems_of({})]
    assert got == [("employees", "missing_table"), ("positions", "missing_table")]


def test_many_rows_vectorised() -> None:
    n, m = 20_000, 500
    positions = pd.DataFrame(
        {
            "position_id": [f"P{i}" for i in range(m)],
            "unit_id": "U1",
            "jabatan": "Analis",
            "workload_hours": "1250",
        }
    )
    employees = pd.DataFrame(
        {"employee_id": [f"E{i}" for i in range(n)], "position_id": [f"P{i % m}" for i in range(n)],
         "status": "PNS", "months_in_position": "24"}
    )  # fmt: skip
    employees.loc[::1000, "months_in_position"] = "x"
    problems = problems_of({"employees": employees, "positions": positions})
    assert len(problems) == n // 1000
    assert {p.rule for p in problems} == {"not_a_number"}
    assert problems[1].row == 1002


# --------------------------------------------------------------------------- warnings


def test_warning_for_workload_and_tasks() -> None:
    raw = raw_tables()
    set_cell("positions", 3, "workload_hours", "100")(raw)
    tables = validate_tables(raw)
    assert any("taken from the tasks" in w for w in tables.warnings)


def test_scientific_notation_nips_are_errors_other_ids_warnings() -> None:
    raw = raw_tables()
    set_cell("employees", 2, "employee_id", "1.98001E+17")(raw)
    with pytest.raises(InputError) as info:
        validate_tables(raw)
    assert [(q.row, q.column, q.rule) for q in info.value.problems] == [(2, "employee_id", "nip_as_number")]
    raw = raw_tables()
    set_cell("positions", 2, "unit_id", "1.5E+12")(raw)
    tables = validate_tables(raw)
    assert any("scientific notation" in w for w in tables.warnings)


def test_nip_typed_as_a_number_in_a_dataframe_is_an_error() -> None:
    raw = raw_tables()
    emp = raw["employees"]
    nips = pd.Series([1.9850716201012277e17] + [float("nan")] * (len(emp) - 1))
    raw["employees"] = emp.assign(spouse_id=nips)
    with pytest.raises(InputError) as info:
        validate_tables(raw)
    found = {(q.row, q.column, q.rule) for q in info.value.problems}
    assert (2, "spouse_id", "nip_as_number") in found  # (and unknown_spouse: the digits are gone)


def test_source_row_input_column_replaced() -> None:
    raw = raw_tables()
    emp = raw["employees"].copy()
    emp["source_row"] = ["9", "9", "9"]
    raw["employees"] = emp
    tables = validate_tables(raw)
    assert tables.employees["source_row"].tolist() == [2, 3, 4]
    assert list(tables.employees.columns).count("source_row") == 1


def test_repr_is_short() -> None:
    assert (
        repr(validate_tables(raw_tables()))
        == "Tables(employees=3 rows, positions=3 rows, tasks=2 rows, units=0 rows, warnings=0)"
    )
