"""SIASN exports read as they come (docs/siasn.md), and the real-world file quirks.

The sample in ``docs/siasn_sample/`` is a SIASN employee export (camelCase headers, ``;``
separators, UTF-8 with BOM, CRLF, dates ``DD-MM-YYYY``, SIASN grade ids and BKN education
codes, ``tmtJabatan`` instead of months) with an ABK table by ``unorId`` and
``jabatanNama`` with Indonesian decimal commas. It must read and plan end to end.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

import asn_balance as ab
from asn_balance.io import read_tables, write_frames
from asn_balance.model.domain import BKN_EDUCATION_CODES, GRADES, parse_education, parse_grade
from asn_balance.model.errors import InputError
from asn_balance.model.problem import Problem
from asn_balance.model.tables import POSITION_ID_SEPARATOR, canonical_hash, validate_tables

SAMPLE = Path(__file__).resolve().parents[1] / "docs" / "siasn_sample"
PLAN_DATE = dt.date(2025, 1, 1)
POLICY = ab.Policy(plan_date=PLAN_DATE)
SETDA = "A5EB03E23BFBF6A0E040640A040252AD"
BKPSDM = "A5EB03E23C0AF6A0E040640A040252AD"


def sample() -> Problem:
    return Problem.read(SAMPLE, POLICY)


# --------------------------------------------------------------------------- the sample


def test_sample_file_is_a_real_world_export() -> None:
    raw = (SAMPLE / "employees.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    assert b"\r\n" in raw and b";" in raw.splitlines()[0]
    header = raw.decode("utf-8-sig").splitlines()[0].split(";")
    assert {"nipBaru", "nama", "tglLahir", "golRuangAkhirId", "tkPendidikanTerakhirId", "jabatanNama",
            "tmtJabatan", "unorId", "unorNama", "statusPegawai"} <= set(header)  # fmt: skip
    assert "position_id" not in header and "months_in_position" not in header


def test_sample_reads_with_siasn_columns() -> None:
    p = sample()
    emp = p.employees.set_index("employee_id")
    raw = pd.read_csv(SAMPLE / "employees.csv", sep=";", dtype=str, encoding="utf-8-sig").set_index("nipBaru")
    assert list(emp.index) == list(raw.index)  # NIPs kept as text, all 18 digits
    assert all(len(n) == 18 for n in emp.index)
    assert emp["name"].tolist() == raw["nama"].tolist()
    # golRuangAkhirId 11..45 -> golongan, the same as SIASN's own golRuangAkhir text
    assert emp["grade"].tolist() == raw["golRuangAkhir"].tolist()
    # tkPendidikanTerakhirId (BKN codes) -> education level
    assert emp["education"].tolist() == [BKN_EDUCATION_CODES[int(c)] for c in raw["tkPendidikanTerakhirId"]]
    # tglLahir DD-MM-YYYY -> birth_date
    want = pd.to_datetime(raw["tglLahir"], format="%d-%m-%Y")
    assert (emp["birth_date"].to_numpy() == want.to_numpy()).all()
    # unorId + jabatanNama -> position_id, the same in the ABK table
    assert (
        emp["position_id"].tolist() == (raw["unorId"] + POSITION_ID_SEPARATOR + raw["jabatanNama"]).tolist()
    )
    assert set(emp["position_id"]) <= set(p.positions["position_id"])
    assert emp.loc[emp["status"] == "CPNS"].shape[0] == 1
    pos = p.positions.set_index("position_id")
    assert pos.loc[f"{BKPSDM}/Analis Kepegawaian", "workload_hours"] == 3800.5  # decimal comma
    assert pos.loc[f"{SETDA}/Analis Kepegawaian", "unit_name"] == "Sekretariat Daerah"
    # the source columns are used, not reported as unused extras
    assert not any("'unorId'" in w or "'tmtJabatan'" in w or "'jabatanNama'" in w for w in p.warnings)


def test_months_in_position_from_tmt_jabatan_at_the_plan_date() -> None:
    p = sample()
    raw = pd.read_csv(SAMPLE / "employees.csv", sep=";", dtype=str, encoding="utf-8-sig")
    tmt = pd.to_datetime(raw["tmtJabatan"], format="%d-%m-%Y")
    months = [
        (PLAN_DATE.year - t.year) * 12 + PLAN_DATE.month - t.month - (PLAN_DATE.day < t.day) for t in tmt
    ]
    assert p.employees["months_in_position"].tolist() == [float(m) for m in months]
    later = Problem.read(SAMPLE, ab.Policy(plan_date=dt.date(2025, 7, 1)))
    diff = later.employees["months_in_position"] - p.employees["months_in_position"]
    assert (diff == 6).all()
    assert canonical_hash(later.employees, later.positions) != canonical_hash(p.employees, p.positions)


def test_sample_plans_end_to_end_and_checks() -> None:
    p = sample()
    result = ab.solve(p)
    assert result.status == "optimal" and result.n_moves > 0
    assert ab.check(p, result).ok
    moved = set(result.moves["employee_id"])
    emp = p.employees.set_index("employee_id")
    assert not moved & set(emp.index[emp["status"] == "CPNS"])  # CPNS never move
    assert not moved & set(emp.index[emp["months_in_position"] < 24])  # nor anyone under 24 months
    assert result.summary()["input_sha256"] == canonical_hash(p.employees, p.positions, p.tasks, p.units)


def test_sample_through_the_cli(tmp_path: Path) -> None:
    code = (
        "import sys; from asn_balance.apps.cli import main; sys.argv = ['asn-balance', *sys.argv[1:]]; main()"
    )
    out = tmp_path / "plan.json"
    res = subprocess.run(
        [sys.executable, "-c", code, "plan", str(SAMPLE), "--date", "2025-01-01", "--out", str(out), "-q"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert plan["summary"]["plan_date"] == "2025-01-01" and plan["moves"]
    assert all(m["from_position"].startswith(("A5EB03E2",)) for m in plan["moves"])


def test_sample_as_excel_reads_the_same(tmp_path: Path) -> None:
    frames = {n: pd.read_csv(SAMPLE / f"{n}.csv", sep=";", dtype=str, encoding="utf-8-sig",
                             keep_default_na=False) for n in ("employees", "positions")}  # fmt: skip
    book = write_frames(frames, tmp_path / "siasn.xlsx")
    a, b = sample(), Problem.read(book, POLICY)
    assert canonical_hash(a.employees, a.positions) == canonical_hash(b.employees, b.positions)


# --------------------------------------------------------------------------- the mappings


@pytest.mark.parametrize(
    ("code", "level"),
    [("05", "SD"), ("5", "SD"), ("10", "SMP"), ("12", "SMP"), ("15", "SMA"), ("17", "SMA"), ("18", "SMA"),
     ("20", "D1"), ("25", "D2"), ("30", "D3"), ("35", "D4"), ("40", "S1"), ("45", "S2"), ("50", "S3")],
)  # fmt: skip
def test_bkn_education_codes(code: str, level: str) -> None:
    assert parse_education(code) == level
    assert parse_education(int(code)) == level


@pytest.mark.parametrize("code", ["0", "11", "41", "55", "100", "-5", "4O"])
def test_unknown_bkn_codes_are_invalid(code: str) -> None:
    assert parse_education(code) is None


def test_siasn_grade_ids() -> None:
    ids = [11, 12, 13, 14, 21, 22, 23, 24, 31, 32, 33, 34, 41, 42, 43, 44, 45]
    assert [parse_grade(str(i)) for i in ids] == list(GRADES)
    assert parse_grade("15") is None and parse_grade("46") is None and parse_grade("10") is None


def siasn_frames() -> dict[str, pd.DataFrame]:
    emp = pd.DataFrame(
        {
            "nipBaru": ["198001012005011001", "198502142010012003"],
            "nama": ["Budi", "Ani"],
            "statusPegawai": ["PNS", "pns"],
            "golRuangAkhirId": [32, 41],
            "tkPendidikanTerakhirId": ["40", 45],
            "unorId": ["U1", "U2"],
            "unorNama": ["Umum", "Keuangan"],
            "jabatanNama": ["Analis", "Analis"],
            "tmtJabatan": ["01-01-2020", "2019-06-15"],
            "tglLahir": ["01-01-1980", "14-02-1985"],
        }
    )
    pos = pd.DataFrame(
        {
            "unorId": ["U1", "U2"],
            "unorNama": ["Umum", "Keuangan"],
            "jabatanNama": ["Analis", "Analis"],
            "bebanKerja": ["2500", "1250"],
        }
    )
    pos = pos.rename(columns={"bebanKerja": "beban_kerja"})
    return {"employees": emp, "positions": pos}  # fmt: skip


def test_siasn_frames_validate() -> None:
    t = validate_tables(siasn_frames(), plan_date=dt.date(2025, 1, 1))
    e = t.employees
    assert e["position_id"].tolist() == ["U1/Analis", "U2/Analis"]
    assert e["grade"].tolist() == ["III/b", "IV/a"]
    assert e["education"].tolist() == ["S1", "S2"]
    assert e["status"].tolist() == ["PNS", "PNS"]
    assert e["months_in_position"].tolist() == [60.0, 66.0]
    assert t.positions["position_id"].tolist() == ["U1/Analis", "U2/Analis"]
    assert t.positions["workload_hours"].tolist() == [2500.0, 1250.0]
    assert "unorId" in e.columns and "tmtJabatan" in e.columns  # kept as extras, for reports


def test_employees_matched_to_positions_that_have_ids() -> None:
    raw = siasn_frames()
    raw["positions"].insert(0, "kode_posisi", ["P-A", "P-B"])
    t = validate_tables(raw, plan_date=dt.date(2025, 1, 1))
    assert t.employees["position_id"].tolist() == ["P-A", "P-B"]
    assert t.positions["position_id"].tolist() == ["P-A", "P-B"]
    raw["employees"].loc[1, "jabatanNama"] = "Pranata"  # no such position: named, not guessed
    with pytest.raises(InputError) as info:
        validate_tables(raw, plan_date=dt.date(2025, 1, 1))
    assert [(p.row, p.column, p.value, p.rule) for p in info.value.problems] == [
        (3, "position_id", "U2/Pranata", "unknown_position")
    ]


def test_positions_without_ids_need_employees_without_them_too() -> None:
    raw = siasn_frames()
    raw["employees"]["posisi"] = ["X1", "X2"]  # the employees give ids: the positions must too
    with pytest.raises(InputError) as info:
        validate_tables(raw, plan_date=dt.date(2025, 1, 1))
    assert [(p.table, p.column, p.rule) for p in info.value.problems] == [
        ("positions", "position_id", "missing_column")
    ]
    assert "unorId" in str(info.value)  # the message says how to make it


def test_siasn_source_problems_are_named() -> None:
    raw = siasn_frames()
    raw["employees"].loc[0, "unorId"] = " "
    raw["employees"].loc[1, "tmtJabatan"] = "31-02-2020"
    raw["employees"].loc[1, "tglLahir"] = ""
    with pytest.raises(InputError) as info:
        validate_tables(raw, plan_date=dt.date(2025, 1, 1))
    assert [(p.row, p.column, p.rule) for p in info.value.problems] == [
        (2, "unit_id", "missing_value"),
        (3, "tmt_jabatan", "invalid_date"),
    ]


def test_tmt_after_the_plan_date_counts_zero_months() -> None:
    t = validate_tables(siasn_frames(), plan_date=dt.date(2019, 1, 1))
    assert t.employees["months_in_position"].tolist() == [0.0, 0.0]
    assert any("after the plan date" in w for w in t.warnings)


def test_tmt_today_when_no_plan_date() -> None:
    t = validate_tables(siasn_frames())
    today = dt.date.today()
    assert t.employees["months_in_position"].iloc[0] == (today.year - 2020) * 12 + today.month - 1


def test_months_given_win_over_tmt() -> None:
    raw = siasn_frames()
    raw["employees"]["masa_jabatan_bulan"] = [7, 8]
    t = validate_tables(raw, plan_date=dt.date(2025, 1, 1))
    assert t.employees["months_in_position"].tolist() == [7.0, 8.0]


# --------------------------------------------------------------------------- real-world quirks


EMP = "nip;nama;posisi;status;golongan;masa_jabatan_bulan;dikunci\n{rows}"
POS = "kode_posisi;unor_id;nama_jabatan;beban_kerja\nP1;U1;Analis;1.250,5\nP2;U1;Analis;2500\n"
NIP1, NIP2 = "198001012005011001", "198502142010012003"


def write_folder(tmp: Path, employees: str, encoding: str = "utf-8", positions: str = POS) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "employees.csv").write_bytes(employees.encode(encoding))
    (tmp / "positions.csv").write_bytes(positions.encode(encoding))
    return tmp


def test_semicolons_decimal_commas_bom_latin1(tmp_path: Path) -> None:
    rows = f'"{NIP1}";Zaenal Ma\u2019ruf;P1;PNS;III/b;"24,5";YA\n{NIP2};Sutrisno Ã;P2;pns;32;30;Tidak\n'
    text = EMP.format(rows=rows)
    base = None
    for i, (enc, prefix) in enumerate((("utf-8", ""), ("utf-8", "\ufeff"), ("cp1252", ""))):
        t = validate_tables(read_tables(write_folder(tmp_path / str(i), prefix + text, enc)))
        e = t.employees
        assert e["employee_id"].tolist() == [NIP1, NIP2]
        assert e["months_in_position"].tolist() == [24.5, 30.0]
        assert e["locked"].tolist() == [True, False]
        assert t.positions["workload_hours"].tolist() == [1250.5, 2500.0]
        base = base or e["name"].tolist()
        assert e["name"].tolist() == base  # the same text whatever the encoding
    latin1 = write_folder(tmp_path / "l1", EMP.format(rows=f"{NIP1};José Ñandú;P1;PNS;;36;\n"), "latin-1")
    assert validate_tables(read_tables(latin1)).employees["name"].tolist() == ["José Ñandú"]


def test_quoted_nips_stay_text(tmp_path: Path) -> None:
    rows = f'"{NIP1}";A;P1;PNS;;36;\n\'{NIP2};B;P2;PNS;;36;\n'
    t = validate_tables(read_tables(write_folder(tmp_path, EMP.format(rows=rows))))
    assert t.employees["employee_id"].tolist()[0] == NIP1  # never 1.98e17
    sci = write_folder(tmp_path / "sci", EMP.format(rows="1.98E+17;A;P1;PNS;;36;\n"))
    with pytest.raises(InputError) as info:
        validate_tables(read_tables(sci))
    assert [(q.rule, q.column, q.value) for q in info.value.problems] == [
        ("nip_as_number", "employee_id", "1.98E+17")
    ]


def test_empty_rows_trailing_spaces_and_mixed_booleans(tmp_path: Path) -> None:
    rows = (f"{NIP1}  ;  A  ; P1 ;PNS ;;36;Ya\n;;;;;;\n\n{NIP2};B;P2; PNS;; 36 ;FALSE\n"
            "198001012005011002;C;P2;PNS;;36;1\n198001012005011003;D;P2;PNS;;36;0\n"
            "198001012005011004;E;P2;PNS;;36;true\n198001012005011005;F;P2;PNS;;36;TiDaK\n")  # fmt: skip
    t = validate_tables(read_tables(write_folder(tmp_path, EMP.format(rows=rows))))
    e = t.employees
    assert e["employee_id"].tolist()[:2] == [NIP1, NIP2]
    assert e["name"].tolist()[:2] == ["A", "B"]
    assert e["locked"].tolist() == [True, False, True, False, True, False]
    assert e["source_row"].tolist()[:2] == [2, 5]  # blank rows skipped, numbers kept
    bad = write_folder(tmp_path / "bad", EMP.format(rows=f"{NIP1};A;P1;PNS;;36;mungkin\n"))
    with pytest.raises(InputError) as info:
        validate_tables(read_tables(bad))
    assert [(p.row, p.rule) for p in info.value.problems] == [(2, "invalid_boolean")]


def test_excel_with_formulas_dates_and_text_nips(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Employees"
    ws.append(["NIP", "Nama", "Posisi", "Status", "Masa Jabatan Bulan", "Tanggal Lahir", "Kunci"])
    ws.append([NIP1, " Budi ", "P1", "PNS", 36, dt.datetime(1980, 1, 1), "ya"])
    ws.append([None, None, None, None, None, None, None])
    ws.append([NIP2, "Ani", "P2", "PNS", 24.5, dt.date(1985, 2, 14), False])
    pos = wb.create_sheet("positions")
    pos.append(["position_id", "unit_id", "jabatan", "workload_hours"])
    pos.append(["P1", "U1", "Analis", 1250.5])
    pos.append(["P2", "U1", "Analis", 2500])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    e = Problem.read(path).employees
    assert e["employee_id"].tolist() == [NIP1, NIP2]
    assert e["name"].tolist() == ["Budi", "Ani"]
    assert e["birth_date"].tolist() == [pd.Timestamp("1980-01-01"), pd.Timestamp("1985-02-14")]
    assert e["locked"].tolist() == [True, False]
    assert e["source_row"].tolist() == [2, 4]
    assert np.allclose(e["months_in_position"], [36, 24.5])


def test_sample_folder_is_not_modified(tmp_path: Path) -> None:
    copy = tmp_path / "s"
    shutil.copytree(SAMPLE, copy)
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    ab.solve(Problem.read(copy, POLICY))
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == before
