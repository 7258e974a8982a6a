"""Jabatan are matched as offices write them: case and white space do not make another jabatan,
the SIASN jabatan id (``kode_jabatan`` / ``jabatanId``) is matched first when both tables give
it, and two spellings of one jabatan in one table are reported."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import asn_balance as ab
from asn_balance.model.domain import jabatan_keys

POLICY = ab.Policy(plan_date=dt.date(2025, 1, 1))
N1, N2, N3, N4 = (
    "198501012010011001",
    "198602022011012002",
    "198703032012011003",
    "198804042013012004",
)


def test_keys_fold_case_and_white_space() -> None:
    got = jabatan_keys(["Analis  SDM Aparatur ", "analis sdm\taparatur", "ANALIS SDM APARATUR", "Arsiparis"])
    assert got.tolist() == ["analis sdm aparatur"] * 3 + ["arsiparis"]


def _positions(names: list[str], **extra: list[object]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "position_id": ["P1", "P2"],
            "unit_id": ["U1", "U2"],
            "jabatan": names,
            "workload_hours": [1250.0, 3750.0],
            **extra,
        }
    )


def _employees(position_ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "employee_id": [N1, N2, N3, N4][: len(position_ids)],
            "position_id": position_ids,
            "status": "PNS",
            "months_in_position": 36,
        }
    )


def test_two_spellings_are_one_jabatan_and_are_reported() -> None:
    problem = ab.Problem.from_frames(
        _employees(["P1", "P1", "P1"]),
        _positions(["Analis SDM Aparatur", "analis  sdm aparatur"]),
        policy=POLICY,
    )
    assert problem.jabatan_key[0] == problem.jabatan_key[1]
    assert any("more than one way" in w and "'Analis SDM Aparatur'" in w for w in problem.warnings)
    result = ab.solve(problem)
    # P1 needs 1, P2 needs 3: two move to P2 (the same jabatan, spelled otherwise)
    assert result.n_moves == 2 and set(result.moves["to_position"]) == {"P2"}
    report = ab.check(problem, result)
    assert report.ok, report.violations  # the checker reads the two spellings as one jabatan too


def test_different_jabatan_still_differ() -> None:
    problem = ab.Problem.from_frames(
        _employees(["P1", "P1", "P1"]), _positions(["Analis SDM Aparatur", "Arsiparis"]), policy=POLICY
    )
    result = ab.solve(problem)
    assert result.n_moves == 0
    forced = pd.DataFrame({"employee_id": [N1], "to_position": ["P2"]})
    assert "same_jabatan" in {v.rule for v in ab.check(problem, forced).violations}


def test_kode_jabatan_decides_when_every_position_has_one() -> None:
    positions = _positions(
        ["Analis SDM Aparatur", "Analis Sumber Daya Manusia Aparatur"], kode_jabatan=["J7", "J7"]
    )
    problem = ab.Problem.from_frames(_employees(["P1", "P1", "P1"]), positions, policy=POLICY)
    result = ab.solve(problem)
    assert result.n_moves == 2
    assert ab.check(problem, result).ok
    other = _positions(["Analis SDM Aparatur", "analis sdm aparatur"], kode_jabatan=["J7", "J8"])
    problem = ab.Problem.from_frames(_employees(["P1", "P1", "P1"]), other, policy=POLICY)
    assert ab.solve(problem).n_moves == 0  # same name, two SIASN ids: two jabatan
    forced = pd.DataFrame({"employee_id": [N1], "to_position": ["P2"]})
    assert "same_jabatan" in {v.rule for v in ab.check(problem, forced).violations}


def _siasn_employees(jabatan: list[str], kode: list[str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "nipBaru": [N1, N2, N3][: len(jabatan)],
            "unorId": ["U1"] * len(jabatan),
            "jabatanNama": jabatan,
            "statusPegawai": "PNS",
            "masa_jabatan_bulan": 36,
        }
    )
    if kode is not None:
        frame["jabatanId"] = kode
    return frame


def test_a_siasn_export_finds_its_position_whatever_the_spelling() -> None:
    positions = pd.DataFrame(
        {
            "position_id": ["P1"],
            "unit_id": ["U1"],
            "jabatan": ["Analis SDM Aparatur"],
            "workload_hours": [2500.0],
        }
    )
    employees = _siasn_employees(["ANALIS SDM APARATUR", " analis  sdm aparatur"])
    problem = ab.Problem.from_frames(employees, positions, policy=POLICY)
    assert problem.employees["position_id"].tolist() == ["P1", "P1"]
    assert any(w.startswith("employees: 1 jabatan written in more than one way") for w in problem.warnings)


def test_a_siasn_export_is_matched_by_jabatan_id_first() -> None:
    positions = pd.DataFrame(
        {
            "position_id": ["P1", "P2"],
            "unit_id": ["U1", "U1"],
            "jabatan": ["Analis SDM Aparatur", "Arsiparis Ahli Pertama"],
            "jabatanId": ["J7", "J9"],
            "workload_hours": [2500.0, 1250.0],
        }
    )
    # names differ from the ABK table's; the ids do not
    employees = _siasn_employees(["Analis Sumber Daya Manusia", "Arsiparis"], kode=["J7", "J9"])
    problem = ab.Problem.from_frames(employees, positions, policy=POLICY)
    assert problem.employees["position_id"].tolist() == ["P1", "P2"]
    assert not any("jabatanId" in w for w in problem.warnings)  # used, not an unused extra


def test_an_unknown_jabatan_is_still_an_unknown_position() -> None:
    positions = pd.DataFrame(
        {
            "position_id": ["P1"],
            "unit_id": ["U1"],
            "jabatan": ["Analis SDM Aparatur"],
            "workload_hours": [2500.0],
        }
    )
    with pytest.raises(ab.InputError) as info:
        ab.Problem.from_frames(_siasn_employees(["Pranata Komputer"]), positions, policy=POLICY)
    assert "unknown_position" in {p.rule for p in info.value.problems}
