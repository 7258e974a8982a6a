"""Tests of the mutasi-policy columns of :mod:`asn_balance.model.tables` and the ``units`` table.

Every new column is optional and its absence switches its rule off, so the defaults are
no-ops. Each column is checked for accepted spellings (aliases, Excel-like dates,
``ya``/``tidak``), each bad value for its table, row, column, value and rule, and the
``units`` table through every input format.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from asn_balance import Problem
from asn_balance.io import read_tables, write_frames
from asn_balance.model.domain import format_coverage, parse_coverage
from asn_balance.model.errors import InputError, InputProblem
from asn_balance.model.tables import TABLES, validate_tables

Raw = dict[str, pd.DataFrame]

NIP1 = "198001012005011001"
NIP2 = "198502142010012003"
NIP3 = "199003032015031002"
NEW_EMPLOYEE_COLUMNS = ("birth_date", "discipline", "study_leave", "volunteer", "preferences", "spouse_id")
NEW_POSITION_COLUMNS = ("retirement_age", "competency_standard")


def text_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    frame: pd.DataFrame = pd.DataFrame(rows, dtype=str)
    return frame


def base_tables() -> Raw:
    """Valid all-text tables without policy columns: P1, P2 in unit U1, P3 in U2."""
    positions = text_frame(
        [
            {"position_id": "P1", "unit_id": "U1", "unit_name": "Bagian Umum", "jabatan": "Analis SDM",
             "workload_hours": "2500"},
            {"position_id": "P2", "unit_id": "U1", "unit_name": "Bagian Umum", "jabatan": "Pengadministrasi",
             "workload_hours": "1250"},
            {"position_id": "P3", "unit_id": "U2", "unit_name": "Dinas Kesehatan", "jabatan": "Analis SDM",
             "workload_hours": "1250"},
        ]
    )  # fmt: skip
    employees = text_frame(
        [
            {"employee_id": NIP1, "position_id": "P1", "status": "PNS", "competencies": "sdm:3",
             "months_in_position": "36"},
            {"employee_id": NIP2, "position_id": "P2", "status": "PNS", "competencies": "keuangan:4",
             "months_in_position": "30"},
            {"employee_id": NIP3, "position_id": "P1", "status": "PNS", "competencies": "",
             "months_in_position": "12"},
        ]
    )  # fmt: skip
    return {"employees": employees, "positions": positions}


def policy_tables() -> Raw:
    """``base_tables`` with every policy column filled validly, and a units table."""
    raw = base_tables()
    emp = raw["employees"].copy()
    emp["birth_date"] = ["1980-01-01", "14-02-1985", ""]
    emp["discipline"] = ["", "tidak", "ya"]
    emp["study_leave"] = ["tidak", "", ""]
    emp["volunteer"] = ["ya", "", "tidak"]
    emp["preferences"] = ["P3;U2", "", ""]
    emp["spouse_id"] = [NIP2, NIP1, ""]
    raw["employees"] = emp
    pos = raw["positions"].copy()
    pos["retirement_age"] = ["58", "", "60"]
    pos["competency_standard"] = ["sdm:3", "", "sdm:2;komunikasi:2"]
    raw["positions"] = pos
    raw["units"] = text_frame(
        [
            {"unit_id": "U1", "unit_name": "Bagian Umum", "max_moves_out": "2", "max_moves_in": "",
             "coverage": "sdm:3x1"},
            {"unit_id": "U2", "unit_name": "", "max_moves_out": "", "max_moves_in": "3", "coverage": ""},
        ]
    )  # fmt: skip
    return raw


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


def both(*mutations: Callable[[Raw], None]) -> Callable[[Raw], None]:
    def mutate(raw: Raw) -> None:
        for m in mutations:
            m(raw)

    return mutate


# --------------------------------------------------------------------------- defaults


def test_absent_columns_are_no_ops() -> None:
    tables = validate_tables(base_tables())
    emp, pos, units = tables.employees, tables.positions, tables.units
    assert list(emp.columns) == [*TABLES["employees"].names, "source_row"]
    assert list(pos.columns) == [*TABLES["positions"].names, "source_row"]
    assert emp["birth_date"].dtype == np.dtype("datetime64[ns]")
    assert emp["birth_date"].isna().all()
    for flag in ("discipline", "study_leave", "volunteer"):
        assert emp[flag].dtype == np.dtype(bool)
        assert not emp[flag].any()
    assert emp["preferences"].tolist() == ["", "", ""]
    assert emp["spouse_id"].tolist() == ["", "", ""]
    assert pos["retirement_age"].dtype == np.float64
    assert pos["retirement_age"].isna().all()
    assert pos["competency_standard"].tolist() == ["", "", ""]
    assert len(units) == 0
    assert list(units.columns) == [*TABLES["units"].names, "source_row"]
    assert units["max_moves_out"].dtype == np.float64
    assert units["max_moves_in"].dtype == np.float64
    assert units["source_row"].dtype == np.int64


def test_blank_cells_are_no_ops() -> None:
    raw = base_tables()
    raw["employees"] = raw["employees"].assign(**dict.fromkeys(NEW_EMPLOYEE_COLUMNS, ""))
    raw["positions"] = raw["positions"].assign(**dict.fromkeys(NEW_POSITION_COLUMNS, "  "))
    raw["units"] = text_frame([{"unit_id": "U1", "max_moves_out": "", "max_moves_in": "", "coverage": ""}])
    tables = validate_tables(raw)
    expected = validate_tables(base_tables())
    pd.testing.assert_frame_equal(tables.employees, expected.employees)
    pd.testing.assert_frame_equal(tables.positions, expected.positions)
    assert tables.units["unit_name"].tolist() == ["Bagian Umum"]  # from the positions table
    assert np.isnan(tables.units["max_moves_out"].iloc[0]) and np.isnan(tables.units["max_moves_in"].iloc[0])
    assert tables.units["coverage"].tolist() == [""]


def test_policy_tables_are_canonical() -> None:
    tables = validate_tables(policy_tables())
    emp, pos, units = tables.employees, tables.positions, tables.units
    assert emp["birth_date"].tolist()[:2] == [pd.Timestamp("1980-01-01"), pd.Timestamp("1985-02-14")]
    assert emp["birth_date"].isna().tolist() == [False, False, True]
    assert emp["discipline"].tolist() == [False, False, True]
    assert emp["study_leave"].tolist() == [False, False, False]
    assert emp["volunteer"].tolist() == [True, False, False]
    assert emp["preferences"].tolist() == ["P3;U2", "", ""]
    assert emp["spouse_id"].tolist() == [NIP2, NIP1, ""]
    assert pos["retirement_age"].tolist()[0::2] == [58.0, 60.0]
    assert np.isnan(pos["retirement_age"].iloc[1])
    assert pos["competency_standard"].tolist() == ["sdm:3", "", "komunikasi:2;sdm:2"]
    assert list(units.columns) == [*TABLES["units"].names, "source_row"]
    assert units["unit_id"].tolist() == ["U1", "U2"]
    assert units["unit_name"].tolist() == ["Bagian Umum", "Dinas Kesehatan"]
    assert units["max_moves_out"].tolist()[0] == 2.0 and np.isnan(units["max_moves_out"].iloc[1])
    assert np.isnan(units["max_moves_in"].iloc[0]) and units["max_moves_in"].tolist()[1] == 3.0
    assert units["coverage"].tolist() == ["sdm:3x1", ""]
    assert units["source_row"].tolist() == [2, 3]
    assert tables.warnings == []


def test_input_frames_not_modified() -> None:
    raw = policy_tables()
    emp = raw["employees"].astype(object)
    emp["birth_date"] = [pd.Timestamp("1980-01-01"), dt.date(1985, 2, 14), None]
    raw["employees"] = emp
    before = copy.deepcopy(raw)
    validate_tables(raw)
    for name, frame in raw.items():
        pd.testing.assert_frame_equal(frame, before[name])


# --------------------------------------------------------------------------- aliases

#: A valid non-default value of every new column, to read under each of its aliases.
ALIAS_VALUES: dict[str, dict[str, str]] = {
    "employees": {"birth_date": "17-03-1985", "discipline": "ya", "study_leave": "ya", "volunteer": "ya",
                  "preferences": "P3", "spouse_id": NIP3},
    "positions": {"retirement_age": "60", "competency_standard": "sdm:2"},
    "units": {"unit_id": "U1", "unit_name": "Umum", "max_moves_out": "2", "max_moves_in": "1",
              "coverage": "sdm:2x1"},
}  # fmt: skip
ALIASES: list[tuple[str, str, str, str]] = [
    (table, col.name, alias, values[col.name])
    for table, values in ALIAS_VALUES.items()
    for col in TABLES[table].columns
    if col.name in values
    for alias in col.aliases
]


@pytest.mark.parametrize(("table", "column", "alias", "value"), ALIASES, ids=[a[2] for a in ALIASES])
def test_aliases(table: str, column: str, alias: str, value: str) -> None:
    def build(header: str) -> Any:
        raw = base_tables()
        if table == "units":
            raw["units"] = text_frame(
                [{"unit_id": "U1", header: value} if column != "unit_id" else {header: value}]
            )
        else:
            frame = raw[table].copy()
            frame[header] = [value, "", ""]
            raw[table] = frame
        tables = validate_tables(raw)
        return getattr(tables, table)

    got = build(alias.replace("_", " ").title())  # e.g. "Tanggal Lahir"
    expected = build(column)
    pd.testing.assert_frame_equal(got, expected)
    first = got[column].iloc[0]
    assert pd.notna(first) and first is not False and first != ""  # not the default


def test_spouse_aliases_mean_one_column() -> None:
    raw = base_tables()
    raw["employees"] = raw["employees"].assign(nip_pasangan=["", "", ""], id_pasangan=["", "", ""])
    (problem,) = problems_of(raw)
    assert (problem.column, problem.rule) == ("spouse_id", "duplicate_column")


# --------------------------------------------------------------------------- accepted values


@pytest.mark.parametrize(
    ("text", "date"),
    [("1985-03-17", "1985-03-17"), ("1985-03-17 00:00:00", "1985-03-17"),
     ("1985-03-17T00:00:00", "1985-03-17"), ("1985-03-17 13:45", "1985-03-17"), ("17-03-1985", "1985-03-17"),
     ("17/03/1985", "1985-03-17"),
     (" 7/3/1985 ", "1985-03-07"), ("1985/03/17", "1985-03-17"), ("29-02-1984", "1984-02-29"),
     ("1900-01-01", "1900-01-01")],
)  # fmt: skip
def test_date_spellings(text: str, date: str) -> None:
    raw = base_tables()
    raw["employees"] = raw["employees"].assign(birth_date=[text, "", ""])
    assert validate_tables(raw).employees["birth_date"].iloc[0] == pd.Timestamp(date)


def test_today_is_not_in_the_future() -> None:
    raw = base_tables()
    raw["employees"] = raw["employees"].assign(birth_date=[dt.date.today().isoformat(), "", ""])
    assert validate_tables(raw).employees["birth_date"].iloc[0] == pd.Timestamp(dt.date.today())


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(pd.to_datetime(["1985-03-17", None, "1990-01-02 08:30"], format="ISO8601")),
        pd.Series(pd.to_datetime(["1985-03-17", None, "1990-01-02"]).as_unit("s")),
        pd.Series(pd.to_datetime(["1985-03-17", None, "1990-01-02"]).tz_localize("Asia/Jakarta")),
        pd.Series([dt.date(1985, 3, 17), None, dt.date(1990, 1, 2)]),
        pd.Series([dt.datetime(1985, 3, 17), None, dt.datetime(1990, 1, 2)], dtype=object),
        pd.Series([pd.Timestamp("1985-03-17"), np.nan, "02/01/1990"], dtype=object),
        pd.Series([pd.Timestamp("1985-03-17"), pd.NaT, pd.Timestamp("1990-01-02")], dtype=object),
    ],
    ids=["datetime64", "datetime64[s]", "tz-aware", "date", "datetime", "mixed", "Timestamp-NaT"],
)
def test_real_dates_from_frames(values: pd.Series) -> None:
    raw = base_tables()
    emp = raw["employees"].copy()
    emp["tanggal_lahir"] = values
    raw["employees"] = emp
    got = validate_tables(raw).employees["birth_date"]
    assert got.dtype == np.dtype("datetime64[ns]")
    assert got.iloc[0] == pd.Timestamp("1985-03-17")
    assert pd.isna(got.iloc[1])
    assert got.iloc[2] == pd.Timestamp("1990-01-02")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("ya", True), ("Tidak", False), ("Y", True), ("n", False), ("benar", True), ("salah", False),
     ("1", True), ("0", False), ("TRUE", True), ("", False)],
)  # fmt: skip
def test_policy_booleans(value: str, expected: bool) -> None:
    raw = base_tables()
    raw["employees"] = raw["employees"].assign(
        hukuman_disiplin=[value, "", ""], tugas_belajar=[value, "", ""], aps=[value, "", ""]
    )
    emp = validate_tables(raw).employees
    assert emp[["discipline", "study_leave", "volunteer"]].iloc[0].tolist() == [expected] * 3


def test_booleans_and_numbers_from_frames() -> None:
    raw = base_tables()
    emp = raw["employees"].copy()
    emp["discipline"] = [True, False, True]
    emp["volunteer"] = np.array([1, 0, 0], dtype=np.int64)
    emp["study_leave"] = pd.array([None, True, False], dtype="boolean")
    raw["employees"] = emp
    pos = raw["positions"].copy()
    pos["retirement_age"] = [58.0, np.nan, 65.0]
    raw["positions"] = pos
    raw["units"] = pd.DataFrame({"unit_id": ["U1"], "max_moves_out": [3], "max_moves_in": [np.nan]})
    tables = validate_tables(raw)
    assert tables.employees["discipline"].tolist() == [True, False, True]
    assert tables.employees["volunteer"].tolist() == [True, False, False]
    assert tables.employees["study_leave"].tolist() == [False, True, False]
    assert tables.positions["retirement_age"].tolist()[0::2] == [58.0, 65.0]
    assert tables.units["max_moves_out"].tolist() == [3.0]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("P3", "P3"), (" P3 , U2 ", "P3;U2"), ("U2|P3|U2", "U2;P3"), ("P2;;P3;", "P2;P3"), (";", ""),
     ("P3, P3; p3", None)],
)  # fmt: skip
def test_preference_lists(text: str, canonical: str | None) -> None:
    raw = base_tables()
    raw["employees"] = raw["employees"].assign(pilihan=[text, "", ""])
    if canonical is None:  # ids are case-sensitive: 'p3' is not P3
        (problem,) = problems_of(raw)
        assert (problem.rule, problem.value) == ("unknown_preference", text)
        assert "'p3'" in problem.message and "'P3'" not in problem.message
        return
    assert validate_tables(raw).employees["preferences"].iloc[0] == canonical


def test_numeric_preferences_and_spouses_from_frames() -> None:
    positions = pd.DataFrame({"position_id": [101, 102], "unit_id": [7, 8], "jabatan": "Analis",
                              "workload_hours": 1250})  # fmt: skip
    employees = pd.DataFrame(
        {"employee_id": np.array([int(NIP1), int(NIP2)], dtype=np.int64), "position_id": [101, 102],
         "status": "PNS", "months_in_position": 30, "preferences": [102, 7],
         "spouse_id": pd.array([int(NIP2), None], dtype="Int64")}
    )  # fmt: skip
    emp = validate_tables({"employees": employees, "positions": positions}).employees
    assert emp["preferences"].tolist() == ["102", "7"]
    assert emp["spouse_id"].tolist() == [NIP2, ""]


def test_spouse_links() -> None:
    raw = base_tables()
    raw["employees"] = raw["employees"].assign(spouse_id=[NIP2, NIP1, ""])  # both sides
    assert validate_tables(raw).employees["spouse_id"].tolist() == [NIP2, NIP1, ""]
    raw["employees"] = raw["employees"].assign(spouse_id=[NIP2, "", ""])  # one side is enough
    assert validate_tables(raw).employees["spouse_id"].tolist() == [NIP2, "", ""]
    raw["employees"] = raw["employees"].assign(spouse_id=[f" {NIP2} ", "", NIP2])  # two name the same one
    assert validate_tables(raw).employees["spouse_id"].tolist() == [NIP2, "", NIP2]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("keuangan:4;komunikasi:3", "keuangan:4;komunikasi:3"),
     ("Komunikasi = 3 | Keuangan:4", "keuangan:4;komunikasi:3"), ("Pelayanan Publik:2", "pelayanan_publik:2"),
     ("", "")],
)  # fmt: skip
def test_competency_standard(text: str, canonical: str) -> None:
    raw = base_tables()
    raw["positions"] = raw["positions"].assign(standar_kompetensi=[text, "", ""])
    assert validate_tables(raw).positions["competency_standard"].iloc[0] == canonical


@pytest.mark.parametrize("age", ["30", "58", "60", "65", "80", "60,0", "60.0"])
def test_retirement_ages(age: str) -> None:
    raw = base_tables()
    raw["positions"] = raw["positions"].assign(bup=[age, "", ""])
    assert validate_tables(raw).positions["retirement_age"].iloc[0] == float(age.replace(",", "."))


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("keuangan:3x2;kesehatan:2x1", "kesehatan:2x1;keuangan:3x2"), ("Keuangan : 3 X 2", "keuangan:3x2"),
     ("keuangan:3x2, keuangan:4x1", "keuangan:3x2;keuangan:4x1"),
     ("keuangan=3x2|sdm:1x10", "keuangan:3x2;sdm:1x10"),
     ("Pelayanan Publik:2x1;pelayanan_publik:2x1", "pelayanan_publik:2x1"),
     ("keuangan:5\u00d71", "keuangan:5x1"), ("", "")],
)  # fmt: skip
def test_coverage_spellings(text: str, canonical: str) -> None:
    raw = base_tables()
    raw["units"] = text_frame([{"unit_id": "U1", "cakupan_kompetensi": text}])
    assert validate_tables(raw).units["coverage"].tolist() == [canonical]
    parsed = parse_coverage(text)
    assert isinstance(parsed, list) and format_coverage(parsed) == canonical


def test_unit_name_defaults_to_positions() -> None:
    raw = base_tables()
    raw["units"] = text_frame([{"unit_id": "U2"}, {"unit_id": "U1", "nama_unit": "Bagian Umum Setda"}])
    units = validate_tables(raw).units
    assert units["unit_name"].tolist() == ["Dinas Kesehatan", "Bagian Umum Setda"]
    assert units["coverage"].tolist() == ["", ""]


def test_units_extra_columns_kept() -> None:
    raw = policy_tables()
    raw["units"] = raw["units"].assign(Catatan=["a", ""])
    tables = validate_tables(raw)
    assert list(tables.units.columns)[-2:] == ["source_row", "Catatan"]
    assert any("units" in w and "Catatan" in w for w in tables.warnings)


# --------------------------------------------------------------------------- bad input, one at a time

CASES: list[tuple[str, Callable[[Raw], object], tuple[str, int | None, str | None, Any, str]]] = [
    ("not a date", set_cell("employees", 2, "birth_date", "kemarin"),
     ("employees", 2, "birth_date", "kemarin", "invalid_date")),
    ("no such day", set_cell("employees", 3, "birth_date", "31/02/1985"),
     ("employees", 3, "birth_date", "31/02/1985", "invalid_date")),
    ("no such month", set_cell("employees", 2, "birth_date", "1985-13-01"),
     ("employees", 2, "birth_date", "1985-13-01", "invalid_date")),
    ("dotted date", set_cell("employees", 2, "birth_date", "17.03.1985"),
     ("employees", 2, "birth_date", "17.03.1985", "invalid_date")),
    ("mixed separators", set_cell("employees", 2, "birth_date", "17-03/1985"),
     ("employees", 2, "birth_date", "17-03/1985", "invalid_date")),
    ("number as date", set_cell("employees", 2, "birth_date", "31123"),
     ("employees", 2, "birth_date", "31123", "invalid_date")),
    ("future birth date", set_cell("employees", 4, "birth_date", "2999-01-01"),
     ("employees", 4, "birth_date", "2999-01-01", "invalid_date")),
    ("birth date before 1900", set_cell("employees", 4, "birth_date", "31-12-1899"),
     ("employees", 4, "birth_date", "31-12-1899", "invalid_date")),
    ("bad discipline", set_cell("employees", 3, "discipline", "mungkin"),
     ("employees", 3, "discipline", "mungkin", "invalid_boolean")),
    ("bad study leave", set_cell("employees", 3, "study_leave", "2"),
     ("employees", 3, "study_leave", "2", "invalid_boolean")),
    ("bad volunteer", set_cell("employees", 4, "volunteer", "mau"),
     ("employees", 4, "volunteer", "mau", "invalid_boolean")),
    ("unknown preference", set_cell("employees", 3, "preferences", "P9"),
     ("employees", 3, "preferences", "P9", "unknown_preference")),
    ("unit name as preference", set_cell("employees", 3, "preferences", "P1;Bagian Umum"),
     ("employees", 3, "preferences", "P1;Bagian Umum", "unknown_preference")),
    ("unknown spouse", set_cell("employees", 4, "spouse_id", "199901012020011001"),
     ("employees", 4, "spouse_id", "199901012020011001", "unknown_spouse")),
    ("own spouse", set_cell("employees", 4, "spouse_id", NIP3),
     ("employees", 4, "spouse_id", NIP3, "invalid_spouse")),
    ("spouse names another", set_cell("employees", 4, "spouse_id", NIP1),
     ("employees", 4, "spouse_id", NIP1, "invalid_spouse")),
    ("retirement age too low", set_cell("positions", 2, "retirement_age", "29"),
     ("positions", 2, "retirement_age", "29", "out_of_range")),
    ("retirement age too high", set_cell("positions", 3, "retirement_age", "81"),
     ("positions", 3, "retirement_age", "81", "out_of_range")),
    ("negative retirement age", set_cell("positions", 3, "retirement_age", "-58"),
     ("positions", 3, "retirement_age", "-58", "negative_value")),
    ("fractional retirement age", set_cell("positions", 3, "retirement_age", "58,5"),
     ("positions", 3, "retirement_age", "58,5", "not_an_integer")),
    ("text retirement age", set_cell("positions", 3, "retirement_age", "BUP"),
     ("positions", 3, "retirement_age", "BUP", "not_a_number")),
    ("bad competency standard", set_cell("positions", 4, "competency_standard", "sdm:6"),
     ("positions", 4, "competency_standard", "sdm:6", "invalid_competencies")),
    ("unknown unit", set_cell("units", 3, "unit_id", "U9"),
     ("units", 3, "unit_id", "U9", "unknown_unit")),
    ("unit name is not a unit id", set_cell("units", 2, "unit_id", "Bagian Umum"),
     ("units", 2, "unit_id", "Bagian Umum", "unknown_unit")),
    ("duplicate unit", set_cell("units", 3, "unit_id", "U1"),
     ("units", 3, "unit_id", "U1", "duplicate_id")),
    ("blank unit", set_cell("units", 3, "unit_id", " "),
     ("units", 3, "unit_id", None, "missing_value")),
    ("missing unit column", lambda raw: raw.update(units=raw["units"].drop(columns=["unit_id"])),
     ("units", None, "unit_id", None, "missing_column")),
    ("negative moves out", set_cell("units", 2, "max_moves_out", "-1"),
     ("units", 2, "max_moves_out", "-1", "negative_value")),
    ("fractional moves in", set_cell("units", 3, "max_moves_in", "1,5"),
     ("units", 3, "max_moves_in", "1,5", "not_an_integer")),
    ("text moves in", set_cell("units", 3, "max_moves_in", "dua"),
     ("units", 3, "max_moves_in", "dua", "not_a_number")),
    ("coverage without count", set_cell("units", 2, "coverage", "sdm:3"),
     ("units", 2, "coverage", "sdm:3", "invalid_coverage")),
    ("coverage level too high", set_cell("units", 2, "coverage", "sdm:6x1"),
     ("units", 2, "coverage", "sdm:6x1", "invalid_coverage")),
    ("coverage level zero", set_cell("units", 2, "coverage", "sdm:0x1"),
     ("units", 2, "coverage", "sdm:0x1", "invalid_coverage")),
    ("coverage count zero", set_cell("units", 2, "coverage", "sdm:3x0"),
     ("units", 2, "coverage", "sdm:3x0", "invalid_coverage")),
    ("coverage given twice", set_cell("units", 3, "coverage", "sdm:3x1;SDM:3x2"),
     ("units", 3, "coverage", "sdm:3x1;SDM:3x2", "invalid_coverage")),
    ("coverage not text", set_cell("units", 3, "coverage", "keuangan"),
     ("units", 3, "coverage", "keuangan", "invalid_coverage")),
]  # fmt: skip


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(
    mutate: Callable[[Raw], object], expected: tuple[str, int | None, str | None, Any, str]
) -> None:
    raw = policy_tables()
    mutate(raw)
    problems = problems_of(raw)
    got = [(p.table, p.row, p.column, p.value, p.rule) for p in problems]
    assert got == [expected]
    assert problems[0].message
    assert expected[4] in str(problems[0])


@pytest.mark.parametrize(
    ("value", "words"),
    [("kemarin", "not a date"), ("2999-01-01", "future"), ("1899-12-31", "before 1900"),
     (pd.Timestamp("1850-05-05"), "before 1900"), (dt.date(2999, 1, 1), "future")],
)  # fmt: skip
def test_date_messages(value: Any, words: str) -> None:
    raw = policy_tables()
    emp = raw["employees"].astype(object)
    emp.loc[0, "birth_date"] = value
    raw["employees"] = emp
    (problem,) = problems_of(raw)
    assert (problem.row, problem.column, problem.rule) == (2, "birth_date", "invalid_date")
    assert words in problem.message


def test_unknown_preferences_named_in_one_problem() -> None:
    raw = policy_tables()
    set_cell("employees", 2, "preferences", "P3; X1 |U2;U9")(raw)
    (problem,) = problems_of(raw)
    assert (problem.row, problem.value, problem.rule) == (2, "P3; X1 |U2;U9", "unknown_preference")
    assert "'X1', 'U9' are neither a position_id nor a unit_id" in problem.message


def test_spouse_messages() -> None:
    raw = policy_tables()
    set_cell("employees", 4, "spouse_id", NIP1)(raw)  # NIP1 names NIP2
    (problem,) = problems_of(raw)
    assert NIP2 in problem.message and NIP3 in problem.message
    raw = policy_tables()
    set_cell("employees", 3, "spouse_id", NIP3)(raw)  # NIP1 names NIP2, who names NIP3
    got = [(p.row, p.value, p.rule) for p in problems_of(raw)]
    assert got == [(2, NIP2, "invalid_spouse")]


def test_spouse_checks_need_usable_employee_ids() -> None:
    raw = policy_tables()
    raw["employees"] = raw["employees"].assign(NIP=raw["employees"]["employee_id"])  # duplicate column
    set_cell("employees", 4, "spouse_id", "nobody")(raw)
    got = [(p.column, p.rule) for p in problems_of(raw)]
    assert got == [("employee_id", "duplicate_column")]


def test_reference_checks_need_usable_positions() -> None:
    raw = policy_tables()
    raw["positions"] = raw["positions"].drop(columns=["unit_id"])
    set_cell("employees", 2, "preferences", "P9")(raw)
    set_cell("units", 2, "unit_id", "U9")(raw)
    got = [(p.table, p.column, p.rule) for p in problems_of(raw)]
    assert got == [("positions", "unit_id", "missing_column")]


# --------------------------------------------------------------------------- many problems at once


def test_every_policy_problem_reported_at_once() -> None:
    raw = policy_tables()
    set_cell("employees", 2, "birth_date", "2999-12-31")(raw)
    set_cell("employees", 2, "preferences", "P9")(raw)
    set_cell("employees", 3, "volunteer", "kadang")(raw)
    set_cell("employees", 3, "spouse_id", NIP2)(raw)
    set_cell("employees", 4, "spouse_id", "X")(raw)
    set_cell("positions", 2, "retirement_age", "100")(raw)
    set_cell("positions", 3, "competency_standard", "sdm")(raw)
    set_cell("units", 2, "coverage", "sdm:3x")(raw)
    set_cell("units", 3, "unit_id", "U7")(raw)
    set_cell("units", 3, "max_moves_in", "-2")(raw)
    problems = problems_of(raw)
    got = [(p.table, p.row, p.column, p.rule) for p in problems]
    assert got == [
        ("employees", 2, "birth_date", "invalid_date"),
        ("employees", 2, "preferences", "unknown_preference"),
        ("employees", 3, "volunteer", "invalid_boolean"),
        ("employees", 3, "spouse_id", "invalid_spouse"),
        ("employees", 4, "spouse_id", "unknown_spouse"),
        ("positions", 2, "retirement_age", "out_of_range"),
        ("positions", 3, "competency_standard", "invalid_competencies"),
        ("units", 2, "coverage", "invalid_coverage"),
        ("units", 3, "unit_id", "unknown_unit"),
        ("units", 3, "max_moves_in", "negative_value"),
    ]
    with pytest.raises(InputError, match="10 problems"):
        validate_tables(raw)


def test_many_rows_vectorised() -> None:
    n, m = 20_000, 400
    positions = pd.DataFrame(
        {"position_id": [f"P{i}" for i in range(m)], "unit_id": [f"U{i % 40}" for i in range(m)],
         "jabatan": "Analis", "workload_hours": "1250"}
    )  # fmt: skip
    ids = [f"E{i}" for i in range(n)]
    employees = pd.DataFrame(
        {"employee_id": ids, "position_id": [f"P{i % m}" for i in range(n)], "status": "PNS",
         "months_in_position": "24", "birth_date": "17-03-1985", "preferences": "P1;U2",
         "spouse_id": [ids[i ^ 1] for i in range(n)]}
    )  # fmt: skip
    employees.loc[::1000, "birth_date"] = "1985-02-30"
    employees.loc[500::1000, "preferences"] = "P1;Q"
    problems = problems_of({"employees": employees, "positions": positions})
    assert [p.rule for p in problems[:4]] == ["invalid_date", "unknown_preference"] * 2
    assert len(problems) == 2 * n // 1000
    assert problems[2].row == 1002


# --------------------------------------------------------------------------- the units table in every format


def expected_units() -> pd.DataFrame:
    return validate_tables(policy_tables()).units


def test_units_from_frames() -> None:
    raw = policy_tables()
    problem = Problem.from_frames(raw["employees"], raw["positions"], units=raw["units"])
    pd.testing.assert_frame_equal(problem.units, expected_units())
    without = Problem.from_frames(raw["employees"], raw["positions"])
    assert len(without.units) == 0
    assert list(without.units.columns) == [*TABLES["units"].names, "source_row"]


def test_units_from_csv_folder(tmp_path: Path) -> None:
    raw = policy_tables()
    folder = tmp_path / "csv"
    folder.mkdir()
    raw["employees"].to_csv(folder / "employees.csv", index=False)
    raw["positions"].to_csv(folder / "positions.csv", index=False, sep=";")
    raw["units"].rename(columns={"unit_id": "Kode Unit", "max_moves_out": "Maks Mutasi Keluar"}).to_csv(
        folder / "Units.CSV", index=False
    )
    problem = Problem.read(folder)
    pd.testing.assert_frame_equal(problem.units, expected_units())
    pd.testing.assert_frame_equal(problem.employees, validate_tables(policy_tables()).employees)


def test_units_from_excel(tmp_path: Path) -> None:
    raw = policy_tables()
    emp = raw["employees"].astype(object)
    emp["birth_date"] = [dt.datetime(1980, 1, 1), "14-02-1985", None]  # a real Excel date and text
    emp["volunteer"] = [True, None, False]
    units = raw["units"].astype(object)
    units["max_moves_out"] = [2, None]
    units["max_moves_in"] = [None, 3.0]
    path = write_frames(
        {"employees": emp, "positions": raw["positions"], "Units": units}, tmp_path / "b.xlsx"
    )
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    cell = f"{get_column_letter(list(emp.columns).index('birth_date') + 1)}2"
    assert isinstance(load_workbook(path)["employees"][cell].value, dt.datetime)  # an Excel date
    problem = Problem.read(path)
    pd.testing.assert_frame_equal(problem.units, expected_units())
    pd.testing.assert_frame_equal(problem.employees, validate_tables(policy_tables()).employees)


def test_units_from_json(tmp_path: Path) -> None:
    raw = policy_tables()
    doc: dict[str, Any] = {name: frame.to_dict(orient="records") for name, frame in raw.items()}
    doc["units"] = {col: raw["units"][col].tolist() for col in raw["units"].columns}  # column mapping
    path = tmp_path / "in.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    problem = Problem.read(path)
    pd.testing.assert_frame_equal(problem.units, expected_units())


def test_json_round_trip_of_canonical_tables(tmp_path: Path) -> None:
    tables = validate_tables(policy_tables())
    frames = {"employees": tables.employees, "positions": tables.positions, "units": tables.units}
    path = write_frames(frames, tmp_path / "out.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["employees"][0]["birth_date"] == "1980-01-01"
    assert doc["employees"][2]["birth_date"] is None
    again = validate_tables(read_tables(path))
    pd.testing.assert_frame_equal(again.employees, tables.employees)
    pd.testing.assert_frame_equal(again.positions, tables.positions)
    pd.testing.assert_frame_equal(again.units, tables.units)


def test_excel_round_trip_of_canonical_tables(tmp_path: Path) -> None:
    tables = validate_tables(policy_tables())
    frames = {"employees": tables.employees, "positions": tables.positions, "units": tables.units}
    again = validate_tables(read_tables(write_frames(frames, tmp_path / "out.xlsx")))
    pd.testing.assert_frame_equal(again.employees, tables.employees)
    pd.testing.assert_frame_equal(again.positions, tables.positions)
    pd.testing.assert_frame_equal(again.units, tables.units)


def test_units_problems_from_files(tmp_path: Path) -> None:
    raw = policy_tables()
    folder = tmp_path / "csv"
    folder.mkdir()
    for name, frame in raw.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    (folder / "units.csv").write_text("unit_id,coverage\nU1,sdm:3x2\n\nU3,sdm\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        Problem.read(folder)
    got = [(p.table, p.row, p.column, p.value, p.rule) for p in info.value.problems]
    assert got == [
        ("units", 4, "unit_id", "U3", "unknown_unit"),
        ("units", 4, "coverage", "sdm", "invalid_coverage"),
    ]
