"""The reference table ``grade_codes``: an office's golongan codes read with the employees.

SIASN gives golongan as ids (``golRuangAkhirId``); the PNS ids 11..45 are read without help,
the ids of the PPPK golongan only through a ``grade_codes`` table (``code``, ``grade``,
optional ``status`` scale). Shown here: the table read from a CSV folder, a workbook, a JSON
document and DataFrames; a mixed roster of PNS ids and PPPK codes, including codes that are
also PNS ids (told apart by the scale); every bad row of the table reported at once; and the
sample ``docs/siasn_sample_codes`` planned and checked through the CLI, on the very input the
pemda sample gives with golongan as text.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from typer.testing import CliRunner

import asn_balance as ab
from asn_balance.apps.cli import app
from asn_balance.io.jsonschema import schema
from asn_balance.model.domain import GRADES, PART_TIME, PPPK_GRADES
from asn_balance.model.errors import InputError
from asn_balance.model.grade_codes import code_key
from asn_balance.model.readers import read_tables
from asn_balance.model.schema import GRADE_CODES
from conftest import solve_checked

DOCS = Path(__file__).resolve().parents[1] / "docs"
SAMPLE = DOCS / "siasn_sample_codes"
PEMDA = DOCS / "siasn_sample_pemda"
POLICY = ab.Policy(plan_date=dt.date(2026, 1, 1))
#: SIASN's id of each PNS golongan/ruang (11 is I/a, 45 is IV/e).
PNS_ID = {
    g: 10 * ("I", "II", "III", "IV").index(g[: g.index("/")]) + 11 + "abcde".index(g[-1]) for g in GRADES
}
NIPS = ("198503122010011001", "198707252011012002", "199001152022212001", "199205202023211003")


def positions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "position_id": ["P1", "P2"],
            "unit_id": ["U1", "U2"],
            "jabatan": ["Analis SDM Aparatur", "Analis SDM Aparatur"],
            "workload_hours": [1250, 1250],
            "min_grade_pppk": ["", "X"],
        }
    )


def employees(status: list[str], grade: list[Any], header: str = "golRuangAkhirId") -> pd.DataFrame:
    n = len(status)
    return pd.DataFrame(
        {
            "nipBaru": list(NIPS[:n]),
            "statusPegawai": status,
            header: grade,
            "posisi": ["P1"] * n,
            "months_in_position": [36] * n,
        }
    )


def problems(**frames: Any) -> list[tuple[str, int | None, str | None, str]]:
    """``(table, row, column, rule)`` of every problem raised by ``Problem.from_frames``."""
    with pytest.raises(InputError) as info:
        ab.Problem.from_frames(policy=POLICY, **frames)
    return [(p.table, p.row, p.column, p.rule) for p in info.value.problems]


# --------------------------------------------------------------------------- reading


def test_a_bare_number_is_a_pns_id_without_the_table() -> None:
    emp = employees(["PNS", "PPPK"], [32, 9])
    assert problems(employees=emp, positions=positions()) == [("employees", 3, "grade", "invalid_grade")]
    p = ab.Problem.from_frames(employees(["PNS", "PPPK"], [32, "IX"]), positions(), policy=POLICY)
    assert p.employees["grade"].tolist() == ["III/b", "IX"]
    assert p.grade_codes.empty and list(p.grade_codes.columns)[:3] == ["code", "grade", "status"]


def test_codes_of_the_pppk_scale_may_be_pns_ids_and_leave_pns_rows_alone() -> None:
    """``13`` is I/c for a PNS and XIII for a PPPK when the table says so for PPPK only."""
    codes = pd.DataFrame({"id": ["13", "9", "07"], "nama": ["Golongan XIII", "IX", "VII"], "status": "PPPK"})
    emp = employees(["PNS", "PPPK", "PPPK Paruh Waktu", "P3K"], [13, "13", "09", 7])
    p = ab.Problem.from_frames(emp, positions(), policy=POLICY, grade_codes=codes)
    assert p.employees["grade"].tolist() == ["I/c", "XIII", "IX", "VII"]
    assert p.employees["status"].tolist() == ["PNS", "PPPK", PART_TIME, "PPPK"]
    assert p.grade_codes["code"].tolist() == ["13", "9", "07"]
    assert p.grade_codes["grade"].tolist() == ["XIII", "IX", "VII"]  # canonical spellings
    assert any("3 grade(s) read through the grade_codes table" in w for w in p.warnings)


def test_unscoped_codes_outside_the_pns_ids_apply_to_every_row() -> None:
    codes = pd.DataFrame({"kode": [59, 60, 32], "golongan": ["IX", "X", "III/b"]})  # 32: same meaning
    p = ab.Problem.from_frames(
        employees(["PPPK", "PPPK", "PNS"], [59.0, 60.0, 32.0]), positions(), policy=POLICY, grade_codes=codes
    )
    assert p.employees["grade"].tolist() == ["IX", "X", "III/b"]


def test_codes_match_up_to_case_spaces_and_leading_zeros() -> None:
    assert code_key(" 007 ") == "7" == code_key(7) and code_key("p3k-ix") == "P3K-IX"
    assert code_key("a  b") == "A B"
    codes = pd.DataFrame({"code": ["p3k-x", "005"], "grade": ["X", "V"]})
    p = ab.Problem.from_frames(
        employees(["PPPK", "PPPK"], ["P3K-X", "5"], header="golongan"), positions(), policy=POLICY,
        grade_codes=codes,
    )  # fmt: skip
    assert p.employees["grade"].tolist() == ["X", "V"]


def test_an_empty_table_changes_nothing() -> None:
    codes = pd.DataFrame({"code": [], "grade": []}, dtype=object)
    p = ab.Problem.from_frames(employees(["PNS"], ["31"]), positions(), policy=POLICY, grade_codes=codes)
    assert p.employees["grade"].tolist() == ["III/a"] and p.grade_codes.empty


def test_every_bad_row_of_the_table_is_reported_at_once() -> None:
    codes = pd.DataFrame(
        {
            "code": ["13", "51", "51", "", "60", "70", "80", "90", "91"],
            "grade": ["XIII", "X", "XI", "IX", "III/b", "V", "Golongan XX", "IX", "IX"],
            "status": ["", "PPPK", "", "", "PPPK", "CPNS", "", "PNS", "PPPK"],
        }
    )
    emp = employees(["PPPK", "PPPK", "PNS", "PNS"], ["51", "13", "91", "90"])
    assert problems(employees=emp, positions=positions(), grade_codes=codes) == [
        # 91 is a code for PPPK only, and no grade of its own: named on the PNS row
        ("employees", 4, "grade", "invalid_grade"),
        # 90 gives a PPPK golongan to PNS rows: its row is wrong, so the employee is not reported again
        ("grade_codes", 2, "code", "grade_code_conflict"),  # 13 is SIASN's id of I/c
        ("grade_codes", 4, "code", "duplicate_id"),  # 51 is X for PPPK and XI for everyone
        ("grade_codes", 5, "code", "missing_value"),
        ("grade_codes", 6, "grade", "invalid_grade"),  # III/b is no PPPK golongan
        ("grade_codes", 7, "status", "invalid_status"),  # the scale is PNS or PPPK, not CPNS
        ("grade_codes", 8, "grade", "invalid_grade"),  # there is no golongan XX
        ("grade_codes", 9, "grade", "invalid_grade"),  # IX is no PNS golongan/ruang
    ]


def test_the_messages_say_what_is_wrong_and_how_to_fix_it() -> None:
    codes = pd.DataFrame(
        {"code": ["13", "IX", "91"], "grade": ["XIII", "X", "IX"], "status": ["", "", "PPPK"]},
    )
    with pytest.raises(InputError) as info:
        ab.Problem.from_frames(employees(["PNS"], ["91"]), positions(), policy=POLICY, grade_codes=codes)
    text = {(p.table, p.row): p.message for p in info.value.problems}
    assert "SIASN's id of the PNS golongan/ruang I/c" in text[("grade_codes", 2)]
    assert "give status PPPK" in text[("grade_codes", 2)]
    assert "already reads as the grade IX" in text[("grade_codes", 3)]
    assert "for PPPK employees only" in text[("employees", 2)] and "status is PNS" in text[("employees", 2)]


def test_same_code_twice_is_fine_when_it_means_the_same() -> None:
    codes = pd.DataFrame({"code": ["9", "09", "21", "21"], "grade": ["IX", "Golongan IX", "II/a", "II/a"],
                          "status": ["PPPK", "", "", "PNS"]})  # fmt: skip
    p = ab.Problem.from_frames(employees(["PPPK", "PNS"], ["9", "21"]), positions(), policy=POLICY,
                               grade_codes=codes)  # fmt: skip
    assert p.employees["grade"].tolist() == ["IX", "II/a"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.sampled_from(["PNS", "CPNS", "PPPK", PART_TIME]), st.integers(0, 16)), min_size=1,
             max_size=4),
    st.permutations(range(1, 120)),
    st.booleans(),
    st.booleans(),
)  # fmt: skip
def test_a_mixed_roster_reads_back_its_grades(
    rows: list[tuple[str, int]], numbers: list[int], scoped: bool, zeros: bool
) -> None:
    """PNS rows by SIASN id, PPPK rows by an office's numbers (which may be PNS ids when scoped)."""
    if scoped:
        code_of = dict(zip(PPPK_GRADES, numbers[:17], strict=True))
    else:  # for every row: numbers that are no PNS id
        free = [k for k in numbers if k not in PNS_ID.values()]
        code_of = dict(zip(PPPK_GRADES, free[:17], strict=True))
    codes = pd.DataFrame({"code": [str(code_of[g]) for g in PPPK_GRADES], "grade": list(PPPK_GRADES),
                          "status": ["PPPK" if scoped else ""] * 17})  # fmt: skip
    status = [s for s, _ in rows]
    truth = [(PPPK_GRADES if s in ("PPPK", PART_TIME) else GRADES)[k] for s, k in rows]
    pppk = [s in ("PPPK", PART_TIME) for s in status]
    cells = [
        (f"{code_of[g]:03d}" if zeros else code_of[g]) if is_pppk else PNS_ID[g]
        for is_pppk, g in zip(pppk, truth, strict=True)
    ]
    p = ab.Problem.from_frames(employees(status, cells), positions(), policy=POLICY, grade_codes=codes)
    assert p.employees["grade"].tolist() == truth


# --------------------------------------------------------------------------- every reader


@pytest.fixture(scope="module")
def pemda() -> ab.Problem:
    return ab.Problem.read(PEMDA, POLICY)


def test_the_sample_reads_to_the_pemda_input(pemda: ab.Problem) -> None:
    """The pemda's roster with golongan as numbers and grade_codes.csv is the same canonical
    input as with golongan as text: same grades, same fingerprint."""
    p = ab.Problem.read(SAMPLE, POLICY)
    assert p.input_sha256 == pemda.input_sha256 and p.input_tables == pemda.input_tables
    assert p.employees["grade"].tolist() == pemda.employees["grade"].tolist()
    pppk = p.employees["status"].isin(["PPPK", PART_TIME])
    header = (SAMPLE / "employees.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(";")
    raw = pd.read_csv(SAMPLE / "employees.csv", sep=";", dtype=str, encoding="utf-8-sig")
    assert "golRuangAkhirId" in header and raw["golRuangAkhirId"].str.fullmatch("[0-9]+").all()
    pppk_ids = set(raw.loc[pppk.to_numpy(), "golRuangAkhirId"].astype(int))
    assert pppk_ids & {11, 12}  # PPPK XI and XII: PNS ids too (I/a, I/b)
    assert len(p.grade_codes) == 34 and set(p.grade_codes["status"]) == {"PNS", "PPPK"}


def _tables() -> dict[str, pd.DataFrame]:
    return read_tables(SAMPLE)


def test_from_a_workbook(tmp_path: Path, pemda: ab.Problem) -> None:
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    for name, frame in _tables().items():
        ws = wb.create_sheet("Grade_Codes" if name == "grade_codes" else name)
        ws.append(list(frame.columns))
        for row in frame.itertuples(index=False):  # numbers as numbers, as Excel keeps them
            ws.append([int(v) if name != "positions" and v.isdigit() and len(v) < 6 else v for v in row])
    path = tmp_path / "pemda.xlsx"
    wb.save(path)
    assert ab.Problem.read(path, POLICY).input_sha256 == pemda.input_sha256


def test_from_a_json_document_valid_against_the_schema(tmp_path: Path, pemda: ab.Problem) -> None:
    doc = {name: frame.to_dict(orient="records") for name, frame in _tables().items()}
    path = tmp_path / "pemda.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert ab.Problem.read(path, POLICY).input_sha256 == pemda.input_sha256
    canonical = {"code": "59", "grade": "IX", "status": "PPPK"}
    listed = schema("input")
    assert list(listed["$defs"]["GradeCodeRow"]["properties"]) == list(GRADE_CODES.names)
    minimal = {
        "employees": [{"employee_id": NIPS[0], "position_id": "P1", "status": "PPPK", "grade": "IX",
                       "months_in_position": 36}],
        "positions": [{"position_id": "P1", "unit_id": "U1", "jabatan": "A", "workload_hours": 1250}],
        "grade_codes": [canonical],
    }  # fmt: skip
    validator = jsonschema.Draft202012Validator(listed)
    assert [e.message for e in validator.iter_errors(minimal)] == []
    minimal["grade_codes"] = [{"code": "59", "grade": "golongan nine"}]
    assert [e.message for e in validator.iter_errors(minimal)]


def test_from_a_mapping_of_frames(pemda: ab.Problem) -> None:
    assert ab.Problem.read(_tables(), POLICY).input_sha256 == pemda.input_sha256


# --------------------------------------------------------------------------- planning


def test_the_codes_decide_the_grade_rules() -> None:
    """P2 takes PPPK of golongan X and above: code 10 as X moves, code 10 as IX cannot."""
    emp = employees(["PPPK", "PPPK"], ["10", "10"])
    policy = ab.Policy(plan_date=dt.date(2026, 1, 1), allow_pppk=True)
    as_x_codes = pd.DataFrame({"code": ["10"], "grade": ["X"], "status": ["PPPK"]})
    as_x = ab.Problem.from_frames(emp, positions(), policy=policy, grade_codes=as_x_codes)
    assert solve_checked(as_x).n_moves == 1
    as_ix = ab.Problem.from_frames(emp, positions(), policy=policy,
                                   grade_codes=pd.DataFrame({"code": ["10"], "grade": ["IX"]}))  # fmt: skip
    result = solve_checked(as_ix)
    assert result.n_moves == 0
    report = ab.check(as_ix, {NIPS[0]: "P2"})
    assert [v.rule for v in report.violations] == ["min_grade"]


def test_plan_and_check_through_the_cli(tmp_path: Path, pemda: ab.Problem) -> None:
    plan = tmp_path / "plan.json"
    runner = CliRunner()
    done = runner.invoke(app, ["plan", str(SAMPLE), "--date", "2026-01-01", "--out", str(plan), "-q"])
    assert done.exit_code == 0, done.output
    summary = json.loads(plan.read_text(encoding="utf-8"))["summary"]
    assert summary["status"] == "optimal" and summary["input_sha256"] == pemda.input_sha256
    checked = runner.invoke(app, ["check", str(SAMPLE), str(plan)])
    assert checked.exit_code == 0, checked.output
    assert "OK" in checked.output and "claim verified" in checked.output
    # the pemda's own folder is the same input: the plan passes there too
    assert runner.invoke(app, ["check", str(PEMDA), str(plan)]).exit_code == 0
    # another meaning of a code in use is another input: the check says so
    changed = tmp_path / "changed"
    shutil.copytree(SAMPLE, changed)
    codes = (changed / "grade_codes.csv").read_text(encoding="utf-8-sig")
    assert "\n9;IX;PPPK\n" in codes
    (changed / "grade_codes.csv").write_text(codes.replace("\n9;IX;PPPK\n", "\n9;X;PPPK\n"), encoding="utf-8")
    again = runner.invoke(app, ["check", str(changed), str(plan)])
    assert again.exit_code != 0
    assert "input_changed" in again.output and "table employees changed" in again.output


def test_a_code_with_extra_leading_zeros_cannot_regrade_pns_ids() -> None:
    """``0013`` is matched as 13 (SIASN's I/c): mapping it to III/a for everyone is refused."""
    emp = pd.DataFrame({"employee_id": ["E1"], "position_id": ["P1"], "status": ["PNS"], "grade": ["13"],
                        "education": ["S1"], "months_in_position": ["30"]})  # fmt: skip
    pos = pd.DataFrame({"position_id": ["P1"], "unit_id": ["U1"], "jabatan": ["Analis"],
                        "workload_hours": ["1250"]})  # fmt: skip
    for code in ("13", "0013", " 013 "):
        codes = pd.DataFrame({"code": [code], "grade": ["III/a"]})
        with pytest.raises(ab.InputError) as e:
            ab.Problem.from_frames(emp, pos, grade_codes=codes)
        assert "grade_code_conflict" in {p.rule for p in e.value.problems}, code
