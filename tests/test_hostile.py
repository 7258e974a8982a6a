"""Hostile and broken input: every case is a clear :class:`InputError` (CLI exit 2), fast.

NaN and infinities, huge numbers, ids of 10,000 characters, megabytes of text in one cell,
duplicate columns, empty tables, workbooks with missing sheets, a 1 GB file (sparse: it
takes no disk space), zip bombs, too many rows, columns or problems; and fuzzing of the
readers, of :func:`validate_tables` and of the command line with hypothesis, which must
find no traceback. Also: inputs are never modified and outputs are written atomically.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import hashlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

import asn_balance as ab
from asn_balance import datasets
from asn_balance.io import write_frames
from asn_balance.model.errors import InputError
from asn_balance.model.limits import DEFAULT_LIMITS, LIMIT_RULES, Limits
from asn_balance.model.problem import Problem
from asn_balance.model.tables import validate_tables

NIP1 = "198001012005011001"
NIP2 = "198502142010012003"
EMPLOYEES_CSV = f"employee_id,position_id,status,months_in_position\n{NIP1},P1,PNS,36\n{NIP2},P2,PNS,30\n"
POSITIONS_CSV = "position_id,unit_id,jabatan,workload_hours\nP1,U1,Analis,2500\nP2,U1,Analis,1250\n"
FAST = 5.0  # seconds any rejection may take, generously (they take milliseconds)


def folder(tmp_path: Path, employees: str = EMPLOYEES_CSV, positions: str = POSITIONS_CSV) -> Path:
    out = tmp_path / "data"
    out.mkdir(exist_ok=True)
    (out / "employees.csv").write_text(employees, encoding="utf-8")
    (out / "positions.csv").write_text(positions, encoding="utf-8")
    return out


def rules(exc: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [p.rule for p in exc.value.problems]


def frames() -> dict[str, pd.DataFrame]:
    return {
        "employees": pd.DataFrame(
            {
                "employee_id": [NIP1, NIP2],
                "position_id": ["P1", "P2"],
                "status": ["PNS", "PNS"],
                "months_in_position": [36.0, 30.0],
            }
        ),
        "positions": pd.DataFrame(
            {
                "position_id": ["P1", "P2"],
                "unit_id": ["U1", "U1"],
                "jabatan": ["Analis", "Analis"],
                "workload_hours": [2500.0, 1250.0],
            }
        ),
    }


def problems(raw: dict[str, Any], **kw: Any) -> list[tuple[str, int | None, str | None, str]]:
    with pytest.raises(InputError) as info:
        validate_tables(raw, **kw)
    return [(p.table, p.row, p.column, p.rule) for p in info.value.problems]


# --------------------------------------------------------------------------- limits


def test_limits_are_frozen_validated_and_documented() -> None:
    lim = Limits()
    assert lim == DEFAULT_LIMITS
    with pytest.raises(Exception):  # noqa: B017 - a frozen dataclass raises FrozenInstanceError
        lim.max_rows = 5  # type: ignore[misc]
    for bad in (0, -1, float("nan"), float("inf"), True):
        with pytest.raises(ValueError, match="max_rows"):
            Limits(max_rows=bad)  # type: ignore[arg-type]
    assert lim.replace(max_rows=7, max_id_length=None).max_rows == 7
    assert lim.replace(max_rows=7).max_id_length == lim.max_id_length
    assert set(LIMIT_RULES) >= {"file_too_large", "too_many_rows", "id_too_long", "value_too_large"}
    assert lim.to_dict()["max_file_bytes"] == 200_000_000


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("text", ["NaN", "nan", "inf", "-inf", "Infinity", "1e400", '"1,5e999"'])
def test_nan_and_infinities_in_text_are_not_numbers(tmp_path: Path, text: str) -> None:
    data = folder(tmp_path, positions=POSITIONS_CSV.replace("2500", text))
    with pytest.raises(InputError) as info:
        Problem.read(data)
    assert {(p.table, p.row, p.column, p.rule) for p in info.value.problems} == {
        ("positions", 2, "workload_hours", "not_a_number")
    }


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinities_in_frames(value: float) -> None:
    raw = frames()
    raw["employees"]["months_in_position"] = [value, 1.0]
    if math.isnan(value):  # NaN in a float column is a blank cell
        assert problems(raw) == [("employees", 2, "months_in_position", "missing_value")]
    else:
        assert problems(raw) == [("employees", 2, "months_in_position", "not_a_number")]


def test_huge_numbers_are_value_too_large() -> None:
    raw = frames()
    raw["positions"]["workload_hours"] = [1e300, 2e9]
    raw["positions"]["max_staff"] = [10**12, 3]
    raw["employees"]["months_in_position"] = [1e15, 1.0]
    got = problems(raw)
    assert got == [
        ("employees", 2, "months_in_position", "value_too_large"),
        ("positions", 2, "workload_hours", "value_too_large"),
        ("positions", 2, "max_staff", "value_too_large"),
        ("positions", 3, "workload_hours", "value_too_large"),
    ]
    # the limits can be raised (the workload cap separately)
    lim = Limits(max_abs_number=1e16, max_workload_hours=1e10)
    raw["positions"]["workload_hours"] = [3e9, 2e9]
    tables = validate_tables(raw, limits=lim)
    assert tables.positions["max_staff"].tolist() == [1e12, 3.0]


def test_workload_from_tasks_too_large() -> None:
    raw = frames()
    raw["positions"]["workload_hours"] = [np.nan, 1250.0]
    raw["tasks"] = pd.DataFrame(
        {"position_id": ["P1"], "task": ["x"], "volume": [9e8], "period": ["hari"], "norm_minutes": [9e8]}
    )
    assert problems(raw) == [("positions", 2, "workload_hours", "value_too_large")]


def test_grade_and_education_with_odd_digits_do_not_crash() -> None:
    raw = frames()
    raw["employees"]["grade"] = ["²", "9" * 5000]
    raw["employees"]["education"] = ["٣", "1" * 5000]
    raw["employees"]["competencies"] = ["a:" + "9" * 5000, "b:²"]
    got = problems(raw, limits=Limits(max_text_length=10_000))  # Python's int() fails beyond 4,300 digits
    assert sorted({r for *_, r in got}) == ["invalid_competencies", "invalid_education", "invalid_grade"]


# --------------------------------------------------------------------------- long cells


def test_ids_of_ten_thousand_characters() -> None:
    raw = frames()
    long_id = "E" * 10_000
    raw["employees"]["employee_id"] = [long_id, NIP2]
    raw["employees"]["spouse_id"] = ["", long_id]
    t0 = time.perf_counter()
    with pytest.raises(InputError) as info:
        validate_tables(raw)
    assert time.perf_counter() - t0 < FAST
    got = [(p.row, p.column, p.rule) for p in info.value.problems]
    assert got == [(2, "employee_id", "id_too_long"), (3, "spouse_id", "id_too_long")]
    assert len(str(info.value)) < 2_000  # values are shortened in the message


def test_megabytes_of_text_in_a_cell_fail_fast() -> None:
    raw = frames()
    raw["employees"]["competencies"] = ["a" * 2_000_000 + ":1", "a" + " " * 3_000_000 + "b"]
    raw["employees"]["name"] = ["n" * 5_000_000, "ok"]
    t0 = time.perf_counter()
    got = problems(raw)
    assert time.perf_counter() - t0 < FAST
    assert got == [
        ("employees", 2, "name", "text_too_long"),
        ("employees", 2, "competencies", "text_too_long"),
        ("employees", 3, "competencies", "text_too_long"),
    ]
    # raised limits: the cells are parsed, still in linear time (no regular-expression backtracking)
    t0 = time.perf_counter()
    got = problems(raw, limits=Limits(max_text_length=10_000_000))
    assert time.perf_counter() - t0 < FAST
    assert got == [("employees", 3, "competencies", "invalid_competencies")]


def test_long_header_is_text_too_long() -> None:
    raw = frames()
    raw["employees"]["h" * 5000] = "x"
    assert problems(raw) == [("employees", None, None, "text_too_long")]


# --------------------------------------------------------------------------- tables


def test_duplicate_columns_and_empty_tables(tmp_path: Path) -> None:
    data = folder(tmp_path, employees=EMPLOYEES_CSV.replace("employee_id,", "nip,").replace(
        "status,", "status,NIP Baru,").replace("PNS,", "PNS,x,"))  # fmt: skip
    with pytest.raises(InputError) as info:
        Problem.read(data)
    assert "duplicate_column" in rules(info)
    (data / "positions.csv").write_text("", encoding="utf-8")
    (data / "employees.csv").write_text("employee_id,position_id,status,months_in_position\n\n\n")
    with pytest.raises(InputError) as info:
        Problem.read(data)
    assert sorted(rules(info)) == ["empty_table", "empty_table"]


def test_workbook_with_missing_sheets(tmp_path: Path) -> None:
    wb = Workbook()
    assert wb.active is not None
    wb.active.title = "Sheet1"
    wb.save(tmp_path / "book.xlsx")
    with pytest.raises(InputError) as info:
        Problem.read(tmp_path / "book.xlsx")
    assert sorted(rules(info)) == ["missing_table", "missing_table"]
    assert "Sheet1" in str(info.value)


def test_too_many_rows_and_columns_everywhere(tmp_path: Path) -> None:
    lim = Limits(max_rows=1, max_columns=3)
    data = folder(tmp_path)
    with pytest.raises(InputError) as info:
        Problem.read(data, limits=lim)
    assert rules(info) == ["too_many_columns"]  # checked before parsing, first file
    with pytest.raises(InputError) as info:
        Problem.read(data, limits=Limits(max_rows=1))
    assert rules(info) == ["too_many_rows"]
    raw = frames()
    xlsx = write_frames(raw, tmp_path / "t.xlsx")
    with pytest.raises(InputError) as info:
        Problem.read(xlsx, limits=Limits(max_rows=1))
    assert rules(info) == ["too_many_rows"]
    with pytest.raises(InputError) as info:
        Problem.read(xlsx, limits=Limits(max_columns=2))
    assert rules(info) == ["too_many_columns"]
    doc = {k: v.to_dict(orient="records") for k, v in raw.items()}
    (tmp_path / "t.json").write_text(json.dumps(doc), encoding="utf-8")
    for limits, rule in ((Limits(max_rows=1), "too_many_rows"), (Limits(max_columns=2), "too_many_columns")):
        with pytest.raises(InputError) as info:
            Problem.read(tmp_path / "t.json", limits=limits)
        assert rules(info) == [rule]
    assert problems(raw, limits=Limits(max_rows=1)) == [
        ("employees", None, None, "too_many_rows"),
        ("positions", None, None, "too_many_rows"),
    ]
    # trailing blank lines and rows do not count
    (data / "employees.csv").write_text(EMPLOYEES_CSV + ",,,\n" * 50 + "\n" * 50, encoding="utf-8")
    assert Problem.read(data, limits=Limits(max_rows=2)).n_employees == 2


def test_too_many_problems_are_counted_not_listed() -> None:
    n = 5_000
    raw = frames()
    raw["employees"] = pd.DataFrame(
        {
            "employee_id": [f"E{i}" for i in range(n)],
            "position_id": ["P9"] * n,
            "status": ["X"] * n,
            "months_in_position": ["-1"] * n,
        }
    )
    t0 = time.perf_counter()
    with pytest.raises(InputError) as info:
        validate_tables(raw, limits=Limits(max_problems=50))
    assert time.perf_counter() - t0 < FAST
    got = info.value.problems
    assert len(got) == 51
    assert got[-1].rule == "too_many_problems"
    assert got[-1].value == 3 * n  # status, months and the unknown position of every row
    assert "more problem(s) not listed" in got[-1].message


# --------------------------------------------------------------------------- files


def sparse(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


@pytest.mark.parametrize("name", ["data/employees.csv", "data/positions.csv", "book.xlsx", "doc.json"])
def test_a_one_gigabyte_file_is_refused_before_reading(tmp_path: Path, name: str) -> None:
    data = folder(tmp_path)
    big = sparse(tmp_path / name, 1_000_000_000)
    source = data if name.startswith("data/") else big
    t0 = time.perf_counter()
    with pytest.raises(InputError) as info:
        Problem.read(source)
    assert time.perf_counter() - t0 < 1.0
    assert rules(info) == ["file_too_large"]
    assert "1,000,000,000 bytes" in str(info.value)
    sparse(big, 3_000_000)  # the limit is the policy's: raised, the (all-zero) file is read
    with pytest.raises(InputError) as info:
        Problem.read(source, limits=Limits(max_file_bytes=2_000_000))
    assert rules(info) == ["file_too_large"]
    with pytest.raises(InputError) as info:
        Problem.read(source, limits=Limits(max_file_bytes=4_000_000))
    assert "file_too_large" not in rules(info)


def test_zip_bomb_workbook(tmp_path: Path) -> None:
    path = write_frames(frames(), tmp_path / "t.xlsx")
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/zeros.bin", b"\0" * 30_000_000)  # compresses to ~30 kB
    assert path.stat().st_size < 1_000_000
    with pytest.raises(InputError) as info:
        Problem.read(path, limits=Limits(max_unpacked_bytes=20_000_000))
    assert rules(info) == ["file_too_large"]
    assert Problem.read(path).n_employees == 2


def test_garbage_files(tmp_path: Path) -> None:
    for name, content in (
        ("a.xlsx", b"PK\x03\x04garbage"),
        ("b.json", b"\xff\xfe{"),
        ("c.json", b"[" * 100_000),
    ):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(InputError) as info:
            Problem.read(tmp_path / name)
        assert rules(info) == ["unreadable_file"], name


# --------------------------------------------------------------------------- Excel formulas


def formula_book(tmp_path: Path, cached: str | None) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "employees"
    ws.append(["employee_id", "position_id", "status", "months_in_position"])
    ws.append([NIP1, "P1", "PNS", "=12*3"])
    pos = wb.create_sheet("positions")
    pos.append(["position_id", "unit_id", "jabatan", "workload_hours"])
    pos.append(["P1", "U1", "Analis", 1250])
    path = tmp_path / "f.xlsx"
    wb.save(path)
    if cached is not None:  # as Excel saves it: the formula with its last value
        out = tmp_path / "cached.xlsx"
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = data.replace(b"<v />", f"<v>{cached}</v>".encode())
                dst.writestr(item, data)
        return out
    return path


def test_excel_formula_values_are_read(tmp_path: Path) -> None:
    problem = Problem.read(formula_book(tmp_path, "36"))
    assert problem.employees["months_in_position"].tolist() == [36.0]


def test_excel_formula_without_value_names_the_cell(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        Problem.read(formula_book(tmp_path, None))
    (p,) = info.value.problems
    assert (p.table, p.row, p.value, p.rule) == ("employees", 2, "employees!D2", "formula_without_value")
    assert "employees!D2" in str(info.value)


# --------------------------------------------------------------------------- nothing lost


def digest(path: Path) -> dict[str, tuple[str, int]]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return {str(p): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in files}


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys; from asn_balance.apps.cli import main; sys.argv = ['asn-balance', *sys.argv[1:]]; main()"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd, timeout=300, check=False
    )


def test_inputs_are_never_modified(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    shutil.copytree(datasets.demo_path(), data)
    problem = Problem.read(data)
    book = ab.io.write_frames(
        {"employees": problem.employees, "positions": problem.positions, "tasks": problem.tasks},
        tmp_path / "demo.xlsx",
    )
    before = {**digest(data), **digest(book)}
    time.sleep(0.01)
    for source in (data, book):
        res = run_cli("plan", str(source), "--out", str(tmp_path / f"plan-{source.suffix}.json"), "-q",
                      "--max-moves", "5")  # fmt: skip
        assert res.returncode == 0, res.stderr
    assert run_cli("check", str(data), str(tmp_path / "plan-.json")).returncode == 0
    assert {**digest(data), **digest(book)} == before


@pytest.mark.parametrize("suffix", [".json", ".xlsx", ""])
def test_a_failure_mid_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    problem = Problem.read(datasets.demo_path(), ab.Policy(plan_date=dt.date(2025, 1, 1)))
    result = ab.solve(problem)
    target = tmp_path / f"plan{suffix}"
    result.write(target)
    before = digest(target)
    real_fsync = os.fsync
    calls = {"n": 0}

    def crash(fd: int) -> None:  # the disk fails after some bytes went to the temporary file
        calls["n"] += 1
        if calls["n"] >= 2 or suffix != "":
            raise OSError("disk failed mid-write")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="mid-write"):
        result.write(target)
    monkeypatch.undo()
    if suffix:  # the old plan is intact (a folder: each file old or new, whole) ...
        assert digest(target) == before
    else:
        assert {k: v[0] for k, v in digest(target).items()} == {k: v[0] for k, v in before.items()}
    leftovers = [p.name for p in tmp_path.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    assert leftovers == []  # ... and no temporary file is left
    target.unlink() if target.is_file() else shutil.rmtree(target)
    monkeypatch.setattr(os, "fsync", crash)
    calls["n"] = 5
    with pytest.raises(OSError):
        result.write(target)
    monkeypatch.undo()
    if suffix:  # a single file: nothing at all is left
        assert not target.exists()
    assert [p for p in tmp_path.rglob("*") if p.suffix == ".tmp"] == []


# --------------------------------------------------------------------------- CLI


def test_cli_limits_options(tmp_path: Path) -> None:
    data = folder(tmp_path)
    sparse(tmp_path / "data" / "tasks.csv", 3_000_000)
    res = run_cli("plan", str(data), "--max-file-mb", "1")
    assert res.returncode == 2
    assert "[file_too_large]" in res.stderr and "Traceback" not in res.stderr
    res = run_cli("check", str(data), str(tmp_path / "nope.json"), "--max-rows", "1")
    assert res.returncode == 2 and "[too_many_rows]" in res.stderr
    res = run_cli("plan", str(data), "--max-file-mb", "-3")
    assert res.returncode == 2 and "[invalid_option]" in res.stderr


# --------------------------------------------------------------------------- fuzzing

CELLS = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(["", " ", "PNS", "cpns", "P3K", "III/b", "32", "45", "99", "S1", "d-iii", "40", "05",
                     "ya", "TIDAK", "true", "0", "1", "hari", "per bulan", "12,5", "1.250,5", "1e400", "nan",
                     "-inf", "17-08-1985", "1985-02-30", "2999-01-01", "keuangan:3;hukum:2", "a:9",
                     "keuangan:3x2", "P1;U1", "P1", "P2", "U1", NIP1, NIP2, "198001012005011000"]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([None, dt.timezone.utc, dt.timezone(dt.timedelta(hours=7))])),
    st.binary(max_size=8),
    st.decimals(allow_nan=False),  # a signalling NaN breaks pandas itself (isna raises)
    st.just(decimal.Decimal("NaN")),
    st.complex_numbers(max_magnitude=1e6),
    st.sampled_from([pd.NA, pd.NaT, np.nan, np.datetime64("NaT"), np.int64(7), np.float32(2.5), [1]]),
    st.sampled_from([{"a": 1}, (1, 2), {1, 2}, object()]),
)  # fmt: skip
HEADERS = st.sampled_from(
    ["employee_id", "nip", "nipBaru", "position_id", "posisi", "status", "grade", "education",
     "competencies", "months_in_position", "locked", "birth_date", "tglLahir", "tmtJabatan", "unorId",
     "jabatanNama", "discipline", "volunteer", "preferences", "spouse_id", "unit_id", "unit_name",
     "jabatan", "workload_hours", "min_staff", "max_staff", "min_grade", "max_grade", "min_education",
     "retirement_age", "coverage", "max_moves_out", "task", "volume", "period", "norm_minutes", "x", ""]
)  # fmt: skip


@st.composite
def tables(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("employees", "positions", "tasks", "units"):
        if draw(st.booleans()) and name in ("tasks", "units"):
            continue
        cols = draw(st.lists(HEADERS, max_size=7))
        n = draw(st.integers(0, 4))
        data = {f"c{j}": [draw(CELLS) for _ in range(n)] for j in range(len(cols))}
        frame = pd.DataFrame(data)
        frame.columns = pd.Index(cols, dtype=object) if cols else frame.columns
        out[name] = frame
    return out


def expect_input_error_or_tables(fn: Any, *args: Any, **kw: Any) -> Any:
    try:
        return fn(*args, **kw)
    except InputError as e:
        assert e.problems, "an InputError lists its problems"
        for p in e.problems:
            str(p)
        return None


#: Examples per fuzz test; for a longer hunt: ``ASN_FUZZ_EXAMPLES=5000 pytest tests/test_hostile.py``.
FUZZ_EXAMPLES = int(os.environ.get("ASN_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(tables())
def test_fuzz_validate_tables(raw: dict[str, Any]) -> None:
    tables = expect_input_error_or_tables(validate_tables, raw)
    if tables is not None:  # what passes is planable
        problem = Problem(tables)
        assert problem.n_employees >= 1
        expect_input_error_or_tables(ab.solve, problem, time_limit=2)


@FUZZ
@given(st.binary(max_size=400), st.binary(max_size=400))
def test_fuzz_csv_bytes(employees: bytes, positions: bytes) -> None:
    with _tmpdir() as d:
        (d / "employees.csv").write_bytes(employees)
        (d / "positions.csv").write_bytes(positions)
        expect_input_error_or_tables(Problem.read, d)


CSV_TEXT = st.text(alphabet=st.sampled_from(list('abcPNS0123456789,;\t"\n\r .-/:é\ufeff')), max_size=300)


@FUZZ
@given(CSV_TEXT, CSV_TEXT)
def test_fuzz_csv_text(employees: str, positions: str) -> None:
    with _tmpdir() as d:
        (d / "employees.csv").write_text(
            "nip,posisi,status,masa_jabatan_bulan\n" + employees, encoding="utf-8"
        )
        (d / "positions.csv").write_text("position_id;unit_id;jabatan;beban_kerja\n" + positions, "utf-8")
        expect_input_error_or_tables(Problem.read, d)


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(HEADERS, inner, max_size=4)),
    max_leaves=20,
)


@FUZZ
@given(st.dictionaries(st.sampled_from(["employees", "positions", "tasks", "units", "x"]), JSON_VALUES))
def test_fuzz_json(doc: dict[str, Any]) -> None:
    with _tmpdir() as d:
        (d / "doc.json").write_text(json.dumps(doc), encoding="utf-8")
        expect_input_error_or_tables(Problem.read, d / "doc.json")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_fuzz_excel(raw: dict[str, Any]) -> None:
    with _tmpdir() as d:
        try:
            path = write_frames({k: v.astype(str) for k, v in raw.items()}, d / "t.xlsx")
        except Exception:  # the writer may refuse odd frames; that is not what is tested here
            return
        expect_input_error_or_tables(Problem.read, path)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.binary(max_size=200))
def test_fuzz_cli(raw: dict[str, Any], garbage: bytes) -> None:
    """A few subprocess runs: exit 0, 1 or 2, never a traceback."""
    with _tmpdir() as d:
        for name, frame in raw.items():
            buf = io.StringIO()
            frame.to_csv(buf, index=False)
            (d / f"{name}.csv").write_text(buf.getvalue(), encoding="utf-8")
        res = run_cli("plan", str(d), "-q", "--time-limit", "2")
        assert res.returncode in (0, 1, 2), res.stderr
        assert "Traceback" not in res.stderr, res.stderr
        (d / "employees.csv").write_bytes(garbage)
        res = run_cli("check", str(d), str(d / "plan.json"))
        assert res.returncode in (1, 2) and "Traceback" not in res.stderr, res.stderr


@contextlib.contextmanager
def _tmpdir() -> Any:
    import tempfile

    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def full_tables() -> dict[str, pd.DataFrame]:
    """Every column of every table, valid: the base the cell fuzzer mutates."""
    nip3 = "199001012015011003"
    return {
        "employees": pd.DataFrame(
            {
                "employee_id": [NIP1, NIP2, nip3],
                "name": ["A", "B", "C"],
                "position_id": ["P1", "P2", "P2"],
                "status": ["PNS", "PNS", "PPPK"],
                "grade": ["III/b", "32", "III/a"],
                "education": ["S1", "40", "D3"],
                "competencies": ["keuangan:3", "", "keuangan:2;hukum:1"],
                "months_in_position": [36, "30,5", 80],
                "locked": ["tidak", "", "ya"],
                "birth_date": ["1980-01-01", "14-02-1985", ""],
                "discipline": ["", "0", "false"],
                "study_leave": ["", "", ""],
                "volunteer": ["ya", "", ""],
                "preferences": ["P2;U1", "", ""],
                "spouse_id": ["", nip3, ""],
            }
        ),
        "positions": pd.DataFrame(
            {
                "position_id": ["P1", "P2", "P3"],
                "unit_id": ["U1", "U1", "U2"],
                "unit_name": ["Umum", "", "Dinas"],
                "jabatan": ["Analis", "Analis", "Analis"],
                "workload_hours": ["2500", "", "1.250,5"],
                "min_staff": [0, 0, 0],
                "max_staff": ["", 4, ""],
                "required_competencies": ["", "", "keuangan:2"],
                "min_grade": ["", "II/a", ""],
                "max_grade": ["", "", "IV/e"],
                "min_education": ["", "D3", ""],
                "retirement_age": ["", 60, ""],
                "competency_standard": ["keuangan:4", "", ""],
            }
        ),
        "tasks": pd.DataFrame(
            {
                "position_id": ["P2", "P2"],
                "task": ["a", "b"],
                "volume": [10, "12,5"],
                "period": ["bulan", "hari"],
                "norm_minutes": [300, 2],
            }
        ),
        "units": pd.DataFrame(
            {
                "unit_id": ["U1", "U2"],
                "unit_name": ["", ""],
                "max_moves_out": [1, ""],
                "max_moves_in": ["", 2],
                "coverage": ["keuangan:2x1", ""],
            }
        ),
    }


def test_full_tables_are_valid_and_plan() -> None:
    problem = Problem(validate_tables(full_tables()))
    result = ab.solve(problem, time_limit=5)
    assert result.has_plan and ab.check(problem, result).ok


@FUZZ
@given(st.data())
def test_fuzz_cells_of_valid_tables(data: st.DataObject) -> None:
    """Valid tables with a few cells replaced by anything: an InputError, or a plan that checks."""
    raw = {k: v.astype(object) for k, v in full_tables().items()}
    for _ in range(data.draw(st.integers(1, 4))):
        name = data.draw(st.sampled_from(sorted(raw)))
        frame = raw[name]
        col = data.draw(st.sampled_from(list(frame.columns)))
        row = data.draw(st.integers(0, len(frame) - 1))
        values = frame[col].to_numpy(dtype=object).copy()
        values[row] = data.draw(CELLS)
        frame[col] = pd.Series(values, index=frame.index, dtype=object)
    tables = expect_input_error_or_tables(validate_tables, raw)
    if tables is not None:
        problem = Problem(tables)
        result = ab.solve(problem, time_limit=2)
        if result.has_plan:
            assert ab.check(problem, result).ok
