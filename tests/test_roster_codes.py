"""Real rosters, part 1: PPPK golongan, PPPK Paruh Waktu, D-IV as S-1 and BUP from the jabatan.

Rows look like a SIASN export or an office spreadsheet: 18-digit NIPs (PNS) and NI PPPK
(``21`` where a NIP has the TMT month), SIASN and office spellings of statuses, golongan and
jenis jabatan. Every rule is shown allowed (a solved plan that moves, checked by
:func:`asn_balance.check`) and forbidden (the solver keeps the employee, and a hand-made plan
that makes the move is reported by the checker under exactly the rule's name).

The scene: ``P1`` (unit ``U1``) holds two staff for a need of one FTE, ``P2`` (unit ``U2``)
is empty with a need of one: moving one of the two balances both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

import asn_balance as ab
from asn_balance.check import CHECKED_RULES
from asn_balance.compile.eligibility import (
    eligibility,
    mover_rule,
    mover_rules_all,
    position_retirement_age,
    target_rules,
)
from asn_balance.model.domain import (
    JABATAN_LEVELS,
    JABATAN_RETIREMENT_AGE,
    PART_TIME,
    PPPK_GRADES,
    STATUSES,
    grade_rank,
    grade_rank_in,
    grade_scale,
    jabatan_kind,
    jabatan_retirement_age,
    parse_education,
    parse_grade,
    parse_jabatan_level,
    parse_jabatan_type,
)
from asn_balance.model.errors import InputError
from asn_balance.model.policy import RULES
from asn_balance.model.tables import TABLES

PLAN_DATE = dt.date(2026, 1, 15)
#: PNS: birth date + TMT CPNS + sex + serial.
NIP_A = "198503122010011001"
NIP_B = "198707252011012002"
#: PPPK (NI PPPK): birth date + year of appointment + 21 + sex + serial.
NI_C = "199001152022212001"
NI_D = "199205202023211003"
JABATAN = "Analis Sumber Daya Manusia Aparatur"


def roster(
    a: dict[str, Any] | None = None,
    b: dict[str, Any] | None = None,
    p1: dict[str, Any] | None = None,
    p2: dict[str, Any] | None = None,
    **policy: Any,
) -> ab.Problem:
    """The scene as text frames (as read from a CSV file); ``a`` and ``b`` override the two staff of P1."""
    base = {
        "position_id": "P1",
        "status": "PNS",
        "grade": "III/b",
        "education": "S1",
        "months_in_position": "36",
        "locked": "tidak",
    }
    employees = pd.DataFrame(
        [
            {"employee_id": NIP_A, "name": "Rina Wulandari, S.E.", **base, **(a or {})},
            {"employee_id": NIP_B, "name": "Dedi Kurniawan, S.Kom.", **base, **(b or {})},
        ],
        dtype=object,
    )
    positions = pd.DataFrame(
        [
            {
                "position_id": "P1",
                "unit_id": "U1",
                "unit_name": "Sekretariat Daerah",
                "jabatan": JABATAN,
                "workload_hours": "1250",
                **(p1 or {}),
            },
            {
                "position_id": "P2",
                "unit_id": "U2",
                "unit_name": "BKPSDM",
                "jabatan": JABATAN,
                "workload_hours": "1250",
                **(p2 or {}),
            },
        ],
        dtype=object,
    ).fillna("")
    policy.setdefault("plan_date", PLAN_DATE)
    return ab.Problem.from_frames(employees, positions, policy=ab.Policy(**policy))


def solved(problem: ab.Problem) -> dict[str, str]:
    """Solve, verify with the checker, and return the plan as ``{employee_id: to_position}``."""
    result = ab.solve(problem, time_limit=20.0)
    assert result.status == "optimal", result
    report = ab.check(problem, result)
    assert report.ok, str(report)
    return dict(zip(result.moves["employee_id"], result.moves["to_position"], strict=True))


def only(problem: ab.Problem, plan: dict[str, str], rule: str, subject: str) -> str:
    """The checker reports exactly one violation of the plan: ``rule`` about ``subject``."""
    report = ab.check(problem, plan)
    assert [(v.rule, v.subject) for v in report.violations] == [(rule, subject)], str(report)
    return report.violations[0].message


def input_problems(problem: Any) -> list[tuple[str, int | None, str | None, str]]:
    """``(table, row, column, rule)`` of every input problem raised while building a problem."""
    with pytest.raises(InputError) as info:
        problem()
    return [(p.table, p.row, p.column, p.rule) for p in info.value.problems]


# --------------------------------------------------------------------------- PPPK golongan


@pytest.mark.parametrize(
    ("text", "grade"),
    [
        ("IX", "IX"),
        ("ix", "IX"),
        (" Golongan IX ", "IX"),
        ("Gol. IX", "IX"),
        ("gol ix", "IX"),
        ("PPPK IX", "IX"),
        ("P3K golongan xvii", "XVII"),
        ("I", "I"),
        ("IV", "IV"),
        ("XVII", "XVII"),
        ("III/b", "III/b"),
        ("3b", "III/b"),
        ("32", "III/b"),
        ("IV-e", "IV/e"),
        ("PPPK-07", "VII"),
        ("P3K 9", "IX"),
        ("PPPK Gol. 11", "XI"),
        ("pppk 17", "XVII"),
        ("P3K/XII", "XII"),
    ],
)
def test_grade_spellings(text: str, grade: str) -> None:
    assert parse_grade(text) == grade


@pytest.mark.parametrize(
    "text",
    ["XVIII", "XX", "Golongan XX", "IX/a", "0", "9", "17", "II/e", "golongan", "PPPK 18", "PPPK-0", "PPPK"],
)
def test_grade_spellings_rejected(text: str) -> None:
    assert parse_grade(text) is None


def test_grades_rank_within_their_scale() -> None:
    assert PPPK_GRADES[0] == "I" and PPPK_GRADES[-1] == "XVII" and len(PPPK_GRADES) == 17
    assert [grade_rank(g) for g in PPPK_GRADES] == list(range(17))
    assert grade_rank("I/a") == 0 and grade_rank("IV/e") == 16
    assert (grade_scale("IX"), grade_scale("III/b")) == ("PPPK", "PNS")
    assert grade_rank_in("IX", "PPPK") == 8 and grade_rank_in("III/b", "PNS") == 9
    with pytest.raises(KeyError):
        grade_rank_in("IX", "PNS")  # a PPPK golongan has no rank among PNS grades
    with pytest.raises(KeyError):
        grade_rank_in("III/b", "PPPK")


def test_grade_columns_take_their_own_scale() -> None:
    problem = roster(
        a={"status": "PPPK", "grade": "Golongan IX"},
        p2={"min_grade": "3a", "golongan_min_pppk": "gol. VII", "max_grade_pppk": "xi"},
    )
    assert problem.employees["grade"].tolist() == ["IX", "III/b"]
    pos = problem.positions.set_index("position_id")
    assert (pos.loc["P2", "min_grade"], pos.loc["P2", "min_grade_pppk"], pos.loc["P2", "max_grade_pppk"]) == (
        "III/a",
        "VII",
        "XI",
    )
    with pytest.raises(InputError) as info:
        roster(p2={"min_grade": "IX", "max_grade_pppk": "III/d"})
    got = {(p.table, p.row, p.column, p.value, p.rule): p.message for p in info.value.problems}
    assert set(got) == {
        ("positions", 3, "min_grade", "IX", "invalid_grade"),
        ("positions", 3, "max_grade_pppk", "III/d", "invalid_grade"),
    }
    assert "PNS golongan/ruang" in got["positions", 3, "min_grade", "IX", "invalid_grade"]
    assert "min_grade_pppk" in got["positions", 3, "min_grade", "IX", "invalid_grade"]
    assert "PPPK golongan" in got["positions", 3, "max_grade_pppk", "III/d", "invalid_grade"]
    assert input_problems(lambda: roster(a={"grade": "XVIII"})) == [
        ("employees", 2, "grade", "invalid_grade")
    ]
    assert input_problems(lambda: roster(p2={"min_grade_pppk": "XI", "max_grade_pppk": "IX"})) == [
        ("positions", 3, "min_grade_pppk", "min_above_max")
    ]


def test_pppk_grade_bound_allows() -> None:
    """A PPPK of golongan IX moves into a position asking PPPK golongan IX..XI; its PNS bound
    (IV/a, above any PNS grade here) does not apply to a PPPK."""
    problem = roster(
        a={"employee_id": NI_C, "status": "PPPK", "grade": "IX"},
        b={"months_in_position": "6"},
        p2={"min_grade": "IV/a", "min_grade_pppk": "IX", "max_grade_pppk": "XI"},
        allow_pppk=True,
    )
    assert solved(problem) == {NI_C: "P2"}
    i = int(problem.employees.index[problem.employees["employee_id"] == NI_C][0])
    assert target_rules(problem, i, 1) == []


@pytest.mark.parametrize(
    ("grade", "bounds", "rule", "words"),
    [
        ("VII", {"min_grade_pppk": "IX"}, "min_grade", "has grade VII below min_grade_pppk IX"),
        ("XII", {"max_grade_pppk": "XI"}, "max_grade", "has grade XII above max_grade_pppk XI"),
        ("III/c", {"min_grade_pppk": "V"}, "min_grade", "not a PPPK golongan"),
        ("", {"min_grade_pppk": "V"}, "min_grade", "has no grade"),
    ],
)
def test_pppk_grade_bound_forbids(grade: str, bounds: dict[str, str], rule: str, words: str) -> None:
    problem = roster(
        a={"employee_id": NI_C, "status": "PPPK", "grade": grade},
        b={"months_in_position": "6"},
        p2={"min_grade": "I/a", **bounds},  # a PNS bound every grade meets, never a PPPK's
        allow_pppk=True,
    )
    assert solved(problem) == {}
    assert words in only(problem, {NI_C: "P2"}, rule, NI_C)
    i = int(problem.employees.index[problem.employees["employee_id"] == NI_C][0])
    assert [r for r, _ in target_rules(problem, i, 1)] == [rule]


def test_pns_bound_applies_to_pns_and_cpns_only() -> None:
    """A PNS with III/b fails min_grade III/c; the PPPK bounds beside it never bind a PNS."""
    problem = roster(b={"months_in_position": "6"}, p2={"min_grade": "III/c", "min_grade_pppk": "I"})
    assert solved(problem) == {}
    assert "has grade III/b below min_grade III/c" in only(problem, {NIP_A: "P2"}, "min_grade", NIP_A)
    fine = roster(b={"months_in_position": "6"}, p2={"min_grade": "III/a", "min_grade_pppk": "XVII"})
    assert solved(fine) == {NIP_A: "P2"}
    # a PNS holding a PPPK golongan has no PNS grade: it fails a set PNS bound
    odd = roster(a={"grade": "IX"}, b={"months_in_position": "6"}, p2={"min_grade": "I/a"})
    assert "not a PNS golongan/ruang" in only(odd, {NIP_A: "P2"}, "min_grade", NIP_A)


def test_mixed_roster_with_both_grade_ranges() -> None:
    """PNS and PPPK in one roster; P2 and P3 give both a PNS and a PPPK grade range. The plan
    moves each to the position whose range of their own scale they meet."""
    employees = pd.DataFrame(
        [
            {
                "nipBaru": NIP_A,
                "nama": "Rina Wulandari, S.E.",
                "position_id": "P1",
                "statusPegawai": "PNS",
                "golRuangAkhirId": "34",
                "pendidikan": "S-1",
                "months_in_position": "40",
            },
            {
                "nipBaru": NIP_B,
                "nama": "Dedi Kurniawan, S.Kom.",
                "position_id": "P1",
                "statusPegawai": "PNS",
                "golRuangAkhirId": "32",
                "pendidikan": "S1",
                "months_in_position": "12",
            },
            {
                "nipBaru": NI_C,
                "nama": "Siti Aminah, A.Md.",
                "position_id": "P1",
                "statusPegawai": "P3K",
                "golRuangAkhirId": "Golongan IX",
                "pendidikan": "D-III",
                "months_in_position": "30",
            },
            {
                "nipBaru": NI_D,
                "nama": "Yusuf Pratama, S.T.",
                "position_id": "P1",
                "statusPegawai": "PPPK",
                "golRuangAkhirId": "VII",
                "pendidikan": "S1",
                "months_in_position": "30",
            },
        ],
        dtype=object,
    )
    positions = pd.DataFrame(
        [
            {"position_id": "P1", "unit_id": "U1", "jabatan": JABATAN, "workload_hours": "1250"},
            {
                "position_id": "P2",
                "unit_id": "U2",
                "jabatan": JABATAN,
                "workload_hours": "1250",
                "golongan_min": "III/d",
                "golongan_max": "IV/b",
                "golongan_min_pppk": "IX",
                "golongan_max_pppk": "XI",
            },
            {
                "position_id": "P3",
                "unit_id": "U3",
                "jabatan": JABATAN,
                "workload_hours": "1250",
                "golongan_min": "III/a",
                "golongan_max": "III/c",
                "golongan_min_pppk": "V",
                "golongan_max_pppk": "VII",
            },
        ],
        dtype=object,
    ).fillna("")
    problem = ab.Problem.from_frames(
        employees, positions, policy=ab.Policy(allow_pppk=True, plan_date=PLAN_DATE)
    )
    assert problem.employees["grade"].tolist() == ["III/d", "III/b", "IX", "VII"]
    assert problem.employees["status"].tolist() == ["PNS", "PNS", "PPPK", "PPPK"]
    plan = solved(problem)
    # P1 needs 1 and holds 4: three leave. Dedi has 12 months and stays; Rina (III/d) fits
    # only P2's PNS range, Siti (IX) only P2's PPPK range, Yusuf (VII) only P3's PPPK range.
    assert len(plan) == 2 and plan[NI_D] == "P3" and plan.get(NIP_A, plan.get(NI_C)) == "P2"
    el = eligibility(problem)
    fits = {(int(p), int(c)) for p, c in zip(el.arc_profile, el.arc_class, strict=True)}
    for i in range(problem.n_employees):
        for j in (1, 2):
            vector = el.profile[i] >= 0 and (int(el.profile[i]), int(el.position_class[j])) in fits
            assert vector == (el.profile[i] >= 0 and target_rules(problem, i, j) == []), (i, j)
    wrong = {NIP_A: "P3", NI_C: "P3", NI_D: "P2"}
    report = ab.check(problem, wrong)
    assert sorted((v.rule, v.subject) for v in report.violations) == [
        ("max_grade", NIP_A),
        ("max_grade", NI_C),
        ("min_grade", NI_D),
    ]


# --------------------------------------------------------------------------- statuses, part_time


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("PPPK PARUH WAKTU", PART_TIME),
        ("PPPK Paruh Waktu", PART_TIME),
        ("P3K Paruh Waktu", PART_TIME),
        ("PPPK-PW", PART_TIME),
        ("PPPK PW", PART_TIME),
        ("Paruh Waktu", PART_TIME),
        ("pppk (paruh waktu)", PART_TIME),
        ("P3K-PW", PART_TIME),
        ("PPPK", "PPPK"),
        ("p3k", "PPPK"),
        ("PPPK Penuh Waktu", "PPPK"),
        ("pns", "PNS"),
        ("Pegawai Negeri Sipil", "PNS"),
        ("CPNS", "CPNS"),
        ("Calon PNS", "CPNS"),
    ],
)
def test_status_spellings(text: str, status: str) -> None:
    problem = roster(a={"status": text})
    assert problem.employees["status"].iloc[0] == status
    assert status in STATUSES


def test_invalid_status_names_the_statuses() -> None:
    with pytest.raises(InputError) as info:
        roster(b={"status": "Honorer"})
    (p,) = info.value.problems
    assert (p.table, p.row, p.column, p.value, p.rule) == (
        "employees",
        3,
        "status",
        "Honorer",
        "invalid_status",
    )
    assert "PPPK Paruh Waktu" in p.message and "CPNS" in p.message


def test_part_time_rule_is_named_and_checked() -> None:
    assert "part_time" in RULES and "part_time" in CHECKED_RULES
    assert "never" in RULES["part_time"]


def test_part_time_never_moves() -> None:
    """Even with allow_pppk, the PPPK Paruh Waktu stays and the full-time PPPK moves."""
    problem = roster(
        a={"employee_id": NI_C, "status": "PPPK Paruh Waktu", "grade": "V", "months_in_position": "100"},
        b={"employee_id": NI_D, "status": "PPPK", "grade": "V"},
        allow_pppk=True,
    )
    assert mover_rule(problem).tolist() == ["part_time", ""]
    assert mover_rules_all(problem, 0) == ["part_time"]
    assert solved(problem) == {NI_D: "P2"}
    message = only(problem, {NI_C: "P2"}, "part_time", NI_C)
    assert "PPPK Paruh Waktu" in message


def test_part_time_alone_stays() -> None:
    """Only a part-timer could balance the positions: nobody moves."""
    problem = roster(
        a={"employee_id": NI_C, "status": "P3K Paruh Waktu", "grade": "V"},
        b={"months_in_position": "6"},
        allow_pppk=True,
    )
    assert solved(problem) == {}
    assert mover_rule(problem)[0] == "part_time"


# --------------------------------------------------------------------------- D-IV as S-1


@pytest.mark.parametrize("text", ["D4", "D-IV", "DIV", "d iv", "35", "SST"])
def test_d4_spellings(text: str) -> None:
    assert parse_education(text) == "D4"


def test_d4_meets_s1_by_default() -> None:
    problem = roster(a={"education": "D-IV"}, b={"months_in_position": "6"}, p2={"min_education": "S-1"})
    assert problem.policy.d4_equals_s1
    assert solved(problem) == {NIP_A: "P2"}
    assert target_rules(problem, 0, 1) == []
    assert ab.check(problem, {NIP_A: "P2"}).ok


def test_d4_strict_forbids() -> None:
    problem = roster(
        a={"education": "D-IV"}, b={"months_in_position": "6"}, p2={"min_education": "S1"}, d4_equals_s1=False
    )
    assert solved(problem) == {}
    assert "has education D4 below min_education S1" in only(problem, {NIP_A: "P2"}, "min_education", NIP_A)
    assert [r for r, _ in target_rules(problem, 0, 1)] == ["min_education"]


@pytest.mark.parametrize(("education", "minimum"), [("D4", "S2"), ("S1", "S2"), ("D3", "S1"), ("D3", "D4")])
def test_d4_equivalence_is_only_d4_for_s1(education: str, minimum: str) -> None:
    problem = roster(a={"education": education}, b={"months_in_position": "6"}, p2={"min_education": minimum})
    assert solved(problem) == {}
    only(problem, {NIP_A: "P2"}, "min_education", NIP_A)
    assert [r for r, _ in target_rules(problem, 0, 1)] == ["min_education"]


# --------------------------------------------------------------------------- BUP from the jabatan


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Jabatan Fungsional Ahli Muda", "Fungsional Ahli Muda"),
        ("JF Ahli Madya", "Fungsional Ahli Madya"),
        ("jf ahli utama", "Fungsional Ahli Utama"),
        ("JFT Ahli Pertama", "Fungsional Ahli Pertama"),
        ("Fungsional Tertentu", "Fungsional"),
        ("Jabatan Fungsional", "Fungsional"),
        ("Fungsional", "Fungsional"),
        ("Fungsional Keterampilan", "Fungsional Keterampilan"),
        ("JF Terampil", "Fungsional Terampil"),
        ("Jabatan Pelaksana", "Pelaksana"),
        ("PELAKSANA", "Pelaksana"),
        ("Fungsional Umum", "Pelaksana"),
        ("Jabatan Administrator", "Administrator"),
        ("Pengawas", "Pengawas"),
        ("Jabatan Administrasi", "Administrasi"),
        ("JPT Pratama", "JPT Pratama"),
        ("Jabatan Pimpinan Tinggi Madya", "JPT Madya"),
        ("JPT", "JPT"),
        ("Struktural", "Struktural"),
        ("Struktural Eselon III", "Administrator"),
        ("Eselon II", "JPT Pratama"),
        ("Ahli Madya", "Fungsional Ahli Madya"),
        ("1", "Struktural"),
        ("2", "Fungsional"),
        ("4", "Pelaksana"),
    ],
)
def test_jabatan_type_spellings(text: str, kind: str) -> None:
    assert parse_jabatan_type(text) == kind
    assert kind in JABATAN_RETIREMENT_AGE


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Ahli Madya", "Ahli Madya"),
        ("ahli-muda", "Ahli Muda"),
        ("Muda", "Ahli Muda"),
        ("Madya", "Madya"),
        ("Pratama", "Pratama"),
        ("Terampil", "Terampil"),
        ("Penyelia", "Penyelia"),
        ("Eselon III", "Administrator"),
        ("Eselon IV.a", "Pengawas"),
        ("II.b", "Pratama"),
        ("Pelaksana", "Pelaksana"),
        ("JF Ahli Utama", "Ahli Utama"),
    ],
)
def test_jabatan_level_spellings(text: str, level: str) -> None:
    assert parse_jabatan_level(text) == level
    assert level in JABATAN_LEVELS


@pytest.mark.parametrize(
    ("kind", "level", "age"),
    [
        ("Pelaksana", "", 58),
        ("Administrator", "", 58),
        ("Pengawas", "", 58),
        ("Fungsional", "Ahli Pertama", 58),
        ("Fungsional", "Ahli Muda", 58),
        ("Fungsional", "Terampil", 58),
        ("Fungsional", "Mahir", 58),
        ("Fungsional", "Penyelia", 58),
        ("Fungsional", "Pemula", 58),
        ("JPT Pratama", "", 60),
        ("JPT", "Madya", 60),
        ("Struktural", "Utama", 60),
        ("Fungsional", "Ahli Madya", 60),
        ("JF Ahli Madya", "", 60),
        ("Fungsional", "Ahli Utama", 65),
        ("", "Ahli Utama", 65),
        ("Fungsional", "", None),
        ("Struktural", "", None),
        ("", "", None),
    ],
)
def test_bup_by_jabatan(kind: str, level: str, age: int | None) -> None:
    """PP 11/2017 Pasal 239: 58 administrasi, keterampilan, ahli pertama and muda; 60 JPT and
    ahli madya; 65 ahli utama; undecided for a JF or jabatan struktural without its jenjang."""
    assert jabatan_retirement_age(kind, level) == age


def test_jabatan_type_and_level_must_agree() -> None:
    assert jabatan_kind("JF Ahli Muda", "Ahli Madya") is None
    assert jabatan_kind("Pelaksana", "Pratama") is None
    assert jabatan_kind("Fungsional", "Madya") == "Fungsional Ahli Madya"
    assert jabatan_kind("Struktural", "Eselon II.a") == "JPT Pratama"
    with pytest.raises(InputError) as info:
        roster(
            p1={"jenisJabatan": "JF Ahli Muda", "jenjangJabatan": "Ahli Madya"},
            p2={"jenisJabatan": "Pengawas Sekolah"},
        )
    got = {(p.table, p.row, p.column, p.value, p.rule): p.message for p in info.value.problems}
    assert set(got) == {
        ("positions", 2, "jabatan_level", "Ahli Madya", "invalid_jabatan_type"),
        ("positions", 3, "jabatan_type", "Pengawas Sekolah", "invalid_jabatan_type"),
    }
    assert (
        "does not fit jabatan_type"
        in got["positions", 2, "jabatan_level", "Ahli Madya", "invalid_jabatan_type"]
    )
    listed = got["positions", 3, "jabatan_type", "Pengawas Sekolah", "invalid_jabatan_type"]
    assert "JPT Utama/Madya/Pratama" in listed and "Fungsional Ahli Utama" in listed
    assert input_problems(lambda: roster(p2={"jenjang": "Kepala"})) == [
        ("positions", 3, "jabatan_level", "invalid_jabatan_type")
    ]


def test_jabatan_columns_and_aliases() -> None:
    names = TABLES["positions"].names
    assert {"min_grade_pppk", "max_grade_pppk", "jabatan_type", "jabatan_level"} <= set(names)
    hmap = TABLES["positions"].header_map
    for header, column in [
        ("jenisjabatan", "jabatan_type"),
        ("jenis_jabatan", "jabatan_type"),
        ("jenisjabatannama", "jabatan_type"),
        ("jenjangjabatan", "jabatan_level"),
        ("jenjang", "jabatan_level"),
        ("golongan_min_pppk", "min_grade_pppk"),
    ]:
        assert hmap[header] == column
    problem = roster(
        p1={"jenisJabatanNama": "Jabatan Fungsional", "jenjangJabatan": "ahli madya"},
        p2={"jenisJabatanNama": "JPT Pratama"},
    )
    pos = problem.positions.set_index("position_id")
    assert pos["jabatan_type"].tolist() == ["Fungsional", "JPT Pratama"]
    assert pos["jabatan_level"].tolist() == ["Ahli Madya", ""]
    assert position_retirement_age(problem).tolist() == [60.0, 60.0]


#: Born 10 July 1968: 58 in July 2026, within 12 months of the plan date 15 January 2026.
BORN_1968 = "10-07-1968"


@pytest.mark.parametrize(
    ("p1", "age"),
    [
        ({"jenis_jabatan": "Jabatan Fungsional", "jenjang": "Ahli Madya"}, 60),
        ({"jenis_jabatan": "JPT Pratama"}, 60),
        ({"jenis_jabatan": "JF Ahli Utama"}, 65),
        ({"jenis_jabatan": "Pelaksana", "bup": "60"}, 60),
    ],
)
def test_bup_of_the_jabatan_allows(p1: dict[str, str], age: int) -> None:
    problem = roster(a={"tglLahir": BORN_1968}, b={"months_in_position": "6"}, p1=p1)
    assert position_retirement_age(problem)[0] == age
    assert solved(problem) == {NIP_A: "P2"}


@pytest.mark.parametrize(
    ("p1", "policy", "source"),
    [
        ({"jenis_jabatan": "Jabatan Fungsional Ahli Muda"}, {}, "jabatan_type"),
        ({"jenis_jabatan": "Jabatan Pelaksana"}, {"retirement_age": 60}, "jabatan_type"),
        ({"jenis_jabatan": "Administrator"}, {}, "jabatan_type"),
        ({"jenis_jabatan": "Fungsional"}, {}, "of the policy"),  # no jenjang: the policy's 58
        ({"jenis_jabatan": "JF Ahli Utama", "bup": "58"}, {}, "of position P1"),
    ],  # retirement_age first
)
def test_bup_of_the_jabatan_forbids(p1: dict[str, str], policy: dict[str, Any], source: str) -> None:
    problem = roster(a={"tglLahir": BORN_1968}, b={"months_in_position": "6"}, p1=p1, **policy)
    assert position_retirement_age(problem)[0] == 58
    assert mover_rule(problem)[0] == "retirement_buffer"
    assert solved(problem) == {}
    message = only(problem, {NIP_A: "P2"}, "retirement_buffer", NIP_A)
    assert "retirement age 58" in message and source in message


def test_policy_age_stays_the_fallback() -> None:
    """Without retirement_age and without a jabatan that decides it, Policy.retirement_age counts."""
    free = roster(a={"tglLahir": BORN_1968}, b={"months_in_position": "6"}, retirement_age=60)
    assert np.array_equal(position_retirement_age(free), [60.0, 60.0])
    assert solved(free) == {NIP_A: "P2"}


def test_demo_reads_its_jenis_jabatan() -> None:
    problem = ab.Problem.read(ab.datasets.demo_path())
    kinds = set(problem.positions["jabatan_type"])
    assert kinds == {"Fungsional", "Pelaksana"}
    assert not any("jenis_jabatan" in w for w in problem.warnings)
